/* Materialising a commit's tree as plain files, with libgit2 (no git subprocess). */
#ifndef BENCHFS_REPO_CHECKOUT_H
#define BENCHFS_REPO_CHECKOUT_H

#include <stddef.h>

#include "repo/repo.h"

/* Replace dir with the tree of commit (full hex hash). The repository's own
 * work tree, index and HEAD are not touched. Returns 0, or -1 with a message. */
int checkout_commit(struct repo *repo, const char *commit, const char *dir, char *err,
		    size_t errsize);

/* What checkout_update did: files written (new or changed: they get a new
 * mtime), files removed (tracked before, not now), files left as they were. */
struct checkout_counts {
	size_t written, removed, kept;
};

/* Bring dir, a checkout of commit `from` (full hex hash) plus whatever a
 * build added to it, to commit `to` (full hex hash), touching only what
 * differs, so that make rebuilds what changed and nothing else:
 *   - a file `to` tracks whose type, executable bit or bytes differ from
 *     what a checkout of `to` writes (filters applied, as checkout_commit
 *     does) is written again, so it gets a new mtime; this restores a
 *     tracked file the build modified, and replaces whatever untracked file
 *     or directory is in the way;
 *   - a file `from` tracks and `to` does not is removed, and so are the
 *     directories that leaves empty;
 *   - every other file (the build's outputs) is kept, with its mtime.
 * The result holds exactly the files a clean checkout of `to` holds, with
 * the same bytes, plus untracked ones. from NULL, or dir missing, is a
 * clean checkout (checkout_commit). counts (may be NULL) says what was done.
 * Returns 0, or -1 with a message (dir is then in an unknown state: check
 * it out clean before building in it). */
int checkout_update(struct checkout_counts *counts, struct repo *repo, const char *from,
		    const char *to, const char *dir, char *err, size_t errsize);

/* The identity of a build: the regular files under dir matching the globs
 * (glob(3) relative to dir, no shell; sorted by path, each once) hashed as
 * git hashes blobs, then the list of (path, blob id) hashed again. out gets
 * 40 hex digits, or "" when no file matched (not an error); nfiles (may be
 * NULL) the number of files hashed. Returns 0, or -1 with a message when a
 * matched file cannot be read.
 *
 * As in a shell, "*" and "?" do not match a leading "." and a directory
 * that does not exist matches nothing; symbolic links are followed (a
 * dangling one is no file), matched directories are skipped. The list
 * hashed is "<blob id> <relative path>\0" per file, as a blob: equal ids
 * mean the same bytes under the same names. A match through ".." (".[.]"
 * matches it) is refused, as the configuration refuses a literal ".."; one
 * through "." or ending in "." or ".." (".*" matches both) is skipped. */
int checkout_artifacts_id(char out[41], size_t *nfiles, const char *dir, char *const *globs,
			  size_t nglobs, char *err, size_t errsize);

#endif
