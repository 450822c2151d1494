/* Unit tests for config/config.h: parsing, every error message, defaults,
 * the normalised JSON round trip, loading from a file and command quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "util/json_num.h"
#include "util/log.h"

#define B1 "{\"name\":\"a\",\"command\":\"true\"}"

/* Parse text expecting failure; every NULL-terminated needle must occur in
 * the message. */
static void expect_fail(const char *text, ...)
{
	struct config *c = (struct config *)0x1;
	char err[512];
	va_list ap;
	const char *needle;
	memset(err, 0, sizeof(err));
	if (config_parse(&c, text, err, sizeof(err)) != -EINVAL)
		fail_msg("config_parse accepted: %s", text);
	assert_ptr_equal(c, (struct config *)0x1); /* *out untouched on failure */
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n')); /* one line */
	va_start(ap, text);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(err, needle))
			fail_msg("message \"%s\" lacks \"%s\" (input %s)", err, needle, text);
	va_end(ap);
}

static struct config *parse_ok(const char *text)
{
	struct config *c = NULL;
	char err[512] = "";
	if (config_parse(&c, text, err, sizeof(err)) != 0)
		fail_msg("config_parse failed: %s (input %s)", err, text);
	assert_non_null(c);
	return c;
}

/* ---- errors: document level ---- */

static void test_invalid_json(void **state)
{
	(void)state;
	expect_fail("", "invalid JSON", NULL);
	expect_fail("{", "invalid JSON", NULL);
	expect_fail("{\"benchmarks\": [", "invalid JSON", NULL);
	expect_fail("{\"benchmarks\": [" B1 ",]}", "invalid JSON", NULL);
	/* Note: json-c 0.16 accepts single-quoted keys even with JSON_TOKENER_STRICT,
	 * so {'benchmarks': ...} is not rejected as invalid JSON; not tested. */
	expect_fail("{\"benchmarks\": 'x'}", "invalid JSON", NULL);
	expect_fail("{\"runs\": 01, \"benchmarks\": [" B1 "]}", "invalid JSON", NULL);
	expect_fail("{\"benchmarks\": [" B1 "] /* comment */}", "invalid JSON", NULL);
	expect_fail("nonsense", "invalid JSON", NULL);
}

static void test_trailing_garbage(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [" B1 "]} x", "invalid JSON", NULL);
	expect_fail("{\"benchmarks\": [" B1 "]} // c", "invalid JSON", NULL);
	expect_fail("{\"benchmarks\": [" B1 "]}{}", "invalid JSON", NULL);
	expect_fail("{\"benchmarks\": [" B1 "]}]", "invalid JSON", NULL);
}

static void test_trailing_whitespace_ok(void **state)
{
	(void)state;
	config_free(parse_ok("  \n{\"benchmarks\": [" B1 "]}\n\n\t "));
}

static void test_not_an_object(void **state)
{
	(void)state;
	expect_fail("[]", "must be a JSON object", NULL);
	expect_fail("[" B1 "]", "must be a JSON object", NULL);
	expect_fail("42", "must be a JSON object", NULL);
	expect_fail("\"benchmarks\"", "must be a JSON object", NULL);
}

/* The valid JSON document `null` makes json_tokener_parse_ex() return NULL
 * with json_tokener_success; it is a document that is not an object. */
static void test_null_document(void **state)
{
	(void)state;
	expect_fail("null", "must be a JSON object", NULL);
	expect_fail(" null\n", "must be a JSON object", NULL);
}

static void test_non_finite_numbers(void **state)
{
	(void)state;
	/* json-c reads NaN and Infinity; they must still be rejected */
	expect_fail("{\"timeout\": NaN, \"benchmarks\": [" B1 "]}", "\"timeout\"", NULL);
	expect_fail("{\"timeout\": Infinity, \"benchmarks\": [" B1 "]}", "\"timeout\"", NULL);
	expect_fail("{\"timeout\": -Infinity, \"benchmarks\": [" B1 "]}", "\"timeout\"", NULL);
	expect_fail("{\"runs\": NaN, \"benchmarks\": [" B1 "]}", "\"runs\" must be an integer",
		    NULL);
}

static void test_unknown_top_level_key(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [" B1 "], \"warmups\": 3}", "unknown key", "\"warmups\"", NULL);
	expect_fail("{\"Runs\": 3, \"benchmarks\": [" B1 "]}", "unknown key", "Runs", NULL);
	expect_fail("{\"benchmark\": [" B1 "]}", "unknown key", "\"benchmark\"", NULL);
}

static void test_unknown_benchmark_key(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [" B1 ", {\"name\":\"b\",\"command\":\"x\",\"run\":3}]}",
		    "benchmarks[1]", "unknown key", "\"run\"", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"b\",\"cmd\":\"x\"}]}", "benchmarks[0]",
		    "\"cmd\"", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"b\",\"command\":\"x\",\"build\":\"make\"}]}",
		    "benchmarks[0]", "\"build\"", NULL);
}

static void test_benchmarks_missing_or_empty(void **state)
{
	(void)state;
	expect_fail("{}", "\"benchmarks\" is missing", NULL);
	expect_fail("{\"runs\": 3}", "\"benchmarks\" is missing", NULL);
	expect_fail("{\"benchmarks\": []}", "\"benchmarks\" is empty", NULL);
	expect_fail("{\"benchmarks\": {}}", "\"benchmarks\" must be an array", NULL);
	expect_fail("{\"benchmarks\": null}", "\"benchmarks\" must be an array", NULL);
	expect_fail("{\"benchmarks\": \"a\"}", "\"benchmarks\" must be an array", NULL);
}

static void test_benchmark_not_object(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [\"true\"]}", "benchmarks[0] must be an object", NULL);
	expect_fail("{\"benchmarks\": [" B1 ", 3]}", "benchmarks[1] must be an object", NULL);
	expect_fail("{\"benchmarks\": [" B1 ", null]}", "benchmarks[1] must be an object", NULL);
	expect_fail("{\"benchmarks\": [" B1 ", []]}", "benchmarks[1] must be an object", NULL);
}

/* ---- errors: names ---- */

static void test_name_missing_or_wrong_type(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [{\"command\":\"x\"}]}", "benchmarks[0]", "\"name\"",
		    "missing", NULL);
	expect_fail("{\"benchmarks\": [" B1 ", {\"name\":3,\"command\":\"x\"}]}", "benchmarks[1]",
		    "\"name\"", "not a string", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":null,\"command\":\"x\"}]}", "benchmarks[0]",
		    "\"name\"", NULL);
}

static void test_name_invalid(void **state)
{
	static const char *const bad[] = {
		"",        "a/b",   "a b", " a",   "a ",  ".hidden", ".", "..", "a\\tb", "a\\nb",
		"a\\\\b",  "\\u00e9", "tab\\t", "\\u007f",
	};
	char text[512];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{\"benchmarks\": [{\"name\":\"%s\",\"command\":\"x\"}]}",
			 bad[i]);
		expect_fail(text, "benchmarks[0]", "\"name\"", "must be 1 to 100", NULL);
	}
}

static void test_name_length(void **state)
{
	char name[CONFIG_NAME_MAX + 2], text[512];
	struct config *c;
	(void)state;
	memset(name, 'n', CONFIG_NAME_MAX);
	name[CONFIG_NAME_MAX] = '\0';
	snprintf(text, sizeof(text), "{\"benchmarks\": [{\"name\":\"%s\",\"command\":\"x\"}]}", name);
	c = parse_ok(text);
	assert_int_equal(strlen(c->benchmarks[0].name), CONFIG_NAME_MAX);
	config_free(c);
	name[CONFIG_NAME_MAX] = 'n';
	name[CONFIG_NAME_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "{\"benchmarks\": [{\"name\":\"%s\",\"command\":\"x\"}]}", name);
	expect_fail(text, "benchmarks[0]", "\"name\"", "1 to 100", NULL);
}

static void test_name_allowed_characters(void **state)
{
	struct config *c;
	(void)state;
	c = parse_ok("{\"benchmarks\": [{\"name\":\"a.b-c_d+e@1~\",\"command\":\"x\"},"
		     " {\"name\":\"sort.v2\",\"command\":\"x\"}]}");
	assert_string_equal(c->benchmarks[0].name, "a.b-c_d+e@1~");
	assert_string_equal(c->benchmarks[1].name, "sort.v2");
	config_free(c);
}

static void test_name_duplicate(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [" B1 ", {\"name\":\"b\",\"command\":\"x\"}, " B1 "]}",
		    "benchmarks[2]", "\"a\"", "twice", NULL);
}

/* ---- errors: commands ---- */

static void test_command_missing(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [" B1 ", {\"name\":\"sorter\"}]}", "benchmarks[1]", "sorter",
		    "\"command\" is missing", NULL);
}

static void test_command_wrong_type(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":3}]}", "benchmarks[0]",
		    "\"command\" must be a string or an array", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":{}}]}", "benchmarks[0]",
		    "\"command\" must be", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":null}]}", "benchmarks[0]",
		    "\"command\" must be", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":true}]}", "benchmarks[0]",
		    "\"command\" must be", NULL);
}

static void test_command_empty(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"\"}]}", "benchmarks[0]",
		    "\"command\" is empty", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":[]}]}", "benchmarks[0]",
		    "\"command\" is an empty array", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":[\"\", \"x\"]}]}", "benchmarks[0]",
		    "\"command\"[0] is empty", NULL);
}

static void test_command_bad_element(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":[\"./a\", 3]}]}", "benchmarks[0]",
		    "\"command\"[1] must be a string", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":[\"./a\", \"b\", null]}]}",
		    "benchmarks[0]", "\"command\"[2] must be a string", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":[[\"./a\"]]}]}", "benchmarks[0]",
		    "\"command\"[0] must be a string", NULL);
}

