/* E-divisive change point detection: detection, false alarms, several steps,
 * per-commit samples, determinism, speed and invalid input. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changepoint.h"
#include "check.h"

#define MAXCP 16

struct result {
	size_t n;
	struct stats_changepoint cp[MAXCP];
};

static struct result find(const double *v, const size_t *counts, size_t np, size_t ns,
			  const struct stats_changepoint_options *opt)
{
	size_t ws = stats_changepoint_workspace_size(np, ns);
	void *work = malloc(ws);
	assert_non_null(work);
	struct result r;
	assert_int_equal(stats_find_changepoints(r.cp, &r.n, MAXCP, v, counts, np, ns, opt, work, ws),
			 STATS_OK);
	free(work);
	return r;
}

static void series(double *v, size_t n, double noise, struct trng *rng, const size_t *steps,
		   const double *levels, size_t nsteps)
{
	for (size_t i = 0; i < n; i++) {
		double level = 1.0;
		for (size_t s = 0; s < nsteps; s++)
			if (i >= steps[s])
				level = levels[s];
		v[i] = level * (1.0 + noise * trng_gauss(rng));
	}
}

static size_t dist(size_t a, size_t b)
{
	return a > b ? a - b : b - a;
}

/* 5 commits of 8 samples, 25% step at the third commit */
static void test_short_history_with_samples(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct trng rng = {seed};
		double v[40];
		size_t counts[5] = {8, 8, 8, 8, 8};
		for (size_t i = 0; i < 40; i++)
			v[i] = (i / 8 >= 2 ? 1.25 : 1.0) * (1.0 + 0.05 * trng_gauss(&rng));
		struct result r = find(v, counts, 5, 40, NULL);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.cp[0].index, 2);
		assert_true(r.cp[0].p <= 0.01);
		assert_true(r.cp[0].mean_after / r.cp[0].mean_before > 1.15);
		/* the five means alone cannot show it (too few points), but must not fail */
		double means[5];
		for (size_t k = 0; k < 5; k++) {
			means[k] = 0.0;
			for (size_t i = 0; i < 8; i++)
				means[k] += v[k * 8 + i] / 8.0;
		}
		r = find(means, NULL, 5, 5, NULL);
		assert_int_equal(r.n, 0);
	}
	/* unequal sample counts per commit */
	struct trng rng = {99};
	size_t counts[6] = {3, 10, 1, 5, 7, 2};
	double v[28];
	size_t i = 0;
	for (size_t k = 0; k < 6; k++)
		for (size_t j = 0; j < counts[k]; j++, i++)
			v[i] = (k >= 3 ? 0.8 : 1.0) * (1.0 + 0.02 * trng_gauss(&rng));
	struct result r = find(v, counts, 6, 28, NULL);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.cp[0].index, 3);
}

/* 5% step in 2% noise */
static void test_small_step(void **state)
{
	(void)state;
	int found = 0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct trng rng = {seed * 1000};
		double v[120];
		size_t step = 40 + (size_t)seed;
		double level = 1.05;
		series(v, 120, 0.02, &rng, &step, &level, 1);
		struct result r = find(v, NULL, 120, 120, NULL);
		assert_true(r.n <= 2);
		for (size_t k = 0; k < r.n; k++)
			if (dist(r.cp[k].index, step) <= 5)
				found++;
	}
	print_message("5%% step in 2%% noise: found in %d/20 series\n", found);
	assert_true(found >= 19); /* all 20 with these seeds */
}

/* flat noise: no change points (beyond about alpha of the series) */
static void test_flat(void **state)
{
	(void)state;
	int alarms = 0;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct trng rng = {seed * 77};
		double v[150];
		series(v, 150, 0.02, &rng, NULL, NULL, 0);
		struct result r = find(v, NULL, 150, 150, NULL);
		alarms += r.n > 0;
	}
	/* samples per commit, flat */
	for (uint64_t seed = 1; seed <= 50; seed++) {
		struct trng rng = {seed * 31};
		double v[80];
		size_t counts[10];
		for (size_t k = 0; k < 10; k++)
			counts[k] = 8;
		series(v, 80, 0.03, &rng, NULL, NULL, 0);
		struct result r = find(v, counts, 10, 80, NULL);
		alarms += r.n > 0;
	}
	print_message("flat series: false alarm in %d/150\n", alarms);
	assert_true(alarms <= 4);
}

