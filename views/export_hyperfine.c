/* hyperfine's CSV and Markdown exports of one run, byte for byte as
 * hyperfine writes them for the same figures (src/export/csv.rs, markup.rs
 * and markdown.rs of hyperfine 1.x), with benchfs's benchmark name where
 * hyperfine writes the command, as `hyperfine --command-name` does. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "views/internal_export.h"

/* ---- CSV ---- */

/* A field as Rust's csv crate writes it: quoted when it holds a comma, a
 * quote, CR or LF, quotes doubled. */
static void csv_field(struct strbuf *out, const char *s, bool first)
{
	if (!first)
		strbuf_addch(out, ',');
	if (!s[strcspn(s, ",\"\r\n")]) {
		strbuf_addstr(out, s);
		return;
	}
	strbuf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, *s);
	}
	strbuf_addch(out, '"');
}

static void csv_number(struct strbuf *out, double v)
{
	char text[400];
	export_shortest(text, sizeof(text), v);
	csv_field(out, text, false);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The parameter names of every benchmark, sorted, each once. hyperfine
 * takes the first result's (one parameter set for all its commands); a
 * benchfs run may give each benchmark its own, so each gets its column. */
static int param_names(const char ***out, size_t *n, const struct export_run *run)
{
	const char **names = NULL;
	size_t count = 0, alloc = 0, kept = 0;
	for (size_t i = 0; i < run->n; i++) {
		if (!run->benches[i].parameters)
			continue;
		json_object_object_foreach(run->benches[i].parameters, key, value) {
			(void)value;
			if (ALLOC_GROW(names, count + 1, alloc)) {
				free(names);
				return -ENOMEM;
			}
			names[count++] = key;
		}
	}
	if (count)
		qsort(names, count, sizeof(*names), by_name);
	for (size_t i = 0; i < count; i++)
		if (!kept || strcmp(names[kept - 1], names[i]) != 0)
			names[kept++] = names[i];
	*out = names;
	*n = kept;
	return 0;
}

int export_csv(struct strbuf *out, const struct export_run *run)
{
	static const char *const header[] = {"command", "mean", "stddev", "median",
					     "user",    "system", "min",   "max"};
	const char **params = NULL;
	size_t nparams = 0;
	int rc = param_names(&params, &nparams, run);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
		csv_field(out, header[i], i == 0);
	for (size_t i = 0; i < nparams; i++) {
		strbuf_addstr(out, ",");
		/* "parameter_<name>", quoted as one field when it must be. */
		char *name = NULL;
		if (asprintf(&name, "parameter_%s", params[i]) < 0) {
			free(params);
			return -ENOMEM;
		}
		csv_field(out, name, true);
		free(name);
	}
	strbuf_addch(out, '\n');
	for (size_t i = 0; i < run->n; i++) {
		const struct export_bench *b = &run->benches[i];
		csv_field(out, b->name, true);
		csv_number(out, b->mean);
		csv_number(out, b->has_stddev ? b->stddev : 0);
		csv_number(out, b->median);
		csv_number(out, b->user);
		csv_number(out, b->system);
		csv_number(out, b->min);
		csv_number(out, b->max);
		for (size_t p = 0; p < nparams; p++) {
			json_object *v = NULL;
			const char *value = "";
			if (b->parameters && json_object_object_get_ex(b->parameters, params[p], &v) &&
			    json_object_is_type(v, json_type_string))
				value = json_object_get_string(v);
			csv_field(out, value, false);
		}
		strbuf_addch(out, '\n');
	}
	free(params);
	return strbuf_error(out);
}

/* ---- Markdown ---- */

enum md_unit { MD_S, MD_MS, MD_US };

/* hyperfine's unit for the whole table: the first result's mean decides. */
static enum md_unit md_unit_for(double seconds)
{
	return seconds < 0.001 ? MD_US : seconds < 1.0 ? MD_MS : MD_S;
}

static void md_value(char *buf, size_t size, double seconds, enum md_unit unit)
{
	if (unit == MD_S)
		snprintf(buf, size, "%.3f", seconds);
	else
		snprintf(buf, size, "%.1f", seconds * (unit == MD_MS ? 1e3 : 1e6));
}

/* Rust's "{:.2}": "NaN" and "inf" as Rust spells them. */
static void md_fixed2(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "NaN");
	else
		snprintf(buf, size, "%.2f", v);
}

/* The relative speed against the fastest mean (the first of equals) and
 * its propagated standard deviation, as hyperfine computes them. */
static void md_relative(char *buf, size_t size, const struct export_bench *b,
			const struct export_bench *ref)
{
	double ratio;
	char r[64], sd[64];
	if (b->mean == 0) {
		md_fixed2(buf, size, b == ref ? 1.0 : INFINITY);
		return;
	}
	ratio = b->mean < ref->mean ? ref->mean / b->mean
		: b->mean > ref->mean ? b->mean / ref->mean
				      : 1.0;
	md_fixed2(r, sizeof(r), ratio);
	if (b == ref || !b->has_stddev || !ref->has_stddev) {
		snprintf(buf, size, "%s", r);
		return;
	}
	md_fixed2(sd, sizeof(sd),
		  ratio * sqrt(pow(b->stddev / b->mean, 2) + pow(ref->stddev / ref->mean, 2)));
	snprintf(buf, size, "%s ± %s", r, sd);
}

int export_md(struct strbuf *out, const struct export_run *run)
{
	static const char *const unit_names[] = {[MD_S] = "s", [MD_MS] = "ms", [MD_US] = "µs"};
	enum md_unit unit = run->n ? md_unit_for(run->benches[0].mean) : MD_S;
	const char *u = unit_names[unit];
	const struct export_bench *ref = NULL;
	for (size_t i = 0; i < run->n; i++)
		if (!ref || run->benches[i].mean < ref->mean)
			ref = &run->benches[i];
	strbuf_addf(out, "| Command | Mean [%s] | Min [%s] | Max [%s] | Relative |\n", u, u, u);
	strbuf_addstr(out, "|:---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < run->n; i++) {
		const struct export_bench *b = &run->benches[i];
		char mean[64], sd[64], min[64], max[64], rel[160];
		strbuf_addstr(out, "| `");
		for (const char *c = b->name; *c; c++)
			if (*c == '|')
				strbuf_addstr(out, "\\|");
			else
				strbuf_addch(out, *c);
		md_value(mean, sizeof(mean), b->mean, unit);
		md_value(min, sizeof(min), b->min, unit);
		md_value(max, sizeof(max), b->max, unit);
		md_relative(rel, sizeof(rel), b, ref);
		strbuf_addf(out, "` | %s", mean);
		if (b->has_stddev) {
			md_value(sd, sizeof(sd), b->stddev, unit);
			strbuf_addf(out, " ± %s", sd);
		}
		strbuf_addf(out, " | %s | %s | %s |\n", min, max, rel);
	}
	return strbuf_error(out);
}
