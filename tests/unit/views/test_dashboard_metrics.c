/* index.html's metrics (views/dashboard.h): beside each benchmark's wall
 * time, each of its metrics as a small sparkline with its newest mean,
 * linking to history/<bench>:<metric>.svg, the change in the link's title
 * and coloured by the metric's direction; from the store, cpu and memory of
 * the samples and a declared metric, one that is 0 everywhere left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "tests/unit/views/views_fixture.h"
#include "views/dashboard.h"

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_page(void **state)
{
	enum { N = 200 };
	static double wall[] = {1e-3, 1.1e-3}, cpu[N], mem[] = {1048576.0, 2097152.0},
		      rps[] = {1000.0, NAN, 800.0};
	struct dashboard_metric metrics[] = {
		{.name = "cpu", .unit = "s", .means = cpu, .nmeans = N, .last = 9e-4, .prev = 9e-4},
		{.name = "memory", .unit = "bytes", .means = mem, .nmeans = 2, .last = 2097152.0,
		 .prev = 1048576.0},
		{.name = "rps", .unit = "req/s", .higher_is_better = true, .means = rps, .nmeans = 3,
		 .last = 800.0, .prev = 1000.0},
	};
	struct dashboard_bench bench = {.name = "a<b", .means = wall, .nmeans = 2, .commits = 2,
					.last = 1.1e-3, .prev = 1e-3, .metrics = metrics,
					.nmetrics = 3};
	struct dashboard_page page = {.branch = "main", .tip = "t", .threshold = 0.05,
				      .benches = &bench, .nbenches = 1};
	char *html = NULL, *spark, *end;
	size_t len;
	(void)state;
	for (size_t i = 0; i < N; i++)
		cpu[i] = 1e-3 * (1 + 0.1 * (double)(i % 7));
	assert_int_equal(dashboard_html(&html, &len, &page), 0);
	/* Each metric links to its plot, named and escaped as history/ lists it. */
	assert_non_null(strstr(html, "<a href=\"history/a%3Cb%3Acpu.svg\" title=\"cpu per commit;"
				     " newest 900.0 µs, +0.0% from the commit before\">"));
	assert_non_null(strstr(html, "<a href=\"history/a%3Cb%3Amemory.svg\" title=\"memory per"
				     " commit; newest 2.0 MiB, +100.0% from the commit before\">"));
	assert_non_null(strstr(html, "href=\"history/a%3Cb%3Arps.svg\" title=\"rps per commit;"
				     " newest 800 req/s, -20.0% from the commit before\">"));
	/* Coloured by direction: more memory is worse, fewer requests too. */
	assert_non_null(strstr(html, "memory</span> <span class=\"bad\">2.0 MiB</span>"));
	assert_non_null(strstr(html, "rps</span> <span class=\"bad\">800 req/s</span>"));
	assert_non_null(strstr(html, "cpu</span> <span>900.0 µs</span>"));
	/* Three small sparklines besides the wall time's; a long one in buckets. */
	assert_int_equal(count_of(html, "<svg class=\"spark mini\" width=\"48\" height=\"14\""), 3);
	assert_int_equal(count_of(html, "<svg class=\"spark\" width=\"120\""), 1);
	assert_non_null(spark = strstr(html, "<svg class=\"spark mini\""));
	assert_non_null(end = strstr(spark, "</svg>"));
	*end = '\0';
	assert_int_equal(count_of(spark, ","), DASHBOARD_METRIC_POINTS);
	assert_null(strstr(html, "nan"));
	free(html);
}

/* From the store: runs with cpu and memory in their samples, a declared
 * metric, and one declared metric that is 0 everywhere. */
static void test_render(void **state)
{
	struct vfix *f = vfix_new("dashmetrics");
	char c[3][41], *html = NULL;
	size_t len;
	struct store_metric_def defs[] = {{.name = "rps", .unit = "req/s", .higher_is_better = true},
					  {.name = "zero", .unit = "count"}};
	(void)state;
	for (int i = 0; i < 3; i++) {
		struct store_iteration its[4];
		struct store_metric_sample ms[8];
		int64_t id;
		vfix_commit(f, c[i], "c");
		id = vfix_start(f, c[i]);
		for (int k = 0; k < 4; k++) {
			its[k] = (struct store_iteration){.benchmark = "b", .iteration = k + 1,
							  .wall_ns = 10000000, .user_ns = 8000000,
							  .sys_ns = 1000000,
							  .maxrss_bytes = (int64_t)(i + 1) << 20};
			ms[2 * k] = (struct store_metric_sample){.benchmark = "b", .metric = "rps",
								 .iteration = k + 1,
								 .value = 100.0 * (i + 1)};
			ms[2 * k + 1] = (struct store_metric_sample){.benchmark = "b", .metric = "zero",
								     .iteration = k + 1, .value = 0};
		}
		assert_int_equal(store_iterations_add(f->store, id, its, 4), STORE_OK);
		assert_int_equal(store_metric_samples_add(f->store, id, defs, 2, ms, 8), STORE_OK);
		vfix_done(f, id);
	}
	assert_int_equal(dashboard_render(&html, &len, &f->ctx, c[2]), 0);
	assert_non_null(strstr(html, "href=\"history/b%3Acpu.svg\" title=\"cpu per commit; newest"
				     " 9.000 ms, +0.0% from the commit before\""));
	assert_non_null(strstr(html, "href=\"history/b%3Amemory.svg\" title=\"memory per commit;"
				     " newest 3.0 MiB, +50.0% from the commit before\""));
	assert_non_null(strstr(html, "href=\"history/b%3Arps.svg\" title=\"rps per commit; newest"
				     " 300 req/s, +50.0% from the commit before\""));
	assert_non_null(strstr(html, "rps</span> <span class=\"good\">300 req/s</span>"));
	assert_null(strstr(html, "b%3Azero"));
	free(html);
	vfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_render),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
