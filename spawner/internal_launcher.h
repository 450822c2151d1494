/* The protocol between spawn_measure (in benchfs-spawner) and
 * benchfs-launcher (launcher.c). Private to spawner/; both ends are built
 * from the same tree.
 *
 * One SOCK_SEQPACKET socketpair; the launcher has its end as LAUNCHER_FD.
 * A request is one message: struct launcher_req, then masklen bytes of CPU
 * mask (padded to 8), then NUL-terminated strings: the program, cwd (when
 * LAUNCHER_CWD), argc argv strings, envc environment strings. It carries
 * as SCM_RIGHTS, in this order: with LAUNCHER_DIR the spawner's current
 * directory (O_PATH; sent when it changed, the launcher stays there), with
 * LAUNCHER_OUT the descriptor that becomes the child's stdout and stderr
 * (else /dev/null). The answer is one struct launcher_reply. */
#ifndef BENCHFS_SPAWNER_INTERNAL_LAUNCHER_H
#define BENCHFS_SPAWNER_INTERNAL_LAUNCHER_H

#include <stdint.h>

#define LAUNCHER_FD 3
/* The largest request: a bigger one (or one the socket's buffer cannot
 * take) is spawned by posix_spawn from the spawner itself. */
#define LAUNCHER_MSG_MAX (192u << 10)
#define LAUNCHER_STRINGS_MAX 8192 /* argc + envc */
#define LAUNCHER_MASK_MAX 128     /* bytes: CPU_SETSIZE bits */

#define LAUNCHER_OUT 1u
#define LAUNCHER_CWD 2u
#define LAUNCHER_DIR 4u

struct launcher_req {
	uint32_t flags, argc, envc, masklen;
};

struct launcher_reply {
	int64_t pid;       /* the child (the spawner's, by CLONE_PARENT); <= 0: none */
	int64_t error;     /* errno of the clone, or of the child before exec (then
			    * pid is a child that exited with 127, to be reaped) */
	int64_t start_ns;  /* CLOCK_MONOTONIC just before the clone */
	int64_t floor_bytes; /* the launcher's resident set: its high-water mark */
};

#endif
