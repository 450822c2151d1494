/* result.json: hyperfine's JSON export format, with benchfs's fields beside it. */
#ifndef BENCHFS_RUNNER_RESULT_H
#define BENCHFS_RUNNER_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

struct result_bench {
	const struct bench_config *bench;
	const struct store_iteration *iterations; /* measured iterations, in order */
	size_t n;
};

struct result_input {
	int64_t run_id;
	const char *commit;
	const char *revision;
	const char *host_json; /* system.json text, embedded as "host"; may be NULL */
	const struct result_bench *benches;
	size_t nbenches;
};

/* Render result.json (pretty, deterministic). malloc'd; NULL with a message in
 * err when a statistic cannot be computed or memory runs out. */
char *result_render(const struct result_input *in, char *err, size_t errsize);

/* A run directory's name: the id zero-padded to six digits. */
void run_dir_name(char *buf, size_t size, int64_t run_id);

#endif
