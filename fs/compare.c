#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "describe.h"
#include "format.h"
#include "result.h"
#include "tests.h"

#define CONFIDENCE 0.95 /* of the intervals shown; verdicts use 1 - alpha */
#define INSTRUCTIONS "instructions"

int compare_parse_name(char **a, char **b, enum compare_format *format, const char *name)
{
	size_t len = strlen(name), stem;
	const char *dots;
	if (len > 3 && strcmp(name + len - 3, ".md") == 0) {
		*format = COMPARE_MD;
		stem = len - 3;
	} else if (len > 5 && strcmp(name + len - 5, ".json") == 0) {
		*format = COMPARE_JSON;
		stem = len - 5;
	} else {
		return -ENOENT;
	}
	dots = strstr(name, "..");
	if (!dots || dots == name || (size_t)(dots - name) + 2 >= stem)
		return -ENOENT;
	*a = strndup(name, (size_t)(dots - name));
	*b = strndup(dots + 2, stem - (size_t)(dots - name) - 2);
	if (!*a || !*b) {
		free(*a);
		free(*b);
		return -ENOMEM;
	}
	return 0;
}

struct row {
	const char *name;
	const struct bench_samples *a, *b;
	struct stats_summary sa, sb;
	bool compared; /* both sides and a positive mean of a */
	struct stats_comparison cmp;
	bool have_ci;
	struct stats_ratio ci;
	bool have_mw;
	double mw_p;
	const struct bench_samples *ia, *ib; /* instruction counts, when measured */
};

struct comparison {
	struct side a, b;
	struct sample_set wall_a, wall_b, ins_a, ins_b;
	struct row *rows;
	size_t nrows;
	size_t verdicts[4]; /* by enum stats_verdict */
	size_t only_a, only_b;
	bool have_geomean;
	struct stats_geomean geomean;
};

static void comparison_clear(struct comparison *c)
{
	side_clear(&c->a);
	side_clear(&c->b);
	sample_set_clear(&c->wall_a);
	sample_set_clear(&c->wall_b);
	sample_set_clear(&c->ins_a);
	sample_set_clear(&c->ins_b);
	free(c->rows);
}

/* The union of both sides' benchmark names, sorted. */
static int merge_rows(struct comparison *c)
{
	size_t i = 0, j = 0;
	c->rows = calloc(c->wall_a.n + c->wall_b.n + 1, sizeof(*c->rows));
	if (!c->rows)
		return -ENOMEM;
	while (i < c->wall_a.n || j < c->wall_b.n) {
		struct row *r = &c->rows[c->nrows++];
		int cmp = i == c->wall_a.n   ? 1
			  : j == c->wall_b.n ? -1
					     : strcmp(c->wall_a.benches[i].name, c->wall_b.benches[j].name);
		if (cmp <= 0)
			r->a = &c->wall_a.benches[i++];
		if (cmp >= 0)
			r->b = &c->wall_b.benches[j++];
		r->name = r->a ? r->a->name : r->b->name;
		r->ia = sample_set_find(&c->ins_a, r->name);
		r->ib = sample_set_find(&c->ins_b, r->name);
	}
	return 0;
}

static int compute_row(struct row *r, const struct view_ctx *ctx, double *scratch)
{
	size_t mw_len;
	struct stats_mwu mw;
	if (r->a && stats_describe(&r->sa, r->a->values, r->a->n, scratch))
		return -EIO;
	if (r->b && stats_describe(&r->sb, r->b->values, r->b->n, scratch))
		return -EIO;
	if (!r->a || !r->b || !(r->sa.mean > 0))
		return 0;
	if (stats_compare(&r->cmp, r->a->values, r->a->n, r->b->values, r->b->n, ctx->alpha,
			  ctx->threshold))
		return -EIO;
	r->compared = true;
	r->have_ci = r->a->n >= 2 && r->b->n >= 2 &&
		     stats_ratio_ci(&r->ci, r->a->values, r->a->n, r->b->values, r->b->n,
				    CONFIDENCE) == STATS_OK;
	mw_len = stats_mann_whitney_scratch_len(r->a->n, r->b->n);
	{
		double *mw_scratch = malloc(mw_len * sizeof(double));
		if (!mw_scratch)
			return -ENOMEM;
		r->have_mw = stats_mann_whitney_test(&mw, r->a->values, r->a->n, r->b->values,
						     r->b->n, STATS_MWU_AUTO, mw_scratch,
						     mw_len) == STATS_OK;
		free(mw_scratch);
	}
	r->mw_p = r->have_mw ? mw.p : NAN;
	return 0;
}

