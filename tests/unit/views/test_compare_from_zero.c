/* compare/'s metric tables when side a's mean is 0 (a count of errors,
 * say): no ratio b/a, but the change from 0 is shown by its absolute size,
 * and 0 on both sides reads as no change, never "not comparable". */
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

/* A run of commit: benchmarks x and y, x counting errors per iteration,
 * y none. */
static void run(struct vfix *f, const char *commit, double x_errors)
{
	struct store_metric_def def = {.name = "errors", .unit = "count"};
	struct store_metric_sample ms[8];
	double t[4] = {0.010, 0.0101, 0.0099, 0.010};
	int64_t id = vfix_start(f, commit);
	vfix_samples(f, id, "x", t, 4);
	vfix_samples(f, id, "y", t, 4);
	for (int k = 0; k < 4; k++) {
		ms[2 * k] = (struct store_metric_sample){.benchmark = "x", .metric = "errors",
							 .iteration = k + 1, .value = x_errors};
		ms[2 * k + 1] = (struct store_metric_sample){.benchmark = "y", .metric = "errors",
							     .iteration = k + 1, .value = 0};
	}
	assert_int_equal(store_metric_samples_add(f->store, id, &def, 1, ms, 8), STORE_OK);
	vfix_done(f, id);
}

static void test_from_zero(void **state)
{
	struct vfix *f = vfix_new("fromzero");
	char c1[41], c2[41], *text = NULL;
	struct side_ref a, b;
	(void)state;
	vfix_commit(f, c1, "c1");
	vfix_commit(f, c2, "c2");
	for (int i = 0; i < 3; i++) {
		run(f, c1, 0);
		run(f, c2, 3);
	}
	assert_int_equal(side_resolve(&a, &f->ctx, c1), 0);
	assert_int_equal(side_resolve(&b, &f->ctx, c2), 0);
	assert_int_equal(compare_render(&text, &f->ctx, c1, &a, c2, &b, COMPARE_MD), 0);
	if (!strstr(text, "| x | 0.000 count ± 0.000 count (12) | 3.000 count ± 0.000 count (12) |"
			  " +3.000 count | — | — | — | changed from 0 (no ratio; untested) |") ||
	    !strstr(text, " | 0 | — | — | — | unchanged (0 on both sides) |")) {
		fprintf(stderr, "%s\n", text);
		fail_msg("no change from 0 in the errors table (above)");
	}
	assert_null(strstr(text, "not comparable"));
	free(text);
	vfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_zero),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
