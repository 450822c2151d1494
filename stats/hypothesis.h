/* Two-sample tests, effect sizes and the comparison verdict.
 *
 * Pure computation (libm only): no I/O and no hidden allocation. Only the
 * Mann-Whitney test needs work space, which the caller passes as a scratch
 * array of stats_mann_whitney_scratch_len(na, nb) doubles. Every function
 * returns STATS_OK or a negative stats_error (describe.h); outputs are written
 * only on success. NaN or infinite samples give STATS_ENONFINITE, too few
 * samples STATS_EEMPTY, other bad arguments STATS_EINVAL.
 *
 * Convention: a is the baseline, b the candidate. Differences and ratios are
 * b relative to a, so with run times a positive change means "b is slower". */
#ifndef BENCHFS_STATS_HYPOTHESIS_H
#define BENCHFS_STATS_HYPOTHESIS_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/describe.h"

#define STATS_DEFAULT_ALPHA 0.01     /* significance level of the verdict */
#define STATS_DEFAULT_THRESHOLD 0.02 /* relative change below which we call it noise */

/* Welch's unequal-variance t-test. */
struct stats_welch {
	double mean_a, mean_b;
	double t;  /* (mean_b - mean_a) / se, i.e. scipy's ttest_ind(b, a, equal_var=False) */
	double df; /* Welch-Satterthwaite degrees of freedom */
	double p;  /* two-sided, from the exact Student t CDF (regularized incomplete beta) */
	double se; /* sqrt(var_a/na + var_b/nb) */
};
/* Needs na >= 2 and nb >= 2. When both samples are constant (se == 0): equal
 * means give t = 0, p = 1; different means give t = +-inf, p = 0; df is then
 * na + nb - 2. */
int stats_welch_test(struct stats_welch *out, const double *a, size_t na, const double *b,
		     size_t nb);

/* Mann-Whitney U, two-sided. */
enum stats_mwu_method {
	STATS_MWU_AUTO,       /* exact when there are no ties, min(na,nb) <= 8 and
				 max(na,nb) <= 1000 (scipy's rule plus a cost cap),
				 else asymptotic */
	STATS_MWU_EXACT,      /* exact distribution; STATS_EINVAL when there are ties */
	STATS_MWU_ASYMPTOTIC, /* normal approximation, tie-corrected, continuity-corrected */
};
struct stats_mwu {
	double u_a;  /* U of sample a: rank sum of a - na(na+1)/2 (scipy's statistic for x=a) */
	double z;    /* (max(U_a, U_b) - na nb / 2 - 0.5) / sigma; 0 when exact */
	double p;    /* two-sided p-value, at most 1 */
	bool exact;  /* which method produced p */
	bool ties;   /* whether the pooled sample had ties */
};
/* Doubles of scratch stats_mann_whitney_test needs for these sizes. */
size_t stats_mann_whitney_scratch_len(size_t na, size_t nb);
/* na, nb >= 1. scratch holds scratch_len doubles (at least
 * stats_mann_whitney_scratch_len(na, nb); STATS_EINVAL if smaller). When every
 * value is tied (sigma == 0) the asymptotic p is 1. */
int stats_mann_whitney_test(struct stats_mwu *out, const double *a, size_t na, const double *b,
			    size_t nb, enum stats_mwu_method method, double *scratch,
			    size_t scratch_len);

/* Ratio of means b/a with Fieller's confidence interval (independent samples,
 * unequal variances; t quantile with the Welch-Satterthwaite df of
 * mean_b - ratio * mean_a), and the relative change ratio - 1 with its interval.
 * Deterministic, no resampling. */
struct stats_ratio {
	double ratio, lo, hi;               /* b/a and its interval */
	double change, change_lo, change_hi; /* ratio - 1 and its interval */
	bool bounded; /* false when mean_a is not significantly above 0: lo = -inf, hi = +inf */
};
/* na, nb >= 2, mean of a > 0 (STATS_EINVAL otherwise), 0 < confidence < 1.
 * Constant samples give a zero-width interval at the ratio. */
int stats_ratio_ci(struct stats_ratio *out, const double *a, size_t na, const double *b,
		   size_t nb, double confidence);

enum stats_verdict {
	STATS_UNDECIDED = 0,
	STATS_UNCHANGED,
	STATS_SLOWER, /* b's mean is larger */
	STATS_FASTER, /* b's mean is smaller */
};
/* "undecided", "unchanged", "slower", "faster"; "unknown" for other values. */
const char *stats_verdict_name(enum stats_verdict v);
/* The same for a metric in its own direction: slower (b's value the
 * larger) is "worse" for a cost and "better" when higher is better, and
 * faster the other way round. */
const char *stats_metric_verdict_name(enum stats_verdict v, bool higher_is_better);

struct stats_comparison {
	enum stats_verdict verdict;
	size_t na, nb;
	struct stats_welch welch; /* valid when na, nb >= 2 (else zero with p = 1) */
	struct stats_ratio ratio; /* interval at confidence 1 - alpha; unbounded when na or nb < 2 */
};
/* The verdict used everywhere. With alpha (STATS_DEFAULT_ALPHA) and threshold
 * (STATS_DEFAULT_THRESHOLD, a relative change):
 *   slower/faster  Welch p < alpha AND the whole (1 - alpha) interval of the
 *                  change lies above +threshold / below -threshold;
 *   unchanged      the interval lies within [-threshold, +threshold];
 *   undecided      otherwise, and always when na < 3 or nb < 3.
 * na, nb >= 1; mean of a > 0; 0 < alpha < 1; threshold >= 0. */
int stats_compare(struct stats_comparison *out, const double *a, size_t na, const double *b,
		  size_t nb, double alpha, double threshold);

/* Geometric mean of per-benchmark ratios with an interval at `confidence`. */
struct stats_geomean {
	size_t k;
	double geomean, lo, hi;
};
/* ratio[0..k) > 0. When lo and hi are NULL the interval is the t interval
 * (k - 1 df) of the mean log ratio across benchmarks, exponentiated (k == 1
 * gives lo = 0, hi = +inf). When lo and hi are given (each benchmark's own
 * interval at the same confidence, 0 < lo[i] <= ratio[i] <= hi[i] < inf), the
 * interval propagates those: each log interval's half-width / z is taken as a
 * standard error, combined as sqrt(sum se_i^2) / k, normal quantile z. */
int stats_geomean_ratios(struct stats_geomean *out, const double *ratio, const double *lo,
			 const double *hi, size_t k, double confidence);

#endif
