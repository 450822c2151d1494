/* Paired samples: the iterations of an interleaved A/B job, pair by pair.
 *
 * The caller forms one difference per pair, d_i = log(b_i) - log(a_i) (a
 * log-ratio: slow drift of the machine that touches both members of a pair
 * cancels). Conventions as hypothesis.h: a is the baseline, b the candidate, a
 * positive difference means b is slower. Pure computation, scratch from the
 * caller, STATS_OK or a negative stats_error; outputs written only on success. */
#ifndef BENCHFS_STATS_PAIRED_H
#define BENCHFS_STATS_PAIRED_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/describe.h"

/* Wilcoxon signed-rank test, two-sided, as scipy.stats.wilcoxon(d) with
 * zero_method="wilcox" (zero differences dropped), correction=False and
 * method="auto": exact when n <= 50 and there are no zeros and no ties among
 * |d|, else the normal approximation with scipy's tie correction. (SciPy
 * 1.10's "auto" differs only with ties and n <= 50: it then still uses the
 * exact distribution of untied ranks, truncating the half-integer rank sum,
 * which is not the statistic's distribution; later SciPy switches to the
 * approximation too, as here.) */
struct stats_wilcoxon {
	size_t n_used;  /* nonzero differences */
	double w_plus;  /* sum of the ranks of the positive differences */
	double w_minus; /* ... of the negative ones */
	double z;       /* normal approximation's z of w_plus (0 when exact) */
	double p;       /* two-sided, at most 1 */
	bool exact;
	bool ties;      /* ties among the nonzero |d| */
};
/* Doubles of scratch stats_wilcoxon_test needs for n differences. */
size_t stats_wilcoxon_scratch_len(size_t n);
/* n >= 1; when every difference is zero, p = 1. */
int stats_wilcoxon_test(struct stats_wilcoxon *out, const double *d, size_t n, double *scratch,
			size_t scratch_len);

/* Paired t-test on the differences (scipy.stats.ttest_rel(b, a) on logs is
 * the one-sample t of d against 0). n >= 2. Constant d: t = 0, p = 1 when
 * the mean is 0, t = +-inf, p = 0 otherwise. */
struct stats_paired_t {
	size_t n;
	double mean, sd, se, t, df, p;
};
int stats_paired_t_test(struct stats_paired_t *out, const double *d, size_t n);

/* Hodges-Lehmann estimate of the centre of d (the median of the n(n+1)/2
 * Walsh averages (d_i + d_j) / 2, i <= j) with the distribution-free
 * interval at `confidence` from the signed-rank distribution: exact critical
 * value for n <= 50, normal approximation above. The interval is
 * [W_(k), W_(M+1-k)] of the sorted Walsh averages, M = n(n+1)/2, k the
 * largest integer with P(W+ <= k - 1) <= (1 - confidence) / 2 (at least 1). */
struct stats_hodges_lehmann {
	size_t n;
	double estimate, lo, hi;
	double confidence; /* achieved coverage of the exact interval (as asked when approximate) */
	bool exact;
};
/* Doubles of scratch for n differences: 2n, or M/2 + 1 for the exact
 * distribution when n <= 50 and that is more. The M Walsh averages are never
 * stored: their order statistics are found by counting in the sorted d
 * (O(n log n) time in practice, about 1 ms for 3000 pairs). */
size_t stats_hodges_lehmann_scratch_len(size_t n);
/* n >= 1, 0 < confidence < 1, |d| <= 2^1022 (STATS_EINVAL otherwise, so
 * that no average overflows). */
int stats_hodges_lehmann(struct stats_hodges_lehmann *out, const double *d, size_t n,
			 double confidence, double *scratch, size_t scratch_len);

/* Everything the verdict of one benchmark of an A/B job rests on: the
 * log-ratios of its pairs (a[i], b[i]; times > 0), the signed-rank test, the
 * paired t on logs and the Hodges-Lehmann estimate and interval of the log
 * ratio at `confidence` (the verdict's: 1 - the look's alpha). n >= 2. */
struct stats_paired {
	size_t n;
	struct stats_wilcoxon wilcoxon;
	struct stats_paired_t t;
	struct stats_hodges_lehmann hl; /* of log(b/a) */
};
/* n + max(n, M/2 + 1 when n <= 50) doubles: one sort of d serves the
 * signed ranks and the Walsh averages, one exact distribution both the
 * signed-rank p and the interval. */
size_t stats_paired_scratch_len(size_t n);
int stats_paired_analyse(struct stats_paired *out, const double *a, const double *b, size_t n,
			 double confidence, double *scratch, size_t scratch_len);

#endif
