/* What the files of benchfs-spawner (the helper process, not the daemon's
 * side in client*.c) share. Private to spawner/. */
#ifndef BENCHFS_SPAWNER_INTERNAL_HELPER_H
#define BENCHFS_SPAWNER_INTERNAL_HELPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* A send the daemon may no longer be there for: 0 or -errno (EPIPE is not
 * fatal here, the next receive sees the EOF). */
int helper_send_all(int fd, const struct iovec *iov, int iovcnt);

/* Payload readers: each takes what starts at *pos and moves *pos past it. */
/* The next NUL-terminated string, or NULL when the payload ends first. */
char *helper_next_string(char *payload, size_t len, size_t *pos);
/* The next n bytes, or NULL when the payload ends first. */
const char *helper_next_bytes(const char *payload, size_t len, size_t *pos, size_t n);
/* count strings into a calloc'd NULL-terminated array (pointing into the
 * payload); NULL with *err set when the payload is short or memory is. */
char **helper_next_strings(char *payload, size_t len, size_t *pos, uint32_t count, int *err);
/* ncpus int32 CPU numbers into a malloc'd array (NULL when none): 0,
 * -EPROTO or -ENOMEM. */
int helper_next_cpus(int **out, const char *payload, size_t len, size_t *pos, uint32_t ncpus);

/* Enters the caller's directory, so that relative paths mean what they
 * meant there. A directory that is gone is no error. */
void helper_enter_base(const char *base);

/* Runs an 'L' payload (parsed in place): the loop's result for 'D'
 * (0, SPAWNER_STOPPED or -errno), or -EPIPE when the daemon is gone (a
 * loop never answers -EPIPE of its own: its errors are -EPROTO, -ENOMEM
 * and memfd_create's). */
int helper_loop_run(int fd, char *payload, size_t len);

#endif
