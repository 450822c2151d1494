/* Two-sample tests and the verdict; see hypothesis.h. */
#include "stats/hypothesis.h"

#include <math.h>
#include <string.h>

#include "stats/distributions.h"
#include "stats/internal.h"


static int check_pair(const double *a, size_t na, const double *b, size_t nb, size_t need)
{
	int rc = stats__check_sample(a, na, need);
	return rc ? rc : stats__check_sample(b, nb, need);
}

/* --- Welch ---------------------------------------------------------------- */

static void welch(struct stats_welch *w, const double *a, size_t na, const double *b, size_t nb)
{
	double ma, m2a, mb, m2b;
	stats__mean_m2(&ma, &m2a, a, na);
	stats__mean_m2(&mb, &m2b, b, nb);
	double va = m2a / (double)(na - 1) / (double)na;
	double vb = m2b / (double)(nb - 1) / (double)nb;
	double se2 = va + vb;
	w->mean_a = ma;
	w->mean_b = mb;
	w->se = sqrt(se2);
	if (se2 == 0.0) {
		w->df = (double)(na + nb - 2);
		if (mb == ma) {
			w->t = 0.0;
			w->p = 1.0;
		} else {
			w->t = mb > ma ? INFINITY : -INFINITY;
			w->p = 0.0;
		}
		return;
	}
	w->t = (mb - ma) / w->se;
	w->df = se2 * se2 / (va * va / (double)(na - 1) + vb * vb / (double)(nb - 1));
	stats_t_pvalue(&w->p, w->t, w->df);
}

int stats_welch_test(struct stats_welch *out, const double *a, size_t na, const double *b,
		     size_t nb)
{
	if (!out)
		return STATS_EINVAL;
	int rc = check_pair(a, na, b, nb, 2);
	if (rc)
		return rc;
	welch(out, a, na, b, nb);
	return STATS_OK;
}

/* --- Mann-Whitney ----------------------------------------------------------- */

#define MWU_EXACT_MIN 8
#define MWU_EXACT_MAX 1000

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t max_sz(size_t a, size_t b)
{
	return a > b ? a : b;
}

static size_t exact_len(size_t na, size_t nb)
{
	size_t s = min_sz(na, nb), l = max_sz(na, nb);
	return (s + 1) * (s * l / 2 + 1);
}

size_t stats_mann_whitney_scratch_len(size_t na, size_t nb)
{
	size_t len = na + nb;
	if (min_sz(na, nb) <= MWU_EXACT_MIN)
		len += exact_len(na, nb);
	return len;
}

/* P(U <= k) for sizes s (small) and l, using f (s+1)*(k+1) doubles.
 * P_{m,n}(u) = m/(m+n) P_{m-1,n}(u-n) + n/(m+n) P_{m,n-1}(u): whichever sample
 * holds the largest value; a convex combination, so no cancellation. */
static double mwu_cdf(size_t s, size_t l, size_t k, double *f)
{
	size_t w = k + 1;
	memset(f, 0, (s + 1) * w * sizeof *f);
	for (size_t m = 0; m <= s; m++)
		f[m * w] = 1.0; /* n = 0: U = 0 */
	for (size_t n = 1; n <= l; n++) {
		for (size_t m = 1; m <= s; m++) {
			double pm = (double)m / (double)(m + n), pn = (double)n / (double)(m + n);
			double *cur = f + m * w, *prev = f + (m - 1) * w;
			for (size_t u = k + 1; u-- > 0;)
				cur[u] = pn * cur[u] + (u >= n ? pm * prev[u - n] : 0.0);
		}
	}
	double c = 0.0;
	for (size_t u = 0; u <= k; u++)
		c += f[s * w + u];
	return c;
}

