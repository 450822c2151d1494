/* Writing a whole buffer to a file descriptor: write(2) may take less than
 * it was given (a signal, a pipe, a full disk part way). */
#ifndef BENCHFS_UTIL_WRITE_ALL_H
#define BENCHFS_UTIL_WRITE_ALL_H

#include <stddef.h>

/* Write all len bytes of buf to fd, again after EINTR: 0, or -errno of the
 * write that failed (-ENOSPC when the disk filled up), some bytes written. */
int write_all(int fd, const void *buf, size_t len);

#endif
