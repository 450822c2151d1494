/* Is one run's iteration sequence stationary? A step or a trend inside a
 * run (the machine changed while it was measured) makes its mean a mixture
 * of two states. Uses the e-divisive change points (changepoint.h) on the
 * sequence, one sample per iteration. Pure computation. */
#ifndef BENCHFS_STATS_STATIONARITY_H
#define BENCHFS_STATS_STATIONARITY_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/describe.h"

#define STATS_STATIONARITY_MIN_N 8 /* shorter sequences are never flagged */
/* The permutation test: ceil(10 / alpha) - 1 permutations (999 at 0.01), at
 * least MIN, at most MAX and at most 1e7 / n (the cost of a long run with a
 * real step, which runs them all); Besag-Clifford early stopping at
 * MAX_EXCEED exceedances (changepoint.h), so that a stationary run costs a
 * few dozen permutations. */
#define STATS_STATIONARITY_MIN_PERMUTATIONS 199
#define STATS_STATIONARITY_MAX_PERMUTATIONS 99999
#define STATS_STATIONARITY_MAX_EXCEED 10

struct stats_stationarity {
	bool unstable;  /* a significant step larger than min_change */
	size_t index;   /* first iteration (0-based) after the step; 0 when none */
	double p;       /* the step's permutation p-value; 1 when none */
	double change;  /* median after / median before - 1; 0 when none */
};
/* Bytes of work buffer for n iterations. */
size_t stats_stationarity_workspace_size(size_t n);
/* times[n] > 0 in the order measured; alpha of the permutation test (0.01),
 * min_change the smallest relative step of the medians that counts (0.05).
 * Deterministic (seeded). The e-divisive split is searched on log(times) with
 * at least 4 iterations on each side; the medians are of the times. A
 * significant step (p < alpha) no larger than min_change is still reported
 * (index, p, change) with unstable false. n == 0: STATS_EEMPTY; 1 <= n <
 * STATS_STATIONARITY_MIN_N: STATS_OK, never flagged (work may then be NULL);
 * a time <= 0 or a bad alpha or min_change: STATS_EINVAL. */
int stats_stationarity_check(struct stats_stationarity *out, const double *times, size_t n,
			     double alpha, double min_change, void *work, size_t work_size);

#endif
