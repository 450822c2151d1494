/* The paired analysis (signed-rank test, paired t, Hodges-Lehmann), Benjamini-
 * Hochberg and the sequential levels, against SciPy 1.10, NumPy and a brute-
 * force generator (fixtures_paired.h, from gen_fixtures_paired.py), and by
 * behaviour at the edges. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats/distributions.h"
#include "stats/internal.h"
#include "stats/multiple.h"
#include "stats/paired.h"
#include "stats/sequential.h"
#include "tests/stats/check.h"
#include "tests/stats/fixtures_paired.h"

#define REL_EXACT 1e-12 /* the same arithmetic on the same doubles */
#define REL_WILCOXON 1e-9

static double worst[6];
enum { W_WP, W_T, W_PT, W_HL, W_BH, W_Z };
static const char *worst_name[] = {"signed-rank p", "paired t", "paired t p",
				   "Hodges-Lehmann", "BH q", "signed-rank z"};

static void track(int kind, double got, double want, double rel, const char *what)
{
	assert_close_worst(&worst[kind], got, want, rel, what);
}

static double *scratch_for(size_t len)
{
	double *s = malloc((len ? len : 1) * sizeof *s);
	assert_non_null(s);
	return s;
}

static void check_case(const struct fxp_case *f)
{
	char what[160];
	const double *d = f->d;
	size_t n = f->n;

	struct stats_wilcoxon wx;
	size_t len = stats_wilcoxon_scratch_len(n);
	double *s = scratch_for(len);
	assert_int_equal(stats_wilcoxon_test(&wx, d, n, s, len), STATS_OK);
	assert_int_equal(stats_wilcoxon_test(&wx, d, n, s, len - 1), STATS_EINVAL);
	free(s);
	snprintf(what, sizeof what, "%s: n_used", f->name);
	assert_int_equal(wx.n_used, f->n_used);
	snprintf(what, sizeof what, "%s: w_plus", f->name);
	assert_close(wx.w_plus, f->w_plus, 0.0, what);
	snprintf(what, sizeof what, "%s: w_minus", f->name);
	assert_close(wx.w_minus, f->w_minus, 0.0, what);
	if (wx.exact != f->exact || wx.ties != f->ties)
		fail_msg("%s: exact %d ties %d, want %d %d", f->name, wx.exact, wx.ties, f->exact,
			 f->ties);
	snprintf(what, sizeof what, "%s: signed-rank z", f->name);
	if (f->z == 0.0)
		assert_true(wx.z == 0.0);
	else
		track(W_Z, wx.z, f->z, REL_WILCOXON, what);
	snprintf(what, sizeof what, "%s: signed-rank p", f->name);
	track(W_WP, wx.p, f->p, REL_WILCOXON, what);

	if (f->has_t) {
		struct stats_paired_t t;
		assert_int_equal(stats_paired_t_test(&t, d, n), STATS_OK);
		assert_int_equal(t.n, n);
		snprintf(what, sizeof what, "%s: mean", f->name);
		track(W_T, t.mean, f->mean, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "%s: sd", f->name);
		if (f->sd < 1e-15 * fabs(f->mean)) /* constant: 0 up to rounding */
			assert_true(t.sd <= 1e-15 * fabs(f->mean));
		else
			track(W_T, t.sd, f->sd, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "%s: t", f->name);
		if (isinf(f->t) && !isinf(t.t)) /* rounding left a sd of 1e-18: huge t */
			assert_true(t.t * f->t > 0 && fabs(t.t) > 1e12 && t.p < 1e-300);
		else
			track(W_T, t.t, f->t, REL_DESCRIBE, what);
		assert_true(t.df == f->df);
		snprintf(what, sizeof what, "%s: paired t p", f->name);
		if (f->pt == 0.0 || f->pt < 1e-300)
			assert_true(t.p < 1e-300);
		else
			track(W_PT, t.p, f->pt, REL_P, what);
	}

	struct stats_hodges_lehmann hl;
	len = stats_hodges_lehmann_scratch_len(n);
	s = scratch_for(len);
	assert_int_equal(stats_hodges_lehmann(&hl, d, n, f->conf, s, len), STATS_OK);
	if (len > 0)
		assert_int_equal(stats_hodges_lehmann(&hl, d, n, f->conf, s, len - 1), STATS_EINVAL);
	free(s);
	assert_int_equal(hl.n, n);
	if (hl.exact != f->hl_exact)
		fail_msg("%s: HL exact %d, want %d", f->name, hl.exact, f->hl_exact);
	snprintf(what, sizeof what, "%s: HL estimate", f->name);
	track(W_HL, hl.estimate, f->est, REL_EXACT, what);
	snprintf(what, sizeof what, "%s: HL lo", f->name);
	track(W_HL, hl.lo, f->lo, REL_EXACT, what);
	snprintf(what, sizeof what, "%s: HL hi", f->name);
	track(W_HL, hl.hi, f->hi, REL_EXACT, what);
	snprintf(what, sizeof what, "%s: HL coverage", f->name);
	if (f->coverage == 0.0)
		assert_true(hl.confidence == 0.0);
	else
		track(W_HL, hl.confidence, f->coverage, REL_EXACT, what);
	assert_true(hl.lo <= hl.estimate && hl.estimate <= hl.hi);

	if (f->a) {
		struct stats_paired p;
		len = stats_paired_scratch_len(n);
		s = scratch_for(len);
		assert_int_equal(stats_paired_analyse(&p, f->a, f->b, n, f->conf, s, len), STATS_OK);
		assert_int_equal(stats_paired_analyse(&p, f->a, f->b, n, f->conf, s, len - 1),
				 STATS_EINVAL);
		free(s);
		assert_int_equal(p.n, n);
		snprintf(what, sizeof what, "%s: analyse p", f->name);
		track(W_WP, p.wilcoxon.p, f->p, REL_WILCOXON, what);
		snprintf(what, sizeof what, "%s: analyse t", f->name);
		track(W_T, p.t.t, f->t, REL_DESCRIBE, what);
		snprintf(what, sizeof what, "%s: analyse t p", f->name);
		track(W_PT, p.t.p, f->pt, REL_P, what);
		snprintf(what, sizeof what, "%s: analyse HL", f->name);
		/* d from log() here and from numpy: equal up to an ulp of the logs */
		track(W_HL, p.hl.estimate, f->est, 1e-12, what);
		track(W_HL, p.hl.lo, f->lo, 1e-12, what);
		track(W_HL, p.hl.hi, f->hi, 1e-12, what);
	}
}

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t k = 0; k < FXP_COUNT(fxp_cases); k++)
		check_case(&fxp_cases[k]);
	/* the normal critical value above n = 50 is conservative: never a
	 * narrower interval than the exact one */
	for (size_t k = 0; k < FXP_COUNT(fxp_cases); k++)
		assert_true(fxp_cases[k].k <= fxp_cases[k].k_exact);
}

