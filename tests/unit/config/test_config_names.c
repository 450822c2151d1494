/* Unit tests for benchmark names in the configuration: ':' names a
 * benchmark's metric in history/<bench>:<metric>, so no name may hold one,
 * neither as written nor after its parameters are expanded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

/* Parse text expecting a one-line error holding needle. */
static void expect_fail(const char *text, const char *needle)
{
	struct config *c = NULL;
	char err[512] = "";
	if (config_parse(&c, text, err, sizeof(err)) != -EINVAL)
		fail_msg("config_parse accepted: %s", text);
	assert_null(strchr(err, '\n'));
	if (!strstr(err, needle))
		fail_msg("message \"%s\" lacks \"%s\" (input %s)", err, needle, text);
}

static void test_colon_refused(void **state)
{
	(void)state;
	/* "a:cpu" would be benchmark a's cpu history. */
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x\"},"
		    " {\"name\":\"a:cpu\",\"command\":\"x\"}]}",
		    "benchmarks[1]: \"name\" must be 1 to 100 printable characters without spaces,"
		    " slashes or colons");
	expect_fail("{\"benchmarks\": [{\"name\":\":\",\"command\":\"x\"}]}", "colons");
	expect_fail("{\"benchmarks\": [{\"name\":\"a:\",\"command\":\"x\"}]}", "colons");
}

static void test_colon_in_parameter_refused(void **state)
{
	(void)state;
	expect_fail("{\"benchmarks\": [{\"name\":\"a\",\"command\":\"x {p}\","
		    " \"parameters\": {\"p\": [\"1\", \"x:cpu\"]}}]}",
		    "\"parameters\": \"p\"[1] must be 1 to 100 printable characters without spaces"
		    " or any of / \\ , = [ ] { } :");
	expect_fail("{\"parameters\": {\"p\": [\"h:1\"]},"
		    " \"benchmarks\": [{\"name\":\"a\",\"command\":\"x\"}]}",
		    "\"p\"[0]");
}

static void test_names_accepted(void **state)
{
	struct config *c = NULL;
	char err[512] = "";
	(void)state;
	assert_int_equal(config_parse(&c,
				      "{\"benchmarks\": [{\"name\":\"a-b_c.d@e+f\",\"command\":\"x\","
				      " \"parameters\": {\"p\": [\"1.5\", \"h@x\"]}}]}",
				      err, sizeof(err)),
			 0);
	assert_int_equal(c->nbenchmarks, 2);
	assert_string_equal(c->benchmarks[0].name, "a-b_c.d@e+f[p=1.5]");
	assert_string_equal(c->benchmarks[1].name, "a-b_c.d@e+f[p=h@x]");
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_colon_refused),
		cmocka_unit_test(test_colon_in_parameter_refused),
		cmocka_unit_test(test_names_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
