/* A program of known duration for bench/overhead.sh: keeps one CPU busy for
 * the given number of milliseconds, then exits with status 0.
 *
 *   busy_loop MILLISECONDS
 *
 * The work is calibrated against the monotonic clock rather than counted in
 * loop iterations: a fixed iteration count would run longer or shorter with
 * the CPU's frequency and the machine's noise, and a difference between the
 * tools timing it would drown in that. Here the loop does a short burst of
 * arithmetic (a few microseconds) between clock reads and stops at the first
 * read past the deadline, so every run lasts the requested time from main()
 * on, plus the fixed cost of exec and exit, whatever the CPU. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Arithmetic between clock reads: about 1-5 us on current CPUs, so the
 * overshoot past the deadline is far below 1% of a millisecond-scale run. */
#define BURST 2000

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	/* volatile: the compiler must not fold the burst away. */
	volatile uint64_t x = 88172645463325252ULL;
	int64_t deadline;
	char *end;
	double ms;

	if (argc != 2) {
		fprintf(stderr, "usage: busy_loop MILLISECONDS\n");
		return 2;
	}
	errno = 0;
	ms = strtod(argv[1], &end);
	if (errno || end == argv[1] || *end || !(ms >= 0 && ms <= 3600e3)) {
		fprintf(stderr, "busy_loop: '%s' is not a duration in milliseconds (0 to 3600000)\n",
			argv[1]);
		return 2;
	}
	deadline = now_ns() + (int64_t)(ms * 1e6);
	while (now_ns() < deadline) {
		for (int i = 0; i < BURST; i++) {
			uint64_t v = x; /* xorshift: cheap, and not reducible */

			v ^= v << 13;
			v ^= v >> 7;
			v ^= v << 17;
			x = v;
		}
	}
	return 0;
}