static void test_edges(void **state)
{
	(void)state;
	double s[4096];
	struct stats_wilcoxon wx;
	struct stats_paired_t t;
	struct stats_hodges_lehmann hl;
	struct stats_paired p;

	/* all zeros: nothing to rank, p = 1; t = 0; HL [0, 0] */
	const double z8[8] = {0};
	assert_int_equal(stats_wilcoxon_test(&wx, z8, 8, s, 4096), STATS_OK);
	assert_true(wx.n_used == 0 && wx.p == 1.0 && wx.w_plus == 0.0 && wx.z == 0.0);
	assert_int_equal(stats_paired_t_test(&t, z8, 8), STATS_OK);
	assert_true(t.t == 0.0 && t.p == 1.0);
	assert_int_equal(stats_hodges_lehmann(&hl, z8, 8, 0.99, s, 4096), STATS_OK);
	assert_true(hl.estimate == 0.0 && hl.lo == 0.0 && hl.hi == 0.0);
	const double same[3] = {2.0, 3.0, 4.0};
	assert_int_equal(stats_paired_analyse(&p, same, same, 3, 0.99, s, 4096), STATS_OK);
	assert_true(p.wilcoxon.p == 1.0 && p.t.p == 1.0 && p.hl.estimate == 0.0);

	/* one pair: p = 1 (exact, both signs equally likely); the interval is the point */
	const double one[1] = {0.25};
	assert_int_equal(stats_wilcoxon_test(&wx, one, 1, s, 4096), STATS_OK);
	assert_true(wx.exact && wx.p == 1.0 && wx.w_plus == 1.0);
	assert_int_equal(stats_paired_t_test(&t, one, 1), STATS_EEMPTY);
	assert_int_equal(stats_hodges_lehmann(&hl, one, 1, 0.9, s, 4096), STATS_OK);
	assert_true(hl.estimate == 0.25 && hl.lo == 0.25 && hl.hi == 0.25 && hl.confidence == 0.0);
	assert_int_equal(stats_paired_analyse(&p, same, same, 1, 0.99, s, 4096), STATS_EEMPTY);

	/* exact p of n positive differences is 2 / 2^n */
	double pos[20];
	for (int i = 0; i < 20; i++)
		pos[i] = 0.01 * (i + 1);
	assert_int_equal(stats_wilcoxon_test(&wx, pos, 20, s, 4096), STATS_OK);
	assert_true(wx.exact && wx.p == ldexp(1.0, -19));

	/* invalid input is an error, never a verdict */
	const double a[3] = {1.0, 2.0, 3.0}, zero[3] = {1.0, 0.0, 3.0}, neg[3] = {1.0, -2.0, 3.0};
	const double nan3[3] = {1.0, NAN, 3.0}, inf3[3] = {1.0, INFINITY, 3.0};
	assert_int_equal(stats_paired_analyse(&p, a, zero, 3, 0.99, s, 4096), STATS_EINVAL);
	assert_int_equal(stats_paired_analyse(&p, neg, a, 3, 0.99, s, 4096), STATS_EINVAL);
	assert_int_equal(stats_paired_analyse(&p, a, nan3, 3, 0.99, s, 4096), STATS_ENONFINITE);
	assert_int_equal(stats_paired_analyse(&p, inf3, a, 3, 0.99, s, 4096), STATS_ENONFINITE);
	assert_int_equal(stats_paired_analyse(&p, a, a, 3, 1.0, s, 4096), STATS_EINVAL);
	assert_int_equal(stats_paired_analyse(&p, a, a, 3, 0.0, s, 4096), STATS_EINVAL);
	assert_int_equal(stats_paired_analyse(&p, a, a, 3, NAN, s, 4096), STATS_EINVAL);
	assert_int_equal(stats_paired_analyse(&p, NULL, a, 3, 0.99, s, 4096), STATS_EINVAL);
	assert_int_equal(stats_paired_analyse(&p, a, a, 3, 0.99, NULL, 4096), STATS_EINVAL);
	assert_int_equal(stats_wilcoxon_test(&wx, nan3, 3, s, 4096), STATS_ENONFINITE);
	assert_int_equal(stats_wilcoxon_test(&wx, a, 0, s, 4096), STATS_EEMPTY);
	assert_int_equal(stats_paired_t_test(&t, inf3, 3), STATS_ENONFINITE);
	assert_int_equal(stats_hodges_lehmann(&hl, a, 3, 1.5, s, 4096), STATS_EINVAL);
	assert_int_equal(stats_hodges_lehmann(&hl, a, 0, 0.9, s, 4096), STATS_EEMPTY);

	/* outputs are written only on success */
	struct stats_paired keep = p;
	memset(&keep, 0x5a, sizeof keep);
	p = keep;
	assert_int_equal(stats_paired_analyse(&p, a, zero, 3, 0.99, s, 4096), STATS_EINVAL);
	assert_memory_equal(&p, &keep, sizeof p);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A few thousand pairs (4.5 million Walsh averages, never stored) stay fast.
 * The interval is checked against its definition by counting. */
static void test_large(void **state)
{
	(void)state;
	const size_t n = 3000;
	double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	assert_true(a && b);
	struct trng r = {77};
	for (size_t i = 0; i < n; i++) {
		a[i] = 0.004 * exp(0.05 * trng_gauss(&r));
		b[i] = 0.004 * 1.02 * exp(0.05 * trng_gauss(&r));
	}
	size_t len = stats_paired_scratch_len(n);
	double *s = scratch_for(len);
	struct stats_paired p;
	double t0 = now();
	assert_int_equal(stats_paired_analyse(&p, a, b, n, 0.999, s, len), STATS_OK);
	double dt = now() - t0;
	print_message("paired analysis of %zu pairs: %.3f s\n", n, dt);
	assert_true(dt < 0.5); /* about 1 ms at -O2; generous for ASan and load */
	assert_false(p.hl.exact || p.wilcoxon.exact);
	assert_true(p.wilcoxon.p < 1e-6 && p.t.p < 1e-6);
	assert_true(p.hl.lo < log(1.02) && log(1.02) < p.hl.hi && p.hl.lo > 0.0);
	/* the bounds are Walsh averages with the right counts below them */
	double d[3000];
	for (size_t i = 0; i < n; i++)
		d[i] = log(b[i]) - log(a[i]);
	size_t below_lo = 0, below_hi = 0, below_est = 0, above_est = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++) {
			double w = (d[i] + d[j]) / 2.0;
			below_lo += w < p.hl.lo;
			below_hi += w < p.hl.hi;
			below_est += w < p.hl.estimate;
			above_est += w > p.hl.estimate;
		}
	size_t mm = n * (n + 1) / 2;
	double z = 3.2905267314918945, sigma = sqrt(3000.0 * 3001.0 * 6001.0 / 24.0);
	size_t k = (size_t)floor((double)mm / 2.0 + 0.5 - z * sigma);
	assert_true(below_lo <= k - 1 && below_hi <= mm - k && below_hi >= mm - k - 5);
	assert_true(below_est <= mm / 2 && above_est <= mm / 2);
	free(s);
	free(a);
	free(b);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* The rank k of the interval's lower end by the header's definition, computed
 * here independently: integer counts of the signed-rank distribution for
 * n <= 50, the normal approximation above. */
static size_t rank_k(size_t n, double confidence)
{
	size_t mm = n * (n + 1) / 2, k;
	double half = (1.0 - confidence) / 2.0;
	if (n <= 50) {
		uint64_t *c = calloc(mm + 1, sizeof *c);
		assert_non_null(c);
		c[0] = 1;
		for (size_t r = 1; r <= n; r++)
			for (size_t v = mm; v >= r; v--)
				c[v] += c[v - r];
		uint64_t cum = 0;
		k = 0;
		for (size_t j = 0; j <= mm; j++) {
			cum += c[j];
			if (ldexp((double)cum, -(int)n) > half) /* exact below 2^53 */
				break;
			k = j + 1;
		}
		free(c);
	} else {
		double z = 0.0;
		assert_int_equal(stats_normal_quantile(&z, 1.0 - half), STATS_OK);
		double dn = (double)n, sigma = sqrt(dn * (dn + 1.0) * (2.0 * dn + 1.0) / 24.0);
		double kf = floor((double)mm / 2.0 + 0.5 - z * sigma);
		k = kf < 1.0 ? 0 : (size_t)kf;
	}
	if (k < 1)
		k = 1;
	if (k > (mm + 1) / 2)
		k = (mm + 1) / 2;
	return k;
}

/* The order statistics found without materialising the Walsh averages equal
 * those of the materialised, fully sorted averages, on awkward data: heavy
 * tails, outliers many orders of magnitude out, heavy ties, zeros, constant
 * runs, negative and positive shifts, tiny n. */
static void test_walsh_brute(void **state)
{
	(void)state;
	const size_t sizes[] = {1, 2, 3, 4, 5, 7, 10, 16, 31, 50, 51, 64, 100, 257};
	const double confs[] = {0.5, 0.9, 0.99, 0.9996875};
	struct trng r = {2024};
	double d[257], *w = malloc(257 * 258 / 2 * sizeof *w), s[2 * 257 + 1000];
	assert_non_null(w);
	for (int shape = 0; shape < 7; shape++) {
		for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
			size_t n = sizes[si];
			for (size_t i = 0; i < n; i++) {
				double g = trng_gauss(&r), u = trng_uniform(&r);
				switch (shape) {
				case 0: d[i] = 0.05 * g + 0.01; break;
				case 1: d[i] = 0.01 * tan(3.14159 * (u - 0.5)); break; /* Cauchy */
				case 2: d[i] = u < 0.05 ? 1e6 * g : 1e-6 * g; break;  /* outliers */
				case 3: d[i] = round(3.0 * g) / 100.0; break;          /* ties, zeros */
				case 4: d[i] = i % 3 ? 0.02 : -0.01 * (double)(i % 5); break;
				case 5: d[i] = -1.0 - 1e-3 * g; break;
				default: d[i] = ldexp(1.0 + u, -1000 + (int)(20.0 * g)); break; /* tiny */
				}
			}
			size_t mm = n * (n + 1) / 2, idx = 0;
			for (size_t i = 0; i < n; i++)
				for (size_t j = i; j < n; j++)
					w[idx++] = (d[i] + d[j]) / 2.0;
			qsort(w, mm, sizeof *w, cmp_double);
			double med = mm % 2 ? w[mm / 2] : (w[mm / 2 - 1] + w[mm / 2]) / 2.0;
			for (size_t ci = 0; ci < 4; ci++) {
				struct stats_hodges_lehmann hl;
				assert_true(stats_hodges_lehmann_scratch_len(n) <= sizeof s / sizeof s[0]);
				assert_int_equal(stats_hodges_lehmann(&hl, d, n, confs[ci], s,
								      sizeof s / sizeof s[0]),
						 STATS_OK);
				size_t k = rank_k(n, confs[ci]);
				if (hl.estimate != med || hl.lo != w[k - 1] || hl.hi != w[mm - k])
					fail_msg("shape %d n %zu conf %g: [%.17g %.17g %.17g], want "
						 "[%.17g %.17g %.17g] (k %zu)",
						 shape, n, confs[ci], hl.lo, hl.estimate, hl.hi,
						 w[k - 1], med, w[mm - k], k);
			}
		}
	}
	free(w);
}