static int summarize(struct comparison *c)
{
	double *ratio = calloc(c->nrows + 1, sizeof(double));
	double *lo = calloc(c->nrows + 1, sizeof(double));
	double *hi = calloc(c->nrows + 1, sizeof(double));
	size_t k = 0;
	bool intervals = true;
	int rc = 0;
	if (!ratio || !lo || !hi) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		if (!r->a)
			c->only_b++;
		else if (!r->b)
			c->only_a++;
		if (!r->compared)
			continue;
		c->verdicts[r->cmp.verdict]++;
		if (!(r->sb.mean > 0))
			continue;
		ratio[k] = r->sb.mean / r->sa.mean;
		if (r->have_ci && r->ci.bounded && r->ci.lo > 0 && isfinite(r->ci.hi) &&
		    r->ci.lo <= ratio[k] && ratio[k] <= r->ci.hi) {
			lo[k] = r->ci.lo;
			hi[k] = r->ci.hi;
		} else {
			intervals = false;
		}
		k++;
	}
	if (k > 0)
		c->have_geomean = stats_geomean_ratios(&c->geomean, ratio, intervals ? lo : NULL,
						       intervals ? hi : NULL, k, CONFIDENCE) == STATS_OK;
done:
	free(ratio);
	free(lo);
	free(hi);
	return rc;
}

static int comparison_build(struct comparison *c, const struct view_ctx *ctx, const char *a_rev,
			    const struct side_ref *a, const char *b_rev, const struct side_ref *b)
{
	struct run_catalog cat;
	size_t most = 0;
	double *scratch = NULL;
	int rc;
	c->a.rev = a_rev;
	c->b.rev = b_rev;
	c->a.ref = *a;
	c->b.ref = *b;
	if ((rc = run_catalog_load(&cat, ctx)))
		return rc;
	rc = sides_load(&c->a, &c->b, ctx, &cat);
	run_catalog_clear(&cat);
	if (rc || (rc = sample_set_load(&c->wall_a, ctx, c->a.runs, c->a.nruns, NULL)) ||
	    (rc = sample_set_load(&c->wall_b, ctx, c->b.runs, c->b.nruns, NULL)) ||
	    (rc = sample_set_load(&c->ins_a, ctx, c->a.runs, c->a.nruns, INSTRUCTIONS)) ||
	    (rc = sample_set_load(&c->ins_b, ctx, c->b.runs, c->b.nruns, INSTRUCTIONS)) ||
	    (rc = merge_rows(c)))
		return rc;
	for (size_t i = 0; i < c->nrows; i++) {
		if (c->rows[i].a && c->rows[i].a->n > most)
			most = c->rows[i].a->n;
		if (c->rows[i].b && c->rows[i].b->n > most)
			most = c->rows[i].b->n;
	}
	if (!(scratch = malloc((most + 1) * sizeof(double))))
		return -ENOMEM;
	for (size_t i = 0; i < c->nrows && !rc; i++)
		rc = compute_row(&c->rows[i], ctx, scratch);
	free(scratch);
	return rc ? rc : summarize(c);
}

/* The instruction count of a side: the mean of its runs' counts. */
static bool instructions_of(double *out, const struct bench_samples *s)
{
	return s && stats_mean(out, s->values, s->n) == STATS_OK;
}

static const char *instructions_verdict(double a, double b, double threshold)
{
	double change = b / a - 1;
	return change > threshold ? "slower" : change < -threshold ? "faster" : "unchanged";
}

/* ---- Markdown ---- */

static void md_cell(FILE *out, const char *text)
{
	/* A pipe would end the table cell. */
	for (; *text; text++) {
		if (*text == '|')
			fputs("\\|", out);
		else
			fputc(*text, out);
	}
}

static void md_runs(FILE *out, const struct side *s)
{
	for (size_t i = 0; i < s->nruns; i++) {
		char name[32];
		run_dir_name(name, sizeof(name), s->runs[i]);
		fprintf(out, "%s%s", i ? ", " : "", name);
	}
}

