/* Distributions, two-sample tests, ratio intervals, geometric mean and the
 * verdict, against SciPy reference values (fixtures.h) and by behaviour. */
#include <stdlib.h>
#include <string.h>

#include "stats/distributions.h"
#include "stats/hypothesis.h"
#include "tests/stats/check.h"
#include "tests/stats/fixtures.h"

static double worst[8];
enum { W_T, W_DF, W_P, W_Q, W_RATIO, W_CI, W_GEO, W_IB };
static const char *worst_name[] = {"t statistic", "df", "p-value", "quantile",
				   "ratio", "ratio interval", "geomean", "ibeta"};

static void track(int kind, double got, double want, double rel, const char *what)
{
	assert_close_worst(&worst[kind], got, want, rel, what);
}

static double *large_data(size_t k)
{
	const struct fx_large *L = &fx_large[k];
	double *x = malloc(L->n * sizeof *x);
	for (size_t i = 0; i < L->n; i++)
		x[i] = L->off + (double)(((long long)i * L->mul) % L->mod) * L->scale;
	return x;
}

static void test_distributions(void **state)
{
	(void)state;
	char what[128];
	for (size_t k = 0; k < FX_COUNT(fx_tdist); k++) {
		const struct fx_tdist *f = &fx_tdist[k];
		double p2, sf;
		assert_int_equal(stats_t_pvalue(&p2, f->t, f->df), STATS_OK);
		assert_int_equal(stats_t_sf(&sf, f->t, f->df), STATS_OK);
		snprintf(what, sizeof what, "t p2(t=%g, df=%g)", f->t, f->df);
		track(W_P, p2, f->p2, REL_P, what);
		snprintf(what, sizeof what, "t sf(t=%g, df=%g)", f->t, f->df);
		track(W_P, sf, f->sf, REL_P, what);
	}
	for (size_t k = 0; k < FX_COUNT(fx_tq); k++) {
		const struct fx_tq *f = &fx_tq[k];
		double q;
		if (isinf(f->df))
			assert_int_equal(stats_normal_quantile(&q, f->p), STATS_OK);
		else
			assert_int_equal(stats_t_quantile(&q, f->p, f->df), STATS_OK);
		snprintf(what, sizeof what, "quantile(p=%g, df=%g)", f->p, f->df);
		if (fabs(f->q) < 1e-12) /* the median: 0 up to rounding */
			assert_true(fabs(q) < 1e-12);
		else
			track(W_Q, q, f->q, REL_P, what);
	}
	for (size_t k = 0; k < FX_COUNT(fx_ibeta); k++) {
		const struct fx_ibeta *f = &fx_ibeta[k];
		double v;
		assert_int_equal(stats_ibeta(&v, f->a, f->b, f->x), STATS_OK);
		snprintf(what, sizeof what, "ibeta(%g, %g, %g)", f->a, f->b, f->x);
		track(W_IB, v, f->v, REL_P, what);
	}
	double v;
	assert_int_equal(stats_normal_sf(&v, 10.0), STATS_OK);
	assert_close(v, 7.61985302416052606597e-24, 1e-12, "normal sf(10)");
	assert_int_equal(stats_t_pvalue(&v, INFINITY, 3.0), STATS_OK);
	assert_true(v == 0.0);
	assert_int_equal(stats_t_pvalue(&v, NAN, 3.0), STATS_ENONFINITE);
	assert_int_equal(stats_t_pvalue(&v, 1.0, 0.0), STATS_EINVAL);
	assert_int_equal(stats_t_quantile(&v, 1.0, 3.0), STATS_EINVAL);
	assert_int_equal(stats_ibeta(&v, 1.0, 1.0, 1.5), STATS_EINVAL);
	assert_int_equal(stats_ibeta(&v, -1.0, 1.0, 0.5), STATS_EINVAL);
}

