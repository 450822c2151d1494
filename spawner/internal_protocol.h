/* Private to spawner/: nothing outside it includes this header. Both ends are
 * built from the same tree, so the protocol changes with its version number
 * and no caller of spawner.h depends on it. */
#ifndef BENCHFS_SPAWNER_INTERNAL_PROTOCOL_H
#define BENCHFS_SPAWNER_INTERNAL_PROTOCOL_H

#include <stdint.h>
#include <string.h>

#include "spawner/spawner.h"

/* The wire protocol between client*.c (the daemon's side) and the helper
 * (main.c, measure_loop.c). One SOCK_SEQPACKET socketpair; the helper has
 * its end as fd SPAWNER_FD. Every message starts with an 8-byte header: a
 * type byte, two bytes of detail (else zero), a zero byte and a
 * native-endian uint32 (both ends are the same build on the same host).
 * Multi-byte fields are copied with memcpy, never aligned.
 *
 *   helper -> daemon  'H' value = SPAWNER_PROTO_VERSION, once at start
 *   daemon -> helper  'R' value = payload length, then the first bytes of the
 *                         payload; 'M' messages carry the rest
 *   daemon -> helper  'L' a loop request, sent as 'R' is
 *   daemon -> helper  'C' cancel the child being measured (ignored when idle)
 *   helper -> daemon  'O' value = length, then that much child output
 *   helper -> daemon  'o' (loop) detail = step, side; value = length; then
 *                         int32 iteration and the output
 *   helper -> daemon  'E' (loop) detail = step, side; value = (uint32_t) error;
 *                         int32 iteration, count, env_offset, then a result
 *   helper -> daemon  'N' (loop) value = the count an adaptive loop decided
 *   helper -> daemon  'D' value = (uint32_t) of spawn_measure's return
 *                         ('R'; then when it is 0 a result follows) or of the
 *                         loop's ('L')
 * A result: int64 wall_ns, user_ns, sys_ns, maxrss_bytes, floor_bytes; int32
 * exit_code, term_signal; uint8 timed_out, cancelled.
 *
 * 'R' payload: double timeout_s; uint32 argc; uint32 envc; uint8 flags
 * (SPAWNER_REQ_*); uint32 ncpus; ncpus int32; then NUL-terminated strings:
 * the caller's current directory (when SPAWNER_REQ_BASE), cwd (when
 * SPAWNER_REQ_CWD), argc argv strings, envc environment strings.
 *
 * 'L' payload: double timeout_s, min_time; uint64 seed; int32 calibrations,
 * warmup, runs, min_runs, max_runs, first; uint8 flags (SPAWNER_LOOP_*); uint32
 * argc, ncpus, nsides; ncpus int32; strings: base directory (when
 * SPAWNER_LOOP_BASE), prepare, conclude, metrics directory (when flagged),
 * argc argv strings;
 * then per side: uint32 envc; uint8 has_cwd; cwd when has_cwd; envc strings. */
#define SPAWNER_PROTO_VERSION 5u
#define SPAWNER_FD 3
#define SPAWNER_HDR 8
#define SPAWNER_CHUNK 16384 /* payload bytes per message, both ways */
#define SPAWNER_MSG_MAX (SPAWNER_HDR + SPAWNER_CHUNK)
#define SPAWNER_REQ_MAX (64u << 20) /* larger requests fail with -E2BIG */
#define SPAWNER_RESULT_LEN (5 * 8 + 2 * 4 + 2)
#define SPAWNER_DONE_LEN (SPAWNER_HDR + SPAWNER_RESULT_LEN)
#define SPAWNER_EVENT_LEN (SPAWNER_HDR + 3 * 4 + SPAWNER_RESULT_LEN)
#define SPAWNER_LOOP_OUT_MAX (SPAWNER_CHUNK - 4) /* output bytes per 'o' */
#define SPAWNER_REQ_FIXED (8 + 4 + 4 + 1 + 4)
#define SPAWNER_REQ_BASE 1u
#define SPAWNER_REQ_CWD 2u
#define SPAWNER_REQ_OUTPUT 4u /* the caller wants output (else: /dev/null) */
#define SPAWNER_LOOP_FIXED (8 + 8 + 8 + 6 * 4 + 1 + 3 * 4)
#define SPAWNER_LOOP_BASE 1u
#define SPAWNER_LOOP_OUTPUT 2u
#define SPAWNER_LOOP_IGNORE_FAILURE 4u
#define SPAWNER_LOOP_RANDOMIZE_ENV 8u
#define SPAWNER_LOOP_PREPARE 16u
#define SPAWNER_LOOP_CONCLUDE 32u
#define SPAWNER_LOOP_METRICS 64u

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

static inline void spawner_put_result(char *p, const struct spawn_result *res)
{
	int32_t i32;

	memcpy(p, &res->wall_ns, 8), p += 8;
	memcpy(p, &res->user_ns, 8), p += 8;
	memcpy(p, &res->sys_ns, 8), p += 8;
	memcpy(p, &res->maxrss_bytes, 8), p += 8;
	memcpy(p, &res->floor_bytes, 8), p += 8;
	i32 = res->exit_code;
	memcpy(p, &i32, 4), p += 4;
	i32 = res->term_signal;
	memcpy(p, &i32, 4), p += 4;
	*p++ = (char)res->timed_out;
	*p = (char)res->cancelled;
}

static inline void spawner_get_result(struct spawn_result *out, const char *p)
{
	int32_t i32;

	memcpy(&out->wall_ns, p, 8), p += 8;
	memcpy(&out->user_ns, p, 8), p += 8;
	memcpy(&out->sys_ns, p, 8), p += 8;
	memcpy(&out->maxrss_bytes, p, 8), p += 8;
	memcpy(&out->floor_bytes, p, 8), p += 8;
	memcpy(&i32, p, 4), p += 4;
	out->exit_code = i32;
	memcpy(&i32, p, 4), p += 4;
	out->term_signal = i32;
	out->timed_out = p[0] != 0;
	out->cancelled = p[1] != 0;
}

#endif

