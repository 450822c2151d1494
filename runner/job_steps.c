/* The steps of a job before its end (the job loop is runner.c): how a job
 * fails, the environment of its commands, the build and the identity of
 * what it built, and every benchmark's rounds. Shares the job's state in
 * runner/internal.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "repo/checkout.h"
#include "runner/internal.h"
#include "runner/internal_extras.h"
#include "runner/measure.h"
#include "runner/result.h"
#include "runner/runlog.h"
#include "runner/worktree.h"
#include "spawner/spawn_measure.h"
#include "spawner/spawner.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/rmtree.h"
#include "util/runid.h"
#include "util/strbuf.h"

extern char **environ;

/* A build that runs longer than this is stuck; the queue must move on. */
#define BUILD_TIMEOUT_S 3600.0

/* The daemon's environment plus BENCHFS_COMMIT; benchmarks see the same. */
char **make_env(const char *commit)
{
	struct strbuf var = STRBUF_INIT;
	size_t n = 0, k = 0;
	char **envp;
	while (environ[n])
		n++;
	if (!(envp = calloc(n + 2, sizeof(char *))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "BENCHFS_", 8) != 0)
			envp[k++] = environ[i];
	strbuf_addf(&var, "BENCHFS_COMMIT=%s", commit);
	if (!(envp[k] = strbuf_detach(&var, NULL))) {
		free(envp);
		return NULL;
	}
	return envp;
}

void free_env(char **envp)
{
	size_t n = 0;
	if (!envp)
		return;
	while (envp[n + 1])
		n++;
	free(envp[n]); /* only the BENCHFS_ entry is ours */
	free(envp);
}

static void job_vfail(struct job *job, size_t at, const char *fmt, va_list ap)
{
	char text[1024];
	vsnprintf(text, sizeof(text), fmt, ap);
	for (size_t s = 0; s < job->nsides; s++) {
		struct side *sd = &job->sides[s];
		if (s == at || job->nsides == 1)
			snprintf(sd->failure, sizeof(sd->failure), "%s", text);
		else if (snprintf(sd->failure, sizeof(sd->failure),
				  "the other side of this A/B job (run " RUNID_DIR_FMT ") failed: %.900s",
				  (long long)job->sides[at].run->id, text) < 0)
			sd->failure[0] = '\0';
		if (sd->log)
			runlog_printf(sd->log, "benchfs", "%s", sd->failure);
	}
}

/* Every side fails: the one at fault with its reason, the other naming it. */
void job_fail(struct job *job, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	job_vfail(job, at, fmt, ap);
	va_end(ap);
}

void job_interrupt(struct job *job, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	job_vfail(job, at, fmt, ap);
	va_end(ap);
	job->interrupted = true;
}

/* The build command of one side in envp, in the side's work directory,
 * output to its log. 0, or -1 with the job failed (or cancelled); or, with
 * retry, 1 when the command exited non-zero (the job not failed: the
 * caller builds again, clean). */
static int run_build(struct job *job, size_t s, char **envp, bool retry)
{
	struct side *sd = &job->sides[s];
	struct runner *r = job->runner;
	char *argv[] = {"/bin/sh", "-c", job->config->build, NULL};
	struct spawn_spec spec = {
		.argv = argv,
		.envp = envp,
		.cwd = sd->workdir,
		.timeout_s = BUILD_TIMEOUT_S,
		.on_output = runlog_output,
		.output_ctx = sd->log,
		.cancel_fd = r->cancel_pipe[0],
	};
	struct spawn_result res;
	char how[256];
	int rc;
	runlog_printf(sd->log, "benchfs", "build: %s", job->config->build);
	runlog_set_step(sd->log, "build");
	rc = spawner_measure(r->spawner, &res, &spec);
	runlog_set_step(sd->log, "benchfs");
	if (rc == -EPIPE) {
		spawner_describe_end(r->spawner, how, sizeof(how));
		job_interrupt(job, s, "build: benchfs-spawner died while it ran the build (%s)", how);
		return -1;
	}
	if (rc < 0) {
		job_fail(job, s, "build: cannot run /bin/sh: %s", strerror(-rc));
		return -1;
	}
	if (res.cancelled) {
		job->cancelled = true;
		return -1;
	}
	if (res.exit_code != 0 || res.timed_out) {
		spawn_result_describe(how, sizeof(how), &res, BUILD_TIMEOUT_S);
		/* A build that timed out would only time out again. */
		if (retry && !res.timed_out) {
			runlog_printf(sd->log, "benchfs",
				      "the incremental build %s; building again from a clean"
				      " checkout, whose outcome counts",
				      how);
			return 1;
		}
		job_fail(job, s, "build %s", how);
		return -1;
	}
	runlog_printf(sd->log, "benchfs", "build finished in %.3f s", (double)res.wall_ns / 1e9);
	return 0;
}

