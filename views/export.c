/* Exports of one run (Bencher's and github-action-benchmark's JSON) and the
 * dispatch of every format (views/export.h). hyperfine's CSV and Markdown
 * are in export_hyperfine.c, JUnit in export_junit.c. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/runid.h"
#include "views/compare.h"
#include "views/export.h"
#include "views/format.h"
#include "views/internal_export.h"
#include "views/listings.h"
#include "views/sides.h"

static const char *const format_names[] = {
	[EXPORT_BMF] = "bmf", [EXPORT_GAB] = "gab", [EXPORT_JUNIT] = "junit",
	[EXPORT_CSV] = "csv", [EXPORT_MD] = "md", [EXPORT_GAB_BIGGER] = "gab-bigger",
};
#define NFORMATS (sizeof(format_names) / sizeof(format_names[0]))

int export_format_parse(enum export_format *out, const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(format_names[i], name) == 0) {
			*out = (enum export_format)i;
			return 0;
		}
	return -EINVAL;
}

const char *export_format_name(enum export_format format)
{
	return (size_t)format < NFORMATS ? format_names[format] : "?";
}

bool export_format_compares(enum export_format format)
{
	return format == EXPORT_JUNIT;
}

static const char *const extensions[] = {
	[EXPORT_BMF] = ".bmf.json", [EXPORT_GAB] = ".gab.json", [EXPORT_JUNIT] = ".junit.xml",
	[EXPORT_CSV] = ".csv",      [EXPORT_MD] = ".md",	[EXPORT_GAB_BIGGER] = ".gab-bigger.json",
};

const char *export_format_extension(enum export_format format)
{
	return (size_t)format < NFORMATS ? extensions[format] : "";
}

int export_parse_name(char **what, enum export_format *format, const char *name)
{
	size_t len = strlen(name);
	*what = NULL;
	for (size_t i = 0; i < NFORMATS; i++) {
		size_t ext = strlen(extensions[i]);
		if (len <= ext || strcmp(name + len - ext, extensions[i]) != 0)
			continue;
		if (!(*what = strndup(name, len - ext)))
			return -ENOMEM;
		*format = (enum export_format)i;
		return 0;
	}
	return -ENOENT;
}

void export_shortest(char *buf, size_t size, double v)
{
	char sci[40], digits[20], *p = buf, *end = buf + size;
	int prec, exp, nd = 0;
	if (isnan(v) || isinf(v)) {
		snprintf(buf, size, "%s", isnan(v) ? "NaN" : v < 0 ? "-inf" : "inf");
		return;
	}
	if (v == 0) {
		snprintf(buf, size, "%s", signbit(v) ? "-0" : "0");
		return;
	}
	/* The fewest significant digits that read back as v. */
	for (prec = 1; prec < 17; prec++) {
		snprintf(sci, sizeof(sci), "%.*e", prec - 1, v);
		if (strtod(sci, NULL) == v)
			break;
	}
	snprintf(sci, sizeof(sci), "%.*e", prec - 1, v);
	for (const char *c = sci; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	exp = atoi(strchr(sci, 'e') + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	/* Written out positionally: d.ddd * 10^exp. */
#define PUT(ch) (p + 1 < end ? (void)(*p++ = (ch)) : (void)0)
	if (v < 0)
		PUT('-');
	if (exp < 0) {
		PUT('0');
		PUT('.');
		for (int i = 0; i < -exp - 1; i++)
			PUT('0');
		for (int i = 0; i < nd; i++)
			PUT(digits[i]);
	} else {
		for (int i = 0; i <= exp || i < nd; i++) {
			if (i == exp + 1)
				PUT('.');
			PUT(i < nd ? digits[i] : '0');
		}
	}
#undef PUT
	if (size)
		*p = '\0';
}

int export_listing(char ***names, size_t *n, const struct view_ctx *ctx)
{
	char **pairs = NULL, **list = NULL;
	size_t npairs = 0, count = 0, alloc = 0;
	int64_t latest;
	int rc = store_latest_done(ctx->store, &latest);
	*names = NULL;
	*n = 0;
	if (rc != STORE_OK && rc != STORE_NOTFOUND)
		return store_errno(rc);
	for (size_t i = 0; rc == STORE_OK && i < NFORMATS; i++) {
		if (export_format_compares((enum export_format)i))
			continue;
		if ((rc = ALLOC_GROW(list, count + 1, alloc)))
			goto fail;
		if (asprintf(&list[count], "latest%s", extensions[i]) < 0)
			goto nomem;
		count++;
	}
	if ((rc = listing_compare(&pairs, &npairs, ctx)))
		goto fail;
	/* compare/ lists each pair as .md then .json: one report a pair. */
	for (size_t i = 0; i < npairs; i++) {
		size_t len = strlen(pairs[i]);
		if (len < 3 || strcmp(pairs[i] + len - 3, ".md") != 0)
			continue;
		if ((rc = ALLOC_GROW(list, count + 1, alloc)))
			goto fail;
		if (asprintf(&list[count], "%.*s%s", (int)(len - 3), pairs[i],
			     extensions[EXPORT_JUNIT]) < 0)
			goto nomem;
		count++;
	}
	listing_free(pairs, npairs);
	*names = list;
	*n = count;
	return 0;
nomem:
	rc = -ENOMEM;
fail:
	listing_free(pairs, npairs);
	listing_free(list, count);
	return rc;
}

/* ---- reading a run's result.json ---- */

static bool number_at(double *out, json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

static bool string_at(const char **out, json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return false;
	*out = json_object_get_string(v);
	return true;
}

/* One entry of "results"; false when it lacks what every export needs. */
static bool bench_read(struct export_bench *b, json_object *entry)
{
	json_object *v;
	memset(b, 0, sizeof(*b));
	if (!json_object_is_type(entry, json_type_object) ||
	    !(string_at(&b->name, entry, "name") || string_at(&b->name, entry, "command")) ||
	    !number_at(&b->mean, entry, "mean") || !number_at(&b->median, entry, "median") ||
	    !number_at(&b->user, entry, "user") || !number_at(&b->system, entry, "system") ||
	    !number_at(&b->min, entry, "min") || !number_at(&b->max, entry, "max") ||
	    !json_object_object_get_ex(entry, "times", &v) ||
	    !json_object_is_type(v, json_type_array))
		return false;
	b->runs = json_object_array_length(v);
	b->has_stddev = number_at(&b->stddev, entry, "stddev");
	if (json_object_object_get_ex(entry, "parameters", &v) &&
	    json_object_is_type(v, json_type_object))
		b->parameters = v;
	if (json_object_object_get_ex(entry, "instructions", &v) &&
	    json_object_is_type(v, json_type_int)) {
		b->has_instructions = true;
		b->instructions = json_object_get_int64(v);
	}
	return true;
}

static void run_clear(struct export_run *run)
{
	json_object_put(run->root);
	free(run->benches);
	for (size_t i = 0; i < run->nmetrics; i++)
		sample_set_clear(&run->metrics[i].samples);
	free(run->metrics);
	memset(run, 0, sizeof(*run));
}

/* The run's metrics besides wall time, from the store (the same samples
 * compare/ judges). One a run recorded as 0 throughout is not there. */
static int run_metrics_load(struct export_run *run, const struct view_ctx *ctx, char *err,
			    size_t errsize)
{
	struct store_metric_def *defs = NULL;
	size_t n = 0;
	int rc = store_errno(store_metrics_of_runs(ctx->store, &defs, &n, &run->id, 1, NULL));
	if (!rc && !(run->metrics = calloc(n + 1, sizeof(*run->metrics))))
		rc = -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++) {
		struct export_metric *m = &run->metrics[run->nmetrics];
		bool nonzero = false;
		m->def = defs[i];
		if ((rc = sample_set_load(&m->samples, ctx, &run->id, 1, m->def.name)))
			break;
		for (size_t b = 0; b < m->samples.n; b++)
			for (size_t k = 0; k < m->samples.benches[b].n; k++)
				nonzero = nonzero || m->samples.benches[b].values[k] != 0;
		if (nonzero)
			run->nmetrics++;
		else
			sample_set_clear(&m->samples);
	}
	free(defs);
	if (rc)
		snprintf(err, errsize, "the metrics of the run: %s", strerror(-rc));
	return rc;
}

bool export_metric_of(double *mean, double *sd, bool *has_sd, const struct export_metric *m,
		      const char *bench)
{
	const struct bench_samples *s = sample_set_find(&m->samples, bench);
	double sum = 0, sq = 0;
	if (!s || !s->n)
		return false;
	for (size_t i = 0; i < s->n; i++)
		sum += s->values[i];
	*mean = sum / (double)s->n;
	for (size_t i = 0; i < s->n; i++)
		sq += (s->values[i] - *mean) * (s->values[i] - *mean);
	*has_sd = s->n >= 2;
	*sd = *has_sd ? sqrt(sq / (double)(s->n - 1)) : 0;
	return true;
}

static int run_parse(struct export_run *run, const char *result, char *err, size_t errsize)
{
	json_object *results;
	char dir[RUNID_NAME_MAX];
	runid_dir_name(dir, sizeof(dir), run->id);
	if (!result || !(run->root = json_tokener_parse(result)) ||
	    !json_object_object_get_ex(run->root, "results", &results) ||
	    !json_object_is_type(results, json_type_array)) {
		snprintf(err, errsize, "runs/%s/result.json is not a result", dir);
		return -EIO;
	}
	run->n = json_object_array_length(results);
	if (!(run->benches = calloc(run->n + 1, sizeof(*run->benches)))) {
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < run->n; i++)
		if (!bench_read(&run->benches[i], json_object_array_get_idx(results, i))) {
			snprintf(err, errsize, "runs/%s/result.json: results[%zu] lacks a figure", dir,
				 i);
			return -EIO;
		}
	return 0;
}

/* The finished run what names: a run itself, or the newest finished run of
 * the commit a revision, baseline or `latest` resolves to. */
static int run_load(struct export_run *run, const struct view_ctx *ctx, const char *what,
		    char *err, size_t errsize)
{
	struct side_ref ref;
	struct store_run row;
	int rc = side_resolve(&ref, ctx, what);
	memset(run, 0, sizeof(*run));
	if (rc == -ENOENT) {
		snprintf(err, errsize, "%s names no finished run, baseline or revision", what);
		return rc;
	}
	if (rc) {
		snprintf(err, errsize, "%s: %s", what, strerror(-rc));
		return rc;
	}
	run->id = ref.run_id;
	if (!run->id && (rc = store_commit_latest_done(ctx->store, &run->id, ref.commit))) {
		rc = store_errno(rc);
		snprintf(err, errsize, "%s: %s", what,
			 rc == -ENOENT ? "its commit has no finished run" : strerror(-rc));
		return rc;
	}
	if ((rc = store_run_get(ctx->store, &row, run->id))) {
		rc = store_errno(rc);
		snprintf(err, errsize, "%s: %s", what, strerror(-rc));
		return rc;
	}
	memcpy(run->commit, row.commit, sizeof(run->commit));
	rc = row.state == RUN_DONE ? run_parse(run, row.result, err, errsize) : -ENOENT;
	if (rc == -ENOENT)
		snprintf(err, errsize, "%s: the run is not finished", what);
	store_run_clear(&row);
	return rc;
}

/* ---- Bencher Metric Format, github-action-benchmark ---- */

/* Seconds as nanoseconds, to the picosecond at most: result.json keeps
 * nanoseconds, and the product's last binary digits are noise. */
static json_object *json_ns(double seconds)
{
	char text[64];
	double ns = round(seconds * 1e12) / 1e3;
	export_shortest(text, sizeof(text), ns);
	return json_object_new_double_s(ns, text);
}

static void ns_text(char *buf, size_t size, double seconds)
{
	export_shortest(buf, size, round(seconds * 1e12) / 1e3);
}

static int add_json(struct strbuf *out, json_object *root)
{
	char *text = root ? json_text(root) : NULL;
	int rc = text ? strbuf_addstr(out, text) : -ENOMEM;
	free(text);
	json_object_put(root);
	return rc;
}

int export_bmf(struct strbuf *out, const struct export_run *run)
{
	json_object *root = json_object_new_object();
	for (size_t i = 0; root && i < run->n; i++) {
		const struct export_bench *b = &run->benches[i];
		json_object *measures = json_object_new_object(), *latency = json_object_new_object();
		json_object_object_add(latency, "value", json_ns(b->mean));
		/* Bencher's reading of hyperfine's JSON: one standard deviation. */
		if (b->has_stddev) {
			json_object_object_add(latency, "lower_value", json_ns(b->mean - b->stddev));
			json_object_object_add(latency, "upper_value", json_ns(b->mean + b->stddev));
		}
		json_object_object_add(measures, "latency", latency);
		if (b->has_instructions) {
			json_object *ins = json_object_new_object();
			json_object_object_add(ins, "value", json_object_new_int64(b->instructions));
			json_object_object_add(measures, "instructions", ins);
		}
		/* Bencher creates a measure the first time its name is seen; its
		 * unit is set there once. A declared metric called latency would
		 * collide with wall time's: it keeps a suffix. */
		for (size_t k = 0; k < run->nmetrics; k++) {
			const struct export_metric *m = &run->metrics[k];
			json_object *v;
			double mean, sd;
			bool has_sd;
			char slug[STORE_METRIC_NAME_MAX + 16];
			if (!export_metric_of(&mean, &sd, &has_sd, m, b->name))
				continue;
			v = json_object_new_object();
			json_object_object_add(v, "value", json_number(mean));
			if (has_sd) {
				json_object_object_add(v, "lower_value", json_number(mean - sd));
				json_object_object_add(v, "upper_value", json_number(mean + sd));
			}
			snprintf(slug, sizeof(slug), "%s%s", m->def.name,
				 strcmp(m->def.name, "latency") == 0 ? "_metric" : "");
			json_object_object_add(measures, slug, v);
		}
		json_object_object_add(root, b->name, measures);
	}
	return add_json(out, root);
}

static json_object *gab_entry(const char *name, const char *unit, json_object *value)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "unit", json_object_new_string(unit));
	json_object_object_add(o, "value", value);
	return o;
}

