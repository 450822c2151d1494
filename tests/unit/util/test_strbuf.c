/* util/strbuf: ownership, termination, growth, the sticky error. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "fail_alloc.h"
#include "util/strbuf.h"

/* The invariants every strbuf keeps, whatever happened to it. */
static void assert_valid(const struct strbuf *sb)
{
	assert_non_null(sb->buf);
	assert_int_equal(sb->buf[sb->len], '\0');
	if (sb->alloc)
		assert_true(sb->len < sb->alloc);
	else
		assert_int_equal(sb->len, 0);
}

static void test_init_is_empty_string(void **state)
{
	struct strbuf sb = STRBUF_INIT, hinted;
	char *text;
	size_t len = 99;
	(void)state;
	assert_valid(&sb);
	assert_string_equal(sb.buf, "");
	assert_int_equal(strbuf_avail(&sb), 0);
	assert_int_equal(strbuf_error(&sb), 0);
	/* Operations that need no memory never write to the shared empty string. */
	assert_int_equal(strbuf_setlen(&sb, 0), 0);
	strbuf_reset(&sb);
	assert_int_equal(strbuf_addstr(&sb, ""), 0);
	assert_true(sb.buf == strbuf_empty);
	strbuf_release(&sb);
	strbuf_release(&sb);
	/* Detaching an empty strbuf still hands over a string to free. */
	text = strbuf_detach(&sb, &len);
	assert_non_null(text);
	assert_true(text != strbuf_empty);
	assert_string_equal(text, "");
	assert_int_equal(len, 0);
	free(text);

	strbuf_init(&hinted, 100);
	assert_valid(&hinted);
	assert_true(strbuf_avail(&hinted) >= 100);
	assert_string_equal(hinted.buf, "");
	strbuf_release(&hinted);
	assert_true(hinted.buf == strbuf_empty);
	assert_int_equal(hinted.alloc, 0);
}

static void test_adds_keep_text_terminated(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char expect[4096];
	size_t n = 0;
	(void)state;
	for (int i = 0; i < 300; i++) {
		assert_int_equal(strbuf_addch(&sb, 'a' + i % 26), 0);
		expect[n++] = (char)('a' + i % 26);
		assert_valid(&sb);
		assert_int_equal(strbuf_addstr(&sb, "xy"), 0);
		expect[n++] = 'x';
		expect[n++] = 'y';
		assert_valid(&sb);
		assert_int_equal(strbuf_addf(&sb, "%d;", i), 0);
		n += (size_t)sprintf(expect + n, "%d;", i);
		assert_valid(&sb);
		assert_int_equal(sb.len, n);
	}
	expect[n] = '\0';
	assert_string_equal(sb.buf, expect);
	strbuf_release(&sb);
}

static void test_embedded_nul(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	strbuf_add(&sb, "a\0b", 3);
	strbuf_addch(&sb, '\0');
	assert_int_equal(sb.len, 4);
	assert_memory_equal(sb.buf, "a\0b\0", 5);
	assert_valid(&sb);
	strbuf_release(&sb);
}

static void test_addf_grows_for_long_output(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(100001);
	(void)state;
	assert_non_null(big);
	memset(big, 'q', 100000);
	big[100000] = '\0';
	/* Every length around the first allocations, then one far past them. */
	for (int w = 0; w < 200; w++) {
		strbuf_reset(&sb);
		assert_int_equal(strbuf_addstr(&sb, "<"), 0);
		assert_int_equal(strbuf_addf(&sb, "%*d>", w, 7), 0);
		assert_int_equal(sb.len, (size_t)(w > 1 ? w : 1) + 2);
		assert_int_equal(sb.buf[sb.len - 2], '7');
		assert_valid(&sb);
	}
	strbuf_reset(&sb);
	assert_int_equal(strbuf_addf(&sb, "[%s]", big), 0);
	assert_int_equal(sb.len, 100002);
	assert_int_equal(sb.buf[0], '[');
	assert_memory_equal(sb.buf + 1, big, 100000);
	assert_int_equal(sb.buf[100001], ']');
	assert_valid(&sb);
	free(big);
	strbuf_release(&sb);
}

