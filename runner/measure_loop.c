/* The daemon's side of a benchmark's measurement loop: the plan in the
 * log, then the loop itself, which runs inside benchfs-spawner
 * (spawner_loop; its other side is spawner/measure_loop.c), its events
 * turned into store rows, status and log lines as they arrive. Shares the
 * state of measure_benchmark through runner/internal_measure.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "runner/cpus.h"
#include "runner/interference.h"
#include "runner/internal_measure.h"
#include "runner/measure.h"
#include "runner/service.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/runid.h"
#include "util/strbuf.h"

/* Store writes are SQLite transactions, and they run beside the measured
 * command: the rows of a burst of events (the spawner batches those of fast
 * iterations) go in one transaction once the loop has been quiet for
 * STORE_IDLE_MS, the status ("i/n", 0.2 ms a write) at most every
 * PROGRESS_MIN_MS. */
#define STORE_IDLE_MS 5
#define PROGRESS_MIN_MS 50

static const char *shell_or_program(const struct bench_config *b)
{
	return b->shell ? "/bin/sh" : b->argv[0];
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

/* A child's max RSS never reads below benchfs-spawner's resident set when it
 * started the child (Linux folds the spawner's high-water mark in at exec):
 * within this much of that floor, a figure is an upper bound of the
 * command's own peak. posix_spawn's stack for the child adds a page or two
 * after the reading, and the figure comes from the kernel's per-CPU RSS
 * counters, which lag the exact sum the floor is read from by up to 32
 * pages a CPU: mostly increments not yet summed, so a figure on the floor
 * reads below it (by 76 to 168 KiB seen on two CPUs) far more than above.
 * Wider would take /bin/true's own 1.0 MiB for a 0.7 MiB floor. */
#define FLOOR_SLACK_BYTES (128 * 1024)

/* What the callbacks share: the measurement's state, and per side the
 * highest floor of a measured iteration and how many read at it. */
struct loop_ctx {
	struct state *st;
	struct floor_seen {
		int64_t floor;
		int at, n;
	} floor[SPAWNER_LOOP_SIDES_MAX];
};

static void floor_note(struct floor_seen *f, const struct spawn_result *res)
{
	if (res->floor_bytes <= 0)
		return; /* not known */
	if (res->floor_bytes > f->floor)
		f->floor = res->floor_bytes;
	f->n++;
	if (res->maxrss_bytes <= res->floor_bytes + FLOOR_SLACK_BYTES)
		f->at++;
}

/* One line per side in debug.log, after the loop, and result.json's
 * "memory_floor": the floor, and whether the benchmark's figures sit on it. */
static void floor_log(const struct loop_ctx *c)
{
	const struct state *st = c->st;

	for (size_t s = 0; s < st->job->nsides; s++) {
		const struct floor_seen *f = &c->floor[s];

		if (f->n == 0)
			continue;
		st->sides[s].side->result.memory_floor_bytes = f->floor;
		st->sides[s].side->result.memory_floor_slack = FLOOR_SLACK_BYTES;
		st->sides[s].side->result.memory_at_floor = f->at;
		runlog_printf(st->sides[s].side->log, "benchfs",
			      "%s: max RSS floor %.2f MiB (%lld KiB): benchfs-spawner's resident set"
			      " when it started the command, below which no max RSS reads; %d of %d"
			      " measured iterations within %d KiB of it%s",
			      st->b->name, (double)f->floor / (1024.0 * 1024.0),
			      (long long)(f->floor / 1024), f->at, f->n, FLOOR_SLACK_BYTES / 1024,
			      f->at ? " (their max RSS is an upper bound of the command's own peak)"
				    : "");
	}
}

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
	/* The metrics' values after the rows they belong to. */
	if (metrics_flush(st))
		result = -1;
	return result;
}

/* The loop is quiet: rows now, the status when its last write is old
 * enough (else: call again when it is). */
static int on_idle(void *ctx)
{
	struct state *st = ((struct loop_ctx *)ctx)->st;
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
	struct state *st = ((struct loop_ctx *)ctx)->st;
	struct side_state *ss = &st->sides[ev->side];

	st->count = st->first - 1 + ev->count;
	if (!ev->error)
		st->own_ns += (double)ev->res.user_ns + (double)ev->res.sys_ns;
	if (spawner_event_stops(ev, st->b->ignore_failure)) {
		fail_event(st, ev);
		return 0; /* the loop ends by itself */
	}
	if (bench_service_event(st, ev))
		return 1; /* the service ended, or the output did not read */
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
		metrics_warmup_done(st, ev);
		if (ev->iteration == -1 && !st->extra)
			progress(st, ev->side, 1, false);
		return 0;
	case SPAWNER_STEP_MEASURE: {
		struct metrics_pair *pairs;
		size_t npairs;
		int rc;

		/* A declared metric missing fails the iteration: not recorded. */
		if (metrics_iteration_read(st, ev, &pairs, &npairs))
			return 1;
		floor_note(&((struct loop_ctx *)ctx)->floor[ev->side], &ev->res);
		rc = record(st, ev) ||
		     metrics_iteration_queue(st, ev, pairs, npairs, &ss->its[ss->n - 1]);
		free(pairs);
		if (rc || st->failed_side >= 0)
			return 1; /* out of memory, or a store write failed */
		if (st->extra) /* pairs done */
			progress(st, ev->side, ev->iteration, false);
		else /* the iteration running */
			progress(st, ev->side,
				 ev->iteration < st->count ? ev->iteration + 1 : st->count, false);
		return 0;
	}
	default:
		return 0; /* prepare and conclude are reported only when they fail */
	}
}

static void on_count(void *ctx, int count)
{
	struct state *st = ((struct loop_ctx *)ctx)->st;

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
	struct state *st = ((struct loop_ctx *)ctx)->st;
	struct side_state *ss = &st->sides[side];
	char name[STEP_MAX];

	bench_service_output(st, step, side, iteration, buf, len);
	step_name(name, sizeof(name), st, step, iteration, false);
	if (strcmp(name, ss->step)) {
		runlog_set_step(ss->side->log, name);
		snprintf(ss->step, sizeof(ss->step), "%s", name);
	}
	runlog_output(ss->side->log, buf, len);
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

int run_loop(struct state *st)
{
	struct measure_job *job = st->job;
	const struct bench_config *b = st->b;
	char *shell_argv[] = { "/bin/sh", "-c", b->shell, NULL };
	struct spawner_side sides[SPAWNER_LOOP_SIDES_MAX];
	struct loop_ctx ctx = { .st = st };
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
		.metrics_dir = st->metrics_dir[0] ? st->metrics_dir : NULL,
		.cpus = b->cpus,
		.ncpus = b->ncpus,
		.cancel_fd = job->cancel_fd,
		.on_event = on_event,
		.on_count = on_count,
		.on_output = on_output,
		.on_idle = on_idle,
		.idle_ms = STORE_IDLE_MS,
		.ctx = &ctx,
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
	floor_log(&ctx);
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