static void test_command_nul_byte(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"a\\u0000b\"}]}",
		    "\"a\\u0000b\"", "NUL", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":[\"a\", \"b\\u0000\"]}]}",
		    "\"b\\u0000\"", "NUL", NULL);
}

/* A NUL cuts a C string short: json-c cuts keys there ("runs\u0000junk" read
 * as "runs"), and a value read as a C string loses its tail ("true\u0000; rm
 * -rf /" ran true). Refused in every key and string value, quoting the string. */
static void test_nul_in_any_string(void **state)
{
	static const char *const cases[] = {
		"{\"benchmarks\": [" B1 "], \"runs\\u0000junk\": 5}",
		"{\"build\": \"true\\u0000; rm -rf /\", \"benchmarks\": [" B1 "]}",
		"{\"prepare\": \"x\\u0000\", \"benchmarks\": [" B1 "]}",
		"{\"benchmarks\": [{\"name\":\"a\\u0000b\",\"command\":\"true\"}]}",
		"{\"benchmarks\": [{\"name\":\"a\",\"command\":\"true\",\"runs\\u0000\":3}]}",
		"{\"parameters\": {\"n\\u0000x\": [1]}, \"benchmarks\": [" B1 "]}",
		"{\"parameters\": {\"n\": [\"1\\u0000\"]}, \"benchmarks\": [" B1 "]}",
		"{\"output\": \"log\\u0000x\", \"benchmarks\": [" B1 "]}",
		"{\"metrics\": [\"instructions\\u0000\"], \"benchmarks\": [" B1 "]}",
		"{\"compare\": {\"threshold\": \"auto\\u0000\"}, \"benchmarks\": [" B1 "]}",
		"{\"branch\": \"main\\u0000x\", \"benchmarks\": [" B1 "]}",
		"{\"artifacts\": [\"a\\u0000\"], \"benchmarks\": [" B1 "]}",
		"{\"benchmarks\": [" B1 "], \"x\": \"\\\"\\\\\\u0000\"}", /* "\"\\\u0000" */
	};
	struct config *c;
	char text[256];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect_fail(cases[i], "contains \\u0000 (NUL)", NULL);
	expect_fail(cases[0], "the string \"runs\\u0000junk\" at byte", NULL);
	expect_fail(cases[1], "\"true\\u0000; rm -rf /\"", NULL);
	/* A long string is quoted in part. */
	snprintf(text, sizeof(text), "{\"build\": \"%0100d\\u0000\", \"benchmarks\": [" B1 "]}", 0);
	expect_fail(text, "0000...", NULL);
	/* An escaped backslash before "u0000" is no NUL; neither is \u0001 nor \u00001's
	 * neighbours. */
	c = parse_ok("{\"build\": \"echo \\\\u0000\", \"benchmarks\": [" B1 "]}");
	assert_string_equal(c->build, "echo \\u0000");
	config_free(c);
	c = parse_ok("{\"build\": \"echo \\\"\\u0010\\\"\", \"benchmarks\": [" B1 "]}");
	assert_string_equal(c->build, "echo \"\x10\"");
	config_free(c);
}

/* Messages quote the file's keys and values, and its path: they stay on one
 * line, and escape sequences reach the terminal only as text. */
static void test_messages_escaped(void **state)
{
	char out[64];
	(void)state;
	expect_fail("{\"benchmarks\": [" B1 "], \"ru\\nns\": 5}", "unknown key \"ru\\nns\"", NULL);
	expect_fail("{\"benchmarks\": [" B1 "], \"x\\u001b[2J\\u001b]0;t\\u0007\": 5}",
		    "\"x\\x1b[2J\\x1b]0;t\\x07\"", NULL);
	expect_fail("{\"benchmarks\": [" B1 "], \"c1\\u009b31m\\t\\r\\u007f\": 5}",
		    "\"c1\\u009b31m\\t\\r\\x7f\"", NULL);
	expect_fail("{\"metrics\": [\"a\\nb\"], \"benchmarks\": [" B1 "]}",
		    "unknown metric \"a\\nb\"", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"true\",\"x\\ny\":1}]}",
		    "benchmarks[0]: unknown key \"x\\ny\"", NULL);
	/* Text that is already one printable line is unchanged; UTF-8 stays. */
	log_escape(out, sizeof(out), "plain \"text\" \xc3\xa9\xe2\x80\x94 \\n");
	assert_string_equal(out, "plain \"text\" \xc3\xa9\xe2\x80\x94 \\n");
	/* Invalid UTF-8 (a lone 0x9b is a CSI on 8-bit terminals) as bytes. */
	log_escape(out, sizeof(out), "a\x9b" "b\xc0\x80\xe2\x80");
	assert_string_equal(out, "a\\x9bb\\xc0\\x80\\xe2\\x80");
	/* Cut at a whole escape or character, always terminated. */
	log_escape(out, 5, "ab\ncd");
	assert_string_equal(out, "ab\\n");
	log_escape(out, 4, "ab\ncd");
	assert_string_equal(out, "ab");
	log_escape(out, 3, "a\xc3\xa9");
	assert_string_equal(out, "a");
	log_escape(out, 1, "abc");
	assert_string_equal(out, "");
	/* The rules of log lines (util/log.h): a line separator or a bidi
	 * control is valid UTF-8 but escaped too. */
	log_escape(out, sizeof(out), "a\xe2\x80\xa8" "b\xe2\x80\xae" "c");
	assert_string_equal(out, "a\\u2028b\\u202ec");
	expect_fail("{\"benchmarks\": [" B1 "], \"k\xe2\x80\xa9\": 5}", "\"k\\u2029\"", NULL);
}

/* The path is the user's too: a file name with a newline stays one line. */
static void test_load_message_escaped(void **state)
{
	struct config *c = NULL;
	char err[512];
	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/a\nb\x1b[31m.json", err, sizeof(err)), -ENOENT);
	assert_null(strchr(err, '\n'));
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "configuration /nonexistent/a\\nb\\x1b[31m.json: No such file"));
}

/* ---- errors: numbers ---- */

static void test_numbers_out_of_range(void **state)
{
	(void)state;
	expect_fail("{\"warmup\": -1, \"benchmarks\": [" B1 "]}", "\"warmup\" must be from 0 to", NULL);
	expect_fail("{\"warmup\": 10001, \"benchmarks\": [" B1 "]}", "\"warmup\" must be from 0 to 10000",
		    NULL);
	expect_fail("{\"runs\": 0, \"benchmarks\": [" B1 "]}", "\"runs\" must be from 1 to", NULL);
	expect_fail("{\"runs\": -5, \"benchmarks\": [" B1 "]}", "\"runs\" must be from 1 to", NULL);
	expect_fail("{\"runs\": 100001, \"benchmarks\": [" B1 "]}", "\"runs\" must be from 1 to 100000",
		    NULL);
	expect_fail("{\"runs\": 99999999999999999999999, \"benchmarks\": [" B1 "]}", "\"runs\"", NULL);
	expect_fail("{\"runs\": 4294967297, \"benchmarks\": [" B1 "]}", "\"runs\" must be from", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"runs\":0}]}",
		    "benchmarks[0]", "\"runs\" must be from 1", NULL);
	expect_fail("{\"benchmarks\": [" B1 ", {\"name\":\"b\",\"command\":\"x\",\"warmup\":-1}]}",
		    "benchmarks[1]", "\"warmup\" must be from 0", NULL);
}

static void test_numbers_limits_accepted(void **state)
{
	struct config *c;
	(void)state;
	c = parse_ok("{\"warmup\": 10000, \"runs\": 100000, \"timeout\": 86400,"
		     " \"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"warmup\":0,\"runs\":1,"
		     "\"timeout\":0.001}]}");
	assert_int_equal(c->warmup, 10000);
	assert_int_equal(c->runs, 100000);
	assert_true(c->timeout == 86400.0);
	assert_int_equal(c->benchmarks[0].warmup, 0);
	assert_int_equal(c->benchmarks[0].runs, 1);
	assert_true(c->benchmarks[0].timeout == 0.001);
	config_free(c);
}

static void test_numbers_not_integer(void **state)
{
	(void)state;
	expect_fail("{\"runs\": 2.5, \"benchmarks\": [" B1 "]}", "\"runs\" must be an integer", NULL);
	expect_fail("{\"runs\": 3.0, \"benchmarks\": [" B1 "]}", "\"runs\" must be an integer", NULL);
	expect_fail("{\"runs\": \"3\", \"benchmarks\": [" B1 "]}", "\"runs\" must be an integer", NULL);
	expect_fail("{\"warmup\": true, \"benchmarks\": [" B1 "]}", "\"warmup\" must be an integer",
		    NULL);
	expect_fail("{\"warmup\": null, \"benchmarks\": [" B1 "]}", "\"warmup\" must be an integer",
		    NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"warmup\":[1]}]}",
		    "benchmarks[0]", "\"warmup\" must be an integer", NULL);
}