/* "<bench> (<metric>)" entries of the metrics of one direction. */
static int gab_metrics(json_object *root, const struct export_run *run,
		       const struct export_bench *b, bool higher)
{
	for (size_t k = 0; k < run->nmetrics; k++) {
		const struct export_metric *m = &run->metrics[k];
		char *name = NULL, range[64];
		double mean, sd;
		bool has_sd;
		json_object *o;
		if (m->def.higher_is_better != higher ||
		    !export_metric_of(&mean, &sd, &has_sd, m, b->name))
			continue;
		if (asprintf(&name, "%s (%s)", b->name, m->def.name) < 0)
			return -ENOMEM;
		o = gab_entry(name, m->def.unit, json_number(mean));
		free(name);
		if (has_sd) {
			char sdtext[40];
			export_shortest(sdtext, sizeof(sdtext), sd);
			snprintf(range, sizeof(range), "± %s", sdtext);
			json_object_object_add(o, "range", json_object_new_string(range));
		}
		json_object_array_add(root, o);
	}
	return 0;
}

int export_gab_bigger(struct strbuf *out, const struct export_run *run)
{
	json_object *root = json_object_new_array();
	for (size_t i = 0; root && i < run->n; i++)
		if (gab_metrics(root, run, &run->benches[i], true)) {
			json_object_put(root);
			return -ENOMEM;
		}
	return add_json(out, root);
}

