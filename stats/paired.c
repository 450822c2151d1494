/* Paired samples: signed-rank test, paired t, Hodges-Lehmann; see paired.h. */
#include "stats/paired.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "stats/distributions.h"
#include "stats/internal.h"

/* Largest n whose signed-rank distribution is computed exactly (scipy's rule). */
#define EXACT_MAX 50
/* Up to this n, n(n+1)/2 and the rank sums stay exact in doubles (< 2^53)
 * and nothing overflows a size_t. */
#define PAIRS_MAX ((size_t)1 << 24)

/* M = n(n+1)/2: the number of Walsh averages, the largest signed-rank sum. */
static size_t walsh_count(size_t n)
{
	return n % 2 ? (n + 1) / 2 * n : n / 2 * (n + 1);
}

/* P(W+ <= j) for j = 0..top into c[0..top], for the signed-rank sum W+ of n
 * untied ranks under the null: the number of subsets of {1..n} with each sum
 * (adding rank k: c[s] += c[s - k]; ranks above top change nothing below it),
 * accumulated and divided by 2^n. The counts are integers below 2^53 for
 * n <= 50, so every value is exact, as scipy's _get_wilcoxon_distr. */
static void signrank_cdf(double *c, size_t n, size_t top)
{
	c[0] = 1.0;
	for (size_t s = 1; s <= top; s++)
		c[s] = 0.0;
	for (size_t k = 1; k <= n && k <= top; k++)
		for (size_t s = top; s >= k; s--)
			c[s] += c[s - k];
	double scale = ldexp(1.0, -(int)n);
	c[0] *= scale;
	for (size_t s = 1; s <= top; s++)
		c[s] = c[s - 1] + c[s] * scale;
}

/* --- Wilcoxon signed-rank ------------------------------------------------------ */

size_t stats_wilcoxon_scratch_len(size_t n)
{
	if (n > PAIRS_MAX)
		return SIZE_MAX;
	return n + (n <= EXACT_MAX ? walsh_count(n) / 2 + 1 : 0);
}

/* The signed-rank statistic of s (sorted ascending): the negatives read from
 * zero outward and the positives merge into increasing |d| (one sort serves
 * this and the Hodges-Lehmann estimate); zeros are dropped, ties get their
 * average rank. */
static void signed_ranks(struct stats_wilcoxon *r, const double *s, size_t n)
{
	size_t i = 0, j;
	while (i < n && s[i] < 0.0)
		i++;
	j = i;
	while (j < n && s[j] == 0.0)
		j++;
	size_t zeros = j - i, rank = 0; /* next: -s[i - 1] and s[j] */
	double w_plus = 0.0, w_minus = 0.0, tie_term = 0.0;
	while (i > 0 || j < n) {
		double v = i > 0 && (j == n || -s[i - 1] <= s[j]) ? -s[i - 1] : s[j];
		size_t cn = 0, cp = 0;
		while (i > 0 && -s[i - 1] == v) {
			i--;
			cn++;
		}
		while (j < n && s[j] == v) {
			j++;
			cp++;
		}
		double t = (double)(cn + cp), avg = (double)rank + (t + 1.0) / 2.0;
		w_minus += (double)cn * avg;
		w_plus += (double)cp * avg;
		tie_term += t * (t * t - 1.0);
		rank += cn + cp;
	}
	*r = (struct stats_wilcoxon){.n_used = n - zeros, .w_plus = w_plus, .w_minus = w_minus,
				     .ties = tie_term > 0.0};
	r->exact = zeros == 0 && !r->ties && n <= EXACT_MAX;
	double dm = (double)r->n_used, total = dm * (dm + 1.0) / 2.0;
	if (r->n_used == 0 || r->exact) {
		r->p = 1.0; /* set from the exact distribution by the caller */
		return;
	}
	/* normal approximation without continuity correction, scipy's tie term */
	double var = (dm * (dm + 1.0) * (2.0 * dm + 1.0) - 0.5 * tie_term) / 24.0;
	if (!(var > 0.0)) {
		r->p = 1.0;
		return;
	}
	r->z = (w_plus - total / 2.0) / sqrt(var);
	double p = erfc(fabs(r->z) / M_SQRT2);
	r->p = p > 1.0 ? 1.0 : p;
}

/* Exact two-sided p: twice the smaller tail, P(W+ <= min(w, M - w)) by
 * symmetry. c: the cdf up to that index, or NULL to compute it into scratch. */