static void test_timeout_invalid(void **state)
{
	(void)state;
	expect_fail("{\"timeout\": 0, \"benchmarks\": [" B1 "]}", "\"timeout\" must be more than 0",
		    NULL);
	expect_fail("{\"timeout\": 0.0, \"benchmarks\": [" B1 "]}", "\"timeout\" must be more than 0",
		    NULL);
	expect_fail("{\"timeout\": -1.5, \"benchmarks\": [" B1 "]}", "\"timeout\" must be more than 0",
		    NULL);
	expect_fail("{\"timeout\": 86400.5, \"benchmarks\": [" B1 "]}", "\"timeout\"", "86400", NULL);
	expect_fail("{\"timeout\": 1e400, \"benchmarks\": [" B1 "]}", "\"timeout\"", NULL);
	expect_fail("{\"timeout\": \"10\", \"benchmarks\": [" B1 "]}",
		    "\"timeout\" must be a number of seconds", NULL);
	expect_fail("{\"timeout\": null, \"benchmarks\": [" B1 "]}",
		    "\"timeout\" must be a number of seconds", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"timeout\":false}]}",
		    "benchmarks[0]", "\"timeout\" must be a number", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"timeout\":-2}]}",
		    "benchmarks[0]", "\"timeout\" must be more than 0", NULL);
}

static void test_build_wrong_type(void **state)
{
	(void)state;
	expect_fail("{\"build\": 3, \"benchmarks\": [" B1 "]}", "\"build\" must be a string", NULL);
	expect_fail("{\"build\": [\"make\"], \"benchmarks\": [" B1 "]}", "\"build\" must be a string",
		    NULL);
	expect_fail("{\"build\": false, \"benchmarks\": [" B1 "]}", "\"build\" must be a string", NULL);
}

