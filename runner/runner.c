#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "repo/checkout.h"
#include "repo/repo.h"
#include "runner/hostinfo.h"
#include "runner/interference.h"
#include "runner/internal.h"
#include "runner/measure.h"
#include "runner/result.h"
#include "runner/runlog.h"
#include "runner/runner.h"
#include "spawner/spawn_measure.h"
#include "spawner/spawner.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/rmtree.h"
#include "util/runid.h"
#include "util/strbuf.h"

extern char **environ;

/* A build that runs longer than this is stuck; the queue must move on. */
#define BUILD_TIMEOUT_S 3600.0
static void notify(struct runner *r, int64_t run_id)
{
	if (r->opts.on_change)
		r->opts.on_change(r->opts.ctx, run_id);
}

static bool stopping(struct runner *r)
{
	bool stop;
	pthread_mutex_lock(&r->lock);
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/* The daemon's environment plus BENCHFS_COMMIT; benchmarks see the same. */
static char **make_env(const char *commit)
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

static void free_env(char **envp)
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

/* The build of one side, output to its log. 0, or -1 with the job failed
 * (or cancelled). */
static int do_build(struct job *job, size_t s)
{
	struct side *sd = &job->sides[s];
	struct runner *r = job->runner;
	char *argv[] = {"/bin/sh", "-c", job->config->build, NULL};
	struct spawn_spec spec = {
		.argv = argv,
		.envp = sd->envp,
		.cwd = sd->workdir,
		.timeout_s = BUILD_TIMEOUT_S,
		.on_output = runlog_output,
		.output_ctx = sd->log,
		.cancel_fd = r->cancel_pipe[0],
	};
	struct spawn_result res;
	char how[256];
	int rc;
	if (!job->config->build) {
		runlog_printf(sd->log, "benchfs", "no build command configured");
		return 0;
	}
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
		job_fail(job, s, "build %s", how);
		return -1;
	}
	runlog_printf(sd->log, "benchfs", "build finished in %.3f s", (double)res.wall_ns / 1e9);
	return 0;
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

/* One round of benchmark i on every side: its first (round 0), or an extra
 * round of an A/B job adding `pairs` pairs. 0, or -1 with the job failed or
 * cancelled. */
int bench_round(struct job *job, size_t i, int round, int pairs, const char *tmp, int nperf)
{
	struct runner *r = job->runner;
	const struct bench_config *b = &job->config->benchmarks[i];
	struct measure_side ms[2];
	char perf[2][4200];
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
		if (end == MEASURE_FAILED || end == MEASURE_INTERRUPTED)
			snprintf(job->sides[s].failure, sizeof(job->sides[s].failure), "%s",
				 ms[s].failure);
	}
	if (end == MEASURE_CANCELLED) {
		job->cancelled = true;
		return -1;
	}
	if (end == MEASURE_INTERRUPTED)
		job->interrupted = true;
	return end == MEASURE_DONE ? 0 : -1;
}

/* Every benchmark, in order, for every side; then an A/B job adds pairs
 * where it is undecided. */
static int do_benchmarks(struct job *job)
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
		if (prepare_artifacts(job, s, nperf > 0))
			return -1;
	}
	for (size_t i = 0; i < c->nbenchmarks; i++)
		if (bench_round(job, i, 0, 0, tmp, nperf))
			return -1;
	if (job->nsides == 2 && c->nbenchmarks > 0)
		return job_add_pairs(job, tmp, nperf);
	return 0;
}

/* The run's end in the store and its log. 0, or -1 when the store could
 * not record it (the run is left building or running there, and must be
 * queued again once the store takes writes: its status must not stay). */
static int finish(struct job *job, size_t s, enum run_state state, const char *detail,
		  const char *result_json)
{
	struct runner *r = job->runner;
	struct side *sd = &job->sides[s];
	if (store_run_finish(r->store, sd->run->id, state, detail, result_json)) {
		/* The store logged why. */
		log_error(-EIO, "run " RUNID_DIR_FMT ": cannot record its end", (long long)sd->run->id);
		runlog_printf(sd->log, "benchfs", "%s%s%s, but the store cannot record it: %s",
			      state == RUN_DONE ? "done" : "failed: ",
			      state == RUN_DONE && *detail ? ": " : "", detail,
			      store_errmsg(r->store));
		return -1;
	}
	sd->ended = true;
	if (state == RUN_DONE)
		runlog_printf(sd->log, "benchfs", "done%s%s", *detail ? ": " : "", detail);
	else
		runlog_printf(sd->log, "benchfs", "failed: %s", detail);
	notify(r, sd->run->id);
	return 0;
}

