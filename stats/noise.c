/* Between-run noise and the comparison of separate runs; see noise.h. */
#include "stats/noise.h"

#include <math.h>

#include "stats/distributions.h"
#include "stats/internal.h"

/* 1 / Phi^-1(3/4): makes the MAD of normal data estimate its sd */
#define MAD_TO_SD 1.4826
/* Runs on each side of a difference whose medians tell a step from a spike */
#define STEP_WINDOW 5
/* A difference is tested as a step only beyond this many sds of the centre */
#define STEP_OUTLYING 3.0

/* The median of the STEP_WINDOW values at x (copied: x is left as it is). */
static double window_median(const double *x)
{
	double w[STEP_WINDOW];
	for (size_t i = 0; i < STEP_WINDOW; i++)
		w[i] = x[i];
	return stats__percentile_inplace(w, STEP_WINDOW, 0.5);
}

/* Whether difference i (from run i to run i + 1) is a lasting change of
 * level rather than a run in another state of the load: it lies far out
 * (beyond STEP_OUTLYING sds of the differences' centre) and the medians of
 * the STEP_WINDOW runs before and after it differ by at least half of it,
 * the same way. Differences nearer an end than the window are kept. */
static bool is_step(const double *x, size_t n, size_t i, double d, double med, double scale)
{
	if (fabs(d - med) <= STEP_OUTLYING * scale || i + 1 < STEP_WINDOW ||
	    i + 1 + STEP_WINDOW > n)
		return false;
	double change = window_median(x + i + 1) - window_median(x + i + 1 - STEP_WINDOW);
	return fabs(change) >= fabs(d) / 2.0 && change * d > 0.0;
}

/* The sd of the differences that matches their tail: the largest of
 * |d|_(k) / Phi^-1(1/2 + p_k / 2), p_k = (k + 1) / (m + 1), over the order
 * statistics k from the median up (see noise.h). a: the m absolute
 * deviations, sorted here. */
static int tail_sd(double *out, double *a, size_t m)
{
	double best = 0.0;
	stats__sort(a, m);
	for (size_t k = m / 2; k < m; k++) {
		double z;
		int rc = stats_normal_quantile(&z, 0.5 + 0.5 * (double)(k + 1) / (double)(m + 1));
		if (rc)
			return rc;
		best = fmax(best, a[k] / z);
	}
	*out = best;
	return STATS_OK;
}

/* Student's t for an estimate with its standard error and degrees of
 * freedom: t, the two-sided p and the quantile q of the interval at
 * confidence (estimate +- q se). With no noise at all (se 0) any difference
 * is certain: t infinite, p 0, and the interval the estimate itself. */
static int student(double *t, double *p, double *q, double est, double se, double df,
		   double confidence)
{
	int rc;
	if (se == 0.0) {
		*t = est == 0.0 ? 0.0 : (est > 0.0 ? INFINITY : -INFINITY);
		*p = est == 0.0 ? 1.0 : 0.0;
		*q = 0.0;
		return STATS_OK;
	}
	*t = est / se;
	if ((rc = stats_t_pvalue(p, *t, df)))
		return rc;
	return stats_t_quantile(q, 0.5 + confidence / 2.0, df);
}

/* The run-level sd behind a comparison of separate runs: the replicates'
 * squared deviations (ss, with rdf degrees of freedom) pooled with the host's
 * noise when known, both estimating the same run-level variance, by their
 * degrees of freedom (the history's is an effective df, see noise.h). *hist:
 * whether the host's noise took part. STATS_EINVAL for a known noise that is
 * not a valid estimate, STATS_EEMPTY when neither source has any df. */
static int pooled_sd(double *s, double *df, bool *hist, double ss, double rdf,
		     const struct stats_run_noise *noise)
{
	*hist = noise && noise->known;
	if (*hist && !(isfinite(noise->sigma) && noise->sigma >= 0.0 && isfinite(noise->df) &&
		       noise->df > 0.0))
		return STATS_EINVAL;
	if (!*hist && rdf == 0.0)
		return STATS_EEMPTY;
	*df = rdf;
	if (*hist) {
		ss += noise->df * noise->sigma * noise->sigma;
		*df += noise->df;
	}
	*s = sqrt(ss / *df);
	return STATS_OK;
}

