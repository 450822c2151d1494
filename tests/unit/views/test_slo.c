/* views/slo against a temporary store and repository, no mount: a ceiling is
 * breached by a commit whose runs are all well above it, holds well below
 * it, and is undecided on one run while the host's noise is unknown (and
 * decided once it is known); the median ignores an outlying iteration the
 * mean does not; a band against a pinned baseline is breached by a clear
 * slowdown and holds within its tolerance; a baseline that is not pinned is
 * bad input; and the slo file's lines. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "repo/repo.h"
#include "tests/unit/views/views_fixture.h"
#include "views/slo.h"

#define ITERATIONS 10

static unsigned long long seed = 7;

/* Uniform in [-0.5, 0.5): a repeatable jitter. */
static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

/* A finished run of commit: bench's ITERATIONS times around mean (+-1%). */
static int64_t run_of(struct vfix *f, const char *commit, const char *bench, double mean)
{
	double t[ITERATIONS];
	for (size_t i = 0; i < ITERATIONS; i++)
		t[i] = mean * (1 + 0.02 * jitter());
	return vfix_run(f, commit, bench, t, ITERATIONS);
}

static struct config *config_of(const char *json)
{
	struct config *c = NULL;
	char err[512];
	if (config_parse(&c, json, err, sizeof(err)))
		fail_msg("config: %s", err);
	return c;
}

static const struct slo_result *find(const struct slo_result *r, size_t n, const char *bench,
				     enum slo_kind kind)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].bench, bench) == 0 && r[i].kind == kind)
			return &r[i];
	fail_msg("no result for %s", bench);
	return NULL;
}

/* c1: three runs of "work" at 60 ms, of "quick" at 10 ms. */
static void test_ceiling(void **state)
{
	struct vfix *f = vfix_new("slo_ceiling");
	struct config *cfg = config_of(
		"{\"benchmarks\": [{\"name\":\"work\",\"command\":\"x\",\"slo\":{\"max\":\"20ms\"}},"
		" {\"name\":\"quick\",\"command\":\"x\",\"slo\":{\"max\":\"1s\"}},"
		" {\"name\":\"near\",\"command\":\"x\",\"slo\":{\"max\":\"10ms\"}},"
		" {\"name\":\"none\",\"command\":\"x\"}]}");
	struct slo_result *r;
	const struct slo_result *w, *q, *nr;
	char c1[41];
	size_t n;
	(void)state;
	vfix_commit(f, c1, "one");
	for (int i = 0; i < 3; i++) {
		int64_t id = vfix_start(f, c1);
		double t[ITERATIONS], u[ITERATIONS], v[ITERATIONS];
		for (size_t k = 0; k < ITERATIONS; k++) {
			t[k] = 0.060 * (1 + 0.02 * jitter());
			u[k] = 0.010 * (1 + 0.02 * jitter());
			/* around the limit: runs of 9.5, 10 and 10.5 ms */
			v[k] = 0.010 * (1 + 0.05 * (i - 1)) * (1 + 0.001 * jitter());
		}
		vfix_samples(f, id, "work", t, ITERATIONS);
		vfix_samples(f, id, "quick", u, ITERATIONS);
		vfix_samples(f, id, "near", v, ITERATIONS);
		vfix_done(f, id);
	}
	assert_int_equal(slo_evaluate(&r, &n, &f->ctx, cfg, c1), 0);
	assert_int_equal(n, 3);
	w = find(r, n, "work", SLO_MAX);
	q = find(r, n, "quick", SLO_MAX);
	nr = find(r, n, "near", SLO_MAX);
	assert_int_equal(w->verdict, SLO_BREACHED);
	assert_int_equal(w->runs, 3);
	assert_true(fabs(w->value - 0.060) < 0.001);
	assert_true(w->lo > 0.020 && w->lo < w->value && w->hi > w->value);
	assert_true(w->limit == 0.020 && !w->median && !w->invalid && !w->reason);
	assert_true(fabs(w->confidence - 0.95) < 1e-12); /* the fixture's alpha is 0.05 */
	assert_int_equal(q->verdict, SLO_HOLDS);
	assert_true(q->hi < 1.0);
	/* three runs 5% apart straddle their own limit */
	assert_int_equal(nr->verdict, SLO_UNDECIDED);
	assert_true(nr->lo < 0.010 && nr->hi > 0.010);
	assert_non_null(strstr(nr->reason, "the interval holds the limit"));
	slo_results_free(r, n);

	/* a name that resolves to nothing */
	assert_int_equal(slo_evaluate(&r, &n, &f->ctx, cfg, "no-such-rev"), -ENOENT);
	config_free(cfg);
	vfix_free(f);
}

