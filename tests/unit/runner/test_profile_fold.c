/* Unit tests for runner/profile_fold.h: perf script's text (a captured
 * fixture, perf_script.txt, with a few hand-made samples for the rules
 * stackcollapse-perf applies) folded into sorted stacks, the same whether
 * the text comes at once or a byte at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/profile_fold.h"

static const char expected[] =
	/* a command name with a space; a C++ argument list dropped; an
	 * unknown symbol named after its module; ';' in a name */
	"Web_Content;a:b;[libbar.so.1];std::vector<int>::push_back 1\n"
	"prog;[unknown];handle_amd 1\n"
	"prog;__libc_start_call_main;work_a 2\n"
	"prog;__libc_start_call_main;work_b 1\n"
	"prog;__tls_init_tp;entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_rseq;"
	"__get_user_8 1\n"
	"prog;_start 1\n"
	/* the last sample has no blank line after it */
	"sh;main 1\n";

static char *fixture(void)
{
	const char *path = getenv("PERF_SCRIPT_FIXTURE");
	FILE *f = path ? fopen(path, "r") : NULL;
	char *text = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(text);
	n = fread(text, 1, (1 << 16) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void test_fold_whole(void **state)
{
	char *text = fixture(), *out = NULL;

	(void)state;
	assert_int_equal(profile_fold_text(&out, text), 0);
	assert_string_equal(out, expected);
	free(out);
	free(text);
}

static void test_fold_byte_by_byte(void **state)
{
	char *text = fixture(), *out = NULL;
	struct fold_state *f;
	unsigned long long samples = 0;
	size_t len = 0;

	(void)state;
	assert_int_equal(fold_new(&f), 0);
	for (const char *p = text; *p; p++)
		fold_feed(f, p, 1);
	assert_int_equal(fold_result(&out, &len, &samples, f), 0);
	assert_string_equal(out, expected);
	assert_int_equal(len, strlen(expected));
	assert_int_equal(samples, 8);
	free(out);
	fold_free(f);
	free(text);
}

static void test_fold_nothing(void **state)
{
	char *out = NULL;

	(void)state;
	/* warnings and no sample: nothing folded */
	assert_int_equal(profile_fold_text(&out, "Warning:\n  some perf complaint\n\n"), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(profile_fold_text(&out, ""), 0);
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_whole),
		cmocka_unit_test(test_fold_byte_by_byte),
		cmocka_unit_test(test_fold_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
