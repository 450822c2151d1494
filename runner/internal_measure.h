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
#include "spawner/spawner.h"
#include "store/store.h"

#define STEP_MAX 160 /* what runlog keeps of a step name */

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

/* The benchmark's round in benchfs-spawner's loop, and the sides' logs and
 * status around it (measure_loop.c). 0, or -1 with the failure or the
 * cancel in st. */
int run_loop(struct state *st);

/* measure_summary.c: each measured iteration's time not logged yet, and the
 * side's summary as hyperfine prints it. */
void times_log(struct state *st);
void summary_log(struct state *st, struct side_state *ss);

#endif
