/* Outlier detection; see outliers.h. */
#include "stats/outliers.h"

#include <math.h>
#include <string.h>

#include "stats/describe.h"
#include "stats/internal.h"

static int check(const double *x, size_t n, const double *scratch, size_t *count)
{
	if (!count || !scratch || (!x && n))
		return STATS_EINVAL;
	if (n == 0)
		return STATS_EEMPTY;
	if (!stats__all_finite(x, n))
		return STATS_ENONFINITE;
	return STATS_OK;
}

int stats_outliers_mad(size_t *count, size_t *indices, const double *x, size_t n,
		       double threshold, double *scratch)
{
	int rc = check(x, n, scratch, count);
	if (rc)
		return rc;
	if (!(threshold > 0.0) || !isfinite(threshold))
		return STATS_EINVAL;
	memcpy(scratch, x, n * sizeof *x);
	double med = stats__percentile_inplace(scratch, n, 0.5);
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(x[i] - med);
	double mad = stats__percentile_inplace(scratch, n, 0.5);
	size_t c = 0;
	if (mad > 0.0) {
		double scale = 1.4826 * mad;
		for (size_t i = 0; i < n; i++) {
			if (fabs(x[i] - med) / scale > threshold) {
				if (indices)
					indices[c] = i;
				c++;
			}
		}
	}
	*count = c;
	return STATS_OK;
}

int stats_outliers_tukey(size_t *count, size_t *indices, const double *x, size_t n,
			 double k, double *scratch)
{
	int rc = check(x, n, scratch, count);
	if (rc)
		return rc;
	if (!(k >= 0.0) || !isfinite(k))
		return STATS_EINVAL;
	memcpy(scratch, x, n * sizeof *x);
	double q1 = stats__percentile_inplace(scratch, n, 0.25);
	double q3 = stats__percentile_inplace(scratch, n, 0.75);
	double iqr = q3 - q1;
	double lo = q1 - k * iqr, hi = q3 + k * iqr;
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		if (x[i] < lo || x[i] > hi) {
			if (indices)
				indices[c] = i;
			c++;
		}
	}
	*count = c;
	return STATS_OK;
}