/* What each benchmark was measured under, for the views: whether its times
 * stepped or drifted (logged when they did), and what else the machine did
 * meanwhile. 0, or -1 with the job failed. */
static int record_conditions(struct job *job)
{
	struct store *st = job->runner->store;
	for (size_t s = 0; s < job->nsides; s++) {
		struct side *sd = &job->sides[s];
		for (size_t i = 0; i < job->config->nbenchmarks; i++) {
			struct result_bench *rb = &sd->benches[i];
			const char *name = job->config->benchmarks[i].name;
			size_t at = 0;
			double change = 0, p = 1;
			int unstable;
			/* Once here; result.json and the status flags read the answer. */
			result_bench_check_stability(rb);
			unstable = result_bench_unstable(rb, &at, &change, &p);
			if (unstable == 1)
				runlog_printf(sd->log, "benchfs",
					      "%s: unstable: its times stepped by %+.0f%% at iteration %d"
					      " of %zu (p=%.2g); the machine changed while it was measured",
					      name, 100.0 * change,
					      /* at: 1-based, the first iteration after the step */
					      at >= 1 && at <= rb->n ? rb->iterations[at - 1].iteration
								    : (int)at,
					      rb->n, p);
			if ((unstable >= 0 &&
			     store_metric_add(st, sd->run->id, name, STORE_METRIC_UNSTABLE, unstable)) ||
			    (rb->interference.spans > 0 &&
			     (store_metric_add(st, sd->run->id, name, STORE_METRIC_OTHER_CPUS,
					       interference_other_cpus(&rb->interference)) ||
			      store_metric_add(st, sd->run->id, name, STORE_METRIC_STEAL,
					       interference_steal(&rb->interference))))) {
				job_interrupt(job, s, "store: %s", store_errmsg(st));
				return -1;
			}
		}
	}
	return 0;
}

/* result.json of every side, then done; the flags (outliers, a slow first
 * iteration) become the status detail. A side whose result cannot be
 * rendered fails the job. 0 when every end is recorded; -1 when the job
 * failed (nothing recorded: the caller records the failure); 1 when the
 * store could not record an end. */
static int finish_done(struct job *job)
{
	char *texts[2] = {NULL, NULL}, flags[2][1024];
	size_t s;
	int rc = 0;
	if (record_conditions(job))
		return -1;
	for (s = 0; s < job->nsides; s++) {
		struct side *sd = &job->sides[s];
		const struct side *other = job->nsides == 2 ? &job->sides[1 - s] : NULL;
		struct result_input in = {
			.run_id = sd->run->id,
			.commit = sd->run->commit,
			.revision = sd->run->revision,
			.host_json = job->host_json,
			.benches = sd->benches,
			.nbenches = job->config->nbenchmarks,
			.pair_run_id = other ? other->run->id : 0,
			.pair_commit = other ? other->run->commit : NULL,
		};
		char err[512];
		if (!(texts[s] = result_render(&in, err, sizeof(err)))) {
			job_fail(job, s, "result.json: %s", err);
			break;
		}
		result_flags_text(flags[s], sizeof(flags[s]), &in);
	}
	for (size_t k = 0; k < job->nsides; k++) {
		if (s < job->nsides)
			rc = -1;
		else if (finish(job, k, RUN_DONE, flags[k], texts[k]))
			rc = 1;
		free(texts[k]);
	}
	return rc;
}

/* The identity of a side's build: its configured artifacts hashed, logged
 * and stored (the views say "same build" for equal ones). 0, or -1 with the
 * job failed. */
static int build_identity(struct job *job, size_t s)
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

/* The other side of an A/B run, when it is queued and comes after this
 * one; else the run is measured alone (said in its log). */
static size_t find_pair(struct runner *r, const struct store_run *run, struct store_run *other,
			struct runlog *log)
{
	int rc;
	if (run->pair_id <= 0)
		return 1;
	rc = store_run_get(r->store, other, run->pair_id);
	if (rc == STORE_OK && other->state == RUN_QUEUED && other->id > run->id)
		return 2;
	runlog_printf(log, "benchfs",
		      "its A/B partner, run " RUNID_DIR_FMT ", is %s: this run is measured alone",
		      (long long)run->pair_id,
		      rc == STORE_OK ? run_state_name(other->state) : "missing");
	if (rc == STORE_OK)
		store_run_clear(other);
	return 1;
}

