/* Private to queue/: what queue/import.c (the front doors, writing to the
 * store) and queue/import_parse.c (reading hyperfine's and benchfs's files)
 * share. */
#ifndef BENCHFS_QUEUE_INTERNAL_IMPORT_H
#define BENCHFS_QUEUE_INTERNAL_IMPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "queue/import.h"
#include "store/store.h"

/* Longer than any benchmark runs; keeps seconds * 1e9 within int64. */
#define TIME_MAX_S 1e7
#define ITERATIONS_MAX 10000000

struct bench_in {
	char *name;
	size_t n;
	struct store_iteration *its; /* n, benchmark pointing at name */
};

/* One run to import, parsed and checked. */
struct run_in {
	bool hyperfine;
	char commit[STORE_HASH_LEN + 1];
	char *revision, *config_json, *system_json, *key, *detail, *from, *host;
	json_object *result; /* benchfs: the result.json as measured, rewritten at import */
	struct config *config; /* hyperfine: the configuration its result.json is rendered with */
	struct bench_in *benches;
	size_t nbenches;
	struct store_import_metric *metrics;
	size_t nmetrics, cap_metrics;
	int64_t orig_id, orig_pair; /* benchfs: the run it was, and its A/B partner (0: none) */
};

struct job {
	struct run_in *runs;
	size_t n, cap;
	char *err;
	size_t errsize;
	const char *source;
};

/* err: "<source>: <message>"; returns rc. */
int import_fail(struct job *job, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parsing JSON text of a file (what: for the message). */
int import_parse_json(json_object **out, struct job *job, const char *what, const char *text,
		      size_t len);
/* o's string at key, or NULL. */
const char *import_string_at(json_object *o, const char *key);
int import_required_string(const char **out, struct job *job, json_object *o, const char *key,
			   const char *where);
int import_add_metric(struct run_in *r, const char *bench, const char *name, double value);
/* The runs of a hyperfine export, and of a benchfs result.json (with its
 * run directory's config.json and system.json when it has one), added to
 * job. */
int import_parse_hyperfine(struct job *job, const struct import_options *opts, json_object *root,
			   const char *commit, const char *text);
int import_parse_benchfs(struct job *job, const struct import_options *opts, json_object *root,
			 const char *commit, const char *text, json_object *config,
			 json_object *system, const char *revision);

#endif
