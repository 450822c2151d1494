#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/result.h"
#include "stats/describe.h"
#include "stats/distributions.h"
#include "stats/hypothesis.h"
#include "stats/multiple.h"
#include "stats/noise.h"
#include "stats/paired.h"
#include "stats/verdict.h"
#include "util/runid.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/internal_compare.h"

/* ---- JSON ---- */

static json_object *json_side(const struct side *s)
{
	json_object *o = json_object_new_object(), *runs = json_object_new_array();
	char name[RUNID_NAME_MAX];
	/* Directory names ("000042"), as result.json, the exports and runs/ name runs. */
	for (size_t i = 0; i < s->nruns; i++) {
		runid_dir_name(name, sizeof(name), s->runs[i]);
		json_object_array_add(runs, json_object_new_string(name));
	}
	json_object_object_add(o, "rev", json_object_new_string(s->rev));
	json_object_object_add(o, "commit", json_object_new_string(s->ref.commit));
	/* The commit a branch or tag of the baseline's name would have meant. */
	json_object_object_add(o, "shadowed_commit",
			       s->ref.shadowed[0] ? json_object_new_string(s->ref.shadowed) : NULL);
	/* "<rev>...<merge_base_with>": commit is where the two histories meet. */
	json_object_object_add(o, "merge_base", json_object_new_boolean(s->merge_base));
	json_object_object_add(o, "merge_base_with",
			       s->merge_base ? json_object_new_string(s->merge_with) : NULL);
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
	json_object_object_add(o, "mean", json_seconds(sum->mean));
	json_object_object_add(o, "stddev", s->n >= 2 ? json_seconds(sum->stddev) : NULL);
	json_object_object_add(o, "median", json_seconds(sum->median));
	json_object_object_add(o, "min", json_seconds(sum->min));
	json_object_object_add(o, "max", json_seconds(sum->max));
	return o;
}

static json_object *json_count(size_t n)
{
	return json_object_new_int64((int64_t)n);
}

/* The summary of a metric's values: json_stats in its unit (seconds
 * rounded as wall time's are). */
static json_object *json_metric_stats(const struct metric_table *m, const struct bench_samples *s,
				      const struct stats_summary *sum)
{
	json_object *(*num)(double) = strcmp(m->def.unit, "s") == 0 ? json_seconds : json_number;
	json_object *o;
	if (!s)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "n", json_object_new_int64((int64_t)sum->n));
	json_object_object_add(o, "mean", num(sum->mean));
	json_object_object_add(o, "stddev", s->n >= 2 ? num(sum->stddev) : NULL);
	json_object_object_add(o, "median", num(sum->median));
	json_object_object_add(o, "min", num(sum->min));
	json_object_object_add(o, "max", num(sum->max));
	return o;
}

static const struct row *metric_row(const struct metric_table *m, const char *name)
{
	size_t lo = 0, hi = m->nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(m->rows[mid].name, name);
		if (cmp < 0)
			lo = mid + 1;
		else if (cmp > 0)
			hi = mid;
		else
			return &m->rows[mid];
	}
	return NULL;
}

/* The fields of a row's estimate that wall time and every metric share: its
 * sample sizes, the ratio with its interval, and the test's p-value. */
static void json_add_estimate(json_object *o, const struct row *r, bool paired)
{
	json_object *ci = NULL;
	bool cmp = r->compared;
	if (paired) {
		json_object_object_add(o, "pairs", cmp ? json_count(r->pairs) : NULL);
	} else {
		json_object_object_add(o, "runs_a", cmp ? json_count(r->runs_a) : NULL);
		json_object_object_add(o, "runs_b", cmp ? json_count(r->runs_b) : NULL);
		json_object_object_add(o, "history_runs", cmp ? json_count(r->history_runs) : NULL);
	}
	if (cmp && r->have_ci) {
		ci = json_object_new_array();
		json_object_array_add(ci, json_number(r->ci_lo));
		json_object_array_add(ci, json_number(r->ci_hi));
	}
	/* A change from or to 0 has no ratio (its size is the means'
	 * difference, its p-value Mann-Whitney U's on the raw values). */
	json_object_object_add(o, "ratio", cmp && !r->from_zero ? json_number(r->ratio) : NULL);
	json_object_object_add(o, "ratio_ci", ci);
	json_object_object_add(o, "confidence", cmp && r->have_ci ? json_number(r->confidence) : NULL);
	json_object_object_add(o, "p_value", cmp && r->testable ? json_number(r->p) : NULL);
}

