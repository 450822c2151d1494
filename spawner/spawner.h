/* An out-of-process spawner: spawn_measure run by a small helper process.
 *
 * Why: Linux folds the spawning process's RSS high-water mark into the
 * child's ru_maxrss at exec (glibc's posix_spawn child execs out of the
 * parent's address space), so a child spawned by the daemon never reports
 * less peak memory than the daemon's own peak. The helper, benchfs-spawner,
 * is a minimal C program (libc and spawner/spawn_measure.c only, linked
 * statically where it can be) started once; it does the posix_spawn and wait4
 * on the daemon's behalf, so the floor is its own resident set (0.7 MiB
 * static, below /bin/true's own peak) and does not drift as the daemon
 * grows. It lowers its high-water mark to that before each spawn, and every
 * result carries the floor (spawn_result.floor_bytes).
 *
 * Wall, CPU and memory are measured inside the helper exactly as
 * spawn_measure measures them; the request and the result travel over a
 * socket outside the timed region. Output is forwarded as it arrives.
 *
 * The helper is found through the BENCHFS_SPAWNER environment variable when
 * set (tests), else as benchfs-spawner beside the running executable
 * (/proc/self/exe). */
#ifndef BENCHFS_SPAWNER_SPAWNER_H
#define BENCHFS_SPAWNER_SPAWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "spawner/spawn_measure.h"

struct spawner;

#define SPAWNER_LOOP_SIDES_MAX 2 /* spawner_loop.nsides is 1 or 2 */
#define SPAWNER_PAD_RANDOM 4096  /* randomize_env offsets are 0 .. this - 1 */

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

/* A benchmark's measurement loop, run inside the helper (batching): the
 * round trip between daemon and helper (60-120 us, outside the timed region
 * but paid on every iteration) is then paid once per benchmark, and the
 * helper goes from one iteration to the next as a minimal posix_spawn loop
 * would. Events and output still reach the caller as they happen.
 *
 * Order, for each side in turn:
 *   calibrations x  /bin/sh -c ''               (the shell's own start-up)
 *   warmup x        prepare, command, conclude  BENCHFS_ITERATION -warmup .. -1
 *   n x             prepare, command, conclude  BENCHFS_ITERATION first .. first + n - 1
 * With two sides calibrations and warmups go A B, and measured iteration i
 * goes A B when i is odd, B A when it is even (A B B A A B B A ...): an
 * order effect (the second of a pair profiting from the first's warm
 * caches) then cancels over two pairs instead of favouring one side in
 * every pair. first is 1, or for an extra round of pairs the number after
 * the last one measured (the order follows the number, so it continues).
 * n is runs, or with min_time > 0 (hyperfine's adaptive count) what fits in
 * min_time seconds judging by the first iteration (its prepare, command and
 * conclude; the longest side), clamped to [min_runs, max_runs].
 *
 * Every command gets the side's environment plus BENCHFS_ITERATION and
 * BENCHFS_PHASE ("warmup" or "measure"; "calibrate"); the measured command
 * and the calibration also get BENCHFS_PAD, whose length keeps the
 * environment's size equal across iterations (so stack addresses do not
 * shift with the iteration number's digits) plus, with randomize_env, a
 * random 0..4095 bytes per iteration against memory-layout bias. With
 * metrics_dir set they also get BENCHFS_METRICS=<metrics_dir>/<name>, name
 * from spawner_metrics_name: a file of its own per side, step and iteration,
 * so the caller reads iteration i's whenever its event arrives, while
 * later ones run. */
enum spawner_step {
	SPAWNER_STEP_CALIBRATE = 1,
	SPAWNER_STEP_WARMUP,
	SPAWNER_STEP_MEASURE,
	SPAWNER_STEP_PREPARE,  /* of the warmup or measured iteration named */
	SPAWNER_STEP_CONCLUDE,
};

/* "am0000000003": side a or b, step c (calibrate), w (warmup) or m
 * (measure), the iteration's absolute value in ten digits. Every name has
 * the same length, so the environment's size does not change with the
 * iteration. out holds SPAWNER_METRICS_NAME_LEN + 1 bytes. No stdio: the
 * helper formats it between two timed children. */
