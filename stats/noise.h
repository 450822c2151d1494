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

/* A host's run-to-run noise for one benchmark, from its runs' log means in
 * the order they ran. The differences of consecutive runs are used, so that
 * a real change between two runs spoils only the difference that straddles
 * it, taken about their median (numpy's), so that a slow drift that moves
 * every difference alike is not counted as noise:
 *   sigma = max over k of |d|_(k) / Phi^-1(1/2 + p_k / 2) / sqrt(2)
 *           (sd of one run's log mean), |d|_(0) <= ... <= |d|_(m'-1) the
 *           absolute deviations about the median difference, sorted,
 *           p_k = (k + 1) / (m' + 1), k from m' / 2 (the median) to the
 *           largest, over the m' differences that are not steps:
 *   steps = the differences lying beyond 3 MAD-sds (1.4826 MAD) of the
 *           median difference where the medians of the 5 runs before and
 *           the 5 runs after differ by at least half of it, the same way: a
 *           lasting change of level (a real change of code, or of machine),
 *           not a run in another state of the load, which comes and goes
 *           (differences nearer an end than 5 runs are kept; with fewer
 *           than 2 left, all are)
 *   df    = m' - 1
 *   threshold = Q3 + 1.5 IQR of |exp(d) - 1|, rustc-perf's fence on
 *           relative run-to-run changes: a change above it is unusual here.
 *
 * Why the tail and not the centre: on a shared machine whole runs fall in
 * one state of the other load (a hog on or off for seconds), so run values
 * are a mixture and their differences have tails far heavier than a normal
 * law with the centre's spread. A scale taken from the centre (the MAD, as
 * before) then makes two runs in different states look like a change: on
 * this project's VM under bench/interfere, A/A comparisons of separate runs
 * alarmed in up to 16% of cases at alpha 1% with 50-99 runs of history
 * (bench/README.md, "noise_model.sh"). The sd matched to the largest
 * observed quantiles is the normal law that covers the tail the history has
 * shown. Simulated (one run a side,
 * histories of 10-100 differences; tests/stats/gen_fixtures_noise.py
 * --calibrate prints the table), against the MAD model:
 *   normal runs: false alarms at alpha 1% 0.2-0.7% (MAD 0.3-1.0%; the
 *     maximum over k is biased up, so it is conservative); found at 6 run
 *     sds of change 0.52-0.87 (MAD 0.33-0.92);
 *   10% of runs hit by interference: false alarms 2.1% at 10 differences,
 *     1.4% at 20, 0.3-0.7% at 40-100 (MAD 1.9-9.2%, growing with history);
 *   two real steps in the history: they are left out, and the power stays
 *     what it is without them (0.57-0.85 at 6 sds with 20-100 differences).
 * df = m' - 1 is a convention, not an exact law: those simulations are its
 * justification. A history shorter than its tail cannot show it: with 11-25
 * runs a heavy-tailed host still gets a few percent of false alarms, which
 * is what A/B jobs are for. */
struct stats_run_noise {
	size_t n_diffs;
	size_t n_steps; /* differences left out as lasting changes of level */
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
 * log_b[rb] are their runs' log means (noise must come from other runs: its
 * sd follows its tail, which their own difference would join). The variance
 * of one run's value is
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