/* For the record: the order statistics without materialising the Walsh
 * averages, against materialising them and selecting (quickselect) or fully
 * sorting. */
static void test_selection_speed(void **state)
{
	(void)state;
	const size_t n = 2000, mm = n * (n + 1) / 2;
	double *d = malloc(n * sizeof *d), *w = malloc(mm * sizeof *w);
	assert_true(d && w);
	struct trng r = {5};
	for (size_t i = 0; i < n; i++)
		d[i] = 0.05 * trng_gauss(&r);
	struct stats_hodges_lehmann hl;
	double t0 = now();
	assert_int_equal(stats_hodges_lehmann(&hl, d, n, 0.99, w, mm), STATS_OK);
	double t_hl = now() - t0;
	t0 = now();
	size_t idx = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			w[idx++] = (d[i] + d[j]) / 2.0;
	stats__select(w, mm, (mm - 1) / 2);
	double lower_median = w[(mm - 1) / 2];
	double t_select = now() - t0;
	stats__sort(w, mm);
	double t_sort = now() - t0 - t_select;
	print_message("Hodges-Lehmann of %zu differences (%zu Walsh averages): %.4f s; "
		      "materialised, one quickselect %.4f s, full sort %.4f s\n",
		      n, mm, t_hl, t_select, t_sort);
	assert_true(w[(mm - 1) / 2] == lower_median);
	assert_true(hl.estimate == (w[mm / 2 - 1] + w[mm / 2]) / 2.0);
	assert_true(t_hl < t_select); /* about 50 times less */
	free(w);
	free(d);
}

