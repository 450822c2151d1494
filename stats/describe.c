/* Descriptive statistics; see describe.h. */
#include "stats/describe.h"

#include <math.h>
#include <string.h>

#include "stats/internal.h"
#include "stats/internal_sort.h"

const char *stats_strerror(int err)
{
	switch (err) {
	case STATS_OK:
		return "success";
	case STATS_EEMPTY:
		return "not enough samples";
	case STATS_ENONFINITE:
		return "input contains NaN or infinity";
	case STATS_EINVAL:
		return "invalid argument";
	default:
		return "unknown stats error";
	}
}

bool stats__all_finite(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return false;
	return true;
}

double stats__sum(const double *x, size_t n)
{
	double s = 0.0, c = 0.0;
	for (size_t i = 0; i < n; i++) {
		double t = s + x[i];
		if (fabs(s) >= fabs(x[i]))
			c += (s - t) + x[i];
		else
			c += (x[i] - t) + s;
		s = t;
	}
	return s + c;
}

void stats__mean_m2(double *mean, double *m2, const double *x, size_t n)
{
	double m = stats__sum(x, n) / (double)n;
	/* second pass: correct the mean and accumulate squared deviations */
	double s = 0.0, cs = 0.0, q = 0.0, cq = 0.0;
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - m;
		double t = s + d;
		cs += fabs(s) >= fabs(d) ? (s - t) + d : (d - t) + s;
		s = t;
		double d2 = d * d;
		double u = q + d2;
		cq += q >= d2 ? (q - u) + d2 : (d2 - u) + q;
		q = u;
	}
	s += cs;
	q += cq;
	if (mean)
		*mean = m + s / (double)n;
	if (m2) {
		double v = q - s * s / (double)n;
		*m2 = v > 0.0 ? v : 0.0;
	}
}

static void swap(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

#define LESS_DOUBLE(x, y) ((x) < (y))
DEFINE_STATS_SORT(sort_doubles, double, LESS_DOUBLE)

void stats__sort(double *a, size_t n)
{
	sort_doubles(a, n);
}

void stats__select(double *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* [lo, hi) contains position k */
	int budget = 2 * 64;
	while (hi - lo > 16) {
		if (budget-- == 0) {
			stats__sort(a + lo, hi - lo);
			return;
		}
		size_t mid = lo + (hi - lo) / 2;
		/* median of three into a[mid] */
		if (a[mid] < a[lo])
			swap(&a[mid], &a[lo]);
		if (a[hi - 1] < a[lo])
			swap(&a[hi - 1], &a[lo]);
		if (a[hi - 1] < a[mid])
			swap(&a[hi - 1], &a[mid]);
		double pivot = a[mid];
		/* Hoare partition */
		size_t i = lo, j = hi - 1;
		for (;;) {
			while (a[i] < pivot)
				i++;
			while (pivot < a[j])
				j--;
			if (i >= j)
				break;
			swap(&a[i], &a[j]);
			i++;
			j--;
		}
		/* now a[lo..j] <= pivot <= a[j+1..hi) */
		if (k <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	stats__sort(a + lo, hi - lo);
}

static double lerp(double a, double b, double t)
{
	/* numpy's _lerp: monotone and exact at both ends */
	double d = b - a;
	return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

double stats__percentile_inplace(double *a, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	double fl = floor(h);
	size_t lo = (size_t)fl;
	if (lo >= n - 1) {
		stats__select(a, n, n - 1);
		return a[n - 1];
	}
	stats__select(a, n, lo);
	double x0 = a[lo];
	double x1 = a[lo + 1];
	for (size_t i = lo + 2; i < n; i++)
		if (a[i] < x1)
			x1 = a[i];
	double t = h - fl;
	if (t == 0.0)
		return x0;
	return lerp(x0, x1, t);
}

int stats__check_sample(const double *x, size_t n, size_t need)
{
	if (!x && n)
		return STATS_EINVAL;
	if (n < need)
		return STATS_EEMPTY;
	if (!stats__all_finite(x, n))
		return STATS_ENONFINITE;
	return STATS_OK;
}

int stats_mean(double *out, const double *x, size_t n)
{
	if (!out)
		return STATS_EINVAL;
	int rc = stats__check_sample(x, n, 1);
	if (rc)
		return rc;
	stats__mean_m2(out, NULL, x, n);
	return STATS_OK;
}

int stats_stddev(double *out, const double *x, size_t n)
{
	if (!out)
		return STATS_EINVAL;
	int rc = stats__check_sample(x, n, 2);
	if (rc)
		return rc;
	double m2;
	stats__mean_m2(NULL, &m2, x, n);
	*out = sqrt(m2 / (double)(n - 1));
	return STATS_OK;
}

int stats_percentile(double *out, const double *x, size_t n, double p, double *scratch)
{
	if (!out || !scratch || !(p >= 0.0 && p <= 1.0))
		return STATS_EINVAL;
	int rc = stats__check_sample(x, n, 1);
	if (rc)
		return rc;
	memcpy(scratch, x, n * sizeof *x);
	*out = stats__percentile_inplace(scratch, n, p);
	return STATS_OK;
}

int stats_median(double *out, const double *x, size_t n, double *scratch)
{
	return stats_percentile(out, x, n, 0.5, scratch);
}

/* median of x, then MAD; scratch reordered */
static void median_mad(double *med, double *mad, const double *x, size_t n, double *scratch)
{
	memcpy(scratch, x, n * sizeof *x);
	double m = stats__percentile_inplace(scratch, n, 0.5);
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(x[i] - m);
	*med = m;
	*mad = stats__percentile_inplace(scratch, n, 0.5);
}

int stats_mad(double *out, const double *x, size_t n, double *scratch)
{
	if (!out || !scratch)
		return STATS_EINVAL;
	int rc = stats__check_sample(x, n, 1);
	if (rc)
		return rc;
	double med;
	median_mad(&med, out, x, n, scratch);
	return STATS_OK;
}

int stats_describe(struct stats_summary *out, const double *x, size_t n, double *scratch)
{
	if (!out || !scratch)
		return STATS_EINVAL;
	int rc = stats__check_sample(x, n, 1);
	if (rc)
		return rc;
	struct stats_summary s = {.n = n};
	double m2;
	stats__mean_m2(&s.mean, &m2, x, n);
	s.stddev = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0.0;
	s.min = s.max = x[0];
	for (size_t i = 1; i < n; i++) {
		if (x[i] < s.min)
			s.min = x[i];
		if (x[i] > s.max)
			s.max = x[i];
	}
	median_mad(&s.median, &s.mad, x, n, scratch);
	s.cv = s.mean != 0.0 ? s.stddev / s.mean : 0.0;
	*out = s;
	return STATS_OK;
}