static void test_detach_hands_over(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *buf, *text;
	size_t len;
	(void)state;
	strbuf_addstr(&sb, "hello");
	buf = sb.buf;
	text = strbuf_detach(&sb, &len);
	/* The same memory, now the caller's; the strbuf starts over. */
	assert_ptr_equal(text, buf);
	assert_string_equal(text, "hello");
	assert_int_equal(len, 5);
	assert_true(sb.buf == strbuf_empty);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, 0);
	strbuf_addstr(&sb, "again");
	assert_string_equal(sb.buf, "again");
	assert_ptr_not_equal(sb.buf, text);
	free(text);
	text = strbuf_detach(&sb, NULL);
	assert_string_equal(text, "again");
	free(text);
}

static void test_setlen_and_reset(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t avail;
	(void)state;
	strbuf_addstr(&sb, "abcdef");
	assert_int_equal(strbuf_setlen(&sb, 3), 0);
	assert_string_equal(sb.buf, "abc");
	/* Writing into the room strbuf_grow() made, then claiming it. */
	assert_int_equal(strbuf_grow(&sb, 10), 0);
	avail = strbuf_avail(&sb);
	assert_true(avail >= 10);
	memcpy(sb.buf + sb.len, "0123456789", 10);
	assert_int_equal(strbuf_setlen(&sb, sb.len + 10), 0);
	assert_string_equal(sb.buf, "abc0123456789");
	/* Past the allocation: refused, sticky, nothing written. */
	assert_int_equal(strbuf_setlen(&sb, sb.len + strbuf_avail(&sb) + 1), -EINVAL);
	assert_string_equal(sb.buf, "abc0123456789");
	assert_int_equal(strbuf_addstr(&sb, "x"), -EINVAL);
	assert_string_equal(sb.buf, "abc0123456789");
	/* reset clears the text and its error, keeps the memory */
	strbuf_reset(&sb);
	assert_int_equal(strbuf_error(&sb), 0);
	assert_string_equal(sb.buf, "");
	assert_true(sb.alloc > 0);
	assert_int_equal(strbuf_addstr(&sb, "y"), 0);
	assert_string_equal(sb.buf, "y");
	strbuf_release(&sb);
}

static void test_add_from_itself(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	strbuf_addstr(&sb, "ab");
	/* Each doubling reallocates while the source is the buffer itself. */
	for (int i = 0; i < 12; i++)
		assert_int_equal(strbuf_addbuf(&sb, &sb), 0);
	assert_int_equal(sb.len, 2u << 12);
	for (size_t i = 0; i < sb.len; i++)
		assert_int_equal(sb.buf[i], i % 2 ? 'b' : 'a');
	assert_int_equal(strbuf_add(&sb, sb.buf + 1, 3), 0);
	assert_memory_equal(sb.buf + sb.len - 3, "bab", 3);
	assert_valid(&sb);
	strbuf_release(&sb);
}

static void test_escaped(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	strbuf_addstr(&sb, "x:");
	strbuf_addstr_escaped(&sb, "a\nbenchfs: forged\t\x1b[31m\xc2\x9b\xe2\x80\xa8" "caf\xc3\xa9\xff");
	assert_string_equal(sb.buf, "x:a\\nbenchfs: forged\\t\\x1b[31m\\u009b\\u2028caf\xc3\xa9\\xff");
	assert_null(strchr(sb.buf, '\n'));
	strbuf_release(&sb);
}

