/* Descriptive statistics over arrays of doubles.
 *
 * Pure computation: no I/O and no allocation. Functions that need to reorder
 * data take a caller-owned scratch array of n doubles. Every function returns
 * STATS_OK or a negative stats_error; outputs are written only on success. */
#ifndef BENCHFS_STATS_DESCRIBE_H
#define BENCHFS_STATS_DESCRIBE_H

#include <stddef.h>

enum stats_error {
	STATS_OK = 0,
	STATS_EEMPTY = -1,    /* n == 0, or fewer samples than the statistic needs */
	STATS_ENONFINITE = -2, /* an input is NaN or infinite */
	STATS_EINVAL = -3,    /* another invalid argument (NULL pointer, p outside [0,1], ...) */
};

/* A static English description of an error code. */
const char *stats_strerror(int err);

struct stats_summary {
	size_t n;
	double mean;
	double stddev; /* sample standard deviation (n - 1); 0 when n == 1 */
	double median;
	double min;
	double max;
	double mad;    /* median absolute deviation, unscaled */
	double cv;     /* stddev / mean; 0 when mean == 0 */
};

int stats_mean(double *out, const double *x, size_t n);
/* Sample standard deviation (n - 1 denominator); needs n >= 2. */
int stats_stddev(double *out, const double *x, size_t n);
/* Percentile p in [0, 1] by linear interpolation (numpy's default). */
int stats_percentile(double *out, const double *x, size_t n, double p, double *scratch);
int stats_median(double *out, const double *x, size_t n, double *scratch);
int stats_mad(double *out, const double *x, size_t n, double *scratch);
/* All of the above at once; n >= 1 (stddev is 0 for n == 1). */
int stats_describe(struct stats_summary *out, const double *x, size_t n, double *scratch);

#endif