static int open_log(struct runner *r, struct side *sd)
{
	char path[4096], dir[RUNID_NAME_MAX];
	int rc;
	store_path_log(path, sizeof(path), r->data_dir, sd->run->id);
	if ((rc = runlog_open(&sd->log, path))) {
		char msg[4400];
		runid_dir_name(dir, sizeof(dir), sd->run->id);
		/* ELOOP, EINVAL, EMLINK: a symlink, a FIFO or a hard link where the
		 * log belongs, planted by someone: never written through. */
		if (rc == -ELOOP || rc == -EINVAL || rc == -EMLINK)
			snprintf(msg, sizeof(msg),
				 "cannot open %s: not a file of benchfs's own (a symlink, FIFO or"
				 " hard link put in the data directory): refused",
				 path);
		else
			snprintf(msg, sizeof(msg), "cannot open %s: %s", path, strerror(-rc));
		log_error(rc, "run %s: %s", dir, msg);
		if (store_run_finish(r->store, sd->run->id, RUN_FAILED, msg, NULL)) {
			/* The store logged why. */
			log_error(-EIO, "run %s: cannot record its end", dir);
			return -2;
		}
		notify(r, sd->run->id);
		return -1;
	}
	return 0;
}

/* Runs one job. Returns false, or true when the store holds runs of it
 * still building or running that must be queued again (why says why): it
 * was interrupted by a failure of benchfs's own, or its end could not be
 * recorded. */
static bool execute_run(struct runner *r, const struct store_run *run, char *why, size_t whysize)
{
	struct job job = {.runner = r, .nsides = 1};
	struct store_run other = {0};
	char dir[RUNID_NAME_MAX], err[512], *host = NULL;
	bool requeue = false;
	int rc;
	job.sides[0].run = run;
	if ((rc = open_log(r, &job.sides[0]))) {
		snprintf(why, whysize, "the store could not record that its log cannot be opened: %s",
			 store_errmsg(r->store));
		return rc == -2;
	}
	job.nsides = find_pair(r, run, &other, job.sides[0].log);
	if (job.nsides == 2) {
		job.sides[1].run = &other;
		if (open_log(r, &job.sides[1])) {
			job.nsides = 1;
			runlog_printf(job.sides[0].log, "benchfs",
				      "its A/B partner's log cannot be opened: measured alone");
		}
	}
	host = hostinfo_json();
	job.host_json = host ? host : "{}";
	for (size_t s = 0; s < job.nsides; s++) {
		struct side *sd = &job.sides[s];
		runid_dir_name(dir, sizeof(dir), sd->run->id);
		runlog_printf(sd->log, "benchfs", "run %s: revision %s, commit %s, attempt %d", dir,
			      sd->run->revision, sd->run->commit, sd->run->attempts + 1);
		if (job.nsides == 2)
			runlog_printf(sd->log, "benchfs",
				      "interleaved A/B job: this run is side %c, run " RUNID_DIR_FMT
				      " (%s, commit"
				      " %s) is side %c; both are built, then their iterations"
				      " alternate",
				      s == 0 ? 'A' : 'B', (long long)job.sides[1 - s].run->id,
				      job.sides[1 - s].run->revision, job.sides[1 - s].run->commit,
				      s == 0 ? 'B' : 'A');
		if (store_run_progress(r->store, sd->run->id, RUN_BUILDING, "", job.host_json)) {
			/* The store logged why; the run's log is told too. */
			runlog_printf(sd->log, "benchfs", "store: %s", store_errmsg(r->store));
			snprintf(why, whysize, "the store could not record its start: %s",
				 store_errmsg(r->store));
			requeue = true;
			goto out;
		}
		notify(r, sd->run->id);
	}
	if (config_parse(&job.config, run->config, err, sizeof(err))) {
		job_fail(&job, 0, "invalid configuration: %s", err);
		goto failed;
	}
	if (job.nsides == 2 && strcmp(run->config, other.config) != 0) {
		job_fail(&job, 1, "the two sides of this A/B job have different configurations");
		goto failed;
	}
	for (size_t s = 0; s < job.nsides; s++) {
		struct side *sd = &job.sides[s];
		if (!(sd->envp = make_env(sd->run->commit))) {
			job_fail(&job, s, "out of memory");
			goto failed;
		}
		store_path_workdir(sd->workdir, sizeof(sd->workdir), r->data_dir,
			 job.nsides == 1 ? "work" : s == 0 ? "work-a" : "work-b");
		runlog_printf(sd->log, "benchfs", "checkout into %s", sd->workdir);
		if (checkout_commit(r->repo, sd->run->commit, sd->workdir, err, sizeof(err))) {
			job_fail(&job, s, "checkout: %s", err);
			goto failed;
		}
	}
	for (size_t s = 0; s < job.nsides; s++)
		if (do_build(&job, s) || build_identity(&job, s))
			goto failed;
	if (do_benchmarks(&job))
		goto failed;
	if ((rc = finish_done(&job)) == 0)
		goto out;
	if (rc > 0) {
		/* Measured, but the store refused the result: queued again like any
		 * store failure (a full disk), failed at the last attempt (a result
		 * it can never take). */
		for (size_t s = 0; s < job.nsides; s++)
			if (!job.sides[s].ended)
				snprintf(job.sides[s].failure, sizeof(job.sides[s].failure),
					 "its end could not be recorded: store: %s", store_errmsg(r->store));
		job.interrupted = true;
	}
failed:
	if (job.cancelled) {
		/* The daemon is stopping: the run goes back to the queue, whole. */
		for (size_t s = 0; s < job.nsides; s++)
			runlog_printf(job.sides[s].log, "benchfs",
				      "interrupted: benchfs is shutting down; the run is queued again");
		goto out;
	}
	if (job.interrupted) {
		/* Not the commit's doing: measured again from scratch, as after a
		 * crash of the daemon; unless benchfs failed it every time. */
		size_t at = 0;
		int attempt = run->attempts + 1;
		while (at + 1 < job.nsides && (job.sides[at].ended ||
					       strncmp(job.sides[at].failure, "the other side", 14) == 0))
			at++;
		if (attempt < RUNNER_ATTEMPTS_MAX) {
			snprintf(why, whysize, "%s", job.sides[at].failure);
			requeue = true;
			goto out;
		}
		for (size_t s = 0; s < job.nsides; s++) {
			struct side *sd = &job.sides[s];
			size_t len = strlen(sd->failure);
			if (sd->ended)
				continue;
			snprintf(sd->failure + len, sizeof(sd->failure) - len,
				 " (attempt %d of %d: not queued again)", attempt, RUNNER_ATTEMPTS_MAX);
		}
	}
	for (size_t s = 0; s < job.nsides; s++)
		if (!job.sides[s].ended && finish(&job, s, RUN_FAILED, job.sides[s].failure, NULL)) {
			snprintf(why, whysize, "its end (failed: %.300s) could not be recorded: %s",
				 job.sides[s].failure, store_errmsg(r->store));
			requeue = true;
		}
out:
	for (size_t s = 0; s < job.nsides; s++) {
		struct side *sd = &job.sides[s];
		for (size_t i = 0; sd->benches && job.config && i < job.config->nbenchmarks; i++) {
			struct measure_side ms = {.result = sd->benches[i]};
			measure_side_clear(&ms);
		}
		free(sd->benches);
		free(sd->cals);
		free_env(sd->envp);
		runlog_free(sd->log);
	}
	if (other.id)
		store_run_clear(&other);
	free(host);
	config_free(job.config);
	return requeue;
}

