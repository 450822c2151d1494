/* Descriptive statistics and outliers against SciPy/NumPy reference values. */
#include <stdlib.h>
#include <string.h>

#include "stats/describe.h"
#include "stats/outliers.h"
#include "tests/stats/check.h"
#include "tests/stats/fixtures.h"

static double *large_data(size_t k)
{
	const struct fx_large *L = &fx_large[k];
	double *x = malloc(L->n * sizeof *x);
	assert_non_null(x);
	for (size_t i = 0; i < L->n; i++)
		x[i] = L->off + (double)(((long long)i * L->mul) % L->mod) * L->scale;
	return x;
}

static const double *data_of(int src, int ds, size_t *n, double **owned)
{
	*owned = NULL;
	if (src == 0) {
		*n = fx_datasets[ds].n;
		return fx_datasets[ds].x;
	}
	*n = fx_large[ds].n;
	*owned = large_data((size_t)ds);
	return *owned;
}

static void test_describe_fixtures(void **state)
{
	(void)state;
	for (size_t k = 0; k < FX_COUNT(fx_describe); k++) {
		const struct fx_describe *f = &fx_describe[k];
		double *owned;
		size_t n;
		const double *x = data_of(f->src, f->ds, &n, &owned);
		double *scratch = malloc(n * sizeof *scratch);
		struct stats_summary s;
		assert_int_equal(stats_describe(&s, x, n, scratch), STATS_OK);
		assert_int_equal(s.n, f->n);
		char what[96];
		snprintf(what, sizeof what, "describe %zu mean", k);
		assert_close(s.mean, f->mean, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "describe %zu sd", k);
		assert_close(s.stddev, f->sd, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "describe %zu median", k);
		assert_close(s.median, f->median, REL_DESCRIBE, what);
		assert_true(s.min == f->min && s.max == f->max);
		snprintf(what, sizeof what, "describe %zu mad", k);
		assert_close(s.mad, f->mad, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "describe %zu cv", k);
		assert_close(s.cv, f->cv, REL_DESCRIBE, what);

		/* the single-statistic functions agree with stats_describe */
		double v;
		assert_int_equal(stats_mean(&v, x, n), STATS_OK);
		assert_true(v == s.mean);
		if (n >= 2) {
			assert_int_equal(stats_stddev(&v, x, n), STATS_OK);
			assert_true(v == s.stddev);
		} else {
			assert_int_equal(stats_stddev(&v, x, n), STATS_EEMPTY);
		}
		assert_int_equal(stats_median(&v, x, n, scratch), STATS_OK);
		assert_true(v == s.median);
		assert_int_equal(stats_mad(&v, x, n, scratch), STATS_OK);
		assert_true(v == s.mad);
		free(scratch);
		free(owned);
	}
}

static void test_percentile_fixtures(void **state)
{
	(void)state;
	int last_src = -1, last_ds = -1;
	double *owned = NULL, *scratch = NULL;
	const double *x = NULL;
	size_t n = 0;
	for (size_t k = 0; k < FX_COUNT(fx_percentile); k++) {
		const struct fx_percentile *f = &fx_percentile[k];
		if (f->src != last_src || f->ds != last_ds) {
			free(owned);
			free(scratch);
			x = data_of(f->src, f->ds, &n, &owned);
			scratch = malloc(n * sizeof *scratch);
			last_src = f->src;
			last_ds = f->ds;
		}
		double v;
		assert_int_equal(stats_percentile(&v, x, n, f->p, scratch), STATS_OK);
		char what[96];
		snprintf(what, sizeof what, "percentile src %d ds %d p %g", f->src, f->ds, f->p);
		assert_close(v, f->value, REL_DESCRIBE, what);
	}
	free(owned);
	free(scratch);
}

static void test_outlier_fixtures(void **state)
{
	(void)state;
	for (size_t k = 0; k < FX_COUNT(fx_outliers); k++) {
		const struct fx_outliers *f = &fx_outliers[k];
		const struct fx_dataset *d = &fx_datasets[f->ds];
		double scratch[1000];
		size_t idx[1000], count = 99;
		assert_true(d->n <= 1000);
		int rc = f->tukey ? stats_outliers_tukey(&count, idx, d->x, d->n, f->param, scratch)
				  : stats_outliers_mad(&count, idx, d->x, d->n, f->param, scratch);
		assert_int_equal(rc, STATS_OK);
		if (count != f->count)
			fail_msg("outliers %zu (%s, tukey %d, %g): %zu, want %zu", k, d->name, f->tukey,
				 f->param, count, f->count);
		for (size_t i = 0; i < count; i++)
			assert_int_equal(idx[i], f->idx[i]);
		/* indices may be NULL */
		size_t c2;
		rc = f->tukey ? stats_outliers_tukey(&c2, NULL, d->x, d->n, f->param, scratch)
			      : stats_outliers_mad(&c2, NULL, d->x, d->n, f->param, scratch);
		assert_int_equal(rc, STATS_OK);
		assert_int_equal(c2, count);
	}
	/* the fixture with planted outliers really has some at hyperfine's threshold */
	double scratch[64];
	size_t idx[64], count;
	const struct fx_dataset *d = &fx_datasets[FX_OUTL];
	assert_int_equal(stats_outliers_mad(&count, idx, d->x, d->n, STATS_MODIFIED_Z_THRESHOLD, scratch),
			 STATS_OK);
	assert_int_equal(count, 3);
	assert_int_equal(idx[0], 3);
	assert_int_equal(idx[1], 17);
	assert_int_equal(idx[2], 41);
}

