/* Measuring one benchmark (see measure.h): what runs around the loop. The
 * sides' environments, the once-per-benchmark commands (setup, cleanup),
 * the profiled extra iterations, how a side fails, and the results and the
 * shell's calibration handed back to the caller (or taken over from it for
 * an extra round). The loop itself is measure_loop.c; the state they share
 * is runner/internal_measure.h. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/cpus.h"
#include "runner/internal_measure.h"
#include "runner/measure.h"
#include "runner/profile.h"
#include "runner/service.h"
#include "util/runid.h"
#include "util/strbuf.h"

static void side_vfail(struct state *st, int s, bool interrupt, const char *fmt, va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	runlog_printf(st->sides[s].side->log, "benchfs", "%s", text);
	if (st->failed_side >= 0)
		return;
	st->failed_side = s;
	st->interrupted = interrupt;
	snprintf(st->failure, sizeof(st->failure), "%s", text);
}

/* The first failure is the story; later ones only go to the log. */
void side_fail(struct state *st, int s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	side_vfail(st, s, false, fmt, ap);
	va_end(ap);
}

/* A failure of benchfs's own (the store cannot be written, benchfs-spawner
 * died): nothing the commit did, so the run is queued again. */
void side_interrupt(struct state *st, int s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	side_vfail(st, s, true, fmt, ap);
	va_end(ap);
}

/* A call into benchfs-spawner failed with rc: the helper dying is an
 * interruption, anything else a failure. */
static void spawner_fail(struct state *st, int s, int rc, const char *what, const char *program)
{
	char how[160];

	if (rc == -EPIPE) {
		spawner_describe_end(st->job->spawner, how, sizeof(how));
		side_interrupt(st, s, "%s: benchfs-spawner died while it ran %s (%s)", what, program,
			       how);
	} else {
		side_fail(st, s, "%s: cannot run %s: %s", what, program, strerror(-rc));
	}
}

/* ---- environments ---- */

static int side_env(struct side_state *ss, const struct bench_config *b)
{
	size_t n = 0;

	while (ss->side->envp[n])
		n++;
	ss->envp = calloc(n + b->nparams + 4, sizeof(char *));
	if (!ss->envp)
		return -ENOMEM;
	memcpy(ss->envp, ss->side->envp, n * sizeof(char *));
	ss->envc = n;
	for (size_t i = 0; i < b->nparams; i++) {
		struct strbuf var = STRBUF_INIT;

		strbuf_addf(&var, "BENCHFS_PARAM_%s=%s", b->params[i].name, b->params[i].value);
		if (!(ss->envp[ss->envc] = strbuf_detach(&var, NULL)))
			return -ENOMEM;
		ss->envc++;
	}
	return 0;
}

static void side_env_free(struct side_state *ss)
{
	size_t base = 0;

	if (!ss->envp)
		return;
	while (ss->side->envp[base])
		base++;
	for (size_t i = base; i < ss->envc; i++)
		free(ss->envp[i]);
	free(ss->envp);
	ss->envp = NULL;
}

/* The environment of an untimed command outside the loop. */
static char **untimed_env(struct side_state *ss, const char *phase)
{
	snprintf(ss->iteration_var, sizeof(ss->iteration_var), "BENCHFS_ITERATION=0");
	snprintf(ss->phase_var, sizeof(ss->phase_var), "BENCHFS_PHASE=%s", phase);
	ss->envp[ss->envc] = ss->iteration_var;
	ss->envp[ss->envc + 1] = ss->phase_var;
	ss->envp[ss->envc + 2] = NULL;
	return ss->envp;
}

/* A profiled iteration's: a command that writes its metrics finds
 * BENCHFS_METRICS there too, a file of its own nobody reads (what runs
 * under a profiler is not measured). */