static void md_side(FILE *out, const char *label, const struct side *s)
{
	fprintf(out, "| %s | `", label);
	md_cell(out, s->rev);
	fprintf(out, "` | `%.12s` | ", s->ref.commit);
	md_cell(out, s->subject);
	fputs(" | ", out);
	md_runs(out, s);
	fputs(" | ", out);
	md_cell(out, s->host && *s->host ? s->host : "unknown");
	fputs(" |\n", out);
}

static void md_summary_cell(FILE *out, const struct stats_summary *s, enum time_unit unit)
{
	char mean[32], sd[32];
	format_time(mean, sizeof(mean), s->mean, unit);
	format_time(sd, sizeof(sd), s->stddev, unit);
	fprintf(out, "%s ± %s (%zu)", mean, sd, s->n);
}

static void md_row(FILE *out, const struct row *r)
{
	char change[32], lo[32], hi[32], p[32];
	enum time_unit unit;
	double smaller = r->a && r->b ? fmin(r->sa.mean, r->sb.mean) : r->a ? r->sa.mean : r->sb.mean;
	unit = time_unit_for(smaller);
	fputs("| ", out);
	md_cell(out, r->name);
	fputs(" | ", out);
	if (r->a)
		md_summary_cell(out, &r->sa, unit);
	else
		fputs("—", out);
	fputs(" | ", out);
	if (r->b)
		md_summary_cell(out, &r->sb, unit);
	else
		fputs("—", out);
	if (!r->a || !r->b) {
		fprintf(out, " | | | | only in %s |\n", r->a ? "a" : "b");
		return;
	}
	if (!r->compared) {
		fputs(" | | | | not comparable (mean of a is 0) |\n", out);
		return;
	}
	format_percent(change, sizeof(change), r->sb.mean / r->sa.mean - 1);
	if (r->have_ci && r->ci.bounded) {
		format_percent(lo, sizeof(lo), r->ci.change_lo);
		format_percent(hi, sizeof(hi), r->ci.change_hi);
	} else {
		snprintf(lo, sizeof(lo), "-inf");
		snprintf(hi, sizeof(hi), "+inf");
	}
	format_p(p, sizeof(p), r->cmp.welch.p, r->a->n >= 2 && r->b->n >= 2);
	fprintf(out, " | %s | [%s, %s] | %s | %s%s |\n", change, lo, hi, p,
		stats_verdict_name(r->cmp.verdict),
		r->cmp.verdict == STATS_UNDECIDED && (r->a->n < 3 || r->b->n < 3)
			? " (fewer than 3 samples)"
			: "");
}

static void md_instructions(FILE *out, const struct comparison *c, double threshold)
{
	bool header = false;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		double a = 0, b = 0;
		char change[32];
		bool ha = instructions_of(&a, r->ia), hb = instructions_of(&b, r->ib);
		if (!ha && !hb)
			continue;
		if (!header) {
			fputs("\n## Instructions (callgrind, deterministic: the noise threshold alone "
			      "decides)\n\n| benchmark | a | b | change | verdict |\n"
			      "|---|---:|---:|---:|---|\n",
			      out);
			header = true;
		}
		fputs("| ", out);
		md_cell(out, r->name);
		if (ha)
			fprintf(out, " | %.0f", a);
		else
			fputs(" | —", out);
		if (hb)
			fprintf(out, " | %.0f", b);
		else
			fputs(" | —", out);
		if (ha && hb && a > 0) {
			format_percent(change, sizeof(change), b / a - 1);
			fprintf(out, " | %s | %s |\n", change, instructions_verdict(a, b, threshold));
		} else {
			fprintf(out, " | | %s |\n", ha && hb ? "not comparable" : ha ? "only in a" : "only in b");
		}
	}
}