#define SPAWNER_METRICS_NAME_LEN 12
static inline void spawner_metrics_name(char *out, int side, enum spawner_step step, int iteration)
{
	unsigned v = iteration < 0 ? 0u - (unsigned)iteration : (unsigned)iteration;

	out[0] = side ? 'b' : 'a';
	out[1] = step == SPAWNER_STEP_MEASURE ? 'm' : step == SPAWNER_STEP_WARMUP ? 'w' : 'c';
	for (int k = SPAWNER_METRICS_NAME_LEN - 1; k >= 2; k--) {
		out[k] = (char)('0' + v % 10);
		v /= 10;
	}
	out[SPAWNER_METRICS_NAME_LEN] = '\0';
}

/* One finished step. Calibrations, warmups and measured iterations are
 * always reported; prepare and conclude only when they failed. */
struct spawner_event {
	enum spawner_step step;
	int side;      /* index into spawner_loop.sides */
	int iteration; /* BENCHFS_ITERATION (calibrations: 1 .. calibrations) */
	int count;     /* measured iterations planned (final once 'count' was called) */
	int env_offset; /* the random part of BENCHFS_PAD (0 without randomize_env) */
	int error;     /* -errno when the command could not be started; res is then unset */
	struct spawn_result res;
};

struct spawner_side {
	char *const *envp; /* NULL-terminated; NULL: the caller's environment */
	const char *cwd;   /* NULL: the caller's current directory */
};

struct spawner_loop {
	char *const *argv;              /* the measured command */
	const char *prepare, *conclude; /* run as /bin/sh -c; NULL: none */
	const struct spawner_side *sides;
	size_t nsides;                  /* 1, or 2 interleaved */
	double timeout_s;               /* per command */
	bool output;                    /* forward the command's output (else /dev/null);
					   prepare and conclude are always forwarded */
	bool ignore_failure;            /* a non-zero exit or a signal does not stop the loop */
	bool randomize_env;
	uint64_t seed;                  /* of the random offsets */
	int calibrations, warmup, runs, min_runs, max_runs;
	int first;                      /* number of the first measured iteration; 0 means 1 */
	double min_time;                /* > 0: adaptive count */
	const char *metrics_dir;        /* BENCHFS_METRICS's directory (absolute); NULL: none */
	const int *cpus;                /* calibrations, warmups and measured commands run here */
	size_t ncpus;
	int cancel_fd;                  /* as spawn_spec.cancel_fd */
	/* Called on this thread. on_event returning non-zero stops the loop
	 * (the command running is killed); on_count tells the final count of
	 * an adaptive loop once the first iteration decided it. */
	int (*on_event)(void *ctx, const struct spawner_event *ev);
	void (*on_count)(void *ctx, int count);
	void (*on_output)(void *ctx, enum spawner_step step, int side, int iteration,
			  const char *buf, size_t len);
	/* Called when idle_ms pass after a message without another (a caller
	 * that defers work while messages come fast catches up here); it
	 * returns after how many ms to be called again if still quiet (0: not
	 * before the next message). */
	int (*on_idle)(void *ctx);
	int idle_ms;
	void *ctx;
};

/* A step that ends the loop: it could not start, was cancelled or timed
 * out, or exited non-zero or by a signal (for the measured command and its
 * warmups only without ignore_failure). */
static inline bool spawner_event_stops(const struct spawner_event *ev, bool ignore_failure)
{
	bool command = ev->step == SPAWNER_STEP_WARMUP || ev->step == SPAWNER_STEP_MEASURE;

	if (ev->error || ev->res.cancelled || ev->res.timed_out)
		return true;
	if (ev->res.exit_code == 0 && ev->res.term_signal == 0)
		return false;
	return !(command && ignore_failure);
}

/* Runs the loop. Returns 0 when every iteration ran, SPAWNER_STOPPED when
 * the last event reported ended it (spawner_event_stops, or on_event asked
 * to stop), or -errno as spawner_measure (-EINVAL for a bad loop). */
#define SPAWNER_STOPPED 1
int spawner_loop(struct spawner *sp, const struct spawner_loop *loop);

/* After a call failed with -EPIPE: how the helper ended ("killed by signal 9
 * (Killed); 2 processes it left running killed"). Whatever the helper was
 * running when it died is killed when it is reaped. */
void spawner_describe_end(const struct spawner *sp, char *buf, size_t size);

/* The helper's process id (-1 when none runs). It is the session of
 * everything the helper starts and the parent of the command it runs, so a
 * caller that runs a long-lived command through a spawner of its own (a
 * benchmark's service) can find that command's process group. Read it before
 * a call or from the thread making none: a call may replace the helper. */
int spawner_helper_pid(const struct spawner *sp);

/* Stops the helper (a child still running is killed) and frees sp. NULL is allowed. */
void spawner_free(struct spawner *sp);

#endif