static void test_error_small_buffer(void **state)
{
	struct config *c = NULL;
	char err[8];
	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(config_parse(&c, "{}", err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1); /* truncated, terminated */
	assert_null(c);
}

/* ---- successful parses ---- */

static void test_defaults(void **state)
{
	struct config *c;
	(void)state;
	c = parse_ok("{\"benchmarks\": [{\"name\":\"sort\",\"command\":\"./sort < in\"}]}");
	assert_null(c->build);
	assert_int_equal(c->warmup, CONFIG_DEFAULT_WARMUP);
	assert_int_equal(c->runs, CONFIG_DEFAULT_RUNS);
	assert_true(c->timeout == CONFIG_DEFAULT_TIMEOUT);
	assert_int_equal(c->nbenchmarks, 1);
	assert_string_equal(c->benchmarks[0].name, "sort");
	assert_string_equal(c->benchmarks[0].shell, "./sort < in");
	assert_null(c->benchmarks[0].argv);
	assert_int_equal(c->benchmarks[0].warmup, CONFIG_DEFAULT_WARMUP);
	assert_int_equal(c->benchmarks[0].runs, CONFIG_DEFAULT_RUNS);
	assert_true(c->benchmarks[0].timeout == CONFIG_DEFAULT_TIMEOUT);
	config_free(c);
}

static void test_top_level_and_overrides(void **state)
{
	struct config *c;
	(void)state;
	/* top-level defaults apply regardless of where they stand in the object */
	c = parse_ok("{\"benchmarks\": ["
		     " {\"name\":\"a\",\"command\":\"x\"},"
		     " {\"name\":\"b\",\"command\":\"y\",\"runs\":3},"
		     " {\"name\":\"c\",\"command\":\"z\",\"warmup\":0,\"timeout\":1.5},"
		     " {\"name\":\"d\",\"command\":\"w\",\"warmup\":7,\"runs\":50,\"timeout\":2}],"
		     " \"build\": \"make -j4\", \"warmup\": 2, \"runs\": 20, \"timeout\": 30.5}");
	assert_string_equal(c->build, "make -j4");
	assert_int_equal(c->warmup, 2);
	assert_int_equal(c->runs, 20);
	assert_true(c->timeout == 30.5);
	assert_int_equal(c->nbenchmarks, 4);
	assert_int_equal(c->benchmarks[0].warmup, 2);
	assert_int_equal(c->benchmarks[0].runs, 20);
	assert_true(c->benchmarks[0].timeout == 30.5);
	assert_int_equal(c->benchmarks[1].warmup, 2);
	assert_int_equal(c->benchmarks[1].runs, 3);
	assert_true(c->benchmarks[1].timeout == 30.5);
	assert_int_equal(c->benchmarks[2].warmup, 0);
	assert_int_equal(c->benchmarks[2].runs, 20);
	assert_true(c->benchmarks[2].timeout == 1.5);
	assert_int_equal(c->benchmarks[3].warmup, 7);
	assert_int_equal(c->benchmarks[3].runs, 50);
	assert_true(c->benchmarks[3].timeout == 2.0);
	config_free(c);
}

static void test_build_empty_or_null(void **state)
{
	struct config *c;
	(void)state;
	c = parse_ok("{\"build\": \"\", \"benchmarks\": [" B1 "]}");
	assert_null(c->build);
	config_free(c);
	c = parse_ok("{\"build\": null, \"benchmarks\": [" B1 "]}");
	assert_null(c->build);
	config_free(c);
}

static void test_command_array_vs_string(void **state)
{
	struct config *c;
	(void)state;
	c = parse_ok("{\"benchmarks\": ["
		     " {\"name\":\"arr\",\"command\":[\"./sort\", \"-n\", \"x y\"]},"
		     " {\"name\":\"one\",\"command\":[\"./a\"]},"
		     " {\"name\":\"str\",\"command\":\"./sort -n 'x y'\"}]}");
	assert_null(c->benchmarks[0].shell);
	assert_non_null(c->benchmarks[0].argv);
	assert_string_equal(c->benchmarks[0].argv[0], "./sort");
	assert_string_equal(c->benchmarks[0].argv[1], "-n");
	assert_string_equal(c->benchmarks[0].argv[2], "x y");
	assert_null(c->benchmarks[0].argv[3]);
	assert_string_equal(c->benchmarks[1].argv[0], "./a");
	assert_null(c->benchmarks[1].argv[1]);
	assert_null(c->benchmarks[2].argv);
	assert_string_equal(c->benchmarks[2].shell, "./sort -n 'x y'");
	config_free(c);
}

static void test_unicode_command(void **state)
{
	struct config *c;
	(void)state;
	c = parse_ok("{\"benchmarks\": [{\"name\":\"u\",\"command\":[\"echo\", \"\\u00e9\\\"\\\\\"]}]}");
	assert_string_equal(c->benchmarks[0].argv[1], "\xc3\xa9\"\\");
	config_free(c);
}

/* ---- the loop's keys: counts, parameters, output, CPUs, profiles, compare ---- */

/* The first CPU this thread may run on (every machine has one). */
static int some_cpu(void)
{
	cpu_set_t set;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	fail_msg("no CPU");
	return -1;
}

/* A CPU this thread may not use, or -1 when it may use every one. */
static int unavailable_cpu(void)
{
	cpu_set_t set;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (!CPU_ISSET(i, &set))
			return i;
	return -1;
}

/* Every key at both levels, with parameters (static buffer). */
static const char *full_config(void)
{
	static char text[2048];
	snprintf(text, sizeof(text),
		 "{\"build\": \"make\", \"warmup\": 1, \"min_time\": 0.25, \"min_runs\": 3,"
		 " \"max_runs\": 30, \"timeout\": 9, \"setup\": \"mkdir -p d\","
		 " \"prepare\": \"sync\", \"conclude\": \"rm -f d/x\", \"cleanup\": \"rm -rf d\","
		 " \"output\": \"discard\", \"ignore_failure\": true, \"randomize_env\": true,"
		 " \"cpus\": [%d], \"profile\": {\"perf\": true, \"frequency\": 99},"
		 " \"metrics\": [\"instructions\"], \"parameters\": {\"size\": [\"1k\", 10]},"
		 " \"compare\": {\"alpha\": 0.05, \"threshold\": 0.1}, \"branch\": \"trunk\","
		 " \"benchmarks\": ["
		 "  {\"name\": \"sort\", \"command\": [\"./sort\", \"{size}\", \"x{size}y\"]},"
		 "  {\"name\": \"grep\", \"command\": \"./grep {size} {t} {other}\","
		 "   \"parameters\": {\"t\": [\"a\", \"b\"], \"size\": [\"5\"]}, \"prepare\": \"p {t}\","
		 "   \"runs\": 7, \"output\": \"log\", \"cpus\": [], \"profile\": null,"
		 "   \"metrics\": [], \"setup\": null, \"conclude\": \"\"},"
		 "  {\"name\": \"plain\", \"command\": \"true\", \"parameters\": {},"
		 "   \"ignore_failure\": false, \"profile\": {\"frequency\": 5}}]}",
		 some_cpu());
	return text;
}

static void test_full_config(void **state)
{
	struct config *c = parse_ok(full_config());
	const struct bench_config *b;
	(void)state;
	assert_int_equal(c->nbenchmarks, 5);
	assert_string_equal(c->branch, "trunk");
	assert_true(c->compare_alpha == 0.05 && c->compare_threshold == 0.1);
	/* sort over the top-level parameters, the first varying slowest */
	b = &c->benchmarks[0];
	assert_string_equal(b->name, "sort[size=1k]");
	assert_string_equal(b->base_name, "sort");
	assert_string_equal(b->argv[1], "1k");
	assert_string_equal(b->argv[2], "x1ky");
	assert_int_equal(b->nparams, 1);
	assert_string_equal(b->params[0].name, "size");
	assert_string_equal(b->params[0].value, "1k");
	assert_int_equal(b->warmup, 1);
	assert_true(b->min_time == 0.25);
	assert_int_equal(b->min_runs, 3);
	assert_int_equal(b->max_runs, 30);
	assert_int_equal(b->runs, 3);
	assert_true(b->timeout == 9);
	assert_string_equal(b->setup, "mkdir -p d");
	assert_string_equal(b->prepare, "sync");
	assert_string_equal(b->conclude, "rm -f d/x");
	assert_string_equal(b->cleanup, "rm -rf d");
	assert_true(b->output_discard && b->ignore_failure && b->randomize_env);
	assert_int_equal(b->ncpus, 1);
	assert_int_equal(b->cpus[0], some_cpu());
	assert_true(b->perf);
	assert_int_equal(b->perf_frequency, 99);
	assert_true(b->instructions);
	assert_string_equal(c->benchmarks[1].name, "sort[size=10]"); /* an integer value */
	assert_string_equal(c->benchmarks[1].argv[2], "x10y");
	/* grep: its own parameters in its own order; unknown placeholders stay */
	b = &c->benchmarks[2];
	assert_string_equal(b->name, "grep[t=a,size=5]");
	assert_string_equal(b->shell, "./grep 5 a {other}");
	assert_string_equal(b->prepare, "p a");
	assert_string_equal(c->benchmarks[3].name, "grep[t=b,size=5]");
	assert_string_equal(c->benchmarks[3].prepare, "p b");
	assert_int_equal(b->runs, 7);
	assert_true(b->min_time == 0);
	assert_int_equal(b->min_runs, 7);
	assert_false(b->output_discard);
	assert_int_equal(b->ncpus, 0);
	assert_null(b->cpus);
	assert_false(b->perf);
	assert_int_equal(b->perf_frequency, CONFIG_DEFAULT_PERF_FREQUENCY);
	assert_false(b->instructions);
	assert_null(b->setup);
	assert_null(b->conclude);
	assert_string_equal(b->cleanup, "rm -rf d");
	/* plain: {} opts out of the top-level parameters */
	b = &c->benchmarks[4];
	assert_string_equal(b->name, "plain");
	assert_int_equal(b->nparams, 0);
	assert_false(b->ignore_failure);
	assert_false(b->perf);
	assert_int_equal(b->perf_frequency, 5);
	config_free(c);
}

static void test_new_key_defaults(void **state)
{
	struct config *c = parse_ok("{\"benchmarks\": [" B1 "]}");
	const struct bench_config *b = &c->benchmarks[0];
	(void)state;
	assert_true(c->compare_alpha == 0.01 && c->compare_threshold == 0.02);
	assert_null(c->branch);
	assert_int_equal(c->nparams, 0);
	assert_string_equal(b->base_name, "a");
	assert_int_equal(b->nparams, 0);
	assert_true(b->min_time == 0);
	assert_int_equal(b->min_runs, CONFIG_DEFAULT_RUNS);
	assert_int_equal(b->max_runs, CONFIG_DEFAULT_RUNS);
	assert_null(b->prepare);
	assert_null(b->conclude);
	assert_null(b->setup);
	assert_null(b->cleanup);
	assert_false(b->output_discard || b->ignore_failure || b->randomize_env);
	assert_null(b->cpus);
	assert_false(b->perf || b->instructions);
	assert_int_equal(b->perf_frequency, CONFIG_DEFAULT_PERF_FREQUENCY);
	config_free(c);
}

static void test_adaptive_count(void **state)
{
	struct config *c;
	(void)state;
	/* min_time alone: hyperfine's bounds */
	c = parse_ok("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"min_time\":1}]}");
	assert_true(c->benchmarks[0].min_time == 1);
	assert_int_equal(c->benchmarks[0].min_runs, CONFIG_DEFAULT_MIN_RUNS);
	assert_int_equal(c->benchmarks[0].max_runs, 100000);
	assert_int_equal(c->benchmarks[0].runs, CONFIG_DEFAULT_MIN_RUNS);
	config_free(c);
	/* max_runs alone switches to the adaptive count with 3 s */
	c = parse_ok("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"max_runs\":12}]}");
	assert_true(c->benchmarks[0].min_time == CONFIG_DEFAULT_MIN_TIME);
	assert_int_equal(c->benchmarks[0].max_runs, 12);
	config_free(c);
	/* top-level adaptive, one benchmark fixed, one tightening the bounds */
	c = parse_ok("{\"min_time\": 2, \"min_runs\": 4, \"benchmarks\": [" B1 ","
		     " {\"name\":\"b\",\"command\":\"x\",\"runs\":6},"
		     " {\"name\":\"c\",\"command\":\"x\",\"max_runs\":5}]}");
	assert_true(c->benchmarks[0].min_time == 2);
	assert_int_equal(c->benchmarks[0].min_runs, 4);
	assert_true(c->benchmarks[1].min_time == 0);
	assert_int_equal(c->benchmarks[1].runs, 6);
	assert_true(c->benchmarks[2].min_time == 2);
	assert_int_equal(c->benchmarks[2].min_runs, 4);
	assert_int_equal(c->benchmarks[2].max_runs, 5);
	config_free(c);
	expect_fail("{\"runs\": 3, \"min_time\": 1, \"benchmarks\": [" B1 "]}", "\"runs\"",
		    "exclude each other", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"runs\":3,\"max_runs\":9}]}",
		    "benchmarks[0]", "exclude each other", NULL);
	expect_fail("{\"min_runs\": 9, \"max_runs\": 3, \"benchmarks\": [" B1 "]}",
		    "\"min_runs\" (9) is more than \"max_runs\" (3)", NULL);
	expect_fail("{\"min_time\": 0, \"benchmarks\": [" B1 "]}", "\"min_time\"", NULL);
	expect_fail("{\"min_runs\": 0, \"benchmarks\": [" B1 "]}", "\"min_runs\" must be from 1",
		    NULL);
}

static void test_parameters(void **state)
{
	struct config *c;
	(void)state;
	/* two parameters: four benchmarks named in order */
	c = parse_ok("{\"benchmarks\": [{\"name\":\"s\",\"command\":[\"./s\",\"{size}-{threads}\"],"
		     " \"setup\":\"gen {size}\", \"conclude\": \"{threads}{threads}\","
		     " \"cleanup\":\"rm {size}\","
		     " \"parameters\": {\"size\": [\"1k\", \"10k\"], \"threads\": [\"1\", \"2\"]}}]}");
	assert_int_equal(c->nbenchmarks, 4);
	assert_string_equal(c->benchmarks[0].name, "s[size=1k,threads=1]");
	assert_string_equal(c->benchmarks[1].name, "s[size=1k,threads=2]");
	assert_string_equal(c->benchmarks[2].name, "s[size=10k,threads=1]");
	assert_string_equal(c->benchmarks[3].name, "s[size=10k,threads=2]");
	assert_string_equal(c->benchmarks[3].argv[1], "10k-2");
	assert_string_equal(c->benchmarks[3].setup, "gen 10k");
	assert_string_equal(c->benchmarks[3].conclude, "22");
	assert_string_equal(c->benchmarks[3].cleanup, "rm 10k");
	assert_string_equal(c->benchmarks[3].params[1].name, "threads");
	assert_string_equal(c->benchmarks[3].params[1].value, "2");
	config_free(c);
	/* {{size}} and {size placeholders that are not whole are kept */
	c = parse_ok("{\"benchmarks\": [{\"name\":\"s\",\"command\":\"a {{n}} {n {nn} {n}\","
		     " \"parameters\": {\"n\": [3]}}]}");
	assert_string_equal(c->benchmarks[0].shell, "a {3} {n {nn} 3");
	config_free(c);
	expect_fail("{\"benchmarks\": [{\"name\":\"s\",\"command\":\"x\",\"parameters\":[1]}]}",
		    "benchmarks[0]", "\"parameters\" must be an object", NULL);
	expect_fail("{\"parameters\": {\"1x\": [1]}, \"benchmarks\": [" B1 "]}",
		    "\"parameters\": the name \"1x\"", NULL);
	expect_fail("{\"parameters\": {\"a-b\": [1]}, \"benchmarks\": [" B1 "]}", "\"a-b\"", NULL);
	expect_fail("{\"parameters\": {\"n\": []}, \"benchmarks\": [" B1 "]}",
		    "\"n\" must be an array of 1 to", NULL);
	expect_fail("{\"parameters\": {\"n\": \"1\"}, \"benchmarks\": [" B1 "]}",
		    "\"n\" must be an array", NULL);
	expect_fail("{\"parameters\": {\"n\": [1.5]}, \"benchmarks\": [" B1 "]}",
		    "\"n\"[0] must be a string or an integer", NULL);
	expect_fail("{\"parameters\": {\"n\": [\"a b\"]}, \"benchmarks\": [" B1 "]}",
		    "\"n\"[0] must be 1 to", "without spaces", NULL);
	expect_fail("{\"parameters\": {\"n\": [\"ok\", \"a/b\"]}, \"benchmarks\": [" B1 "]}",
		    "\"n\"[1]", NULL);
	expect_fail("{\"parameters\": {\"n\": [\"x=y\"]}, \"benchmarks\": [" B1 "]}", "\"n\"[0]",
		    NULL);
	expect_fail("{\"parameters\": {\"n\": [\"\"]}, \"benchmarks\": [" B1 "]}", "\"n\"[0]", NULL);
	expect_fail("{\"parameters\": {\"n\": [1, \"1\"]}, \"benchmarks\": [" B1 "]}",
		    "lists \"1\" twice", NULL);
	/* an expanded name that another benchmark already has */
	expect_fail("{\"benchmarks\": [{\"name\":\"a[n=1]\",\"command\":\"x\"},"
		    " {\"name\":\"a\",\"command\":\"y\",\"parameters\":{\"n\":[1]}}]}",
		    "benchmarks[1]", "the name \"a[n=1]\" is used twice", NULL);
	/* an expanded name too long for a file name */
	{
		char text[512], value[80];
		memset(value, 'v', sizeof(value) - 1);
		value[sizeof(value) - 1] = '\0';
		snprintf(text, sizeof(text),
			 "{\"benchmarks\": [{\"name\":\"abcdefghijklmnopqrstu\",\"command\":\"x\","
			 " \"parameters\": {\"n\": [\"%s\"]}}]}", value);
		expect_fail(text, "benchmarks[0]", "with its parameters is longer than 100", NULL);
	}
	/* more than 1000 benchmarks */
	expect_fail("{\"parameters\": {\"a\": [1,2,3,4,5,6,7,8,9,10,11],"
		    " \"b\": [1,2,3,4,5,6,7,8,9,10], \"c\": [1,2,3,4,5,6,7,8,9,10]},"
		    " \"benchmarks\": [" B1 "]}",
		    "more than 1000 benchmarks", NULL);
}

static void test_strings_output_flags(void **state)
{
	(void)state;
	expect_fail("{\"prepare\": 3, \"benchmarks\": [" B1 "]}",
		    "\"prepare\" must be a string (a shell command) or null", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"cleanup\":[\"rm\"]}]}",
		    "benchmarks[0]: \"cleanup\" must be a string", NULL);
	expect_fail("{\"setup\": \"a\\u0000b\", \"benchmarks\": [" B1 "]}",
		    "\"a\\u0000b\" at byte 10 contains \\u0000 (NUL)", NULL);
	expect_fail("{\"output\": \"stdout\", \"benchmarks\": [" B1 "]}",
		    "\"output\" must be \"log\" or \"discard\"", NULL);
	expect_fail("{\"output\": true, \"benchmarks\": [" B1 "]}", "\"output\"", NULL);
	expect_fail("{\"ignore_failure\": 1, \"benchmarks\": [" B1 "]}",
		    "\"ignore_failure\" must be true or false", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"randomize_env\":\"yes\"}]}",
		    "benchmarks[0]: \"randomize_env\" must be true or false", NULL);
}

static void test_cpus(void **state)
{
	char text[256];
	int bad = unavailable_cpu();
	struct config *c;
	(void)state;
	snprintf(text, sizeof(text), "{\"cpus\": [%d], \"benchmarks\": [" B1 "]}", some_cpu());
	c = parse_ok(text);
	assert_int_equal(c->benchmarks[0].ncpus, 1);
	assert_int_equal(c->benchmarks[0].cpus[0], some_cpu());
	config_free(c);
	c = parse_ok("{\"cpus\": null, \"benchmarks\": [" B1 "]}");
	assert_null(c->benchmarks[0].cpus);
	config_free(c);
	if (bad >= 0) {
		snprintf(text, sizeof(text), "{\"cpus\": [%d], \"benchmarks\": [" B1 "]}", bad);
		expect_fail(text, "\"cpus\": CPU", "is not available to benchfs", NULL);
	}
	snprintf(text, sizeof(text), "{\"cpus\": [%d, %d], \"benchmarks\": [" B1 "]}", some_cpu(),
		 some_cpu());
	expect_fail(text, "is listed twice", NULL);
	expect_fail("{\"cpus\": [-1], \"benchmarks\": [" B1 "]}", "\"cpus\"[0] must be a CPU number",
		    NULL);
	expect_fail("{\"cpus\": [\"1\"], \"benchmarks\": [" B1 "]}", "\"cpus\"[0]", NULL);
	expect_fail("{\"cpus\": 1, \"benchmarks\": [" B1 "]}", "\"cpus\" must be an array", NULL);
}

static void test_profile_metrics(void **state)
{
	(void)state;
	expect_fail("{\"profile\": true, \"benchmarks\": [" B1 "]}", "\"profile\" must be an object",
		    NULL);
	expect_fail("{\"profile\": {\"perf\": true, \"freq\": 9}, \"benchmarks\": [" B1 "]}",
		    "\"profile\": unknown key \"freq\"", NULL);
	expect_fail("{\"profile\": {\"frequency\": 0}, \"benchmarks\": [" B1 "]}",
		    "\"frequency\" must be from 1 to 100000", NULL);
	expect_fail("{\"profile\": {\"frequency\": 100001}, \"benchmarks\": [" B1 "]}",
		    "\"frequency\"", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"profile\":{\"perf\":1}}]}",
		    "benchmarks[0]: \"profile\": \"perf\" must be true or false", NULL);
	expect_fail("{\"metrics\": [\"cycles\"], \"benchmarks\": [" B1 "]}",
		    "unknown metric \"cycles\" (known: instructions)", NULL);
	expect_fail("{\"metrics\": \"instructions\", \"benchmarks\": [" B1 "]}",
		    "\"metrics\" must be an array", NULL);
	expect_fail("{\"metrics\": [1], \"benchmarks\": [" B1 "]}", "\"metrics\"[0] must be a string",
		    NULL);
}

static void test_compare_branch(void **state)
{
	struct config *c;
	(void)state;
	c = parse_ok("{\"compare\": {\"alpha\": 0.5, \"threshold\": 0}, \"branch\": \"main\","
		     " \"benchmarks\": [" B1 "]}");
	assert_true(c->compare_alpha == 0.5 && c->compare_threshold == 0);
	assert_string_equal(c->branch, "main");
	config_free(c);
	c = parse_ok("{\"compare\": {\"threshold\": 0.05}, \"branch\": null, \"benchmarks\": [" B1 "]}");
	assert_true(c->compare_alpha == 0.01 && c->compare_threshold == 0.05);
	assert_null(c->branch);
	config_free(c);
	expect_fail("{\"compare\": {\"alpha\": 0}, \"benchmarks\": [" B1 "]}",
		    "\"compare\": \"alpha\" must be a number more than 0 and at most 0.5", NULL);
	expect_fail("{\"compare\": {\"alpha\": 0.6}, \"benchmarks\": [" B1 "]}", "\"alpha\"", NULL);
	expect_fail("{\"compare\": {\"threshold\": 1}, \"benchmarks\": [" B1 "]}",
		    "\"threshold\" must be \"auto\" or a number from 0 to less than 1", NULL);
	expect_fail("{\"compare\": {\"threshold\": \"2%\"}, \"benchmarks\": [" B1 "]}",
		    "\"threshold\"", NULL);
	expect_fail("{\"compare\": {\"beta\": 1}, \"benchmarks\": [" B1 "]}",
		    "\"compare\": unknown key \"beta\"", NULL);
	expect_fail("{\"compare\": 0.01, \"benchmarks\": [" B1 "]}", "\"compare\" must be an object",
		    NULL);
	expect_fail("{\"branch\": \"\", \"benchmarks\": [" B1 "]}", "\"branch\" must be a branch name",
		    NULL);
	expect_fail("{\"compare\": {\"threshold\": \"Auto\"}, \"benchmarks\": [" B1 "]}",
		    "\"threshold\" must be \"auto\" or a number", NULL);
	expect_fail("{\"branch\": 3, \"benchmarks\": [" B1 "]}", "\"branch\"", NULL);
	/* view keys belong to the top level only */
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"branch\":\"m\"}]}",
		    "benchmarks[0]: unknown key \"branch\"", NULL);
}

