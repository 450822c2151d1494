/* Private to runner/: one benchmark being measured (measure_benchmark), as
 * measure.c (setup, the profiles, cleanup, the results handed back),
 * measure_loop.c (the loop inside benchfs-spawner, its events turned into
 * rows, status and log lines) and measure_summary.c (the times in the log)
 * share it. */
#ifndef BENCHFS_RUNNER_INTERNAL_MEASURE_H
#define BENCHFS_RUNNER_INTERNAL_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/measure.h"
#include "runner/metrics_file.h"
#include "spawner/spawner.h"
#include "store/store.h"

#define STEP_MAX 160 /* what runlog keeps of a step name */

/* A metric's value waiting for the store (measure_metrics.c). */
struct metric_value {
	size_t metric; /* index into the side's result.metrics */
	int iteration;
	double value;
};

struct side_state {
	struct measure_side *side;
	char **envp;     /* the run's environment, the parameters, two spare slots, NULL */
	size_t envc;     /* entries before the spare slots */
	char iteration_var[32], phase_var[40];
	char profile_metrics_var[4200]; /* a profiled iteration's BENCHFS_METRICS, read by nobody */
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
	/* Metric values not in the store yet: mvals[mvals_stored .. nmvals);
	 * the definitions result.metrics[0 .. defs_stored) went with earlier ones. */
	struct metric_value *mvals;
	size_t nmvals, mvals_alloc, mvals_stored, defs_stored;
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
	/* Where the loop's commands write their metrics (BENCHFS_METRICS, one
	 * file per side and iteration, see measure_metrics.c); "" when none. */
	char metrics_dir[4096];
	/* The benchmark's service and output parser (runner/service.h); NULL: none. */
	struct bench_service *service;
};

/* The first failure is the story; later ones only go to the log (measure.c). */
void side_fail(struct state *st, int s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A failure of benchfs's own (the store cannot be written, benchfs-spawner
 * died): nothing the commit did, so the run is queued again (measure.c). */
void side_interrupt(struct state *st, int s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline double mean_or_zero(double sum, size_t n)
{
	return n ? sum / (double)n : 0;
}

/* ---- metrics besides the times (measure_metrics.c) ---- */

/* Queues value as the metric def of measured iteration `iteration` of side
 * (an index into st->sides), exactly as a line of the iteration's
 * $BENCHFS_METRICS file would be: def is registered with the side's result on
 * first use (later calls may pass their own copy of the same def); the value
 * goes to the store with the iteration rows (store_metric_samples_add, in
 * the loop's rhythm, and once more when the loop has ended, so a value given
 * after run_loop returned is stored too) and into result.json's "metrics".
 * Refused with a line in the side's debug.log naming the benchmark, the
 * iteration and the metric, and otherwise ignored: a non-finite value, a
 * second value of the same metric for the same iteration, a def whose name
 * is not a metric name or is reserved (wall, cpu, memory, instructions),
 * whose unit is empty, or whose unit or direction differ from the def first
 * given. Returns 0 when queued, 1 when refused, -1 out of memory (the side
 * fails). For whoever measures more around the loop (a service, a load
 * generator's output): call it on the runner's thread, per iteration. */
int measure_metric_add(struct state *st, int side, int iteration, const struct store_metric_def *def,
		       double value);
/* Every side's queued metric values into the store (rows_flush calls it
 * after the iterations). 0, or -1 with the side interrupted. */
int metrics_flush(struct state *st);
/* BENCHFS_METRICS's directory for this benchmark, in job->tmp_dir
 * (st->metrics_dir; left "" when it cannot be made, logged: a benchmark
 * declaring metrics then fails for want of them). */
void metrics_dir_open(struct state *st);
/* Removes it with whatever the commands left there. */
void metrics_dir_close(struct state *st);
/* A warmup ended: its file is removed unread (a program need not know
 * whether it is measured). */
void metrics_warmup_done(struct state *st, const struct spawner_event *ev);
/* A measured iteration ended (ev does not stop the loop): its file read
 * into *pairs (*n of them, malloc'd; free them) and removed, malformed
 * lines logged. Returns 0, or 1 when a declared metric is missing and
 * ignore_failure is off (the side failed: the iteration is not to be
 * recorded and the loop must stop). */
int metrics_iteration_read(struct state *st, const struct spawner_event *ev,
			   struct metrics_pair **pairs, size_t *n);
/* Then, once the iteration is recorded (it: its row): its figures queued
 * (an undeclared name logged), and the throughput "bytes" derives. 0, or
 * -1 out of memory (the side failed). */
int metrics_iteration_queue(struct state *st, const struct spawner_event *ev,
			    const struct metrics_pair *pairs, size_t n,
			    const struct store_iteration *it);

/* The benchmark's round in benchfs-spawner's loop, and the sides' logs and
 * status around it (measure_loop.c). 0, or -1 with the failure or the
 * cancel in st. */
int run_loop(struct state *st);

/* measure_summary.c: each measured iteration's time not logged yet, and the
 * side's summary as hyperfine prints it. */
void times_log(struct state *st);
void summary_log(struct state *st, struct side_state *ss);

#endif
