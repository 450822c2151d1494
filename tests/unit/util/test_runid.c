/* util/runid: both names of a run id, their round trips and refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/runid.h"

static void test_dir_name(void **state)
{
	char buf[RUNID_NAME_MAX];
	(void)state;
	assert_int_equal(runid_dir_name(buf, sizeof(buf), 7), 0);
	assert_string_equal(buf, "000007");
	assert_int_equal(runid_dir_name(buf, sizeof(buf), 0), 0);
	assert_string_equal(buf, "000000");
	assert_int_equal(runid_dir_name(buf, sizeof(buf), 123456), 0);
	assert_string_equal(buf, "123456");
	assert_int_equal(runid_dir_name(buf, sizeof(buf), 1234567), 0);
	assert_string_equal(buf, "1234567");
	assert_int_equal(runid_dir_name(buf, sizeof(buf), INT64_MAX), 0);
	assert_string_equal(buf, "9223372036854775807");
	/* truncated, terminated, said so */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(runid_dir_name(buf, 4, 42), -ENAMETOOLONG);
	assert_string_equal(buf, "000");
	assert_int_equal(buf[4], 'x');
	assert_int_equal(runid_dir_name(buf, 0, 42), -ENAMETOOLONG);
	assert_int_equal(buf[0], '0');
	assert_int_equal(runid_dir_name(buf, sizeof(buf), -5), -EINVAL);
	assert_string_equal(buf, "");
	/* the format macro writes the same name into messages */
	snprintf(buf, sizeof(buf), RUNID_DIR_FMT, (long long)42);
	assert_string_equal(buf, "000042");
}

static void test_run_name(void **state)
{
	char buf[RUNID_NAME_MAX];
	(void)state;
	assert_int_equal(runid_run_name(buf, sizeof(buf), 42), 0);
	assert_string_equal(buf, "run-42");
	/* the widest id fits RUNID_NAME_MAX exactly */
	assert_int_equal(runid_run_name(buf, sizeof(buf), INT64_MAX), 0);
	assert_string_equal(buf, "run-9223372036854775807");
	assert_int_equal(runid_run_name(buf, sizeof(buf) - 1, INT64_MAX), -ENAMETOOLONG);
	assert_int_equal(runid_run_name(buf, sizeof(buf), -1), -EINVAL);
	assert_string_equal(buf, "");
}

static void assert_round_trip(int64_t id)
{
	char dir[RUNID_NAME_MAX], run[RUNID_NAME_MAX];
	int64_t back = -1;
	assert_int_equal(runid_dir_name(dir, sizeof(dir), id), 0);
	assert_int_equal(runid_parse_dir(&back, dir), 0);
	assert_int_equal(back, id);
	assert_int_equal(runid_parse(&back, dir), RUNID_DIR);
	assert_int_equal(back, id);
	assert_int_equal(runid_run_name(run, sizeof(run), id), 0);
	assert_int_equal(runid_parse_run(&back, run), 0);
	assert_int_equal(back, id);
	assert_int_equal(runid_parse(&back, run), RUNID_RUN);
	assert_int_equal(back, id);
	assert_true(runid_name_reserved(dir));
	assert_true(runid_name_reserved(run));
}

static void test_round_trips(void **state)
{
	(void)state;
	for (int64_t id = 1; id <= 200000; id++)
		assert_round_trip(id);
	for (int64_t id = 999990; id <= 1000010; id++)
		assert_round_trip(id);
	for (int64_t p = 10; p <= INT64_MAX / 10; p *= 10) {
		assert_round_trip(p - 1);
		assert_round_trip(p);
		assert_round_trip(p + 1);
	}
	assert_round_trip(INT64_MAX);
}

static void test_dir_refusals(void **state)
{
	static const char *const bad[] = {
		"", "42", "00042", "0000042", "000000", "0000000", "+00042", "-00042", " 000042",
		"000042 ", "000042\n", "00004a", "0x0042", "00 042", "９00042",
		"9223372036854775808", "99999999999999999999", "latest", "run-42", "abc123",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t id = 77;
		if (runid_parse_dir(&id, bad[i]) != -EINVAL)
			fail_msg("\"%s\" parsed as a directory name", bad[i]);
		assert_int_equal(id, 0);
	}
}

static void test_run_forms(void **state)
{
	static const char *const bad[] = {
		"run-", "run-0", "run-000", "run--1", "run-+1", "run- 1", "run-1 ", "run-1a",
		"run-0x10", "Run-1", "RUN-1", "run_1", "run1", "run-42\n", "run-9223372036854775808",
		"xrun-1", "", "run",
	};
	int64_t id;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id = 77;
		if (runid_parse_run(&id, bad[i]) != -EINVAL)
			fail_msg("\"%s\" parsed as a run name", bad[i]);
		assert_int_equal(id, 0);
	}
	/* Leading zeros are accepted, as compare names always have. */
	assert_int_equal(runid_parse_run(&id, "run-000042"), 0);
	assert_int_equal(id, 42);
	assert_int_equal(runid_parse_run(&id, "run-9223372036854775807"), 0);
	assert_int_equal(id, INT64_MAX);
}

static void test_parse_forms(void **state)
{
	static const struct {
		const char *name;
		enum runid_form form;
		int64_t id;
	} cases[] = {
		{"run-42", RUNID_RUN, 42},     {"run-000042", RUNID_RUN, 42},
		{"000042", RUNID_DIR, 42},     {"1234567", RUNID_DIR, 1234567},
		{"123456", RUNID_DIR, 123456}, /* also a possible abbreviated hash */
		{"42", RUNID_NONE, 0},         {"deadbeef", RUNID_NONE, 0},
		{"latest", RUNID_NONE, 0},     {"run-", RUNID_NONE, 0},
		{"v1.0", RUNID_NONE, 0},       {"HEAD~3", RUNID_NONE, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t id = 77;
		enum runid_form form = runid_parse(&id, cases[i].name);
		if (form != cases[i].form || id != cases[i].id)
			fail_msg("\"%s\": form %d id %lld", cases[i].name, (int)form, (long long)id);
	}
}

static void test_reserved_names(void **state)
{
	static const char *const reserved[] = {
		"latest", "0", "7", "42", "000042", "123456789012345678901234567890",
		"run-", "run-7", "run-007", "run-0",
	};
	static const char *const free_names[] = {
		"", "v1", "latest2", "Latest", "run-x", "run-1a", "Run-1", "a123", "123a",
		"run", "release-1", "run-1.0",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!runid_name_reserved(reserved[i]))
			fail_msg("\"%s\" not reserved", reserved[i]);
	for (size_t i = 0; i < sizeof(free_names) / sizeof(free_names[0]); i++)
		if (runid_name_reserved(free_names[i]))
			fail_msg("\"%s\" reserved", free_names[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_name),
		cmocka_unit_test(test_run_name),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_dir_refusals),
		cmocka_unit_test(test_run_forms),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_reserved_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
