/* Measuring one benchmark. See measure.h.
 *
 * The iterations themselves run inside benchfs-spawner (spawner_loop): this
 * side turns its events into store rows, status and log lines as they
 * arrive, and runs the once-per-benchmark commands (setup, cleanup) and the
 * profiled extra iterations around the loop. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "runner/cpus.h"
#include "runner/interference.h"
#include "runner/measure.h"
#include "runner/profile.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/runid.h"
#include "util/strbuf.h"

#define STEP_MAX 160 /* what runlog keeps of a step name */
/* Store writes are SQLite transactions, and they run beside the measured
 * command: the rows of a burst of events (the spawner batches those of fast
 * iterations) go in one transaction once the loop has been quiet for
 * STORE_IDLE_MS, the status ("i/n", 0.2 ms a write) at most every
 * PROGRESS_MIN_MS. */
#define STORE_IDLE_MS 5
#define PROGRESS_MIN_MS 50

struct side_state {
	struct measure_side *side;
	char **envp;     /* the run's environment, the parameters, two spare slots, NULL */
	size_t envc;     /* entries before the spare slots */
	char iteration_var[32], phase_var[40];
	struct store_iteration *its;
	int *offsets;
	size_t n, its_alloc, offsets_alloc;
	size_t stored; /* its[0 .. stored) are in the store */
	size_t logged; /* its[0 .. logged) have their line in the log */
	double cal_wall, cal_user, cal_sys; /* sums of the shell calibration, ns */
	size_t ncal;
	char step[STEP_MAX]; /* the log step output goes to now */
	char progress[STEP_MAX + 32]; /* status detail not written yet ("" when none) */
	int64_t progress_ms;          /* when the status was last written */
};

struct state {
	struct measure_job *job;
	const struct bench_config *b;
	struct side_state sides[SPAWNER_LOOP_SIDES_MAX];
	bool extra;        /* an extra round of pairs (job->round >= 2) */
	int first;         /* the number of this round's first measured iteration */
	int count;         /* measured iterations planned, up to the end of this round */
	double own_ns;     /* user + system time of the loop's children, every side */
	int failed_side;   /* -1: none */
	char failure[1024];
	bool interrupted;  /* the first failure was benchfs's own, not the commit's */
	bool cancelled;
};

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

