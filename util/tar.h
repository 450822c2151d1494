/* A POSIX ustar archive written into memory, deterministically: the same
 * members in the same order give the same bytes (owner root, uid and gid 0,
 * fixed modes, the mtimes the caller gives), so an archive computed twice
 * from the same data has the same size and content. Directories 0755,
 * files 0644; no links, no extended headers. */
#ifndef BENCHFS_UTIL_TAR_H
#define BENCHFS_UTIL_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define TAR_BLOCK 512

/* Append a directory (path without its trailing slash) or a file with len
 * bytes of data, mtime in seconds since the epoch. 0; -ENAMETOOLONG when
 * path does not fit ustar's name and prefix fields; -EFBIG for a file of 8
 * GiB or more; -EINVAL for an empty path; or out's sticky error. */
int tar_add_dir(struct strbuf *out, const char *path, int64_t mtime);
int tar_add_file(struct strbuf *out, const char *path, const void *data, size_t len,
		 int64_t mtime);
/* The end of the archive: two zero blocks. 0 or out's error. */
int tar_finish(struct strbuf *out);

/* The checksum a ustar header block must hold: the sum of its bytes, the
 * checksum field counted as spaces. */
unsigned tar_header_checksum(const unsigned char header[TAR_BLOCK]);

#endif
