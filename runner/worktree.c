/* The kept work trees of incremental builds (runner/worktree.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo/checkout.h"
#include "runner/worktree.h"
#include "store/paths.h"
#include "util/hash.h"
#include "util/strbuf.h"

/* Variables that change whenever a service manager starts the daemon, and
 * BENCHFS_COMMIT: none of them changes what a build produces, and a stamp
 * with them would start every first build after a restart clean. */
static bool volatile_var(const char *entry)
{
	static const char *const prefixes[] = {
		"BENCHFS_", "INVOCATION_ID=", "JOURNAL_STREAM=", "NOTIFY_SOCKET=", "MANAGERPID=",
		"SYSTEMD_EXEC_PID=", "WATCHDOG_", "LISTEN_", "_=", "OLDPWD=", "SHLVL=", NULL,
	};
	for (const char *const *p = prefixes; *p; p++)
		if (strncmp(entry, *p, strlen(*p)) == 0)
			return true;
	return false;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The build command and the environment (sorted), hashed. */
static void make_stamp(char out[17], const char *build_cmd, char *const *envp)
{
	struct strbuf text = STRBUF_INIT;
	const char **vars;
	size_t n = 0, k = 0;
	while (envp && envp[n])
		n++;
	strbuf_addf(&text, "build %s\n", build_cmd ? build_cmd : "");
	if ((vars = calloc(n + 1, sizeof(*vars)))) {
		for (size_t i = 0; i < n; i++)
			if (!volatile_var(envp[i]))
				vars[k++] = envp[i];
		qsort(vars, k, sizeof(*vars), compare_strings);
		for (size_t i = 0; i < k; i++)
			strbuf_addf(&text, "env %s\n", vars[i]);
		free(vars);
	}
	/* Out of memory: a stamp no state matches, so the build starts clean. */
	snprintf(out, 17, "%016" PRIx64,
		 strbuf_error(&text) || !vars ? (uint64_t)0 : hash_string(text.buf, 1));
	strbuf_release(&text);
}

int worktree_init(struct worktree *wt, const char *data_dir, const char *name,
		  const char *build_cmd, char *const *envp)
{
	memset(wt, 0, sizeof(*wt));
	/* base is shorter than the others' room by more than a side's name. */
	if (strlen(name) > 32 ||
	    store_path_workdir(wt->base, sizeof(wt->base), data_dir, "incremental"))
		return -ENAMETOOLONG;
	snprintf(wt->dir, sizeof(wt->dir), "%s/%s", wt->base, name);
	snprintf(wt->marker, sizeof(wt->marker), "%s/%s.building", wt->base, name);
	snprintf(wt->state, sizeof(wt->state), "%s/%s.state", wt->base, name);
	snprintf(wt->ccache_dir, sizeof(wt->ccache_dir), "%s/ccache", wt->base);
	snprintf(wt->ccache_log, sizeof(wt->ccache_log), "%s/%s.ccache-log", wt->base, name);
	make_stamp(wt->stamp, build_cmd, envp);
	return 0;
}

/* The commit of the state file when its stamp is ours: 0; -ENOENT when
 * there is none, -ESTALE when the stamp differs. */
static int read_state(char commit[41], const struct worktree *wt)
{
	char line[128], got_commit[64] = "", got_stamp[64] = "";
	FILE *f = fopen(wt->state, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "commit %63s", got_commit) == 1 ||
		    sscanf(line, "stamp %63s", got_stamp) == 1)
			continue;
	}
	fclose(f);
	if (strlen(got_commit) != 40)
		return -ENOENT;
	if (strcmp(got_stamp, wt->stamp) != 0)
		return -ESTALE;
	memcpy(commit, got_commit, 41);
	return 0;
}

