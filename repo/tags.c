/* The tags that name commits, and a stamp of where tags live (repo.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "repo/internal.h"
#include "repo/repo.h"
#include "util/array.h"
#include "util/hash.h"

#define TAG_PREFIX "refs/tags/"

struct tag_list {
	struct repo_tag *tags;
	size_t n, alloc;
};

/* One ref under refs/tags/: a tag that cannot be read or peels to no commit
 * is left out. 0 or -ENOMEM. */
static int add_ref(struct tag_list *list, struct repo *r, const git_reference *ref)
{
	const char *name = git_reference_name(ref) + strlen(TAG_PREFIX);
	const git_oid *target = git_reference_target(ref);
	git_object *obj = NULL, *peeled = NULL;
	struct repo_tag tag = {.time = INT64_MIN};
	int rc = 0;
	if (!target || git_object_lookup(&obj, r->git, target, GIT_OBJECT_ANY) < 0)
		return 0;
	if (git_object_type(obj) == GIT_OBJECT_TAG) {
		const git_signature *tagger = git_tag_tagger((const git_tag *)obj);
		tag.annotated = true;
		if (tagger)
			tag.time = (int64_t)tagger->when.time;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0) {
		git_oid_tostr(tag.commit, sizeof(tag.commit), git_object_id(peeled));
		if (!(tag.name = strdup(name)) || ALLOC_GROW(list->tags, list->n + 1, list->alloc)) {
			free(tag.name);
			rc = -ENOMEM;
		} else {
			list->tags[list->n++] = tag;
		}
	}
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

int repo_tags(struct repo_tag **out, size_t *n, struct repo *r,
	      bool (*want)(const char *name, void *arg), void *arg)
{
	struct tag_list list = {0};
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int rc = 0;
	*out = NULL;
	*n = 0;
	/* One pass over the refs: git_tag_foreach would look each one up again
	 * by name. An iterator that cannot start means no tags to show. */
	if (git_reference_iterator_glob_new(&it, r->git, TAG_PREFIX "*") < 0)
		return 0;
	while (rc == 0 && git_reference_next(&ref, it) == 0) {
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
		    (!want || want(git_reference_name(ref) + strlen(TAG_PREFIX), arg)))
			rc = add_ref(&list, r, ref);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (rc) {
		repo_tags_free(list.tags, list.n);
		return rc;
	}
	*out = list.tags;
	*n = list.n;
	return 0;
}

void repo_tags_free(struct repo_tag *tags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(tags[i].name);
	free(tags);
}

static void stamp_file(char *out, size_t size, const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    stat(path, &st) < 0) {
		snprintf(out, size, "-");
		return;
	}
	snprintf(out, size, "%llu.%lld.%lld.%ld", (unsigned long long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

uint64_t repo_tags_stamp(struct repo *r)
{
	/* Tags live in the common directory (shared by worktrees). A tag written
	 * or deleted loose renames or unlinks an entry of refs/tags/ (its mtime
	 * changes); packing or deleting a packed one rewrites packed-refs. */
	const char *dir = git_repository_commondir(r->git);
	char packed[96], loose[96], both[200];
	if (!dir)
		return 0;
	stamp_file(packed, sizeof(packed), dir, "packed-refs");
	stamp_file(loose, sizeof(loose), dir, "refs/tags");
	snprintf(both, sizeof(both), "%s %s", packed, loose);
	return hash_string(both, 0);
}