/* "build_mode": "incremental": the side's kept work tree (runner/worktree.h)
 * becomes its work directory, brought to the commit; the build runs there
 * with ccache when it is installed. An incremental build that fails is done
 * again from a clean checkout, so a run never fails, nor measures, because
 * of what an earlier build left. 0, or -1 with the job failed. */
static int build_incremental(struct job *job, size_t s)
{
	struct side *sd = &job->sides[s];
	struct runner *r = job->runner;
	const char *name = job->nsides == 1 ? "solo" : s == 0 ? "a" : "b";
	struct worktree wt;
	char why[600], err[600], **env = NULL;
	bool enomem, clean = false;
	int rc;
	if (worktree_init(&wt, r->data_dir, name, job->config->build, sd->envp)) {
		job_fail(job, s, "incremental build: the data directory's path is too long");
		return -1;
	}
	for (;;) {
		unsigned hits, misses, others;
		if (worktree_checkout(&wt, r->repo, sd->run->commit, clean, why, sizeof(why), err,
				      sizeof(err))) {
			job_fail(job, s, "checkout: %s", err);
			return -1;
		}
		_Static_assert(sizeof(sd->workdir) == sizeof(wt.dir), "work directory sizes");
		memcpy(sd->workdir, wt.dir, sizeof(sd->workdir));
		if (wt.from[0])
			runlog_printf(sd->log, "benchfs",
				      "build_mode incremental: work tree %s, from commit %s: %zu"
				      " file%s written, %zu removed, %zu unchanged",
				      wt.dir, wt.from, wt.counts.written,
				      wt.counts.written == 1 ? "" : "s", wt.counts.removed,
				      wt.counts.kept);
		else
			runlog_printf(sd->log, "benchfs",
				      "build_mode incremental: work tree %s checked out clean (%s)",
				      wt.dir, why);
		env = worktree_ccache_env(&wt, sd->envp, &enomem);
		if (enomem) {
			job_fail(job, s, "out of memory");
			return -1;
		}
		if (env)
			runlog_printf(sd->log, "benchfs", "ccache: %s first in PATH, CCACHE_DIR=%s",
				      WORKTREE_CCACHE_BIN, wt.ccache_dir);
		else if (!clean)
			runlog_printf(sd->log, "benchfs",
				      "ccache: not installed (no %s/cc): the build compiles"
				      " without a cache",
				      WORKTREE_CCACHE_BIN);
		rc = run_build(job, s, env ? env : sd->envp, wt.from[0] != '\0');
		if (env && worktree_ccache_stats(&wt, &hits, &misses, &others) == 0)
			runlog_printf(sd->log, "benchfs",
				      "ccache: %u hit%s, %u miss%s, %u other call%s (links,"
				      " preprocessing, uncacheable)",
				      hits, hits == 1 ? "" : "s", misses, misses == 1 ? "" : "es",
				      others, others == 1 ? "" : "s");
		worktree_env_free(env);
		if (rc <= 0)
			break;
		clean = true;
	}
	if (rc)
		return -1; /* the marker stays: the next build of this side starts clean */
	if ((rc = worktree_done(&wt, sd->run->commit)))
		runlog_printf(sd->log, "benchfs",
			      "cannot record the build in %s (%s): the next build of this side"
			      " starts clean",
			      wt.state, strerror(-rc));
	return 0;
}