static void test_invalid_input(void **state)
{
	(void)state;
	double scratch[8], v = 42.0;
	const double ok[] = {1.0, 2.0, 3.0};
	const double with_nan[] = {1.0, NAN, 3.0};
	const double with_inf[] = {1.0, 2.0, -INFINITY};
	struct stats_summary s;
	size_t count;
	assert_int_equal(stats_mean(&v, ok, 0), STATS_EEMPTY);
	assert_int_equal(stats_mean(&v, with_nan, 3), STATS_ENONFINITE);
	assert_int_equal(stats_mean(&v, with_inf, 3), STATS_ENONFINITE);
	assert_int_equal(stats_mean(NULL, ok, 3), STATS_EINVAL);
	assert_int_equal(stats_mean(&v, NULL, 3), STATS_EINVAL);
	assert_int_equal(stats_stddev(&v, ok, 1), STATS_EEMPTY);
	assert_int_equal(stats_stddev(&v, with_nan, 3), STATS_ENONFINITE);
	assert_int_equal(stats_percentile(&v, ok, 3, 1.5, scratch), STATS_EINVAL);
	assert_int_equal(stats_percentile(&v, ok, 3, -0.1, scratch), STATS_EINVAL);
	assert_int_equal(stats_percentile(&v, ok, 3, NAN, scratch), STATS_EINVAL);
	assert_int_equal(stats_percentile(&v, ok, 3, 0.5, NULL), STATS_EINVAL);
	assert_int_equal(stats_percentile(&v, ok, 0, 0.5, scratch), STATS_EEMPTY);
	assert_int_equal(stats_median(&v, with_inf, 3, scratch), STATS_ENONFINITE);
	assert_int_equal(stats_mad(&v, with_nan, 3, scratch), STATS_ENONFINITE);
	assert_int_equal(stats_describe(&s, ok, 0, scratch), STATS_EEMPTY);
	assert_int_equal(stats_describe(&s, with_nan, 3, scratch), STATS_ENONFINITE);
	assert_int_equal(stats_outliers_mad(&count, NULL, ok, 0, 3.5, scratch), STATS_EEMPTY);
	assert_int_equal(stats_outliers_mad(&count, NULL, with_nan, 3, 3.5, scratch), STATS_ENONFINITE);
	assert_int_equal(stats_outliers_mad(&count, NULL, ok, 3, -1.0, scratch), STATS_EINVAL);
	assert_int_equal(stats_outliers_tukey(&count, NULL, with_inf, 3, 1.5, scratch),
			 STATS_ENONFINITE);
	assert_int_equal(stats_outliers_tukey(&count, NULL, ok, 3, NAN, scratch), STATS_EINVAL);
	assert_true(v == 42.0); /* outputs untouched on error */
	for (int e = 0; e >= -4; e--)
		assert_non_null(stats_strerror(e));

	/* one sample */
	const double one[] = {7.0};
	assert_int_equal(stats_describe(&s, one, 1, scratch), STATS_OK);
	assert_true(s.mean == 7.0 && s.stddev == 0.0 && s.median == 7.0 && s.mad == 0.0);
}

static void test_stability(void **state)
{
	(void)state;
	/* 1e6 samples around 1e9 with spread 1: naive sum of squares loses everything */
	size_t n = 1000000;
	double *x = malloc(n * sizeof *x);
	for (size_t i = 0; i < n; i++)
		x[i] = 1e9 + (i % 2 ? 0.5 : -0.5);
	double m, sd;
	assert_int_equal(stats_mean(&m, x, n), STATS_OK);
	assert_int_equal(stats_stddev(&sd, x, n), STATS_OK);
	assert_true(m == 1e9);
	assert_close(sd, sqrt(0.25 * (double)n / (double)(n - 1)), 1e-12, "sd around 1e9");
	free(x);
}

/* selection and sorting on adversarial patterns agree with a plain insertion sort */
static void test_order_statistics(void **state)
{
	(void)state;
	enum { N = 3001 };
	static double x[N], ref[N], scratch[N];
	struct trng r = {5};
	for (int pattern = 0; pattern < 7; pattern++) {
		for (size_t i = 0; i < N; i++) {
			switch (pattern) {
			case 0: x[i] = (double)i; break;                 /* sorted */
			case 1: x[i] = (double)(N - i); break;           /* reversed */
			case 2: x[i] = 4.0; break;                       /* constant */
			case 3: x[i] = (double)(i % 3); break;           /* few values */
			case 4: x[i] = (double)(i % 2 ? i : N - i); break; /* interleaved */
			case 5: x[i] = trng_gauss(&r); break;
			default: x[i] = (double)((i * 7919) % 17) - 8.0; break;
			}
			ref[i] = x[i];
		}
		for (size_t i = 1; i < N; i++) {
			double v = ref[i];
			size_t k = i;
			while (k > 0 && v < ref[k - 1]) {
				ref[k] = ref[k - 1];
				k--;
			}
			ref[k] = v;
		}
		for (size_t k = 0; k < N; k += 97) {
			double p = (double)k / (double)(N - 1), v;
			assert_int_equal(stats_percentile(&v, x, N, p, scratch), STATS_OK);
			assert_true(fabs(v - ref[k]) <= 1e-12 * (1.0 + fabs(ref[k])));
		}
		double v;
		assert_int_equal(stats_percentile(&v, x, N, 1.0, scratch), STATS_OK);
		assert_true(v == ref[N - 1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe_fixtures), cmocka_unit_test(test_percentile_fixtures),
		cmocka_unit_test(test_outlier_fixtures), cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_stability), cmocka_unit_test(test_order_statistics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
