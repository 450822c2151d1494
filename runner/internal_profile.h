/* Private to runner/: what the profilers (profile.c) take from the reader
 * of callgrind's output (profile_callgrind.c). */
#ifndef BENCHFS_RUNNER_INTERNAL_PROFILE_H
#define BENCHFS_RUNNER_INTERNAL_PROFILE_H

#include <stddef.h>

#define CALLGRIND_PREFIX "callgrind.out."

/* The Ir of every callgrind file in dir, added: 0, or -ENOENT when there is
 * none, or the -errno of the first that cannot be read (its name in bad). */
int cg_sum_dir(unsigned long long *total, int *nfiles, const char *dir, char *bad,
	       size_t badsize);

#endif
