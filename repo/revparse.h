/* Resolving what a user wrote to a commit, with libgit2. */
#ifndef BENCHFS_REPO_REVPARSE_H
#define BENCHFS_REPO_REVPARSE_H

#include <stddef.h>

#include "repo/repo.h"

/* Resolve rev to the full hex hash of a commit (annotated tags are peeled)
 * into out[REPO_HEX_SIZE], as `git rev-parse --verify <rev>^{commit}` does, for the forms
 *   <base>, then any of ~<n>, ^<n> (n may be left out: 1), ^{}, ^{commit}
 * where <base> is a full or abbreviated (4+ digits) hash, a ref name as git
 * finds it (HEAD, branch, tag, remote-tracking branch, refs/...), or describe
 * output (<anything>-g<hash>). Other forms, among them "@" alone, reflogs and
 * upstreams (@{...}), paths (<rev>:<path>), message searches (:/text,
 * ^{/regex}), ranges and names over 1024 bytes, are refused even where git
 * accepts them. Returns 0, or -EINVAL with a one-line message in err (the
 * revision quoted with control characters escaped). Never calls
 * git_revparse_single (it takes "v1@" for HEAD and leaks on regexes). */
int revparse_commit(char *out, struct repo *repo, const char *rev, char *err, size_t errsize);

#endif
