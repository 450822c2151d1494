/* The configuration's "metrics" (object and array forms) and "bytes":
 * validation with one-line messages naming the key, inheritance, and
 * config_to_json reading back to the same declarations. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/metrics.h"

#define B1 "{\"name\":\"a\",\"command\":\"true\"}"

static void expect_fail(const char *text, ...)
{
	struct config *c = NULL;
	char err[512] = "";
	va_list ap;
	const char *needle;

	if (config_parse(&c, text, err, sizeof(err)) != -EINVAL)
		fail_msg("config_parse accepted: %s", text);
	assert_null(strchr(err, '\n'));
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
	return c;
}

static void test_object_form(void **state)
{
	struct config *c;
	const struct bench_config *b;

	(void)state;
	c = parse_ok("{\"metrics\": {\"instructions\": true, \"throughput\": {\"unit\": \"MiB/s\","
		     " \"better\": \"higher\"}, \"latency_p99\": {\"unit\": \"s\", \"better\": \"lower\"}},"
		     " \"benchmarks\": [" B1 "]}");
	b = &c->benchmarks[0];
	assert_true(b->instructions);
	assert_int_equal(b->nmetrics, 2);
	assert_string_equal(b->metrics[0].name, "throughput");
	assert_string_equal(b->metrics[0].unit, "MiB/s");
	assert_true(b->metrics[0].higher_is_better);
	assert_string_equal(b->metrics[1].name, "latency_p99");
	assert_false(b->metrics[1].higher_is_better);
	assert_ptr_equal(config_metric_find(b, "latency_p99"), &b->metrics[1]);
	assert_null(config_metric_find(b, "requests"));
	assert_int_equal(b->bytes, 0);
	config_free(c);
	c = parse_ok("{\"metrics\": {\"instructions\": false}, \"benchmarks\": [" B1 "]}");
	assert_false(c->benchmarks[0].instructions);
	assert_int_equal(c->benchmarks[0].nmetrics, 0);
	config_free(c);
}

static void test_array_form(void **state)
{
	struct config *c;

	(void)state;
	c = parse_ok("{\"metrics\": [\"instructions\"], \"benchmarks\": [" B1 "]}");
	assert_true(c->benchmarks[0].instructions);
	assert_int_equal(c->benchmarks[0].nmetrics, 0);
	config_free(c);
	expect_fail("{\"metrics\": [\"throughput\"], \"benchmarks\": [" B1 "]}",
		    "unknown metric \"throughput\" (known: instructions)", "object form", NULL);
}

static void test_invalid(void **state)
{
	(void)state;
	expect_fail("{\"metrics\": {\"wall\": {\"unit\": \"s\", \"better\": \"lower\"}},"
		    " \"benchmarks\": [" B1 "]}", "\"metrics\": \"wall\" is measured by benchfs", NULL);
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\",\"metrics\":{\"cpu\":"
		    " {\"unit\": \"s\", \"better\": \"lower\"}}}]}",
		    "benchmarks[0]: \"metrics\": \"cpu\" is measured", NULL);
	expect_fail("{\"metrics\": {\"memory\": {\"unit\": \"bytes\", \"better\": \"lower\"}},"
		    " \"benchmarks\": [" B1 "]}", "\"memory\" is measured", NULL);
	expect_fail("{\"metrics\": {\"instructions\": {\"unit\": \"count\", \"better\": \"lower\"}},"
		    " \"benchmarks\": [" B1 "]}", "\"instructions\" must be true or false", NULL);
	expect_fail("{\"metrics\": {\"Throughput\": {\"unit\": \"s\", \"better\": \"lower\"}},"
		    " \"benchmarks\": [" B1 "]}", "\"Throughput\" is not a metric name", NULL);
	expect_fail("{\"metrics\": {\"1x\": {\"unit\": \"s\", \"better\": \"lower\"}},"
		    " \"benchmarks\": [" B1 "]}", "\"1x\" is not a metric name", NULL);
	expect_fail("{\"metrics\": {\"a234567890123456789012345678901234567890123456789012345678901234\":"
		    " {\"unit\": \"s\", \"better\": \"lower\"}}, \"benchmarks\": [" B1 "]}",
		    "is not a metric name", NULL);
	expect_fail("{\"metrics\": {\"x\": {\"unit\": \"\", \"better\": \"lower\"}},"
		    " \"benchmarks\": [" B1 "]}", "\"metrics\": \"x\": \"unit\" must be 1 to 31", NULL);
	expect_fail("{\"metrics\": {\"x\": {\"unit\": \"12345678901234567890123456789012\","
		    " \"better\": \"lower\"}}, \"benchmarks\": [" B1 "]}", "\"unit\" must be", NULL);
	expect_fail("{\"metrics\": {\"x\": {\"unit\": \"a\\nb\", \"better\": \"lower\"}},"
		    " \"benchmarks\": [" B1 "]}", "\"unit\" must be", NULL);
	expect_fail("{\"metrics\": {\"x\": {\"better\": \"lower\"}}, \"benchmarks\": [" B1 "]}",
		    "\"unit\" must be", NULL);
	expect_fail("{\"metrics\": {\"x\": {\"unit\": \"s\", \"better\": \"up\"}},"
		    " \"benchmarks\": [" B1 "]}", "\"metrics\": \"x\": \"better\" must be \"higher\" or"
		    " \"lower\"", NULL);
	expect_fail("{\"metrics\": {\"x\": {\"unit\": \"s\"}}, \"benchmarks\": [" B1 "]}",
		    "\"better\" must be", NULL);
	expect_fail("{\"metrics\": {\"x\": {\"unit\": \"s\", \"better\": \"lower\", \"floor\": 1}},"
		    " \"benchmarks\": [" B1 "]}", "\"metrics\": \"x\": unknown key \"floor\"", NULL);
	expect_fail("{\"metrics\": {\"x\": true}, \"benchmarks\": [" B1 "]}",
		    "\"metrics\": \"x\" must be an object", NULL);
	expect_fail("{\"metrics\": 3, \"benchmarks\": [" B1 "]}", "\"metrics\" must be an array",
		    NULL);
}

static void test_bytes(void **state)
{
	struct config *c;

	(void)state;
	c = parse_ok("{\"bytes\": 52428800, \"benchmarks\": [" B1 ", {\"name\": \"b\", \"command\":"
		     " \"true\", \"bytes\": null}, {\"name\": \"c\", \"command\": \"true\", \"bytes\": 1}]}");
	assert_int_equal(c->benchmarks[0].bytes, 52428800);
	assert_int_equal(c->benchmarks[1].bytes, 0);
	assert_int_equal(c->benchmarks[2].bytes, 1);
	config_free(c);
	expect_fail("{\"bytes\": 0, \"benchmarks\": [" B1 "]}", "\"bytes\" must be a positive integer",
		    NULL);
	expect_fail("{\"bytes\": -5, \"benchmarks\": [" B1 "]}", "\"bytes\" must be", NULL);
	expect_fail("{\"bytes\": 1.5, \"benchmarks\": [" B1 "]}", "\"bytes\" must be", NULL);
	expect_fail("{\"bytes\": \"1M\", \"benchmarks\": [" B1 "]}", "\"bytes\" must be", NULL);
	expect_fail("{\"bytes\": 10, \"metrics\": {\"throughput\": {\"unit\": \"MB/s\", \"better\":"
		    " \"higher\"}}, \"benchmarks\": [" B1 "]}",
		    "\"throughput\" is declared while \"bytes\" derives it", NULL);
	/* Either may come from the defaults. */
	expect_fail("{\"bytes\": 10, \"benchmarks\": [{\"name\": \"a\", \"command\": \"x\","
		    " \"metrics\": {\"throughput\": {\"unit\": \"MB/s\", \"better\": \"higher\"}}}]}",
		    "benchmarks[0]: \"metrics\": \"throughput\" is declared while", NULL);
}

