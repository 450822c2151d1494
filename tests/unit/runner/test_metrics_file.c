/* The $BENCHFS_METRICS line parser: `name value` and JSON lines, blank
 * lines and comments, and every malformed line reported with its number. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runner/metrics_file.h"

struct bad {
	int lines[16];
	char why[16][160];
	int n;
};

static void on_bad(void *ctx, int line, const char *text, const char *why)
{
	struct bad *b = ctx;

	(void)text;
	assert_true(b->n < 16);
	assert_null(strchr(why, '\n'));
	b->lines[b->n] = line;
	snprintf(b->why[b->n], sizeof(b->why[b->n]), "%s", why);
	b->n++;
}

static size_t parse(struct metrics_pair **pairs, struct bad *bad, const char *text)
{
	size_t n = 0, alloc = 0;

	*pairs = NULL;
	memset(bad, 0, sizeof(*bad));
	assert_int_equal(metrics_parse(pairs, &n, &alloc, text, strlen(text), on_bad, bad), 0);
	return n;
}

static void test_name_value(void **state)
{
	struct metrics_pair *p;
	struct bad bad;
	size_t n;

	(void)state;
	n = parse(&p, &bad, "throughput 123.5\n\n# a comment\n   \t\nlatency_p99\t-2.5e-3\r\n"
			    "  ops   +7  \nlast 1");
	assert_int_equal(bad.n, 0);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].name, "throughput");
	assert_true(p[0].value == 123.5);
	assert_int_equal(p[0].line, 1);
	assert_string_equal(p[1].name, "latency_p99");
	assert_true(p[1].value == -2.5e-3);
	assert_int_equal(p[1].line, 5);
	assert_string_equal(p[2].name, "ops");
	assert_true(p[2].value == 7);
	assert_string_equal(p[3].name, "last"); /* no final newline */
	assert_int_equal(p[3].line, 7);
	free(p);
}

static void test_json_lines(void **state)
{
	struct metrics_pair *p;
	struct bad bad;
	size_t n;

	(void)state;
	n = parse(&p, &bad, "{\"requests\": 1200, \"latency_p50\": 0.0021}\n  {\"errors\": 0}  \n");
	assert_int_equal(bad.n, 0);
	assert_int_equal(n, 3);
	assert_string_equal(p[0].name, "requests");
	assert_true(p[0].value == 1200);
	assert_string_equal(p[1].name, "latency_p50");
	assert_true(p[1].value == 0.0021);
	assert_int_equal(p[2].line, 2);
	free(p);
}

static void test_malformed(void **state)
{
	static const char *const lines[] = {
		"throughput",             /* no value */
		"throughput 1 2",         /* a third field */
		"Throughput 1",           /* not a metric name */
		"9lives 1",
		"x 0x10",                 /* decimal only */
		"x inf",
		"x nan",
		"x 1e999",                /* not finite */
		"x 1.2.3",
		"x 12abc",
		"x .",
		"x 1e",
		"{\"a\": \"1\"}",         /* a string */
		"{\"a\": 1, \"B\": 2}",   /* one bad member spoils the line */
		"{\"a\": 1} junk",
		"{\"a\": 1",
	};
	char text[1024] = "ok 1\n";
	struct metrics_pair *p;
	struct bad bad;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		n = parse(&p, &bad, lines[i]);
		if (n != 0 || bad.n != 1 || bad.lines[0] != 1)
			fail_msg("\"%s\": %zu figures, %d bad", lines[i], n, bad.n);
		free(p);
		strcat(text, lines[i]);
		strcat(text, "\n");
	}
	strcat(text, "ok 2\n");
	n = parse(&p, &bad, text);
	assert_int_equal(n, 2);
	assert_true(p[0].value == 1 && p[1].value == 2);
	assert_int_equal(p[1].line, (int)(sizeof(lines) / sizeof(lines[0])) + 2);
	assert_int_equal(bad.n, (int)(sizeof(lines) / sizeof(lines[0])));
	for (int i = 0; i < bad.n; i++)
		assert_int_equal(bad.lines[i], i + 2);
	free(p);
}

static void test_nul_and_long_lines(void **state)
{
	struct metrics_pair *p = NULL;
	size_t n = 0, alloc = 0;
	struct bad bad = { 0 };
	char *big = malloc(METRICS_LINE_MAX + 16);

	(void)state;
	assert_int_equal(metrics_parse(&p, &n, &alloc, "a 1\0\nb 2\n", 9, on_bad, &bad), 0);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].name, "b");
	assert_int_equal(bad.n, 1);
	assert_non_null(strstr(bad.why[0], "NUL"));
	free(p);
	p = NULL;
	n = alloc = 0;
	memset(&bad, 0, sizeof(bad));
	memset(big, 'a', METRICS_LINE_MAX + 8);
	memcpy(big + METRICS_LINE_MAX + 8, " 1\n", 3);
	assert_int_equal(metrics_parse(&p, &n, &alloc, big, METRICS_LINE_MAX + 11, on_bad, &bad), 0);
	assert_int_equal(n, 0);
	assert_int_equal(bad.n, 1);
	free(big);
	free(p);
}

static void test_duplicates_kept(void **state)
{
	struct metrics_pair *p;
	struct bad bad;

	(void)state;
	/* The caller decides what a second value means. */
	assert_int_equal(parse(&p, &bad, "a 1\na 2\n"), 2);
	free(p);
}

static void test_file_take(void **state)
{
	char dir[] = "/tmp/test_metrics_file-XXXXXX", path[64];
	struct metrics_pair *p = NULL;
	size_t n = 0, alloc = 0;
	struct bad bad = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/am0000000001", dir);
	/* no file: no figure */
	assert_int_equal(metrics_file_take(&p, &n, &alloc, path, on_bad, &bad), 0);
	assert_int_equal(n, 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("throughput 50\nbad line here\n", f);
	fclose(f);
	assert_int_equal(metrics_file_take(&p, &n, &alloc, path, on_bad, &bad), 0);
	assert_int_equal(n, 1);
	assert_int_equal(bad.n, 1);
	assert_int_equal(bad.lines[0], 2);
	assert_int_equal(access(path, F_OK), -1); /* removed once read */
	/* Over the cap: what fits is read, the rest reported. */
	f = fopen(path, "w");
	assert_non_null(f);
	for (long written = 0; written <= METRICS_FILE_MAX; written += 8)
		fputs("xy 1234\n", f);
	fclose(f);
	free(p);
	p = NULL;
	n = alloc = 0;
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(metrics_file_take(&p, &n, &alloc, path, on_bad, &bad), 0);
	assert_int_equal(n, METRICS_FILE_MAX / 8);
	assert_int_equal(bad.n, 1);
	assert_int_equal(bad.lines[0], 0);
	free(p);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_value),     cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_malformed),      cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_duplicates_kept), cmocka_unit_test(test_file_take),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