/* "threshold": "auto", "max_pairs", "confirm" and "artifacts": parsed, refused when
 * wrong, and written back to config.json so a run shows what decided. */
static void test_compare_auto_pairs_artifacts(void **state)
{
	struct config *c, *back;
	char *json;
	(void)state;
	c = parse_ok("{\"benchmarks\": [" B1 "]}");
	assert_false(c->compare_threshold_auto);
	assert_int_equal(c->compare_max_pairs, CONFIG_DEFAULT_MAX_PAIRS);
	assert_true(c->compare_confirm);
	assert_int_equal(c->nartifacts, 0);
	config_free(c);
	c = parse_ok("{\"compare\": {\"threshold\": \"auto\", \"max_pairs\": 64, \"confirm\": false},"
		     " \"artifacts\": [\"sorter\", \"lib/*.so\"], \"benchmarks\": [" B1 "]}");
	assert_true(c->compare_threshold_auto);
	assert_true(c->compare_threshold == 0.02); /* the fallback until there is history */
	assert_int_equal(c->compare_max_pairs, 64);
	assert_false(c->compare_confirm);
	assert_int_equal(c->nartifacts, 2);
	assert_string_equal(c->artifacts[1], "lib/*.so");
	json = config_to_json(c);
	assert_non_null(json);
	back = parse_ok(json);
	assert_true(back->compare_threshold_auto);
	assert_int_equal(back->compare_max_pairs, 64);
	assert_false(back->compare_confirm);
	assert_int_equal(back->nartifacts, 2);
	assert_string_equal(back->artifacts[0], "sorter");
	config_free(back);
	free(json);
	config_free(c);
	expect_fail("{\"compare\": {\"max_pairs\": 1}, \"benchmarks\": [" B1 "]}",
		    "\"max_pairs\" must be an integer from 2", NULL);
	expect_fail("{\"compare\": {\"max_pairs\": 10.5}, \"benchmarks\": [" B1 "]}",
		    "\"max_pairs\"", NULL);
	expect_fail("{\"compare\": {\"max_pairs\": 100001}, \"benchmarks\": [" B1 "]}",
		    "\"max_pairs\"", NULL);
	expect_fail("{\"compare\": {\"confirm\": 1}, \"benchmarks\": [" B1 "]}",
		    "\"compare\": \"confirm\" must be true or false", NULL);
	expect_fail("{\"artifacts\": [], \"benchmarks\": [" B1 "]}",
		    "\"artifacts\" must be a non-empty array", NULL);
	expect_fail("{\"artifacts\": \"sorter\", \"benchmarks\": [" B1 "]}", "\"artifacts\"",
		    NULL);
	expect_fail("{\"artifacts\": [\"/usr/bin/x\"], \"benchmarks\": [" B1 "]}",
		    "\"artifacts\": entry 1 must be a relative path", NULL);
	expect_fail("{\"artifacts\": [\"ok\", \"../x\"], \"benchmarks\": [" B1 "]}",
		    "entry 2", NULL);
	expect_fail("{\"artifacts\": [\"a/../../x\"], \"benchmarks\": [" B1 "]}", "entry 1",
		    NULL);
	expect_fail("{\"artifacts\": [\"a/..\"], \"benchmarks\": [" B1 "]}", "entry 1", NULL);
	expect_fail("{\"artifacts\": [3], \"benchmarks\": [" B1 "]}", "entry 1", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"artifacts\":[\"x\"]}]}",
		    "benchmarks[0]: unknown key \"artifacts\"", NULL);
}