/* One run: undecided until the host's noise is known, then decided. */
static void test_one_run(void **state)
{
	struct vfix *f = vfix_new("slo_one_run");
	struct config *cfg = config_of(
		"{\"slo\":{\"max\":\"20ms\"}, \"benchmarks\": [{\"name\":\"work\",\"command\":\"x\"}]}");
	struct slo_result *r;
	char c[13][41];
	size_t n;
	(void)state;
	vfix_commit(f, c[0], "first");
	run_of(f, c[0], "work", 0.060);
	assert_int_equal(slo_evaluate(&r, &n, &f->ctx, cfg, c[0]), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].verdict, SLO_UNDECIDED);
	assert_int_equal(r[0].runs, 1);
	assert_true(fabs(r[0].value - 0.060) < 0.001 && isnan(r[0].lo) && !r[0].invalid);
	assert_non_null(strstr(r[0].reason, "one run of"));
	assert_non_null(strstr(r[0].reason, "(0 of the 11 runs of work it needs)"));
	assert_non_null(strstr(r[0].reason, "2 runs or more"));
	slo_results_free(r, n);
	/* eleven more commits, one run each around 60 ms: the noise is known */
	for (int i = 1; i < 13; i++) {
		vfix_commit(f, c[i], "next");
		run_of(f, c[i], "work", 0.060 * (1 + 0.04 * jitter()));
	}
	assert_int_equal(slo_evaluate(&r, &n, &f->ctx, cfg, c[12]), 0);
	assert_int_equal(r[0].verdict, SLO_BREACHED);
	assert_int_equal(r[0].runs, 1);
	assert_null(r[0].reason);
	slo_results_free(r, n);
	config_free(cfg);
	vfix_free(f);
}

/* A slow iteration in every run: the mean is above 50 ms, the median not. */
static void test_median(void **state)
{
	struct vfix *f = vfix_new("slo_median");
	struct config *cfg = config_of(
		"{\"benchmarks\": [{\"name\":\"m\",\"command\":\"x\","
		" \"slo\":{\"max\":\"50ms\",\"statistic\":\"median\"}},"
		" {\"name\":\"a\",\"command\":\"x\",\"slo\":{\"max\":\"50ms\"}}]}");
	struct slo_result *r;
	char c1[41];
	size_t n;
	(void)state;
	vfix_commit(f, c1, "one");
	for (int i = 0; i < 3; i++) {
		int64_t id = vfix_start(f, c1);
		double t[ITERATIONS];
		for (size_t k = 0; k < ITERATIONS; k++)
			t[k] = 0.010 * (1 + 0.02 * jitter());
		t[3] = 1.0;
		vfix_samples(f, id, "m", t, ITERATIONS);
		vfix_samples(f, id, "a", t, ITERATIONS);
		vfix_done(f, id);
	}
	assert_int_equal(slo_evaluate(&r, &n, &f->ctx, cfg, c1), 0);
	assert_int_equal(n, 2);
	assert_true(find(r, n, "m", SLO_MAX)->median);
	assert_int_equal(find(r, n, "m", SLO_MAX)->verdict, SLO_HOLDS);
	assert_true(fabs(find(r, n, "m", SLO_MAX)->value - 0.010) < 0.0005);
	assert_int_equal(find(r, n, "a", SLO_MAX)->verdict, SLO_BREACHED);
	assert_true(find(r, n, "a", SLO_MAX)->value > 0.1);
	slo_results_free(r, n);
	config_free(cfg);
	vfix_free(f);
}