int stats_run_noise(struct stats_run_noise *out, const double *log_values, size_t n,
		    double *scratch)
{
	if (!out || !scratch)
		return STATS_EINVAL;
	int rc = stats__check_sample(log_values, n, 2);
	if (rc)
		return rc;
	size_t m = n - 1;
	double *d = scratch, *a = scratch + m;
	for (size_t i = 0; i < m; i++)
		d[i] = log_values[i + 1] - log_values[i];
	/* deviations about the median difference: a slow drift shifts every
	 * difference alike and so does not count as noise */
	for (size_t i = 0; i < m; i++)
		a[i] = d[i];
	double med = stats__percentile_inplace(a, m, 0.5);
	for (size_t i = 0; i < m; i++)
		a[i] = fabs(d[i] - med);
	double scale = MAD_TO_SD * stats__percentile_inplace(a, m, 0.5);
	size_t kept = 0;
	for (size_t i = 0; i < m; i++)
		if (!is_step(log_values, n, i, d[i], med, scale))
			a[kept++] = fabs(d[i] - med);
	/* (two lasting changes in three differences: keep them all) */
	if (kept < 2)
		for (kept = 0; kept < m; kept++)
			a[kept] = fabs(d[kept] - med);
	double sigma;
	if ((rc = tail_sd(&sigma, a, kept)))
		return rc;
	/* rustc-perf's fence on the relative changes */
	for (size_t i = 0; i < m; i++)
		a[i] = fabs(expm1(d[i]));
	double q1 = stats__percentile_inplace(a, m, 0.25);
	double q3 = stats__percentile_inplace(a, m, 0.75);

	out->n_diffs = m;
	out->n_steps = m - kept;
	out->sigma = sigma / sqrt(2.0);
	out->df = (double)(kept - 1);
	out->threshold = q3 + 1.5 * (q3 - q1);
	out->known = m >= STATS_NOISE_MIN_DIFFS;
	return STATS_OK;
}

int stats_runs_compare(struct stats_runs_comparison *out, const double *log_a, size_t ra,
		       const double *log_b, size_t rb, const struct stats_run_noise *noise,
		       double confidence)
{
	if (!out || !(confidence > 0.0 && confidence < 1.0))
		return STATS_EINVAL;
	int rc = stats__check_sample(log_a, ra, 1);
	if (!rc)
		rc = stats__check_sample(log_b, rb, 1);
	if (rc)
		return rc;
	double ma, m2a, mb, m2b, s, df;
	double rdf = (double)(ra - 1) + (double)(rb - 1);
	bool hist;
	stats__mean_m2(&ma, &m2a, log_a, ra);
	stats__mean_m2(&mb, &m2b, log_b, rb);
	if ((rc = pooled_sd(&s, &df, &hist, m2a + m2b, rdf, noise)))
		return rc;
	double est = mb - ma;
	double se = s * sqrt(1.0 / (double)ra + 1.0 / (double)rb);
	double t, p, q;
	if ((rc = student(&t, &p, &q, est, se, df, confidence)))
		return rc;
	*out = (struct stats_runs_comparison){
		.ra = ra,
		.rb = rb,
		.estimate = est,
		.se = se,
		.df = df,
		.t = t,
		.p = p,
		.lo = est - q * se,
		.hi = est + q * se,
		.sigma = s,
		.from_history = hist,
		.from_replicates = rdf > 0.0,
	};
	return STATS_OK;
}

int stats_runs_against_limit(struct stats_limit_test *out, const double *log_values, size_t r,
			     double log_limit, const struct stats_run_noise *noise,
			     double confidence)
{
	if (!out || !(confidence > 0.0 && confidence < 1.0) || !isfinite(log_limit))
		return STATS_EINVAL;
	int rc = stats__check_sample(log_values, r, 1);
	if (rc)
		return rc;
	double m, m2, s, df;
	double rdf = (double)(r - 1);
	bool hist;
	stats__mean_m2(&m, &m2, log_values, r);
	if ((rc = pooled_sd(&s, &df, &hist, m2, rdf, noise)))
		return rc;
	double est = m - log_limit;
	double se = s / sqrt((double)r);
	double t, p, q;
	if ((rc = student(&t, &p, &q, est, se, df, confidence)))
		return rc;
	*out = (struct stats_limit_test){
		.runs = r,
		.estimate = est,
		.se = se,
		.df = df,
		.t = t,
		.p = p,
		.lo = est - q * se,
		.hi = est + q * se,
		.sigma = s,
		.from_history = hist,
		.from_replicates = rdf > 0.0,
	};
	return STATS_OK;
}
