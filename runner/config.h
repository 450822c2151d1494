/* The benchmark configuration: parsing, validation and its normalised JSON form. */
#ifndef BENCHFS_RUNNER_CONFIG_H
#define BENCHFS_RUNNER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT_WARMUP 0
#define CONFIG_DEFAULT_RUNS 10
#define CONFIG_DEFAULT_TIMEOUT 600.0
#define CONFIG_NAME_MAX 100

/* One parameter of an expanded benchmark: {name} in the command is value. */
struct bench_param {
	char *name;
	char *value;
};

/* Issue 5 adds the fields after timeout; every one of them has a top-level
 * default in the configuration, resolved per benchmark by the parser. */
struct bench_config {
	char *name;   /* with parameters: "name[size=1k,threads=1]" */
	char **argv;  /* NULL-terminated: executed directly; NULL when shell is set */
	char *shell;  /* run as /bin/sh -c shell; NULL when argv is set */
	int warmup;
	int runs;       /* fixed count when min_time is 0 */
	double timeout; /* seconds per iteration */
	/* Untimed commands (/bin/sh -c), NULL when not configured: prepare and
	 * conclude around every iteration (warmups too), setup and cleanup once. */
	char *prepare, *conclude, *setup, *cleanup;
	/* Adaptive count (hyperfine's): when min_time > 0, run until min_time
	 * seconds are measured, at least min_runs and at most max_runs times. */
	int min_runs, max_runs;
	double min_time;
	struct bench_param *params; /* after expansion: this benchmark's values */
	size_t nparams;
	bool output_discard;  /* "output": "discard" */
	bool ignore_failure;
	bool randomize_env;   /* a random environment-size offset per iteration */
	int *cpus;            /* pin the benchmark to these CPUs; NULL: no pinning */
	size_t ncpus;
	bool perf;            /* "profile": {"perf": true, "frequency": N} */
	int perf_frequency;
	bool instructions;    /* "metrics": ["instructions"] */
};

struct config {
	char *build;  /* run as /bin/sh -c build in the checkout; NULL: no build step */
	int warmup;   /* defaults each benchmark may override */
	int runs;
	double timeout;
	struct bench_config *benchmarks;
	size_t nbenchmarks;
	/* Views (issue 4): "compare": {"alpha", "threshold"} and "branch" (the
	 * tracked branch; NULL: the branch HEAD names at mount). */
	double compare_alpha, compare_threshold;
	char *branch;
};

/* Parse and validate configuration JSON. On failure returns -1 and writes a
 * one-line message naming the problem (the key, the benchmark) into err. */
int config_parse(struct config **out, const char *json_text, char *err, size_t errsize);
/* The same, from a file; a message names the file when it cannot be read. */
int config_load(struct config **out, const char *path, char *err, size_t errsize);
/* The normalised configuration (every default resolved per benchmark) as
 * pretty JSON that config_parse() reads back to the same configuration.
 * malloc'd; NULL when out of memory. */
char *config_to_json(const struct config *config);
/* The command of a benchmark as a person would read it (for hyperfine's "command"). */
char *bench_config_command_text(const struct bench_config *bench);
void config_free(struct config *config);

#endif
