/* Materialising a commit's tree as plain files, with libgit2 (no git subprocess). */
#ifndef BENCHFS_REPO_CHECKOUT_H
#define BENCHFS_REPO_CHECKOUT_H

#include <stddef.h>

#include "repo/repo.h"

/* Replace dir with the tree of commit (full hex hash). The repository's own
 * work tree, index and HEAD are not touched. Returns 0, or -1 with a message. */
int checkout_commit(struct repo *repo, const char *commit, const char *dir, char *err,
		    size_t errsize);

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
