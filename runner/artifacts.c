/* What ends a benchmark's first round (internal_extras.h): the folded
 * stacks of its perf profile, its profiler command, and the files it left
 * in its checkout ("keep"), copied into the run's artifacts directory
 * (store/paths.h), where the mount shows them as runs/<id>/artifacts/.
 *
 * Kept files are matched with glob(3) inside the checkout only: the
 * configuration refuses absolute globs and "..", and every match is
 * resolved (realpath) and refused unless it is a regular file inside the
 * checkout, so a symlink cannot carry a file of the host into the run. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/profiling.h"
#include "runner/internal_extras.h"
#include "runner/profile_fold.h"
#include "util/strbuf.h"

bool extras_needed(const struct config *config)
{
	for (size_t i = 0; i < config->nbenchmarks; i++)
		if (profiling_command(&config->benchmarks[i]) || profiling_keep(&config->benchmarks[i]))
			return true;
	return false;
}

/* perf.data -> perf.folded, perf.<bench>.data -> perf.<bench>.folded. */
static int folded_path(char *out, size_t size, const char *perf_path)
{
	size_t len = strlen(perf_path);

	if (len < 5 || strcmp(perf_path + len - 5, ".data") != 0)
		return -EINVAL;
	if ((size_t)snprintf(out, size, "%.*s.folded", (int)(len - 5), perf_path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int fold_side(struct job *job, size_t s, const struct bench_config *b,
		     const char *perf_path)
{
	struct side *sd = &job->sides[s];
	char *argv[] = {"/bin/true", NULL};
	struct spawn_spec spec = {
		.argv = argv,
		.envp = sd->envp,
		.cwd = sd->workdir,
		.cancel_fd = job->runner->cancel_pipe[0],
	};
	struct profile_job pj = {job->runner->spawner, &spec, sd->log, b->name};
	char folded[PATH_MAX];
	struct stat st;

	/* No perf.data: profile.c said why. */
	if (stat(perf_path, &st) != 0 || folded_path(folded, sizeof(folded), perf_path))
		return 0;
	return profile_fold(&pj, perf_path, folded) == -ECANCELED ? -ECANCELED : 0;
}

static int mkdir_in(const char *parent, const char *name, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/%s", parent, name) >= size)
		return -ENAMETOOLONG;
	if (mkdir(out, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* {out} is a hidden name in profiles/, renamed to the benchmark's name
 * once the profiler is done: the mount never shows half a profile. */
static int command_side(struct job *job, size_t s, const struct bench_config *b,
			char *const *command)
{
	struct side *sd = &job->sides[s];
	char dir[PATH_MAX], tmp[PATH_MAX + 300], out[PATH_MAX + 300];
	int rc;

	if ((rc = mkdir_in(sd->artifacts, EXTRAS_PROFILES_DIR, dir, sizeof(dir)))) {
		runlog_printf(sd->log, "benchfs", "%s: profile command: cannot create %s/%s: %s",
			      b->name, sd->artifacts, EXTRAS_PROFILES_DIR, strerror(-rc));
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, b->name);
	snprintf(out, sizeof(out), "%s/%s", dir, b->name);
	rc = profile_command_run(job, s, b, command, tmp);
	if (rc == -ECANCELED)
		return rc;
	if (rc == -ENOENT || rc == -EACCES) {
		job_fail(job, s, "%s: profile command: the profiler %s cannot be started: %s",
			 b->name, command[0], strerror(-rc));
		return -1;
	}
	if (access(tmp, F_OK) == 0 && rename(tmp, out))
		runlog_printf(sd->log, "benchfs", "%s: profile command: cannot keep its output: %s",
			      b->name, strerror(errno));
	else if (access(out, F_OK) == 0)
		runlog_printf(sd->log, "benchfs", "%s: profile kept as profiles/%s", b->name, b->name);
	return 0;
}

int bench_extras(struct job *job, size_t i, bool measured, const char *const *perf_paths)
{
	const struct bench_config *b = &job->config->benchmarks[i];
	char *const *command = profiling_command(b);

	for (size_t s = 0; s < job->nsides; s++) {
		int rc;

		if (measured && perf_paths && perf_paths[s] &&
		    (rc = fold_side(job, s, b, perf_paths[s])))
			return rc;
		if (measured && command && (rc = command_side(job, s, b, command)))
			return rc;
		if (profiling_keep(b) && (rc = keep_copy(job, s, b)))
			return rc;
	}
	return 0;
}

/* ---- kept files ---- */

static long long kept_total;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (type == FTW_F)
		kept_total += st->st_size;
	return 0;
}

/* What the run keeps already (earlier benchmarks). */
static long long kept_bytes(const char *dir)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	long long total;

	/* nftw has no context argument: the sum is a static, guarded. */
	pthread_mutex_lock(&lock);
	kept_total = 0;
	nftw(dir, add_size, 16, FTW_PHYS);
	total = kept_total;
	pthread_mutex_unlock(&lock);
	return total;
}

/* Each directory of rel (a relative path) under root. */
static int mkdirs(const char *root, const char *rel)
{
	char path[PATH_MAX];
	size_t n = strlen(root);

	if (n + 1 + strlen(rel) >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, root, n);
	path[n] = '/';
	strcpy(path + n + 1, rel);
	for (char *p = path + n + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* from (an open regular file) into root/rel, through a hidden name. */
static int copy_into(int from, const char *root, const char *rel)
{
	char dst[PATH_MAX], tmp[PATH_MAX + 16], buf[65536];
	const char *slash = strrchr(rel, '/');
	int dirlen = slash ? (int)(slash - rel + 1) : 0, to, rc = 0;
	ssize_t n;

	if ((rc = mkdirs(root, rel)))
		return rc;
	if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", root, rel) >= sizeof(dst) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/%.*s.%s.tmp", root, dirlen, rel, rel + dirlen) >=
		    sizeof(tmp))
		return -ENAMETOOLONG;
	if ((to = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -errno;
	while (!rc && (n = read(from, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno != EINTR)
				rc = -errno;
			continue;
		}
		for (ssize_t off = 0; !rc && off < n;) {
			ssize_t w = write(to, buf + off, (size_t)(n - off));

			if (w < 0 && errno != EINTR)
				rc = -errno;
			else if (w > 0)
				off += w;
		}
	}
	if (close(to) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, dst))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/* The checkout's path with glob's special characters escaped. */
static int glob_escape(struct strbuf *out, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (strchr("*?[]\\", *p))
			strbuf_addch(out, '\\');
		strbuf_addch(out, *p);
	}
	return strbuf_error(out);
}

static void keep_one(struct job *job, size_t s, const struct bench_config *b, const char *match,
		     const char *root, const char *real_workdir, long long *total, long long cap)
{
	struct side *sd = &job->sides[s];
	const char *rel = match + strlen(sd->workdir) + 1;
	char real[PATH_MAX];
	size_t wlen = strlen(real_workdir);
	struct stat st;
	int fd, rc;

	if (!realpath(match, real) || strncmp(real, real_workdir, wlen) != 0 || real[wlen] != '/') {
		runlog_printf(sd->log, "benchfs", "%s: keep: %s left out: it leads out of the checkout",
			      b->name, rel);
		return;
	}
	if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
		return;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (!S_ISDIR(st.st_mode))
			runlog_printf(sd->log, "benchfs", "%s: keep: %s left out: not a regular file",
				      b->name, rel);
		close(fd);
		return;
	}
	if (*total + st.st_size > cap) {
		runlog_printf(sd->log, "benchfs", "%s: keep: %s left out (%jd bytes): the run keeps at"
			      " most %lld bytes (\"keep_max_bytes\"), %lld kept already", b->name, rel,
			      (intmax_t)st.st_size, cap, *total);
		close(fd);
		return;
	}
	if ((rc = copy_into(fd, root, rel)))
		runlog_printf(sd->log, "benchfs", "%s: keep: cannot copy %s: %s", b->name, rel,
			      strerror(-rc));
	else
		*total += st.st_size;
	close(fd);
}

int keep_copy(struct job *job, size_t s, const struct bench_config *b)
{
	struct side *sd = &job->sides[s];
	char root[PATH_MAX], real_workdir[PATH_MAX];
	long long cap = profiling_keep_max(job->config), total;
	char *const *globs = profiling_keep(b);
	int rc;

	if (!realpath(sd->workdir, real_workdir))
		return 0;
	if ((rc = mkdir_in(sd->artifacts, EXTRAS_KEEP_DIR, root, sizeof(root)))) {
		runlog_printf(sd->log, "benchfs", "%s: keep: cannot create %s: %s", b->name, root,
			      strerror(-rc));
		return 0;
	}
	total = kept_bytes(root);
	for (size_t k = 0; globs[k]; k++) {
		struct strbuf pattern = STRBUF_INIT;
		glob_t g = {0};
		int grc;

		if (glob_escape(&pattern, sd->workdir) || strbuf_addch(&pattern, '/') ||
		    strbuf_addstr(&pattern, globs[k])) {
			strbuf_release(&pattern);
			return -ENOMEM;
		}
		grc = glob(pattern.buf, 0, NULL, &g);
		strbuf_release(&pattern);
		if (grc == GLOB_NOSPACE) {
			globfree(&g);
			return -ENOMEM;
		}
		if (grc == GLOB_NOMATCH || g.gl_pathc == 0)
			runlog_printf(sd->log, "benchfs", "%s: keep: nothing matches %s", b->name,
				      globs[k]);
		for (size_t m = 0; m < g.gl_pathc; m++)
			keep_one(job, s, b, g.gl_pathv[m], root, real_workdir, &total, cap);
		globfree(&g);
	}
	runlog_printf(sd->log, "benchfs", "%s: keep: the run keeps %lld bytes in artifacts/", b->name,
		      total);
	return 0;
}
