/*
 * The CPUs this process may use.
 *
 * sched_getaffinity(0) answers for the calling thread, which is not always
 * the process's answer: while a benchmark runs on CPUs of its own,
 * runner/cpus.c's cpus_avoid() narrows every thread of the daemon to the
 * others, and a configuration validated meanwhile must still accept the
 * benchmark's CPUs. So code that narrows the threads records the process's
 * set first (cpuset_record), and cpuset_allowed() answers with it until
 * cpuset_forget(). Thread-safe.
 */
#ifndef BENCHFS_UTIL_CPUSET_H
#define BENCHFS_UTIL_CPUSET_H

#include <sched.h>
#include <stddef.h>

/* How many CPUs the kernel's affinity masks hold (its nr_cpu_ids may exceed
 * CPU_SETSIZE): the bits for CPU_ALLOC() and CPU_ALLOC_SIZE(), or a negative
 * errno. Found once, then remembered. */
int cpuset_bits(void);

/* The CPUs this process may use, into set (setsize bytes, as for
 * sched_getaffinity; bits beyond the kernel's are cleared): the recorded set
 * while there is one, else the calling thread's affinity. 0, or -EINVAL
 * for a NULL set, or the -errno of sched_getaffinity(). */
int cpuset_allowed(cpu_set_t *set, size_t setsize);

/* Record set (size bytes, as CPU_ALLOC_SIZE(cpuset_bits()) gives) as the
 * process's CPUs, replacing any recorded before: 0 or -ENOMEM. */
int cpuset_record(const cpu_set_t *set, size_t size);

/* Forget the recorded set: the calling thread's affinity answers again. */
void cpuset_forget(void);

#endif
