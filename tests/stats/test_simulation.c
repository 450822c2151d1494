/* Seeded simulations of the verdict: its false-alarm rate on A/A comparisons
 * and its power on a 10% shift. */
#include <stdlib.h>

#include "stats/hypothesis.h"
#include "tests/stats/check.h"

#define TRIALS 1000

static void fill(double *x, size_t n, double mean, double rel_sd, struct trng *r)
{
	for (size_t i = 0; i < n; i++)
		x[i] = mean * (1.0 + rel_sd * trng_gauss(r));
}

static void fill_lognormal(double *x, size_t n, double mean, double sigma, struct trng *r)
{
	for (size_t i = 0; i < n; i++)
		x[i] = mean * exp(sigma * trng_gauss(r));
}

/* A/A: same distribution on both sides */
static void test_aa(void **state)
{
	(void)state;
	struct trng r = {20240601};
	double a[60], b[60];
	int alarms = 0, alarms_no_threshold = 0, significant = 0, unchanged = 0;
	for (int t = 0; t < TRIALS; t++) {
		size_t na = 3 + (size_t)(t % 48), nb = 3 + (size_t)((t * 7) % 48);
		double noise = t % 2 ? 0.03 : 0.10;
		if (t % 3 == 0) {
			fill_lognormal(a, na, 50.0, noise, &r);
			fill_lognormal(b, nb, 50.0, noise, &r);
		} else {
			fill(a, na, 50.0, noise, &r);
			fill(b, nb, 50.0, noise, &r);
		}
		struct stats_comparison c;
		assert_int_equal(stats_compare(&c, a, na, b, nb, STATS_DEFAULT_ALPHA,
					       STATS_DEFAULT_THRESHOLD),
				 STATS_OK);
		alarms += c.verdict == STATS_SLOWER || c.verdict == STATS_FASTER;
		unchanged += c.verdict == STATS_UNCHANGED;
		significant += c.welch.p < STATS_DEFAULT_ALPHA;
		assert_int_equal(stats_compare(&c, a, na, b, nb, STATS_DEFAULT_ALPHA, 0.0), STATS_OK);
		alarms_no_threshold += c.verdict == STATS_SLOWER || c.verdict == STATS_FASTER;
	}
	print_message("A/A: %d/%d slower|faster (threshold 0.02), %d with threshold 0, "
		      "%d with p < alpha, %d unchanged\n",
		      alarms, TRIALS, alarms_no_threshold, significant, unchanged);
	/* about alpha = 1%, with slack */
	assert_true(alarms <= TRIALS / 50);
	assert_true(alarms_no_threshold <= TRIALS / 50);
	assert_true(significant <= TRIALS / 50);
}

/* 10% shift, 30 samples of 3% noise on each side */
static void test_shift(void **state)
{
	(void)state;
	struct trng r = {7};
	double a[30], b[30];
	int slower = 0, faster = 0;
	for (int t = 0; t < TRIALS; t++) {
		fill(a, 30, 20.0, 0.03, &r);
		fill(b, 30, 22.0, 0.03, &r);
		struct stats_comparison c;
		assert_int_equal(stats_compare(&c, a, 30, b, 30, STATS_DEFAULT_ALPHA,
					       STATS_DEFAULT_THRESHOLD),
				 STATS_OK);
		slower += c.verdict == STATS_SLOWER;
		assert_int_equal(stats_compare(&c, b, 30, a, 30, STATS_DEFAULT_ALPHA,
					       STATS_DEFAULT_THRESHOLD),
				 STATS_OK);
		faster += c.verdict == STATS_FASTER;
	}
	print_message("10%% shift: slower in %d/%d, faster (reversed) in %d/%d\n", slower, TRIALS,
		      faster, TRIALS);
	assert_true(slower >= TRIALS * 95 / 100);
	assert_true(faster >= TRIALS * 95 / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aa),
		cmocka_unit_test(test_shift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
