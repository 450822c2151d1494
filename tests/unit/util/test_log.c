/* util/log: one escaped line per call, the errno given back. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/log.h"

/* Standard error goes to a temporary file while captured (and cmocka's own
 * messages with it, so nothing is asserted until it is restored). */
static int saved_stderr = -1;
static FILE *capture_file;

static void capture_start(void)
{
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_true(dup2(fileno(capture_file), STDERR_FILENO) >= 0);
}

/* What was written, malloc'd. */
static char *capture_end(size_t *len)
{
	long size;
	char *text;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	assert_int_equal(fseek(capture_file, 0, SEEK_END), 0);
	size = ftell(capture_file);
	rewind(capture_file);
	text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, capture_file), (size_t)size);
	fclose(capture_file);
	*len = (size_t)size;
	return text;
}

static void test_error_returns_err(void **state)
{
	size_t len;
	char *out;
	int rc, e;
	(void)state;
	capture_start();
	errno = 1234;
	rc = log_error(-EINVAL, "queue: refused: %s", "line 1 is not a revision");
	e = errno;
	out = capture_end(&len);
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(e, 1234);
	assert_string_equal(out, "benchfs: queue: refused: line 1 is not a revision\n");
	free(out);
}

static void test_error_errno_suffix(void **state)
{
	size_t len;
	char *out;
	int rc;
	(void)state;
	capture_start();
	rc = log_error_errno(-ENOENT, "cannot open %s", "/data/logs/000042.log");
	out = capture_end(&len);
	assert_int_equal(rc, -ENOENT);
	assert_string_equal(out, "benchfs: cannot open /data/logs/000042.log: No such file or directory\n");
	free(out);
}

static void test_warning_and_notice(void **state)
{
	size_t len;
	char *out;
	(void)state;
	capture_start();
	log_warning("HEAD names no branch");
	log_notice("queued run %06lld: %s", 42LL, "abc");
	out = capture_end(&len);
	assert_string_equal(out, "benchfs: warning: HEAD names no branch\n"
				 "benchfs: queued run 000042: abc\n");
	free(out);
}

/* A user-written string cannot start a line of its own. */
static void test_no_forged_lines(void **state)
{
	static const char *const evil[] = {
		"HEAD\nbenchfs: queued run 000001: deadbeef",
		"HEAD\rbenchfs: fake",
		"x\x1b[2K\x1b[1Gbenchfs: fake",
		"x\xc2\x85" "benchfs: fake", /* U+0085, NEL */
		"x\xe2\x80\xa8" "benchfs: fake",
		"x\xc0\x8a" "benchfs: fake", /* an overlong '\n' */
		"x\v\fbenchfs: fake",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		size_t len, lines = 0;
		char *out;
		capture_start();
		log_error(-EINVAL, "baseline %s: refused", evil[i]);
		out = capture_end(&len);
		for (size_t k = 0; k < len; k++) {
			unsigned char c = (unsigned char)out[k];
			lines += c == '\n';
			if (c < 0x20 && c != '\n')
				fail_msg("case %zu: control 0x%02x written", i, c);
		}
		assert_int_equal(lines, 1);
		assert_int_equal(out[len - 1], '\n');
		assert_int_equal(strncmp(out, "benchfs: baseline ", 18), 0);
		assert_non_null(strstr(out, ": refused\n"));
		free(out);
	}
}

