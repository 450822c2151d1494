/* Materialising a commit's tree as plain files, with libgit2 (no git subprocess). */
#ifndef BENCHFS_RUNNER_CHECKOUT_H
#define BENCHFS_RUNNER_CHECKOUT_H

#include <git2.h>
#include <stddef.h>

/* Replace dir with the tree of commit (full hex hash). The repository's own
 * work tree, index and HEAD are not touched. Returns 0, or -1 with a message. */
int checkout_commit(git_repository *repo, const char *commit, const char *dir, char *err,
		    size_t errsize);

/* The identity of a build: the regular files under dir matching the globs
 * (glob(3) relative to dir, no shell; sorted by path, each once) hashed as
 * git hashes blobs, then the list of (path, blob id) hashed again. out gets
 * 40 hex digits, or "" when no file matched (not an error). Returns 0, or
 * -1 with a message when a matched file cannot be read. */
int checkout_artifacts_id(char out[41], const char *dir, char *const *globs, size_t nglobs,
			  char *err, size_t errsize);

#endif
