/* Unit tests for config/profiling.h: "profile"'s "command", "keep" and
 * "keep_max_bytes": defaults inherited and overridden, written back by
 * config_to_json to the same configuration, and each mistake refused with a
 * message naming the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/profiling.h"

static const char doc[] =
	"{\"keep\": [\"bench.log\"], \"keep_max_bytes\": 1000,"
	" \"profile\": {\"command\": [\"py-spy\", \"record\", \"-o\", \"{out}\", \"--\"]},"
	" \"benchmarks\": ["
	"  {\"name\": \"a\", \"command\": [\"./a\"]},"
	"  {\"name\": \"b\", \"command\": \"./b\", \"keep\": [\"out/*.json\", \"x\"],"
	"   \"profile\": {\"perf\": true}},"
	"  {\"name\": \"c\", \"command\": \"./c\", \"keep\": null}]}";

static void check(const struct config *c)
{
	char *const *cmd, *const *keep;

	assert_int_equal(c->nbenchmarks, 3);
	assert_int_equal(profiling_keep_max(c), 1000);
	cmd = profiling_command(&c->benchmarks[0]);
	assert_non_null(cmd);
	assert_string_equal(cmd[0], "py-spy");
	assert_string_equal(cmd[3], "{out}");
	assert_null(cmd[5]);
	keep = profiling_keep(&c->benchmarks[0]);
	assert_string_equal(keep[0], "bench.log");
	assert_null(keep[1]);
	/* a "profile" of its own replaces the inherited one, command included */
	assert_null(profiling_command(&c->benchmarks[1]));
	assert_true(c->benchmarks[1].perf);
	keep = profiling_keep(&c->benchmarks[1]);
	assert_string_equal(keep[0], "out/*.json");
	assert_string_equal(keep[1], "x");
	assert_null(profiling_keep(&c->benchmarks[2]));
	assert_non_null(profiling_command(&c->benchmarks[2]));
}

static void test_parse_and_round_trip(void **state)
{
	struct config *c = NULL, *back = NULL;
	char err[512], *json;

	(void)state;
	assert_int_equal(config_parse(&c, doc, err, sizeof(err)), 0);
	check(c);
	json = config_to_json(c);
	assert_non_null(json);
	assert_int_equal(config_parse(&back, json, err, sizeof(err)), 0);
	check(back);
	free(json);
	config_free(c);
	config_free(back);
}

static void test_default_cap(void **state)
{
	struct config *c = NULL;
	char err[512], *json;

	(void)state;
	assert_int_equal(config_parse(&c, "{\"benchmarks\": [{\"name\": \"a\", \"command\": \"x\"}]}",
				      err, sizeof(err)), 0);
	assert_int_equal(profiling_keep_max(c), 64LL << 20);
	assert_null(profiling_keep(&c->benchmarks[0]));
	json = config_to_json(c);
	/* today's configurations write back as before */
	assert_null(strstr(json, "keep"));
	assert_null(strstr(json, "command\": ["));
	free(json);
	config_free(c);
}

static void refused(const char *text, const char *message)
{
	struct config *c = NULL;
	char err[512];

	assert_int_equal(config_parse(&c, text, err, sizeof(err)), -EINVAL);
	if (!strstr(err, message))
		fail_msg("error '%s' lacks '%s'", err, message);
}

static void test_refused(void **state)
{
	(void)state;
	refused("{\"benchmarks\": [{\"name\": \"a\", \"command\": \"x\", \"keep\": [\"../x\"]}]}",
		"\"keep\"[0]: ../x is not a path inside the checkout");
	refused("{\"benchmarks\": [{\"name\": \"a\", \"command\": \"x\", \"keep\": [\"a/../../x\"]}]}",
		"is not a path inside the checkout");
	refused("{\"benchmarks\": [{\"name\": \"a\", \"command\": \"x\", \"keep\": [\"/etc/x\"]}]}",
		"/etc/x is not a path inside the checkout");
	refused("{\"keep\": \"x\", \"benchmarks\": [{\"name\": \"a\", \"command\": \"x\"}]}",
		"\"keep\" must be a non-empty array of strings");
	refused("{\"keep_max_bytes\": -1, \"benchmarks\": [{\"name\": \"a\", \"command\": \"x\"}]}",
		"\"keep_max_bytes\" must be 0 or more");
	refused("{\"benchmarks\": [{\"name\": \"a\", \"command\": \"x\","
		" \"profile\": {\"command\": []}}]}", "\"command\" must be a non-empty array");
	refused("{\"benchmarks\": [{\"name\": \"a\", \"command\": \"x\","
		" \"profile\": {\"comand\": [\"p\"]}}]}", "unknown key \"comand\"");
	refused("{\"benchmarks\": [{\"name\": \"a\", \"command\": \"x\","
		" \"profile\": {\"command\": \"py-spy record\"}}]}", "must be a non-empty array");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_round_trip),
		cmocka_unit_test(test_default_cap),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
