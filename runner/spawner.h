/* An out-of-process spawner: spawn_measure run by a small helper process.
 *
 * Why: Linux folds the spawning process's RSS high-water mark into the
 * child's ru_maxrss at exec (glibc's posix_spawn child execs out of the
 * parent's address space), so a child spawned by the daemon never reports
 * less peak memory than the daemon's own peak. The helper, benchfs-spawner,
 * is a minimal C program (libc and runner/spawn.c only) started once; it does
 * the posix_spawn and wait4 on the daemon's behalf, so the floor is its own
 * RSS (about that of any minimal C program) and does not drift as the daemon
 * grows.
 *
 * Wall, CPU and memory are measured inside the helper exactly as
 * spawn_measure measures them; the request and the result travel over a
 * socket outside the timed region. Output is forwarded as it arrives.
 *
 * The helper is found through the BENCHFS_SPAWNER environment variable when
 * set (tests), else as benchfs-spawner beside the running executable
 * (/proc/self/exe). */
#ifndef BENCHFS_RUNNER_SPAWNER_H
#define BENCHFS_RUNNER_SPAWNER_H

#include <stdint.h>
#include <string.h>

#include "spawn_measure.h"

struct spawner;

/* Where the helper executable is: 0 with its path in out, or -errno (with
 * the path looked at in out) when it is missing or not executable. */
int spawner_locate(char *out, size_t size);

/* Starts the helper process. Returns 0, or -errno (-ENOENT when the helper
 * executable is missing, -EPROTO when it speaks another protocol version). */
int spawner_start(struct spawner **out);

/* Same contract as spawn_measure(): the child is started, measured and
 * reaped by the helper. spec->on_output is called from this thread, and
 * spec->cancel_fd is watched here (the helper is told to kill the child).
 * When spec->envp is NULL the calling process's current environment is used,
 * and a relative cwd or program path is resolved against the caller's
 * current directory, as with spawn_measure.
 * Extra errors: -EPIPE when the helper died during the call (it is started
 * again on the next call, so a later call can succeed), or the -errno of
 * restarting it when it was found dead before the call.
 * Calls are serialized: one child at a time per spawner. */
int spawner_measure(struct spawner *sp, struct spawn_result *out, const struct spawn_spec *spec);

/* Stops the helper (a child still running is killed) and frees sp. NULL is allowed. */
void spawner_free(struct spawner *sp);

/* The wire protocol between spawner.c (the daemon's side) and spawner_main.c
 * (the helper). One SOCK_SEQPACKET socketpair; the helper has its end as
 * fd SPAWNER_FD. Every message starts with an 8-byte header: a type byte,
 * three zero bytes and a native-endian uint32 (both ends are the same build on
 * the same host). Multi-byte fields are copied with memcpy, never aligned.
 *
 *   helper -> daemon  'H' value = SPAWNER_PROTO_VERSION, once at start
 *   daemon -> helper  'R' value = payload length, then the first bytes of the
 *                         payload; 'M' messages carry the rest
 *   daemon -> helper  'C' cancel the child being measured (ignored when idle)
 *   helper -> daemon  'O' value = length, then that much child output
 *   helper -> daemon  'D' value = (uint32_t) of spawn_measure's return, then
 *                         when it is 0: int64 wall_ns, user_ns, sys_ns,
 *                         maxrss_bytes; int32 exit_code, term_signal; uint8
 *                         timed_out, cancelled
 *
 * Request payload: double timeout_s; uint32 argc; uint32 envc; uint8 flags
 * (SPAWNER_REQ_*); then NUL-terminated strings: the caller's current
 * directory (when SPAWNER_REQ_BASE), cwd (when SPAWNER_REQ_CWD), argc argv
 * strings, envc environment strings. */
#define SPAWNER_PROTO_VERSION 1u
#define SPAWNER_FD 3
#define SPAWNER_HDR 8
#define SPAWNER_CHUNK 16384 /* payload bytes per message, both ways */
#define SPAWNER_MSG_MAX (SPAWNER_HDR + SPAWNER_CHUNK)
#define SPAWNER_REQ_MAX (64u << 20) /* larger requests fail with -E2BIG */
#define SPAWNER_DONE_LEN (SPAWNER_HDR + 4 * 8 + 2 * 4 + 2)
#define SPAWNER_REQ_FIXED (8 + 4 + 4 + 1)
#define SPAWNER_REQ_BASE 1u
#define SPAWNER_REQ_CWD 2u
#define SPAWNER_REQ_OUTPUT 4u /* the caller wants output (else: /dev/null) */

static inline void spawner_put_u32(char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline uint32_t spawner_get_u32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void spawner_header(char *p, char type, uint32_t value)
{
	p[0] = type;
	p[1] = p[2] = p[3] = 0;
	spawner_put_u32(p + 4, value);
}

#endif
