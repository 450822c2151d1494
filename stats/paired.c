/* Paired samples: signed-rank test, paired t, Hodges-Lehmann; see paired.h. */
#include "paired.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "distributions.h"
#include "sort.h"
#include "stats_internal.h"

/* Largest n whose signed-rank distribution is computed exactly (scipy's rule). */
#define EXACT_MAX 50
/* Beyond this n the Walsh averages would not fit in memory anyway; n(n+1)/2
 * and the byte counts stay far from overflow below it. */
#define PAIRS_MAX ((size_t)1 << 24)

/* M = n(n+1)/2: the number of Walsh averages, the largest signed-rank sum. */
static size_t walsh_count(size_t n)
{
	return n % 2 ? (n + 1) / 2 * n : n / 2 * (n + 1);
}

/* P(W+ <= j) for j = 0..top into c[0..top], for the signed-rank sum W+ of n
 * untied ranks under the null. Halving the counts at every rank keeps each
 * value an exact binary fraction (counts < 2^53 for n <= 50), as scipy's
 * _get_wilcoxon_distr; c[s] = (c[s] + c[s - k]) / 2 adds rank k. */
static void signrank_cdf(double *c, size_t n, size_t top)
{
	c[0] = 1.0;
	for (size_t s = 1; s <= top; s++)
		c[s] = 0.0;
	for (size_t k = 1; k <= n; k++)
		for (size_t s = top + 1; s-- > 0;)
			c[s] = 0.5 * (c[s] + (s >= k ? c[s - k] : 0.0));
	for (size_t s = 1; s <= top; s++) /* pmf -> cdf, left to right */
		c[s] += c[s - 1];
}

/* --- Wilcoxon signed-rank ------------------------------------------------------ */

#define LESS_ABS(x, y) (fabs(x) < fabs(y))
DEFINE_STATS_SORT(sort_by_abs, double, LESS_ABS)

size_t stats_wilcoxon_scratch_len(size_t n)
{
	if (n > PAIRS_MAX)
		return SIZE_MAX;
	return n + (n <= EXACT_MAX ? walsh_count(n) / 2 + 1 : 0);
}

int stats_wilcoxon_test(struct stats_wilcoxon *out, const double *d, size_t n, double *scratch,
			size_t scratch_len)
{
	if (!out || !scratch)
		return STATS_EINVAL;
	int rc = stats__check_sample(d, n, 1);
	if (rc)
		return rc;
	if (n > PAIRS_MAX || scratch_len < stats_wilcoxon_scratch_len(n))
		return STATS_EINVAL;
	/* the nonzero differences, sorted by magnitude */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (d[i] != 0.0)
			scratch[m++] = d[i];
	sort_by_abs(scratch, m);
	/* average ranks over groups of equal |d| */
	double w_plus = 0.0, w_minus = 0.0, tie_term = 0.0;
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && fabs(scratch[j]) == fabs(scratch[i]))
			j++;
		double t = (double)(j - i), rank = (double)(i + j + 1) / 2.0;
		for (size_t k = i; k < j; k++) {
			if (scratch[k] > 0.0)
				w_plus += rank;
			else
				w_minus += rank;
		}
		tie_term += t * (t * t - 1.0);
		i = j;
	}
	struct stats_wilcoxon r = {.n_used = m, .w_plus = w_plus, .w_minus = w_minus,
				   .ties = tie_term > 0.0};
	double dm = (double)m, total = dm * (dm + 1.0) / 2.0;
	r.exact = m == n && !r.ties && n <= EXACT_MAX;
	if (m == 0) {
		r.p = 1.0;
	} else if (r.exact) {
		/* two-sided: twice the smaller tail, P(W+ <= min(w, M - w)) by symmetry */
		size_t mm = walsh_count(m), w = (size_t)w_plus;
		size_t lo = w < mm - w ? w : mm - w;
		double *c = scratch + n;
		signrank_cdf(c, m, lo);
		double p = 2.0 * c[lo];
		r.p = p > 1.0 ? 1.0 : p;
	} else {
		/* normal approximation without continuity correction, scipy's tie term */
		double var = (dm * (dm + 1.0) * (2.0 * dm + 1.0) - 0.5 * tie_term) / 24.0;
		if (!(var > 0.0)) {
			r.p = 1.0;
		} else {
			r.z = (w_plus - total / 2.0) / sqrt(var);
			double p = erfc(fabs(r.z) / M_SQRT2);
			r.p = p > 1.0 ? 1.0 : p;
		}
	}
	*out = r;
	return STATS_OK;
}

/* --- paired t ----------------------------------------------------------------- */

int stats_paired_t_test(struct stats_paired_t *out, const double *d, size_t n)
{
	if (!out)
		return STATS_EINVAL;
	int rc = stats__check_sample(d, n, 2);
	if (rc)
		return rc;
	double mean, m2;
	stats__mean_m2(&mean, &m2, d, n);
	struct stats_paired_t r = {.n = n, .mean = mean, .df = (double)(n - 1)};
	r.sd = sqrt(m2 / (double)(n - 1));
	r.se = r.sd / sqrt((double)n);
	if (r.se == 0.0) {
		if (mean == 0.0) {
			r.t = 0.0;
			r.p = 1.0;
		} else {
			r.t = mean > 0.0 ? INFINITY : -INFINITY;
			r.p = 0.0;
		}
	} else {
		r.t = mean / r.se;
		stats_t_pvalue(&r.p, r.t, r.df);
	}
	*out = r;
	return STATS_OK;
}

