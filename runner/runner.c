#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkout.h"
#include "config.h"
#include "hostinfo.h"
#include "result.h"
#include "revparse.h"
#include "runlog.h"
#include "runner.h"
#include "spawn_measure.h"
#include "spawner.h"
#include "store.h"

extern char **environ;

/* A build that runs longer than this is stuck; the queue must move on. */
#define BUILD_TIMEOUT_S 3600.0

struct runner {
	struct runner_options opts;
	char *repo_path, *data_dir;
	struct store *store;
	git_repository *repo;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool wake, stop;
	int cancel_pipe[2]; /* written once at stop: interrupts the child being measured */
	struct spawner *spawner; /* spawns children outside our address space (peak RSS) */
};

/* Everything one run needs while it executes. */
struct run_ctx {
	struct runner *runner;
	const struct store_run *run;
	struct config *config;
	struct runlog *log;
	char workdir[4096];
	char **envp;
	const char *host_json; /* system.json of this attempt, as stored */
	char failure[1024]; /* why the run failed, for status */
	bool cancelled;
};

void runner_log_path(char *buf, size_t size, const char *data_dir, int64_t run_id)
{
	char name[32];
	run_dir_name(name, sizeof(name), run_id);
	snprintf(buf, size, "%s/logs/%s.log", data_dir, name);
}

void runner_artifacts_path(char *buf, size_t size, const char *data_dir, int64_t run_id)
{
	char name[32];
	run_dir_name(name, sizeof(name), run_id);
	snprintf(buf, size, "%s/artifacts/%s", data_dir, name);
}

