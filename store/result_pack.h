/* A run's result.json as the store keeps it: the per-iteration arrays that
 * the run's stored iterations give exactly ("times", "user_times",
 * "system_times", "memory_usage_byte", "exit_codes", as runner/result.c
 * renders them) cut out and replaced by a reference, the rest compressed
 * with zlib. No SQL: the store passes the run's iterations in. Unpacking
 * gives the text back byte for byte; result_pack checks that before it
 * returns a packed blob, and otherwise returns the text as it is
 * (compressed). */
#ifndef BENCHFS_STORE_RESULT_PACK_H
#define BENCHFS_STORE_RESULT_PACK_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* One benchmark's iterations of a run, in iteration order. */
struct result_pack_series {
	const char *benchmark;
	const struct store_iteration *its;
	size_t n;
};

/* Pack text (len bytes; any bytes) into a malloc'd *blob of *blob_len
 * bytes. series may be NULL with nseries 0: then nothing is cut out. 0,
 * -ENOMEM, or -EOVERFLOW for a text over 4 GB. */
int result_pack(unsigned char **blob, size_t *blob_len, const char *text, size_t len,
		const struct result_pack_series *series, size_t nseries);

/* Whether unpacking blob needs the run's iterations (some array was cut
 * out); false for a malformed blob. */
bool result_pack_uses_series(const unsigned char *blob, size_t blob_len);

/* The text back: malloc'd, NUL-terminated, its length in *len (may be
 * NULL). 0, -ENOMEM, or -EINVAL when blob is malformed or names a
 * benchmark series lacks. */
int result_unpack(char **text, size_t *len, const unsigned char *blob, size_t blob_len,
		  const struct result_pack_series *series, size_t nseries);

#endif
