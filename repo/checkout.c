#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo/checkout.h"
#include "repo/internal.h"
#include "util/rmtree.h"
#include "util/write_all.h"

int checkout_commit(struct repo *repo, const char *commit, const char *dir, char *err,
		    size_t errsize)
{
	git_checkout_options opts;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_index *empty = NULL;
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
	/* The directory is empty, and says so: else libgit2 compares it with
	 * the repository's HEAD, and fails when a path is a file in one and a
	 * directory in the other. */
	if (git_index_new(&empty) < 0) {
		snprintf(err, errsize, "checkout of %s failed: %s", commit, repo_git_error());
		goto done;
	}
	git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
	opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
	opts.target_directory = dir;
	opts.baseline_index = empty;
	if (git_checkout_tree(repo->git, (git_object *)tree, &opts) < 0) {
		snprintf(err, errsize, "checkout of %s failed: %s", commit, repo_git_error());
		goto done;
	}
	result = 0;
done:
	git_index_free(empty);
	git_tree_free(tree);
	git_commit_free(c);
	return result;
}

/* checkout_update's state while it walks the tree of `to`. */
struct update {
	git_repository *git;
	const char *dir;
	struct checkout_counts counts;
	char *err;
	size_t errsize;
};

static int update_fail(struct update *u, const char *fmt, const char *rel, const char *why)
{
	snprintf(u->err, u->errsize, fmt, rel, why);
	return -1;
}

/* Whether the file at path (lstat'ed into st) holds exactly data, size bytes. */
static bool same_bytes(const char *path, const struct stat *st, const char *data, size_t size)
{
	char buf[65536];
	size_t done = 0;
	bool same = true;
	int fd;
	if ((size_t)st->st_size != size || (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return false;
	while (same && done < size) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0 || (size_t)n > size - done)
			same = false;
		else
			same = memcmp(buf, data + done, (size_t)n) == 0;
		done += n > 0 ? (size_t)n : 0;
	}
	/* The file may have grown since the lstat. */
	if (same && read(fd, buf, 1) != 0)
		same = false;
	close(fd);
	return same;
}

/* Whatever is at path goes, so that something else can be put there. */
static int clear_path(const char *path, const struct stat *st)
{
	int rc;
	if (S_ISDIR(st->st_mode))
		return (rc = rmtree(path)) ? rc : 0;
	return unlink(path) ? -errno : 0;
}

static int write_file(const char *path, const char *data, size_t size, bool exec)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      exec ? 0755 : 0644); /* libgit2's modes; the umask applies to both */
	int rc;
	if (fd < 0)
		return -errno;
	if ((rc = write_all(fd, data, size))) {
		close(fd);
		return rc;
	}
	return close(fd) ? -errno : 0;
}

/* A directory at path: kept when there is one, else made (after removing
 * whatever file is in the way). */
static int ensure_dir(const char *path)
{
	struct stat st;
	int rc;
	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		if ((rc = clear_path(path, &st)))
			return rc;
	} else if (errno != ENOENT) {
		return -errno;
	}
	return mkdir(path, 0755) ? -errno : 0;
}

/* One entry of `to`'s tree (pre-order: its directory is there already). */
static int update_entry(const char *root, const git_tree_entry *entry, void *payload)
{
	struct update *u = payload;
	git_filemode_t mode = git_tree_entry_filemode(entry);
	git_blob_filter_options fopts;
	git_buf content = GIT_BUF_INIT;
	git_blob *blob = NULL;
	char rel[4096], path[8192];
	const char *data;
	size_t size;
	struct stat st;
	bool have, same = false, link = mode == GIT_FILEMODE_LINK;
	int rc, result = -1;

	if (snprintf(rel, sizeof(rel), "%s%s", root, git_tree_entry_name(entry)) >=
		    (int)sizeof(rel) ||
	    snprintf(path, sizeof(path), "%s/%s", u->dir, rel) >= (int)sizeof(path))
		return update_fail(u, "%s: %s", rel, "path too long");
	if (mode == GIT_FILEMODE_TREE || mode == GIT_FILEMODE_COMMIT) {
		/* A submodule is an empty directory, as checkout_commit leaves it. */
		if ((rc = ensure_dir(path)))
			return update_fail(u, "cannot make directory %s: %s", rel, strerror(-rc));
		return 0;
	}
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE && !link)
		return 0;
	if (git_blob_lookup(&blob, u->git, git_tree_entry_id(entry)) < 0)
		return update_fail(u, "cannot read %s: %s", rel, repo_git_error());
	/* The bytes a checkout writes: a link's target as stored, a file's
	 * through the repository's filters (line endings, ident). */
	git_blob_filter_options_init(&fopts, GIT_BLOB_FILTER_OPTIONS_VERSION);
	if (!link && git_blob_filter(&content, blob, rel, &fopts) < 0) {
		update_fail(u, "cannot filter %s: %s", rel, repo_git_error());
		goto done;
	}
	data = link ? git_blob_rawcontent(blob) : content.ptr;
	size = link ? (size_t)git_blob_rawsize(blob) : content.size;
	have = lstat(path, &st) == 0;
	if (!have && errno != ENOENT) {
		update_fail(u, "cannot read %s: %s", rel, strerror(errno));
		goto done;
	}
	if (have && link && S_ISLNK(st.st_mode) && (size_t)st.st_size == size) {
		char target[4096];
		ssize_t n = size < sizeof(target) ? readlink(path, target, sizeof(target)) : -1;
		same = n >= 0 && (size_t)n == size && memcmp(target, data, size) == 0;
	} else if (have && !link && S_ISREG(st.st_mode) &&
		   !!(st.st_mode & S_IXUSR) == (mode == GIT_FILEMODE_BLOB_EXECUTABLE)) {
		same = same_bytes(path, &st, data, size);
	}
	if (same) {
		u->counts.kept++;
		result = 0;
		goto done;
	}
	/* Removed and made again: a new inode and mtime, and a copy the build
	 * hard-linked elsewhere keeps its bytes. */
	if (have && (rc = clear_path(path, &st))) {
		update_fail(u, "cannot replace %s: %s", rel, strerror(-rc));
		goto done;
	}
	if (link) {
		char *target = strndup(data, size);
		rc = !target ? -ENOMEM : symlink(target, path) ? -errno : 0;
		free(target);
	} else {
		rc = write_file(path, data, size, mode == GIT_FILEMODE_BLOB_EXECUTABLE);
	}
	if (rc) {
		update_fail(u, "cannot write %s: %s", rel, strerror(-rc));
		goto done;
	}
	u->counts.written++;
	result = 0;
