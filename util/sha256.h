/* SHA-256 (FIPS 180-4), for the manifests of audit bundles: a reader checks
 * them with sha256sum -c, so the digest must be the standard one. Small and
 * dependency-free, so util/ stays libc only. */
#ifndef BENCHFS_UTIL_SHA256_H
#define BENCHFS_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1)

struct sha256 {
	uint32_t h[8];
	uint64_t len;         /* bytes hashed so far */
	unsigned char block[64];
	size_t nblock;        /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest; s must be initialised again before another use. */
void sha256_final(unsigned char digest[SHA256_DIGEST_SIZE], struct sha256 *s);
/* The digest of data as 64 lowercase hex digits and a NUL, as sha256sum
 * prints it. */
void sha256_hex(char hex[SHA256_HEX_SIZE], const void *data, size_t len);

#endif
