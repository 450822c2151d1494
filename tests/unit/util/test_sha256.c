/* util/sha256: the digests of FIPS 180-4's examples and of sha256sum for
 * lengths around the padding's edges (55 and 56 bytes: the length still fits
 * the last block or needs another; 64: a whole block), fed whole and in
 * pieces of every size up to a block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/sha256.h"

/* Bytes (i * 7 + 3) mod 256, the input the sha256sum references were made
 * of: python3 -c "...bytes((i*7+3)%256 for i in range(n))" | sha256sum. */
static unsigned char *pattern(size_t n)
{
	unsigned char *p = malloc(n + 1);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 7 + 3) % 256);
	return p;
}

static const struct {
	size_t n;
	const char *hex;
} references[] = {
	{0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
	{56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
	{63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
	{64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
	{65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
	{119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
	{1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371"},
};

static void hex_of(char hex[SHA256_HEX_SIZE], struct sha256 *s)
{
	unsigned char d[SHA256_DIGEST_SIZE];
	sha256_final(d, s);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void test_nist(void **state)
{
	static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[SHA256_HEX_SIZE];
	(void)state;
	sha256_hex(hex, "abc", 3);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex(hex, two_blocks, strlen(two_blocks));
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* FIPS 180-4's long example: a million times 'a', fed 1000 bytes at a time. */
static void test_million(void **state)
{
	char hex[SHA256_HEX_SIZE], chunk[1000];
	struct sha256 s;
	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		sha256_update(&s, chunk, sizeof(chunk));
	hex_of(hex, &s);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_lengths(void **state)
{
	char hex[SHA256_HEX_SIZE];
	(void)state;
	for (size_t i = 0; i < sizeof(references) / sizeof(references[0]); i++) {
		unsigned char *p = pattern(references[i].n);
		sha256_hex(hex, p, references[i].n);
		assert_string_equal(hex, references[i].hex);
		free(p);
	}
}

/* Pieces of any size give the digest of the whole. */
static void test_pieces(void **state)
{
	char hex[SHA256_HEX_SIZE];
	unsigned char *p = pattern(1000);
	(void)state;
	for (size_t step = 1; step <= 65; step++) {
		struct sha256 s;
		sha256_init(&s);
		for (size_t at = 0; at < 1000; at += step)
			sha256_update(&s, p + at, 1000 - at < step ? 1000 - at : step);
		hex_of(hex, &s);
		assert_string_equal(hex, references[7].hex);
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_pieces),
	};
	return cmocka_run_group_tests_name("util_sha256", tests, NULL, NULL);
}