int stats_mann_whitney_test(struct stats_mwu *out, const double *a, size_t na, const double *b,
			    size_t nb, enum stats_mwu_method method, double *scratch,
			    size_t scratch_len)
{
	if (!out || !scratch)
		return STATS_EINVAL;
	if (method != STATS_MWU_AUTO && method != STATS_MWU_EXACT &&
	    method != STATS_MWU_ASYMPTOTIC)
		return STATS_EINVAL;
	int rc = check_pair(a, na, b, nb, 1);
	if (rc)
		return rc;
	if (scratch_len < na + nb)
		return STATS_EINVAL;
	double *sa = scratch, *sb = scratch + na;
	memcpy(sa, a, na * sizeof *a);
	memcpy(sb, b, nb * sizeof *b);
	stats__sort(sa, na);
	stats__sort(sb, nb);
	/* walk both sorted samples in groups of equal values */
	double ranksum_a = 0.0, tie_term = 0.0;
	size_t i = 0, j = 0, rank = 0;
	while (i < na || j < nb) {
		double v = i < na && (j >= nb || sa[i] <= sb[j]) ? sa[i] : sb[j];
		size_t ca = 0, cb = 0;
		while (i < na && sa[i] == v) {
			i++;
			ca++;
		}
		while (j < nb && sb[j] == v) {
			j++;
			cb++;
		}
		double t = (double)(ca + cb);
		double avg = (double)rank + (t + 1.0) / 2.0;
		ranksum_a += (double)ca * avg;
		tie_term += t * t * t - t;
		rank += ca + cb;
	}
	double dna = (double)na, dnb = (double)nb, n = dna + dnb;
	double ua = ranksum_a - dna * (dna + 1.0) / 2.0;
	double ub = dna * dnb - ua;
	double u = ua > ub ? ua : ub;
	bool ties = tie_term > 0.0;
	bool exact;
	if (method == STATS_MWU_EXACT) {
		if (ties)
			return STATS_EINVAL;
		exact = true;
	} else if (method == STATS_MWU_ASYMPTOTIC) {
		exact = false;
	} else {
		exact = !ties && min_sz(na, nb) <= MWU_EXACT_MIN && max_sz(na, nb) <= MWU_EXACT_MAX;
	}
	struct stats_mwu r = {.u_a = ua, .exact = exact, .ties = ties};
	if (exact) {
		size_t need = na + nb + exact_len(na, nb);
		if (scratch_len < need)
			return STATS_EINVAL;
		/* P(U >= u) = P(U <= na nb - u) by symmetry; u >= na nb / 2 */
		size_t k = (size_t)(dna * dnb - u + 0.5);
		double p = 2.0 * mwu_cdf(min_sz(na, nb), max_sz(na, nb), k, scratch + na + nb);
		r.p = p > 1.0 ? 1.0 : p;
	} else {
		double sigma2 = dna * dnb / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
		if (!(sigma2 > 0.0)) {
			r.z = 0.0;
			r.p = 1.0;
		} else {
			r.z = (u - dna * dnb / 2.0 - 0.5) / sqrt(sigma2);
			double p = erfc(r.z / M_SQRT2); /* 2 * sf(z) */
			r.p = p > 1.0 ? 1.0 : p;
		}
	}
	*out = r;
	return STATS_OK;
}

/* --- ratio of means (Fieller) ------------------------------------------------ */

static void fieller(struct stats_ratio *r, double ma, double va, size_t na, double mb, double vb,
		    size_t nb, double confidence)
{
	/* va, vb: variances of the means */
	double q = mb / ma;
	r->ratio = q;
	r->change = q - 1.0;
	double den = vb * vb / (double)(nb - 1) + q * q * q * q * va * va / (double)(na - 1);
	if (den == 0.0) { /* both constant */
		r->lo = r->hi = q;
		r->bounded = true;
	} else {
		double s2 = vb + q * q * va;
		double df = s2 * s2 / den;
		double t;
		stats_t_quantile(&t, 0.5 + confidence / 2.0, df);
		double g = t * t * va / (ma * ma);
		if (g >= 1.0) {
			r->lo = -INFINITY;
			r->hi = INFINITY;
			r->bounded = false;
		} else {
			double rad = vb + q * q * va - g * vb;
			double h = t / ma * sqrt(rad > 0.0 ? rad : 0.0);
			r->lo = (q - h) / (1.0 - g);
			r->hi = (q + h) / (1.0 - g);
			r->bounded = true;
		}
	}
	r->change_lo = r->lo - 1.0;
	r->change_hi = r->hi - 1.0;
}

int stats_ratio_ci(struct stats_ratio *out, const double *a, size_t na, const double *b,
		   size_t nb, double confidence)
{
	if (!out || !(confidence > 0.0 && confidence < 1.0))
		return STATS_EINVAL;
	int rc = check_pair(a, na, b, nb, 2);
	if (rc)
		return rc;
	double ma, m2a, mb, m2b;
	stats__mean_m2(&ma, &m2a, a, na);
	stats__mean_m2(&mb, &m2b, b, nb);
	if (!(ma > 0.0))
		return STATS_EINVAL;
	fieller(out, ma, m2a / (double)(na - 1) / (double)na, na, mb,
		m2b / (double)(nb - 1) / (double)nb, nb, confidence);
	return STATS_OK;
}

/* --- verdict ----------------------------------------------------------------- */

const char *stats_verdict_name(enum stats_verdict v)
{
	switch (v) {
	case STATS_UNDECIDED:
		return "undecided";
	case STATS_UNCHANGED:
		return "unchanged";
	case STATS_SLOWER:
		return "slower";
	case STATS_FASTER:
		return "faster";
	}
	return "unknown";
}

