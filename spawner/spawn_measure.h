/* Spawn one process and measure it: wall time, CPU time, peak memory, exit status.
 *
 * The child runs in its own process group, so a timeout kills everything it
 * started. Its stdout and stderr are captured through one pipe and handed to
 * spec->on_output as they arrive (or sent to /dev/null when on_output is NULL).
 * No shell is involved: argv[0] is executed directly (searched in PATH when it
 * has no slash; the PATH of envp is used, not the daemon's, with "/bin:/usr/bin"
 * when envp has none). */
#ifndef BENCHFS_SPAWNER_SPAWN_MEASURE_H
#define BENCHFS_SPAWNER_SPAWN_MEASURE_H

#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* File actions kept over many spawns (see spawn_spec.actions). Start it
 * zeroed; spawn_actions_clear releases what it holds. */
struct spawn_actions {
	bool built;
	int output_fd; /* what the actions were built for */
	posix_spawn_file_actions_t fa;
};

typedef void (*spawn_output_fn)(void *ctx, const char *buf, size_t len);

struct spawn_spec {
	char *const *argv;         /* NULL-terminated; argv[0] is the program */
	char *const *envp;         /* NULL-terminated full environment; NULL: inherit */
	const char *cwd;           /* working directory of the child; NULL: inherit */
	double timeout_s;          /* wall-clock limit; <= 0: none */
	spawn_output_fn on_output; /* NULL: output goes to output_fd, else /dev/null */
	void *output_ctx;
	/* With on_output NULL and output_fd > 2: stdout and stderr go to this
	 * descriptor (a file the caller reads afterwards: nobody has to wake up
	 * to drain a pipe while the child is measured). */
	int output_fd;
	/* When > 0: a descriptor that becomes readable when the caller must stop
	 * (daemon shutdown). The process group is then killed and the result has
	 * cancelled set. 0 (stdin is never a cancel pipe) means none. */
	int cancel_fd;
	/* When ncpus > 0: the child runs on these CPUs. The calling thread moves
	 * there itself just before the clock starts (the child inherits its
	 * affinity at spawn) and waits there, as `taskset -c N hyperfine` would;
	 * it moves back once the clock has stopped. -EINVAL for a CPU outside
	 * 0..CPU_SETSIZE-1. */
	const int *cpus;
	size_t ncpus;
	/* Optional, for a caller that spawns many times with on_output and cwd
	 * NULL: the child's file actions are built at the first spawn and kept
	 * here for the next ones with the same output_fd. glibc checks both
	 * descriptors of every dup2 action against RLIMIT_NOFILE, two system
	 * calls each, six per spawn. Ignored otherwise. */
	struct spawn_actions *actions;
};

struct spawn_result {
	int64_t wall_ns;     /* monotonic clock, spawn to reap */
	int64_t user_ns;     /* from wait4's rusage */
	int64_t sys_ns;
	int64_t maxrss_bytes; /* peak resident set, from wait4's rusage. Linux
			       * folds the spawning process's own RSS high-water
			       * mark into this (the posix_spawn child execs out
			       * of the spawner's address space): call this from a
			       * small process (benchfs-spawner, see spawner.h),
			       * never from the daemon. */
	int64_t floor_bytes;  /* that high-water mark when the child started,
			       * below which maxrss_bytes cannot read: a value at
			       * it is an upper bound of the child's own peak. 0:
			       * unknown (spawn_floor_track was not called) */
	int exit_code;       /* exit status when the child exited, else -1 */
	int term_signal;     /* signal that ended the child, else 0 */
	bool timed_out;      /* the process group was killed at the time limit */
	bool cancelled;      /* the process group was killed because cancel_fd fired */
};

/* Runs spec to completion. Returns 0 when the child was started and reaped
 * (whatever its exit status), or -errno when it could not be started (for
 * example -ENOENT for a missing program); *out is then untouched. */
int spawn_measure(struct spawn_result *out, const struct spawn_spec *spec);

/* Releases the file actions a holds (a itself is the caller's). */
void spawn_actions_clear(struct spawn_actions *a);

/* For a single-threaded process that spawns from this thread only
 * (benchfs-spawner): blocks SIGCHLD and SIGIO, and has cancel_fd (when > 0)
 * raise SIGIO whenever it becomes readable (F_SETOWN, O_ASYNC). spawn_measure
 * then waits for a child without output pipe in sigtimedwait, so the child
 * is reaped the moment it exits, as a bare wait4 would, with the timeout and
 * that cancel_fd still watched. Without it, the wait is a poll on a pidfd:
 * three more system calls and a later wake-up, 0.9% of a /bin/true
 * (bench/spawn_interleave, bench/README.md). 0 or -errno. */
int spawn_wait_with_signals(int cancel_fd);

/* For benchfs-spawner, whose peak RSS is the floor of every child's
 * maxrss_bytes: before each spawn, spawn_measure then lowers the process's
 * RSS high-water mark to its current RSS (/proc/self/clear_refs, "5"), so a
 * transient peak (a large request, since freed) does not stay the floor, and
 * reads that floor into floor_bytes (/proc/self/statm; /proc/self/status's
 * VmHWM when the mark cannot be reset). Two system calls, before the clock
 * starts. 0, or -errno when neither file opens (floor_bytes then stays 0). */
int spawn_floor_track(void);

/* A one-line English description of how the child ended, for logs and status:
 * "exited with status 3", "killed by signal 9 (Killed)", "timed out after 2 s". */
void spawn_result_describe(char *buf, size_t size, const struct spawn_result *res,
			   double timeout_s);

#endif