done:
	git_buf_dispose(&content);
	git_blob_free(blob);
	return result;
}

/* Removes what `from` tracks and `to` does not, then the directories that
 * leaves empty (a build output in one keeps it). */
static int remove_dropped(struct update *u, git_tree *from, git_tree *to)
{
	git_diff *diff = NULL;
	size_t n;
	if (git_diff_tree_to_tree(&diff, u->git, from, to, NULL) < 0)
		return update_fail(u, "cannot compare %s: %s", "the two commits", repo_git_error());
	n = git_diff_num_deltas(diff);
	for (size_t i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		char path[8192], *slash;
		struct stat st;
		if (d->status != GIT_DELTA_DELETED)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", u->dir, d->old_file.path) >=
		    (int)sizeof(path))
			continue;
		if (lstat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode) ? rmdir(path) == 0 : unlink(path) == 0)
				u->counts.removed++;
			else if (!S_ISDIR(st.st_mode)) {
				git_diff_free(diff);
				return update_fail(u, "cannot remove %s: %s", d->old_file.path,
						   strerror(errno));
			}
		}
		/* Up to the top, while they are empty. */
		while ((slash = strrchr(path, '/')) && (size_t)(slash - path) > strlen(u->dir)) {
			*slash = '\0';
			if (rmdir(path))
				break;
		}
	}
	git_diff_free(diff);
	return 0;
}

static int count_blob(const char *root, const git_tree_entry *entry, void *payload)
{
	(void)root;
	if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB)
		(*(size_t *)payload)++;
	return 0;
}

static int commit_tree(git_tree **out, struct repo *repo, const char *hex, char *err,
		       size_t errsize)
{
	git_commit *c = NULL;
	git_oid oid;
	int rc = -1;
	if (repo_oid_parse(&oid, hex) == 0 && git_commit_lookup(&c, repo->git, &oid) == 0 &&
	    git_commit_tree(out, c) == 0)
		rc = 0;
	else
		snprintf(err, errsize, "cannot read commit %s: %s", hex, repo_git_error());
	git_commit_free(c);
	return rc;
}

int checkout_update(struct checkout_counts *counts, struct repo *repo, const char *from,
		    const char *to, const char *dir, char *err, size_t errsize)
{
	struct update u = {.git = repo->git, .dir = dir, .err = err, .errsize = errsize};
	git_tree *old = NULL, *new = NULL;
	struct stat st;
	int result = -1;
	err[0] = '\0';
	if (counts)
		*counts = (struct checkout_counts){0};
	if (!from || lstat(dir, &st) || !S_ISDIR(st.st_mode)) {
		if (checkout_commit(repo, to, dir, err, errsize))
			return -1;
		/* Everything is new. */
		if (counts && commit_tree(&new, repo, to, err, errsize) == 0) {
			counts->written = 0;
			git_tree_walk(new, GIT_TREEWALK_PRE, count_blob, &counts->written);
			git_tree_free(new);
		}
		return 0;
	}
	if (commit_tree(&old, repo, from, err, errsize) ||
	    commit_tree(&new, repo, to, err, errsize))
		goto done;
	if (remove_dropped(&u, old, new))
		goto done;
	if (git_tree_walk(new, GIT_TREEWALK_PRE, update_entry, &u) < 0) {
		if (!err[0])
			snprintf(err, errsize, "checkout of %s failed: %s", to, repo_git_error());
		goto done;
	}
	if (counts)
		*counts = u.counts;
	result = 0;
done:
	git_tree_free(old);
	git_tree_free(new);
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
