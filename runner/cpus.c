/* CPU placement: see cpus.h. */
#include "runner/cpus.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "util/array.h"
#include "util/cpuset.h"
#include "util/strbuf.h"

/* A thread started while we list /proc/self/task is caught by listing again;
 * this many listings that find nobody new end the search. */
#define SCAN_PASSES_MAX 16

/* One thread's affinity as found before cpus_avoid(). */
struct saved_mask {
	pid_t tid;
	cpu_set_t *mask;
};

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool active;
	struct saved_mask *threads;
	size_t nthreads;
	cpu_set_t *process; /* the union of their affinities: for threads started since */
	cpu_set_t *avoid;   /* the CPUs kept free */
} state;

static cpu_set_t *mask_new(int bits)
{
	cpu_set_t *set = CPU_ALLOC(bits);

	if (set)
		CPU_ZERO_S(CPU_ALLOC_SIZE(bits), set);
	return set;
}

/* cpus as a mask: 0, or -EINVAL for a CPU outside 0..bits-1. */
static int mask_from_list(cpu_set_t *set, int bits, const int *cpus, size_t n)
{
	size_t size = CPU_ALLOC_SIZE(bits);

	CPU_ZERO_S(size, set);
	for (size_t i = 0; i < n; i++) {
		if (cpus[i] < 0 || cpus[i] >= bits)
			return -EINVAL;
		CPU_SET_S((size_t)cpus[i], size, set);
	}
	return 0;
}

/* The threads of this process: a malloc'd array of tids. */
static int threads_list(pid_t **out, size_t *count)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	pid_t *tids = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	if (!dir)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0)
			continue;
		if ((rc = ALLOC_GROW(tids, n + 1, alloc))) {
			free(tids);
			closedir(dir);
			return rc;
		}
		tids[n++] = (pid_t)tid;
	}
	closedir(dir);
	*out = tids;
	*count = n;
	return 0;
}

static struct saved_mask *saved_find(struct saved_mask *v, size_t n, pid_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].tid == tid)
			return &v[i];
	return NULL;
}

static void saved_free(struct saved_mask *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CPU_FREE(v[i].mask);
	free(v);
}

/* Sets tid's affinity; a thread that has exited meanwhile is no error. */
static int thread_set(pid_t tid, size_t size, const cpu_set_t *set)
{
	if (sched_setaffinity(tid, size, set) && errno != ESRCH)
		return -errno;
	return 0;
}

/* Adds to *v (of *n) every thread not yet in it, with its original
 * affinity: what it has now, or the process's when cpus_avoid() was already
 * in force (it then inherited a reduced one). Sets *found to the number
 * added. */
static int threads_collect(struct saved_mask **v, size_t *n, int bits, const cpu_set_t *process,
			   size_t *found)
{
	size_t size = CPU_ALLOC_SIZE(bits);
	pid_t *tids;
	size_t ntids;
	int result = threads_list(&tids, &ntids);

	*found = 0;
	if (result)
		return result;
	for (size_t i = 0; i < ntids && result == 0; i++) {
		struct saved_mask *s;

		if (saved_find(*v, *n, tids[i]))
			continue;
		if ((result = REALLOC_ARRAY(*v, *n + 1)))
			break;
		s = &(*v)[*n];
		s->tid = tids[i];
		s->mask = mask_new(bits);
		if (!s->mask) {
			result = -ENOMEM;
			break;
		}
		if (process) {
			memcpy(s->mask, process, size);
		} else if (sched_getaffinity(tids[i], size, s->mask)) {
			bool gone = errno == ESRCH;

			result = gone ? 0 : -errno;
			CPU_FREE(s->mask);
			continue;
		}
		(*n)++;
		(*found)++;
	}
	free(tids);
	return result;
}

/* target = orig without avoid, or process without avoid when that is empty. */
static void target_mask(cpu_set_t *target, size_t size, const cpu_set_t *orig,
			const cpu_set_t *avoid, const cpu_set_t *process)
{
	cpu_set_t *keep = target;

	CPU_XOR_S(size, keep, orig, avoid);
	CPU_AND_S(size, keep, keep, orig);
	if (CPU_COUNT_S(size, keep) == 0) {
		CPU_XOR_S(size, keep, process, avoid);
		CPU_AND_S(size, keep, keep, process);
	}
}

/* Moves every thread in v off avoid. On failure the threads already moved
 * go back to their original affinity. */
static int threads_apply(struct saved_mask *v, size_t n, size_t from, int bits,
			 const cpu_set_t *avoid, const cpu_set_t *process)
{
	size_t size = CPU_ALLOC_SIZE(bits);
	cpu_set_t *target = mask_new(bits);
	int result = 0;
	size_t i;

	if (!target)
		return -ENOMEM;
	for (i = from; i < n && result == 0; i++) {
		target_mask(target, size, v[i].mask, avoid, process);
		result = thread_set(v[i].tid, size, target);
	}
	if (result)
		for (size_t j = from; j + 1 < i; j++)
			thread_set(v[j].tid, size, v[j].mask);
	CPU_FREE(target);
	return result;
}

