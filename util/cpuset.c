/* The CPUs this process may use (cpuset.h). */
#include "util/cpuset.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int nbits_cached;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static cpu_set_t *recorded; /* NULL: none */
static size_t recorded_size;

int cpuset_bits(void)
{
	int bits = __atomic_load_n(&nbits_cached, __ATOMIC_RELAXED);

	if (bits > 0)
		return bits;
	/* sched_getaffinity refuses (EINVAL) a mask smaller than the kernel's. */
	for (bits = CPU_SETSIZE; bits <= (1 << 22); bits *= 2) {
		cpu_set_t *set = CPU_ALLOC(bits);
		int rc;

		if (!set)
			return -ENOMEM;
		rc = sched_getaffinity(0, CPU_ALLOC_SIZE(bits), set);
		CPU_FREE(set);
		if (rc == 0) {
			__atomic_store_n(&nbits_cached, bits, __ATOMIC_RELAXED);
			return bits;
		}
		if (errno != EINVAL)
			return -errno;
	}
	return -EINVAL;
}

int cpuset_allowed(cpu_set_t *set, size_t setsize)
{
	int result = 0;

	if (!set)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	if (recorded) {
		memset(set, 0, setsize);
		memcpy(set, recorded, recorded_size < setsize ? recorded_size : setsize);
	} else if (sched_getaffinity(0, setsize, set)) {
		result = -errno;
	}
	pthread_mutex_unlock(&lock);
	return result;
}

int cpuset_record(const cpu_set_t *set, size_t size)
{
	cpu_set_t *copy = malloc(size ? size : 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, set, size);
	pthread_mutex_lock(&lock);
	free(recorded);
	recorded = copy;
	recorded_size = size;
	pthread_mutex_unlock(&lock);
	return 0;
}

void cpuset_forget(void)
{
	pthread_mutex_lock(&lock);
	free(recorded);
	recorded = NULL;
	recorded_size = 0;
	pthread_mutex_unlock(&lock);
}
