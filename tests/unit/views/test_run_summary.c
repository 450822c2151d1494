/* Unit tests for views/run_summary.h: runs/<id>/summary, a result.json's
 * numbers as hyperfine prints them. The expected lines are hyperfine's own
 * format strings filled in by hand ({:>8} pads to 8 characters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views/run_summary.h"

/* The summary of json, checked to come out the same twice; the caller frees it. */
static char *summary(const char *json)
{
	char *text = NULL, *again = NULL;
	assert_int_equal(run_summary_text(&text, json), 0);
	assert_non_null(text);
	assert_int_equal(run_summary_text(&again, json), 0);
	assert_string_equal(again, text);
	free(again);
	return text;
}

static void expect(const char *json, const char *want)
{
	char *text = summary(json);
	assert_string_equal(text, want);
	free(text);
}

static void test_milliseconds(void **state)
{
	(void)state;
	/* benchfs's own fields beside hyperfine's are passed over. */
	expect("{\"results\": [{\"command\": \"sleep 0.06\", \"mean\": 0.060123456, \"stddev\": 0.000612,"
	       " \"median\": 0.0601, \"user\": 0.003301, \"system\": 0.003949, \"min\": 0.059512,"
	       " \"max\": 0.060734, \"times\": [0.059512, 0.060124, 0.060734], \"name\": \"quiet\","
	       " \"runs\": 3, \"outliers\": {\"count\": 0}}], \"benchfs\": {\"run\": \"000001\"}}",
	       "quiet\n"
	       "  Time (mean ± σ):      60.1 ms ±   0.6 ms    [User: 3.3 ms, System: 3.9 ms]\n"
	       "  Range (min … max):    59.5 ms …  60.7 ms    3 runs\n");
}

static void test_one_run(void **state)
{
	(void)state;
	/* hyperfine's stddev is null for one run. */
	expect("{\"results\": [{\"command\": \"x\", \"name\": \"once\", \"mean\": 0.2501, \"stddev\": null,"
	       " \"user\": 0.0012, \"system\": 0.0021, \"min\": 0.2501, \"max\": 0.2501,"
	       " \"times\": [0.2501]}]}",
	       "once\n"
	       "  Time (abs ≡):        250.1 ms               [User: 1.2 ms, System: 2.1 ms]\n");
}

/* Every figure in the mean's unit: the one hyperfine picks for the mean. */
static void test_units(void **state)
{
	char *text;
	(void)state;
	/* µs: µ is two bytes but one character of the 8. */
	expect("{\"results\": [{\"name\": \"fast\", \"mean\": 0.0000123, \"stddev\": 0.0000004,"
	       " \"user\": 0.0000051, \"system\": 0, \"min\": 0.0000119, \"max\": 0.0000131,"
	       " \"times\": [0.0000119, 0.0000131]}]}",
	       "fast\n"
	       "  Time (mean ± σ):      12.3 µs ±   0.4 µs    [User: 5.1 µs, System: 0.0 µs]\n"
	       "  Range (min … max):    11.9 µs …  13.1 µs    2 runs\n");
	/* s: a σ, a user time and a minimum under a second stay in seconds. */
	expect("{\"results\": [{\"name\": \"slow\", \"mean\": 1.5, \"stddev\": 0.0123, \"user\": 0.25,"
	       " \"system\": 0.0004, \"min\": 0.98765, \"max\": 12.25, \"times\": [1, 2, 3, 4]}]}",
	       "slow\n"
	       "  Time (mean ± σ):      1.500 s ±  0.012 s    [User: 0.250 s, System: 0.000 s]\n"
	       "  Range (min … max):    0.988 s … 12.250 s    4 runs\n");
	/* The edges: 1 ms is ms, just under is µs; 1 s is s. A figure of 8
	 * characters or more is not padded (nor cut). */
	text = summary("{\"results\": [{\"name\": \"a\", \"mean\": 0.001, \"user\": 0, \"system\": 0,"
		       " \"min\": 0.001, \"max\": 0.001, \"times\": [0.001]},"
		       " {\"name\": \"b\", \"mean\": 0.000999, \"user\": 0, \"system\": 0,"
		       " \"min\": 0.000999, \"max\": 0.000999, \"times\": [0.000999]},"
		       " {\"name\": \"c\", \"mean\": 1, \"user\": 0, \"system\": 0,"
		       " \"min\": 1, \"max\": 1, \"times\": [1]},"
		       " {\"name\": \"d\", \"mean\": 4321.5, \"stddev\": 12345.678, \"user\": 0, \"system\": 0,"
		       " \"min\": 1, \"max\": 99999, \"times\": [1, 2]}]}");
	assert_string_equal(text,
			    "a\n"
			    "  Time (abs ≡):          1.0 ms               [User: 0.0 ms, System: 0.0 ms]\n"
			    "\n"
			    "b\n"
			    "  Time (abs ≡):        999.0 µs               [User: 0.0 µs, System: 0.0 µs]\n"
			    "\n"
			    "c\n"
			    "  Time (abs ≡):         1.000 s               [User: 0.000 s, System: 0.000 s]\n"
			    "\n"
			    "d\n"
			    "  Time (mean ± σ):     4321.500 s ± 12345.678 s    [User: 0.000 s, System: 0.000 s]\n"
			    "  Range (min … max):    1.000 s … 99999.000 s    2 runs\n");
	free(text);
}

