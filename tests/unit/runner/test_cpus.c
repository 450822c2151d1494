/* Unit tests for runner/cpus.c, checked the way an operator would: through
 * Cpus_allowed_list in /proc/self/task/<tid>/status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "runner/cpus.h"
#include "util/cpuset.h"

/* cpus_format into a fixed buffer, as the tests compare it: cut to size. */
static void format_list(char *buf, size_t size, const int *cpus, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(cpus_format(&sb, cpus, n), 0);
	snprintf(buf, size, "%s", sb.buf);
	strbuf_release(&sb);
}

#define NWORKERS 3
#define MAXCPUS 1024

/* Worker threads that wait until told to stop (and, when asked, pin
 * themselves with cpus_pin_self first). */
struct workers {
	pthread_t threads[NWORKERS];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	int ready;
};

static void *worker_main(void *arg)
{
	struct workers *w = arg;

	pthread_mutex_lock(&w->lock);
	w->ready++;
	pthread_cond_broadcast(&w->cond);
	while (!w->stop)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void workers_start(struct workers *w, int n)
{
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->stop = false;
	w->ready = 0;
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_create(&w->threads[i], NULL, worker_main, w), 0);
	pthread_mutex_lock(&w->lock);
	while (w->ready < n)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static void workers_stop(struct workers *w, int n)
{
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < n; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

/* Cpus_allowed_list of one thread (NULL: the calling one), as the kernel
 * shows it. */
static void task_cpus(char *out, size_t size, const char *tid)
{
	char path[64], line[512], list[512];
	FILE *f;

	if (tid)
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", tid);
	else
		snprintf(path, sizeof(path), "/proc/thread-self/status");
	f = fopen(path, "r");
	assert_non_null(f);
	list[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Cpus_allowed_list: %511s", list) == 1)
			break;
	fclose(f);
	snprintf(out, size, "%s", list);
	assert_true(out[0] != '\0');
}

/* How many threads there are, and how many of them show want (NULL: any);
 * the others are printed when verbose. */
static int tasks_list(const char *want, int *total, bool verbose)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int match = 0;

	assert_non_null(d);
	*total = 0;
	while ((de = readdir(d)) != NULL) {
		char list[512];

		if (de->d_name[0] == '.')
			continue;
		task_cpus(list, sizeof(list), de->d_name);
		(*total)++;
		if (!want || strcmp(list, want) == 0)
			match++;
		else if (verbose)
			printf("[ INFO     ] thread %s: Cpus_allowed_list %s, expected %s\n", de->d_name,
			       list, want);
	}
	closedir(d);
	return match;
}

/* The CPUs this process may use. */
static size_t allowed_cpus(int *cpus)
{
	cpu_set_t set;
	size_t n = 0;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE && n < MAXCPUS; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

static bool enough_cpus(int *cpus, size_t *n)
{
	*n = allowed_cpus(cpus);
	if (*n < 2) {
		printf("[  SKIPPED ] one CPU available: nowhere to move threads to\n");
		return false;
	}
	return true;
}

static int tasks_showing(const char *want, int *total)
{
	return tasks_list(want, total, false);
}

static void assert_all_threads(const char *want)
{
	int total, match = tasks_list(want, &total, true);

	assert_int_equal(match, total);
}

/* Every thread moves off the CPU, threads started meanwhile too, and
 * cpus_restore brings all of them back. */
static void test_avoid_and_restore(void **state)
{
	int cpus[MAXCPUS], rest[MAXCPUS], last;
	char all[512], without[512], self[512];
	struct workers w, late;
	size_t n, nrest = 0;
	int total;

	(void)state;
	if (!enough_cpus(cpus, &n))
		return;
	last = cpus[n - 1];
	for (size_t i = 0; i + 1 < n; i++)
		rest[nrest++] = cpus[i];
	format_list(all, sizeof(all), cpus, n);
	format_list(without, sizeof(without), rest, nrest);
	task_cpus(self, sizeof(self), NULL);
	assert_string_equal(self, all);

	workers_start(&w, NWORKERS);
	assert_true(tasks_showing(NULL, &total) >= NWORKERS + 1);
	assert_int_equal(cpus_avoid(&last, 1), 0);
	assert_all_threads(without);
	{
		/* The process's CPUs are still all of them, for validation. */
		cpu_set_t set;

		assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
		assert_false(CPU_ISSET(last, &set));
		assert_int_equal(cpuset_allowed(&set, sizeof(set)), 0);
		assert_true(CPU_ISSET(last, &set));
		assert_int_equal(CPU_COUNT(&set), (int)n);
	}
	printf("[ INFO     ] %d threads moved from %s to %s\n", total, all, without);

	/* A thread started now inherits the placement. */
	workers_start(&late, 1);
	assert_all_threads(without);

	cpus_restore();
	assert_all_threads(all);
	cpus_restore(); /* not in force: nothing */
	assert_all_threads(all);
	{
		cpu_set_t set;

		assert_int_equal(cpuset_allowed(&set, sizeof(set)), 0);
		assert_int_equal(CPU_COUNT(&set), (int)n);
	}
	workers_stop(&late, 1);
	workers_stop(&w, NWORKERS);
}

static int pinned_cpu;

static void *pinned_main(void *arg)
{
	struct workers *w = arg;

	assert_int_equal(cpus_pin_self(&pinned_cpu, 1), 0);
	return worker_main(w);
}

/* A thread with a narrower affinity keeps it where it can, goes where the
 * process may when nothing of it is left, and gets it back afterwards. */
static void test_narrow_thread(void **state)
{
	int cpus[MAXCPUS], rest[MAXCPUS];
	char all[512], without[512], one[16];
	struct workers w;
	pthread_t t;
	size_t n, nrest = 0;
	int total;

	(void)state;
	if (!enough_cpus(cpus, &n))
		return;
	pinned_cpu = cpus[n - 1];
	for (size_t i = 0; i + 1 < n; i++)
		rest[nrest++] = cpus[i];
	format_list(all, sizeof(all), cpus, n);
	format_list(without, sizeof(without), rest, nrest);
	snprintf(one, sizeof(one), "%d", pinned_cpu);

	workers_start(&w, 0);
	assert_int_equal(pthread_create(&t, NULL, pinned_main, &w), 0);
	pthread_mutex_lock(&w.lock);
	while (w.ready < 1)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	assert_int_equal(tasks_showing(one, &total), 1);

	assert_int_equal(cpus_avoid(&pinned_cpu, 1), 0);
	assert_all_threads(without);
	cpus_restore();
	assert_int_equal(tasks_showing(one, &total), 1);
	assert_int_equal(tasks_showing(all, &total), total - 1);

	w.threads[0] = t;
	workers_stop(&w, 1);
}

/* A second call moves the threads again; cpus_restore still brings back
 * the affinities from before the first. */
static void test_avoid_twice(void **state)
{
	int cpus[MAXCPUS], rest[MAXCPUS], first;
	char all[512], without[512];
	size_t n, nrest = 0;

	(void)state;
	if (!enough_cpus(cpus, &n))
		return;
	first = cpus[n - 1];
	for (size_t i = 1; i < n; i++)
		rest[nrest++] = cpus[i];
	format_list(all, sizeof(all), cpus, n);
	format_list(without, sizeof(without), rest, nrest);
	assert_int_equal(cpus_avoid(&first, 1), 0);
	assert_int_equal(cpus_avoid(&cpus[0], 1), 0);
	assert_all_threads(without);
	cpus_restore();
	assert_all_threads(all);
}

/* CPUs that do not exist or are all we have: -EINVAL, and nobody moves. */
static void test_invalid(void **state)
{
	int cpus[MAXCPUS], bad[] = { -1 }, far[] = { 1 << 20 };
	char all[512];
	size_t n = allowed_cpus(cpus);

	(void)state;
	format_list(all, sizeof(all), cpus, n);
	assert_int_equal(cpus_avoid(bad, 1), -EINVAL);
	assert_int_equal(cpus_avoid(far, 1), -EINVAL);
	assert_int_equal(cpus_avoid(cpus, n), -EINVAL); /* nowhere left */
	assert_int_equal(cpus_avoid(NULL, 1), -EINVAL);
	assert_all_threads(all);
	assert_int_equal(cpus_avoid(cpus, 0), 0); /* nothing to avoid */
	assert_all_threads(all);
	assert_int_equal(cpus_pin_self(bad, 1), -EINVAL);
	assert_int_equal(cpus_pin_self(NULL, 0), -EINVAL);
	assert_all_threads(all);
}

/* cpus_pin_self pins only the calling thread. */
static void *pin_check(void *arg)
{
	char *list = arg;

	assert_int_equal(cpus_pin_self(&pinned_cpu, 1), 0);
	task_cpus(list, 512, NULL);
	return NULL;
}

static void test_pin_self(void **state)
{
	int cpus[MAXCPUS];
	char list[512], all[512], want[16];
	size_t n = allowed_cpus(cpus);
	pthread_t t;

	(void)state;
	format_list(all, sizeof(all), cpus, n);
	pinned_cpu = cpus[n - 1];
	snprintf(want, sizeof(want), "%d", pinned_cpu);
	assert_int_equal(pthread_create(&t, NULL, pin_check, list), 0);
	pthread_join(t, NULL);
	assert_string_equal(list, want);
	/* A joined thread may stay listed in /proc/self/task for a moment after
	 * pthread_join returns (the kernel reaps it asynchronously). */
	for (int i = 0; i < 200; i++) {
		int total;
		if (tasks_showing(all, &total) == total)
			break;
		usleep(5000);
	}
	assert_all_threads(all);
}

static void test_format(void **state)
{
	int a[] = { 3, 0, 1, 2, 5 }, b[] = { 7 }, c[] = { 1, 3, 5, 6 }, d[] = { 2, 2, 3 };
	char buf[64];

	(void)state;
	format_list(buf, sizeof(buf), a, 5);
	assert_string_equal(buf, "0-3,5");
	format_list(buf, sizeof(buf), b, 1);
	assert_string_equal(buf, "7");
	format_list(buf, sizeof(buf), c, 4);
	assert_string_equal(buf, "1,3,5-6");
	format_list(buf, sizeof(buf), d, 3);
	assert_string_equal(buf, "2-3");
	format_list(buf, sizeof(buf), a, 0);
	assert_string_equal(buf, "");
	{
		/* It appends. */
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, "CPU ");
		assert_int_equal(cpus_format(&sb, c, 4), 0);
		assert_int_equal(cpus_format(&sb, a, 0), 0);
		assert_string_equal(sb.buf, "CPU 1,3,5-6");
		strbuf_release(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_avoid_and_restore),
		cmocka_unit_test(test_narrow_thread),
		cmocka_unit_test(test_avoid_twice),
		cmocka_unit_test(test_pin_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
