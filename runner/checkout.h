/* Materialising a commit's tree as plain files, with libgit2 (no git subprocess). */
#ifndef BENCHFS_RUNNER_CHECKOUT_H
#define BENCHFS_RUNNER_CHECKOUT_H

#include <git2.h>
#include <stddef.h>

/* Replace dir with the tree of commit (full hex hash). The repository's own
 * work tree, index and HEAD are not touched. Returns 0, or -1 with a message. */
int checkout_commit(git_repository *repo, const char *commit, const char *dir, char *err,
		    size_t errsize);

#endif
