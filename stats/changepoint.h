/* Change points in a series of benchmark results: e-divisive means
 * (Matteson & James, 2014), as used for performance CI at MongoDB and in
 * Apache Otava, with a permutation significance test on a seeded,
 * deterministic generator (same inputs and seed give the same answer on every
 * run and machine).
 *
 * The series is one entry ("point") per commit, in order; each point may
 * carry several samples. The divergence is computed over all samples while
 * candidate splits lie only between points, so short histories with several
 * samples per commit are judged well. Under the null hypothesis the samples of
 * a segment are taken as exchangeable (the permutation test shuffles samples
 * across the points of the segment): if commit-to-commit drift is larger than
 * the run-to-run noise within a commit, pass the per-point means instead.
 *
 * Algorithm: the e-divisive statistic (exponent 1)
 *   Q(X, Y) = mn/(m+n) * (2/(mn) sum|x-y| - sum_{i<k}|x_i-x_k|/C(m,2)
 *                                      - sum_{i<k}|y_i-y_k|/C(n,2))
 * is evaluated for every split of a segment in O(N log N) with Fenwick trees
 * over ranks, so no windowing is needed. The best split of the series is
 * tested by permutations; if significant it is kept, the series is divided
 * there and the best split over all segments is tested next (hierarchical
 * bisection), until a test fails or `capacity` change points are found.
 *
 * Pure computation: no I/O, no allocation; the caller passes a work buffer of
 * stats_changepoint_workspace_size() bytes. Returns STATS_OK or a negative
 * stats_error (describe.h). */
#ifndef BENCHFS_STATS_CHANGEPOINT_H
#define BENCHFS_STATS_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "stats/describe.h"

struct stats_changepoint_options {
	double alpha;          /* significance level of the permutation test (0.01) */
	unsigned permutations; /* permutations per test (199); p >= 1/(permutations+1) */
	uint64_t seed;         /* generator seed (0x62656e636866735a) */
	size_t min_points;     /* fewest points on each side of a split (1) */
	size_t min_samples;    /* fewest samples on each side of a split (4) */
	/* Besag-Clifford sequential permutation test (Biometrika 1991): a test
	 * stops permuting once h = max_exceed permutations reach the observed
	 * statistic, with p = h / k after k permutations; a test that runs all
	 * its permutations keeps p = (1 + #exceed) / (1 + permutations). The
	 * p-value stays valid (P(p <= u) <= u under the null) and equals the full
	 * test's whenever fewer than h permutations exceed, e.g. for every clear
	 * change; a null series stops after about h / P(exceed) permutations.
	 * With h = 10, 9999 permutations cost about 20 on a typical null series
	 * and resolve p down to 1e-4 where there is a change. 0: always run all
	 * of them (and stop only once significance is impossible, as always). */
	unsigned max_exceed;   /* (0) */
};

/* Fills in the defaults shown above. */
void stats_changepoint_options_init(struct stats_changepoint_options *opt);

struct stats_changepoint {
	size_t index;       /* first point after the change (1 .. npoints-1) */
	double p;           /* permutation p-value: (1 + #{Q_perm >= Q}) / (1 + permutations),
			     * or h / k when the test stopped after k permutations at
			     * h = max_exceed exceedances */
	double q;           /* the e-divisive statistic of the split when it was found */
	double mean_before; /* mean of the samples from the previous change point (or start) */
	double mean_after;  /* mean of the samples up to the next change point (or end) */
};

/* Bytes of work buffer stats_find_changepoints needs. */
size_t stats_changepoint_workspace_size(size_t npoints, size_t nsamples);

/* values: all samples, point after point (nsamples doubles). counts: samples of
 * each point (npoints entries, each >= 1, summing to nsamples); NULL means one
 * sample per point (nsamples == npoints). opt NULL means defaults.
 * Writes up to capacity change points to out, ordered by index, and their
 * number to *count. Errors: STATS_EEMPTY (npoints == 0 or a zero count),
 * STATS_ENONFINITE, STATS_EINVAL (counts not summing to nsamples, e.g. a
 * negative count cast to size_t; work buffer too small; bad options). */
int stats_find_changepoints(struct stats_changepoint *out, size_t *count, size_t capacity,
			    const double *values, const size_t *counts, size_t npoints,
			    size_t nsamples, const struct stats_changepoint_options *opt,
			    void *work, size_t work_size);

/* The same, also reporting its cost in *info (may be NULL; written on success):
 * how many permutation tests ran (the found change points plus the one that
 * failed, if any) and how many permutations they took together. */
struct stats_changepoint_info {
	size_t tests;
	unsigned long long permutations;
};
int stats_find_changepoints_info(struct stats_changepoint_info *info,
				 struct stats_changepoint *out, size_t *count, size_t capacity,
				 const double *values, const size_t *counts, size_t npoints,
				 size_t nsamples, const struct stats_changepoint_options *opt,
				 void *work, size_t work_size);

#endif
