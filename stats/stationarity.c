/* Stationarity of one run's iterations; see stationarity.h. */
#include "stats/stationarity.h"

#include <math.h>
#include <stdint.h>

#include "stats/changepoint.h"
#include "stats/internal.h"

#define ALIGN_UP(x) (((x) + 15u) & ~(size_t)15u)

size_t stats_stationarity_workspace_size(size_t n)
{
	return ALIGN_UP(n * sizeof(double)) + ALIGN_UP(n * sizeof(double)) +
	       stats_changepoint_workspace_size(n, n) + 16;
}

/* Permutations for a test at alpha: enough that p < alpha is reachable with
 * room to spare (p >= 1/(B+1)); early stopping keeps a stationary run cheap. */
static unsigned permutations_for(double alpha, size_t n)
{
	double b = fmin(ceil(10.0 / alpha) - 1.0, 1e7 / (double)n);
	return b < STATS_STATIONARITY_MIN_PERMUTATIONS	 ? STATS_STATIONARITY_MIN_PERMUTATIONS
	       : b > STATS_STATIONARITY_MAX_PERMUTATIONS ? STATS_STATIONARITY_MAX_PERMUTATIONS
							 : (unsigned)b;
}

static double median_of(const double *x, size_t n, double *scratch)
{
	for (size_t i = 0; i < n; i++)
		scratch[i] = x[i];
	return stats__percentile_inplace(scratch, n, 0.5);
}

int stats_stationarity_check(struct stats_stationarity *out, const double *times, size_t n,
			     double alpha, double min_change, void *work, size_t work_size)
{
	if (!out || (!times && n) || !(alpha > 0.0 && alpha < 1.0) ||
	    !(min_change >= 0.0 && isfinite(min_change)))
		return STATS_EINVAL;
	if (n == 0)
		return STATS_EEMPTY;
	if (!stats__all_finite(times, n))
		return STATS_ENONFINITE;
	for (size_t i = 0; i < n; i++)
		if (!(times[i] > 0.0))
			return STATS_EINVAL;
	struct stats_stationarity res = {.unstable = false, .index = 0, .p = 1.0, .change = 0.0};
	if (n < STATS_STATIONARITY_MIN_N) {
		*out = res;
		return STATS_OK;
	}
	if (!work || work_size < stats_stationarity_workspace_size(n))
		return STATS_EINVAL;
	uintptr_t p = ((uintptr_t)work + 15u) & ~(uintptr_t)15u;
	double *logs = (double *)p;
	p += ALIGN_UP(n * sizeof(double));
	double *scratch = (double *)p;
	p += ALIGN_UP(n * sizeof(double));
	void *cp_work = (void *)p;
	size_t cp_size = work_size - (size_t)(p - (uintptr_t)work);

	/* on logs: a step is relative, and the slow tail of a timing distribution
	 * weighs less */
	for (size_t i = 0; i < n; i++)
		logs[i] = log(times[i]);
	struct stats_changepoint_options o;
	stats_changepoint_options_init(&o);
	o.alpha = alpha;
	o.permutations = permutations_for(alpha, n);
	o.max_exceed = STATS_STATIONARITY_MAX_EXCEED;
	struct stats_changepoint cp;
	size_t count;
	int rc = stats_find_changepoints(&cp, &count, 1, logs, NULL, n, n, &o, cp_work, cp_size);
	if (rc)
		return rc;
	if (count == 1 && cp.p < alpha) {
		double before = median_of(times, cp.index, scratch);
		double after = median_of(times + cp.index, n - cp.index, scratch);
		res.index = cp.index;
		res.p = cp.p;
		res.change = after / before - 1.0;
		res.unstable = fabs(res.change) > min_change;
	}
	*out = res;
	return STATS_OK;
}
