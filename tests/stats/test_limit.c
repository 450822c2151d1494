/* A commit's runs against a fixed limit: stats_runs_against_limit against the
 * NumPy/SciPy reference (fixtures_limit.h), invalid input, and a seeded
 * simulation of how often a commit exactly at its limit is called above it. */
#include <stdlib.h>
#include <string.h>

#include "stats/internal.h"
#include "stats/noise.h"
#include "tests/stats/check.h"
#include "tests/stats/fixtures_limit.h"

#define REL 1e-9

static void test_limit_reference(void **state)
{
	(void)state;
	double scratch[2 * 256];
	for (size_t i = 0; i < sizeof fxl_case / sizeof fxl_case[0]; i++) {
		const struct fxl_case *f = &fxl_case[i];
		struct stats_run_noise nz, *pnz = NULL;
		if (f->hist >= 0) {
			const struct fxl_hist *h = &fxl_hist[f->hist];
			assert_true(2 * h->n <= sizeof scratch / sizeof scratch[0]);
			assert_int_equal(stats_run_noise(&nz, h->x, h->n, scratch), STATS_OK);
			pnz = &nz;
		}
		struct stats_limit_test c;
		assert_int_equal(stats_runs_against_limit(&c, f->x, f->r, f->log_limit, pnz,
							  f->confidence),
				 STATS_OK);
		print_message("%-16s est %+.5f se %.5f df %6.2f t %+9.3f p %.3g [%+.4f, %+.4f]\n",
			      f->name, c.estimate, c.se, c.df, c.t, c.p, c.lo, c.hi);
		assert_int_equal(c.runs, f->r);
		assert_close(c.estimate, f->estimate, REL, f->name);
		assert_close(c.se, f->se, REL, f->name);
		assert_close(c.df, f->df, REL, f->name);
		assert_close(c.t, f->t, REL, f->name);
		assert_close(c.p, f->p, REL, f->name);
		/* the half width to 1e-9, the ends to 1e-9 of their size or the width */
		assert_close(c.hi - c.estimate, f->hi - f->estimate, REL, f->name);
		double tol = REL * (f->hi - f->estimate);
		if (fabs(c.lo - f->lo) > tol + REL * fabs(f->lo) ||
		    fabs(c.hi - f->hi) > tol + REL * fabs(f->hi))
			fail_msg("%s: interval [%.17g, %.17g], want [%.17g, %.17g]", f->name, c.lo,
				 c.hi, f->lo, f->hi);
		assert_close(c.sigma, f->sigma, REL, f->name);
		assert_int_equal(c.from_history, f->from_history);
		assert_int_equal(c.from_replicates, f->from_replicates);
		/* the interval and the test agree */
		assert_int_equal(c.lo > 0.0 || c.hi < 0.0, c.p < 1.0 - f->confidence);
	}
}

