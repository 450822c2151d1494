/* Private to runner/: the work trees of "build_mode": "incremental"
 * (config/build_mode.h), one per side of a job, kept in the data directory
 * between builds (job_steps.c builds in them). */
#ifndef BENCHFS_RUNNER_WORKTREE_H
#define BENCHFS_RUNNER_WORKTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "repo/checkout.h"
#include "repo/repo.h"

/* The side's tree and the files beside it, under <data>/incremental/:
 * <name>/ the tree; <name>.building, there from before its checkout until
 * its build succeeded (a build that failed or was killed leaves it, and the
 * next build of the side starts clean); <name>.state, what the last build
 * that succeeded there built (the commit, and a stamp of the build command
 * and its environment: another stamp starts clean, as make would not see
 * such a change); ccache/ and <name>.ccache-log, ccache's cache, shared by
 * every side, and its record of the current build. */
struct worktree {
	char base[4000];
	char dir[4096]; /* the size of a side's work directory (runner/internal.h) */
	char marker[4200];
	char state[4200];
	char ccache_dir[4200];
	char ccache_log[4200];
	char stamp[17];       /* of this build, hex */
	char from[41];        /* the commit the tree holds; "" when checked out clean */
	struct checkout_counts counts;
};

/* The side called name ("solo", "a", "b") of data_dir, for a build of
 * build_cmd in the environment envp (BENCHFS_* variables and those that
 * change at every start of a service manager are left out of the stamp).
 * 0 or -ENAMETOOLONG. */
int worktree_init(struct worktree *wt, const char *data_dir, const char *name,
		  const char *build_cmd, char *const *envp);

/* Before a build: the marker written, the tree brought to commit, from the
 * tree as the last good build left it when it may be used (clean: why says
 * why not, else ""), else from a clean checkout; clean forces the latter.
 * 0, or -1 with a message in err. */
int worktree_checkout(struct worktree *wt, struct repo *repo, const char *commit, bool clean,
		      char *why, size_t whysize, char *err, size_t errsize);

/* After a build that succeeded: the state recorded, then the marker
 * removed. 0, or -errno (the marker stays: the next build starts clean). */
int worktree_done(struct worktree *wt, const char *commit);

/* The build's environment: envp with ccache's directory at the front of
 * PATH and CCACHE_DIR, CCACHE_BASEDIR (the parent of every side's tree, so
 * that the sides share hits) and CCACHE_STATSLOG set; NULL when ccache is
 * not installed (*enomem false) or memory ran out (*enomem true). Freed
 * with worktree_env_free. */
char **worktree_ccache_env(const struct worktree *wt, char *const *envp, bool *enomem);
void worktree_env_free(char **envp);

/* The ccache record of the build just done: compilations answered from the
 * cache, compiled and cached, and anything else ccache was called for. 0,
 * or -errno when there is no record. */
int worktree_ccache_stats(const struct worktree *wt, unsigned *hits, unsigned *misses,
			  unsigned *others);

/* Where ccache's compiler links are (Debian's ccache package). */
#define WORKTREE_CCACHE_BIN "/usr/lib/ccache"

#endif