/* release: three runs at 10 ms; c2: "slow" 30% slower, "flat" the same. */
static void test_band(void **state)
{
	struct vfix *f = vfix_new("slo_band");
	struct config *cfg = config_of(
		"{\"benchmarks\": [{\"name\":\"slow\",\"command\":\"x\","
		"  \"slo\":{\"baseline\":\"release\",\"tolerance\":0.05,\"max\":\"1s\"}},"
		" {\"name\":\"flat\",\"command\":\"x\",\"slo\":{\"baseline\":\"release\",\"tolerance\":0.5}},"
		" {\"name\":\"lost\",\"command\":\"x\",\"slo\":{\"baseline\":\"gone\",\"tolerance\":0.5}}]}");
	struct slo_result *r;
	const struct slo_result *s, *fl, *lost;
	char c1[41], c2[41], *text;
	size_t n;
	(void)state;
	vfix_commit(f, c1, "one");
	vfix_commit(f, c2, "two");
	for (int side = 0; side < 2; side++)
		for (int i = 0; i < 3; i++) {
			int64_t id = vfix_start(f, side ? c2 : c1);
			double t[ITERATIONS], u[ITERATIONS];
			for (size_t k = 0; k < ITERATIONS; k++) {
				t[k] = 0.010 * (side ? 1.3 : 1.0) * (1 + 0.02 * jitter());
				u[k] = 0.010 * (1 + 0.02 * jitter());
			}
			vfix_samples(f, id, "slow", t, ITERATIONS);
			vfix_samples(f, id, "flat", u, ITERATIONS);
			vfix_samples(f, id, "lost", u, ITERATIONS);
			vfix_done(f, id);
		}
	assert_int_equal(store_baseline_set(f->store, "release", "main~1", c1), STORE_OK);
	assert_int_equal(slo_evaluate(&r, &n, &f->ctx, cfg, c2), 0);
	assert_int_equal(n, 4);
	/* the configuration's order, the ceiling before the band */
	assert_int_equal(r[0].kind, SLO_MAX);
	assert_int_equal(r[1].kind, SLO_BAND);
	s = find(r, n, "slow", SLO_BAND);
	fl = find(r, n, "flat", SLO_BAND);
	lost = find(r, n, "lost", SLO_BAND);
	assert_int_equal(s->verdict, SLO_BREACHED);
	assert_string_equal(s->baseline, "release");
	assert_true(s->limit == 0.05 && fabs(s->value - 1.3) < 0.02 && s->lo > 1.05);
	assert_int_equal(fl->verdict, SLO_HOLDS);
	assert_true(fl->hi <= 1.5 && !fl->invalid);
	assert_int_equal(lost->verdict, SLO_UNDECIDED);
	assert_true(lost->invalid);
	assert_non_null(strstr(lost->reason, "no baseline gone is pinned"));

	text = slo_results_text(r, n);
	assert_non_null(text);
	print_message("%s", text);
	assert_non_null(strstr(text, "slow\tmax\t1 s mean\t"));
	assert_non_null(strstr(text, "\tholds\t-\n"));
	assert_non_null(strstr(text, "slow\tband\trelease +5%\t+3"));
	assert_non_null(strstr(text, "\tbreached\t-\n"));
	assert_non_null(strstr(text, "lost\tband\tgone +50%\t-\t-\tundecided\tno baseline gone"));
	/* one line per result */
	{
		size_t lines = 0;
		for (const char *c = text; *c; c++)
			lines += *c == '\n';
		assert_int_equal(lines, n);
	}
	free(text);
	slo_results_free(r, n);

	/* the file: the commit of the newest finished run, here c2 */
	f->ctx.config = cfg;
	assert_int_equal(slo_render(&text, &f->ctx), 0);
	assert_non_null(strstr(text, "slow\tband\trelease +5%\t+3"));
	free(text);
	config_free(cfg);
	/* nothing configured: empty */
	cfg = config_of("{\"benchmarks\": [{\"name\":\"slow\",\"command\":\"x\"}]}");
	f->ctx.config = cfg;
	assert_int_equal(slo_render(&text, &f->ctx), 0);
	assert_string_equal(text, "");
	free(text);
	f->ctx.config = NULL;
	assert_int_equal(slo_render(&text, &f->ctx), 0);
	assert_string_equal(text, "");
	free(text);
	config_free(cfg);
	vfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ceiling),
		cmocka_unit_test(test_one_run),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_band),
	};
	assert_int_equal(repo_lib_init(), 0);
	return cmocka_run_group_tests_name("slo", tests, NULL, NULL);
}