static void test_welch(void **state)
{
	(void)state;
	char what[128];
	for (size_t k = 0; k < FX_COUNT(fx_welch); k++) {
		const struct fx_welch *f = &fx_welch[k];
		double *la = NULL, *lb = NULL;
		const double *a, *b;
		size_t na, nb;
		if (f->src == 0) {
			a = fx_datasets[f->a].x;
			na = fx_datasets[f->a].n;
			b = fx_datasets[f->b].x;
			nb = fx_datasets[f->b].n;
		} else {
			a = la = large_data((size_t)f->a);
			b = lb = large_data((size_t)f->b);
			na = fx_large[f->a].n;
			nb = fx_large[f->b].n;
		}
		struct stats_welch w;
		assert_int_equal(stats_welch_test(&w, a, na, b, nb), STATS_OK);
		snprintf(what, sizeof what, "welch %zu t", k);
		track(W_T, w.t, f->t, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "welch %zu df", k);
		track(W_DF, w.df, f->df, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "welch %zu p (%g)", k, f->p);
		track(W_P, w.p, f->p, REL_P, what);
		free(la);
		free(lb);
	}
	/* both constant */
	const double c1[] = {2.0, 2.0, 2.0}, c2[] = {3.0, 3.0, 3.0, 3.0};
	struct stats_welch w;
	assert_int_equal(stats_welch_test(&w, c1, 3, c1, 3), STATS_OK);
	assert_true(w.t == 0.0 && w.p == 1.0);
	assert_int_equal(stats_welch_test(&w, c1, 3, c2, 4), STATS_OK);
	assert_true(isinf(w.t) && w.t > 0 && w.p == 0.0 && w.df == 5.0);
	assert_int_equal(stats_welch_test(&w, c1, 1, c2, 4), STATS_EEMPTY);
	const double bad[] = {1.0, INFINITY};
	assert_int_equal(stats_welch_test(&w, c1, 3, bad, 2), STATS_ENONFINITE);
	assert_int_equal(stats_welch_test(NULL, c1, 3, c2, 4), STATS_EINVAL);
}

static void test_mann_whitney(void **state)
{
	(void)state;
	char what[128];
	for (size_t k = 0; k < FX_COUNT(fx_mwu); k++) {
		const struct fx_mwu *f = &fx_mwu[k];
		const struct fx_dataset *a = &fx_datasets[f->a], *b = &fx_datasets[f->b];
		size_t len = stats_mann_whitney_scratch_len(a->n, b->n);
		double *scratch = malloc(len * sizeof *scratch);
		struct stats_mwu r;
		assert_int_equal(stats_mann_whitney_test(&r, a->x, a->n, b->x, b->n,
							 (enum stats_mwu_method)f->method, scratch, len),
				 STATS_OK);
		assert_int_equal(r.exact, f->exact);
		snprintf(what, sizeof what, "mwu %zu (%s vs %s) U", k, a->name, b->name);
		assert_close(r.u_a, f->u, 1e-12, what);
		snprintf(what, sizeof what, "mwu %zu (%s vs %s, method %d) p %g", k, a->name, b->name,
			 f->method, f->p);
		track(W_P, r.p, f->p, REL_P, what);
		/* too little scratch is refused */
		assert_int_equal(stats_mann_whitney_test(&r, a->x, a->n, b->x, b->n,
							 (enum stats_mwu_method)f->method, scratch,
							 a->n + b->n - 1),
				 STATS_EINVAL);
		free(scratch);
	}
	const struct fx_dataset *t = &fx_datasets[FX_TIES];
	double scratch[4096];
	struct stats_mwu r;
	assert_int_equal(stats_mann_whitney_test(&r, t->x, t->n, t->x, t->n, STATS_MWU_EXACT, scratch,
						 4096),
			 STATS_EINVAL); /* exact with ties */
	const double bad[] = {1.0, NAN};
	assert_int_equal(stats_mann_whitney_test(&r, t->x, t->n, bad, 2, STATS_MWU_AUTO, scratch, 4096),
			 STATS_ENONFINITE);
	assert_int_equal(stats_mann_whitney_test(&r, t->x, 0, t->x, 3, STATS_MWU_AUTO, scratch, 4096),
			 STATS_EEMPTY);
}

