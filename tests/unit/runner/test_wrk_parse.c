/* wrk_parse against reports captured from Debian's wrk 4.1 (the files in wrk/):
 * with --latency, without it, with non-2xx responses, with socket errors,
 * and text that is not wrk's. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/wrk_parse.h"

static char *slurp(const char *name, size_t *len)
{
	const char *dir = getenv("WRK_SAMPLES");
	char path[1024], *buf = malloc(65536);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "wrk", name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 65535, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void test_latency(void **state)
{
	struct wrk_report r;
	char why[256];
	size_t len;
	char *text = slurp("latency.txt", &len);

	(void)state;
	assert_int_equal(wrk_parse(&r, text, len, why, sizeof(why)), 0);
	assert_true(r.requests == 25554.75);
	assert_true(fabs(r.p50 - 43.00e-6) < 1e-12);
	assert_true(fabs(r.p90 - 1.24e-3) < 1e-12);
	assert_true(fabs(r.p99 - 4.03e-3) < 1e-12);
	assert_true(r.errors == 0);
	free(text);
}

static void test_no_latency(void **state)
{
	struct wrk_report r = { 0 };
	char why[256];
	size_t len;
	char *text = slurp("no-latency.txt", &len);

	(void)state;
	assert_int_equal(wrk_parse(&r, text, len, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "--latency"));
	free(text);
}

static void test_non2xx(void **state)
{
	struct wrk_report r;
	char why[256];
	size_t len;
	char *text = slurp("non2xx.txt", &len);

	(void)state;
	assert_int_equal(wrk_parse(&r, text, len, why, sizeof(why)), 0);
	assert_true(r.requests == 720.02);
	assert_true(r.errors == 723);
	assert_true(fabs(r.p99 - 18.55e-3) < 1e-12);
	free(text);
}

static void test_socket_errors(void **state)
{
	struct wrk_report r;
	char why[256];
	size_t len;
	char *text = slurp("socket-errors.txt", &len);

	(void)state;
	assert_int_equal(wrk_parse(&r, text, len, why, sizeof(why)), 0);
	assert_true(r.requests == 0);
	assert_true(r.errors == 11833);
	assert_true(r.p50 == 0);
	free(text);
}

static void test_not_wrk(void **state)
{
	static const char *const texts[] = {
		"",
		"unable to connect to 127.0.0.1:18473 Connection refused",
		"Requests/sec: lots\n",
		"  Latency Distribution\n     50%   4.2parsecs\n     90% 1ms\n     99% 2ms\n"
		"Requests/sec: 10\n",
		/* a truncated report: no line end after the last line is fine, a
		 * missing percentile is not */
		"     50%   1.00ms\n     99%   2.00s\nRequests/sec: 10",
	};
	struct wrk_report r;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		why[0] = '\0';
		assert_int_equal(wrk_parse(&r, texts[i], strlen(texts[i]), why, sizeof(why)), -EINVAL);
		assert_true(strncmp(why, "wrk: ", 5) == 0);
	}
	/* units up to hours */
	const char *ok = "50% 1.5m\n 90% 2h\n99% 3.00s\nRequests/sec: 1e3";
	assert_int_equal(wrk_parse(&r, ok, strlen(ok), why, sizeof(why)), 0);
	assert_true(r.p50 == 90 && r.p90 == 7200 && r.p99 == 3 && r.requests == 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_no_latency),
		cmocka_unit_test(test_non2xx),
		cmocka_unit_test(test_socket_errors),
		cmocka_unit_test(test_not_wrk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
