/* Private to repo/: the repository behind struct repo, shared by the files
 * of repo/ (and its unit tests), never included elsewhere. */
#ifndef BENCHFS_REPO_INTERNAL_H
#define BENCHFS_REPO_INTERNAL_H

#include <git2.h>
#include <stddef.h>

#include "repo/repo.h"

struct repo {
	git_repository *git;
};

/* The message of libgit2's last error on this thread, never NULL. */
const char *repo_git_error(void);

/* A full hex hash (exactly REPO_HEX_LEN hex digits, nothing after) as an
 * id: 0, or -ENOENT for anything else (it names no commit). */
int repo_oid_parse(git_oid *out, const char *hex);

/* The commit hex names, looked up: 0, or -ENOENT. */
int repo_commit_lookup(git_commit **out, struct repo *r, const char *hex);

#endif