static void test_escape_rules(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain text", "plain text"},
		{"a\nb\tc\rd", "a\\nb\\tc\\rd"},
		{"\x01\x1b[31m\x7f", "\\x01\\x1b[31m\\x7f"},
		{"back\\slash \"q\"", "back\\slash \"q\""},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
		{"\xc2\x80\xc2\x9b\xc2\x9f\xc2\xa0", "\\u0080\\u009b\\u009f\xc2\xa0"},
		{"\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xae\xe2\x81\xa6\xe2\x80\x8f",
		 "\\u2028\\u2029\\u202e\\u2066\\u200f"},
		{"\x80", "\\x80"},                                 /* stray continuation */
		{"\xc0\x8a", "\\xc0\\x8a"},                        /* overlong */
		{"\xe0\x80\x8a", "\\xe0\\x80\\x8a"},               /* overlong, 3 bytes */
		{"\xed\xa0\x80", "\\xed\\xa0\\x80"},               /* surrogate */
		{"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},      /* past U+10FFFF */
		{"\xe2\x82", "\\xe2\\x82"},                        /* cut short */
		{"\xff\xfe", "\\xff\\xfe"},
	};
	char out[256];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(log_escape(out, sizeof(out), cases[i].in));
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\"", i, out);
	}
}

/* Cut to any size, the result is whole units of the full escape. */
static void test_escape_cuts_whole_units(void **state)
{
	static const char in[] = "ab\ncd\xc3\xa9" "e\x01\xe2\x80\xa8" "f";
	static const char *const units[] = {"a", "b", "\\n", "c", "d", "\xc3\xa9", "e", "\\x01",
					    "\\u2028", "f"};
	char full[128], out[128];
	size_t full_len;
	(void)state;
	assert_true(log_escape(full, sizeof(full), in));
	full_len = strlen(full);
	for (size_t size = 0; size <= full_len + 1; size++) {
		size_t whole = 0, k = 0;
		memset(out, 'x', sizeof(out));
		assert_int_equal(log_escape(out, size, in), size > full_len);
		if (size == 0) {
			assert_int_equal(out[0], 'x');
			continue;
		}
		while (k < sizeof(units) / sizeof(units[0]) && whole + strlen(units[k]) < size)
			whole += strlen(units[k++]);
		assert_int_equal(strlen(out), whole);
		assert_memory_equal(out, full, whole);
	}
	assert_true(log_escape(out, 0, ""));
}

static void test_long_message_cut(void **state)
{
	char *big = malloc(10001), *out;
	size_t len;
	(void)state;
	assert_non_null(big);
	memset(big, 'x', 10000);
	big[10000] = '\0';
	capture_start();
	log_error(-E2BIG, "%s", big);
	log_error_errno(-ENOSPC, "%s", big);
	out = capture_end(&len);
	{
		char *second = strchr(out, '\n') + 1;
		size_t first_len = (size_t)(second - out);
		assert_true(first_len <= LOG_LINE_MAX);
		assert_int_equal(strncmp(second - 4, "...\n", 4), 0);
		/* the reason survives the cut */
		assert_true(strlen(second) <= LOG_LINE_MAX);
		assert_non_null(strstr(second, "...: No space left on device\n"));
		assert_int_equal(second[strlen(second) - 1], '\n');
	}
	free(out);
	free(big);
}

#define THREADS 4
#define LINES 300

static void *logger(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < LINES; i++)
		log_notice("thread %d line %d %s", id, i, "padding padding padding padding");
	return NULL;
}

/* One write per line: lines from threads never cut into each other. */
static void test_threads_whole_lines(void **state)
{
	pthread_t t[THREADS];
	size_t len, count = 0;
	char *out, *line, *save = NULL;
	(void)state;
	capture_start();
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, logger, (void *)(intptr_t)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	out = capture_end(&len);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int id, n, end = 0;
		if (sscanf(line, "benchfs: thread %d line %d padding padding padding padding%n", &id,
			   &n, &end) != 2 ||
		    (size_t)end != strlen(line))
			fail_msg("torn line: \"%s\"", line);
		count++;
	}
	assert_int_equal(count, THREADS * LINES);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_returns_err),
		cmocka_unit_test(test_error_errno_suffix),
		cmocka_unit_test(test_warning_and_notice),
		cmocka_unit_test(test_no_forged_lines),
		cmocka_unit_test(test_escape_rules),
		cmocka_unit_test(test_escape_cuts_whole_units),
		cmocka_unit_test(test_long_message_cut),
		cmocka_unit_test(test_threads_whole_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