static void test_bh(void **state)
{
	(void)state;
	char what[96];
	for (size_t k = 0; k < FXP_COUNT(fxp_bh_cases); k++) {
		const struct fxp_bh *f = &fxp_bh_cases[k];
		double q[300], p[300];
		size_t order[300];
		assert_true(f->m <= 300);
		assert_int_equal(stats_bh_adjust(q, f->p, f->m, order), STATS_OK);
		memcpy(p, f->p, f->m * sizeof *p);
		assert_int_equal(stats_bh_adjust(p, p, f->m, order), STATS_OK); /* aliased */
		for (size_t i = 0; i < f->m; i++) {
			snprintf(what, sizeof what, "%s: q[%zu]", f->name, i);
			track(W_BH, q[i], f->q[i], 1e-14, what);
			assert_true(p[i] == q[i]);
			assert_true(q[i] >= f->p[i] && q[i] <= 1.0);
		}
	}
	double q[3];
	size_t order[3];
	const double bad[3] = {0.1, 1.5, 0.2}, nanp[3] = {0.1, NAN, 0.2}, negp[2] = {-0.1, 0.2};
	assert_int_equal(stats_bh_adjust(q, bad, 3, order), STATS_EINVAL);
	assert_int_equal(stats_bh_adjust(q, nanp, 3, order), STATS_ENONFINITE);
	assert_int_equal(stats_bh_adjust(q, negp, 2, order), STATS_EINVAL);
	assert_int_equal(stats_bh_adjust(q, bad, 0, order), STATS_EEMPTY);
	assert_int_equal(stats_bh_adjust(q, bad, 1, NULL), STATS_EINVAL);
}