static void test_limit_invalid(void **state)
{
	(void)state;
	double scratch[64], h[12] = {0, 0.1, 0.05, 0.07, 0.02, 0.03, 0.1, 0.0, 0.04, 0.06, 0.08, 0.01};
	double x[2] = {-3.0, -3.1};
	struct stats_run_noise nz, few;
	struct stats_limit_test c;
	assert_int_equal(stats_run_noise(&nz, h, 12, scratch), STATS_OK);
	assert_int_equal(stats_run_noise(&few, h, 10, scratch), STATS_OK);
	assert_true(nz.known && !few.known);
	/* one run and no known noise: nothing says how far it may be from the commit's value */
	assert_int_equal(stats_runs_against_limit(&c, x, 1, -3.0, NULL, 0.99), STATS_EEMPTY);
	assert_int_equal(stats_runs_against_limit(&c, x, 1, -3.0, &few, 0.99), STATS_EEMPTY);
	assert_int_equal(stats_runs_against_limit(&c, x, 1, -3.0, &nz, 0.99), STATS_OK);
	assert_true(c.from_history && !c.from_replicates);
	assert_int_equal(stats_runs_against_limit(&c, x, 2, -3.0, &few, 0.99), STATS_OK);
	assert_true(!c.from_history && c.from_replicates && c.df == 1.0);
	assert_int_equal(stats_runs_against_limit(&c, x, 0, -3.0, &nz, 0.99), STATS_EEMPTY);
	assert_int_equal(stats_runs_against_limit(&c, NULL, 1, -3.0, &nz, 0.99), STATS_EINVAL);
	assert_int_equal(stats_runs_against_limit(NULL, x, 1, -3.0, &nz, 0.99), STATS_EINVAL);
	assert_int_equal(stats_runs_against_limit(&c, x, 1, NAN, &nz, 0.99), STATS_EINVAL);
	assert_int_equal(stats_runs_against_limit(&c, x, 1, INFINITY, &nz, 0.99), STATS_EINVAL);
	assert_int_equal(stats_runs_against_limit(&c, x, 1, -3.0, &nz, 1.0), STATS_EINVAL);
	assert_int_equal(stats_runs_against_limit(&c, x, 1, -3.0, &nz, 0.0), STATS_EINVAL);
	struct stats_run_noise bad = nz;
	bad.sigma = -1.0;
	assert_int_equal(stats_runs_against_limit(&c, x, 1, -3.0, &bad, 0.99), STATS_EINVAL);
	bad = nz;
	bad.df = 0.0;
	assert_int_equal(stats_runs_against_limit(&c, x, 1, -3.0, &bad, 0.99), STATS_EINVAL);
	x[1] = NAN;
	assert_int_equal(stats_runs_against_limit(&c, x, 2, -3.0, NULL, 0.99), STATS_ENONFINITE);
	/* no spread at all: above, below or on the limit for certain */
	double same[3] = {-3.0, -3.0, -3.0};
	assert_int_equal(stats_runs_against_limit(&c, same, 3, -3.5, NULL, 0.99), STATS_OK);
	assert_true(c.se == 0.0 && c.p == 0.0 && c.t == INFINITY && c.lo == c.hi && c.lo > 0.0);
	assert_int_equal(stats_runs_against_limit(&c, same, 3, -3.0, NULL, 0.99), STATS_OK);
	assert_true(c.p == 1.0 && c.t == 0.0 && c.hi == 0.0);
}

/* stats/rng.c's generator: uniform in (0, 1) and Box-Muller normals */
static double uni(struct stats__rng *r)
{
	return ((double)(stats__rng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(struct stats__rng *r)
{
	return sqrt(-2.0 * log(uni(r))) * cos(6.283185307179586 * uni(r));
}

#define TRIALS 4000
#define RUN_SD 0.05

/* A commit whose runs' log values are centred exactly on the limit, judged
 * with a history of 11..60 runs or with its own 2..4 runs alone: the 99%
 * interval's lower end is above the limit (a false breach) in at most 0.5%
 * of trials. Iterations are never the unit, so many of them in a run could
 * not make a breach more likely. */
static void test_limit_false_breaches(void **state)
{
	(void)state;
	struct stats__rng r;
	double hist[60], scratch[120], x[4];
	int breaches = 0, rep_breaches = 0, holds = 0;
	stats__rng_seed(&r, 20261130);
	for (int t = 0; t < TRIALS; t++) {
		size_t h = 11 + (size_t)stats__rng_below(&r, 50);
		size_t n = 1 + (size_t)stats__rng_below(&r, 4);
		struct stats_run_noise nz;
		struct stats_limit_test c;
		for (size_t i = 0; i < h; i++)
			hist[i] = -2.0 + RUN_SD * gauss(&r);
		assert_int_equal(stats_run_noise(&nz, hist, h, scratch), STATS_OK);
		for (size_t i = 0; i < n; i++)
			x[i] = -3.0 + RUN_SD * gauss(&r);
		assert_int_equal(stats_runs_against_limit(&c, x, n, -3.0, &nz, 0.99), STATS_OK);
		breaches += c.lo > 0.0;
		holds += c.hi <= 0.0;
		if (n > 1) {
			assert_int_equal(stats_runs_against_limit(&c, x, n, -3.0, NULL, 0.99), STATS_OK);
			rep_breaches += c.lo > 0.0;
		}
	}
	/* binomial(4000, 0.005): mean 20, sd 4.5 */
	print_message("at the limit: %d/%d breaches with the history (%d holds), %d replicates only\n",
		      breaches, TRIALS, holds, rep_breaches);
	assert_true(breaches <= 35 && holds <= 35);
	assert_true(rep_breaches <= 35);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_reference),
		cmocka_unit_test(test_limit_invalid),
		cmocka_unit_test(test_limit_false_breaches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
