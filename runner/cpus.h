/* CPU placement (as benchkit's benchmark_cores/runner_cores): the
 * benchmark runs on the configured CPUs and every thread of the daemon keeps
 * off them meanwhile, so FUSE readers, SQLite and the runner do not steal
 * the benchmark's cycles or caches. */
#ifndef BENCHFS_RUNNER_CPUS_H
#define BENCHFS_RUNNER_CPUS_H

#include <sched.h>
#include <stddef.h>

#include "util/strbuf.h"

/* Keeps every thread of this process (all of /proc/self/task) off cpus:
 * each thread's affinity becomes its own set without cpus (the process's
 * allowed set without cpus, for a thread that would have none left). Threads
 * started later by these threads inherit that. The affinities it found are
 * remembered for cpus_restore(); a second call before cpus_restore() moves
 * the threads again but keeps the first call's memory. Returns 0, -EINVAL
 * when a CPU is negative, beyond the machine's CPUs or not allowed to this
 * process, or when cpus are all the CPUs this process may use (nowhere
 * left to go), or another -errno (then no thread was moved). n == 0 is 0.
 * While it is in force, cpuset_allowed() (util/cpuset.h) still answers with
 * the process's CPUs from before it. */
int cpus_avoid(const int *cpus, size_t n);

/* Gives every thread the affinity it had before cpus_avoid() (threads
 * started since get the affinity the process had). Nothing when
 * cpus_avoid() is not in force. */
void cpus_restore(void);

/* Pins the calling thread (and what it will exec or start) to cpus: for a
 * benchmark's child before exec, or its spawner. 0, -EINVAL as cpus_avoid,
 * or -errno. */
int cpus_pin_self(const int *cpus, size_t n);

/* cpus appended to out as a list for logs and messages: "1", "0,2-3" (""
 * for none; negative CPUs are left out). 0, or out's sticky error. */
int cpus_format(struct strbuf *out, const int *cpus, size_t n);

#endif