/* --- Hodges-Lehmann ------------------------------------------------------------- */

size_t stats_hodges_lehmann_scratch_len(size_t n)
{
	if (n > PAIRS_MAX)
		return SIZE_MAX;
	/* the Walsh averages; the exact distribution (M/2 + 1 <= M) uses the same
	 * space before them */
	return walsh_count(n);
}

/* The 1-based rank k of the interval's lower end, and its achieved coverage. */
static size_t hl_rank(double *coverage, size_t n, double confidence, bool exact, double *c)
{
	size_t mm = walsh_count(n);
	double half = (1.0 - confidence) / 2.0;
	size_t k;
	if (exact) {
		/* largest k with P(W+ <= k - 1) <= half; P(W+ <= j) < 1/2 below M/2 */
		size_t top = mm / 2;
		signrank_cdf(c, n, top);
		k = 0;
		while (k <= top && c[k] <= half)
			k++;
		/* now c[k - 1] <= half < c[k]: the largest j with P(W+ <= j) <= half is k - 1 */
		if (k == 0)
			k = 1;
		*coverage = 1.0 - 2.0 * c[k - 1];
	} else {
		/* P(W+ <= k - 1) ~ Phi((k - 1/2 - M/2) / sigma) <= half */
		double z, dn = (double)n, dm = (double)mm;
		stats_normal_quantile(&z, 1.0 - half);
		double sigma = sqrt(dn * (dn + 1.0) * (2.0 * dn + 1.0) / 24.0);
		double kf = floor(dm / 2.0 + 0.5 - z * sigma);
		k = kf < 1.0 ? 1 : (size_t)kf;
		*coverage = confidence;
	}
	if (k > (mm + 1) / 2) /* lo <= hi */
		k = (mm + 1) / 2;
	return k;
}

static double min_of(const double *x, size_t n)
{
	double v = x[0];
	for (size_t i = 1; i < n; i++)
		if (x[i] < v)
			v = x[i];
	return v;
}

int stats_hodges_lehmann(struct stats_hodges_lehmann *out, const double *d, size_t n,
			 double confidence, double *scratch, size_t scratch_len)
{
	if (!out || !scratch)
		return STATS_EINVAL;
	int rc = stats__check_sample(d, n, 1);
	if (rc)
		return rc;
	if (!(confidence > 0.0 && confidence < 1.0))
		return STATS_EINVAL;
	if (n > PAIRS_MAX || scratch_len < stats_hodges_lehmann_scratch_len(n))
		return STATS_EINVAL;
	struct stats_hodges_lehmann r = {.n = n, .exact = n <= EXACT_MAX};
	size_t k = hl_rank(&r.confidence, n, confidence, r.exact, scratch);
	size_t mm = walsh_count(n);
	double *w = scratch;
	size_t idx = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			w[idx++] = (d[i] + d[j]) / 2.0;
	/* Selection instead of a full sort (O(M) expected, not O(M log M)): the
	 * median first, then each end inside the half that holds it. */
	size_t m1 = (mm - 1) / 2; /* 0-based lower median */
	stats__select(w, mm, m1);
	double med_lo = w[m1];
	r.estimate = mm % 2 ? med_lo : (med_lo + min_of(w + m1 + 1, mm - m1 - 1)) / 2.0;
	size_t lo_i = k - 1, hi_i = mm - k; /* lo_i <= m1 <= hi_i */
	if (lo_i < m1) {
		stats__select(w, m1, lo_i);
		r.lo = w[lo_i];
	} else {
		r.lo = med_lo;
	}
	if (hi_i > m1) {
		stats__select(w + m1 + 1, mm - m1 - 1, hi_i - m1 - 1);
		r.hi = w[hi_i];
	} else {
		r.hi = med_lo;
	}
	*out = r;
	return STATS_OK;
}

/* --- the analysis of one benchmark ------------------------------------------------ */

size_t stats_paired_scratch_len(size_t n)
{
	if (n > PAIRS_MAX)
		return SIZE_MAX;
	size_t w = stats_wilcoxon_scratch_len(n), h = stats_hodges_lehmann_scratch_len(n);
	return n + (w > h ? w : h);
}

int stats_paired_analyse(struct stats_paired *out, const double *a, const double *b, size_t n,
			 double confidence, double *scratch, size_t scratch_len)
{
	if (!out || !scratch)
		return STATS_EINVAL;
	int rc = stats__check_sample(a, n, 2);
	if (!rc)
		rc = stats__check_sample(b, n, 2);
	if (rc)
		return rc;
	if (!(confidence > 0.0 && confidence < 1.0))
		return STATS_EINVAL;
	if (n > PAIRS_MAX || scratch_len < stats_paired_scratch_len(n))
		return STATS_EINVAL;
	double *d = scratch, *work = scratch + n;
	size_t work_len = scratch_len - n;
	for (size_t i = 0; i < n; i++) {
		if (!(a[i] > 0.0 && b[i] > 0.0))
			return STATS_EINVAL;
		d[i] = log(b[i]) - log(a[i]);
	}
	struct stats_paired r = {.n = n};
	rc = stats_wilcoxon_test(&r.wilcoxon, d, n, work, work_len);
	if (!rc)
		rc = stats_paired_t_test(&r.t, d, n);
	if (!rc)
		rc = stats_hodges_lehmann(&r.hl, d, n, confidence, work, work_len);
	if (rc)
		return rc;
	*out = r;
	return STATS_OK;
}
