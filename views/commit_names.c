#include <errno.h>
#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/names.h"
#include "views/commit_names.h"
#include "views/sides.h"

#define DIGITS "0123456789"
#define TAG_PREFIX "refs/tags/"

struct tag {
	git_oid commit; /* what the tag peels to */
	char *name;     /* without refs/tags/ */
	bool annotated;
	int64_t time;   /* the tagger's date; INT64_MIN when there is none */
	signed char usable; /* -1 not checked yet, else 0 or 1 */
};

struct commit_names {
	const struct view_ctx *ctx;
	struct tag *tags; /* by commit, each commit's in order of preference */
	size_t ntags, cap;
	struct store_baseline *baselines; /* by name */
	size_t nbaselines;
};

/* What the name alone rules out, before any object is read. */
static bool name_may_serve(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > COMMIT_NAME_MAX || strchr(name, '/') || strstr(name, "..") ||
	    strpbrk(name, "\t\n"))
		return false;
	/* Names side_resolve reads as runs, now or once such a run exists. */
	if (strcmp(name, "latest") == 0 || strspn(name, DIGITS) == len)
		return false;
	return !(strncmp(name, "run-", 4) == 0 && strspn(name + 4, DIGITS) == len - 4);
}

static int add_tag(struct commit_names *names, const git_oid *commit, const char *name,
		   bool annotated, int64_t time)
{
	struct tag *t;
	if (names->ntags == names->cap) {
		size_t cap = names->cap ? names->cap * 2 : 64;
		struct tag *grown = realloc(names->tags, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		names->tags = grown;
		names->cap = cap;
	}
	t = &names->tags[names->ntags];
	*t = (struct tag){.annotated = annotated, .time = time, .usable = -1};
	git_oid_cpy(&t->commit, commit);
	if (!(t->name = strdup(name)))
		return -ENOMEM;
	names->ntags++;
	return 0;
}

/* One ref under refs/tags/: a tag that cannot be read or peels to no commit
 * is left out. -ENOMEM only. */
static int add_ref(struct commit_names *names, const git_reference *ref)
{
	const char *name = git_reference_name(ref) + strlen(TAG_PREFIX);
	const git_oid *target = git_reference_target(ref);
	git_object *obj = NULL, *peeled = NULL;
	bool annotated = false;
	int64_t time = INT64_MIN;
	int rc = 0;
	if (!target || !name_may_serve(name) ||
	    git_object_lookup(&obj, names->ctx->repo, target, GIT_OBJECT_ANY) < 0)
		return 0;
	if (git_object_type(obj) == GIT_OBJECT_TAG) {
		const git_signature *tagger = git_tag_tagger((const git_tag *)obj);
		annotated = true;
		if (tagger)
			time = (int64_t)tagger->when.time;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0)
		rc = add_tag(names, git_object_id(peeled), name, annotated, time);
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

/* The refs under refs/tags/, in one pass (git_tag_foreach would look each
 * one up again by name). A ref libgit2 cannot read ends the pass: the
 * commits of the tags not seen are named by hash. */
static int load_tags(struct commit_names *names)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int rc = 0;
	if (git_reference_iterator_glob_new(&it, names->ctx->repo, TAG_PREFIX "*") < 0)
		return 0;
	while (rc == 0 && git_reference_next(&ref, it) == 0) {
		rc = add_ref(names, ref);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return rc;
}

/* Preference among one commit's tags: annotated, newest tagger date, name. */
static int cmp_tag(const void *a, const void *b)
{
	const struct tag *x = a, *y = b;
	int c = git_oid_cmp(&x->commit, &y->commit);
	if (c)
		return c;
	if (x->annotated != y->annotated)
		return x->annotated ? -1 : 1;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_baseline(const void *a, const void *b)
{
	return strcmp(((const struct store_baseline *)a)->name,
		      ((const struct store_baseline *)b)->name);
}

int commit_names_load(struct commit_names **out, const struct view_ctx *ctx)
{
	struct commit_names *names = calloc(1, sizeof(*names));
	*out = NULL;
	if (!names)
		return -ENOMEM;
	names->ctx = ctx;
	if (store_baselines_list(ctx->store, &names->baselines, &names->nbaselines)) {
		commit_names_free(names);
		return -EIO;
	}
	if (names->nbaselines)
		qsort(names->baselines, names->nbaselines, sizeof(*names->baselines), cmp_baseline);
	if (load_tags(names)) {
		commit_names_free(names);
		return -ENOMEM;
	}
	if (names->ntags)
		qsort(names->tags, names->ntags, sizeof(*names->tags), cmp_tag);
	*out = names;
	return 0;
}

void commit_names_free(struct commit_names *names)
{
	if (!names)
		return;
	for (size_t i = 0; i < names->ntags; i++)
		free(names->tags[i].name);
	free(names->tags);
	free(names->baselines);
	free(names);
}

/* Whether the tag, written as a compare name, means its commit: not a
 * baseline's name (side_resolve reads those as the baseline, wherever it
 * points now or later), and resolved by side_resolve itself. */
static bool tag_usable(const struct commit_names *names, const struct tag *t)
{
	struct store_baseline key;
	struct side_ref ref;
	char hex[GIT_OID_HEXSZ + 1];
	snprintf(key.name, sizeof(key.name), "%s", t->name);
	/* bsearch must not see the NULL array of no baselines. */
	if (names->nbaselines > 0 && strlen(t->name) < sizeof(key.name) &&
	    bsearch(&key, names->baselines, names->nbaselines, sizeof(key), cmp_baseline))
		return false;
	if (side_resolve(&ref, names->ctx, t->name))
		return false;
	git_oid_tostr(hex, sizeof(hex), &t->commit);
	return ref.run_id == 0 && strcmp(ref.commit, hex) == 0;
}

/* The first of commit's tags that serves as its name, or NULL. */
static const char *usable_tag(struct commit_names *names, const git_oid *commit)
{
	size_t lo = 0, hi = names->ntags;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (git_oid_cmp(&names->tags[mid].commit, commit) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < names->ntags && git_oid_equal(&names->tags[i].commit, commit); i++) {
		struct tag *t = &names->tags[i];
		if (t->usable < 0)
			t->usable = tag_usable(names, t);
		if (t->usable)
			return t->name;
	}
	return NULL;
}

static int short_hash(char *out, size_t size, git_repository *repo, const git_oid *oid,
		      const char *hex)
{
	git_object *obj = NULL;
	git_buf buf = {0};
	int rc = -ENOENT;
	if (git_object_lookup(&obj, repo, oid, GIT_OBJECT_COMMIT) == 0 &&
	    git_object_short_id(&buf, obj) == 0) {
		/* An all-digit abbreviation would read as a run id: lengthen it. */
		size_t len = strlen(buf.ptr);
		while (strspn(hex, DIGITS) >= len && len < GIT_OID_HEXSZ)
			len++;
		snprintf(out, size, "%.*s", (int)len, hex);
		rc = 0;
	}
	git_buf_dispose(&buf);
	git_object_free(obj);
	return rc;
}

int commit_names_get(char *out, size_t size, struct commit_names *names, const char *commit)
{
	git_oid oid;
	const char *tag;
	if (git_oid_fromstr(&oid, commit) < 0)
		return -ENOENT;
	if ((tag = usable_tag(names, &oid)) && strlen(tag) < size) {
		memcpy(out, tag, strlen(tag) + 1);
		return 0;
	}
	return short_hash(out, size, names->ctx->repo, &oid, commit);
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

uint64_t commit_names_stamp(const struct view_ctx *ctx)
{
	/* Tags live in the common directory (shared by worktrees). A tag written
	 * or deleted loose renames or unlinks an entry of refs/tags/ (its mtime
	 * changes); packing or deleting a packed one rewrites packed-refs. */
	const char *dir = git_repository_commondir(ctx->repo);
	char packed[96], loose[96], both[200];
	if (!dir)
		return 0;
	stamp_file(packed, sizeof(packed), dir, "packed-refs");
	stamp_file(loose, sizeof(loose), dir, "refs/tags");
	snprintf(both, sizeof(both), "%s %s", packed, loose);
	return names_hash(both, 0);
}
