/* Resolving what a user wrote to a commit, with libgit2. */
#ifndef BENCHFS_RUNNER_REVPARSE_H
#define BENCHFS_RUNNER_REVPARSE_H

#include <git2.h>
#include <stddef.h>

/* Resolve rev (hash, short hash, branch, tag, HEAD~3, ...) to the full hex
 * hash of a commit (annotated tags are peeled) into out[41]. Returns 0, or
 * -EINVAL with a message in err when it names no commit. */
int revparse_commit(char *out, git_repository *repo, const char *rev, char *err, size_t errsize);

/* The message of libgit2's last error, never NULL. */
const char *revparse_git_error(void);

#endif
