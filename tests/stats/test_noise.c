/* Between-run noise: stats_run_noise and stats_runs_compare against the NumPy/SciPy
 * reference (fixtures_noise.h), invalid input, and seeded simulations of the runs
 * comparison's false-alarm rate against the pooled-iterations Welch test. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures_noise.h"
#include "noise.h"
#include "stats_internal.h"
#include "tests.h"

#define REL 1e-9

static void test_noise_reference(void **state)
{
	(void)state;
	double scratch[2 * 256];
	for (size_t i = 0; i < sizeof fxn_noise / sizeof fxn_noise[0]; i++) {
		const struct fxn_noise *f = &fxn_noise[i];
		assert_true(2 * f->n <= sizeof scratch / sizeof scratch[0]);
		struct stats_run_noise nz;
		assert_int_equal(stats_run_noise(&nz, f->x, f->n, scratch), STATS_OK);
		print_message("%-14s n_diffs %3zu sigma %.6f df %6.2f threshold %.4f %s\n", f->name,
			      nz.n_diffs, nz.sigma, nz.df, nz.threshold, nz.known ? "known" : "unknown");
		assert_int_equal(nz.n_diffs, f->n_diffs);
		assert_close(nz.sigma, f->sigma, REL, f->name);
		assert_close(nz.df, f->df, REL, f->name);
		assert_close(nz.threshold, f->threshold, REL, f->name);
		assert_int_equal(nz.known, f->known);
	}
}

static void test_compare_reference(void **state)
{
	(void)state;
	double scratch[2 * 256];
	for (size_t i = 0; i < sizeof fxn_cmp / sizeof fxn_cmp[0]; i++) {
		const struct fxn_cmp *f = &fxn_cmp[i];
		struct stats_run_noise nz, *pnz = NULL;
		if (f->hist >= 0) {
			const struct fxn_noise *h = &fxn_noise[f->hist];
			assert_int_equal(stats_run_noise(&nz, h->x, h->n, scratch), STATS_OK);
			pnz = &nz;
		}
		struct stats_runs_comparison c;
		assert_int_equal(stats_runs_compare(&c, f->a, f->ra, f->b, f->rb, pnz, f->confidence),
				 STATS_OK);
		print_message("%-16s est %+.5f se %.5f df %6.2f t %+8.3f p %.3g [%+.4f, %+.4f]\n",
			      f->name, c.estimate, c.se, c.df, c.t, c.p, c.lo, c.hi);
		assert_int_equal(c.ra, f->ra);
		assert_int_equal(c.rb, f->rb);
		/* the means differ in the last bits between Neumaier and numpy's pairwise sums */
		assert_close(c.estimate, f->estimate, REL, f->name);
		assert_close(c.se, f->se, REL, f->name);
		assert_close(c.df, f->df, REL, f->name);
		assert_close(c.t, f->t, REL, f->name);
		assert_close(c.p, f->p, REL, f->name);
		/* the half width to 1e-9, the ends to 1e-9 of their size or the width
		 * (an end near 0 is the difference of two larger numbers) */
		assert_close(c.hi - c.estimate, f->hi - f->estimate, REL, f->name);
		double tol = REL * (f->hi - f->estimate);
		if (fabs(c.lo - f->lo) > tol + REL * fabs(f->lo) ||
		    fabs(c.hi - f->hi) > tol + REL * fabs(f->hi))
			fail_msg("%s: interval [%.17g, %.17g], want [%.17g, %.17g]", f->name, c.lo,
				 c.hi, f->lo, f->hi);
		assert_close(c.sigma, f->sigma, REL, f->name);
		assert_int_equal(c.from_history, f->from_history);
		assert_int_equal(c.from_replicates, f->from_replicates);
	}
}

static void test_invalid(void **state)
{
	(void)state;
	double scratch[64], x[12] = {0, 0.1, 0.05, 0.07, 0.02, 0.03, 0.1, 0.0, 0.04, 0.06, 0.08, 0.01};
	struct stats_run_noise nz;
	memset(&nz, 0x5a, sizeof nz);
	assert_int_equal(stats_run_noise(&nz, x, 1, scratch), STATS_EEMPTY);
	assert_int_equal(stats_run_noise(&nz, x, 0, scratch), STATS_EEMPTY);
	assert_int_equal(stats_run_noise(&nz, NULL, 3, scratch), STATS_EINVAL);
	assert_int_equal(stats_run_noise(&nz, x, 3, NULL), STATS_EINVAL);
	assert_int_equal(stats_run_noise(NULL, x, 3, scratch), STATS_EINVAL);
	x[5] = NAN;
	assert_int_equal(stats_run_noise(&nz, x, 12, scratch), STATS_ENONFINITE);
	assert_int_equal(nz.n_diffs, (size_t)0x5a5a5a5a5a5a5a5aULL); /* untouched on errors */
	x[5] = 0.03;
	assert_int_equal(stats_run_noise(&nz, x, 12, scratch), STATS_OK);
	assert_true(nz.known);
	struct stats_run_noise few;
	assert_int_equal(stats_run_noise(&few, x, 10, scratch), STATS_OK);
	assert_false(few.known);

	double a[2] = {0.0, 0.01}, b[2] = {0.02, 0.03};
	struct stats_runs_comparison c;
	/* single runs and no known history: cannot be judged */
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, NULL, 0.99), STATS_EEMPTY);
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &few, 0.99), STATS_EEMPTY);
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &nz, 0.99), STATS_OK);
	assert_true(c.from_history && !c.from_replicates);
	assert_int_equal(stats_runs_compare(&c, a, 2, b, 1, NULL, 0.99), STATS_OK);
	assert_true(!c.from_history && c.from_replicates);
	assert_int_equal(stats_runs_compare(&c, a, 0, b, 1, &nz, 0.99), STATS_EEMPTY);
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 0, &nz, 0.99), STATS_EEMPTY);
	assert_int_equal(stats_runs_compare(&c, NULL, 1, b, 1, &nz, 0.99), STATS_EINVAL);
	assert_int_equal(stats_runs_compare(NULL, a, 1, b, 1, &nz, 0.99), STATS_EINVAL);
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &nz, 1.0), STATS_EINVAL);
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &nz, 0.0), STATS_EINVAL);
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &nz, NAN), STATS_EINVAL);
	struct stats_run_noise bad = nz;
	bad.sigma = NAN;
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &bad, 0.99), STATS_EINVAL);
	bad = nz;
	bad.df = 0.0;
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &bad, 0.99), STATS_EINVAL);
	b[0] = INFINITY;
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &nz, 0.99), STATS_ENONFINITE);
	b[0] = 0.02;

	/* no spread anywhere: a difference is certain, none is nothing */
	double flat[12] = {0};
	struct stats_run_noise zero;
	assert_int_equal(stats_run_noise(&zero, flat, 12, scratch), STATS_OK);
	assert_true(zero.known && zero.sigma == 0.0 && zero.threshold == 0.0);
	assert_int_equal(stats_runs_compare(&c, a, 1, b, 1, &zero, 0.99), STATS_OK);
	assert_true(c.se == 0.0 && c.p == 0.0 && c.t == INFINITY && c.lo == c.estimate &&
		    c.hi == c.estimate);
	assert_int_equal(stats_runs_compare(&c, a, 1, a, 1, &zero, 0.99), STATS_OK);
	assert_true(c.se == 0.0 && c.p == 1.0 && c.t == 0.0 && c.estimate == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noise_reference),
		cmocka_unit_test(test_compare_reference),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
