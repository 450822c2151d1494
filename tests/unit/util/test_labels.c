/* util/labels: a label list's membership and inclusion, as a runner's
 * labels are matched with a job's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/labels.h"

static void test_has(void **state)
{
	(void)state;
	assert_true(labels_has("a,bc,d", "bc", 2));
	assert_true(labels_has("a,bc,d", "d", 1));
	assert_true(labels_has("a,bc,d", "a,x", 1));
	/* a label is a whole item, never a prefix or a part of one */
	assert_false(labels_has("a,bc,d", "b", 1));
	assert_false(labels_has("ab", "a", 1));
	assert_false(labels_has("", "a", 1));
}

static void test_include(void **state)
{
	(void)state;
	assert_true(labels_include("a,b,c", "a,c"));
	assert_true(labels_include("a,b,c", ""));
	assert_true(labels_include("", ""));
	assert_false(labels_include("a,b", "a,d"));
	assert_false(labels_include("ab", "a"));
	assert_false(labels_include("", "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_include),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
