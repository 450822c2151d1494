/* Unit tests for views/dashboard.h's page (dashboard_html, a pure function):
 * names with <, &, quotes and bytes that are not UTF-8 are escaped in text
 * and attributes and percent-encoded in links; benchmarks are grouped by
 * prefix, groups of one under "other"; a long history's sparkline is
 * drawn in buckets, gaps skipped, no nan printed; nothing is fetched. */
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

#include "views/dashboard.h"

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static char *page_html(const struct dashboard_page *page)
{
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(dashboard_html(&text, &len, page), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_group_len(void **state)
{
	(void)state;
	assert_int_equal(dashboard_group_len("sort-2k"), 4);
	assert_int_equal(dashboard_group_len("parse_json"), 5);
	assert_int_equal(dashboard_group_len("db/insert"), 2);
	assert_int_equal(dashboard_group_len("sort[size=1k]"), 4);
	assert_int_equal(dashboard_group_len("startup"), 7);
	/* A name that starts with a separator is its own prefix. */
	assert_int_equal(dashboard_group_len("-x-y"), 4);
}

static void test_escaping(void **state)
{
	static const char evil[] = "a<b>&c\"d'e\xff";
	double means[] = {1e-3, 1.1e-3};
	struct dashboard_bench benches[] = {
		{.name = evil, .means = means, .nmeans = 2, .commits = 2, .last = 1.1e-3,
		 .prev = 1e-3, .regressed = true},
	};
	struct dashboard_regression reg = {
		.commit = "v1<2", .bench = evil, .history = evil, .before = "1.00 ms",
		.after = "1.10 ms", .change = "+10.0%", .state = "new",
		.compare = "v1&..<v2>.md", .job = "run-1..run-2.md",
	};
	struct dashboard_run run = {.id = 7, .commit = "abc\"def", .revision = "<script>x</script>",
				    .status = "done & dusted", .when_ns = 1700000000000000000LL};
	struct dashboard_page page = {
		.branch = "ma<in", .tip = "t&p", .host = "h\"st", .ncommits = 2,
		.benches = benches, .nbenches = 1, .regressions = &reg, .nregressions = 1,
		.runs = &run, .nruns = 1, .queue = &run, .nqueue = 1,
	};
	char *html;
	(void)state;
	html = page_html(&page);
	/* Escaped wherever the name is text or an attribute value. */
	assert_non_null(strstr(html, ">a&lt;b&gt;&amp;c&quot;d&#39;e\xef\xbf\xbd</a>"));
	assert_non_null(strstr(html, "data-name=\"a&lt;b&gt;&amp;c&quot;d&#39;e\xef\xbf\xbd\""));
	assert_non_null(strstr(html, "title=\"a&lt;b&gt;&amp;c&quot;d&#39;e\xef\xbf\xbd\""));
	/* Percent-encoded in links (the raw byte too, as a file name has it). */
	assert_non_null(strstr(html, "href=\"history/a%3Cb%3E%26c%22d%27e%FF.svg\""));
	assert_non_null(strstr(html, "href=\"history/a%3Cb%3E%26c%22d%27e%FF.csv\""));
	assert_non_null(strstr(html, "href=\"compare/v1%26..%3Cv2%3E.md\""));
	assert_non_null(strstr(html, "href=\"compare/run-1..run-2.md\">A/B job</a>"));
	/* Every other field. */
	assert_non_null(strstr(html, "ma&lt;in"));
	assert_non_null(strstr(html, "t&amp;p"));
	assert_non_null(strstr(html, "h&quot;st"));
	assert_non_null(strstr(html, "v1&lt;2"));
	assert_non_null(strstr(html, "abc&quot;def"));
	assert_non_null(strstr(html, "&lt;script&gt;x&lt;/script&gt;"));
	assert_non_null(strstr(html, "done &amp; dusted"));
	assert_non_null(strstr(html, "href=\"runs/000007/\""));
	/* Nothing raw got through. */
	assert_null(strstr(html, "a<b"));
	assert_null(strstr(html, "<script>x"));
	assert_null(strstr(html, "\xff"));
	assert_int_equal(count_of(html, "<script"), 1);
	assert_non_null(strstr(html, "class=\"badge\">regression<"));
	free(html);
}

static void test_groups(void **state)
{
	double m[] = {1.0};
	struct dashboard_bench b[] = {
		{.name = "alpha", .means = m, .nmeans = 1, .last = NAN, .prev = NAN},
		{.name = "sort-10k", .means = m, .nmeans = 1, .last = NAN, .prev = NAN},
		{.name = "sort-2k", .means = m, .nmeans = 1, .last = NAN, .prev = NAN},
		{.name = "sort.x", .means = m, .nmeans = 1, .last = NAN, .prev = NAN},
		{.name = "sort[n=1]", .means = m, .nmeans = 1, .last = NAN, .prev = NAN},
		{.name = "sort_z", .means = m, .nmeans = 1, .last = NAN, .prev = NAN},
		{.name = "zeta", .means = m, .nmeans = 1, .last = NAN, .prev = NAN},
	};
	struct dashboard_page page = {.branch = "main", .tip = "abc", .benches = b, .nbenches = 7};
	char *html, *sort, *other, *p[7];
	const char *order[] = {"\"sort-10k\"", "\"sort-2k\"", "\"sort[n=1]\"", "\"sort_z\"",
			       "\"alpha\"", "\"sort.x\"", "\"zeta\""};
	(void)state;
	html = page_html(&page);
	assert_non_null(sort = strstr(html, "<h3>sort <span class=\"n\">4</span></h3>"));
	assert_non_null(other = strstr(html, "<h3>other <span class=\"n\">3</span></h3>"));
	assert_true(sort < other);
	assert_int_equal(count_of(html, "<section class=\"group\""), 2);
	/* The group's rows, then the others', each by name. */
	for (size_t i = 0; i < 7; i++) {
		char attr[64];
		snprintf(attr, sizeof(attr), "data-name=%s", order[i]);
		assert_non_null(p[i] = strstr(html, attr));
		if (i)
			assert_true(p[i - 1] < p[i]);
	}
	assert_true(p[3] < other && other < p[4]);
	/* The filter is there, hidden until the script shows it. */
	assert_non_null(strstr(html, "id=\"filter\" type=\"search\""));
	assert_non_null(strstr(html, "aria-label=\"filter benchmarks\" hidden>"));
	free(html);
}

static void test_sparkline(void **state)
{
	enum { N = 1000 };
	double *means = malloc(N * sizeof(*means));
	struct dashboard_bench b = {.name = "long", .means = means, .nmeans = N, .commits = N,
				    .last = 2e-3, .prev = 1e-3};
	struct dashboard_page page = {.branch = "main", .tip = "abc", .benches = &b, .nbenches = 1};
	char *html, *poly, *end;
	size_t points = 0;
	(void)state;
	assert_non_null(means);
	for (size_t i = 0; i < N; i++)
		means[i] = i % 7 == 3 ? NAN : 1e-3 * (i < N / 2 ? 1.0 : 2.0);
	html = page_html(&page);
	assert_non_null(poly = strstr(html, "<polyline points=\""));
	poly += strlen("<polyline points=\"");
	assert_non_null(end = strchr(poly, '"'));
	for (char *c = poly; c < end; c++)
		points += *c == ',';
	assert_int_equal(points, DASHBOARD_SPARK_POINTS);
	assert_null(strstr(html, "nan"));
	assert_null(strstr(html, "inf\""));
	assert_non_null(strstr(html, "+100.0%"));
	assert_non_null(strstr(html, "2.000 ms"));
	free(html);
	/* No finite mean: an empty box, no line. */
	for (size_t i = 0; i < N; i++)
		means[i] = NAN;
	b.last = b.prev = NAN;
	html = page_html(&page);
	assert_null(strstr(html, "<polyline"));
	assert_null(strstr(html, "nan"));
	free(html);
	free(means);
}

static void test_self_contained(void **state)
{
	struct dashboard_page page = {0};
	char *html = page_html(&page);
	(void)state;
	assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	assert_non_null(strstr(html, "No tracked branch."));
	assert_non_null(strstr(html, "No benchmark has finished a run yet."));
	/* No URL of another origin, no file to fetch. */
	assert_null(strstr(html, "http:"));
	assert_null(strstr(html, "https:"));
	assert_null(strstr(html, " src="));
	assert_null(strstr(html, "@import"));
	assert_null(strstr(html, "url("));
	assert_non_null(strstr(html, "default-src 'none'"));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_len),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_self_contained),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