void runner_db_path(char *buf, size_t size, const char *data_dir)
{
	snprintf(buf, size, "%s/benchfs.db", data_dir);
}

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
	size_t n = 0, k = 0;
	char **envp;
	while (environ[n])
		n++;
	if (!(envp = calloc(n + 2, sizeof(char *))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "BENCHFS_", 8) != 0)
			envp[k++] = environ[i];
	if (asprintf(&envp[k], "BENCHFS_COMMIT=%s", commit) < 0) {
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

/* Run one process with output to the log. Returns 0 when it ran and exited
 * with status 0; otherwise -1 with ctx->failure set to "<what> <how it ended>". */
static int run_step(struct run_ctx *ctx, struct spawn_result *res, char *const *argv,
		    double timeout, const char *what)
{
	struct spawn_spec spec = {
		.argv = argv,
		.envp = ctx->envp,
		.cwd = ctx->workdir,
		.timeout_s = timeout,
		.on_output = runlog_output,
		.output_ctx = ctx->log,
		.cancel_fd = ctx->runner->cancel_pipe[0],
	};
	char how[256];
	int rc = spawner_measure(ctx->runner->spawner, res, &spec);
	if (rc < 0) {
		snprintf(ctx->failure, sizeof(ctx->failure), "%s: cannot run %s: %s", what, argv[0],
			 strerror(-rc));
		runlog_printf(ctx->log, "benchfs", "%s", ctx->failure);
		return -1;
	}
	if (res->cancelled) {
		ctx->cancelled = true;
		return -1;
	}
	if (res->exit_code == 0 && !res->timed_out)
		return 0;
	spawn_result_describe(how, sizeof(how), res, timeout);
	snprintf(ctx->failure, sizeof(ctx->failure), "%s %s", what, how);
	runlog_printf(ctx->log, "benchfs", "%s", ctx->failure);
	return -1;
}

static int do_build(struct run_ctx *ctx)
{
	char *argv[] = {"/bin/sh", "-c", ctx->config->build, NULL};
	struct spawn_result res;
	int rc;
	if (!ctx->config->build) {
		runlog_printf(ctx->log, "benchfs", "no build command configured");
		return 0;
	}
	runlog_printf(ctx->log, "benchfs", "build: %s", ctx->config->build);
	runlog_set_step(ctx->log, "build");
	rc = run_step(ctx, &res, argv, BUILD_TIMEOUT_S, "build");
	runlog_set_step(ctx->log, "benchfs");
	if (rc == 0)
		runlog_printf(ctx->log, "benchfs", "build finished in %.3f s",
			      (double)res.wall_ns / 1e9);
	return rc;
}

static void set_progress(struct run_ctx *ctx, const char *bench, int i, int n)
{
	char detail[256];
	snprintf(detail, sizeof(detail), "%s %d/%d", bench, i, n);
	if (store_run_progress(ctx->runner->store, ctx->run->id, RUN_RUNNING, detail, NULL))
		fprintf(stderr, "benchfs: run %lld: %s\n", (long long)ctx->run->id,
			store_errmsg(ctx->runner->store));
}

/* Warmups, then measured iterations, each recorded in the store as it ends. */
static int do_benchmark(struct run_ctx *ctx, const struct bench_config *b,
			struct store_iteration *its)
{
	char *shell_argv[] = {"/bin/sh", "-c", b->shell, NULL};
	char *const *argv = b->shell ? shell_argv : b->argv;
	char step[256], what[300];
	struct spawn_result res;
	runlog_printf(ctx->log, "benchfs", "benchmark %s: %d warmup, %d measured, timeout %g s",
		      b->name, b->warmup, b->runs, b->timeout);
	if (b->warmup > 0)
		set_progress(ctx, b->name, 0, b->runs); /* warming up: none measured yet */
	for (int i = 1; i <= b->warmup; i++) {
		/* The log step and the failure's subject are the same words here. */
		snprintf(step, sizeof(step), "%s warmup %d/%d", b->name, i, b->warmup);
		runlog_set_step(ctx->log, step);
		if (run_step(ctx, &res, argv, b->timeout, step))
			return -1;
	}
	for (int i = 1; i <= b->runs; i++) {
		struct store_iteration *it = &its[i - 1];
		snprintf(step, sizeof(step), "%s %d/%d", b->name, i, b->runs);
		snprintf(what, sizeof(what), "%s iteration %d/%d", b->name, i, b->runs);
		set_progress(ctx, b->name, i, b->runs);
		runlog_set_step(ctx->log, step);
		if (run_step(ctx, &res, argv, b->timeout, what))
			return -1;
		*it = (struct store_iteration){
			.benchmark = b->name,
			.iteration = i,
			.wall_ns = res.wall_ns,
			.user_ns = res.user_ns,
			.sys_ns = res.sys_ns,
			.maxrss_bytes = res.maxrss_bytes,
			.exit_code = res.exit_code,
			.term_signal = res.term_signal,
		};
		if (store_iteration_add(ctx->runner->store, ctx->run->id, it)) {
			snprintf(ctx->failure, sizeof(ctx->failure), "store: %s",
				 store_errmsg(ctx->runner->store));
			return -1;
		}
	}
	runlog_set_step(ctx->log, "benchfs");
	return 0;
}

static int do_benchmarks(struct run_ctx *ctx, char **result_json)
{
	size_t nb = ctx->config->nbenchmarks;
	struct result_bench *benches = calloc(nb, sizeof(*benches));
	struct result_input in = {
		.run_id = ctx->run->id,
		.commit = ctx->run->commit,
		.revision = ctx->run->revision,
		.host_json = ctx->host_json,
		.benches = benches,
		.nbenches = nb,
	};
	int result = -1;
	if (!benches) {
		snprintf(ctx->failure, sizeof(ctx->failure), "out of memory");
		return -1;
	}
	for (size_t i = 0; i < nb; i++) {
		const struct bench_config *b = &ctx->config->benchmarks[i];
		struct store_iteration *its = calloc((size_t)b->runs, sizeof(*its));
		benches[i] = (struct result_bench){.bench = b, .iterations = its, .n = (size_t)b->runs};
		if (!its) {
			snprintf(ctx->failure, sizeof(ctx->failure), "out of memory");
			goto done;
		}
		if (do_benchmark(ctx, b, its))
			goto done;
	}
	*result_json = result_render(&in, ctx->failure, sizeof(ctx->failure));
	result = *result_json ? 0 : -1;
done:
	for (size_t i = 0; i < nb; i++)
		free((void *)benches[i].iterations);
	free(benches);
	return result;
}

static void finish(struct run_ctx *ctx, enum run_state state, const char *detail,
		   const char *result_json)
{
	struct runner *r = ctx->runner;
	if (store_run_finish(r->store, ctx->run->id, state, detail, result_json))
		fprintf(stderr, "benchfs: run %lld: cannot record its end: %s\n",
			(long long)ctx->run->id, store_errmsg(r->store));
	if (state == RUN_DONE)
		runlog_printf(ctx->log, "benchfs", "done");
	else
		runlog_printf(ctx->log, "benchfs", "failed: %s", detail);
	notify(r, ctx->run->id);
}

static void execute_run(struct runner *r, const struct store_run *run)
{
	struct run_ctx ctx = {.runner = r, .run = run};
	char path[4096], dir[32], err[512], *host = NULL, *result_json = NULL;
	int rc;
	run_dir_name(dir, sizeof(dir), run->id);
	runner_log_path(path, sizeof(path), r->data_dir, run->id);
	if ((rc = runlog_open(&ctx.log, path))) {
		char msg[4200];
		snprintf(msg, sizeof(msg), "cannot open %s: %s", path, strerror(-rc));
		fprintf(stderr, "benchfs: run %s: %s\n", dir, msg);
		store_run_finish(r->store, run->id, RUN_FAILED, msg, NULL);
		notify(r, run->id);
		return;
	}
	snprintf(ctx.workdir, sizeof(ctx.workdir), "%s/work", r->data_dir);
	runlog_printf(ctx.log, "benchfs", "run %s: revision %s, commit %s, attempt %d", dir,
		      run->revision, run->commit, run->attempts + 1);
	host = hostinfo_json();
	ctx.host_json = host ? host : "{}";
	if (store_run_progress(r->store, run->id, RUN_BUILDING, "", ctx.host_json)) {
		fprintf(stderr, "benchfs: run %s: %s\n", dir, store_errmsg(r->store));
		goto out;
	}
	notify(r, run->id);
	if (config_parse(&ctx.config, run->config, err, sizeof(err))) {
		snprintf(ctx.failure, sizeof(ctx.failure), "invalid configuration: %s", err);
		goto failed;
	}
	if (!(ctx.envp = make_env(run->commit))) {
		snprintf(ctx.failure, sizeof(ctx.failure), "out of memory");
		goto failed;
	}
	runlog_printf(ctx.log, "benchfs", "checkout into %s", ctx.workdir);
	if (checkout_commit(r->repo, run->commit, ctx.workdir, err, sizeof(err))) {
		snprintf(ctx.failure, sizeof(ctx.failure), "checkout: %s", err);
		goto failed;
	}
	if (do_build(&ctx) || do_benchmarks(&ctx, &result_json))
		goto failed;
	finish(&ctx, RUN_DONE, "", result_json);
	goto out;
failed:
	if (ctx.cancelled) {
		/* The daemon is stopping: the run goes back to the queue, whole. */
		runlog_printf(ctx.log, "benchfs",
			      "interrupted: benchfs is shutting down; the run is queued again");
		goto out;
	}
	finish(&ctx, RUN_FAILED, ctx.failure, NULL);
out:
	free(result_json);
	free(host);
	free_env(ctx.envp);
	config_free(ctx.config);
	runlog_free(ctx.log);
}

static void *worker(void *arg)
{
	struct runner *r = arg;
	while (!stopping(r)) {
		struct store_run run;
		int rc = store_run_next(r->store, &run);
		if (rc == STORE_OK) {
			execute_run(r, &run);
			store_run_clear(&run);
			continue;
		}
		if (rc != STORE_NOTFOUND)
			fprintf(stderr, "benchfs: runner: %s\n", store_errmsg(r->store));
		pthread_mutex_lock(&r->lock);
		if (!r->wake && !r->stop) {
			/* Also wake up now and then: a store error may be passing. */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += rc == STORE_NOTFOUND ? 60 : 1;
			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		}
		r->wake = false;
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

/* Runs a previous daemon left building or running: say so in their logs and
 * queue them again. */
static int recover(struct runner *r, char *err, size_t errsize)
{
	int64_t *ids = NULL;
	size_t n = 0;
	if (store_runs_recover(r->store, &ids, &n)) {
		snprintf(err, errsize, "recovering interrupted runs: %s", store_errmsg(r->store));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct runlog *log;
		runner_log_path(path, sizeof(path), r->data_dir, ids[i]);
		if (runlog_open(&log, path) == 0) {
			runlog_printf(log, "benchfs",
				      "this run was interrupted: the daemon stopped while it ran"
				      " (killed or crashed); its partial measurements are discarded"
				      " and it is queued again");
			runlog_free(log);
		}
	}
	free(ids);
	return 0;
}

int runner_start(struct runner **out, const struct runner_options *opts, char *err,
		 size_t errsize)
{
	struct runner *r = calloc(1, sizeof(*r));
	char path[4096];
	sigset_t all, old;
	int rc;
	if (!r || !(r->repo_path = strdup(opts->repo_path)) ||
	    !(r->data_dir = strdup(opts->data_dir))) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	r->opts = *opts;
	r->cancel_pipe[0] = r->cancel_pipe[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	runner_db_path(path, sizeof(path), r->data_dir);
	if (store_open(&r->store, path, STORE_SYNC_NORMAL)) {
		snprintf(err, errsize, "store %s: %s", path, store_errmsg(r->store));
		goto fail;
	}
	if (git_repository_open(&r->repo, r->repo_path) < 0) {
		snprintf(err, errsize, "repository %s: %s", r->repo_path, revparse_git_error());
		goto fail;
	}
	if (pipe2(r->cancel_pipe, O_CLOEXEC | O_NONBLOCK)) {
		snprintf(err, errsize, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((rc = spawner_start(&r->spawner))) {
		snprintf(err, errsize, "cannot start benchfs-spawner: %s", strerror(-rc));
		goto fail;
	}
	if (recover(r, err, errsize))
		goto fail;
	/* Signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->thread, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errsize, "cannot start the runner thread: %s", strerror(rc));
		goto fail;
	}
	*out = r;
	return 0;
fail:
	if (r) {
		spawner_free(r->spawner);
		store_free(r->store);
		git_repository_free(r->repo);
		if (r->cancel_pipe[0] >= 0) {
			close(r->cancel_pipe[0]);
			close(r->cancel_pipe[1]);
		}
		free(r->repo_path);
		free(r->data_dir);
		free(r);
	}
	return -1;
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
		fprintf(stderr, "benchfs: cannot interrupt the runner: %s\n", strerror(errno));
	pthread_join(r->thread, NULL);
	spawner_free(r->spawner);
	/* An interrupted run goes back to the queue now, so the next start sees a clean state. */
	if (store_runs_recover(r->store, &ids, &n))
		fprintf(stderr, "benchfs: %s\n", store_errmsg(r->store));
	free(ids);
	store_free(r->store);
	git_repository_free(r->repo);
	close(r->cancel_pipe[0]);
	close(r->cancel_pipe[1]);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->repo_path);
	free(r->data_dir);
	free(r);
}
