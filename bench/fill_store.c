/* bench/fill_store: a data directory full of finished runs, for
 * bench/views_bench.sh.
 *
 *   fill_store [--step BENCH:INDEX:FACTOR]... [--seed N] DATA_DIR HASHES CONFIG
 *
 * HASHES holds full commit hashes, one a line, oldest first; CONFIG is a
 * benchmark configuration (its benchmarks and their "runs" give the shape).
 * Every commit gets one done run on this host, written through store/store.h
 * (into DATA_DIR's file, or the PostgreSQL database BENCHFS_STORE names)
 * the way the runner writes one: queued, progress with system.json (so the
 * host is this machine's hostname), measured iterations, and result.json from
 * runner/result.c. The wall times are synthetic: benchmark j takes about
 * 0.2 ms * 1.35^j with 1% log-normal noise and an occasional +30% outlier;
 * each --step multiplies benchmark BENCH (0-based) by FACTOR from commit
 * number INDEX (0-based) on. Prints one line per planted step
 * ("step <bench> <commit> <factor>") and a summary on standard error. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config/config.h"
#include "runner/hostinfo.h"
#include "runner/result.h"
#include "store/paths.h"
#include "store/store.h"

#define MAX_STEPS 64

struct step {
	size_t bench, index;
	double factor;
};

struct fill {
	struct store *store;
	struct config *config;
	char *config_json, *host_json;
	struct step steps[MAX_STEPS];
	size_t nsteps;
	uint64_t rng;
};

/* splitmix64: a fixed sequence for a fixed seed, so refills are identical. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *state)
{
	return ((double)(rng_next(state) >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_gauss(uint64_t *state)
{
	double u = rng_uniform(state), v = rng_uniform(state);
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static double bench_factor(const struct fill *f, size_t bench, size_t index)
{
	double factor = 1.0;
	for (size_t s = 0; s < f->nsteps; s++)
		if (f->steps[s].bench == bench && index >= f->steps[s].index)
			factor *= f->steps[s].factor;
	return factor;
}

static int parse_step(struct fill *f, const char *text)
{
	struct step *s = &f->steps[f->nsteps];
	char *end;
	if (f->nsteps == MAX_STEPS)
		return -1;
	s->bench = strtoul(text, &end, 10);
	if (*end != ':')
		return -1;
	s->index = strtoul(end + 1, &end, 10);
	if (*end != ':')
		return -1;
	s->factor = strtod(end + 1, &end);
	if (*end || !(s->factor > 0.0))
		return -1;
	f->nsteps++;
	return 0;
}

/* The hashes of the file, oldest first (malloc'd). */
static int read_hashes(char (**out)[STORE_HASH_LEN + 1], size_t *n, const char *path)
{
	FILE *file = fopen(path, "r");
	char line[256], (*list)[STORE_HASH_LEN + 1] = NULL;
	size_t count = 0, cap = 0;
	if (!file) {
		fprintf(stderr, "fill_store: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), file)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		if (strlen(line) != STORE_HASH_LEN || strspn(line, "0123456789abcdef") != STORE_HASH_LEN) {
			fprintf(stderr, "fill_store: %s: not a full hash: %s\n", path, line);
			goto fail;
		}
		if (count == cap) {
			void *grown = realloc(list, (cap = cap ? cap * 2 : 1024) * sizeof(*list));
			if (!grown)
				goto fail;
			list = grown;
		}
		memcpy(list[count++], line, STORE_HASH_LEN + 1);
	}
	fclose(file);
	*out = list;
	*n = count;
	return 0;
fail:
	fclose(file);
	free(list);
	return -1;
}

