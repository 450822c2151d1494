#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "repo/checkout.h"
#include "repo/internal.h"
#include "util/rmtree.h"

int checkout_commit(struct repo *repo, const char *commit, const char *dir, char *err,
		    size_t errsize)
{
	git_checkout_options opts;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_oid oid;
	int result = -1, rc;
	/* A fresh directory every time: nothing a previous build left can leak in. */
	if ((rc = rmtree(dir)) || mkdir(dir, 0755)) {
		snprintf(err, errsize, "cannot prepare checkout directory %s: %s", dir,
			 strerror(rc ? -rc : errno));
		return -1;
	}
	if (repo_oid_parse(&oid, commit) < 0 || git_commit_lookup(&c, repo->git, &oid) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		snprintf(err, errsize, "cannot read commit %s: %s", commit, repo_git_error());
		goto done;
	}
	git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
	opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
	opts.target_directory = dir;
	if (git_checkout_tree(repo->git, (git_object *)tree, &opts) < 0) {
		snprintf(err, errsize, "checkout of %s failed: %s", commit, repo_git_error());
		goto done;
	}
	result = 0;
done:
	git_tree_free(tree);
	git_commit_free(c);
	return result;
}

/* glob(3)'s error callback takes no context: the first read error of the
 * current call on this thread. A missing directory or a file where a
 * directory was expected only means no match there. */
static _Thread_local int glob_errno;
static _Thread_local char glob_errpath[512];

static int glob_error(const char *path, int err)
{
	if (err == ENOENT || err == ENOTDIR)
		return 0;
	if (!glob_errno) {
		glob_errno = err;
		snprintf(glob_errpath, sizeof(glob_errpath), "%s", path);
	}
	return 1;
}

/* dir with glob's special characters escaped, then "/": the literal prefix
 * of every pattern. malloc'd; NULL when out of memory. */
static char *escaped_prefix(const char *dir, size_t dirlen)
{
	char *out = malloc(2 * dirlen + 2), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < dirlen; i++) {
		if (strchr("*?[\\", dir[i]))
			*p++ = '\\';
		*p++ = dir[i];
	}
	*p++ = '/';
	*p = '\0';
	return out;
}

/* A match through "." or ".." (".*" matches both, ".[.]" matches ".."; the
 * configuration refuses only a literal ".."): 0 for a plain path, 1 for one
 * to skip (it ends in "." or "..", a directory, or goes through ".", another
 * name of a path the globs may match), -1 for one that leaves the directory. */
static int dot_components(const char *rel)
{
	int result = 0;
	for (const char *c = rel; *c; c += strcspn(c, "/"), c += *c == '/') {
		size_t len = strcspn(c, "/");
		bool last = c[len] == '\0';
		if (len == 2 && c[0] == '.' && c[1] == '.' && !last)
			return -1;
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			result = 1;
	}
	return result;
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int checkout_artifacts_id(char out[41], size_t *nfiles, const char *dir, char *const *globs,
			  size_t nglobs, char *err, size_t errsize)
{
	glob_t g = {0};
	char *prefix = NULL, *pattern = NULL, *list = NULL, **rels = NULL;
	size_t dirlen = strlen(dir), prefixlen, nrels = 0, listlen = 0, cap;
	size_t hashed = 0;
	bool globbed = false;
	git_oid oid;
	int result = -1;

	out[0] = '\0';
	/* "dir/" and "dir" name the same prefix. */
	while (dirlen > 1 && dir[dirlen - 1] == '/')
		dirlen--;
	if (!(prefix = escaped_prefix(dir, dirlen)))
		goto nomem;
	prefixlen = dirlen + 1; /* of the unescaped "dir/" each match starts with */
	for (size_t i = 0; i < nglobs; i++) {
		int rc;
		free(pattern);
		if (asprintf(&pattern, "%s%s", prefix, globs[i]) < 0) {
			pattern = NULL;
			goto nomem;
		}
		glob_errno = 0;
		/* Sorted (no GLOB_NOSORT), though the list is sorted again across globs. */
		rc = glob(pattern, globbed ? GLOB_APPEND : 0, glob_error, &g);
		globbed = true;
		if (rc == GLOB_NOSPACE)
			goto nomem;
		if (rc == GLOB_ABORTED) {
			snprintf(err, errsize, "cannot list artifacts %s: %s: %s", globs[i],
				 glob_errpath, strerror(glob_errno ? glob_errno : EIO));
			goto done;
		}
	}
	if (!(rels = calloc(g.gl_pathc + 1, sizeof(*rels))))
		goto nomem;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		struct stat st;
		int dots;
		if (strncmp(path, dir, dirlen) != 0 || path[dirlen] != '/')
			continue; /* cannot happen: every pattern starts with the prefix */
		if ((dots = dot_components(path + prefixlen)) < 0) {
			snprintf(err, errsize, "artifact %s: outside the checkout", path + prefixlen);
			goto done;
		}
		if (dots)
			continue;
		/* Regular files, through symbolic links (a versioned library's link
		 * and its target both count); a dangling link is no file. */
		if (stat(path, &st) != 0) {
			if (errno == ENOENT)
				continue;
			snprintf(err, errsize, "cannot read artifact %s: %s", path + prefixlen,
				 strerror(errno));
			goto done;
		}
		if (S_ISREG(st.st_mode))
			rels[nrels++] = g.gl_pathv[i] + prefixlen;
	}
	if (nrels == 0) {
		if (nfiles)
			*nfiles = 0;
		result = 0; /* nothing matched: no identity, not an error */
		goto done;
	}
	qsort(rels, nrels, sizeof(*rels), compare_paths);
	/* The list: "<blob id> <path>\0" per file, each path once. */
	cap = 0;
	for (size_t i = 0; i < nrels; i++)
		cap += GIT_OID_HEXSZ + 2 + strlen(rels[i]);
	if (!(list = malloc(cap + 1)))
		goto nomem;
	for (size_t i = 0; i < nrels; i++) {
		size_t len = strlen(rels[i]);
		if (i > 0 && strcmp(rels[i], rels[i - 1]) == 0)
			continue;
		if (git_odb_hashfile(&oid, rels[i] - prefixlen, GIT_OBJECT_BLOB) < 0) {
			snprintf(err, errsize, "cannot read artifact %s: %s", rels[i],
				 repo_git_error());
			goto done;
		}
		git_oid_fmt(list + listlen, &oid);
		listlen += GIT_OID_HEXSZ;
		list[listlen++] = ' ';
		memcpy(list + listlen, rels[i], len + 1);
		listlen += len + 1;
		hashed++;
	}
	if (git_odb_hash(&oid, list, listlen, GIT_OBJECT_BLOB) < 0) {
		snprintf(err, errsize, "cannot hash the artifacts: %s", repo_git_error());
		goto done;
	}
	git_oid_tostr(out, 41, &oid);
	if (nfiles)
		*nfiles = hashed;
	result = 0;
	goto done;
nomem:
	snprintf(err, errsize, "out of memory");
done:
	if (result)
		out[0] = '\0';
	if (globbed)
		globfree(&g);
	free(prefix);
	free(pattern);
	free(rels);
	free(list);
	return result;
}