static char **profile_env(struct state *st, struct side_state *ss)
{
	char **envp = untimed_env(ss, "profile");

	if (!st->metrics_dir[0])
		return envp;
	snprintf(ss->profile_metrics_var, sizeof(ss->profile_metrics_var),
		 "BENCHFS_METRICS=%s/%c-profile", st->metrics_dir, ss == &st->sides[0] ? 'a' : 'b');
	envp[ss->envc + 2] = ss->profile_metrics_var;
	envp[ss->envc + 3] = NULL;
	return envp;
}

/* ---- around the loop ---- */

/* setup, cleanup or a profile's prepare/conclude: /bin/sh -c command, untimed. */
static int run_untimed(struct state *st, int s, const char *command, const char *phase,
		       const char *what)
{
	struct measure_job *job = st->job;
	struct side_state *ss = &st->sides[s];
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	struct spawn_spec spec = {
		.argv = argv,
		.envp = untimed_env(ss, phase),
		.cwd = ss->side->workdir,
		.timeout_s = st->b->timeout,
		.on_output = runlog_output,
		.output_ctx = ss->side->log,
		.cancel_fd = job->cancel_fd,
	};
	struct spawn_result res;
	char step[STEP_MAX], how[256];
	int rc;

	snprintf(step, sizeof(step), "%s %s", st->b->name, what);
	runlog_set_step(ss->side->log, step);
	rc = spawner_measure(job->spawner, &res, &spec);
	runlog_set_step(ss->side->log, "benchfs");
	if (rc < 0) {
		spawner_fail(st, s, rc, step, "/bin/sh");
		return -1;
	}
	if (res.cancelled) {
		st->cancelled = true;
		return -1;
	}
	if (res.exit_code == 0 && !res.timed_out)
		return 0;
	spawn_result_describe(how, sizeof(how), &res, st->b->timeout);
	side_fail(st, s, "%s %s", step, how);
	return -1;
}

/* The measured command, as the profilers must run it. */
static void command_spec(struct state *st, int s, struct spawn_spec *spec, char **shell_argv)
{
	struct side_state *ss = &st->sides[s];

	shell_argv[0] = "/bin/sh";
	shell_argv[1] = "-c";
	shell_argv[2] = st->b->shell;
	shell_argv[3] = NULL;
	*spec = (struct spawn_spec){
		.argv = st->b->shell ? shell_argv : st->b->argv,
		.envp = profile_env(st, ss),
		.cwd = ss->side->workdir,
		.timeout_s = st->b->timeout,
		.on_output = st->b->output_discard ? NULL : runlog_output,
		.output_ctx = ss->side->log,
		.cancel_fd = st->job->cancel_fd,
		.cpus = st->b->cpus,
		.ncpus = st->b->ncpus,
	};
}

/* One profiled extra iteration, with its prepare and conclude. */
static int profile_one(struct state *st, int s, bool perf)
{
	struct measure_job *job = st->job;
	struct side_state *ss = &st->sides[s];
	char *shell_argv[4];
	struct spawn_spec spec;
	struct profile_job pj = { job->spawner, &spec, ss->side->log, st->b->name };
	double count = 0;
	int rc;

	if (st->b->prepare && run_untimed(st, s, st->b->prepare, "profile", "profile prepare"))
		return -1;
	command_spec(st, s, &spec, shell_argv);
	if (perf) {
		rc = ss->side->perf_path ? profile_perf(&pj, st->b->perf_frequency, ss->side->perf_path)
					 : -EINVAL;
		if (rc == 0)
			runlog_printf(ss->side->log, "benchfs", "%s: profile written (%s)",
				      st->b->name, strrchr(ss->side->perf_path, '/') + 1);
	} else {
		rc = profile_instructions(&pj, job->tmp_dir, &count);
		if (rc == 0) {
			ss->side->result.has_instructions = true;
			ss->side->result.instructions = count;
			runlog_printf(ss->side->log, "benchfs", "%s: %.0f instructions (callgrind)",
				      st->b->name, count);
			if (store_metric_add(job->store, ss->side->run_id, st->b->name,
					     "instructions", count)) {
				side_interrupt(st, s, "store: %s", store_errmsg(job->store));
				return -1;
			}
		}
	}
	runlog_set_step(ss->side->log, "benchfs");
	if (rc == -ECANCELED) {
		st->cancelled = true;
		return -1;
	}
	/* A missing or refused profiler is logged by profile.c; the run goes on. */
	if (st->b->conclude && run_untimed(st, s, st->b->conclude, "profile", "profile conclude"))
		return -1;
	return 0;
}

