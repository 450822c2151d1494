/* Stationarity inside a run: the reported step against a direct computation,
 * invalid input, and seeded simulations of the false-flag rate on stationary
 * sequences and of the power on a step. */
#include <stdlib.h>
#include <string.h>

#include "stats/changepoint.h"
#include "stats/internal.h"
#include "stats/stationarity.h"
#include "tests/stats/check.h"

/* stats/rng.c's generator: uniform in (0, 1) and Box-Muller normals */
static double uni(struct stats__rng *r)
{
	return ((double)(stats__rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(struct stats__rng *r)
{
	return sqrt(-2.0 * log(uni(r))) * cos(6.283185307179586 * uni(r));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}
static double median_sorted_copy(const double *x, size_t n)
{
	double *c = malloc(n * sizeof *c);
	memcpy(c, x, n * sizeof *c);
	qsort(c, n, sizeof *c, cmp_double);
	double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2.0;
	free(c);
	return m;
}

static struct stats_stationarity check(const double *t, size_t n, double alpha, double min_change)
{
	size_t ws = stats_stationarity_workspace_size(n);
	void *work = malloc(ws);
	assert_non_null(work);
	struct stats_stationarity s;
	assert_int_equal(stats_stationarity_check(&s, t, n, alpha, min_change, work, ws), STATS_OK);
	free(work);
	return s;
}

/* the run: 20 iterations at 6.2 ms, the last 5 at 3.6 ms */
static void test_step_reported(void **state)
{
	(void)state;
	struct stats__rng r;
	stats__rng_seed(&r, 1);
	double t[20];
	for (size_t i = 0; i < 20; i++)
		t[i] = (i < 15 ? 6.2 : 3.6) * (1.0 + 0.02 * gauss(&r));
	struct stats_stationarity s = check(t, 20, 0.01, 0.05);
	print_message("6.2 -> 3.6 ms after 15 of 20: unstable %d index %zu p %.5f change %+.4f\n",
		      s.unstable, s.index, s.p, s.change);
	assert_true(s.unstable);
	assert_int_equal(s.index, 15);
	double want = median_sorted_copy(t + 15, 5) / median_sorted_copy(t, 15) - 1.0;
	assert_close(s.change, want, 1e-12, "change");
	assert_true(s.change < -0.35 && s.change > -0.5);
	/* the p-value is the change point test's on log times with the documented options */
	double lg[20];
	for (size_t i = 0; i < 20; i++)
		lg[i] = log(t[i]);
	struct stats_changepoint_options o;
	stats_changepoint_options_init(&o);
	o.permutations = 999;
	o.max_exceed = STATS_STATIONARITY_MAX_EXCEED;
	char work[8192];
	assert_true(stats_changepoint_workspace_size(20, 20) <= sizeof work);
	struct stats_changepoint cp;
	size_t count;
	assert_int_equal(stats_find_changepoints(&cp, &count, 1, lg, NULL, 20, 20, &o, work,
						 sizeof work),
			 STATS_OK);
	assert_int_equal(count, 1);
	assert_true(s.p == cp.p);
	assert_true(s.p == 1.0 / 1000.0); /* no permutation comes near a 40% step */

	/* the same step below min_change is reported but does not flag the run */
	for (size_t i = 0; i < 20; i++)
		t[i] = (i < 10 ? 1.0 : 1.04) * (1.0 + 0.002 * gauss(&r));
	s = check(t, 20, 0.01, 0.05);
	assert_false(s.unstable);
	assert_int_equal(s.index, 10);
	assert_true(s.p < 0.01 && s.change > 0.03 && s.change < 0.05);
	s = check(t, 20, 0.01, 0.02);
	assert_true(s.unstable);

	/* stationary: nothing reported */
	for (size_t i = 0; i < 20; i++)
		t[i] = 1.0 + 0.02 * gauss(&r);
	s = check(t, 20, 0.01, 0.0);
	assert_false(s.unstable);
	assert_true(s.index == 0 && s.p == 1.0 && s.change == 0.0);
}

static void test_invalid(void **state)
{
	(void)state;
	double t[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	char work[8192];
	struct stats_stationarity s;
	memset(&s, 0x5a, sizeof s);
	assert_int_equal(stats_stationarity_check(&s, t, 0, 0.01, 0.05, work, sizeof work),
			 STATS_EEMPTY);
	assert_int_equal(stats_stationarity_check(&s, NULL, 10, 0.01, 0.05, work, sizeof work),
			 STATS_EINVAL);
	assert_int_equal(stats_stationarity_check(NULL, t, 10, 0.01, 0.05, work, sizeof work),
			 STATS_EINVAL);
	assert_int_equal(stats_stationarity_check(&s, t, 10, 0.0, 0.05, work, sizeof work),
			 STATS_EINVAL);
	assert_int_equal(stats_stationarity_check(&s, t, 10, 1.0, 0.05, work, sizeof work),
			 STATS_EINVAL);
	assert_int_equal(stats_stationarity_check(&s, t, 10, 0.01, -0.1, work, sizeof work),
			 STATS_EINVAL);
	assert_int_equal(stats_stationarity_check(&s, t, 10, 0.01, NAN, work, sizeof work),
			 STATS_EINVAL);
	assert_int_equal(stats_stationarity_check(&s, t, 10, 0.01, 0.05, NULL, 0), STATS_EINVAL);
	assert_int_equal(stats_stationarity_check(&s, t, 10, 0.01, 0.05, work,
						  stats_stationarity_workspace_size(10) - 1),
			 STATS_EINVAL);
	t[3] = 0.0;
	assert_int_equal(stats_stationarity_check(&s, t, 10, 0.01, 0.05, work, sizeof work),
			 STATS_EINVAL);
	t[3] = NAN;
	assert_int_equal(stats_stationarity_check(&s, t, 10, 0.01, 0.05, work, sizeof work),
			 STATS_ENONFINITE);
	assert_true(s.index == (size_t)0x5a5a5a5a5a5a5a5aULL); /* untouched on errors */
	t[3] = 4.0;
	/* short sequences are never flagged, and need no work buffer */
	double steep[7] = {1, 1, 1, 1, 9, 9, 9};
	assert_int_equal(stats_stationarity_check(&s, steep, 7, 0.01, 0.05, NULL, 0), STATS_OK);
	assert_true(!s.unstable && s.index == 0 && s.p == 1.0 && s.change == 0.0);
	/* the shortest checked, 8: one possible split (4 | 4), which 2 of the C(8,4) = 70
	 * equally likely divisions of the values reach (the split and its mirror), so
	 * p is about 2/70 and 8 iterations cannot be flagged at 0.01; 12 can (2/924) */
	double twelve[12] = {1, 1.01, 0.99, 1, 1.02, 0.98, 2, 2.01, 1.99, 2, 2.02, 1.98};
	assert_int_equal(stats_stationarity_check(&s, twelve, 8, 0.01, 0.05, work, sizeof work),
			 STATS_OK);
	assert_false(s.unstable);
	assert_int_equal(stats_stationarity_check(&s, twelve + 2, 8, 0.01, 0.05, work, sizeof work),
			 STATS_OK);
	assert_false(s.unstable);
	assert_int_equal(stats_stationarity_check(&s, twelve, 12, 0.01, 0.05, work, sizeof work),
			 STATS_OK);
	print_message("12 iterations, 1 -> 2 after 6: p %.5f\n", s.p);
	assert_true(s.unstable && s.index == 6 && s.p < 0.01 && s.p > 1.0 / 1000.0);
}

/* Upper bound on a Binomial(trials, rate) count, exceeded with probability below
 * about 1e-3: the mean plus 3.1 sd, plus 1 for the discreteness (the counts here
 * have means >= 10, where this normal bound is accurate) */
static int binom_bound(int trials, double rate)
{
	return (int)ceil(trials * rate + 3.1 * sqrt(trials * rate * (1.0 - rate)) + 1.0);
}

#ifndef NULL_TRIALS /* the README's figures: -DNULL_TRIALS=10000 -DPOWER_TRIALS=5000 */
#define NULL_TRIALS 1000 /* per distribution */
#endif

/* stationary iid sequences, n = 10 .. 200: flagged at most at rate alpha */
static void test_false_flags(void **state)
{
	(void)state;
	struct stats__rng r;
	stats__rng_seed(&r, 20240612);
	double t[200];
	/* the test works on log times, so one lognormal stands for all; the third
	 * is a timing-like distribution: 2% noise and 5% slow outliers (+30..100%) */
	const char *names[3] = {"normal 3%", "lognormal 0.1", "outliers 5%"};
	int total_sig = 0, total_flag = 0;
	for (int dist = 0; dist < 3; dist++) {
		int significant = 0, flagged = 0;
		for (int k = 0; k < NULL_TRIALS; k++) {
			size_t n = 10 + (size_t)(stats__rng_below(&r, 191));
			for (size_t i = 0; i < n; i++)
				t[i] = dist == 0 ? 1.0 + 0.03 * gauss(&r)
				       : dist == 1 ? exp(0.1 * gauss(&r))
						   : exp(0.02 * gauss(&r)) *
							     (uni(&r) < 0.05 ? 1.3 + 0.7 * uni(&r) : 1.0);
			/* min_change only filters: one call gives both counts */
			struct stats_stationarity s = check(t, n, 0.01, 0.0);
			significant += s.p < 0.01;
			flagged += s.p < 0.01 && fabs(s.change) > 0.05;
		}
		print_message("%-13s n 10..200: p < 0.01 in %d/%d, unstable (min_change 5%%) in %d/%d\n",
			      names[dist], significant, NULL_TRIALS, flagged, NULL_TRIALS);
		total_sig += significant;
		total_flag += flagged;
	}
	int bound = binom_bound(3 * NULL_TRIALS, 0.01);
	print_message("all: %d and %d of %d (bound for alpha 0.01: %d)\n", total_sig, total_flag,
		      3 * NULL_TRIALS, bound);
	assert_true(total_sig <= bound);
	assert_true(total_flag <= total_sig);
}

#ifndef POWER_TRIALS
#define POWER_TRIALS 200
#endif

/* a 10% step after 5 of 20 iterations (and the mirror: the last 5) */
static void test_power(void **state)
{
	(void)state;
	struct stats__rng r;
	stats__rng_seed(&r, 77);
	double noise[4] = {0.01, 0.02, 0.03, 0.05};
	int found2 = 0;
	for (int k = 0; k < 4; k++) {
		int found = 0, found_late = 0, at = 0;
		for (int tr = 0; tr < POWER_TRIALS; tr++) {
			double t[20];
			for (size_t i = 0; i < 20; i++)
				t[i] = (i >= 5 ? 1.1 : 1.0) * (1.0 + noise[k] * gauss(&r));
			struct stats_stationarity s = check(t, 20, 0.01, 0.05);
			found += s.unstable;
			at += s.unstable && s.index == 5;
			for (size_t i = 0; i < 20; i++)
				t[i] = (i >= 15 ? 1.1 : 1.0) * (1.0 + noise[k] * gauss(&r));
			s = check(t, 20, 0.01, 0.05);
			found_late += s.unstable;
		}
		print_message("10%% step, %2.0f%% noise: after 5 of 20 found in %d/%d (%d at 5), "
			      "after 15 of 20 in %d/%d\n",
			      noise[k] * 100.0, found, POWER_TRIALS, at, found_late, POWER_TRIALS);
		if (k == 1)
			found2 = found;
	}
	assert_true(found2 >= POWER_TRIALS * 8 / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_reported),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_false_flags),
		cmocka_unit_test(test_power),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
