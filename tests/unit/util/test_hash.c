/* util/hash: the string hash gives fixed values (they are part of inode
 * numbers and of the tags stamp, and must not change between builds), the
 * salt changes them, and the high bits mix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "util/hash.h"

/* Reference values, computed independently from the definition (FNV-1a
 * 64-bit, then splitmix64's finaliser). */
static void test_fixed_values(void **state)
{
	(void)state;
	assert_true(hash_string("", 0) == 0xd725c98e9509182eULL);
	assert_true(hash_string("a", 0) == 0x43a941547f0150e5ULL);
	assert_true(hash_string("c\tx..y.md", 3) == 0x6d740bec0b1ad9ccULL);
	assert_true(hash_string("c\tx..y.md", 4) == 0x7532f614a98b4218ULL);
}

/* Keys differing in one character spread over the top byte (the bits an
 * inode number keeps least of): 256 keys reach most of its values. */
static void test_high_bits_mix(void **state)
{
	char key[16];
	unsigned char seen[256] = {0};
	size_t distinct = 0;
	(void)state;
	for (int i = 0; i < 256; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		uint64_t top = hash_string(key, 0) >> 56;
		distinct += !seen[top];
		seen[top] = 1;
	}
	/* 256 random draws from 256 values hit about 162 distinct ones. */
	assert_true(distinct > 130);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_values),
		cmocka_unit_test(test_high_bits_mix),
	};
	return cmocka_run_group_tests_name("util_hash", tests, NULL, NULL);
}