/* The iterations go to the side's result. */
static void hand_back(struct state *st, struct side_state *ss)
{
	struct result_bench *rb = &ss->side->result;

	rb->bench = st->b;
	rb->iterations = ss->its;
	rb->n = ss->n;
	rb->env_offsets = st->b->randomize_env ? ss->offsets : NULL;
	if (!st->b->randomize_env)
		free(ss->offsets);
	ss->its = NULL;
	ss->offsets = NULL;
}

/* An extra round continues the sides' results: their iterations (in the
 * store already) and the first round's shell calibration. */
static int take_over(struct state *st)
{
	size_t n = st->job->sides[0].result.n;

	for (size_t s = 0; s < st->job->nsides; s++) {
		struct side_state *ss = &st->sides[s];
		struct measure_side *side = ss->side;

		ss->its = (struct store_iteration *)side->result.iterations;
		ss->offsets = (int *)side->result.env_offsets;
		ss->n = ss->its_alloc = ss->offsets_alloc = ss->stored = ss->logged = side->result.n;
		side->result.iterations = NULL;
		side->result.env_offsets = NULL;
		ss->cal_wall = side->cal.wall;
		ss->cal_user = side->cal.user;
		ss->cal_sys = side->cal.sys;
		ss->ncal = side->cal.n;
	}
	for (size_t s = 1; s < st->job->nsides; s++)
		if (st->sides[s].n != n) {
			side_fail(st, (int)s, "%s: the sides measured %zu and %zu iterations: no"
				  " pairs to add to", st->b->name, n, st->sides[s].n);
			return -1;
		}
	if (n == 0 || n > (size_t)(INT_MAX / 2) || st->job->pairs < 1) {
		side_fail(st, 0, "%s: cannot add %d pairs to %zu", st->b->name, st->job->pairs, n);
		return -1;
	}
	st->first = (int)n + 1;
	st->count = (int)n + st->job->pairs;
	return 0;
}

/* The results the sides hand out, and the shell's start-up as a metric. */
static int finish_sides(struct state *st)
{
	for (size_t s = 0; s < st->job->nsides; s++) {
		struct side_state *ss = &st->sides[s];
		struct result_bench *rb = &ss->side->result;

		hand_back(st, ss);
		if (st->extra)
			continue;
		ss->side->cal = (struct measure_calibration){ ss->cal_wall, ss->cal_user,
							       ss->cal_sys, ss->ncal };
		rb->shell_runs = ss->ncal;
		rb->shell_wall = mean_or_zero(ss->cal_wall, ss->ncal) / 1e9;
		rb->shell_user = mean_or_zero(ss->cal_user, ss->ncal) / 1e9;
		rb->shell_sys = mean_or_zero(ss->cal_sys, ss->ncal) / 1e9;
		if (ss->ncal > 0 &&
		    store_metric_add(st->job->store, ss->side->run_id, st->b->name, "shell_wall_ns",
				     mean_or_zero(ss->cal_wall, ss->ncal))) {
			side_interrupt(st, (int)s, "store: %s", store_errmsg(st->job->store));
			return -1;
		}
	}
	return 0;
}

void measure_side_clear(struct measure_side *side)
{
	free((void *)side->result.iterations);
	free((void *)side->result.env_offsets);
	result_bench_metrics_free(&side->result);
	memset(&side->result, 0, sizeof(side->result));
}