/* several steps, including a return to the old level */
static void test_several_steps(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 5; seed++) {
		struct trng rng = {seed * 5};
		double v[400];
		size_t steps[4] = {80, 150, 260, 330};
		double levels[4] = {1.10, 0.95, 1.05, 1.0};
		series(v, 400, 0.02, &rng, steps, levels, 4);
		struct result r = find(v, NULL, 400, 400, NULL);
		assert_int_equal(r.n, 4);
		for (size_t k = 0; k < 4; k++) {
			if (dist(r.cp[k].index, steps[k]) > 3)
				fail_msg("seed %llu: change %zu at %zu, want %zu", (unsigned long long)seed,
					 k, r.cp[k].index, steps[k]);
			assert_true(r.cp[k].p <= 0.01);
			if (k > 0)
				assert_true(r.cp[k].mean_before == r.cp[k - 1].mean_after);
			double want_before = k == 0 ? 1.0 : levels[k - 1];
			assert_true(fabs(r.cp[k].mean_before - want_before) < 0.01);
			assert_true(fabs(r.cp[k].mean_after - levels[k]) < 0.01);
		}
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 5000 points, three steps: fast, deterministic, seed-independent indices */
static void test_large_and_deterministic(void **state)
{
	(void)state;
	size_t n = 5000;
	double *v = malloc(n * sizeof *v);
	struct trng rng = {4242};
	size_t steps[3] = {1000, 2500, 4000};
	double levels[3] = {1.05, 0.97, 1.07};
	series(v, n, 0.02, &rng, steps, levels, 3);
	double t0 = now();
	struct result r1 = find(v, NULL, n, n, NULL);
	double t1 = now();
	print_message("5000 points, 3 steps: %.3f s\n", t1 - t0);
	assert_true(t1 - t0 < 5.0); /* well under 1 s optimized; generous for sanitizers */
	assert_int_equal(r1.n, 3);
	for (size_t k = 0; k < 3; k++)
		assert_true(dist(r1.cp[k].index, steps[k]) <= 3);
	struct result r2 = find(v, NULL, n, n, NULL);
	assert_int_equal(r2.n, r1.n);
	assert_memory_equal(r1.cp, r2.cp, r1.n * sizeof r1.cp[0]);
	struct stats_changepoint_options o;
	stats_changepoint_options_init(&o);
	o.seed = 12345;
	struct result r3 = find(v, NULL, n, n, &o);
	assert_int_equal(r3.n, 3);
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(r3.cp[k].index, r1.cp[k].index);
	/* capacity limits the number returned */
	size_t ws = stats_changepoint_workspace_size(n, n), count;
	void *work = malloc(ws);
	struct stats_changepoint one;
	assert_int_equal(stats_find_changepoints(&one, &count, 1, v, NULL, n, n, NULL, work, ws),
			 STATS_OK);
	assert_int_equal(count, 1);
	free(work);
	free(v);
}

static void test_invalid(void **state)
{
	(void)state;
	double v[6] = {1, 2, 3, 4, 5, 6};
	size_t counts[3] = {2, 2, 2};
	char work[4096];
	struct stats_changepoint cp[4];
	size_t n = 77;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, work, sizeof work),
			 STATS_OK);
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, NULL, 0, 0, NULL, work, sizeof work),
			 STATS_EEMPTY);
	size_t zero[3] = {2, 0, 4};
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, zero, 3, 6, NULL, work, sizeof work),
			 STATS_EEMPTY);
	size_t neg[3] = {2, (size_t)-1, 5}; /* a negative count */
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, neg, 3, 6, NULL, work, sizeof work),
			 STATS_EINVAL);
	size_t short_sum[3] = {2, 2, 1};
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, short_sum, 3, 6, NULL, work,
						 sizeof work),
			 STATS_EINVAL);
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, NULL, 5, 6, NULL, work, sizeof work),
			 STATS_EINVAL);
	v[4] = NAN;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, work, sizeof work),
			 STATS_ENONFINITE);
	v[4] = -INFINITY;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, work, sizeof work),
			 STATS_ENONFINITE);
	v[4] = 5;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, work, 16),
			 STATS_EINVAL);
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, NULL, 0),
			 STATS_EINVAL);
	struct stats_changepoint_options o;
	stats_changepoint_options_init(&o);
	o.alpha = 0.0;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, &o, work, sizeof work),
			 STATS_EINVAL);
	assert_int_equal(n, 0); /* from the one successful call */
	/* a single point, and a constant series: nothing to find */
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, NULL, 1, 1, NULL, work, sizeof work),
			 STATS_OK);
	assert_int_equal(n, 0);
	double flat[40];
	for (int i = 0; i < 40; i++)
		flat[i] = 3.0;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, flat, NULL, 40, 40, NULL, work,
						 sizeof work),
			 STATS_OK);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_history_with_samples),
		cmocka_unit_test(test_small_step),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_several_steps),
		cmocka_unit_test(test_large_and_deterministic),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