/* config.json shows every key of every benchmark, with one entry per
 * combination. Compared without white space (the output is pretty). */
static void test_to_json_new_keys(void **state)
{
	static const char *const expected[] = {
		"\"min_time\":0.25",
		"\"parameters\":{\"size\":[\"1k\",\"10\"]},\"compare\"",
		"{\"name\":\"grep\",\"parameters\":{\"t\":[\"b\"],\"size\":[\"5\"]},"
		"\"command\":\"./grep5b{other}\",",
		"\"output\":\"discard\"",
		"\"metrics\":[\"instructions\"]",
		"\"profile\":{\"perf\":true,\"frequency\":99}",
		"\"compare\":{\"alpha\":0.05,\"threshold\":0.1,\"max_pairs\":320,\"confirm\":true}",
		"\"branch\":\"trunk\"",
		"\"runs\":7",
		"\"setup\":null",
		"\"cpus\":[]",
		"{\"name\":\"plain\",\"parameters\":{},",
	};
	struct config *c = parse_ok(full_config());
	char *json = config_to_json(c), *out;
	(void)state;
	assert_non_null(json);
	out = json;
	for (const char *in = json; *in; in++)
		if (*in != ' ' && *in != '\n')
			*out++ = *in;
	*out = '\0';
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		if (!strstr(json, expected[i]))
			fail_msg("config.json lacks %s: %s", expected[i], json);
	free(json);
	config_free(c);
}

/* Numbers in config.json as a person writes them: integral ones as integers
 * (30, never 3e+01 nor 30.0), the rest with the fewest digits that read back. */
static void test_to_json_numbers(void **state)
{
	static const char *const expected[] = {
		"\"timeout\":30,", "\"min_time\":3,", "\"timeout\":86400,", "\"timeout\":1.5,",
		"\"timeout\":0.001,", "\"max\":2,", "\"tolerance\":0.1",
		"\"compare\":{\"alpha\":0.01,\"threshold\":0.05,",
	};
	struct config *c = parse_ok(
		"{\"timeout\": 30, \"min_time\": 3, \"compare\": {\"alpha\": 0.01, \"threshold\": 0.05},"
		" \"benchmarks\": [{\"name\": \"a\", \"command\": \"x\", \"slo\": {\"max\": 2}},"
		" {\"name\": \"b\", \"command\": \"x\", \"timeout\": 86400},"
		" {\"name\": \"c\", \"command\": \"x\", \"timeout\": 1.5,"
		" \"slo\": {\"baseline\": \"v1\", \"tolerance\": 0.1}},"
		" {\"name\": \"d\", \"command\": \"x\", \"timeout\": 0.001}]}");
	char *json = config_to_json(c), *out;
	(void)state;
	assert_non_null(json);
	out = json;
	for (const char *in = json; *in; in++)
		if (*in != ' ' && *in != '\n')
			*out++ = *in;
	*out = '\0';
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		if (!strstr(json, expected[i]))
			fail_msg("config.json lacks %s: %s", expected[i], json);
	for (const char *p = json; *p && p[1]; p++)
		if (*p >= '0' && *p <= '9' && (p[1] == 'e' || p[1] == 'E'))
			fail_msg("config.json has an exponent: %s", json);
	free(json);
	config_free(c);
}

/* The formatter behind every number benchfs writes to JSON (util/json_num.h). */
static void test_json_num(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{30, "30"},
		{14.826, "14.826"},
		{0.05, "0.05"},
		{0.1 + 0.2, "0.30000000000000004"},
		{-2.5, "-2.5"},
		{0, "0"},
		{-0.0, "0"},
		{1234567891, "1234567891"},
		{0.000123, "0.000123"},
		{1e-7, "0.0000001"},
		{1.5e-8, "1.5e-8"},
		{1e20, "100000000000000000000"},
		{2.5e21, "2.5e+21"},
		{5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
	};
	char text[JSON_NUM_MAX], small[4];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(json_num_format(text, sizeof(text), cases[i].v), 0);
		assert_string_equal(text, cases[i].text);
		assert_true(strtod(text, NULL) == cases[i].v);
	}
	assert_int_equal(json_num_format(text, sizeof(text), NAN), -EDOM);
	assert_string_equal(text, "");
	assert_int_equal(json_num_format(text, sizeof(text), -INFINITY), -EDOM);
	assert_int_equal(json_num_format(small, sizeof(small), 14.826), -ERANGE);
	assert_string_equal(small, "");
	/* Every double reads back: a sweep across the exponents. */
	for (double v = 1e-300; v < 1e300; v *= 1.37) {
		assert_int_equal(json_num_format(text, sizeof(text), v / 3), 0);
		if (strtod(text, NULL) != v / 3)
			fail_msg("%.17g printed as %s", v / 3, text);
	}
}

/* ---- round trip ---- */

static void assert_opt_string_equal(const char *a, const char *b)
{
	if (a)
		assert_string_equal(a, b);
	else
		assert_null(b);
}

/* Every per-benchmark key other than name, command and parameters. */
static void assert_settings_equal(const struct bench_config *x, const struct bench_config *y)
{
	assert_int_equal(x->min_runs, y->min_runs);
	assert_int_equal(x->max_runs, y->max_runs);
	assert_true(x->min_time == y->min_time);
	assert_opt_string_equal(x->prepare, y->prepare);
	assert_opt_string_equal(x->conclude, y->conclude);
	assert_opt_string_equal(x->setup, y->setup);
	assert_opt_string_equal(x->cleanup, y->cleanup);
	assert_int_equal(x->output_discard, y->output_discard);
	assert_int_equal(x->ignore_failure, y->ignore_failure);
	assert_int_equal(x->randomize_env, y->randomize_env);
	assert_int_equal(x->ncpus, y->ncpus);
	for (size_t k = 0; k < x->ncpus; k++)
		assert_int_equal(x->cpus[k], y->cpus[k]);
	assert_int_equal(x->perf, y->perf);
	assert_int_equal(x->perf_frequency, y->perf_frequency);
	assert_int_equal(x->instructions, y->instructions);
	assert_true(x->slo.max == y->slo.max);
	assert_int_equal(x->slo.median, y->slo.median);
	assert_opt_string_equal(x->slo.baseline, y->slo.baseline);
	assert_true(x->slo.tolerance == y->slo.tolerance);
}

static void assert_configs_equal(const struct config *a, const struct config *b)
{
	assert_opt_string_equal(a->build, b->build);
	assert_opt_string_equal(a->branch, b->branch);
	assert_true(a->compare_alpha == b->compare_alpha);
	assert_true(a->compare_threshold == b->compare_threshold);
	assert_int_equal(a->compare_threshold_auto, b->compare_threshold_auto);
	assert_int_equal(a->compare_max_pairs, b->compare_max_pairs);
	assert_int_equal(a->nartifacts, b->nartifacts);
	assert_int_equal(a->warmup, b->warmup);
	assert_int_equal(a->runs, b->runs);
	assert_true(a->timeout == b->timeout);
	assert_settings_equal(&a->defaults, &b->defaults);
	assert_int_equal(a->nparams, b->nparams);
	for (size_t i = 0; i < a->nparams; i++) {
		assert_string_equal(a->params[i].name, b->params[i].name);
		assert_int_equal(a->params[i].nvalues, b->params[i].nvalues);
		for (size_t k = 0; k < a->params[i].nvalues; k++)
			assert_string_equal(a->params[i].values[k], b->params[i].values[k]);
	}
	assert_int_equal(a->nbenchmarks, b->nbenchmarks);
	for (size_t i = 0; i < a->nbenchmarks; i++) {
		const struct bench_config *x = &a->benchmarks[i], *y = &b->benchmarks[i];
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->warmup, y->warmup);
		assert_int_equal(x->runs, y->runs);
		assert_true(x->timeout == y->timeout);
		assert_settings_equal(x, y);
		assert_string_equal(x->base_name, y->base_name);
		assert_int_equal(x->nparams, y->nparams);
		for (size_t k = 0; k < x->nparams; k++) {
			assert_string_equal(x->params[k].name, y->params[k].name);
			assert_string_equal(x->params[k].value, y->params[k].value);
		}
		if (x->shell) {
			assert_non_null(y->shell);
			assert_string_equal(x->shell, y->shell);
			assert_null(y->argv);
		} else {
			size_t k = 0;
			assert_null(y->shell);
			assert_non_null(y->argv);
			for (; x->argv[k]; k++) {
				assert_non_null(y->argv[k]);
				assert_string_equal(x->argv[k], y->argv[k]);
			}
			assert_null(y->argv[k]);
		}
	}
}

