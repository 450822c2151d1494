/* Between-run noise: a run is a cluster. The iterations of one run share the
 * machine's state during that run, so two separate runs differ by more than
 * their within-run spread suggests. These functions work on one value per
 * run, the log of its mean time, and treat the run as a random effect.
 * Pure computation, scratch from the caller. */
#ifndef BENCHFS_STATS_NOISE_H
#define BENCHFS_STATS_NOISE_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/describe.h"

/* Fewest consecutive-run differences before a host's noise is taken as known. */
#define STATS_NOISE_MIN_DIFFS 10
/* Effective degrees of freedom of sigma per difference (see below). */
#define STATS_NOISE_DF_PER_DIFF 0.3030334882247677

/* A host's run-to-run noise for one benchmark, from its runs' log means in
 * the order they ran. The differences of consecutive runs are used, so that
 * a real change between two runs spoils only the differences that straddle
 * it, and their spread is taken robustly (MAD), so that a few such steps
 * and runs hit by interference do not inflate it:
 *   sigma = 1.4826 * MAD(diffs) / sqrt(2)   (sd of one run's log mean)
 *   df    = an effective degrees of freedom for that estimate (MAD's
 *           efficiency and the overlap of consecutive differences)
 *   threshold = Q3 + 1.5 IQR of |exp(diff) - 1|, rustc-perf's fence on
 *           relative run-to-run changes: a change above it is unusual here.
 * The MAD is taken about the median difference (numpy's median), so a slow
 * drift that moves every difference alike is not counted as noise.
 *
 * df = STATS_NOISE_DF_PER_DIFF * n_diffs. For m iid normal values the MAD's
 * sd estimate has asymptotic variance 1.3605 sigma^2 / m against 1/(2m) for
 * the sample sd (efficiency 0.3675); an estimate with df nu has variance
 * sigma^2 / (2 nu), so m iid values are worth 0.3675 m df. Consecutive
 * differences are MA(1) with correlation -1/2: the MAD's influence function,
 * sign(|d| - q), then has lag-1 correlation 4 P(|X|,|Y| < 0.6745) - 1 =
 * 0.1064 for that bivariate normal (lag 2 and beyond are independent), which
 * multiplies the variance by 1 + 2 * 0.1064. Hence 0.3675 / 1.2128 = 0.3030
 * df per difference. A simulation of Student intervals using sigma and this
 * df (tests/stats/gen_fixtures_noise.py prints it) finds the df that would
 * give exact 95% / 99% / 99.9% coverage between 0.34 m and 0.41 m for
 * m = 10 .. 200, approaching 0.303 m from above: the asymptotic value is
 * slightly conservative for short histories and exact for long ones. */
struct stats_run_noise {
	size_t n_diffs;
	double sigma;
	double df;
	double threshold;
	bool known; /* n_diffs >= STATS_NOISE_MIN_DIFFS */
};
/* n >= 2 log values (fewer: STATS_EEMPTY; NaN or inf: STATS_ENONFINITE).
 * scratch: 2n doubles. */
int stats_run_noise(struct stats_run_noise *out, const double *log_values, size_t n,
		    double *scratch);

/* Two sets of separate runs compared with the between-run noise: log_a[ra],
 * log_b[rb] are their runs' log means. The variance of one run's value is
 * taken from the host's noise (when given and known) pooled with the spread
 * of the sides' own replicate runs (ra - 1 + rb - 1 degrees of freedom);
 * with neither, STATS_EEMPTY (the comparison cannot be judged).
 *   estimate = mean(log_b) - mean(log_a),  se = s * sqrt(1/ra + 1/rb),
 *   p from Student's t with the pooled df, interval at confidence.
 * Pooling: s^2 = (noise->df * noise->sigma^2 + SS_a + SS_b) / df with
 * df = noise->df + (ra - 1) + (rb - 1) (SS: squared deviations of each side's
 * log values about its own mean), omitting the history's terms when noise is
 * NULL or not known. estimate, se, lo and hi are on the log scale (exp() of
 * them are ratios b/a). When s == 0 (no spread at all): equal means give
 * t = 0, p = 1, otherwise t = +-inf, p = 0; the interval is [estimate,
 * estimate]. ra, rb >= 1; confidence in (0, 1) else STATS_EINVAL; a known
 * noise with a negative or non-finite sigma or df <= 0 is STATS_EINVAL. */
struct stats_runs_comparison {
	size_t ra, rb;
	double estimate, se, df, t, p, lo, hi;
	double sigma;          /* the run-level sd used */
	bool from_history;     /* the host's noise took part */
	bool from_replicates;  /* the sides' own repeated runs took part */
};
int stats_runs_compare(struct stats_runs_comparison *out, const double *log_a, size_t ra,
		       const double *log_b, size_t rb, const struct stats_run_noise *noise,
		       double confidence);

/* The runs of one commit against a fixed limit (a service level's ceiling):
 * log_values[r] are its runs' log values (the log of each run's mean or
 * median) and log_limit the log of the limit. The run is the unit, as in
 * stats_runs_compare, and the variance of one run's value is pooled from
 * the host's noise (when given and known) and the runs' own spread:
 *   estimate = mean(log_values) - log_limit,  se = s / sqrt(r),
 *   s^2 = (noise->df * noise->sigma^2 + SS) / df,  df = noise->df + (r - 1)
 * (the history's terms omitted when noise is NULL or not known; with
 * neither a known noise nor r >= 2, STATS_EEMPTY: a single run cannot say
 * how far its value may be from the commit's). p is Student's two-sided
 * p-value of estimate = 0, [lo, hi] the interval at confidence, on the log
 * scale (exp() of them are ratios value / limit): the limit is exceeded
 * when lo > 0 and met when hi <= 0. When s == 0 the interval is
 * [estimate, estimate] and p is 1 (on the limit) or 0. r >= 1; log_limit
 * finite; confidence in (0, 1) else STATS_EINVAL; a known noise with a
 * negative or non-finite sigma or df <= 0 is STATS_EINVAL. */
struct stats_limit_test {
	size_t runs;
	double estimate, se, df, t, p, lo, hi;
	double sigma;          /* the run-level sd used */
	bool from_history;     /* the host's noise took part */
	bool from_replicates;  /* the commit's own repeated runs took part */
};
int stats_runs_against_limit(struct stats_limit_test *out, const double *log_values, size_t r,
			     double log_limit, const struct stats_run_noise *noise,
			     double confidence);

#endif