/* One commit's done run: the runner's sequence of store calls. */
static int fill_commit(struct fill *f, const char *commit, size_t index)
{
	const struct config *cfg = f->config;
	struct store_new_run new_run = {commit, commit, f->config_json, false, NULL};
	struct result_bench *benches = calloc(cfg->nbenchmarks, sizeof(*benches));
	struct result_input in = {.commit = commit, .revision = commit, .host_json = f->host_json,
				  .benches = benches, .nbenches = cfg->nbenchmarks};
	char err[512], *result_json = NULL;
	int64_t id = 0;
	int result = -1;
	if (!benches)
		return -1;
	if (store_runs_queue(f->store, &id, &new_run, 1, (size_t)-1) ||
	    store_run_progress(f->store, id, RUN_RUNNING, "", f->host_json)) {
		fprintf(stderr, "fill_store: %s\n", store_errmsg(f->store));
		goto done;
	}
	in.run_id = id;
	for (size_t b = 0; b < cfg->nbenchmarks; b++) {
		const struct bench_config *bc = &cfg->benchmarks[b];
		struct store_iteration *its = calloc((size_t)bc->runs, sizeof(*its));
		double base = 0.2e-3 * pow(1.35, (double)b) * bench_factor(f, b, index);
		benches[b] = (struct result_bench){.bench = bc, .iterations = its, .n = (size_t)bc->runs};
		if (!its)
			goto done;
		for (int i = 0; i < bc->runs; i++) {
			double wall = base * exp(0.01 * rng_gauss(&f->rng));
			if (rng_uniform(&f->rng) < 0.02)
				wall *= 1.3; /* an interrupted iteration now and then */
			its[i] = (struct store_iteration){
				.benchmark = bc->name,
				.iteration = i + 1,
				.wall_ns = (int64_t)(wall * 1e9),
				.user_ns = (int64_t)(wall * 0.9e9),
				.sys_ns = (int64_t)(wall * 0.05e9),
				.maxrss_bytes = 4096 * 1024 + (int64_t)b * 102400,
			};
		}
		/* One transaction per benchmark, as the runner writes a burst: on
		 * PostgreSQL a commit per sample would be most of the fill's time. */
		if (store_iterations_add(f->store, id, its, (size_t)bc->runs)) {
			fprintf(stderr, "fill_store: %s\n", store_errmsg(f->store));
			goto done;
		}
	}
	if (!(result_json = result_render(&in, err, sizeof(err)))) {
		fprintf(stderr, "fill_store: result.json: %s\n", err);
		goto done;
	}
	if (store_run_finish(f->store, id, RUN_DONE, "", result_json)) {
		fprintf(stderr, "fill_store: %s\n", store_errmsg(f->store));
		goto done;
	}
	result = 0;
done:
	for (size_t b = 0; b < cfg->nbenchmarks; b++)
		free((void *)benches[b].iterations);
	free(benches);
	free(result_json);
	return result;
}

static void usage(void)
{
	fprintf(stderr, "usage: fill_store [--step BENCH:INDEX:FACTOR]... [--seed N]"
			" DATA_DIR HASHES CONFIG\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"step", required_argument, NULL, 's'},
		{"seed", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct fill f = {.rng = 1};
	char (*hashes)[STORE_HASH_LEN + 1] = NULL, path[4096], err[512];
	size_t nhashes = 0, samples = 0;
	struct timespec t0, t1;
	int opt, result = 1;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 's' && parse_step(&f, optarg) == 0)
			continue;
		if (opt == 'r') {
			f.rng = strtoull(optarg, NULL, 10);
			continue;
		}
		usage();
		return 2;
	}
	if (argc - optind != 3) {
		usage();
		return 2;
	}
	if (read_hashes(&hashes, &nhashes, argv[optind + 1]))
		return 1;
	if (config_load(&f.config, argv[optind + 2], err, sizeof(err))) {
		fprintf(stderr, "fill_store: %s\n", err);
		goto out;
	}
	for (size_t s = 0; s < f.nsteps; s++) {
		if (f.steps[s].bench >= f.config->nbenchmarks || f.steps[s].index >= nhashes) {
			fprintf(stderr, "fill_store: step %zu:%zu is outside %zu benchmarks x %zu commits\n",
				f.steps[s].bench, f.steps[s].index, f.config->nbenchmarks, nhashes);
			goto out;
		}
	}
	if (mkdir(argv[optind], 0755) && errno != EEXIST) {
		fprintf(stderr, "fill_store: %s: %s\n", argv[optind], strerror(errno));
		goto out;
	}
	/* The data directory's file, or the database BENCHFS_STORE names. */
	if (store_path_db(path, sizeof(path), argv[optind])) {
		fprintf(stderr, "fill_store: %s: path too long\n", argv[optind]);
		goto out;
	}
	if (!(f.config_json = config_to_json(f.config)) || !(f.host_json = hostinfo_json())) {
		fprintf(stderr, "fill_store: out of memory\n");
		goto out;
	}
	if (store_open(&f.store, path, STORE_SYNC_NORMAL)) {
		fprintf(stderr, "fill_store: %s: %s\n", path, store_errmsg(f.store));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < nhashes; i++)
		if (fill_commit(&f, hashes[i], i))
			goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (size_t b = 0; b < f.config->nbenchmarks; b++)
		samples += (size_t)f.config->benchmarks[b].runs;
	for (size_t s = 0; s < f.nsteps; s++)
		printf("step %s %s %.3f\n", f.config->benchmarks[f.steps[s].bench].name,
		       hashes[f.steps[s].index], f.steps[s].factor);
	fprintf(stderr, "fill_store: %zu runs, %zu benchmarks, %zu samples in %.1f s\n", nhashes,
		f.config->nbenchmarks, samples * nhashes,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	result = 0;
out:
	store_free(f.store);
	config_free(f.config);
	free(f.config_json);
	free(f.host_json);
	free(hashes);
	return result;
}
