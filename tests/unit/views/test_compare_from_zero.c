/* compare/'s metric tables when a side's mean is 0 (a count of errors,
 * say): no ratio b/a, but the change from or to 0 is shown by its absolute
 * size and tested (Mann-Whitney U on the raw values), and 0 on both sides
 * reads as no change, never "not comparable". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "repo/repo.h"
#include "tests/unit/views/views_fixture.h"
#include "views/compare.h"
#include "views/sides.h"

/* Benchmarks x and y of run id, n iterations, x counting x_errors errors
 * per iteration, y none. */
static void errors(struct vfix *f, int64_t id, double x_errors, size_t n)
{
	struct store_metric_def def = {.name = "errors", .unit = "count"};
	struct store_metric_sample ms[32];
	double t[16];
	assert_true(n <= 16);
	for (size_t k = 0; k < n; k++)
		t[k] = 0.010 + 0.0001 * (double)(k % 3);
	vfix_samples(f, id, "x", t, n);
	vfix_samples(f, id, "y", t, n);
	for (size_t k = 0; k < n; k++) {
		ms[2 * k] = (struct store_metric_sample){.benchmark = "x", .metric = "errors",
							 .iteration = (int)k + 1, .value = x_errors};
		ms[2 * k + 1] = (struct store_metric_sample){.benchmark = "y", .metric = "errors",
							     .iteration = (int)k + 1, .value = 0};
	}
	assert_int_equal(store_metric_samples_add(f->store, id, &def, 1, ms, 2 * n), STORE_OK);
}

static void run(struct vfix *f, const char *commit, double x_errors)
{
	int64_t id = vfix_start(f, commit);
	errors(f, id, x_errors, 4);
	vfix_done(f, id);
}

static char *render(struct vfix *f, const char *c1, const char *c2, enum compare_format format)
{
	struct side_ref a, b;
	char *text = NULL;
	assert_int_equal(side_resolve(&a, &f->ctx, c1), 0);
	assert_int_equal(side_resolve(&b, &f->ctx, c2), 0);
	assert_int_equal(compare_render(&text, &f->ctx, c1, &a, c2, &b, format), 0);
	return text;
}

static void expect(const char *text, const char *const *parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strstr(text, parts[i])) {
			fprintf(stderr, "%s\n", text);
			fail_msg("no \"%s\" in the compare above", parts[i]);
		}
	assert_null(strstr(text, "not comparable"));
}

/* Separate runs: one mean per run, Mann-Whitney U on 3 against 3 runs
 * (0, 0, 0 against 3, 3, 3: p = 0.0469, the tie-corrected normal
 * approximation SciPy's mannwhitneyu uses, below the fixture's alpha 0.05): errors that appeared are worse. */
static void test_from_zero(void **state)
{
	static const char *const md[] = {
		"| x | 0.000 count ± 0.000 count (12) | 3.000 count ± 0.000 count (12) |"
		" +3.000 count (from 0) | — | 0.0469 | 3 vs 3 runs; 0 history runs | worse |",
		" | 0 | — | — | — | unchanged (0 on both sides) |",
		"1 worse, 0 better, 1 unchanged, 0 undecided",
	};
	/* no ratio of a change from 0 (the schema's ratio is above 0 or null) */
	static const char *const json[] = {"\"ratio\": null", "\"verdict\": \"worse\""};
	struct vfix *f = vfix_new("fromzero");
	char c1[41], c2[41], *text;
	(void)state;
	vfix_commit(f, c1, "c1");
	vfix_commit(f, c2, "c2");
	for (int i = 0; i < 3; i++) {
		run(f, c1, 0);
		run(f, c2, 3);
	}
	text = render(f, c1, c2, COMPARE_MD);
	expect(text, md, sizeof(md) / sizeof(md[0]));
	free(text);
	text = render(f, c1, c2, COMPARE_JSON);
	expect(text, json, sizeof(json) / sizeof(json[0]));
	free(text);
	vfix_free(f);
}

/* One run a side cannot decide a change from 0 (p = 1): undecided, and the
 * reason says what would decide it. */
static void test_one_run(void **state)
{
	static const char *const md[] = {
		" +3.000 count (from 0) | — | 1.0000 | 1 vs 1 runs; 0 history runs | undecided |",
		"changed from 0 by +3 count, not significant (Mann-Whitney U on the means of 1 and"
		" 1 runs",
		/* 0, 0, 0 against 3, 3, 3 runs: p = 0.0469 <= 0.05 */
		"more runs of each side can decide it (3 a side decide a change seen in every run)",
	};
	struct vfix *f = vfix_new("fromzero1");
	char c1[41], c2[41], *text;
	(void)state;
	vfix_commit(f, c1, "c1");
	vfix_commit(f, c2, "c2");
	run(f, c1, 0);
	run(f, c2, 3);
	text = render(f, c1, c2, COMPARE_MD);
	expect(text, md, sizeof(md) / sizeof(md[0]));
	free(text);
	vfix_free(f);
}

/* An A/B job: its iterations are the samples. Errors going 2 -> 0 over 12
 * iterations (p = 1.9e-06) are better, in a's direction: "to 0". */
static void test_to_zero_paired(void **state)
{
	static const char *const md[] = {
		"| x | 2.000 count ± 0.000 count (12) | 0.000 count ± 0.000 count (12) |"
		" -2.000 count (to 0) | — |",
		"12 pairs | better |",
	};
	struct vfix *f = vfix_new("tozero");
	char c1[41], c2[41], *text;
	int64_t ids[2];
	(void)state;
	vfix_commit(f, c1, "c1");
	vfix_commit(f, c2, "c2");
	vfix_start_pair(f, ids, c1, c2);
	errors(f, ids[0], 2, 12);
	errors(f, ids[1], 0, 12);
	vfix_done(f, ids[0]);
	vfix_done(f, ids[1]);
	text = render(f, c1, c2, COMPARE_MD);
	expect(text, md, sizeof(md) / sizeof(md[0]));
	free(text);
	vfix_free(f);
}

/* memory at 0 is a run that did not record it (an older benchfs's), not a
 * change from 0: nothing is tested, and the row says why. */
static void test_memory_unrecorded(void **state)
{
	static const char *const md[] = {"not comparable (0 on side a: its runs did not record it)"};
	struct vfix *f = vfix_new("fromzeromem");
	struct store_iteration its[4];
	char c1[41], c2[41], *text;
	(void)state;
	vfix_commit(f, c1, "c1");
	vfix_commit(f, c2, "c2");
	for (int side = 0; side < 2; side++)
		for (int i = 0; i < 3; i++) {
			int64_t id = vfix_start(f, side ? c2 : c1);
			for (int k = 0; k < 4; k++)
				its[k] = (struct store_iteration){.benchmark = "x", .iteration = k + 1,
								  .wall_ns = 10000000 + k * 1000,
								  .maxrss_bytes = side ? 1 << 20 : 0};
			assert_int_equal(store_iterations_add(f->store, id, its, 4), STORE_OK);
			vfix_done(f, id);
		}
	text = render(f, c1, c2, COMPARE_MD);
	for (size_t i = 0; i < sizeof(md) / sizeof(md[0]); i++)
		if (!strstr(text, md[i])) {
			fprintf(stderr, "%s\n", text);
			fail_msg("no \"%s\" in the compare above", md[i]);
		}
	assert_null(strstr(text, "(from 0)"));
	free(text);
	vfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_zero),
		cmocka_unit_test(test_one_run),
		cmocka_unit_test(test_to_zero_paired),
		cmocka_unit_test(test_memory_unrecorded),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