/* One benchmark's verdict on one metric, as its wall time's reads. */
static json_object *json_metric(const struct metric_table *m, const struct row *r,
				const struct comparison *c)
{
	json_object *o = json_object_new_object();
	bool paired = c->method == METHOD_PAIRED, cmp = r->compared;
	json_object_object_add(o, "unit", json_object_new_string(m->def.unit));
	json_object_object_add(o, "better", json_object_new_string(m->def.higher_is_better
									     ? "higher"
									     : "lower"));
	json_object_object_add(o, "a", json_metric_stats(m, r->a, &r->sa));
	json_object_object_add(o, "b", json_metric_stats(m, r->b, &r->sb));
	json_add_estimate(o, r, paired);
	json_object_object_add(o, "q_value", cmp && r->testable ? json_number(r->out.q) : NULL);
	json_object_object_add(o, "threshold", cmp ? json_number(r->threshold) : NULL);
	json_object_object_add(o, "threshold_source",
			       cmp ? json_object_new_string(r->threshold_history ? "history" : "fixed")
				   : NULL);
	json_object_object_add(o, "verdict",
			       cmp ? json_object_new_string(metric_verdict_name(m, r->verdict))
				   : NULL);
	json_object_object_add(o, "reason", cmp && r->reason ? json_object_new_string(r->reason)
							      : NULL);
	json_object_object_add(o, "only_in",
			       !r->a ? json_object_new_string("b")
			       : !r->b ? json_object_new_string("a")
				       : NULL);
	return o;
}

/* Every metric a benchmark has on a side, by name. */
static json_object *json_metrics_of(const char *name, const struct comparison *c)
{
	json_object *o = json_object_new_object();
	for (size_t t = 0; t < c->nmetrics; t++) {
		const struct row *r = metric_row(&c->metrics[t], name);
		if (r)
			json_object_object_add(o, c->metrics[t].def.name,
					       json_metric(&c->metrics[t], r, c));
	}
	return o;
}

/* The metrics compared, in the tables' order, with their verdicts counted. */
static json_object *json_metric_families(const struct comparison *c)
{
	json_object *arr = json_object_new_array();
	for (size_t t = 0; t < c->nmetrics; t++) {
		const struct metric_table *m = &c->metrics[t];
		bool up = m->def.higher_is_better;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(m->def.name));
		json_object_object_add(o, "unit", json_object_new_string(m->def.unit));
		json_object_object_add(o, "better", json_object_new_string(up ? "higher" : "lower"));
		json_object *v = json_object_new_object();
		json_object_object_add(o, "tested", json_count(m->tested));
		json_object_object_add(v, "worse",
				       json_count(m->verdicts[up ? STATS_FASTER : STATS_SLOWER]));
		json_object_object_add(v, "better",
				       json_count(m->verdicts[up ? STATS_SLOWER : STATS_FASTER]));
		json_object_object_add(v, "unchanged", json_count(m->verdicts[STATS_UNCHANGED]));
		json_object_object_add(v, "undecided", json_count(m->verdicts[STATS_UNDECIDED]));
		json_object_object_add(v, "same_build",
				       json_count(m->verdicts[VERDICT_SAME_BUILD]));
		json_object_object_add(o, "verdicts", v);
		json_object_array_add(arr, o);
	}
	return arr;
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

static json_object *json_pair(json_object *a, json_object *b)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "a", a);
	json_object_object_add(o, "b", b);
	return o;
}

static json_object *json_row(const struct row *r, const struct comparison *c,
			     const struct view_ctx *ctx)
{
	json_object *o = json_object_new_object(), *pooled = NULL;
	bool paired = c->method == METHOD_PAIRED, cmp = r->compared;
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "a", json_stats(r->a, &r->sa));
	json_object_object_add(o, "b", json_stats(r->b, &r->sb));
	json_object_object_add(o, "method", json_object_new_string(method_name(c->method)));
	json_add_estimate(o, r, paired);
	json_object_object_add(o, "p_sequential",
			       cmp && r->testable ? json_number(r->out.p_seq) : NULL);
	json_object_object_add(o, "q_value", cmp && r->testable ? json_number(r->out.q) : NULL);
	if (paired)
		json_object_object_add(o, "paired_t_p", cmp ? json_number(r->paired_t_p) : NULL);
	else
		json_object_object_add(o, "sigma_run", cmp ? json_number(r->sigma_run) : NULL);
	json_object_object_add(o, "threshold", cmp ? json_number(r->threshold) : NULL);
	json_object_object_add(o, "threshold_source",
			       cmp ? json_object_new_string(r->threshold_history ? "history" : "fixed")
				   : NULL);
	json_object_object_add(o, "verdict",
			       cmp ? json_object_new_string(verdict_name(r->verdict)) : NULL);
	json_object_object_add(o, "reason", cmp && r->reason ? json_object_new_string(r->reason)
							      : NULL);
	json_object_object_add(o, "unstable",
			       json_pair(json_object_new_boolean(r->unstable_a),
					 json_object_new_boolean(r->unstable_b)));
	json_object_object_add(o, "other_cpus",
			       json_pair(json_number(r->other_a), json_number(r->other_b)));
	if (cmp) {
		pooled = json_object_new_object();
		json_object_object_add(pooled, "p_value",
				       r->a->n >= 2 && r->b->n >= 2 ? json_number(r->pooled.welch.p)
								    : NULL);
		json_object_object_add(pooled, "verdict", json_object_new_string(stats_verdict_name(
								  r->pooled.verdict)));
	}
	json_object_object_add(o, "pooled_welch", pooled);
	json_object_object_add(o, "only_in",
			       !r->a ? json_object_new_string("b")
			       : !r->b ? json_object_new_string("a")
				       : NULL);
	json_object_object_add(o, "instructions", json_instructions(r, ctx->threshold));
	json_object_object_add(o, "metrics", json_metrics_of(r->name, c));
	return o;
}