/* The build of one side, output to its log. 0, or -1 with the job failed
 * (or cancelled). */
int do_build(struct job *job, size_t s)
{
	struct side *sd = &job->sides[s];
	if (!job->config->build) {
		runlog_printf(sd->log, "benchfs", "no build command configured");
		return 0;
	}
	if (job->config->build_mode == BUILD_MODE_INCREMENTAL)
		return build_incremental(job, s);
	return run_build(job, s, sd->envp, false);
}

static int count_perf(const struct config *config, bool instructions)
{
	int n = 0;
	for (size_t i = 0; i < config->nbenchmarks; i++)
		n += instructions ? config->benchmarks[i].instructions : config->benchmarks[i].perf;
	return n;
}

/* A fresh artifacts directory per attempt: nothing of an interrupted one
 * may be shown as this run's. */
static int prepare_artifacts(struct job *job, size_t s, bool needed)
{
	struct side *sd = &job->sides[s];
	char parent[4096];
	int rc;
	store_path_artifacts(sd->artifacts, sizeof(sd->artifacts), job->runner->data_dir,
			      sd->run->id);
	if ((rc = rmtree(sd->artifacts))) {
		job_fail(job, s, "cannot clear %s: %s", sd->artifacts, strerror(-rc));
		return -1;
	}
	if (!needed)
		return 0;
	store_path_artifacts_root(parent, sizeof(parent), job->runner->data_dir);
	if ((mkdir(parent, 0755) && errno != EEXIST) || mkdir(sd->artifacts, 0755)) {
		job_fail(job, s, "cannot create %s: %s", sd->artifacts, strerror(errno));
		return -1;
	}
	return 0;
}

/* What bench_round's hook needs of the round (measure_job.before_cleanup). */
struct round_extras {
	struct job *job;
	size_t i;
	const char *perf_paths[2];
	bool failed; /* the job failed in bench_extras (job_fail said why) */
};

/* Folded stacks, the profiler command and kept files (internal_extras.h),
 * inside the first round: its service still up, its cleanup not run. */
static int round_extras(void *ctx, bool measured)
{
	struct round_extras *x = ctx;
	int rc = bench_extras(x->job, x->i, measured, x->perf_paths);
	if (rc == -ECANCELED)
		return rc;
	x->failed = rc != 0;
	return 0;
}

/* One round of benchmark i on every side: its first (round 0), or an extra
 * round of an A/B job adding `pairs` pairs. 0, or -1 with the job failed or
 * cancelled. */
int bench_round(struct job *job, size_t i, int round, int pairs, const char *tmp, int nperf)
{
	struct runner *r = job->runner;
	const struct bench_config *b = &job->config->benchmarks[i];
	struct measure_side ms[2];
	char perf[2][4200];
	struct round_extras extras = {
		.job = job,
		.i = i,
		.perf_paths = {b->perf ? perf[0] : NULL, b->perf ? perf[1] : NULL},
	};
	struct measure_job mj = {
		.spawner = r->spawner,
		.store = r->store,
		.cancel_fd = r->cancel_pipe[0],
		.tmp_dir = tmp,
		.bench = b,
		.sides = ms,
		.nsides = job->nsides,
		.round = round,
		.pairs = pairs,
		.before_cleanup = round == 0 ? round_extras : NULL,
		.before_cleanup_ctx = &extras,
	};
	enum measure_end end;

	for (size_t s = 0; s < job->nsides; s++) {
		struct side *sd = &job->sides[s];
		if (nperf == 1)
			snprintf(perf[s], sizeof(perf[s]), "%s/perf.data", sd->artifacts);
		else
			snprintf(perf[s], sizeof(perf[s]), "%s/perf.%s.data", sd->artifacts, b->name);
		ms[s] = (struct measure_side){
			.run_id = sd->run->id,
			.log = sd->log,
			.workdir = sd->workdir,
			.envp = sd->envp,
			.perf_path = b->perf ? perf[s] : NULL,
			.result = sd->benches[i], /* an extra round adds to it */
			.cal = sd->cals[i],
		};
	}
	end = measure_benchmark(&mj);
	for (size_t s = 0; s < job->nsides; s++) {
		job->sides[s].benches[i] = ms[s].result; /* theirs to free now */
		job->sides[s].cals[i] = ms[s].cal;
		/* the first failure is the story: the hook's, when it failed */
		if ((end == MEASURE_FAILED || end == MEASURE_INTERRUPTED) && !extras.failed)
			snprintf(job->sides[s].failure, sizeof(job->sides[s].failure), "%s",
				 ms[s].failure);
	}
	if (end == MEASURE_CANCELLED) {
		job->cancelled = true;
		return -1;
	}
	if (end == MEASURE_INTERRUPTED)
		job->interrupted = true;
	return end == MEASURE_DONE && !extras.failed ? 0 : -1;
}

