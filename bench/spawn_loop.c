/* The physical reference for bench/overhead.sh: the least a benchmark tool can
 * do to time a command. N times posix_spawn + wait4, nothing else: no shell,
 * no file actions, no pipe, no pidfd, no bookkeeping between iterations.
 *
 *   spawn_loop [-w WARMUP] [-n RUNS] PROGRAM [ARG...]
 *
 * PROGRAM must contain a slash (no PATH search inside the loop). Each measured
 * iteration is timed as benchfs times it (spawner/spawn_measure.c): CLOCK_MONOTONIC
 * read just before posix_spawn and just after wait4 reaps the child. Prints
 * one line of key=value pairs, times in seconds:
 *   mean, stddev, median, min, max of the measured iterations, the elapsed
 *   time of the whole loop (warmups included) and elapsed / (WARMUP + RUNS),
 *   the wall time the loop spends per iteration. */
#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats/describe.h"

extern char **environ;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int parse_count(int *out, const char *s, int min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > 10000000)
		return -1;
	*out = (int)v;
	return 0;
}

/* One spawn and reap. Returns the wall time in ns, or -1 (message printed)
 * when the program cannot be started or does not exit with status 0: a
 * failing command would time something else than the other tools time. */
static int64_t run_once(char *const *argv)
{
	struct rusage ru;
	int64_t start, end;
	pid_t pid;
	int status, rc;

	start = now_ns();
	rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc) {
		fprintf(stderr, "spawn_loop: %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("spawn_loop: wait4");
			return -1;
		}
	}
	end = now_ns();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "spawn_loop: %s did not exit with status 0\n", argv[0]);
		return -1;
	}
	return end - start;
}

int main(int argc, char **argv)
{
	struct stats_summary sum;
	double *wall = NULL, *scratch = NULL;
	int warmup = 0, runs = 10, opt, result = 2;
	int64_t begin, elapsed;

	while ((opt = getopt(argc, argv, "+w:n:")) != -1) {
		if (opt == 'w' && parse_count(&warmup, optarg, 0) == 0)
			continue;
		if (opt == 'n' && parse_count(&runs, optarg, 1) == 0)
			continue;
		fprintf(stderr, "usage: spawn_loop [-w WARMUP] [-n RUNS>=1] PROGRAM [ARG...]\n");
		return 2;
	}
	if (optind >= argc || !strchr(argv[optind], '/')) {
		fprintf(stderr, "spawn_loop: PROGRAM must be given as a path (with a slash)\n");
		return 2;
	}
	wall = calloc((size_t)runs, sizeof(*wall));
	scratch = calloc((size_t)runs, sizeof(*scratch));
	if (!wall || !scratch) {
		fprintf(stderr, "spawn_loop: out of memory\n");
		goto out;
	}

	begin = now_ns();
	for (int i = 0; i < warmup + runs; i++) {
		int64_t ns = run_once(argv + optind);

		if (ns < 0)
			goto out;
		if (i >= warmup)
			wall[i - warmup] = (double)ns / 1e9;
	}
	elapsed = now_ns() - begin;

	if (stats_describe(&sum, wall, (size_t)runs, scratch) != STATS_OK) {
		fprintf(stderr, "spawn_loop: cannot summarise the times\n");
		goto out;
	}
	printf("runs=%d warmup=%d mean=%.9f stddev=%.9f median=%.9f min=%.9f max=%.9f "
	       "elapsed=%.9f wall_per_iter=%.9f\n",
	       runs, warmup, sum.mean, sum.stddev, sum.median, sum.min, sum.max,
	       (double)elapsed / 1e9, (double)elapsed / 1e9 / (warmup + runs));
	result = 0;
out:
	free(wall);
	free(scratch);
	return result;
}
