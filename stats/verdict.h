/* The three-way verdict over the benchmarks of one comparison, whichever
 * analysis produced the estimates (paired A/B, separate runs with their
 * between-run noise). Pure computation.
 *
 * For benchmark i the analysis supplies the estimated log ratio log(b/a),
 * its interval at the level the verdict uses (1 - alpha_i), the p-value of
 * "no change" and that level alpha_i (alpha itself for a single look; a
 * sequential look's own level otherwise). Then:
 *   p_seq_i  = min(1, p_i * alpha / alpha_i)   (valid over the looks)
 *   q_i      = Benjamini-Hochberg adjustment of p_seq over the m testable benchmarks
 *   slower   q_i <= alpha, lo_i > 0 and exp(estimate_i) - 1 > +threshold_i
 *   faster   q_i <= alpha, hi_i < 0 and exp(estimate_i) - 1 < -threshold_i
 *   unchanged  exp(lo_i) - 1 >= -threshold_i and exp(hi_i) - 1 <= +threshold_i
 *   undecided  otherwise, and always for a benchmark that is not testable.
 * So the false-alarm rate over the benchmarks is held at alpha (as a false
 * discovery rate), and an estimate within the threshold is never called
 * slower or faster. (A true change just below the threshold can be, when its
 * estimate lands above it: it is real and in that direction, lo > 0; with a
 * log-ratio sd of 0.07 per pair, a true +1% was called slower in 4% of the
 * simulated jobs, +2% in 62%.)
 *
 * The control holds over all looks, whatever the stopping: P*_i = min over
 * benchmark i's looks of p_k alpha / alpha_k is a valid p-value (the levels
 * sum to alpha) and at most p_seq_i at any look, so a call made at any look
 * is one Benjamini-Hochberg on the P* would make too. The caller may
 * re-decide every benchmark each round with its latest analysis (as the
 * runner does) or freeze the decided ones. The whole A/B procedure is
 * simulated in tests/stats/test_verdict.c. */
#ifndef BENCHFS_STATS_VERDICT_H
#define BENCHFS_STATS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/describe.h"
#include "stats/hypothesis.h"

struct stats_verdict_input {
	bool testable;     /* false: no analysis (too few samples, noise unknown) */
	double estimate;   /* log(b/a) */
	double lo, hi;     /* its interval at 1 - level */
	double p;          /* two-sided p-value at this look */
	double level;      /* alpha_i, 0 < level <= alpha */
	double threshold;  /* relative noise threshold, >= 0 */
};
/* A change from 0 (a count that appeared or vanished) has no log ratio: in the
 * correction it stands at this log ratio in its direction, beyond any
 * threshold, so that its q alone calls it (the direction is certain, its
 * relative size unbounded). */
#define STATS_VERDICT_FROM_ZERO_LOG 300.0

struct stats_verdict_output {
	enum stats_verdict verdict;
	double p_seq;      /* NAN when not testable */
	double q;          /* BH-adjusted p_seq; NAN when not testable */
};
/* m >= 1 (m == 0 is STATS_OK with nothing written). order: scratch of m
 * size_t; work: scratch of m doubles. 0 < alpha < 1. */
int stats_verdicts(struct stats_verdict_output *out, const struct stats_verdict_input *in,
		   size_t m, double alpha, size_t *order, double *work);

#endif