static void signed_rank_exact_p(struct stats_wilcoxon *r, const double *c, double *scratch)
{
	size_t mm = walsh_count(r->n_used), w = (size_t)r->w_plus;
	size_t lo = w < mm - w ? w : mm - w;
	if (!c) {
		signrank_cdf(scratch, r->n_used, lo);
		c = scratch;
	}
	double p = 2.0 * c[lo];
	r->p = p > 1.0 ? 1.0 : p;
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
	memcpy(scratch, d, n * sizeof *d);
	stats__sort(scratch, n);
	struct stats_wilcoxon r;
	signed_ranks(&r, scratch, n);
	if (r.exact)
		signed_rank_exact_p(&r, NULL, scratch + n);
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
	/* d sorted, up to n candidate Walsh averages; the exact distribution
	 * (M/2 + 1 values) uses the same space first */
	size_t exact = n <= EXACT_MAX ? walsh_count(n) / 2 + 1 : 0;
	return 2 * n > exact ? 2 * n : exact;
}

/* The 1-based rank k of the interval's lower end, and its achieved coverage.
 * c: P(W+ <= j) for j = 0..M/2 when exact (n <= EXACT_MAX). */
static size_t hl_rank(double *coverage, size_t n, double confidence, const double *c)
{
	size_t mm = walsh_count(n);
	double half = (1.0 - confidence) / 2.0;
	size_t k;
	if (c) {
		/* largest k with P(W+ <= k - 1) <= half; P(W+ <= j) >= 1/2 from j = M/2 */
		size_t top = mm / 2;
		k = 0;
		while (k <= top && c[k] <= half)
			k++;
		/* c[k - 1] <= half < c[k] */
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

/* The Walsh averages of s (sorted ascending) form a matrix (s_i + s_j) / 2,
 * i <= j, sorted along rows and columns (rounding is monotone, so the
 * computed values are too). It is never materialised (M = n(n+1)/2 doubles
 * for a few thousand pairs would be tens of MB): its order statistics are
 * found by bisection on the value, counting in O(n), until at most n
 * candidates remain, which are then selected from. */
static double walsh(const double *s, size_t i, size_t j)
{
	return (s[i] + s[j]) / 2.0;
}

/* Walsh averages <= v. */
static size_t walsh_count_le(const double *s, size_t n, double v)
{
	size_t count = 0, j = n; /* row i: columns i..j-1 are <= v; j only falls */
	for (size_t i = 0; i < n; i++) {
		while (j > i && walsh(s, i, j - 1) > v)
			j--;
		if (j <= i)
			break;
		count += j - i;
	}
	return count;
}

/* The counts already made, so that the later order statistics (the median
 * first, then the interval's ends, near it) start from a narrow bracket. */
#define PROBES_MAX 256
struct probes {
	size_t n;
	double value[PROBES_MAX];
	size_t count[PROBES_MAX]; /* Walsh averages <= value */
};

/* The r-th smallest (1-based) Walsh average of s; cand holds n doubles. */
static double walsh_select(const double *s, size_t n, size_t r, double *cand, struct probes *pr)
{
	/* the answer lies in (lo, hi]: count(<= lo) = below < r <= count(<= hi) = upto */
	/* every Walsh average is >= s[0] (rounding is monotone): none <= lo */
	double lo = nextafter(s[0], -INFINITY), hi = s[n - 1];
	size_t below = 0, upto = walsh_count(n);
	for (size_t i = 0; i < pr->n; i++) {
		if (pr->count[i] < r && pr->value[i] >= lo) {
			lo = pr->value[i];
			below = pr->count[i];
		} else if (pr->count[i] >= r && pr->value[i] <= hi) {
			hi = pr->value[i];
			upto = pr->count[i];
		}
	}
	/* Probes by interpolation: two at ranks about n/3 either side of r where
	 * the counts grow linearly between lo and hi, which brackets r within ~n
	 * candidates in a few rounds; a round that fails to shrink the bracket
	 * fourfold is followed by one of plain bisection, so this cannot stall. */
	bool bisect = false;
	while (upto - below > n) {
		size_t before = upto - below;
		double f = (double)(r - below) / (double)before, w = (double)n / 3.0 / (double)before;
		double at[2] = {lo + (hi - lo) * (f - w), lo + (hi - lo) * (f + w)};
		size_t probes = 2;
		if (bisect) {
			at[0] = lo + (hi - lo) / 2.0; /* |d| <= 2^1022: no overflow */
			probes = 1;
		}
		for (size_t p = 0; p < probes && upto - below > n; p++) {
			double mid = at[p];
			if (!(mid > lo && mid < hi)) {
				if (!bisect)
					continue;
				mid = nextafter(lo, hi);
				if (mid == hi)
					return hi; /* adjacent doubles: every candidate equals hi */
			}
			size_t c = walsh_count_le(s, n, mid);
			if (pr->n < PROBES_MAX) {
				pr->value[pr->n] = mid;
				pr->count[pr->n++] = c;
			}
			if (c >= r) {
				hi = mid;
				upto = c;
			} else {
				lo = mid;
				below = c;
			}
		}
		bisect = !bisect && upto - below > before / 4;
	}
	/* the candidates: row by row, the columns with lo < value <= hi */
	size_t m = 0, jl = n, jh = n;
	for (size_t i = 0; i < n; i++) {
		while (jh > i && walsh(s, i, jh - 1) > hi)
			jh--;
		while (jl > i && walsh(s, i, jl - 1) > lo)
			jl--;
		if (jh <= i)
			break;
		for (size_t j = jl > i ? jl : i; j < jh; j++)
			cand[m++] = walsh(s, i, j);
	}
	stats__select(cand, m, r - below - 1);
	return cand[r - below - 1];
}

/* The estimate and the interval [W_(k), W_(M+1-k)] from s (sorted); cand: n doubles. */
static void hl_sorted(struct stats_hodges_lehmann *r, const double *s, size_t n, size_t k,
		      double *cand)
{
	size_t mm = walsh_count(n);
	struct probes pr;
	pr.n = 0;
	r->estimate = walsh_select(s, n, (mm + 1) / 2, cand, &pr);
	if (mm % 2 == 0)
		r->estimate = (r->estimate + walsh_select(s, n, mm / 2 + 1, cand, &pr)) / 2.0;
	r->lo = walsh_select(s, n, k, cand, &pr);
	r->hi = walsh_select(s, n, mm + 1 - k, cand, &pr);
}

/* (d_i + d_j) / 2 stays finite */
static bool hl_range_ok(const double *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fabs(d[i]) > 0x1p1022)
			return false;
	return true;
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
	if (n > PAIRS_MAX || scratch_len < stats_hodges_lehmann_scratch_len(n) ||
	    !hl_range_ok(d, n))
		return STATS_EINVAL;
	struct stats_hodges_lehmann r = {.n = n, .exact = n <= EXACT_MAX};
	size_t k;
	if (r.exact) { /* the distribution first, in the space the rest uses after it */
		signrank_cdf(scratch, n, walsh_count(n) / 2);
		k = hl_rank(&r.confidence, n, confidence, scratch);
	} else {
		k = hl_rank(&r.confidence, n, confidence, NULL);
	}
	memcpy(scratch, d, n * sizeof *d);
	stats__sort(scratch, n);
	hl_sorted(&r, scratch, n, k, scratch + n);
	*out = r;
	return STATS_OK;
}

/* --- the analysis of one benchmark ------------------------------------------------ */

size_t stats_paired_scratch_len(size_t n)
{
	if (n > PAIRS_MAX)
		return SIZE_MAX;
	/* d (sorted after the t-test), then the exact distribution (M/2 + 1,
	 * shared by the signed-rank p and the interval), then in the same space
	 * the candidate Walsh averages (n) */
	size_t exact = n <= EXACT_MAX ? walsh_count(n) / 2 + 1 : 0;
	return n + (n > exact ? n : exact);
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
	for (size_t i = 0; i < n; i++) {
		if (!(a[i] > 0.0 && b[i] > 0.0))
			return STATS_EINVAL;
		d[i] = log(b[i]) - log(a[i]); /* |d| < 1500: finite, well inside the HL range */
	}
	struct stats_paired r = {.n = n};
	stats_paired_t_test(&r.t, d, n); /* on d in pair order, as stats_paired_t_test(d) */
	stats__sort(d, n);
	signed_ranks(&r.wilcoxon, d, n);
	r.hl = (struct stats_hodges_lehmann){.n = n, .exact = n <= EXACT_MAX};
	size_t k;
	if (r.hl.exact) {
		signrank_cdf(work, n, walsh_count(n) / 2);
		if (r.wilcoxon.exact)
			signed_rank_exact_p(&r.wilcoxon, work, NULL);
		k = hl_rank(&r.hl.confidence, n, confidence, work);
	} else {
		k = hl_rank(&r.hl.confidence, n, confidence, NULL);
	}
	hl_sorted(&r.hl, d, n, k, work);
	*out = r;
	return STATS_OK;
}