int export_gab(struct strbuf *out, const struct export_run *run)
{
	json_object *root = json_object_new_array();
	char dir[RUNID_NAME_MAX], median[40], min[40], max[40], sd[40];
	runid_dir_name(dir, sizeof(dir), run->id);
	for (size_t i = 0; root && i < run->n; i++) {
		const struct export_bench *b = &run->benches[i];
		/* One unit for every commit: a chart of nanoseconds never jumps by
		 * a factor of 1000 where another unit would start. */
		json_object *o = gab_entry(b->name, "ns", json_ns(b->mean));
		char extra[512], *name = NULL;
		ns_text(median, sizeof(median), b->median);
		ns_text(min, sizeof(min), b->min);
		ns_text(max, sizeof(max), b->max);
		if (b->has_stddev) {
			char range[48];
			ns_text(sd, sizeof(sd), b->stddev);
			snprintf(range, sizeof(range), "± %s", sd);
			json_object_object_add(o, "range", json_object_new_string(range));
		}
		snprintf(extra, sizeof(extra),
			 "median: %s ns\nmin: %s ns\nmax: %s ns\nruns: %zu\nrun: %s\ncommit: %s",
			 median, min, max, b->runs, dir, run->commit);
		json_object_object_add(o, "extra", json_object_new_string(extra));
		json_object_array_add(root, o);
		if (gab_metrics(root, run, b, false)) {
			json_object_put(root);
			return -ENOMEM;
		}
		if (!b->has_instructions)
			continue;
		if (asprintf(&name, "%s (instructions)", b->name) < 0) {
			json_object_put(root);
			return -ENOMEM;
		}
		json_object_array_add(root, gab_entry(name, "instructions",
						      json_object_new_int64(b->instructions)));
		free(name);
	}
	return add_json(out, root);
}

