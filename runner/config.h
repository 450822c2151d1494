/* The benchmark configuration: parsing, validation and its normalised JSON form. */
#ifndef BENCHFS_RUNNER_CONFIG_H
#define BENCHFS_RUNNER_CONFIG_H

#include <stddef.h>

#define CONFIG_DEFAULT_WARMUP 0
#define CONFIG_DEFAULT_RUNS 10
#define CONFIG_DEFAULT_TIMEOUT 600.0
#define CONFIG_NAME_MAX 100

struct bench_config {
	char *name;
	char **argv;  /* NULL-terminated: executed directly; NULL when shell is set */
	char *shell;  /* run as /bin/sh -c shell; NULL when argv is set */
	int warmup;
	int runs;
	double timeout; /* seconds per iteration */
};

struct config {
	char *build;  /* run as /bin/sh -c build in the checkout; NULL: no build step */
	int warmup;   /* defaults each benchmark may override */
	int runs;
	double timeout;
	struct bench_config *benchmarks;
	size_t nbenchmarks;
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