static void test_inheritance(void **state)
{
	struct config *c;

	(void)state;
	c = parse_ok("{\"metrics\": {\"ops\": {\"unit\": \"op/s\", \"better\": \"higher\"}},"
		     " \"benchmarks\": [" B1 ", {\"name\": \"b\", \"command\": \"true\", \"metrics\": null},"
		     " {\"name\": \"c\", \"command\": \"true\", \"metrics\": [\"instructions\"]}]}");
	assert_int_equal(c->benchmarks[0].nmetrics, 1);
	assert_string_equal(c->benchmarks[0].metrics[0].name, "ops");
	assert_int_equal(c->benchmarks[1].nmetrics, 0);
	assert_int_equal(c->benchmarks[2].nmetrics, 0);
	assert_true(c->benchmarks[2].instructions);
	assert_int_equal(c->defaults.nmetrics, 1);
	config_free(c);
}

static void assert_same_metrics(const struct bench_config *x, const struct bench_config *y)
{
	assert_int_equal(x->instructions, y->instructions);
	assert_int_equal(x->bytes, y->bytes);
	assert_int_equal(x->nmetrics, y->nmetrics);
	for (size_t i = 0; i < x->nmetrics; i++) {
		assert_string_equal(x->metrics[i].name, y->metrics[i].name);
		assert_string_equal(x->metrics[i].unit, y->metrics[i].unit);
		assert_int_equal(x->metrics[i].higher_is_better, y->metrics[i].higher_is_better);
	}
}

static void test_round_trip(void **state)
{
	static const char *const texts[] = {
		"{\"metrics\": {\"instructions\": true, \"ops\": {\"unit\": \"op/s\", \"better\":"
		" \"higher\"}, \"lat\": {\"unit\": \"\xc2\xb5s\", \"better\": \"lower\"}}, \"bytes\": 7,"
		" \"benchmarks\": [" B1 ", {\"name\": \"b\", \"command\": \"true\", \"bytes\": null,"
		" \"metrics\": [\"instructions\"]}, {\"name\": \"c\", \"command\": \"true\", \"metrics\":"
		" {\"q\": {\"unit\": \"count\", \"better\": \"lower\"}}}]}",
		"{\"benchmarks\": [" B1 "]}",
	};
	(void)state;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct config *a = parse_ok(texts[t]), *b;
		char *json = config_to_json(a);

		assert_non_null(json);
		b = parse_ok(json);
		assert_same_metrics(&a->defaults, &b->defaults);
		assert_int_equal(a->nbenchmarks, b->nbenchmarks);
		for (size_t i = 0; i < a->nbenchmarks; i++)
			assert_same_metrics(&a->benchmarks[i], &b->benchmarks[i]);
		/* Nothing declared: the text of before, so stored configurations
		 * keep their form. */
		if (t == 1) {
			assert_non_null(strstr(json, "\"metrics\": ["));
			assert_null(strstr(json, "\"metrics\": {"));
			assert_null(strstr(json, "\"bytes\""));
		}
		free(json);
		config_free(a);
		config_free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_form), cmocka_unit_test(test_array_form),
		cmocka_unit_test(test_invalid),     cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_inheritance), cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