/* ---- dispatch ---- */

/* Split "A..B" as compare/<A>..<B> names are split. */
static int split_pair(char **a, char **b, const char *what)
{
	enum compare_format format;
	char *name = NULL;
	int rc;
	*a = *b = NULL;
	if (asprintf(&name, "%s.json", what) < 0)
		return -ENOMEM;
	rc = compare_parse_name(a, b, &format, name);
	free(name);
	return rc;
}

int export_render(char **text, size_t *len, const struct view_ctx *ctx, const char *what,
		  enum export_format format, char *err, size_t errsize)
{
	struct strbuf out = STRBUF_INIT;
	struct export_run run;
	bool pair = strstr(what, "..") != NULL;
	int rc;
	*text = NULL;
	*len = 0;
	err[0] = '\0';
	if (pair != export_format_compares(format)) {
		snprintf(err, errsize, pair ? "%s describes one run: give a revision or run, not %s"
					    : "%s compares two revisions: give A..B, not %s",
			 export_format_name(format), what);
		return -EINVAL;
	}
	if (pair) {
		char *a, *b;
		if ((rc = split_pair(&a, &b, what))) {
			snprintf(err, errsize, rc == -ENOMEM ? "out of memory" : "%s is not A..B",
				 what);
			return rc == -ENOMEM ? rc : -EINVAL;
		}
		rc = export_junit(&out, ctx, a, b, err, errsize);
		free(a);
		free(b);
	} else {
		rc = run_load(&run, ctx, what, err, errsize);
		/* hyperfine's CSV and Markdown have their fixed columns: no metrics. */
		if (rc == 0 && (format == EXPORT_BMF || format == EXPORT_GAB ||
				format == EXPORT_GAB_BIGGER))
			rc = run_metrics_load(&run, ctx, err, errsize);
		if (rc == 0) {
			switch (format) {
			case EXPORT_BMF:
				rc = export_bmf(&out, &run);
				break;
			case EXPORT_GAB:
				rc = export_gab(&out, &run);
				break;
			case EXPORT_GAB_BIGGER:
				rc = export_gab_bigger(&out, &run);
				break;
			case EXPORT_CSV:
				rc = export_csv(&out, &run);
				break;
			default:
				rc = export_md(&out, &run);
				break;
			}
		}
		run_clear(&run);
	}
	if (!rc && !(*text = strbuf_detach(&out, len)))
		rc = -ENOMEM;
	if (rc == -ENOMEM)
		snprintf(err, errsize, "out of memory");
	strbuf_release(&out);
	return rc;
}