/* A small file written whole, synced, under its final name. */
static int write_small(const char *path, const char *text)
{
	char tmp[4300];
	size_t len = strlen(text);
	int fd, rc = 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		rc = errno ? -errno : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int worktree_checkout(struct worktree *wt, struct repo *repo, const char *commit, bool clean,
		      char *why, size_t whysize, char *err, size_t errsize)
{
	char text[128], inner[512];
	struct stat st;
	int rc;
	wt->from[0] = '\0';
	why[0] = '\0';
	if (mkdir(wt->base, 0755) && errno != EEXIST) {
		snprintf(err, errsize, "cannot create %s: %s", wt->base, strerror(errno));
		return -1;
	}
	if (clean)
		snprintf(why, whysize, "a clean build was asked for");
	else if (lstat(wt->marker, &st) == 0)
		snprintf(why, whysize,
			 "its last build did not succeed (it failed, or benchfs was stopped or"
			 " killed during it)");
	else if ((rc = read_state(wt->from, wt)) == -ESTALE)
		snprintf(why, whysize, "the build command or its environment changed");
	else if (rc)
		snprintf(why, whysize, "no build succeeded in it yet");
	if (why[0])
		wt->from[0] = '\0';
	/* Before anything in the tree changes: from now until the build
	 * succeeded, a crash leaves the tree to be checked out clean. */
	snprintf(text, sizeof(text), "building %s\n", commit);
	if ((rc = write_small(wt->marker, text))) {
		snprintf(err, errsize, "cannot write %s: %s", wt->marker, strerror(-rc));
		return -1;
	}
	if (unlink(wt->state) && errno != ENOENT) {
		snprintf(err, errsize, "cannot remove %s: %s", wt->state, strerror(errno));
		return -1;
	}
	if (checkout_update(&wt->counts, repo, wt->from[0] ? wt->from : NULL, commit, wt->dir,
			    inner, sizeof(inner)) == 0)
		return 0;
	if (!wt->from[0]) {
		snprintf(err, errsize, "%s", inner);
		return -1;
	}
	/* A tree it could not update is checked out clean. */
	snprintf(why, whysize, "updating it failed: %.400s", inner);
	wt->from[0] = '\0';
	if (checkout_update(&wt->counts, repo, NULL, commit, wt->dir, err, errsize))
		return -1;
	return 0;
}

int worktree_done(struct worktree *wt, const char *commit)
{
	char text[128];
	int rc;
	snprintf(text, sizeof(text), "commit %s\nstamp %s\n", commit, wt->stamp);
	if ((rc = write_small(wt->state, text)))
		return rc;
	return unlink(wt->marker) && errno != ENOENT ? -errno : 0;
}

/* The variables worktree_ccache_env puts first (malloc'd, freed with it). */
#define CCACHE_VARS 4

char **worktree_ccache_env(const struct worktree *wt, char *const *envp, bool *enomem)
{
	static const char *const ours[] = {"PATH=", "CCACHE_DIR=", "CCACHE_BASEDIR=",
					   "CCACHE_STATSLOG=", NULL};
	const char *path = "/usr/local/bin:/usr/bin:/bin"; /* when the daemon has none */
	size_t n = 0, k = CCACHE_VARS;
	char **out;
	*enomem = false;
	if (access(WORKTREE_CCACHE_BIN "/cc", X_OK) != 0)
		return NULL;
	while (envp[n])
		n++;
	if (!(out = calloc(n + CCACHE_VARS + 1, sizeof(char *)))) {
		*enomem = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (const char *const *o = ours; *o && !replaced; o++)
			replaced = strncmp(envp[i], *o, strlen(*o)) == 0;
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
		if (!replaced)
			out[k++] = envp[i];
	}
	if (asprintf(&out[0], "PATH=%s:%s", WORKTREE_CCACHE_BIN, path) < 0)
		out[0] = NULL;
	if (asprintf(&out[1], "CCACHE_DIR=%s", wt->ccache_dir) < 0)
		out[1] = NULL;
	if (asprintf(&out[2], "CCACHE_BASEDIR=%s", wt->base) < 0)
		out[2] = NULL;
	if (asprintf(&out[3], "CCACHE_STATSLOG=%s", wt->ccache_log) < 0)
		out[3] = NULL;
	if (!out[0] || !out[1] || !out[2] || !out[3]) {
		worktree_env_free(out);
		*enomem = true;
		return NULL;
	}
	/* This build's record only. */
	unlink(wt->ccache_log);
	return out;
}

void worktree_env_free(char **envp)
{
	if (!envp)
		return;
	for (size_t i = 0; i < CCACHE_VARS; i++)
		free(envp[i]);
	free(envp);
}

int worktree_ccache_stats(const struct worktree *wt, unsigned *hits, unsigned *misses,
			  unsigned *others)
{
	char line[256];
	unsigned calls = 0;
	FILE *f = fopen(wt->ccache_log, "re");
	*hits = *misses = *others = 0;
	if (!f)
		return -errno;
	/* One "# <file>" line per call of ccache, then what happened. */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			calls++;
		else if (strcmp(line, "direct_cache_hit") == 0 ||
			 strcmp(line, "preprocessed_cache_hit") == 0)
			(*hits)++;
		else if (strcmp(line, "cache_miss") == 0)
			(*misses)++;
	}
	fclose(f);
	*others = calls > *hits + *misses ? calls - *hits - *misses : 0;
	return 0;
}
