/* Unit tests for queue/queueline.h: splitting a write to /queue into revisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queueline.h"
#include "util/labels.h"

/* Split buf[0..len) expecting success and exactly the NULL-terminated revisions given. */
static void expect_lines(const char *buf, size_t len, ...)
{
	char **lines = NULL, err[256] = "";
	size_t n = 99, i = 0;
	const char *want;
	va_list ap;
	int rc = queueline_split(&lines, &n, buf, len, err, sizeof(err));
	if (rc != 0)
		fail_msg("queueline_split failed (%d): %s", rc, err);
	va_start(ap, len);
	while ((want = va_arg(ap, const char *))) {
		if (i >= n)
			fail_msg("only %zu lines, wanted more (next \"%s\")", n, want);
		assert_string_equal(lines[i], want);
		i++;
	}
	va_end(ap);
	assert_int_equal(n, i);
	queueline_free(lines, n);
}

#define EXPECT_LINES(literal, ...) expect_lines(literal, sizeof(literal) - 1, __VA_ARGS__, NULL)

/* Split expecting failure rc; the message must contain needle. */
static void expect_error(const char *buf, size_t len, int rc, const char *needle)
{
	char **lines = (char **)0x1, err[256] = "";
	size_t n = 77;
	assert_int_equal(queueline_split(&lines, &n, buf, len, err, sizeof(err)), rc);
	assert_ptr_equal(lines, (char **)0x1); /* outputs untouched on failure */
	assert_int_equal(n, 77);
	if (!strstr(err, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err, needle);
}

static void test_single_line(void **state)
{
	(void)state;
	EXPECT_LINES("main\n", "main");
	EXPECT_LINES("main", "main");
	EXPECT_LINES("v1.0", "v1.0");
	EXPECT_LINES("0123456789abcdef0123456789abcdef01234567\n",
		     "0123456789abcdef0123456789abcdef01234567");
	EXPECT_LINES("HEAD~3^2\n", "HEAD~3^2");
}

static void test_several_lines(void **state)
{
	(void)state;
	EXPECT_LINES("a\nb\nc\n", "a", "b", "c");
	EXPECT_LINES("a\nb\nc", "a", "b", "c");
	EXPECT_LINES("main\nv1.0\nfeature/x\n", "main", "v1.0", "feature/x");
	/* duplicates are kept: queueing twice is the user's choice */
	EXPECT_LINES("a\na\n", "a", "a");
}

static void test_blank_lines_and_spaces(void **state)
{
	(void)state;
	EXPECT_LINES("\n\na\n\n\nb\n\n", "a", "b");
	EXPECT_LINES("   a   \n  b\nc  \n", "a", "b", "c");
	EXPECT_LINES("   \n a \n    \n", "a");
	/* spaces inside a line are kept; only the ends are trimmed */
	EXPECT_LINES("  a b  \n", "a b");
	EXPECT_LINES(" x", "x");
}

static void test_empty(void **state)
{
	char **lines = (char **)0x1, err[64] = "";
	size_t n = 5;
	(void)state;
	assert_int_equal(queueline_split(&lines, &n, "", 0, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	queueline_free(lines, n);
	/* only blank lines: also nothing */
	n = 5;
	assert_int_equal(queueline_split(&lines, &n, "\n \n\n   ", 7, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	queueline_free(lines, n);
	/* len 0 with a non-empty buffer: nothing is read */
	n = 5;
	assert_int_equal(queueline_split(&lines, &n, "main\n", 0, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	queueline_free(lines, n);
}

static void test_len_bounds_buffer(void **state)
{
	(void)state;
	/* only len bytes count, the buffer need not be terminated */
	expect_lines("main\nnext", 4, "main", NULL);
	expect_lines("ab\ncd\x01zz", 5, "ab", "cd", NULL);
}

static char *line_of(size_t len, char fill)
{
	char *buf = malloc(len + 2);
	assert_non_null(buf);
	memset(buf, fill, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return buf;
}

static void test_max_length(void **state)
{
	char *buf = line_of(QUEUELINE_MAX, 'r');
	char **lines = NULL, err[256] = "";
	size_t n = 0;
	(void)state;
	/* exactly QUEUELINE_MAX bytes, with and without the newline */
	assert_int_equal(queueline_split(&lines, &n, buf, QUEUELINE_MAX + 1, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(lines[0]), QUEUELINE_MAX);
	queueline_free(lines, n);
	assert_int_equal(queueline_split(&lines, &n, buf, QUEUELINE_MAX, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(lines[0]), QUEUELINE_MAX);
	queueline_free(lines, n);
	free(buf);

	/* the limit is on the raw line, before trimming */
	buf = line_of(QUEUELINE_MAX + 1, ' ');
	buf[QUEUELINE_MAX / 2] = 'x';
	expect_error(buf, QUEUELINE_MAX + 2, -EMSGSIZE, "line 1");
	free(buf);
}

static void test_too_long(void **state)
{
	char *buf = line_of(QUEUELINE_MAX + 1, 'r');
	char expect[64];
	(void)state;
	expect_error(buf, QUEUELINE_MAX + 2, -EMSGSIZE, "line 1");
	expect_error(buf, QUEUELINE_MAX + 1, -EMSGSIZE, "4097");
	snprintf(expect, sizeof(expect), "%d", QUEUELINE_MAX);
	expect_error(buf, QUEUELINE_MAX + 1, -EMSGSIZE, expect);
	free(buf);

	/* on a later line, after good ones: the number names that line, nothing is returned */
	{
		size_t len = 6 + QUEUELINE_MAX + 1 + 1;
		char *multi = malloc(len + 1);
		assert_non_null(multi);
		memcpy(multi, "a\n\nb\n\n", 6);
		memset(multi + 6, 'z', QUEUELINE_MAX + 1);
		multi[len - 1] = '\n';
		multi[len] = '\0';
		expect_error(multi, len, -EMSGSIZE, "line 5 ");
		free(multi);
	}
}

static void test_control_characters(void **state)
{
	(void)state;
	expect_error("a\tb\n", 4, -EINVAL, "line 1");
	expect_error("a\tb\n", 4, -EINVAL, "0x09");
	expect_error("main\r\n", 6, -EINVAL, "0x0d");
	expect_error("ok\nmain\r\n", 9, -EINVAL, "line 2");
	expect_error("a\x01", 2, -EINVAL, "0x01");
	expect_error("ok\n\nbad\x7f\n", 9, -EINVAL, "line 3");
	expect_error("ok\n\nbad\x7f\n", 9, -EINVAL, "0x7f");
	expect_error("\x1b[1m\n", 5, -EINVAL, "0x1b");
	/* a tab only as padding is still refused (only spaces are trimmed) */
	expect_error("\tmain\n", 6, -EINVAL, "line 1");
	expect_error("   \t\n", 5, -EINVAL, "line 1");
}

static void test_nul_byte(void **state)
{
	static const char buf[] = {'m', 'a', '\0', 'n', '\n'};
	static const char second[] = {'a', '\n', 'b', '\n', '\0', '\n'};
	(void)state;
	expect_error(buf, sizeof(buf), -EINVAL, "line 1");
	expect_error(buf, sizeof(buf), -EINVAL, "0x00");
	expect_error(second, sizeof(second), -EINVAL, "line 3");
}

static void test_high_bytes_accepted(void **state)
{
	(void)state;
	/* UTF-8 branch names are not control characters */
	EXPECT_LINES("caf\xc3\xa9\n", "caf\xc3\xa9");
	EXPECT_LINES("\xff\x80\n", "\xff\x80");
}

static void test_many_lines(void **state)
{
	enum { N = 2000 };
	char *buf = malloc(N * 8), **lines = NULL, err[64];
	size_t len = 0, n = 0;
	(void)state;
	assert_non_null(buf);
	for (int i = 0; i < N; i++)
		len += (size_t)sprintf(buf + len, "r%d\n", i);
	assert_int_equal(queueline_split(&lines, &n, buf, len, err, sizeof(err)), 0);
	assert_int_equal(n, N);
	for (int i = 0; i < N; i += 397) {
		char want[16];
		snprintf(want, sizeof(want), "r%d", i);
		assert_string_equal(lines[i], want);
	}
	assert_string_equal(lines[N - 1], "r1999");
	queueline_free(lines, n);
	free(buf);
}

static void test_free_null(void **state)
{
	(void)state;
	queueline_free(NULL, 0);
	queueline_free(NULL, 3);
}

/* ---- A/B lines ---- */

static void expect_pair(const char *line, const char *want_a, const char *want_b)
{
	char *a = NULL, *b = NULL, err[256] = "";
	int rc = queueline_pair(&a, &b, line, err, sizeof(err));
	if (rc != 1)
		fail_msg("queueline_pair(\"%s\") = %d: %s", line, rc, err);
	assert_string_equal(a, want_a);
	assert_string_equal(b, want_b);
	free(a);
	free(b);
}

static void expect_pair_error(const char *line, const char *needle)
{
	char *a = (char *)0x1, *b = (char *)0x1, err[256] = "";
	assert_int_equal(queueline_pair(&a, &b, line, err, sizeof(err)), -EINVAL);
	assert_ptr_equal(a, (char *)0x1);
	assert_ptr_equal(b, (char *)0x1);
	if (!strstr(err, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err, needle);
}

static void test_pair(void **state)
{
	char *a = (char *)0x1, *b = (char *)0x1, err[64] = "";
	(void)state;
	expect_pair("main..feature", "main", "feature");
	expect_pair("HEAD~3..HEAD", "HEAD~3", "HEAD");
	expect_pair("v1.2..v1.3", "v1.2", "v1.3");
	expect_pair("a1b2c3 .. d4e5f6", "a1b2c3", "d4e5f6");
	expect_pair("x.y..z", "x.y", "z");
	/* a single revision is no pair, and nothing is touched */
	assert_int_equal(queueline_pair(&a, &b, "v1.2", err, sizeof(err)), 0);
	assert_int_equal(queueline_pair(&a, &b, "HEAD", err, sizeof(err)), 0);
	assert_ptr_equal(a, (char *)0x1);
	expect_pair_error("..feature", "a revision on each side");
	expect_pair_error("main..", "a revision on each side");
	expect_pair_error("main ..  ", "a revision on each side");
	expect_pair_error("main...feature", "symmetric difference");
	expect_pair_error("a..b..c", "one \"..\"");
	/* The line is the user's: quoted escaped, a line separator or a bidi
	 * control cannot reorder or split the message. */
	expect_pair_error("x\xe2\x80\xa8y..", "\"x\\u2028y..\": an A/B line needs");
	expect_pair_error("\xe2\x80\xae" "b...a", "\"\\u202eb...a\": a...b");
}

/* The end of a request is held back only where the kernel may have split a
 * write(): at a page boundary, inside a line. */
static void test_hold(void **state)
{
	char page[4096];
	(void)state;
	/* Not at a page boundary: the last line is whole (its newline may be missing). */
	assert_int_equal(queueline_hold("v1\nv2", 5, 5, 4096), 0);
	assert_int_equal(queueline_hold("v1\nv2", 5, 4097, 4096), 0);
	/* At a page boundary with a newline: nothing held. */
	assert_int_equal(queueline_hold("v1\nv2\n", 6, 8192, 4096), 0);
	/* At a page boundary inside a line: from the last newline on. */
	assert_int_equal(queueline_hold("v1\nv2", 5, 4096, 4096), 2);
	assert_int_equal(queueline_hold("v1\nv10 ", 7, 131072, 4096), 4);
	/* No newline at all: all of it (the middle of a line). */
	assert_int_equal(queueline_hold("  v1", 4, 4096, 4096), 4);
	memset(page, ' ', sizeof(page));
	assert_int_equal(queueline_hold(page, sizeof(page), 4096, 4096), sizeof(page));
	page[100] = '\n';
	assert_int_equal(queueline_hold(page, sizeof(page), 12288, 4096), sizeof(page) - 101);
	/* Degenerate arguments. */
	assert_int_equal(queueline_hold("", 0, 4096, 4096), 0);
	assert_int_equal(queueline_hold("v1", 2, 4096, 0), 0);
}

/* " @profile=LABELS" after a revision: cut off the line, normalised; anything
 * else after a space and an @ is refused. */
static void test_options(void **state)
{
	char line[128], labels[LABELS_MAX], err[256];
	(void)state;
	snprintf(line, sizeof(line), "HEAD");
	assert_int_equal(queueline_options(line, labels, sizeof(labels), err, sizeof(err)), 0);
	assert_string_equal(line, "HEAD");
	assert_string_equal(labels, "");
	snprintf(line, sizeof(line), "v1..v2  @profile=x86-big,bare,x86-big");
	assert_int_equal(queueline_options(line, labels, sizeof(labels), err, sizeof(err)), 0);
	assert_string_equal(line, "v1..v2");
	assert_string_equal(labels, "bare,x86-big");
	/* A revision with an @ of its own (HEAD@{1}) is not an option. */
	snprintf(line, sizeof(line), "HEAD@{1} @profile=arm");
	assert_int_equal(queueline_options(line, labels, sizeof(labels), err, sizeof(err)), 0);
	assert_string_equal(line, "HEAD@{1}");
	assert_string_equal(labels, "arm");
	snprintf(line, sizeof(line), "HEAD @bogus=1");
	assert_int_equal(queueline_options(line, labels, sizeof(labels), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown option"));
	snprintf(line, sizeof(line), "HEAD @profile=");
	assert_int_equal(queueline_options(line, labels, sizeof(labels), err, sizeof(err)), -EINVAL);
	snprintf(line, sizeof(line), "HEAD @profile=a*b");
	assert_int_equal(queueline_options(line, labels, sizeof(labels), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a*b"));
	snprintf(line, sizeof(line), "HEAD @profile=a @profile=b");
	assert_int_equal(queueline_options(line, labels, sizeof(labels), err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_several_lines),
		cmocka_unit_test(test_blank_lines_and_spaces),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_len_bounds_buffer),
		cmocka_unit_test(test_max_length),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_high_bytes_accepted),
		cmocka_unit_test(test_many_lines),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests_name("queueline", tests, NULL, NULL);
}