static void round_trip(const char *text)
{
	struct config *a = parse_ok(text), *b, *c;
	char *json = config_to_json(a), *json2;
	assert_non_null(json);
	b = parse_ok(json);
	assert_configs_equal(a, b);
	/* normalised form is a fixed point */
	json2 = config_to_json(b);
	assert_non_null(json2);
	assert_string_equal(json, json2);
	c = parse_ok(json2);
	assert_configs_equal(a, c);
	free(json);
	free(json2);
	config_free(a);
	config_free(b);
	config_free(c);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip("{\"benchmarks\": [" B1 "]}");
	round_trip("{\"build\": \"make CFLAGS='-O2' && echo \\\"done\\\"\", \"warmup\": 3,"
		   " \"runs\": 25, \"timeout\": 0.1, \"benchmarks\": ["
		   " {\"name\":\"a\",\"command\":[\"./a\", \"x y\", \"it's\", \"/path/with/slash\"]},"
		   " {\"name\":\"b\",\"command\":\"cat /dev/null | wc -l\",\"runs\":2,"
		   "  \"timeout\":123.456789, \"warmup\":0},"
		   " {\"name\":\"c\",\"command\":[\"\\u00e9\\t\\n\"],\"timeout\":86400}]}");
	round_trip(full_config());
	/* a benchmark's "runs" over adaptive defaults, and the reverse */
	round_trip("{\"min_time\": 0.5, \"max_runs\": 40, \"benchmarks\": [" B1 ","
		   " {\"name\":\"b\",\"command\":\"x\",\"runs\":3}]}");
	round_trip("{\"runs\": 4, \"parameters\": {\"n\": [1, 2]}, \"benchmarks\": [" B1 ","
		   " {\"name\":\"b\",\"command\":\"x\",\"min_runs\":2,\"parameters\":{}}]}");
}

static void test_to_json_normalised(void **state)
{
	struct config *c = parse_ok("{\"runs\": 4, \"benchmarks\": [" B1 "]}");
	char *json = config_to_json(c);
	(void)state;
	assert_non_null(json);
	/* every default resolved per benchmark, no slash escaping */
	assert_non_null(strstr(json, "\"build\": null"));
	assert_non_null(strstr(json, "\"benchmarks\""));
	assert_non_null(strstr(json, "\"timeout\""));
	assert_non_null(strstr(json, "\"warmup\": 0"));
	assert_non_null(strstr(json, "\"runs\": 4"));
	{
		/* "runs" appears twice: top level and the benchmark */
		const char *first = strstr(json, "\"runs\": 4");
		assert_non_null(strstr(first + 1, "\"runs\": 4"));
	}
	free(json);
	config_free(c);
	c = parse_ok("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"/bin/true\"}]}");
	json = config_to_json(c);
	assert_non_null(strstr(json, "/bin/true"));
	free(json);
	config_free(c);
}

/* ---- files ---- */

static void test_load_missing_file(void **state)
{
	struct config *c = NULL;
	char err[512] = "";
	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/dir/benchfs.json", err, sizeof(err)), -ENOENT);
	assert_null(c);
	assert_non_null(strstr(err, "/nonexistent/dir/benchfs.json"));
	assert_non_null(strstr(err, "No such file"));
}

static char *write_temp(const char *dir, const char *content, size_t len)
{
	char *path = NULL;
	FILE *f;
	assert_true(asprintf(&path, "%s/config.json", dir) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	fclose(f);
	return path;
}

static void test_load_files(void **state)
{
	char dir[] = "/tmp/benchfs-test-config-XXXXXX";
	const char *good = "{\n  \"runs\": 5,\n  \"benchmarks\": [\n    {\"name\": \"sort\","
			   " \"command\": [\"./sort\", \"in.txt\"]}\n  ]\n}\n";
	const char *bad = "{\"benchmarks\": [{\"name\": \"sort\", \"command\": \"x\","
			  " \"runz\": 3}]}\n";
	struct config *c = NULL;
	char err[512] = "", *path;
	(void)state;
	assert_non_null(mkdtemp(dir));

	path = write_temp(dir, good, strlen(good));
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	assert_non_null(c);
	assert_int_equal(c->nbenchmarks, 1);
	assert_int_equal(c->benchmarks[0].runs, 5);
	assert_string_equal(c->benchmarks[0].argv[1], "in.txt");
	config_free(c);
	c = NULL;

	/* a parse error names the file and the problem */
	unlink(path);
	free(path);
	path = write_temp(dir, bad, strlen(bad));
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_null(c);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "benchmarks[0]"));
	assert_non_null(strstr(err, "\"runz\""));

	/* a NUL byte in the file */
	unlink(path);
	free(path);
	path = write_temp(dir, "{\"benchmarks\": []}\0 x", 21);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "NUL"));

	/* an empty file */
	unlink(path);
	free(path);
	path = write_temp(dir, "", 0);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "invalid JSON"));

	/* a directory cannot be read as a file */
	assert_int_equal(config_load(&c, dir, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, dir));

	unlink(path);
	free(path);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- command text ---- */

static void expect_command_text(char **argv, const char *expected)
{
	struct bench_config b = {0};
	char *text;
	b.name = "x";
	b.argv = argv;
	text = bench_config_command_text(&b);
	assert_non_null(text);
	assert_string_equal(text, expected);
	free(text);
}

static void test_command_text(void **state)
{
	(void)state;
	{
		char *argv[] = {"./a", "x y", "it's", NULL};
		expect_command_text(argv, "./a 'x y' 'it'\\''s'");
	}
	{
		char *argv[] = {"./sort", "-n", "--key=2,3", "a@b:c+d%e/f.g_h", NULL};
		expect_command_text(argv, "./sort -n --key=2,3 a@b:c+d%e/f.g_h");
	}
	{
		char *argv[] = {"echo", "", "$HOME", "a*b", "x;y", "\"q\"", NULL};
		expect_command_text(argv, "echo '' '$HOME' 'a*b' 'x;y' '\"q\"'");
	}
	{
		char *argv[] = {"'", "''", NULL};
		expect_command_text(argv, "''\\''' ''\\'''\\'''");
	}
	{
		char *argv[] = {"prog", NULL};
		expect_command_text(argv, "prog");
	}
}

static void test_command_text_shell(void **state)
{
	struct bench_config b = {0};
	char *text;
	(void)state;
	b.name = "x";
	b.shell = "./sort < 'in put' | wc -l";
	text = bench_config_command_text(&b);
	assert_string_equal(text, "./sort < 'in put' | wc -l"); /* verbatim */
	free(text);
}

static void test_command_text_from_parse(void **state)
{
	struct config *c = parse_ok(
		"{\"benchmarks\": [{\"name\":\"a\",\"command\":[\"./a\", \"x y\", \"it's\"]}]}");
	char *text = bench_config_command_text(&c->benchmarks[0]);
	(void)state;
	assert_string_equal(text, "./a 'x y' 'it'\\''s'");
	free(text);
	config_free(c);
}

/* ---- service levels ---- */

