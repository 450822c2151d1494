/* Private to views/: what the export renderers share (views/export.h). */
#ifndef BENCHFS_VIEWS_INTERNAL_EXPORT_H
#define BENCHFS_VIEWS_INTERNAL_EXPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"
#include "views/context.h"
#include "views/sides.h"

/* One entry of a result.json's "results", its figures in seconds. */
struct export_bench {
	const char *name; /* benchfs's "name", else hyperfine's "command" */
	double mean, stddev, median, user, system, min, max;
	bool has_stddev;  /* null for one iteration */
	size_t runs;      /* the length of "times" */
	json_object *parameters; /* {"name": "value"}, NULL when none */
	bool has_instructions;
	int64_t instructions;
};

/* One metric besides wall time (cpu, memory, a declared one) of a run: its
 * definition and its per-iteration values of each benchmark. */
struct export_metric {
	struct store_metric_def def;
	struct sample_set samples;
};

/* A finished run's result.json, read, and (for the formats that carry
 * them) its metrics from the store. */
struct export_run {
	int64_t id;
	char commit[STORE_HASH_LEN + 1];
	json_object *root; /* owns what benches point into */
	struct export_bench *benches;
	size_t n;
	struct export_metric *metrics; /* a metric whose values are all 0 is left out */
	size_t nmetrics;
};

/* The mean and standard deviation (false: fewer than 2 values) of bench's
 * values of metric m; false when bench has none. */
bool export_metric_of(double *mean, double *sd, bool *has_sd, const struct export_metric *m,
		      const char *bench);

int export_bmf(struct strbuf *out, const struct export_run *run);
int export_gab(struct strbuf *out, const struct export_run *run);
/* github-action-benchmark's customBiggerIsBetter input: the metrics where
 * higher is better ("[]" when there are none). */
int export_gab_bigger(struct strbuf *out, const struct export_run *run);
int export_csv(struct strbuf *out, const struct export_run *run);
int export_md(struct strbuf *out, const struct export_run *run);
/* The JUnit report of compare/<a>..<b>: 0, or a negative errno with err set. */
int export_junit(struct strbuf *out, const struct view_ctx *ctx, const char *a, const char *b,
		 char *err, size_t errsize);

/* A double as Rust's Display prints it (hyperfine's CSV): the shortest
 * digits that read back as the same double, never an exponent ("1",
 * "0.0601", "16.5"). */
void export_shortest(char *buf, size_t size, double v);

#endif
