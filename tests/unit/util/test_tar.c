/* util/tar: ustar headers as POSIX lays them out (name and prefix of a long
 * path, octal size and mode, owner root, a checksum that matches the block),
 * data padded to whole blocks, and the two zero blocks at the end. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/tar.h"

static unsigned field_octal(const unsigned char *h, size_t off, size_t width)
{
	char text[16] = {0};
	memcpy(text, h + off, width);
	return (unsigned)strtoul(text, NULL, 8);
}

static void test_layout(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *h;
	(void)state;
	assert_int_equal(tar_add_dir(&sb, "top", 1700000000), 0);
	assert_int_equal(tar_add_file(&sb, "top/a.txt", "hello\n", 6, 1700000001), 0);
	assert_int_equal(tar_finish(&sb), 0);
	assert_int_equal(sb.len, 5 * TAR_BLOCK);
	h = (const unsigned char *)sb.buf;
	assert_string_equal((const char *)h, "top/");
	assert_int_equal(h[156], '5');
	assert_int_equal(field_octal(h, 100, 8), 0755);
	assert_int_equal(field_octal(h, 148, 8), tar_header_checksum(h));
	h += TAR_BLOCK;
	assert_string_equal((const char *)h, "top/a.txt");
	assert_int_equal(h[156], '0');
	assert_int_equal(field_octal(h, 100, 8), 0644);
	assert_int_equal(field_octal(h, 108, 8), 0);
	assert_int_equal(field_octal(h, 124, 12), 6);
	assert_int_equal(field_octal(h, 136, 12), 1700000001);
	assert_memory_equal(h + 257, "ustar\0" "00", 8);
	assert_string_equal((const char *)h + 265, "root");
	assert_int_equal(field_octal(h, 148, 8), tar_header_checksum(h));
	assert_int_equal(h[148 + 6], '\0');
	assert_int_equal(h[148 + 7], ' ');
	assert_memory_equal(h + TAR_BLOCK, "hello\n", 6);
	for (size_t i = 2 * TAR_BLOCK + 6; i < sb.len; i++)
		assert_int_equal((unsigned char)sb.buf[i], 0);
	strbuf_release(&sb);
}

/* A path over 100 bytes is split at a slash into prefix and name; one that
 * cannot be split is refused, and nothing is appended. */
static void test_long_paths(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char path[300], name[101];
	(void)state;
	memset(name, 'n', 100);
	name[100] = '\0';
	snprintf(path, sizeof(path), "%0150d/%s", 0, name);
	assert_int_equal(tar_add_file(&sb, path, "", 0, 0), 0);
	assert_memory_equal(sb.buf, name, 100);
	assert_int_equal(strlen(sb.buf + 345), 150);
	strbuf_release(&sb);
	snprintf(path, sizeof(path), "d/%0101d", 0);
	assert_int_equal(tar_add_file(&sb, path, "", 0, 0), -ENAMETOOLONG);
	snprintf(path, sizeof(path), "%0160d/x", 0);
	assert_int_equal(tar_add_file(&sb, path, "", 0, 0), -ENAMETOOLONG);
	assert_int_equal(tar_add_file(&sb, "", "", 0, 0), -EINVAL);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

/* The same members give the same bytes. */
static void test_deterministic(void **state)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	(void)state;
	for (int i = 0; i < 2; i++) {
		struct strbuf *sb = i ? &y : &x;
		tar_add_dir(sb, "d", 5);
		tar_add_file(sb, "d/f", "0123456789", 10, 7);
		tar_finish(sb);
	}
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.buf, y.buf, x.len);
	strbuf_release(&x);
	strbuf_release(&y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_long_paths),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests_name("util_tar", tests, NULL, NULL);
}
