/* Extra, unmeasured iterations of a benchmark under a profiler:
 * perf record for a call-graph profile, valgrind's callgrind for a
 * deterministic instruction count. They run after the measured iterations,
 * never inside them, with the benchmark's own command, environment and
 * working directory, through the same spawner (so timeout and cancel work as
 * for any iteration).
 *
 * perf and valgrind are looked up in the daemon's PATH (they are tools of the
 * host, not of the benchmark). Where one is missing, refused or fails, the
 * reason goes to the run's log and the call returns a negative errno (below):
 * the run goes on. */
#ifndef BENCHFS_RUNNER_PROFILE_H
#define BENCHFS_RUNNER_PROFILE_H

#include "runner/runlog.h"
#include "spawner/spawn_measure.h"
#include "spawner/spawner.h"

/* A profiled iteration is slower than a measured one: its time limit is the
 * benchmark's timeout times the factor plus the grace (measured here on a
 * shell loop of 0.28 s: 1.1 s under perf record -g, most of it perf starting
 * and writing perf.data; 23 s under callgrind, 80 times slower). A hung
 * benchmark is still killed. */
#define PROFILE_PERF_TIMEOUT_FACTOR 2.0
#define PROFILE_CALLGRIND_TIMEOUT_FACTOR 100.0
#define PROFILE_TIMEOUT_GRACE_S 5.0

struct profile_job {
	struct spawner *spawner;       /* spawner/spawner.h */
	const struct spawn_spec *spec; /* the benchmark's command exactly as measured:
					  argv, envp, cwd, timeout, output, cancel_fd */
	struct runlog *log;            /* runner/runlog.h; NULL: nothing is logged */
	const char *bench_name;
};

/* One extra iteration under `perf record -g -F frequency -o out_path` (with
 * -e cpu-clock when the default event cannot be opened here, as on VMs
 * without hardware counters). Returns 0 when out_path holds a complete
 * profile (written to a hidden temporary name beside it, then renamed);
 * -ECANCELED when spec->cancel_fd fired; -EINVAL for a job without spawner
 * or spec, or a frequency outside 1..100000 (not logged). Else no profile,
 * the reason logged: -EINVAL out_path is not absolute; -ENAMETOOLONG;
 * -ENOENT perf is not installed; -ENOTSUP perf cannot record here (refused,
 * or no event it may open); -ETIMEDOUT the iteration timed out; -EIO perf
 * left no complete perf.data; -ENOMEM; or the -errno of starting perf or of
 * storing the profile. A benchmark that exits non-zero still leaves its
 * profile (logged); one that times out does not. */
int profile_perf(const struct profile_job *job, int frequency, const char *out_path);

/* One extra iteration under valgrind --tool=callgrind --trace-children=yes:
 * *instructions gets the instructions executed (Ir) summed over every
 * process of the command. tmp_dir is a scratch directory (an absolute path,
 * else -EINVAL, logged): a private subdirectory is made in it (else its
 * -errno, logged) and removed afterwards. Returns as profile_perf, with
 * -ENOENT for a missing valgrind; a command killed by a signal, or callgrind
 * output missing or unreadable, gives -EIO (no count). */
int profile_instructions(const struct profile_job *job, const char *tmp_dir,
			 double *instructions);

/* The total Ir of one callgrind output file (its "totals:" line, else its
 * "summary:" line, in the column of Ir on its "events:" line; the totals of
 * several parts are added). 0, or -EINVAL when text has no such line or the
 * number is malformed. Exposed for tests. */
int profile_callgrind_parse(unsigned long long *out, const char *text);

#endif