/* Blocks in the order of "results", an empty line between them; a plain
 * hyperfine export (no "name") is headed by its command, on one line. */
static void test_blocks_and_names(void **state)
{
	(void)state;
	expect("{\"results\": [{\"command\": \"sleep 0.1\", \"mean\": 0.1, \"user\": 0.001,"
	       " \"system\": 0.002, \"min\": 0.1, \"max\": 0.1, \"times\": [0.1]},"
	       " {\"command\": \"echo a;\\n\\techo b\", \"mean\": 0.1, \"user\": 0.001, \"system\": 0.002,"
	       " \"min\": 0.1, \"max\": 0.1, \"times\": [0.1]}]}",
	       "sleep 0.1\n"
	       "  Time (abs ≡):        100.0 ms               [User: 1.0 ms, System: 2.0 ms]\n"
	       "\n"
	       "echo a;  echo b\n"
	       "  Time (abs ≡):        100.0 ms               [User: 1.0 ms, System: 2.0 ms]\n");
	/* No benchmarks, no blocks. */
	expect("{\"results\": []}", "");
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[1, 2]",
		"{\"results\": {}}",
		"{\"benchfs\": {}}",
		"{\"results\": [17]}",
		/* a figure missing, or not a number */
		"{\"results\": [{\"name\": \"x\", \"user\": 0, \"system\": 0, \"min\": 1, \"max\": 1,"
		" \"times\": [1]}]}",
		"{\"results\": [{\"name\": \"x\", \"mean\": \"1\", \"user\": 0, \"system\": 0, \"min\": 1,"
		" \"max\": 1, \"times\": [1]}]}",
		/* no stddev for several runs */
		"{\"results\": [{\"name\": \"x\", \"mean\": 1, \"stddev\": null, \"user\": 0, \"system\": 0,"
		" \"min\": 1, \"max\": 1, \"times\": [1, 1]}]}",
		/* no times: no count of runs */
		"{\"results\": [{\"name\": \"x\", \"mean\": 1, \"user\": 0, \"system\": 0, \"min\": 1,"
		" \"max\": 1}]}",
		"{\"results\": [{\"name\": \"x\", \"mean\": 1, \"user\": 0, \"system\": 0, \"min\": 1,"
		" \"max\": 1, \"times\": []}]}",
		/* a bad entry after a good one */
		"{\"results\": [{\"name\": \"x\", \"mean\": 1, \"user\": 0, \"system\": 0, \"min\": 1,"
		" \"max\": 1, \"times\": [1]}, {\"name\": \"y\"}]}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = NULL;
		assert_int_equal(run_summary_text(&text, bad[i]), -EINVAL);
		assert_null(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_milliseconds),
		cmocka_unit_test(test_one_run),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_blocks_and_names),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests_name("run_summary", tests, NULL, NULL);
}
