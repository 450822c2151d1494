/* Benchmark of the hot stats functions: prints the time per call.
 *   stats_bench [seconds-per-case]   (default 0.3)
 * Tests run on pairs of 1000 samples, change points on a 2000-point series. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stats/changepoint.h"
#include "stats/describe.h"
#include "stats/hypothesis.h"
#include "stats/outliers.h"

static uint64_t rng_state = 0x5eed;

static double gauss(void)
{
	double u[2];
	for (int i = 0; i < 2; i++) {
		uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		u[i] = ((double)(z >> 11) + 0.5) / 9007199254740992.0;
	}
	return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define NS 1000
#define NP 2000

static double a[NS], b[NS], scratch[NS * 2 + 16], series[NP];
static size_t idx[NS];
static volatile double sink;

enum which { DESCRIBE, OUTLIERS_MAD, WELCH, MWU, RATIO, COMPARE, CHANGEPOINTS, CHANGEPOINTS_FLAT };

static void *cp_work;
static size_t cp_work_size;
static double flat[NP];

static void run(enum which w)
{
	int rc = STATS_OK;
	switch (w) {
	case DESCRIBE: {
		struct stats_summary s;
		rc = stats_describe(&s, a, NS, scratch);
		sink = s.mad;
		break;
	}
	case OUTLIERS_MAD: {
		size_t c;
		rc = stats_outliers_mad(&c, idx, a, NS, STATS_MODIFIED_Z_THRESHOLD, scratch);
		sink = (double)c;
		break;
	}
	case WELCH: {
		struct stats_welch r;
		rc = stats_welch_test(&r, a, NS, b, NS);
		sink = r.p;
		break;
	}
	case MWU: {
		struct stats_mwu r;
		rc = stats_mann_whitney_test(&r, a, NS, b, NS, STATS_MWU_AUTO, scratch,
					     sizeof scratch / sizeof scratch[0]);
		sink = r.p;
		break;
	}
	case RATIO: {
		struct stats_ratio r;
		rc = stats_ratio_ci(&r, a, NS, b, NS, 0.99);
		sink = r.lo;
		break;
	}
	case COMPARE: {
		struct stats_comparison c;
		rc = stats_compare(&c, a, NS, b, NS, STATS_DEFAULT_ALPHA, STATS_DEFAULT_THRESHOLD);
		sink = (double)c.verdict;
		break;
	}
	case CHANGEPOINTS:
	case CHANGEPOINTS_FLAT: {
		struct stats_changepoint cp[16];
		size_t n;
		rc = stats_find_changepoints(cp, &n, 16, w == CHANGEPOINTS ? series : flat, NULL, NP, NP,
					     NULL, cp_work, cp_work_size);
		sink = (double)n;
		break;
	}
	}
	if (rc != STATS_OK) {
		fprintf(stderr, "stats_bench: %s\n", stats_strerror(rc));
		exit(1);
	}
}

static void bench(const char *name, enum which w, double budget)
{
	run(w); /* warm up */
	long calls = 0;
	double t0 = now(), t;
	do {
		run(w);
		calls++;
		t = now();
	} while (t - t0 < budget);
	double per = (t - t0) / (double)calls;
	if (per >= 1e-3)
		printf("%-44s %10.3f ms/call  (%ld calls)\n", name, per * 1e3, calls);
	else
		printf("%-44s %10.3f us/call  (%ld calls)\n", name, per * 1e6, calls);
}

int main(int argc, char **argv)
{
	double budget = argc > 1 ? atof(argv[1]) : 0.3;
	if (!(budget > 0.0))
		budget = 0.3;
	for (size_t i = 0; i < NS; i++) {
		a[i] = 10.0 * (1.0 + 0.03 * gauss());
		b[i] = 10.2 * (1.0 + 0.03 * gauss());
	}
	for (size_t i = 0; i < NP; i++) {
		double level = i < 700 ? 1.0 : i < 1400 ? 1.05 : 0.98;
		series[i] = level * (1.0 + 0.02 * gauss());
		flat[i] = 1.0 + 0.02 * gauss();
	}
	cp_work_size = stats_changepoint_workspace_size(NP, NP);
	cp_work = malloc(cp_work_size);
	if (!cp_work)
		return 1;
	printf("stats_bench: %d-sample pairs, %d-point series\n", NS, NP);
	bench("stats_describe (1000)", DESCRIBE, budget);
	bench("stats_outliers_mad (1000)", OUTLIERS_MAD, budget);
	bench("stats_welch_test (1000 vs 1000)", WELCH, budget);
	bench("stats_mann_whitney_test (1000 vs 1000)", MWU, budget);
	bench("stats_ratio_ci (1000 vs 1000)", RATIO, budget);
	bench("stats_compare (1000 vs 1000)", COMPARE, budget);
	bench("stats_find_changepoints (2000, 2 steps)", CHANGEPOINTS, budget);
	bench("stats_find_changepoints (2000, flat)", CHANGEPOINTS_FLAT, budget);
	free(cp_work);
	return 0;
}
