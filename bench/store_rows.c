/* bench/store_rows: the store's cost per iteration row on two stores (a
 * SQLite file and a PostgreSQL database), through store/store.h, alternating
 * the two round by round in one process (bench/fleet_bench.sh).
 *
 *   store_rows [-r RUNS] [-b BENCHES] [-s SAMPLES] [-k ROUNDS] LOCATION_A LOCATION_B
 *
 * A location is a file path (SQLite) or a postgresql:// URI. Each round
 * writes, to each store in turn (which goes first alternates), RUNS runs of
 * BENCHES benchmarks x SAMPLES samples two ways, each timed apart:
 * - burst: store_iterations_add once per benchmark (one transaction of
 *   SAMPLES rows), as the runner's measurement loop writes a burst;
 * - single: store_iteration_add per row (a transaction each), as fill_store
 *   wrote before and a slow benchmark's rows arrive one at a time.
 * Both connections are opened as the runner opens its own (STORE_SYNC_NORMAL).
 * Runs are queued, started and finished (failed) outside the timed regions.
 * Prints one line per round and store, then the median, minimum and maximum
 * over rounds of microseconds per row and the ratio B/A of the medians and
 * of each round. Defaults: 4 runs x 20 benchmarks x 30 samples, 7 rounds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#define MAX_ROUNDS 99
#define NBENCH_NAMES 20

enum way { WAY_BURST, WAY_SINGLE, NWAYS };

static const char *const way_names[NWAYS] = {"burst", "single"};

struct shape {
	int runs, benches, samples, rounds;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double sorted[MAX_ROUNDS];
	memcpy(sorted, v, (size_t)n * sizeof(*v));
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_double);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

static void min_max(double *lo, double *hi, const double *v, int n)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

/* A queued run, started as the runner starts one. */
static int run_start(struct store *store, int64_t *id)
{
	static const char host[] = "{\"hostname\": \"store-rows-bench\"}";
	struct store_new_run run = {"HEAD", "0123456789abcdef0123456789abcdef01234567", "{}",
				    false, NULL};
	if (store_runs_queue(store, id, &run, 1, (size_t)-1) ||
	    store_run_progress(store, *id, RUN_RUNNING, "", host))
		return -1;
	return 0;
}

/* Seconds spent writing the shape's rows into store one way (0 on failure,
 * said on standard error). */
static double write_rows(struct store *store, const struct shape *sh, enum way way,
			 struct store_iteration *its, char (*names)[16])
{
	double spent = 0.0;
	for (int r = 0; r < sh->runs; r++) {
		int64_t id = 0;
		double t0;
		int rc = 0;
		if (run_start(store, &id))
			goto fail;
		t0 = now_s();
		for (int b = 0; b < sh->benches && !rc; b++) {
			for (int i = 0; i < sh->samples; i++) {
				int64_t wall = 1000000 + (int64_t)(b * 1000 + i);
				its[i] = (struct store_iteration){
					.benchmark = names[b % NBENCH_NAMES],
					.iteration = i + 1,
					.wall_ns = wall,
					.user_ns = wall * 9 / 10,
					.sys_ns = wall / 20,
					.maxrss_bytes = 4 << 20,
				};
				if (way == WAY_SINGLE && (rc = store_iteration_add(store, id, &its[i])))
					break;
			}
			if (way == WAY_BURST && !rc)
				rc = store_iterations_add(store, id, its, (size_t)sh->samples);
		}
		spent += now_s() - t0;
		if (rc || store_run_finish(store, id, RUN_FAILED, "store_rows bench", NULL))
			goto fail;
	}
	return spent;
fail:
	fprintf(stderr, "store_rows: %s\n", store_errmsg(store));
	return 0.0;
}

static void usage(void)
{
	fprintf(stderr, "usage: store_rows [-r RUNS] [-b BENCHES] [-s SAMPLES] [-k ROUNDS]"
			" LOCATION_A LOCATION_B\n");
}