/* Sleeps up to seconds, or until the runner stops (true) or is woken. */
static bool nap(struct runner *r, int seconds)
{
	bool stop;
	struct timespec ts;
	pthread_mutex_lock(&r->lock);
	if (!r->wake && !r->stop) {
		timespec_real_after(&ts, (int64_t)seconds * 1000);
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	}
	r->wake = false;
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/* One line of the daemon's in a run's debug.log (none when it cannot be opened). */
static void log_line(struct runner *r, int64_t id, const char *line)
{
	char path[4096];
	struct runlog *log;
	store_path_log(path, sizeof(path), r->data_dir, id);
	if (runlog_open(&log, path) == 0) {
		runlog_printf(log, "benchfs", "%s", line);
		runlog_free(log);
	}
}

/* After a job the store still shows building or running (execute_run said
 * why): every such run goes back to the queue, its partial measurements
 * dropped, as after a crash, and its log says why. The store may refuse
 * writes for a while (a full disk): this waits until it takes them again,
 * so a status never stays "running" once it can be corrected, and no run
 * is started meanwhile (it could not be recorded either). Only the runner
 * thread runs jobs, so every run building or running now is this one's. */
static void requeue_interrupted(struct runner *r, const char *why)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int wait_s = 1;
	char line[2048]; /* the reason (at most 1,200 bytes) and the sentence around it */
	while (store_runs_recover(r->store, &ids, &n)) {
		/* The store logged why. */
		log_warning("runner: cannot queue an interrupted run again (%s); retrying in %d s",
			    why, wait_s);
		if (nap(r, wait_s))
			return; /* runner_stop queues it again */
		wait_s = wait_s < 5 ? 2 * wait_s : 10;
	}
	snprintf(line, sizeof(line),
		 "interrupted: %s; its partial measurements are discarded and it is queued again",
		 why);
	for (size_t i = 0; i < n; i++) {
		log_line(r, ids[i], line);
		log_notice("run " RUNID_DIR_FMT " queued again: %s", (long long)ids[i], why);
		notify(r, ids[i]);
	}
	free(ids);
}