int cpus_avoid(const int *cpus, size_t n)
{
	struct saved_mask *v = NULL;
	cpu_set_t *avoid = NULL, *process = NULL, *left = NULL;
	size_t nv = 0, size, found, applied = 0;
	int bits, result;

	if (n == 0)
		return 0;
	if (!cpus)
		return -EINVAL;
	bits = cpuset_bits();
	if (bits < 0)
		return bits;
	size = CPU_ALLOC_SIZE(bits);
	pthread_mutex_lock(&state_lock);
	avoid = mask_new(bits);
	process = mask_new(bits);
	left = mask_new(bits);
	result = avoid && process && left ? mask_from_list(avoid, bits, cpus, n) : -ENOMEM;
	if (result)
		goto out;

	/* The threads and their original affinities: remembered ones first. */
	if (state.active) {
		v = state.threads;
		nv = state.nthreads;
		memcpy(process, state.process, size);
		result = threads_collect(&v, &nv, bits, state.process, &found);
	} else {
		result = threads_collect(&v, &nv, bits, NULL, &found);
		for (size_t i = 0; i < nv; i++)
			CPU_OR_S(size, process, process, v[i].mask);
	}
	if (result)
		goto undo;

	/* Every CPU asked for must be ours, and some must be left. */
	CPU_AND_S(size, left, avoid, process);
	if (!CPU_EQUAL_S(size, left, avoid)) {
		result = -EINVAL;
		goto undo;
	}
	CPU_XOR_S(size, left, process, avoid);
	if (CPU_COUNT_S(size, left) == 0) {
		result = -EINVAL;
		goto undo;
	}
	/* Configurations validated while the threads are narrowed still see
	 * every CPU of the process (util/cpuset.h). */
	if (!state.active && (result = cpuset_record(process, size)))
		goto undo;

	/* Move them; then whoever was started meanwhile (inheriting an affinity
	 * that may already be reduced: theirs is the process's), until a
	 * listing finds nobody new. */
	for (int pass = 0; pass < SCAN_PASSES_MAX; pass++) {
		result = threads_apply(v, nv, applied, bits, avoid, process);
		if (result)
			break;
		applied = nv;
		result = threads_collect(&v, &nv, bits, process, &found);
		if (result || found == 0)
			break;
	}
	if (result == 0 && found > 0)
		result = -EAGAIN; /* threads keep appearing faster than we move them */
	if (result) {
		/* Back to how they were: original, or the earlier call's placement. */
		if (state.active) {
			threads_apply(v, applied, 0, bits, state.avoid, state.process);
		} else {
			for (size_t i = 0; i < applied; i++)
				thread_set(v[i].tid, size, v[i].mask);
			cpuset_forget();
		}
		goto undo;
	}
	if (!state.active) {
		state.process = process;
		process = NULL;
	}
	CPU_FREE(state.avoid);
	state.avoid = avoid;
	avoid = NULL;
	state.threads = v;
	state.nthreads = nv;
	state.active = true;
	goto out;
undo:
	if (state.active) {
		/* Keep what was remembered; newly found threads stay listed. */
		state.threads = v;
		state.nthreads = nv;
	} else {
		saved_free(v, nv);
	}
out:
	pthread_mutex_unlock(&state_lock);
	CPU_FREE(avoid);
	CPU_FREE(process);
	CPU_FREE(left);
	return result;
}

void cpus_restore(void)
{
	size_t size;
	pid_t *tids;
	size_t ntids;

	pthread_mutex_lock(&state_lock);
	if (!state.active)
		goto out;
	size = CPU_ALLOC_SIZE(cpuset_bits());
	if (threads_list(&tids, &ntids) == 0) {
		for (size_t i = 0; i < ntids; i++) {
			struct saved_mask *s = saved_find(state.threads, state.nthreads, tids[i]);

			thread_set(tids[i], size, s ? s->mask : state.process);
		}
		free(tids);
	} else {
		for (size_t i = 0; i < state.nthreads; i++)
			thread_set(state.threads[i].tid, size, state.threads[i].mask);
	}
	cpuset_forget();
	saved_free(state.threads, state.nthreads);
	CPU_FREE(state.process);
	CPU_FREE(state.avoid);
	memset(&state, 0, sizeof(state));
out:
	pthread_mutex_unlock(&state_lock);
}

int cpus_pin_self(const int *cpus, size_t n)
{
	cpu_set_t *set;
	int bits, result;

	if (!cpus || n == 0)
		return -EINVAL;
	bits = cpuset_bits();
	if (bits < 0)
		return bits;
	set = mask_new(bits);
	if (!set)
		return -ENOMEM;
	result = mask_from_list(set, bits, cpus, n);
	if (result == 0 && sched_setaffinity(0, CPU_ALLOC_SIZE(bits), set))
		result = -errno;
	CPU_FREE(set);
	return result;
}

static bool list_has(const int *cpus, size_t n, int cpu)
{
	for (size_t i = 0; i < n; i++)
		if (cpus[i] == cpu)
			return true;
	return false;
}

int cpus_format(struct strbuf *out, const int *cpus, size_t n)
{
	const char *sep = "";
	int max = -1;

	for (size_t i = 0; i < n; i++)
		if (cpus[i] > max)
			max = cpus[i];
	for (int c = 0; c <= max; c++) {
		int end = c;

		if (!list_has(cpus, n, c))
			continue;
		while (end < max && list_has(cpus, n, end + 1))
			end++;
		strbuf_addf(out, end > c ? "%s%d-%d" : "%s%d", sep, c, end);
		sep = ",";
		c = end;
	}
	return strbuf_error(out);
}