static void render_md(FILE *out, const struct comparison *c, const struct view_ctx *ctx)
{
	char alpha[32], threshold[32];
	snprintf(alpha, sizeof(alpha), "%g", ctx->alpha);
	snprintf(threshold, sizeof(threshold), "%g%%", ctx->threshold * 100);
	fputs("# benchfs compare: `", out);
	md_cell(out, c->a.rev);
	fputs("` .. `", out);
	md_cell(out, c->b.rev);
	fputs("`\n\n| side | revision | commit | subject | runs | host |\n"
	      "|---|---|---|---|---|---|\n",
	      out);
	md_side(out, "a", &c->a);
	md_side(out, "b", &c->b);
	fputc('\n', out);
	if (c->a.interleaved)
		fputs("The two sides are one interleaved A/B job (iterations alternated a, b, a, b, "
		      "...), so slow drift of the machine cancels out.\n\n",
		      out);
	if (!c->a.host || !c->b.host || strcmp(c->a.host, c->b.host) != 0)
		fprintf(out, "> **Warning:** the sides were measured on different hosts (%s, %s); "
			     "their times are not comparable.\n\n",
			c->a.host && *c->a.host ? c->a.host : "unknown",
			c->b.host && *c->b.host ? c->b.host : "unknown");
	fprintf(out,
		"Wall time per iteration, mean ± standard deviation (samples). Change is b/a - 1 "
		"with its %.0f%% interval (Fieller). A verdict of faster or slower needs Welch's "
		"p < %s and the whole %g%% interval of the change beyond the noise threshold of "
		"±%s; unchanged means that interval lies within it.\n\n",
		CONFIDENCE * 100, alpha, (1 - ctx->alpha) * 100, threshold);
	fputs("| benchmark | a | b | change | 95% interval | p-value | verdict |\n"
	      "|---|---:|---:|---:|---|---:|---|\n",
	      out);
	for (size_t i = 0; i < c->nrows; i++)
		md_row(out, &c->rows[i]);
	md_instructions(out, c, ctx->threshold);
	fputs("\n## Summary\n\n", out);
	if (c->have_geomean) {
		char g[32], lo[32], hi[32];
		format_ratio(g, sizeof(g), c->geomean.geomean);
		format_ratio(lo, sizeof(lo), c->geomean.lo);
		format_ratio(hi, sizeof(hi), c->geomean.hi);
		fprintf(out, "Geometric mean of b/a over %zu benchmark%s: %s (95%% interval %s to %s).\n",
			c->geomean.k, c->geomean.k == 1 ? "" : "s", g, lo, hi);
	} else {
		fputs("No benchmark has samples on both sides.\n", out);
	}
	fprintf(out, "%zu faster, %zu slower, %zu unchanged, %zu inconclusive",
		c->verdicts[STATS_FASTER], c->verdicts[STATS_SLOWER], c->verdicts[STATS_UNCHANGED],
		c->verdicts[STATS_UNDECIDED]);
	if (c->only_a || c->only_b)
		fprintf(out, "; %zu only in a, %zu only in b", c->only_a, c->only_b);
	fputs(".\n", out);
}

/* ---- JSON ---- */

static json_object *json_side(const struct side *s)
{
	json_object *o = json_object_new_object(), *runs = json_object_new_array();
	for (size_t i = 0; i < s->nruns; i++)
		json_object_array_add(runs, json_object_new_int64(s->runs[i]));
	json_object_object_add(o, "rev", json_object_new_string(s->rev));
	json_object_object_add(o, "commit", json_object_new_string(s->ref.commit));
	json_object_object_add(o, "subject", json_object_new_string(s->subject));
	json_object_object_add(o, "runs", runs);
	json_object_object_add(o, "host", s->host ? json_object_new_string(s->host) : NULL);
	json_object_object_add(o, "interleaved", json_object_new_boolean(s->interleaved));
	return o;
}

static json_object *json_stats(const struct bench_samples *s, const struct stats_summary *sum)
{
	json_object *o;
	if (!s)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "n", json_object_new_int64((int64_t)sum->n));
	json_object_object_add(o, "mean", json_number(sum->mean));
	json_object_object_add(o, "stddev", s->n >= 2 ? json_number(sum->stddev) : NULL);
	json_object_object_add(o, "median", json_number(sum->median));
	json_object_object_add(o, "min", json_number(sum->min));
	json_object_object_add(o, "max", json_number(sum->max));
	return o;
}

static json_object *json_instructions(const struct row *r, double threshold)
{
	double a = 0, b = 0;
	bool ha = instructions_of(&a, r->ia), hb = instructions_of(&b, r->ib);
	json_object *o;
	if (!ha && !hb)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "a", ha ? json_number(a) : NULL);
	json_object_object_add(o, "b", hb ? json_number(b) : NULL);
	json_object_object_add(o, "ratio", ha && hb && a > 0 ? json_number(b / a) : NULL);
	json_object_object_add(o, "verdict",
			       ha && hb && a > 0
				       ? json_object_new_string(instructions_verdict(a, b, threshold))
				       : NULL);
	return o;
}