static void side_fail(struct state *st, int s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void side_interrupt(struct state *st, int s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The first failure is the story; later ones only go to the log. */
static void side_fail(struct state *st, int s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	side_vfail(st, s, false, fmt, ap);
	va_end(ap);
}

/* A failure of benchfs's own (the store cannot be written, benchfs-spawner
 * died): nothing the commit did, so the run is queued again. */
static void side_interrupt(struct state *st, int s, const char *fmt, ...)
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

static const char *shell_or_program(const struct bench_config *b)
{
	return b->shell ? "/bin/sh" : b->argv[0];
}

/* ---- environments ---- */

static int side_env(struct side_state *ss, const struct bench_config *b)
{
	size_t n = 0;

	while (ss->side->envp[n])
		n++;
	ss->envp = calloc(n + b->nparams + 3, sizeof(char *));
	if (!ss->envp)
		return -1;
	memcpy(ss->envp, ss->side->envp, n * sizeof(char *));
	ss->envc = n;
	for (size_t i = 0; i < b->nparams; i++) {
		struct strbuf var = STRBUF_INIT;

		strbuf_addf(&var, "BENCHFS_PARAM_%s=%s", b->params[i].name, b->params[i].value);
		if (!(ss->envp[ss->envc] = strbuf_detach(&var, NULL)))
			return -1;
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

/* The environment the loop starts from (it adds its own variables). */
static char **loop_env(struct side_state *ss)
{
	ss->envp[ss->envc] = NULL;
	return ss->envp;
}

/* ---- names of steps, in the log and in failures ---- */

/* "warmup 2/3" or "4/10" */
static void iteration_name(char *buf, size_t size, const struct state *st, int iteration,
			   bool for_failure)
{
	if (iteration < 0)
		snprintf(buf, size, "warmup %d/%d", iteration + st->b->warmup + 1, st->b->warmup);
	else
		snprintf(buf, size, "%s%d/%d", for_failure ? "iteration " : "", iteration, st->count);
}

static void step_name(char *buf, size_t size, const struct state *st, enum spawner_step step,
		      int iteration, bool for_failure)
{
	char it[64];

	if (step == SPAWNER_STEP_CALIBRATE) {
		snprintf(buf, size, "%s shell calibration", st->b->name);
		return;
	}
	iteration_name(it, sizeof(it), st, iteration, for_failure);
	if (step == SPAWNER_STEP_PREPARE || step == SPAWNER_STEP_CONCLUDE) {
		const char *what = step == SPAWNER_STEP_PREPARE ? "prepare" : "conclude";
		if (for_failure)
			snprintf(buf, size, "%s %s of %s", st->b->name, what, it);
		else
			snprintf(buf, size, "%s %s %s", st->b->name, it, what);
		return;
	}
	snprintf(buf, size, "%s %s", st->b->name, it);
}

/* ---- the loop's callbacks ---- */

static void progress_write(struct state *st, int s)
{
	struct side_state *ss = &st->sides[s];

	if (!ss->progress[0])
		return;
	/* A status that cannot be written is not worth stopping for (the
	 * store logged why); the next one may be. */
	(void)store_run_progress(st->job->store, ss->side->run_id, RUN_RUNNING, ss->progress, NULL);
	ss->progress[0] = '\0';
	ss->progress_ms = now_mono_ms();
}

/* status "running <bench> i/n" (an extra round: "<bench> i/n (adding pairs,
 * round r)", i the pairs done, n those after the round): written now when
 * force, else by progress_flush. */
static void progress(struct state *st, int s, int i, bool force)
{
	struct side_state *ss = &st->sides[s];

	if (st->extra)
		snprintf(ss->progress, sizeof(ss->progress), "%s %d/%d (adding pairs, round %d)",
			 st->b->name, i, st->count, st->job->round);
	else
		snprintf(ss->progress, sizeof(ss->progress), "%s %d/%d", st->b->name, i, st->count);
	if (force)
		progress_write(st, s);
}

/* The measured rows not in the store yet, one transaction per side. */
static int rows_flush(struct state *st)
{
	int result = 0;

	for (size_t s = 0; s < st->job->nsides; s++) {
		struct side_state *ss = &st->sides[s];

		if (ss->stored == ss->n)
			continue;
		if (store_iterations_add(st->job->store, ss->side->run_id, ss->its + ss->stored,
					 ss->n - ss->stored)) {
			side_interrupt(st, (int)s, "store: %s", store_errmsg(st->job->store));
			result = -1;
		}
		ss->stored = ss->n;
	}
	return result;
}

/* A duration as hyperfine shows one: "1.234 s", "12.3 ms", "456.7 µs". */
/* ns in the unit hyperfine would pick for `unit_of` (s, ms or µs): a
 * summary prints every figure in its mean's unit, as hyperfine does. */
static void format_ns_as(char *buf, size_t size, double ns, double unit_of)
{
	if (fabs(unit_of) >= 1e9)
		snprintf(buf, size, "%.3f s", ns / 1e9);
	else if (fabs(unit_of) >= 1e6)
		snprintf(buf, size, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.1f µs", ns / 1e3);
}

static void format_ns(char *buf, size_t size, double ns)
{
	format_ns_as(buf, size, ns, ns);
}

/* Each measured iteration's time in the log, as result.json has it (the
 * shell's start-up subtracted): whatever "output" says, the log shows the
 * numbers. Written when the loop is quiet, as the rows are, so no log write
 * runs beside a measured command that follows closely. */
static void times_log(struct state *st)
{
	for (size_t s = 0; s < st->job->nsides; s++) {
		struct side_state *ss = &st->sides[s];

		for (; ss->logged < ss->n; ss->logged++) {
			const struct store_iteration *it = &ss->its[ss->logged];
			char wall[32], user[32], sys[32];

			format_ns(wall, sizeof(wall), (double)it->wall_ns);
			format_ns(user, sizeof(user), (double)it->user_ns);
			format_ns(sys, sizeof(sys), (double)it->sys_ns);
			runlog_printf(ss->side->log, "benchfs",
				      "%s %d/%d: %s (user %s, system %s, max RSS %.1f MiB)",
				      st->b->name, it->iteration, st->count, wall, user, sys,
				      (double)it->maxrss_bytes / (1024.0 * 1024.0));
		}
	}
}

/* The benchmark's summary as hyperfine prints it, over every iteration of
 * the side so far (an extra round: the pairs of every round). */
static void summary_log(struct state *st, struct side_state *ss)
{
	double sum = 0, user = 0, sys = 0, sq = 0, min = 0, max = 0, mean;
	char a[32], b[32], c[32], d[32];

	if (ss->n == 0)
		return;
	for (size_t k = 0; k < ss->n; k++) {
		double w = (double)ss->its[k].wall_ns;

		sum += w;
		user += (double)ss->its[k].user_ns;
		sys += (double)ss->its[k].sys_ns;
		if (k == 0 || w < min)
			min = w;
		if (k == 0 || w > max)
			max = w;
	}
	mean = sum / (double)ss->n;
	for (size_t k = 0; k < ss->n; k++)
		sq += ((double)ss->its[k].wall_ns - mean) * ((double)ss->its[k].wall_ns - mean);
	format_ns(a, sizeof(a), mean);
	format_ns_as(c, sizeof(c), user / (double)ss->n, mean);
	format_ns_as(d, sizeof(d), sys / (double)ss->n, mean);
	if (ss->n == 1) {
		runlog_printf(ss->side->log, "benchfs", "%s: Time (abs ≡): %s [User: %s, System: %s]"
			      " (1 run)", st->b->name, a, c, d);
		return;
	}
	format_ns_as(b, sizeof(b), sqrt(sq / (double)(ss->n - 1)), mean);
	runlog_printf(ss->side->log, "benchfs", "%s: Time (mean ± σ): %s ± %s [User: %s, System: %s]",
		      st->b->name, a, b, c, d);
	format_ns_as(a, sizeof(a), min, mean);
	format_ns_as(b, sizeof(b), max, mean);
	runlog_printf(ss->side->log, "benchfs", "%s: Range (min … max): %s … %s, %zu runs",
		      st->b->name, a, b, ss->n);
}

/* The loop is quiet: rows now, the status when its last write is old
 * enough (else: call again when it is). */
static int on_idle(void *ctx)
{
	struct state *st = ctx;
	int64_t now = now_mono_ms();
	int again = 0;

	(void)rows_flush(st);
	times_log(st);
	for (size_t s = 0; s < st->job->nsides; s++) {
		struct side_state *ss = &st->sides[s];
		int64_t wait = ss->progress_ms + PROGRESS_MIN_MS - now;

		if (!ss->progress[0])
			continue;
		if (wait <= 0)
			progress_write(st, (int)s);
		else if (again == 0 || wait < again)
			again = (int)wait;
	}
	return again;
}

static void progress_flush(struct state *st)
{
	for (size_t s = 0; s < st->job->nsides; s++)
		progress_write(st, (int)s);
}

static void fail_event(struct state *st, const struct spawner_event *ev)
{
	char what[STEP_MAX + 64], how[256];

	if (ev->res.cancelled && !ev->error) {
		st->cancelled = true;
		return;
	}
	step_name(what, sizeof(what), st, ev->step, ev->iteration, true);
	if (ev->error) {
		bool command = ev->step == SPAWNER_STEP_WARMUP || ev->step == SPAWNER_STEP_MEASURE;
		side_fail(st, ev->side, "%s: cannot run %s: %s", what,
			  command ? shell_or_program(st->b) : "/bin/sh", strerror(-ev->error));
		return;
	}
	spawn_result_describe(how, sizeof(how), &ev->res, st->b->timeout);
	side_fail(st, ev->side, "%s %s", what, how);
}

static double mean_or_zero(double sum, size_t n)
{
	return n ? sum / (double)n : 0;
}

/* A time with the shell's mean start-up subtracted (never below zero). */
static int64_t corrected(int64_t ns, double sum, size_t n)
{
	double v = (double)ns - mean_or_zero(sum, n);

	return v > 0 ? llround(v) : 0;
}

static int record(struct state *st, const struct spawner_event *ev)
{
	struct side_state *ss = &st->sides[ev->side];
	struct store_iteration *it;

	if (ALLOC_GROW(ss->its, ss->n + 1, ss->its_alloc) ||
	    ALLOC_GROW(ss->offsets, ss->n + 1, ss->offsets_alloc)) {
		side_fail(st, ev->side, "%s: out of memory", st->b->name);
		return -1;
	}
	it = &ss->its[ss->n];
	*it = (struct store_iteration){
		.benchmark = st->b->name,
		.iteration = ev->iteration,
		.wall_ns = corrected(ev->res.wall_ns, ss->cal_wall, ss->ncal),
		.user_ns = corrected(ev->res.user_ns, ss->cal_user, ss->ncal),
		.sys_ns = corrected(ev->res.sys_ns, ss->cal_sys, ss->ncal),
		.maxrss_bytes = ev->res.maxrss_bytes,
		.exit_code = ev->res.exit_code,
		.term_signal = ev->res.term_signal,
	};
	ss->offsets[ss->n] = ev->env_offset;
	ss->n++;
	if (ev->res.exit_code != 0 || ev->res.term_signal != 0) {
		char how[256];
		spawn_result_describe(how, sizeof(how), &ev->res, st->b->timeout);
		runlog_printf(ss->side->log, "benchfs", "%s iteration %d/%d %s (ignored: ignore_failure)",
			      st->b->name, ev->iteration, st->count, how);
	}
	return 0;
}

static int on_event(void *ctx, const struct spawner_event *ev)
{
	struct state *st = ctx;
	struct side_state *ss = &st->sides[ev->side];

	st->count = st->first - 1 + ev->count;
	if (!ev->error)
		st->own_ns += (double)ev->res.user_ns + (double)ev->res.sys_ns;
	if (spawner_event_stops(ev, st->b->ignore_failure)) {
		fail_event(st, ev);
		return 0; /* the loop ends by itself */
	}
	switch (ev->step) {
	case SPAWNER_STEP_CALIBRATE:
		ss->cal_wall += (double)ev->res.wall_ns;
		ss->cal_user += (double)ev->res.user_ns;
		ss->cal_sys += (double)ev->res.sys_ns;
		ss->ncal++;
		if (ss->ncal == (size_t)MEASURE_SHELL_CALIBRATIONS)
			runlog_printf(ss->side->log, "benchfs",
				      "%s: the shell's start-up (/bin/sh -c '') takes %.3f ms"
				      " (mean of %zu runs); subtracted from every time",
				      st->b->name, mean_or_zero(ss->cal_wall, ss->ncal) / 1e6, ss->ncal);
		return 0;
	case SPAWNER_STEP_WARMUP:
		if (ev->iteration == -1 && !st->extra)
			progress(st, ev->side, 1, false);
		return 0;
	case SPAWNER_STEP_MEASURE:
		if (record(st, ev) || st->failed_side >= 0)
			return 1; /* out of memory, or a store write failed */
		if (st->extra) /* pairs done */
			progress(st, ev->side, ev->iteration, false);
		else /* the iteration running */
			progress(st, ev->side,
				 ev->iteration < st->count ? ev->iteration + 1 : st->count, false);
		return 0;
	default:
		return 0; /* prepare and conclude are reported only when they fail */
	}
}

static void on_count(void *ctx, int count)
{
	struct state *st = ctx;

	st->count = count;
	for (size_t s = 0; s < st->job->nsides; s++) {
		runlog_printf(st->sides[s].side->log, "benchfs",
			      "%s: %d measured iterations (what fits in min_time %g s judging by the"
			      " first, within %d..%d)",
			      st->b->name, count, st->b->min_time, st->b->min_runs, st->b->max_runs);
		if (count > 1)
			progress(st, (int)s, 2, false);
	}
}

static void on_output(void *ctx, enum spawner_step step, int side, int iteration,
		      const char *buf, size_t len)
{
	struct state *st = ctx;
	struct side_state *ss = &st->sides[side];
	char name[STEP_MAX];

	step_name(name, sizeof(name), st, step, iteration, false);
	if (strcmp(name, ss->step)) {
		runlog_set_step(ss->side->log, name);
		snprintf(ss->step, sizeof(ss->step), "%s", name);
	}
	runlog_output(ss->side->log, buf, len);
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
		.envp = untimed_env(ss, "profile"),
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

static uint64_t random_seed(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	seed = (uint64_t)now_mono_ns();
	return seed ^ (seed << 32);
}

static void describe_plan(struct state *st, uint64_t seed)
{
	const struct bench_config *b = st->b;
	struct strbuf plan = STRBUF_INIT;

	if (st->extra) {
		for (size_t s = 0; s < st->job->nsides; s++)
			runlog_printf(st->sides[s].side->log, "benchfs",
				      "%s: round %d: %s%d warmup, %d more pairs (iterations %d..%d,"
				      " A B for odd, B A for even)%s%s",
				      b->name, st->job->round, b->setup ? "setup, " : "", b->warmup,
				      st->job->pairs, st->first, st->first - 1 + st->job->pairs,
				      b->cleanup ? ", cleanup" : "",
				      st->sides[s].ncal > 0 ? "; the first round's shell start-up is"
							      " subtracted again" : "");
		return;
	}
	strbuf_addf(&plan, "benchmark %s: %d warmup, ", b->name, b->warmup);
	if (b->min_time > 0)
		strbuf_addf(&plan, "as many measured as fit in %g s (%d to %d)", b->min_time,
			    b->min_runs, b->max_runs);
	else
		strbuf_addf(&plan, "%d measured", b->runs);
	strbuf_addf(&plan, ", timeout %g s", b->timeout);
	if (b->ncpus > 0) {
		strbuf_addstr(&plan, ", on CPU ");
		cpus_format(&plan, b->cpus, b->ncpus);
	}
	if (b->output_discard)
		strbuf_addstr(&plan, ", output discarded");
	if (b->ignore_failure)
		strbuf_addstr(&plan, ", failures ignored");
	for (size_t s = 0; s < st->job->nsides; s++) {
		struct runlog *log = st->sides[s].side->log;

		/* Out of memory: the log goes without its plan, not the run. */
		if (!strbuf_error(&plan))
			runlog_printf(log, "benchfs", "%s", plan.buf);
		if (b->randomize_env)
			runlog_printf(log, "benchfs",
				      "%s: a random environment-size offset per iteration (seed %llu)",
				      b->name, (unsigned long long)seed);
		if (st->job->nsides == 2)
			runlog_printf(log, "benchfs",
				      "%s: iterations alternate with run " RUNID_DIR_FMT " in counterbalanced"
				      " pairs (A B, B A, A B, ...: iteration i is A then B when i is"
				      " odd, B then A when even); this run is side %c",
				      b->name, (long long)st->sides[1 - s].side->run_id,
				      s == 0 ? 'A' : 'B');
	}
	strbuf_release(&plan);
}

static int run_loop(struct state *st)
{
	struct measure_job *job = st->job;
	const struct bench_config *b = st->b;
	char *shell_argv[] = { "/bin/sh", "-c", b->shell, NULL };
	struct spawner_side sides[SPAWNER_LOOP_SIDES_MAX];
	uint64_t seed = random_seed();
	struct spawner_loop loop = {
		.argv = b->shell ? shell_argv : b->argv,
		.prepare = b->prepare,
		.conclude = b->conclude,
		.sides = sides,
		.nsides = job->nsides,
		.timeout_s = b->timeout,
		.output = !b->output_discard,
		.ignore_failure = b->ignore_failure,
		.randomize_env = b->randomize_env,
		.seed = seed,
		/* an extra round subtracts the first round's calibration */
		.calibrations = b->shell && !st->extra ? MEASURE_SHELL_CALIBRATIONS : 0,
		.warmup = b->warmup,
		.runs = st->extra ? job->pairs : b->runs,
		.min_runs = b->min_runs,
		.max_runs = b->max_runs,
		.first = st->first,
		.min_time = st->extra ? 0 : b->min_time,
		.cpus = b->cpus,
		.ncpus = b->ncpus,
		.cancel_fd = job->cancel_fd,
		.on_event = on_event,
		.on_count = on_count,
		.on_output = on_output,
		.on_idle = on_idle,
		.idle_ms = STORE_IDLE_MS,
		.ctx = st,
	};
	struct interference_snapshot before, after;
	bool snapped;
	int rc;

	for (size_t s = 0; s < job->nsides; s++)
		sides[s] = (struct spawner_side){ loop_env(&st->sides[s]), st->sides[s].side->workdir };
	describe_plan(st, seed);
	/* While warming up none is measured yet: 0/n (an extra round: the pairs
	 * done before it). */
	for (size_t s = 0; s < job->nsides; s++)
		progress(st, (int)s, st->extra ? st->first - 1 : b->warmup > 0 ? 0 : 1, true);
	st->own_ns = 0;
	snapped = interference_snapshot(&before) == 0;
	rc = spawner_loop(job->spawner, &loop);
	/* What else the machine did meanwhile; the loop's own children's CPU
	 * time (every side's) is not interference. A /proc that cannot be read
	 * leaves the span out. */
	if (snapped && interference_snapshot(&after) == 0)
		for (size_t s = 0; s < job->nsides; s++)
			interference_add(&st->sides[s].side->result.interference, &before, &after,
					 st->own_ns / 1e9);
	(void)rows_flush(st);
	progress_flush(st);
	for (size_t s = 0; s < job->nsides; s++) {
		runlog_set_step(st->sides[s].side->log, "benchfs");
		st->sides[s].step[0] = '\0';
	}
	times_log(st);
	if (rc == -EPIPE) {
		char how[160];

		spawner_describe_end(job->spawner, how, sizeof(how));
		side_interrupt(st, 0, "%s: benchfs-spawner died while it measured (%s)", b->name, how);
		return -1;
	}
	if (rc < 0) {
		side_fail(st, 0, "%s: benchfs-spawner failed: %s", b->name, strerror(-rc));
		return -1;
	}
	if (st->cancelled || st->failed_side >= 0)
		return -1;
	if (rc != 0) {
		side_fail(st, 0, "%s: the measurement loop stopped early", b->name);
		return -1;
	}
	for (size_t s = 0; s < job->nsides; s++)
		summary_log(st, &st->sides[s]);
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
	/* cleanup after a failure too: it may free what setup took */
	for (size_t s = 0; s < job->nsides && b->cleanup && !st.cancelled; s++)
		if (run_untimed(&st, (int)s, b->cleanup, "cleanup", "cleanup"))
			ok = -1;
out:
	if (avoiding)
		cpus_restore();
	for (size_t s = 0; s < job->nsides; s++) {
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