const char *stats_metric_verdict_name(enum stats_verdict v, bool higher_is_better)
{
	switch (v) {
	case STATS_SLOWER:
		return higher_is_better ? "better" : "worse";
	case STATS_FASTER:
		return higher_is_better ? "worse" : "better";
	default:
		return stats_verdict_name(v);
	}
}

int stats_compare(struct stats_comparison *out, const double *a, size_t na, const double *b,
		  size_t nb, double alpha, double threshold)
{
	if (!out || !(alpha > 0.0 && alpha < 1.0) || !(threshold >= 0.0) || !isfinite(threshold))
		return STATS_EINVAL;
	int rc = check_pair(a, na, b, nb, 1);
	if (rc)
		return rc;
	struct stats_comparison c = {.verdict = STATS_UNDECIDED, .na = na, .nb = nb};
	if (na < 2 || nb < 2) {
		stats__mean_m2(&c.welch.mean_a, NULL, a, na);
		stats__mean_m2(&c.welch.mean_b, NULL, b, nb);
		c.welch.p = 1.0;
		if (!(c.welch.mean_a > 0.0))
			return STATS_EINVAL;
		c.ratio.ratio = c.welch.mean_b / c.welch.mean_a;
		c.ratio.change = c.ratio.ratio - 1.0;
		c.ratio.lo = c.ratio.change_lo = -INFINITY;
		c.ratio.hi = c.ratio.change_hi = INFINITY;
		*out = c;
		return STATS_OK;
	}
	welch(&c.welch, a, na, b, nb);
	if (!(c.welch.mean_a > 0.0))
		return STATS_EINVAL;
	double ma = c.welch.mean_a, mb = c.welch.mean_b;
	double m2a, m2b;
	stats__mean_m2(NULL, &m2a, a, na);
	stats__mean_m2(NULL, &m2b, b, nb);
	fieller(&c.ratio, ma, m2a / (double)(na - 1) / (double)na, na, mb,
		m2b / (double)(nb - 1) / (double)nb, nb, 1.0 - alpha);
	if (na >= 3 && nb >= 3 && c.ratio.bounded) {
		bool sig = c.welch.p < alpha;
		if (sig && c.ratio.change_lo > threshold)
			c.verdict = STATS_SLOWER;
		else if (sig && c.ratio.change_hi < -threshold)
			c.verdict = STATS_FASTER;
		else if (c.ratio.change_lo >= -threshold && c.ratio.change_hi <= threshold)
			c.verdict = STATS_UNCHANGED;
	}
	*out = c;
	return STATS_OK;
}

/* --- geometric mean of ratios ------------------------------------------------- */

int stats_geomean_ratios(struct stats_geomean *out, const double *ratio, const double *lo,
			 const double *hi, size_t k, double confidence)
{
	if (!out || (!ratio && k) || (!lo) != (!hi) || !(confidence > 0.0 && confidence < 1.0))
		return STATS_EINVAL;
	if (k == 0)
		return STATS_EEMPTY;
	for (size_t i = 0; i < k; i++) {
		if (!isfinite(ratio[i]) || (lo && (!isfinite(lo[i]) || !isfinite(hi[i]))))
			return STATS_ENONFINITE;
		if (!(ratio[i] > 0.0) || (lo && !(lo[i] > 0.0 && lo[i] <= ratio[i] && ratio[i] <= hi[i])))
			return STATS_EINVAL;
	}
	/* mean of logs, compensated */
	double s = 0.0, c = 0.0;
	for (size_t i = 0; i < k; i++) {
		double l = log(ratio[i]);
		double t = s + l;
		c += fabs(s) >= fabs(l) ? (s - t) + l : (l - t) + s;
		s = t;
	}
	double ml = (s + c) / (double)k;
	struct stats_geomean g = {.k = k, .geomean = exp(ml)};
	if (lo) {
		double z;
		stats_normal_quantile(&z, 0.5 + confidence / 2.0);
		double v = 0.0;
		for (size_t i = 0; i < k; i++) {
			double se = (log(hi[i]) - log(lo[i])) / (2.0 * z);
			v += se * se;
		}
		double h = z * sqrt(v) / (double)k;
		g.lo = exp(ml - h);
		g.hi = exp(ml + h);
	} else if (k == 1) {
		g.lo = 0.0;
		g.hi = INFINITY;
	} else {
		double q = 0.0;
		for (size_t i = 0; i < k; i++) {
			double d = log(ratio[i]) - ml;
			q += d * d;
		}
		double t;
		stats_t_quantile(&t, 0.5 + confidence / 2.0, (double)(k - 1));
		double h = t * sqrt(q / (double)(k - 1) / (double)k);
		g.lo = exp(ml - h);
		g.hi = exp(ml + h);
	}
	*out = g;
	return STATS_OK;
}