static json_object *json_row(const struct row *r, double threshold)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "a", json_stats(r->a, &r->sa));
	json_object_object_add(o, "b", json_stats(r->b, &r->sb));
	if (r->compared) {
		json_object *ci = NULL;
		if (r->have_ci && r->ci.bounded) {
			ci = json_object_new_array();
			json_object_array_add(ci, json_number(r->ci.lo));
			json_object_array_add(ci, json_number(r->ci.hi));
		}
		json_object_object_add(o, "ratio", json_number(r->sb.mean / r->sa.mean));
		json_object_object_add(o, "ratio_ci", ci);
		json_object_object_add(o, "p_value", r->a->n >= 2 && r->b->n >= 2
							     ? json_number(r->cmp.welch.p)
							     : NULL);
		json_object_object_add(o, "mannwhitney_p", r->have_mw ? json_number(r->mw_p) : NULL);
		json_object_object_add(o, "verdict",
				       json_object_new_string(stats_verdict_name(r->cmp.verdict)));
	} else {
		json_object_object_add(o, "ratio", NULL);
		json_object_object_add(o, "ratio_ci", NULL);
		json_object_object_add(o, "p_value", NULL);
		json_object_object_add(o, "mannwhitney_p", NULL);
		json_object_object_add(o, "verdict", NULL);
	}
	json_object_object_add(o, "only_in",
			       !r->a ? json_object_new_string("b")
			       : !r->b ? json_object_new_string("a")
				       : NULL);
	json_object_object_add(o, "instructions", json_instructions(r, threshold));
	return o;
}

static char *render_json(const struct comparison *c, const struct view_ctx *ctx)
{
	json_object *root = json_object_new_object(), *benches = json_object_new_array();
	json_object *summary = json_object_new_object();
	char *text = NULL;
	for (size_t i = 0; i < c->nrows; i++)
		json_object_array_add(benches, json_row(&c->rows[i], ctx->threshold));
	json_object_object_add(root, "a", json_side(&c->a));
	json_object_object_add(root, "b", json_side(&c->b));
	json_object_object_add(root, "benchmarks", benches);
	if (c->have_geomean) {
		json_object *ci = json_object_new_array();
		json_object_array_add(ci, json_number(c->geomean.lo));
		json_object_array_add(ci, json_number(c->geomean.hi));
		json_object_object_add(summary, "geomean_ratio", json_number(c->geomean.geomean));
		json_object_object_add(summary, "geomean_ci", ci);
	} else {
		json_object_object_add(summary, "geomean_ratio", NULL);
		json_object_object_add(summary, "geomean_ci", NULL);
	}
	json_object_object_add(summary, "faster",
			       json_object_new_int64((int64_t)c->verdicts[STATS_FASTER]));
	json_object_object_add(summary, "slower",
			       json_object_new_int64((int64_t)c->verdicts[STATS_SLOWER]));
	json_object_object_add(summary, "unchanged",
			       json_object_new_int64((int64_t)c->verdicts[STATS_UNCHANGED]));
	json_object_object_add(summary, "inconclusive",
			       json_object_new_int64((int64_t)c->verdicts[STATS_UNDECIDED]));
	json_object_object_add(root, "summary", summary);
	json_object_object_add(root, "alpha", json_number(ctx->alpha));
	json_object_object_add(root, "threshold", json_number(ctx->threshold));
	json_object_object_add(root, "confidence", json_number(CONFIDENCE));
	json_object_object_add(root, "unit", json_object_new_string("seconds"));
	text = json_text(root);
	json_object_put(root);
	return text;
}

int compare_render(char **text, const struct view_ctx *ctx, const char *a_rev,
		   const struct side_ref *a, const char *b_rev, const struct side_ref *b,
		   enum compare_format format)
{
	struct comparison c;
	int rc;
	memset(&c, 0, sizeof(c));
	*text = NULL;
	if ((rc = comparison_build(&c, ctx, a_rev, a, b_rev, b)))
		goto done;
	if (format == COMPARE_JSON) {
		*text = render_json(&c, ctx);
	} else {
		size_t len = 0;
		FILE *out = open_memstream(text, &len);
		if (out) {
			render_md(out, &c, ctx);
			if (fclose(out)) {
				free(*text);
				*text = NULL;
			}
		}
	}
	rc = *text ? 0 : -ENOMEM;
done:
	comparison_clear(&c);
	return rc;
}