static void *worker(void *arg)
{
	struct runner *r = arg;
	while (!stopping(r)) {
		struct store_run run;
		int rc = store_run_next(r->store, &run);
		if (rc == STORE_OK) {
			char why[1200];
			bool requeue = execute_run(r, &run, why, sizeof(why));
			store_run_clear(&run);
			if (requeue)
				requeue_interrupted(r, why);
			continue;
		}
		/* Another failure of the store was logged by it: retried below. */
		if (rc == STORE_NOTFOUND && r->opts.on_idle && !stopping(r) &&
		    r->opts.on_idle(r->opts.idle_ctx) > 0)
			continue;
		pthread_mutex_lock(&r->lock);
		if (!r->wake && !r->stop) {
			/* Also wake up now and then: a store error may be passing. */
			struct timespec ts;
			timespec_real_after(&ts, rc == STORE_NOTFOUND ? 60000 : 1000);
			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		}
		r->wake = false;
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

/* Runs a previous daemon left building or running: say so in their logs and
 * queue them again. 0, or a negative errno with the message in err. */
static int recover(struct runner *r, char *err, size_t errsize)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;
	if ((rc = store_runs_recover(r->store, &ids, &n))) {
		snprintf(err, errsize, "recovering interrupted runs: %s", store_errmsg(r->store));
		return store_errno(rc);
	}
	for (size_t i = 0; i < n; i++)
		log_line(r, ids[i],
			 "this run was interrupted: the daemon stopped while it ran (killed or"
			 " crashed); its partial measurements are discarded and it is queued again");
	free(ids);
	return 0;
}

int runner_start(struct runner **out, const struct runner_options *opts, char *err,
		 size_t errsize)
{
	struct runner *r = calloc(1, sizeof(*r));
	char path[4096], msg[512];
	sigset_t all, old;
	int rc;
	if (!r || !(r->repo_path = strdup(opts->repo_path)) ||
	    !(r->data_dir = strdup(opts->data_dir))) {
		snprintf(err, errsize, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	r->opts = *opts;
	r->cancel_pipe[0] = r->cancel_pipe[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	store_path_db(path, sizeof(path), r->data_dir);
	if ((rc = store_open(&r->store, path, STORE_SYNC_NORMAL))) {
		snprintf(err, errsize, "store %s: %s", path, store_errmsg(r->store));
		rc = store_errno(rc);
		goto fail;
	}
	if ((rc = repo_open(&r->repo, r->repo_path, msg, sizeof(msg)))) {
		snprintf(err, errsize, "repository %s: %s", r->repo_path, msg);
		rc = rc < 0 ? rc : -EIO;
		goto fail;
	}
	if (pipe2(r->cancel_pipe, O_CLOEXEC | O_NONBLOCK)) {
		rc = -errno;
		snprintf(err, errsize, "pipe: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = spawner_start(&r->spawner))) {
		snprintf(err, errsize, "cannot start benchfs-spawner: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = recover(r, err, errsize)))
		goto fail;
	/* Signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->thread, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errsize, "cannot start the runner thread: %s", strerror(rc));
		rc = -rc;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	if (r) {
		spawner_free(r->spawner);
		store_free(r->store);
		repo_free(r->repo);
		if (r->cancel_pipe[0] >= 0) {
			close(r->cancel_pipe[0]);
			close(r->cancel_pipe[1]);
		}
		free(r->repo_path);
		free(r->data_dir);
		free(r);
	}
	return rc;
}

void runner_wake(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->wake = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void runner_stop(struct runner *r)
{
	int64_t *ids = NULL;
	size_t n = 0;
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (write(r->cancel_pipe[1], "x", 1) < 0)
		log_error_errno(-errno, "cannot interrupt the runner");
	pthread_join(r->thread, NULL);
	spawner_free(r->spawner);
	/* An interrupted run goes back to the queue now, so the next start sees
	 * a clean state (a failure is logged by the store). */
	(void)store_runs_recover(r->store, &ids, &n);
	free(ids);
	store_free(r->store);
	repo_free(r->repo);
	close(r->cancel_pipe[0]);
	close(r->cancel_pipe[1]);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->repo_path);
	free(r->data_dir);
	free(r);
}
