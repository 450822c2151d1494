/* The timed region of benchfs's spawns against the minimal loop's, with the
 * machine's drift taken out: one process alternates the ways of spawning
 * PROGRAM iteration by iteration, so every way sees the same moments of the
 * VM. bench/overhead.sh compares whole runs a second apart, and on a shared
 * VM those seconds differ by more than the effects it looks for.
 *
 *   spawn_interleave [-n ITERATIONS] [-r ROUNDS] PROGRAM [ARG...]
 *
 * The ways, each timed as benchfs times a child (CLOCK_MONOTONIC just before
 * posix_spawn, just after the reap):
 *   loop      posix_spawn(NULL file actions, NULL attributes) + wait4:
 *             bench/spawn_loop, the reference
 *   attrs     the same with benchfs's attributes (own process group, empty
 *             signal mask, every signal to its default), no file actions
 *   benchfs   spawn_measure as benchfs-spawner runs a timed command: output
 *             to a memfd, stdin /dev/null, a 60 s timeout, the daemon's
 *             socket as cancel_fd, waited for in sigtimedwait
 *   poll      the same, waited for in poll on a pidfd and the socket (what
 *             benchfs-spawner did before the signal wait)
 * Prints each way's mean and its ratio to loop's: over all iterations, and
 * the median and range of the per-round ratios. */
#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawner/spawn_measure.h"

extern char **environ;

enum way { WAY_LOOP, WAY_ATTRS, WAY_BENCHFS, WAY_POLL, WAYS };
static const char *const way_names[WAYS] = { "loop", "attrs", "benchfs", "poll" };

struct ctx {
	char *const *argv;
	posix_spawnattr_t attr;
	struct spawn_spec signal_spec, poll_spec;
	struct spawn_actions actions;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* posix_spawn + wait4; -1 when the child cannot be started or fails. */
static int64_t spawn_plain(char *const *argv, const posix_spawnattr_t *attr)
{
	struct rusage ru;
	int64_t start, end;
	pid_t pid;
	int status;

	start = now_ns();
	if (posix_spawn(&pid, argv[0], NULL, attr, argv, environ))
		return -1;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	end = now_ns();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? end - start : -1;
}

static int64_t spawn_benchfs(const struct spawn_spec *spec)
{
	struct spawn_result res;

	if (spawn_measure(&res, spec) || res.exit_code != 0)
		return -1;
	return res.wall_ns;
}

static int64_t spawn_way(struct ctx *c, enum way w)
{
	switch (w) {
	case WAY_LOOP:
		return spawn_plain(c->argv, NULL);
	case WAY_ATTRS:
		return spawn_plain(c->argv, &c->attr);
	case WAY_BENCHFS:
		return spawn_benchfs(&c->signal_spec);
	default:
		return spawn_benchfs(&c->poll_spec);
	}
}

/* benchfs's attributes, as spawner/spawn_measure.c sets them. */
static int attr_setup(posix_spawnattr_t *attr)
{
	sigset_t none, all;

	sigemptyset(&none);
	sigfillset(&all);
	return posix_spawnattr_init(attr) ||
	       posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						      POSIX_SPAWN_SETSIGDEF) ||
	       posix_spawnattr_setpgroup(attr, 0) || posix_spawnattr_setsigmask(attr, &none) ||
	       posix_spawnattr_setsigdefault(attr, &all);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int parse_count(int *out, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 10000000)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = { 0 };
	int iterations = 200, rounds = 20, opt, sock[2], other[2], memfd;
	double total[WAYS] = { 0 }, *ratio[WAYS] = { 0 };

	while ((opt = getopt(argc, argv, "+n:r:")) != -1) {
		if (opt == 'n' && parse_count(&iterations, optarg) == 0)
			continue;
		if (opt == 'r' && parse_count(&rounds, optarg) == 0)
			continue;
		fprintf(stderr, "usage: spawn_interleave [-n ITERATIONS] [-r ROUNDS] PROGRAM [ARG...]\n");
		return 2;
	}
	if (optind >= argc || !strchr(argv[optind], '/')) {
		fprintf(stderr, "spawn_interleave: PROGRAM must be given as a path (with a slash)\n");
		return 2;
	}
	c.argv = argv + optind;
	memfd = memfd_create("spawn_interleave", MFD_CLOEXEC);
	if (memfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, other) || attr_setup(&c.attr) ||
	    spawn_wait_with_signals(sock[0])) {
		perror("spawn_interleave: setup");
		return 1;
	}
	c.signal_spec = (struct spawn_spec){ .argv = c.argv, .timeout_s = 60, .output_fd = memfd,
					     .cancel_fd = sock[0], .actions = &c.actions };
	/* A cancel_fd the signal wait was not set up for: the pidfd poll. */
	c.poll_spec = c.signal_spec;
	c.poll_spec.cancel_fd = other[0];
	for (int w = 0; w < WAYS; w++)
		if (!(ratio[w] = calloc((size_t)rounds, sizeof(double)))) {
			perror("spawn_interleave");
			return 1;
		}

	for (int r = 0; r < rounds; r++) {
		double sum[WAYS] = { 0 };

		for (int i = 0; i < iterations; i++)
			for (int k = 0; k < WAYS; k++) {
				/* Rotate the order, so no way always follows the same one. */
				int w = (k + i) % WAYS;
				int64_t ns = spawn_way(&c, (enum way)w);

				if (ns < 0) {
					fprintf(stderr, "spawn_interleave: %s: %s failed\n",
						way_names[w], c.argv[0]);
					return 1;
				}
				sum[w] += (double)ns;
				if (ftruncate(memfd, 0) || lseek(memfd, 0, SEEK_SET)) {
					/* a memfd does not refuse */
				}
			}
		for (int w = 0; w < WAYS; w++) {
			total[w] += sum[w];
			ratio[w][r] = sum[w] / sum[WAY_LOOP];
		}
	}

	printf("%s: %d rounds of %d iterations per way, interleaved\n", c.argv[0], rounds,
	       iterations);
	printf("%-8s %10s %8s %8s %17s\n", "way", "mean", "ratio", "median", "per-round range");
	for (int w = 0; w < WAYS; w++) {
		qsort(ratio[w], (size_t)rounds, sizeof(double), cmp_double);
		printf("%-8s %8.1f us %8.4f %8.4f  %7.4f..%.4f\n", way_names[w],
		       total[w] / rounds / iterations / 1e3, total[w] / total[WAY_LOOP],
		       ratio[w][rounds / 2], ratio[w][0], ratio[w][rounds - 1]);
	}
	for (int w = 0; w < WAYS; w++)
		free(ratio[w]);
	spawn_actions_clear(&c.actions);
	posix_spawnattr_destroy(&c.attr);
	return 0;
}