static int parse_shape(struct shape *sh, int argc, char **argv)
{
	int opt;
	while ((opt = getopt(argc, argv, "r:b:s:k:")) != -1) {
		int v = atoi(optarg);
		if (v < 1)
			return -1;
		switch (opt) {
		case 'r': sh->runs = v; break;
		case 'b': sh->benches = v; break;
		case 's': sh->samples = v; break;
		case 'k': sh->rounds = v; break;
		default: return -1;
		}
	}
	if (sh->rounds > MAX_ROUNDS || argc - optind != 2)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct shape sh = {4, 20, 30, 7};
	struct store *stores[2] = {NULL, NULL};
	struct store_iteration *its = NULL;
	char names[NBENCH_NAMES][16];
	/* us[store][way][round]: microseconds per row. */
	static double us[2][NWAYS][MAX_ROUNDS];
	const char *loc[2];
	double rows;
	int result = 1;
	if (parse_shape(&sh, argc, argv)) {
		usage();
		return 2;
	}
	loc[0] = argv[optind];
	loc[1] = argv[optind + 1];
	rows = (double)sh.runs * sh.benches * sh.samples;
	for (int b = 0; b < NBENCH_NAMES; b++)
		snprintf(names[b], sizeof(names[b]), "bench-%02d", b);
	if (!(its = calloc((size_t)sh.samples, sizeof(*its)))) {
		fprintf(stderr, "store_rows: out of memory\n");
		return 1;
	}
	for (int s = 0; s < 2; s++) {
		if (store_open(&stores[s], loc[s], STORE_SYNC_NORMAL)) {
			fprintf(stderr, "store_rows: %s: %s\n", loc[s], store_errmsg(stores[s]));
			goto out;
		}
	}
	printf("%d runs x %d benchmarks x %d samples = %.0f rows per store, way and round\n",
	       sh.runs, sh.benches, sh.samples, rows);
	/* A first round untimed: the benchmarks' rows, the connections' caches. */
	for (int s = 0; s < 2; s++)
		for (int w = 0; w < NWAYS; w++)
			if (write_rows(stores[s], &sh, (enum way)w, its, names) == 0.0)
				goto out;
	for (int k = 0; k < sh.rounds; k++) {
		for (int j = 0; j < 2; j++) {
			/* Alternate which store goes first, and the ways within it. */
			int s = (k + j) % 2;
			for (int v = 0; v < NWAYS; v++) {
				int w = (k + v) % NWAYS;
				double spent = write_rows(stores[s], &sh, (enum way)w, its, names);
				if (spent == 0.0)
					goto out;
				us[s][w][k] = spent / rows * 1e6;
			}
		}
		printf("round %d: A burst %.2f single %.2f, B burst %.2f single %.2f us/row\n", k + 1,
		       us[0][WAY_BURST][k], us[0][WAY_SINGLE][k], us[1][WAY_BURST][k],
		       us[1][WAY_SINGLE][k]);
		fflush(stdout);
	}
	for (int w = 0; w < NWAYS; w++) {
		double ratio[MAX_ROUNDS], lo[3], hi[3], med[3];
		for (int k = 0; k < sh.rounds; k++)
			ratio[k] = us[1][w][k] / us[0][w][k];
		for (int s = 0; s < 2; s++) {
			med[s] = median(us[s][w], sh.rounds);
			min_max(&lo[s], &hi[s], us[s][w], sh.rounds);
		}
		min_max(&lo[2], &hi[2], ratio, sh.rounds);
		printf("%s: A %.2f us/row (%.2f..%.2f), B %.2f us/row (%.2f..%.2f),"
		       " B/A %.2f (rounds %.2f..%.2f)\n",
		       way_names[w], med[0], lo[0], hi[0], med[1], lo[1], hi[1], med[1] / med[0],
		       lo[2], hi[2]);
	}
	result = 0;
out:
	store_free(stores[0]);
	store_free(stores[1]);
	free(its);
	return result;
}