enum measure_end measure_benchmark(struct measure_job *job)
{
	struct state st = { .job = job, .b = job->bench, .failed_side = -1, .first = 1,
			    .count = job->bench->runs, .extra = job->round >= 2 };
	const struct bench_config *b = job->bench;
	bool avoiding = false;
	int ok = 0;

	for (size_t s = 0; s < job->nsides; s++) {
		st.sides[s].side = &job->sides[s];
		job->sides[s].failure[0] = '\0';
	}
	if (st.extra && take_over(&st)) {
		ok = -1;
		goto out;
	}
	for (size_t s = 0; s < job->nsides; s++)
		if (side_env(&st.sides[s], b))
			ok = -1;
	if (ok) {
		side_fail(&st, 0, "out of memory");
		goto out;
	}
	metrics_dir_open(&st);
	if (b->ncpus > 0) {
		int rc = cpus_avoid(b->cpus, b->ncpus);
		avoiding = rc == 0;
		if (rc)
			for (size_t s = 0; s < job->nsides; s++)
				runlog_printf(job->sides[s].log, "benchfs",
					      "%s: cannot keep benchfs's threads off its CPUs (%s);"
					      " the benchmark is still pinned",
					      b->name, strerror(-rc));
	}
	for (size_t s = 0; s < job->nsides && !ok; s++)
		if (b->setup)
			ok = run_untimed(&st, (int)s, b->setup, "setup", "setup");
	if (!ok)
		ok = bench_service_start(&st);
	if (!ok)
		ok = run_loop(&st);
	if (!ok)
		ok = finish_sides(&st);
	/* the profiles are of the first round only */
	for (size_t s = 0; s < job->nsides && !ok && !st.extra; s++) {
		if (b->perf)
			ok = profile_one(&st, (int)s, true);
		if (!ok && b->instructions)
			ok = profile_one(&st, (int)s, false);
	}
	/* the service still up, cleanup not run yet */
	if (job->before_cleanup && !st.extra && !st.cancelled && !st.interrupted &&
	    job->before_cleanup(job->before_cleanup_ctx, ok == 0) == -ECANCELED)
		st.cancelled = true;
	/* the service goes first, after a failure too (cleanup may need it gone) */
	bench_service_stop(&st);
	/* cleanup after a failure too: it may free what setup took */
	for (size_t s = 0; s < job->nsides && b->cleanup && !st.cancelled; s++)
		if (run_untimed(&st, (int)s, b->cleanup, "cleanup", "cleanup"))
			ok = -1;
out:
	/* Values given after the loop (around it, by the profiles) too. */
	(void)metrics_flush(&st);
	metrics_dir_close(&st);
	if (avoiding)
		cpus_restore();
	for (size_t s = 0; s < job->nsides; s++) {
		free(st.sides[s].mvals);
		/* an extra round's result keeps what it had and what was added */
		if (st.extra && st.sides[s].its)
			hand_back(&st, &st.sides[s]);
		free(st.sides[s].its);
		free(st.sides[s].offsets);
		side_env_free(&st.sides[s]);
	}
	if (st.cancelled)
		return MEASURE_CANCELLED;
	if (!ok && st.failed_side < 0)
		return MEASURE_DONE;
	if (st.failed_side < 0) /* every failure path names itself; be safe anyway */
		side_fail(&st, 0, "%s failed", b->name);
	for (size_t s = 0; s < job->nsides; s++) {
		if ((int)s == st.failed_side)
			snprintf(job->sides[s].failure, sizeof(job->sides[s].failure), "%s", st.failure);
		else if (snprintf(job->sides[s].failure, sizeof(job->sides[s].failure),
				  "the other side of this A/B job (run " RUNID_DIR_FMT ") failed: %.900s",
				  (long long)job->sides[st.failed_side].run_id, st.failure) < 0)
			job->sides[s].failure[0] = '\0';
	}
	return st.interrupted ? MEASURE_INTERRUPTED : MEASURE_FAILED;
}
