/* A benchmark's "metrics" and "bytes": the figures measured besides wall
 * time. "metrics" is an object, {"instructions": true, "throughput":
 * {"unit": "MiB/s", "better": "higher"}}, or today's array form
 * ["instructions"]. "instructions" is the per-run callgrind count; every other
 * name declares a per-iteration metric the benchmark reports through the file
 * named by $BENCHFS_METRICS. "bytes": N (per iteration) derives "throughput"
 * (MiB/s, higher is better) from the wall time. A level's "metrics" and
 * "bytes" replace what it inherited, each on its own. */
#ifndef BENCHFS_CONFIG_METRICS_H
#define BENCHFS_CONFIG_METRICS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The store's limits (store/store.h, STORE_METRIC_NAME_MAX and
 * STORE_METRIC_UNIT_MAX): a metric is stored under its name. */
#define CONFIG_METRIC_NAME_MAX 63
#define CONFIG_METRIC_UNIT_MAX 31
/* The metric "bytes" derives, its unit and direction. */
#define CONFIG_METRIC_THROUGHPUT "throughput"
#define CONFIG_METRIC_THROUGHPUT_UNIT "MiB/s"

struct bench_config;

/* A declared per-iteration metric. */
struct bench_metric {
	char name[CONFIG_METRIC_NAME_MAX + 1];
	char unit[CONFIG_METRIC_UNIT_MAX + 1];
	bool higher_is_better;
};

/* [a-z][a-z0-9_]*, at most CONFIG_METRIC_NAME_MAX bytes. Says nothing of the
 * reserved names (wall, cpu, memory, instructions). */
bool config_metric_name_valid(const char *name);
/* wall, cpu, memory and instructions: what benchfs measures itself. */
bool config_metric_name_reserved(const char *name);

/* The level obj's "metrics" and "bytes" over what b inherited, and the
 * check that they do not both give "throughput". where names the level
 * ("" or "benchmarks[3]"). 0, or -EINVAL or -ENOMEM with a one-line message
 * naming the key in err. */
int config_metrics_parse(struct bench_config *b, json_object *obj, const char *where, char *err,
			 size_t errsize);
/* b's "metrics" as config_metrics_parse reads it back: today's array form
 * when nothing is declared, else the object form; and "bytes" when set
 * (added to o). */
void config_metrics_to_json(json_object *o, const struct bench_config *b);
/* A benchmark's "bytes": null when it has none but defaults do (else it
 * would read back as inherited); nothing otherwise. */
void config_metrics_unset_json(json_object *o, const struct bench_config *b,
			       const struct bench_config *defaults);
/* Deep copy of src's declared metrics into dst (instructions and bytes
 * too). 0 or -ENOMEM. */
int config_metrics_copy(struct bench_config *dst, const struct bench_config *src);
void config_metrics_clear(struct bench_config *b);
/* The declared metric called name, or NULL. */
const struct bench_metric *config_metric_find(const struct bench_config *b, const char *name);

#endif