static json_object *json_noise_model(const struct comparison *c, const struct view_ctx *ctx)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "method", json_object_new_string(method_name(c->method)));
	json_object_object_add(o, "alpha", json_number(ctx->alpha));
	json_object_object_add(o, "correction", json_object_new_string("benjamini-hochberg"));
	json_object_object_add(o, "tested", json_count(c->tested));
	if (c->method == METHOD_RUNS) {
		json_object_object_add(o, "history_runs", json_count(c->nhistory));
		json_object_object_add(o, "history_max", json_count(NOISE_RUNS));
		json_object_object_add(o, "history_needed", json_count(STATS_NOISE_MIN_DIFFS + 1));
		json_object_object_add(o, "run_value", json_object_new_string("log mean time"));
		json_object_object_add(o, "interval", json_object_new_string("t"));
	} else {
		json_object_object_add(o, "pairing", json_object_new_string("iteration i of a with "
									    "iteration i of b"));
		json_object_object_add(o, "test", json_object_new_string("wilcoxon signed-rank"));
		json_object_object_add(o, "interval", json_object_new_string("hodges-lehmann"));
	}
	json_object_object_add(o, "threshold", ctx->threshold_auto ? json_object_new_string("auto")
								    : json_number(ctx->threshold));
	json_object_object_add(o, "threshold_fixed", json_number(ctx->threshold));
	return o;
}

char *compare_render_json(const struct comparison *c, const struct view_ctx *ctx)
{
	json_object *root = json_object_new_object(), *benches = json_object_new_array();
	json_object *summary = json_object_new_object();
	char *text = NULL;
	for (size_t i = 0; i < c->nrows; i++)
		json_object_array_add(benches, json_row(&c->rows[i], c, ctx));
	json_object_object_add(root, "a", json_side(&c->a));
	json_object_object_add(root, "b", json_side(&c->b));
	json_object_object_add(root, "method", json_object_new_string(method_name(c->method)));
	json_object_object_add(root, "same_build", json_object_new_boolean(c->same_build));
	json_object_object_add(root, "benchmarks", benches);
	if (c->have_geomean && !isnan(c->geomean.lo)) {
		json_object *ci = json_object_new_array();
		json_object_array_add(ci, json_number(c->geomean.lo));
		json_object_array_add(ci, json_number(c->geomean.hi));
		json_object_object_add(summary, "geomean_ratio", json_number(c->geomean.geomean));
		json_object_object_add(summary, "geomean_ci", ci);
		json_object_object_add(summary, "geomean_ci_reason", NULL);
		json_object_object_add(summary, "geomean_confidence",
				       json_number(c->geomean_confidence));
	} else {
		/* No interval (summarize leaves NAN bounds when there is none):
		 * null, and why, rather than a half-open [0, null]. */
		const char *why = !c->have_geomean ? "no benchmark has a ratio of b to a"
				  : c->geomean.k == 1
					  ? "one benchmark without an interval of its own, and an "
					    "interval across benchmarks needs two"
					  : "a bound is beyond the range of a double";
		json_object_object_add(summary, "geomean_ratio",
				       c->have_geomean ? json_number(c->geomean.geomean) : NULL);
		json_object_object_add(summary, "geomean_ci", NULL);
		json_object_object_add(summary, "geomean_ci_reason", json_object_new_string(why));
		json_object_object_add(summary, "geomean_confidence", NULL);
	}
	json_object_object_add(summary, "faster", json_count(c->verdicts[STATS_FASTER]));
	json_object_object_add(summary, "slower", json_count(c->verdicts[STATS_SLOWER]));
	json_object_object_add(summary, "unchanged", json_count(c->verdicts[STATS_UNCHANGED]));
	json_object_object_add(summary, "undecided", json_count(c->verdicts[STATS_UNDECIDED]));
	json_object_object_add(summary, "same_build", json_count(c->verdicts[VERDICT_SAME_BUILD]));
	json_object_object_add(root, "summary", summary);
	json_object_object_add(root, "noise_model", json_noise_model(c, ctx));
	json_object_object_add(root, "alpha", json_number(ctx->alpha));
	json_object_object_add(root, "threshold", json_number(ctx->threshold));
	json_object_object_add(root, "threshold_auto", json_object_new_boolean(ctx->threshold_auto));
	json_object_object_add(root, "unit", json_object_new_string("seconds"));
	/* Each a family of its own in the correction; every row's "metrics"
	 * holds its verdict per metric. */
	json_object_object_add(root, "metrics", json_metric_families(c));
	text = json_text(root);
	json_object_put(root);
	return text;
}

