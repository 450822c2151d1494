/* "service" and "parse": parsed, inherited, removed, written back by
 * config_to_json to the same configuration, and refused with a message
 * naming the key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

static const char *const full =
	"{\"service\": {\"command\": [\"./server\", \"8080\"], \"ready\": {\"tcp\": 8080}},"
	" \"parse\": \"wrk\","
	" \"benchmarks\": ["
	"  {\"name\": \"a\", \"command\": \"wrk --latency http://127.0.0.1:8080/\"},"
	"  {\"name\": \"b\", \"command\": \"true\", \"service\": null, \"parse\": null},"
	"  {\"name\": \"c\", \"command\": [\"wrk\"], \"service\": {\"shell\": \"./srv {p}\","
	"   \"ready\": {\"http\": \"http://localhost/health?x={p}\"}, \"timeout\": 2.5},"
	"   \"parameters\": {\"p\": [\"9000\"]}}]}";

static void test_parse(void **state)
{
	struct config *c = NULL;
	char err[256];

	(void)state;
	assert_int_equal(config_parse(&c, full, err, sizeof(err)), 0);
	assert_int_equal(c->nbenchmarks, 3);
	assert_non_null(c->benchmarks[0].service);
	assert_string_equal(c->benchmarks[0].service->argv[0], "./server");
	assert_int_equal(c->benchmarks[0].service->port, 8080);
	assert_null(c->benchmarks[0].service->http_url);
	assert_true(c->benchmarks[0].service->timeout == SERVICE_DEFAULT_TIMEOUT);
	assert_int_equal(c->benchmarks[0].parse, BENCH_PARSE_WRK);
	assert_null(c->benchmarks[1].service);
	assert_int_equal(c->benchmarks[1].parse, BENCH_PARSE_NONE);
	/* each variant's service has its own values, as its command does */
	assert_string_equal(c->benchmarks[2].service->shell, "./srv 9000");
	assert_string_equal(c->benchmarks[2].service->http_url, "http://localhost/health?x=9000");
	assert_string_equal(c->benchmarks[2].service->http_path, "/health?x=9000");
	assert_int_equal(c->benchmarks[2].service->port, 80);
	config_free(c);
}

static void test_roundtrip(void **state)
{
	struct config *c = NULL, *again = NULL;
	char err[256], *one, *two;

	(void)state;
	assert_int_equal(config_parse(&c, full, err, sizeof(err)), 0);
	assert_non_null(one = config_to_json(c));
	assert_int_equal(config_parse(&again, one, err, sizeof(err)), 0);
	assert_non_null(two = config_to_json(again));
	assert_string_equal(one, two);
	assert_null(again->benchmarks[1].service);
	assert_int_equal(again->benchmarks[2].parse, BENCH_PARSE_WRK);
	assert_true(again->benchmarks[2].service->timeout == 2.5);
	assert_string_equal(again->benchmarks[2].service->http_path, "/health?x=9000");
	free(one);
	free(two);
	config_free(c);
	config_free(again);
	/* without the keys nothing of them is written */
	assert_int_equal(config_parse(&c, "{\"benchmarks\": [{\"name\": \"x\", \"command\":"
				      " \"true\"}]}", err, sizeof(err)), 0);
	assert_non_null(one = config_to_json(c));
	assert_null(strstr(one, "service"));
	assert_null(strstr(one, "parse"));
	free(one);
	config_free(c);
}

/* An A/B job's configuration without the benchmarks it cannot measure:
 * what is left reads back as it was. */
static void test_drop_services(void **state)
{
	struct config *c = NULL, *again = NULL;
	char err[256], *text;

	(void)state;
	assert_int_equal(config_parse(&c, full, err, sizeof(err)), 0);
	assert_int_equal(config_drop_services(c), 2);
	assert_int_equal(c->nbenchmarks, 1);
	assert_string_equal(c->benchmarks[0].name, "b");
	assert_non_null(text = config_to_json(c));
	assert_int_equal(config_parse(&again, text, err, sizeof(err)), 0);
	assert_int_equal(again->nbenchmarks, 1);
	assert_null(again->benchmarks[0].service);
	assert_int_equal(config_drop_services(again), 0);
	free(text);
	config_free(again);
	config_free(c);
}

