/* Fetching from a remote with libgit2 (no git subprocess): the watcher's
 * branches, a pull request's head. Like the rest of repo/ a struct repo
 * serves one thread at a time; two threads may fetch at once with their own
 * handles (refs are written under git's lock files).
 *
 * Credentials come from where libgit2 finds them and git users keep them: an
 * ssh agent, the user's ~/.ssh/id_ed25519, id_ecdsa or id_rsa without a
 * passphrase, a user:password in the URL the repository's own remote
 * configuration holds. Never from benchfs's configuration: a URL with a
 * password there is refused (repo_url_has_password). */
#ifndef BENCHFS_REPO_FETCH_H
#define BENCHFS_REPO_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "repo/repo.h"

/* A fetch gives up when no byte arrived for this long (connecting included),
 * and after this long in all, so a dead network never holds a thread for
 * longer. */
#define REPO_FETCH_STALL_S 60
#define REPO_FETCH_TOTAL_S 1800

/* Fetch refspecs ("+refs/heads/main:refs/remotes/origin/main",
 * "+refs/pull/7/head:refs/benchfs/pull/7") from remote: the name of a remote
 * the repository configures, else a URL or path (an anonymous remote, which
 * follows tags only when asked). nrefspecs 0 fetches the remote's configured
 * refspecs. 0, or a negative errno with libgit2's message (or ours) in err:
 * -ENOENT no such remote, a local path (or file:// URL) where no repository
 * is any more, or a refspec's source the remote does not have
 * (refspecs with '*' excepted); -EACCES authentication refused or no
 * credentials found; -EINVAL a refspec that is none; -ETIMEDOUT the limits
 * above (or repo_fetch_limits') hit; -ENOMEM; -EIO network or anything
 * else. On failure no ref was changed unless the transfer itself had
 * completed. */
int repo_fetch(struct repo *r, const char *remote, const char *const *refspecs, size_t nrefspecs,
	       char *err, size_t errsize);

/* Set the limits above for this process (tests; 0 keeps one as it is). */
void repo_fetch_limits(int stall_seconds, int total_seconds);

/* Whether url carries a password ("https://user:secret@host/x.git"): such
 * a URL belongs in the repository's configuration or a credential store,
 * not in benchfs's. Paths and scp-like "user@host:path" have none. */
bool repo_url_has_password(const char *url);

/* Whether the repository's configuration (its own, the user's and the
 * system's, includes followed, as git reads them) has a remote of this name
 * with a URL. */
bool repo_remote_exists(struct repo *r, const char *name);

/* Whether ancestor is commit or one of its ancestors (full hex hashes): 1
 * yes, 0 no, -ENOENT when either is none of the repository's commits, -EIO. */
int repo_is_ancestor(struct repo *r, const char *ancestor, const char *commit);

#endif