static void test_ratio(void **state)
{
	(void)state;
	char what[128];
	for (size_t k = 0; k < FX_COUNT(fx_ratio); k++) {
		const struct fx_ratio *f = &fx_ratio[k];
		const struct fx_dataset *a = &fx_datasets[f->a], *b = &fx_datasets[f->b];
		struct stats_ratio r;
		assert_int_equal(stats_ratio_ci(&r, a->x, a->n, b->x, b->n, f->conf), STATS_OK);
		assert_int_equal(r.bounded, f->bounded);
		snprintf(what, sizeof what, "ratio %zu (%s vs %s)", k, a->name, b->name);
		track(W_RATIO, r.ratio, f->ratio, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "ratio %zu (%s vs %s) lo", k, a->name, b->name);
		track(W_CI, r.lo, f->lo, REL_P, what);
		snprintf(what, sizeof what, "ratio %zu (%s vs %s) hi", k, a->name, b->name);
		track(W_CI, r.hi, f->hi, REL_P, what);
		assert_true(r.change == r.ratio - 1.0 && r.change_lo == r.lo - 1.0 &&
			    r.change_hi == r.hi - 1.0);
	}
	const double c1[] = {2.0, 2.0, 2.0}, c2[] = {3.0, 3.0, 3.0};
	struct stats_ratio r;
	assert_int_equal(stats_ratio_ci(&r, c1, 3, c2, 3, 0.99), STATS_OK);
	assert_true(r.ratio == 1.5 && r.lo == 1.5 && r.hi == 1.5 && r.bounded);
	const double z[] = {-1.0, 0.0, 1.0};
	assert_int_equal(stats_ratio_ci(&r, z, 3, c2, 3, 0.99), STATS_EINVAL); /* mean a == 0 */
	assert_int_equal(stats_ratio_ci(&r, c1, 3, c2, 3, 1.0), STATS_EINVAL);
}

static void test_geomean(void **state)
{
	(void)state;
	char what[128];
	for (size_t k = 0; k < FX_COUNT(fx_geomean); k++) {
		const struct fx_geomean *f = &fx_geomean[k];
		struct stats_geomean g;
		assert_int_equal(stats_geomean_ratios(&g, f->r, f->with_ci ? f->lo : NULL,
						      f->with_ci ? f->hi : NULL, f->k, f->conf),
				 STATS_OK);
		snprintf(what, sizeof what, "geomean %zu", k);
		track(W_GEO, g.geomean, f->g, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "geomean %zu lo", k);
		track(W_GEO, g.lo, f->glo, REL_P, what);
		snprintf(what, sizeof what, "geomean %zu hi", k);
		track(W_GEO, g.hi, f->ghi, REL_P, what);
	}
	struct stats_geomean g;
	const double r1[] = {1.2};
	assert_int_equal(stats_geomean_ratios(&g, r1, NULL, NULL, 1, 0.95), STATS_OK);
	assert_true(g.geomean == 1.2 && g.lo == 0.0 && isinf(g.hi));
	const double rneg[] = {1.2, -1.0}, rnan[] = {1.2, NAN};
	assert_int_equal(stats_geomean_ratios(&g, rneg, NULL, NULL, 2, 0.95), STATS_EINVAL);
	assert_int_equal(stats_geomean_ratios(&g, rnan, NULL, NULL, 2, 0.95), STATS_ENONFINITE);
	assert_int_equal(stats_geomean_ratios(&g, r1, NULL, NULL, 0, 0.95), STATS_EEMPTY);
	const double lo[] = {1.3}, hi[] = {1.4};
	assert_int_equal(stats_geomean_ratios(&g, r1, lo, hi, 1, 0.95), STATS_EINVAL); /* r < lo */
}

static void fill(double *x, size_t n, double mean, double rel_sd, struct trng *r)
{
	for (size_t i = 0; i < n; i++)
		x[i] = mean * (1.0 + rel_sd * trng_gauss(r));
}