static void test_errors(void **state)
{
	static const struct { const char *service, *message; } cases[] = {
		{ "{\"command\": [\"s\"], \"ready\": {\"tcp\": 1}, \"port\": 1}", "unknown key \"port\"" },
		{ "{\"command\": [\"s\"], \"shell\": \"s\", \"ready\": {\"tcp\": 1}}", "one of \"command\" or \"shell\"" },
		{ "{\"command\": [\"s\"]}", "\"ready\" is missing" },
		{ "{\"command\": [], \"ready\": {\"tcp\": 1}}", "\"command\" must be" },
		{ "{\"command\": [\"s\"], \"ready\": {\"tcp\": 70000}}", "\"tcp\" must be a port" },
		{ "{\"command\": [\"s\"], \"ready\": {\"tcp\": 1, \"http\": \"http://127.0.0.1/\"}}", "one of \"tcp\" or \"http\"" },
		{ "{\"command\": [\"s\"], \"ready\": {\"http\": \"http://example.com/\"}}", "127.0.0.1 or localhost" },
		{ "{\"command\": [\"s\"], \"ready\": {\"http\": \"https://127.0.0.1/\"}}", "plain http" },
		{ "{\"command\": [\"s\"], \"ready\": {\"udp\": 1}}", "unknown key \"udp\"" },
		{ "{\"command\": [\"s\"], \"ready\": {\"tcp\": 1}, \"timeout\": 0}", "\"timeout\" must be" },
		{ "\"./server\"", "\"service\" must be an object" },
		{ "{\"command\": [\"s\"], \"ready\": {\"tcp\": \"80\"}}", "or a parameter such as" },
		/* x has no parameter "port" */
		{ "{\"command\": [\"s\"], \"ready\": {\"tcp\": \"{port}\"}}", "\"{port}\" names a parameter" },
		{ "{\"command\": [\"s\"], \"ready\": {\"http\": \"http://127.0.0.1:{port}/\"}}",
		  "names a parameter this benchmark does not have" },
	};
	char text[512], err[256];
	struct config *c = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "{\"benchmarks\": [{\"name\": \"x\", \"command\": \"true\","
			 " \"service\": %s}]}", cases[i].service);
		err[0] = '\0';
		assert_int_equal(config_parse(&c, text, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].message) || !strstr(err, "benchmarks[0]"))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].message);
	}
	assert_int_equal(config_parse(&c, "{\"parse\": \"ab\", \"benchmarks\": [{\"name\": \"x\","
				      " \"command\": \"true\"}]}", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"parse\" must be \"wrk\""));
}

/* A parameter in the ready probe: each variant's port, read once
 * substituted; a value that is no port is refused naming the variant. */
static void test_param_port(void **state)
{
	static const char *const text =
		"{\"service\": {\"command\": [\"./server\", \"{port}\"], \"ready\": {\"tcp\": \"{port}\"}},"
		" \"benchmarks\": ["
		"  {\"name\": \"t\", \"command\": \"true\", \"parameters\": {\"port\": [9001, 9002]}},"
		"  {\"name\": \"h\", \"command\": \"true\", \"parameters\": {\"port\": [9003]},"
		"   \"service\": {\"shell\": \"./srv\", \"ready\": {\"http\": \"http://127.0.0.1:{port}/up\"}}}]}";
	struct config *c = NULL, *again = NULL;
	char err[256], *one, *two;

	(void)state;
	assert_int_equal(config_parse(&c, text, err, sizeof(err)), 0);
	assert_int_equal(c->nbenchmarks, 3);
	assert_int_equal(c->benchmarks[0].service->port, 9001);
	assert_string_equal(c->benchmarks[0].service->argv[1], "9001");
	assert_null(c->benchmarks[0].service->tcp_text);
	assert_int_equal(c->benchmarks[1].service->port, 9002);
	assert_int_equal(c->benchmarks[2].service->port, 9003);
	assert_string_equal(c->benchmarks[2].service->http_url, "http://127.0.0.1:9003/up");
	assert_string_equal(c->benchmarks[2].service->http_path, "/up");
	/* written back as the default's text and each variant's number */
	assert_non_null(one = config_to_json(c));
	assert_non_null(strstr(one, "\"{port}\""));
	assert_int_equal(config_parse(&again, one, err, sizeof(err)), 0);
	assert_non_null(two = config_to_json(again));
	assert_string_equal(one, two);
	assert_int_equal(again->benchmarks[1].service->port, 9002);
	free(one);
	free(two);
	config_free(again);
	config_free(c);
	c = NULL;
	assert_int_equal(config_parse(&c, "{\"benchmarks\": [{\"name\": \"t\", \"command\": \"true\","
				      " \"parameters\": {\"port\": [\"http\"]}, \"service\": {\"shell\": \"s\","
				      " \"ready\": {\"tcp\": \"{port}\"}}}]}", err, sizeof(err)), -EINVAL);
	if (!strstr(err, "t[port=http]") || !strstr(err, "not a port number"))
		fail_msg("\"%s\"", err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_drop_services),
		cmocka_unit_test(test_param_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