static void test_slo(void **state)
{
	struct config *c;
	(void)state;
	/* a ceiling with units, a band, both; the top level's is every benchmark's default */
	c = parse_ok("{\"slo\": {\"max\": \"12ms\"}, \"benchmarks\": [" B1 ","
		     " {\"name\":\"b\",\"command\":\"x\",\"slo\":{\"max\":\"250\u00b5s\","
		     "  \"statistic\":\"median\",\"baseline\":\"release\",\"tolerance\":0.05}},"
		     " {\"name\":\"c\",\"command\":\"x\",\"slo\":null},"
		     " {\"name\":\"d\",\"command\":\"x\",\"slo\":{\"baseline\":\"v1.0\",\"tolerance\":0}},"
		     " {\"name\":\"e\",\"command\":\"x\",\"slo\":{\"max\":1.5}},"
		     " {\"name\":\"f\",\"command\":\"x\",\"slo\":{\"max\":\"900 ns\"}},"
		     " {\"name\":\"g\",\"command\":\"x\",\"slo\":{\"max\":\"2s\",\"statistic\":\"mean\"}},"
		     " {\"name\":\"h\",\"command\":\"x\",\"slo\":{\"max\":\"1.5us\"}}]}");
	assert_int_equal(c->nbenchmarks, 8);
	assert_true(c->defaults.slo.max == 0.012);
	assert_true(c->benchmarks[0].slo.max == 0.012 && !c->benchmarks[0].slo.median &&
		    !c->benchmarks[0].slo.baseline);
	assert_true(c->benchmarks[1].slo.max == 0.00025 && c->benchmarks[1].slo.median);
	assert_string_equal(c->benchmarks[1].slo.baseline, "release");
	assert_true(c->benchmarks[1].slo.tolerance == 0.05);
	assert_true(c->benchmarks[2].slo.max == 0 && !c->benchmarks[2].slo.baseline);
	/* a benchmark's "slo" replaces the default as a whole */
	assert_true(c->benchmarks[3].slo.max == 0 && c->benchmarks[3].slo.tolerance == 0);
	assert_string_equal(c->benchmarks[3].slo.baseline, "v1.0");
	assert_true(c->benchmarks[4].slo.max == 1.5);
	assert_true(c->benchmarks[5].slo.max == 9e-7);
	assert_true(c->benchmarks[6].slo.max == 2.0 && !c->benchmarks[6].slo.median);
	assert_true(c->benchmarks[7].slo.max == 1.5e-6);
	config_free(c);
	/* parameters: every combination keeps the slo */
	c = parse_ok("{\"benchmarks\": [{\"name\":\"p\",\"command\":\"x {n}\","
		     " \"parameters\":{\"n\":[1,2]},\"slo\":{\"baseline\":\"rel\",\"tolerance\":0.1}}]}");
	assert_int_equal(c->nbenchmarks, 2);
	assert_string_equal(c->benchmarks[1].slo.baseline, "rel");
	config_free(c);

	expect_fail("{\"slo\": {\"min\": \"1ms\"}, \"benchmarks\": [" B1 "]}",
		    "\"slo\": \"min\" (a floor) bounds no wall time",
		    "use \"max\", or a floor on a metric", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"slo\":{\"max\":\"12\"}}]}",
		    "benchmarks[0]: \"slo\": \"max\" must be a duration", NULL);
	expect_fail("{\"slo\": {\"max\": \"12 parsecs\"}, \"benchmarks\": [" B1 "]}",
		    "\"slo\": \"max\" must be a duration", "units ns, us, \u00b5s, ms, s", NULL);
	expect_fail("{\"slo\": {\"max\": \"0x10ms\"}, \"benchmarks\": [" B1 "]}", "\"max\"", NULL);
	expect_fail("{\"slo\": {\"max\": \"infms\"}, \"benchmarks\": [" B1 "]}", "\"max\"", NULL);
	expect_fail("{\"slo\": {\"max\": \"-1ms\"}, \"benchmarks\": [" B1 "]}", "\"max\"", NULL);
	expect_fail("{\"slo\": {\"max\": 0}, \"benchmarks\": [" B1 "]}", "\"max\"", NULL);
	expect_fail("{\"slo\": {\"max\": \"0ms\"}, \"benchmarks\": [" B1 "]}", "\"max\"", NULL);
	expect_fail("{\"slo\": {\"max\": \"2d\"}, \"benchmarks\": [" B1 "]}", "\"max\"", NULL);
	expect_fail("{\"slo\": {\"max\": true}, \"benchmarks\": [" B1 "]}",
		    "\"max\" must be a duration such as \"12ms\" or a number of seconds", NULL);
	expect_fail("{\"slo\": {\"max\": \"1ms\", \"statistic\": \"p99\"}, \"benchmarks\": [" B1 "]}",
		    "\"slo\": \"statistic\" must be \"mean\" or \"median\"", NULL);
	expect_fail("{\"slo\": {\"statistic\": \"mean\", \"baseline\": \"r\", \"tolerance\": 0.1},"
		    " \"benchmarks\": [" B1 "]}", "\"statistic\" applies to \"max\"", NULL);
	expect_fail("{\"slo\": {\"baseline\": \"r\"}, \"benchmarks\": [" B1 "]}",
		    "\"baseline\" needs \"tolerance\"", NULL);
	expect_fail("{\"slo\": {\"tolerance\": 0.1}, \"benchmarks\": [" B1 "]}",
		    "\"tolerance\" needs \"baseline\"", NULL);
	expect_fail("{\"slo\": {\"baseline\": \"r\", \"tolerance\": 1}, \"benchmarks\": [" B1 "]}",
		    "\"tolerance\" must be a number from 0 to less than 1", NULL);
	expect_fail("{\"slo\": {\"baseline\": \"r\", \"tolerance\": -0.1}, \"benchmarks\": [" B1 "]}",
		    "\"tolerance\"", NULL);
	expect_fail("{\"slo\": {\"baseline\": \"r\", \"tolerance\": \"5%\"}, \"benchmarks\": [" B1 "]}",
		    "\"tolerance\"", NULL);
	expect_fail("{\"slo\": {\"baseline\": \"latest\", \"tolerance\": 0.1}, \"benchmarks\": [" B1
		    "]}", "\"baseline\" must be a baseline's name", NULL);
	expect_fail("{\"slo\": {\"baseline\": \"a/b\", \"tolerance\": 0.1}, \"benchmarks\": [" B1 "]}",
		    "\"baseline\" must be a baseline's name", NULL);
	expect_fail("{\"slo\": {\"baseline\": \".x\", \"tolerance\": 0.1}, \"benchmarks\": [" B1 "]}",
		    "\"baseline\"", NULL);
	expect_fail("{\"slo\": {\"baseline\": 7, \"tolerance\": 0.1}, \"benchmarks\": [" B1 "]}",
		    "\"baseline\"", NULL);
	expect_fail("{\"slo\": {}, \"benchmarks\": [" B1 "]}",
		    "\"slo\" must set \"max\" (a ceiling) or \"baseline\" and \"tolerance\"", NULL);
	expect_fail("{\"slo\": \"12ms\", \"benchmarks\": [" B1 "]}", "\"slo\" must be an object",
		    NULL);
	expect_fail("{\"slo\": {\"max\": \"1ms\", \"ceiling\": 1}, \"benchmarks\": [" B1 "]}",
		    "\"slo\": unknown key \"ceiling\"", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"slo\":{\"min\":1}}]}",
		    "benchmarks[0]: \"slo\": \"min\"", NULL);
}

static void test_slo_json(void **state)
{
	struct config *c;
	char *json;
	(void)state;
	round_trip("{\"slo\": {\"max\": \"12ms\"}, \"benchmarks\": [" B1 ","
		   " {\"name\":\"b\",\"command\":\"x\",\"slo\":{\"max\":\"0.1ms\","
		   "  \"statistic\":\"median\",\"baseline\":\"release\",\"tolerance\":0.05}},"
		   " {\"name\":\"c\",\"command\":\"x\",\"slo\":null}]}");
	c = parse_ok("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"slo\":{\"max\":\"12ms\","
		     " \"baseline\":\"release\",\"tolerance\":0.05}}]}");
	json = config_to_json(c);
	assert_non_null(json);
	/* the ceiling in seconds, its statistic spelt out; no slo is null */
	assert_non_null(strstr(json, "\"max\": 0.012,"));
	assert_non_null(strstr(json, "\"statistic\": \"mean\","));
	assert_non_null(strstr(json, "\"baseline\": \"release\","));
	assert_non_null(strstr(json, "\"tolerance\": 0.05"));
	assert_non_null(strstr(json, "\"slo\": null"));
	free(json);
	config_free(c);
}

static void test_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

/* "profiles": label lists, normalised, kept in the JSON a run stores. */
static void test_profiles(void **state)
{
	struct config *c;
	char *json;
	(void)state;
	c = parse_ok("{\"profiles\": [\"x86-big\", \"bare,arm,arm\"], \"benchmarks\": [" B1 "]}");
	assert_int_equal(c->nprofiles, 2);
	assert_string_equal(c->profiles[0], "x86-big");
	assert_string_equal(c->profiles[1], "arm,bare");
	json = config_to_json(c);
	config_free(c);
	/* The JSON a run stores reads back the same. */
	c = parse_ok(json);
	free(json);
	assert_int_equal(c->nprofiles, 2);
	assert_string_equal(c->profiles[1], "arm,bare");
	config_free(c);
	expect_fail("{\"profiles\": [], \"benchmarks\": [" B1 "]}", "\"profiles\"", NULL);
	expect_fail("{\"profiles\": \"x86\", \"benchmarks\": [" B1 "]}", "\"profiles\"", NULL);
	expect_fail("{\"profiles\": [\"a b\"], \"benchmarks\": [" B1 "]}", "entry 1", NULL);
	expect_fail("{\"profiles\": [\",\"], \"benchmarks\": [" B1 "]}", "entry 1", NULL);
	expect_fail("{\"profiles\": [\"a,b\", \"b,a\"], \"benchmarks\": [" B1 "]}",
		    "repeats entry 1", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_auto_pairs_artifacts),
		cmocka_unit_test(test_invalid_json),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_trailing_whitespace_ok),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_null_document),
		cmocka_unit_test(test_non_finite_numbers),
		cmocka_unit_test(test_unknown_top_level_key),
		cmocka_unit_test(test_unknown_benchmark_key),
		cmocka_unit_test(test_benchmarks_missing_or_empty),
		cmocka_unit_test(test_benchmark_not_object),
		cmocka_unit_test(test_name_missing_or_wrong_type),
		cmocka_unit_test(test_name_invalid),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_name_allowed_characters),
		cmocka_unit_test(test_name_duplicate),
		cmocka_unit_test(test_command_missing),
		cmocka_unit_test(test_command_wrong_type),
		cmocka_unit_test(test_command_empty),
		cmocka_unit_test(test_command_bad_element),
		cmocka_unit_test(test_command_nul_byte),
		cmocka_unit_test(test_nul_in_any_string),
		cmocka_unit_test(test_messages_escaped),
		cmocka_unit_test(test_load_message_escaped),
		cmocka_unit_test(test_numbers_out_of_range),
		cmocka_unit_test(test_numbers_limits_accepted),
		cmocka_unit_test(test_numbers_not_integer),
		cmocka_unit_test(test_timeout_invalid),
		cmocka_unit_test(test_build_wrong_type),
		cmocka_unit_test(test_error_small_buffer),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_top_level_and_overrides),
		cmocka_unit_test(test_build_empty_or_null),
		cmocka_unit_test(test_command_array_vs_string),
		cmocka_unit_test(test_unicode_command),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_new_key_defaults),
		cmocka_unit_test(test_adaptive_count),
		cmocka_unit_test(test_parameters),
		cmocka_unit_test(test_strings_output_flags),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_profile_metrics),
		cmocka_unit_test(test_compare_branch),
		cmocka_unit_test(test_to_json_new_keys),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_to_json_normalised),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_command_text),
		cmocka_unit_test(test_command_text_shell),
		cmocka_unit_test(test_command_text_from_parse),
		cmocka_unit_test(test_slo),
		cmocka_unit_test(test_slo_json),
		cmocka_unit_test(test_to_json_numbers),
		cmocka_unit_test(test_json_num),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_profiles),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