static void test_verdict(void **state)
{
	(void)state;
	struct trng r = {11};
	double a[50], b[50];
	struct stats_comparison c;

	fill(a, 30, 100.0, 0.01, &r);
	fill(b, 30, 110.0, 0.01, &r);
	assert_int_equal(stats_compare(&c, a, 30, b, 30, STATS_DEFAULT_ALPHA, STATS_DEFAULT_THRESHOLD),
			 STATS_OK);
	assert_int_equal(c.verdict, STATS_SLOWER);
	assert_true(c.ratio.change_lo > 0.02 && c.welch.p < 0.01);
	assert_string_equal(stats_verdict_name(c.verdict), "slower");
	assert_int_equal(stats_compare(&c, b, 30, a, 30, 0.01, 0.02), STATS_OK);
	assert_int_equal(c.verdict, STATS_FASTER);

	/* same distribution, low noise: unchanged */
	fill(a, 40, 100.0, 0.005, &r);
	fill(b, 40, 100.0, 0.005, &r);
	assert_int_equal(stats_compare(&c, a, 40, b, 40, 0.01, 0.02), STATS_OK);
	assert_int_equal(c.verdict, STATS_UNCHANGED);

	/* significant but tiny change (0.5% < threshold): unchanged, not slower */
	fill(a, 50, 100.0, 0.001, &r);
	fill(b, 50, 100.5, 0.001, &r);
	assert_int_equal(stats_compare(&c, a, 50, b, 50, 0.01, 0.02), STATS_OK);
	assert_true(c.welch.p < 0.01);
	assert_int_equal(c.verdict, STATS_UNCHANGED);

	/* very noisy: undecided */
	fill(a, 5, 100.0, 0.3, &r);
	fill(b, 5, 105.0, 0.3, &r);
	assert_int_equal(stats_compare(&c, a, 5, b, 5, 0.01, 0.02), STATS_OK);
	assert_int_equal(c.verdict, STATS_UNDECIDED);
	assert_string_equal(stats_verdict_name(c.verdict), "undecided");
	assert_string_equal(stats_verdict_name(STATS_UNCHANGED), "unchanged");
	assert_string_equal(stats_verdict_name(STATS_FASTER), "faster");
	assert_string_equal(stats_verdict_name((enum stats_verdict)42), "unknown");

	/* fewer than 3 samples: always undecided, even for a huge change */
	const double a2[] = {1.0, 1.001}, b2[] = {2.0, 2.001, 2.002};
	assert_int_equal(stats_compare(&c, a2, 2, b2, 3, 0.01, 0.02), STATS_OK);
	assert_int_equal(c.verdict, STATS_UNDECIDED);
	assert_int_equal(stats_compare(&c, b2, 3, a2, 1, 0.01, 0.02), STATS_OK);
	assert_int_equal(c.verdict, STATS_UNDECIDED);

	/* constant samples */
	const double k1[] = {5.0, 5.0, 5.0}, k2[] = {6.0, 6.0, 6.0};
	assert_int_equal(stats_compare(&c, k1, 3, k1, 3, 0.01, 0.02), STATS_OK);
	assert_int_equal(c.verdict, STATS_UNCHANGED);
	assert_int_equal(stats_compare(&c, k1, 3, k2, 3, 0.01, 0.02), STATS_OK);
	assert_int_equal(c.verdict, STATS_SLOWER);

	/* invalid input is an error, never a verdict */
	const double nan3[] = {1.0, NAN, 1.0}, inf3[] = {1.0, INFINITY, 1.0};
	assert_int_equal(stats_compare(&c, nan3, 3, k1, 3, 0.01, 0.02), STATS_ENONFINITE);
	assert_int_equal(stats_compare(&c, k1, 3, inf3, 3, 0.01, 0.02), STATS_ENONFINITE);
	assert_int_equal(stats_compare(&c, k1, 0, k2, 3, 0.01, 0.02), STATS_EEMPTY);
	assert_int_equal(stats_compare(&c, k1, 3, k2, 3, 0.0, 0.02), STATS_EINVAL);
	assert_int_equal(stats_compare(&c, k1, 3, k2, 3, NAN, 0.02), STATS_EINVAL);
	assert_int_equal(stats_compare(&c, k1, 3, k2, 3, 0.01, -1.0), STATS_EINVAL);
	const double zero[] = {-1.0, 0.0, 1.0};
	assert_int_equal(stats_compare(&c, zero, 3, k2, 3, 0.01, 0.02), STATS_EINVAL);
	assert_int_equal(stats_compare(&c, NULL, 3, k2, 3, 0.01, 0.02), STATS_EINVAL);
}

static int report(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++)
		print_message("worst relative error vs SciPy, %-15s %.3g\n", worst_name[i], worst[i]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distributions), cmocka_unit_test(test_welch),
		cmocka_unit_test(test_mann_whitney), cmocka_unit_test(test_ratio),
		cmocka_unit_test(test_geomean),       cmocka_unit_test(test_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, report);
}