/* Every benchmark, in order, for every side; then an A/B job adds pairs
 * where it is undecided. */
int do_benchmarks(struct job *job)
{
	struct runner *r = job->runner;
	struct config *c = job->config;
	int nperf = count_perf(c, false);
	char tmp[4096];
	/* callgrind's scratch space */
	store_path_tmp(tmp, sizeof(tmp), r->data_dir);
	if (count_perf(c, true) > 0 && (mkdir(tmp, 0755) && errno != EEXIST)) {
		job_fail(job, 0, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	for (size_t s = 0; s < job->nsides; s++) {
		struct side *sd = &job->sides[s];
		if (!(sd->benches = calloc(c->nbenchmarks, sizeof(struct result_bench))) ||
		    !(sd->cals = calloc(c->nbenchmarks, sizeof(struct measure_calibration)))) {
			job_fail(job, s, "out of memory");
			return -1;
		}
		if (prepare_artifacts(job, s, nperf > 0 || extras_needed(c)))
			return -1;
	}
	for (size_t i = 0; i < c->nbenchmarks; i++)
		if (bench_round(job, i, 0, 0, tmp, nperf))
			return -1;
	if (job->nsides == 2 && c->nbenchmarks > 0)
		return job_add_pairs(job, tmp, nperf);
	return 0;
}

/* The identity of a side's build: its configured artifacts hashed, logged
 * and stored (the views say "same build" for equal ones). 0, or -1 with the
 * job failed. */
int build_identity(struct job *job, size_t s)
{
	const struct config *c = job->config;
	struct side *sd = &job->sides[s];
	struct store *st = job->runner->store;
	char id[41], err[512];
	size_t nfiles = 0;
	if (c->nartifacts == 0)
		return 0;
	if (checkout_artifacts_id(id, &nfiles, sd->workdir, c->artifacts, c->nartifacts, err,
				  sizeof(err))) {
		job_fail(job, s, "artifacts: %s", err);
		return -1;
	}
	if (id[0]) {
		runlog_printf(sd->log, "benchfs", "artifacts: %s (%zu file%s)", id, nfiles,
			      nfiles == 1 ? "" : "s");
	} else {
		struct strbuf globs = STRBUF_INIT;
		for (size_t k = 0; k < c->nartifacts; k++)
			strbuf_addf(&globs, "%s%s", k ? ", " : "", c->artifacts[k]);
		runlog_printf(sd->log, "benchfs",
			      "artifacts: no regular file under %s matches %s; this build has no"
			      " identity (compare cannot tell a same build)",
			      sd->workdir, strbuf_error(&globs) ? "its globs" : globs.buf);
		strbuf_release(&globs);
	}
	if (store_run_set_build_id(st, sd->run->id, id)) {
		job_interrupt(job, s, "store: %s", store_errmsg(st));
		return -1;
	}
	return 0;
}
