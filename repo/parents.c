/* Lines of commits for a bisection (parents.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repo/internal.h"
#include "repo/parents.h"
#include "util/array.h"

int repo_parents(repo_hex **out, size_t *n, struct repo *r, const char *commit)
{
	git_commit *c = NULL;
	unsigned count;
	int rc = repo_commit_lookup(&c, r, commit);
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	count = git_commit_parentcount(c);
	if (count && !(*out = calloc(count, sizeof(**out)))) {
		git_commit_free(c);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < count; i++)
		git_oid_tostr((*out)[i], REPO_HEX_SIZE, git_commit_parent_id(c, i));
	*n = count;
	git_commit_free(c);
	return 0;
}

/* Reverse list[0, n) in place: the walks give newest first. */
static void reverse(repo_hex *list, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		repo_hex t;
		memcpy(t, list[i], sizeof(t));
		memcpy(list[i], list[n - 1 - i], sizeof(t));
		memcpy(list[n - 1 - i], t, sizeof(t));
	}
}

static int push(repo_hex **list, size_t *n, size_t *alloc, const char *hex)
{
	int rc = ALLOC_GROW(*list, *n + 1, *alloc);
	if (rc)
		return rc;
	memcpy((*list)[(*n)++], hex, REPO_HEX_SIZE);
	return 0;
}

int repo_first_parent_line(repo_hex **out, size_t *n, struct repo *r, const char *good,
			   const char *bad, size_t limit)
{
	struct repo_walk *walk = NULL;
	repo_hex *list = NULL, id;
	size_t count = 0, alloc = 0;
	bool found = false;
	int rc;
	*out = NULL;
	*n = 0;
	if ((rc = repo_walk_new(&walk, r, bad, limit)))
		return rc;
	while ((rc = repo_walk_next(walk, id, NULL)) == 1) {
		if ((rc = push(&list, &count, &alloc, id)))
			break;
		if (strcmp(id, good) == 0) {
			found = true;
			break;
		}
	}
	repo_walk_free(walk);
	if (rc >= 0 && !found)
		rc = -ENOENT;
	if (rc < 0) {
		free(list);
		return rc;
	}
	reverse(list, count);
	*out = list;
	*n = count;
	return 0;
}

int repo_merged_line(repo_hex **out, size_t *n, struct repo *r, const char *merge, size_t limit)
{
	git_commit *m = NULL;
	git_revwalk *walk = NULL;
	repo_hex *list = NULL, hex;
	size_t count = 0, alloc = 0;
	git_oid id;
	int rc = repo_commit_lookup(&m, r, merge);
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	if (git_commit_parentcount(m) < 2) {
		git_commit_free(m);
		return -EINVAL;
	}
	git_oid_tostr(hex, REPO_HEX_SIZE, git_commit_parent_id(m, 0));
	if ((rc = push(&list, &count, &alloc, hex)))
		goto done;
	/* The second parent's first-parent line, less what the first parent
	 * has: what git rev-list --first-parent P2 ^P1 lists. */
	if (git_revwalk_new(&walk, r->git) < 0 || git_revwalk_push(walk, git_commit_parent_id(m, 1)) < 0 ||
	    git_revwalk_hide(walk, git_commit_parent_id(m, 0)) < 0) {
		rc = -EIO;
		goto done;
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL);
	git_revwalk_simplify_first_parent(walk);
	while (count <= limit && (rc = git_revwalk_next(&id, walk)) == 0) {
		git_oid_tostr(hex, REPO_HEX_SIZE, &id);
		if ((rc = push(&list, &count, &alloc, hex)))
			goto done;
	}
	if (rc < 0 && rc != GIT_ITEROVER) {
		rc = -EIO;
		goto done;
	}
	/* Oldest first after the good end. */
	reverse(list + 1, count - 1);
	rc = push(&list, &count, &alloc, merge);
done:
	git_revwalk_free(walk);
	git_commit_free(m);
	if (rc < 0) {
		free(list);
		return rc;
	}
	*out = list;
	*n = count;
	return 0;
}