static void test_sequential(void **state)
{
	(void)state;
	struct stats_sequential s;
	/* 10 .. 320 pairs: looks at 10, 20, 40, 80, 160, 320, levels alpha times
	 * 10, 10, 20, 40, 80, 160 / 320 */
	assert_int_equal(stats_sequential_init(&s, 10, 320, 0.01), STATS_OK);
	const size_t size[] = {10, 20, 40, 80, 160, 320};
	const double level[] = {0.0003125, 0.0003125, 0.000625, 0.00125, 0.0025, 0.005};
	assert_int_equal(s.looks, 6);
	assert_true(s.alpha == 0.01);
	double sum = 0.0;
	for (size_t k = 0; k < 6; k++) {
		assert_int_equal(s.size[k], size[k]);
		assert_close(s.level[k], level[k], 1e-15, "level");
		assert_int_equal(stats_sequential_look(&s, size[k]), (long)k);
		sum += s.level[k];
	}
	assert_close(sum, 0.01, 1e-15, "levels sum to alpha");
	assert_int_equal(stats_sequential_look(&s, 30), -1);
	assert_int_equal(stats_sequential_look(&s, 640), -1);

	/* a cap that is not a doubling: the last look is the cap */
	assert_int_equal(stats_sequential_init(&s, 10, 100, 0.05), STATS_OK);
	const size_t size2[] = {10, 20, 40, 80, 100};
	const double level2[] = {0.005, 0.005, 0.01, 0.02, 0.01};
	assert_int_equal(s.looks, 5);
	for (size_t k = 0; k < 5; k++) {
		assert_int_equal(s.size[k], size2[k]);
		assert_close(s.level[k], level2[k], 1e-15, "level (cap 100)");
	}
	/* cap == first: a single look at alpha, exactly */
	assert_int_equal(stats_sequential_init(&s, 30, 30, 0.01), STATS_OK);
	assert_true(s.looks == 1 && s.size[0] == 30 && s.level[0] == 0.01);
	/* 2^31 from 1 takes 32 looks; one more is too many */
	assert_int_equal(stats_sequential_init(&s, 1, (size_t)1 << 31, 0.01), STATS_OK);
	assert_int_equal(s.looks, 32);
	assert_true(s.level[31] == 0.005);
	assert_int_equal(stats_sequential_init(&s, 1, ((size_t)1 << 31) + 1, 0.01), STATS_EINVAL);
	/* invalid arguments */
	assert_int_equal(stats_sequential_init(&s, 0, 10, 0.01), STATS_EINVAL);
	assert_int_equal(stats_sequential_init(&s, 20, 10, 0.01), STATS_EINVAL);
	assert_int_equal(stats_sequential_init(&s, 10, 20, 0.0), STATS_EINVAL);
	assert_int_equal(stats_sequential_init(&s, 10, 20, 1.0), STATS_EINVAL);
	assert_int_equal(stats_sequential_init(NULL, 10, 20, 0.01), STATS_EINVAL);
	assert_int_equal(stats_sequential_look(NULL, 10), -1);
}

static int report(void **state)
{
	(void)state;
	for (int i = 0; i < 6; i++)
		print_message("worst relative error vs reference, %-15s %.3g\n", worst_name[i],
			      worst[i]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),  cmocka_unit_test(test_edges),
		cmocka_unit_test(test_large),     cmocka_unit_test(test_walsh_brute),
		cmocka_unit_test(test_selection_speed),
		cmocka_unit_test(test_bh),        cmocka_unit_test(test_sequential),
	};
	return cmocka_run_group_tests(tests, NULL, report);
}