/* The first allocation fails: the strbuf stays the empty string. */
static void test_alloc_failure_first(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 7;
	(void)state;
	fail_alloc_arm(0);
	assert_int_equal(strbuf_addstr(&sb, "abc"), -ENOMEM);
	fail_alloc_disarm();
	assert_valid(&sb);
	assert_string_equal(sb.buf, "");
	/* Sticky: memory is back, the text is not built on a hole. */
	assert_int_equal(strbuf_addstr(&sb, "def"), -ENOMEM);
	assert_int_equal(strbuf_addf(&sb, "%d", 1), -ENOMEM);
	assert_int_equal(strbuf_addch(&sb, 'z'), -ENOMEM);
	assert_string_equal(sb.buf, "");
	assert_int_equal(strbuf_error(&sb), -ENOMEM);
	assert_null(strbuf_detach(&sb, &len));
	assert_int_equal(len, 0);
	assert_true(sb.buf == strbuf_empty);
	assert_int_equal(strbuf_error(&sb), 0);
}

/* A later allocation fails: the text built so far stays valid and is
 * released by strbuf_detach(), not leaked (the sanitizer build checks). */
static void test_alloc_failure_later(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *big = malloc(5001);
	(void)state;
	assert_non_null(big);
	memset(big, 'z', 5000);
	big[5000] = '\0';
	assert_int_equal(strbuf_addstr(&sb, "kept"), 0);
	fail_alloc_arm(0);
	/* vsnprintf writes a truncated part past len before the grow fails. */
	assert_int_equal(strbuf_addf(&sb, "%s", big), -ENOMEM);
	fail_alloc_disarm();
	assert_string_equal(sb.buf, "kept");
	assert_valid(&sb);
	assert_int_equal(strbuf_add(&sb, "x", 1), -ENOMEM);
	assert_string_equal(sb.buf, "kept");
	assert_null(strbuf_detach(&sb, NULL));
	free(big);

	/* Detaching an empty strbuf when even one byte cannot be had. */
	fail_alloc_arm(0);
	assert_null(strbuf_detach(&sb, NULL));
	fail_alloc_disarm();

	/* strbuf_init's hint fails the same way. */
	fail_alloc_arm(0);
	strbuf_init(&sb, 10);
	fail_alloc_disarm();
	assert_int_equal(strbuf_error(&sb), -ENOMEM);
	assert_valid(&sb);
	strbuf_release(&sb);
	assert_int_equal(strbuf_error(&sb), 0);
}

/* Sizes past what an object may span are refused before any allocation. */
static void test_overflow(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	strbuf_addstr(&sb, "abc");
	fail_alloc_count_reset();
	assert_int_equal(strbuf_grow(&sb, SIZE_MAX), -EOVERFLOW);
	assert_int_equal(fail_alloc_calls, 0);
	assert_string_equal(sb.buf, "abc");
	strbuf_reset(&sb);
	assert_int_equal(strbuf_grow(&sb, (size_t)PTRDIFF_MAX), -EOVERFLOW);
	assert_int_equal(fail_alloc_calls, 0);
	strbuf_reset(&sb);
	assert_int_equal(strbuf_add(&sb, "x", SIZE_MAX - 1), -EOVERFLOW);
	assert_int_equal(fail_alloc_calls, 0);
	assert_valid(&sb);
	strbuf_release(&sb);
}

/* A format that cannot be converted (a wide character the C locale has no
 * byte for) is an error too, and leaves the text as it was. */
static void test_format_error(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	static const wchar_t wide[] = {0x100, 0};
	(void)state;
	strbuf_addstr(&sb, "before");
	assert_int_equal(strbuf_addf(&sb, "%ls", wide), -EILSEQ);
	assert_string_equal(sb.buf, "before");
	assert_valid(&sb);
	assert_null(strbuf_detach(&sb, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_is_empty_string, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_adds_keep_text_terminated, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_embedded_nul, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_addf_grows_for_long_output, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_detach_hands_over, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_setlen_and_reset, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_add_from_itself, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_escaped, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_alloc_failure_first, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_alloc_failure_later, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_overflow, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_format_error, fail_alloc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
