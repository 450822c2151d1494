/* The keys of profiles by a command of the user's and of the files a
 * benchmark leaves behind:
 *
 *   "profile": {"command": ["py-spy", "record", "-o", "{out}", "--"]}
 *	one extra, unmeasured iteration: this argv, {out} replaced by a path
 *	in the run's directory, followed by the benchmark's command (its argv,
 *	or /bin/sh -c and its text); beside "perf" and "frequency".
 *   "keep": ["bench.log", "out/run-?.json"]
 *	globs relative to the checkout, copied into the run after the
 *	benchmark. Not "artifacts": the top level's "artifacts" (the build's
 *	identity) would otherwise double as every benchmark's default.
 *   "keep_max_bytes": 67108864 (top level only)
 *	the cap on what a run keeps, all benchmarks together.
 *
 * Both per-benchmark keys may be given at the top level as defaults. */
#ifndef BENCHFS_CONFIG_PROFILING_H
#define BENCHFS_CONFIG_PROFILING_H

#include <json-c/json.h>
#include <stddef.h>

#include "config/config.h"

#define PROFILING_OUT "{out}"
#define PROFILING_KEEP_MAX_DEFAULT (64LL << 20)

struct bench_profiling {
	char **command; /* NULL-terminated; NULL: no profiler command */
	char **keep;    /* NULL-terminated globs; NULL: nothing kept */
};

/* "command" inside the "profile" object value (where: its name for
 * messages); a present "profile" without it clears the inherited one. */
int profiling_parse_command(struct bench_config *b, json_object *profile, const char *where,
			    char *err, size_t errsize);
/* "keep" of the level obj, over what b inherited. */
int profiling_parse_keep(struct bench_config *b, json_object *obj, const char *where, char *err,
			 size_t errsize);
/* "keep_max_bytes" of the top level. */
int profiling_parse_top(struct config *config, json_object *root, char *err, size_t errsize);
/* Deep copy of src's (0 or -ENOMEM), and free. */
int profiling_copy(struct bench_config *dst, const struct bench_config *src);
void profiling_free(struct bench_profiling *p);
/* Writes "command" into profile and "keep" into o, when set. */
void profiling_to_json(json_object *o, json_object *profile, const struct bench_config *b);
/* "keep_max_bytes" into root when configured. */
void profiling_top_to_json(json_object *root, const struct config *config);

/* The benchmark's profiler command and globs, or NULL. */
char *const *profiling_command(const struct bench_config *b);
char *const *profiling_keep(const struct bench_config *b);
/* The cap in bytes (the default when not configured). */
long long profiling_keep_max(const struct config *config);

#endif
