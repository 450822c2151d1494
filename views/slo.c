/* Service levels judged at a revision; see slo.h. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/describe.h"
#include "stats/noise.h"
#include "util/array.h"
#include "util/strbuf.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/internal_compare.h"
#include "views/sides.h"
#include "views/slo.h"
#include "config/slo_metrics.h"

/* What every service level of one evaluation shares. */
struct slo_eval {
	const struct view_ctx *ctx;
	const char *rev;
	struct side_ref ref;
	char short_id[REPO_HEX_SIZE];
	struct run_catalog cat;
	int64_t *runs;      /* the commit's runs (or the one run rev names), ascending */
	size_t nruns;
	int64_t *history;   /* the host's newest runs that are no A/B side, ascending */
	size_t nhistory;
	int64_t *all;       /* both, ascending, without repeats */
	size_t nall;
	bool have_means;
	struct run_values means; /* log mean of every run in all */
	/* The newest band's compare: benchmarks that share their baseline and
	 * tolerance (a top-level default) share one compare. */
	char *band_baseline;
	double band_tolerance;
	json_object *band_root;
};

const char *slo_verdict_name(enum slo_verdict verdict)
{
	return verdict == SLO_HOLDS ? "holds" : verdict == SLO_BREACHED ? "breached" : "undecided";
}

void slo_results_free(struct slo_result *results, size_t n)
{
	for (size_t i = 0; results && i < n; i++) {
		free(results[i].bench);
		free(results[i].baseline);
		free(results[i].metric);
		free(results[i].reason);
	}
	free(results);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static bool contains(const int64_t *ids, size_t n, int64_t id)
{
	return n && bsearch(&id, ids, n, sizeof(*ids), cmp_id) != NULL;
}

/* The runs behind rev and the runs whose consecutive differences give the
 * host's noise, as compare/ takes them for separate runs. */
static int eval_load(struct slo_eval *e)
{
	int rc;
	if ((rc = run_catalog_load(&e->cat, e->ctx)))
		return rc;
	if (!(e->runs = malloc((e->cat.n + 1) * sizeof(*e->runs))) ||
	    !(e->history = malloc((NOISE_RUNS + 1) * sizeof(*e->history))) ||
	    !(e->all = malloc((e->cat.n + 1) * sizeof(*e->all))))
		return -ENOMEM;
	for (size_t i = 0; i < e->cat.n; i++) {
		const struct store_done_run *r = &e->cat.runs[i];
		if (e->ref.run_id ? r->id == e->ref.run_id : strcmp(r->commit, e->ref.commit) == 0)
			e->runs[e->nruns++] = r->id;
	}
	if (e->nruns == 0)
		return -ENOENT;
	for (size_t i = e->cat.n; i-- > 0 && e->nhistory < NOISE_RUNS;)
		if (!e->cat.runs[i].pair_id)
			e->history[e->nhistory++] = e->cat.runs[i].id;
	qsort(e->history, e->nhistory, sizeof(*e->history), cmp_id);
	/* The catalog is in id order, so its runs in either list are too. */
	for (size_t i = 0; i < e->cat.n; i++) {
		int64_t id = e->cat.runs[i].id;
		if (contains(e->runs, e->nruns, id) || contains(e->history, e->nhistory, id))
			e->all[e->nall++] = id;
	}
	if (repo_short_id(e->short_id, e->ctx->repo, e->ref.commit))
		snprintf(e->short_id, sizeof(e->short_id), "%.12s", e->ref.commit);
	return 0;
}

static void eval_clear(struct slo_eval *e)
{
	run_catalog_clear(&e->cat);
	free(e->runs);
	free(e->history);
	free(e->all);
	run_values_clear(&e->means);
	free(e->band_baseline);
	json_object_put(e->band_root);
}

/* One value per run of a benchmark: runs ascending, their log values. */
struct per_run {
	int64_t *runs;
	double *values;
	size_t n;
	/* while the samples of one run are read */
	const char *bench;
	int64_t run;
	double *samples;
	size_t nsamples, alloc_samples, alloc_runs, alloc_values;
	double *scratch;
	size_t alloc_scratch;
};

static int per_run_add(struct per_run *p, int64_t run, double log_value)
{
	int rc;
	if ((rc = ALLOC_GROW(p->runs, p->n + 1, p->alloc_runs)) ||
	    (rc = ALLOC_GROW(p->values, p->n + 1, p->alloc_values)))
		return rc;
	p->runs[p->n] = run;
	p->values[p->n++] = log_value;
	return 0;
}

/* The median of the samples of the run read so far, as one value. */
static int per_run_flush(struct per_run *p)
{
	double median;
	int rc;
	if (p->nsamples == 0)
		return 0;
	if ((rc = ALLOC_GROW(p->scratch, p->nsamples, p->alloc_scratch)))
		return rc;
	rc = stats_median(&median, p->samples, p->nsamples, p->scratch);
	p->nsamples = 0;
	/* a time is positive; anything else has no log and is left out */
	return rc == 0 && median > 0 ? per_run_add(p, p->run, log(median * 1e-9)) : 0;
}

static int add_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct per_run *p = ctx;
	int rc;
	if (strcmp(benchmark, p->bench) != 0)
		return 0;
	if (run_id != p->run && (rc = per_run_flush(p)))
		return rc;
	p->run = run_id;
	if ((rc = ALLOC_GROW(p->samples, p->nsamples + 1, p->alloc_samples)))
		return rc;
	p->samples[p->nsamples++] = value;
	return 0;
}

static void per_run_clear(struct per_run *p)
{
	free(p->runs);
	free(p->values);
	free(p->samples);
	free(p->scratch);
	memset(p, 0, sizeof(*p));
}

/* Each run's log mean of a metric's values of bench, for the runs of e->all. */
static int per_run_load_metric(struct per_run *p, struct slo_eval *e, const char *bench,
			       const char *metric)
{
	struct run_values means;
	const struct run_value_bench *b;
	int rc = run_values_load_metric_log_means(&means, e->ctx, e->all, e->nall, metric);
	b = rc ? NULL : run_values_find(&means, bench);
	for (size_t i = 0; b && i < b->n && !rc; i++)
		rc = per_run_add(p, b->runs[i], b->values[i]);
	run_values_clear(&means);
	return rc;
}

/* Each run's log mean (the store's per-run sums) or log median (its
 * iterations) of bench, for the runs of e->all; of metric's values when
 * metric is not NULL. */
static int per_run_load(struct per_run *p, struct slo_eval *e, const char *bench, bool median,
			const char *metric)
{
	const struct run_value_bench *b;
	int rc;
	memset(p, 0, sizeof(*p));
	if (metric)
		return per_run_load_metric(p, e, bench, metric);
	if (median) {
		p->bench = bench;
		rc = store_samples_of_runs(e->ctx->store, e->all, e->nall, NULL, bench, add_sample, p);
		return rc ? store_errno(rc) : per_run_flush(p);
	}
	if (!e->have_means) {
		if ((rc = run_values_load_log_means(&e->means, e->ctx, e->all, e->nall)))
			return rc;
		e->have_means = true;
	}
	b = run_values_find(&e->means, bench);
	for (size_t i = 0; b && i < b->n; i++)
		if ((rc = per_run_add(p, b->runs[i], b->values[i])))
			return rc;
	return 0;
}

static int set_reason(struct slo_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int set_reason(struct slo_result *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(r->reason);
	r->reason = strbuf_detach(&sb, NULL);
	return r->reason ? 0 : -ENOMEM;
}

/* A ceiling (or, for a metric, a floor): the commit's runs against
 * log(limit), with the host's noise. */
static int judge_limit(struct slo_result *r, struct slo_eval *e, const char *bench,
		       const char *metric, double limit, bool median, bool floor)
{
	struct per_run p;
	struct stats_run_noise noise;
	struct stats_limit_test t;
	double *own = NULL, *hist = NULL, *scratch = NULL;
	size_t nown = 0, nhist = 0;
	bool have_noise = false;
	double confidence = 1 - e->ctx->alpha, mean;
	int rc, src;
	if ((rc = per_run_load(&p, e, bench, median, metric)))
		goto done;
	rc = -ENOMEM;
	if (!(own = malloc((p.n + 1) * sizeof(double))) ||
	    !(hist = malloc((p.n + 1) * sizeof(double))) ||
	    !(scratch = malloc(2 * (p.n + 1) * sizeof(double))))
		goto done;
	for (size_t i = 0; i < p.n; i++) {
		/* The commit's own runs are judged, not part of the noise they are
		 * judged against (the noise's tail would mask them). */
		if (contains(e->runs, e->nruns, p.runs[i]))
			own[nown++] = p.values[i];
		else if (contains(e->history, e->nhistory, p.runs[i]))
			hist[nhist++] = p.values[i];
	}
	r->runs = nown;
	rc = 0;
	if (nown == 0) {
		rc = metric ? set_reason(r, "%s has no run of %s with a positive %s", e->short_id,
					 bench, metric)
			    : set_reason(r, "%s has no run of %s with a positive time", e->short_id,
					 bench);
		goto done;
	}
	if (stats_mean(&mean, own, nown) == 0)
		r->value = exp(mean);
	if (nhist >= 2 && stats_run_noise(&noise, hist, nhist, scratch) == STATS_OK)
		have_noise = true;
	src = stats_runs_against_limit(&t, own, nown, log(limit), have_noise ? &noise : NULL,
				       confidence);
	if (src == STATS_EEMPTY) {
		rc = set_reason(r, "one run of %s, and this host's run-to-run noise is not known yet"
				   " (%zu of the %d runs of %s it needs): measure %s again (2 runs"
				   " or more decide by their own spread) or measure %d runs of %s"
				   " on this host",
				e->short_id, nhist, STATS_NOISE_MIN_DIFFS + 1, bench, e->short_id,
				STATS_NOISE_MIN_DIFFS + 1, bench);
		goto done;
	}
	if (src != STATS_OK) {
		rc = set_reason(r, "the runs cannot be analysed (%s)", stats_strerror(src));
		goto done;
	}
	r->confidence = confidence;
	r->lo = limit * exp(t.lo);
	r->hi = limit * exp(t.hi);
	/* A ceiling is breached when the whole interval is above it, a floor
	 * when it is all below. */
	if (floor ? t.hi < 0 : t.lo > 0) {
		r->verdict = SLO_BREACHED;
	} else if (floor ? t.lo >= 0 : t.hi <= 0) {
		r->verdict = SLO_HOLDS;
	} else {
		rc = set_reason(r, "the interval holds the limit: %zu run%s of %s cannot tell%s", nown,
				nown == 1 ? "" : "s", e->short_id,
				" whether it is above or below; more runs narrow it");
	}
done:
	per_run_clear(&p);
	free(own);
	free(hist);
	free(scratch);
	return rc;
}

static int judge_max(struct slo_result *r, struct slo_eval *e, const struct bench_config *b)
{
	return judge_limit(r, e, b->name, NULL, b->slo.max, b->slo.median, false);
}

/* A metric's floor or ceiling, in the unit its definition gives. */
static int judge_metric(struct slo_result *r, struct slo_eval *e, const struct bench_config *b)
{
	struct store_metric_def def;
	int rc = store_metric_def_get(e->ctx->store, &def, r->metric);
	if (rc == STORE_NOTFOUND)
		return set_reason(r, "no run recorded metric %s", r->metric);
	if (rc)
		return store_errno(rc);
	snprintf(r->unit, sizeof(r->unit), "%s", def.unit);
	return judge_limit(r, e, b->name, r->metric, r->limit, false, r->kind == SLO_MIN);
}

/* compare/<baseline>..<rev>.json with the tolerance as the threshold: the
 * benchmark's row of it (NULL: none), owned by e. */
static int band_compare(json_object **row, struct slo_eval *e, const struct bench_config *b,
			const struct side_ref *base)
{
	struct view_ctx ctx = *e->ctx;
	json_object *benches;
	char *text = NULL;
	int rc;
	*row = NULL;
	if (!e->band_root || strcmp(e->band_baseline, b->slo.baseline) != 0 ||
	    e->band_tolerance != b->slo.tolerance) {
		free(e->band_baseline);
		json_object_put(e->band_root);
		e->band_root = NULL;
		if (!(e->band_baseline = strdup(b->slo.baseline)))
			return -ENOMEM;
		e->band_tolerance = b->slo.tolerance;
		ctx.threshold = b->slo.tolerance;
		ctx.threshold_auto = false;
		if ((rc = compare_render(&text, &ctx, b->slo.baseline, base, e->rev, &e->ref,
					 COMPARE_JSON)))
			return rc;
		e->band_root = json_tokener_parse(text);
		free(text);
		if (!e->band_root)
			return -EIO;
	}
	if (!json_object_object_get_ex(e->band_root, "benchmarks", &benches))
		return -EIO;
	for (size_t i = 0; i < json_object_array_length(benches); i++) {
		json_object *o = json_object_array_get_idx(benches, i), *name;
		if (json_object_object_get_ex(o, "name", &name) &&
		    strcmp(json_object_get_string(name), b->name) == 0)
			*row = o;
	}
	return 0;
}


/* A band: breached when compare's verdict is slower (beyond the tolerance,
 * after its correction), holds when the ratio's interval stays at or below
 * 1 + tolerance. */
static int judge_band(struct slo_result *r, struct slo_eval *e, const struct bench_config *b)
{
	struct store_baseline pin;
	struct side_ref base;
	json_object *row = NULL, *ci;
	const char *verdict, *why;
	int rc = store_baseline_get(e->ctx->store, &pin, b->slo.baseline);
	if (rc == STORE_NOTFOUND) {
		r->invalid = true;
		return set_reason(r, "no baseline %s is pinned (echo REV > baselines/%s)",
				  b->slo.baseline, b->slo.baseline);
	}
	if (rc)
		return store_errno(rc);
	if ((rc = side_resolve(&base, e->ctx, b->slo.baseline)))
		return rc == -ENOENT ? -EIO : rc;
	rc = band_compare(&row, e, b, &base);
	if (rc == -ENOENT) {
		r->invalid = true;
		return set_reason(r, "baseline %s (%.12s) has no finished run on this host",
				  b->slo.baseline, base.commit);
	}
	if (rc)
		return rc;
	if (!row || !(verdict = json_string_at(row, "verdict")) || json_string_at(row, "only_in"))
		return set_reason(r, "%s was not measured at both baseline %s and %s", b->name,
				  b->slo.baseline, e->short_id);
	r->value = json_number_at(row, "ratio");
	r->confidence = json_number_at(row, "confidence");
	if (json_object_object_get_ex(row, "ratio_ci", &ci) && ci &&
	    json_object_array_length(ci) == 2) {
		r->lo = json_object_get_double(json_object_array_get_idx(ci, 0));
		r->hi = json_object_get_double(json_object_array_get_idx(ci, 1));
	}
	if (strcmp(verdict, "slower") == 0)
		r->verdict = SLO_BREACHED;
	else if (strcmp(verdict, "same build") == 0 ||
		 (!isnan(r->hi) && r->hi <= 1 + b->slo.tolerance))
		r->verdict = SLO_HOLDS;
	else if ((why = json_string_at(row, "reason")))
		return set_reason(r, "%s", why);
	else
		return set_reason(r, "the interval reaches beyond +%g%% of baseline %s",
				  b->slo.tolerance * 100, b->slo.baseline);
	return 0;
}

static int result_init(struct slo_result *r, const struct bench_config *b, enum slo_kind kind)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->verdict = SLO_UNDECIDED;
	r->value = r->lo = r->hi = r->confidence = NAN;
	r->median = kind == SLO_MAX && b->slo.median;
	r->limit = kind == SLO_MAX ? b->slo.max : b->slo.tolerance;
	if (!(r->bench = strdup(b->name)))
		return -ENOMEM;
	if (kind == SLO_BAND && !(r->baseline = strdup(b->slo.baseline)))
		return -ENOMEM;
	return 0;
}

int slo_evaluate(struct slo_result **out, size_t *n, const struct view_ctx *ctx,
		 const struct config *config, const char *rev)
{
	struct slo_eval e = {.ctx = ctx, .rev = rev};
	struct slo_result *results = NULL;
	size_t count = 0, alloc = 0;
	int rc = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; config && i < config->nbenchmarks; i++) {
		const struct bench_slo *slo = &config->benchmarks[i].slo;
		count += (slo->max > 0) + !!slo->baseline;
		for (size_t k = 0; k < slo->nmetrics; k++)
			count += (slo->metrics[k].min > 0) + (slo->metrics[k].max > 0);
	}
	if (count == 0)
		return 0;
	if ((rc = side_resolve(&e.ref, ctx, rev)) || (rc = eval_load(&e)))
		goto done;
	count = 0;
	for (size_t i = 0; i < config->nbenchmarks && !rc; i++) {
		const struct bench_config *b = &config->benchmarks[i];
		for (int kind = SLO_MAX; kind <= SLO_BAND && !rc; kind++) {
			struct slo_result *r;
			if (kind == SLO_MAX ? b->slo.max <= 0 : !b->slo.baseline)
				continue;
			if ((rc = ALLOC_GROW(results, count + 1, alloc)))
				break;
			r = &results[count++];
			if (!(rc = result_init(r, b, kind)))
				rc = kind == SLO_MAX ? judge_max(r, &e, b) : judge_band(r, &e, b);
		}
		/* Then each metric's floor and ceiling, in the configuration's order. */
		for (size_t k = 0; k < b->slo.nmetrics && !rc; k++) {
			const struct slo_metric_bound *m = &b->slo.metrics[k];
			for (int floor = 1; floor >= 0 && !rc; floor--) {
				struct slo_result *r;
				double limit = floor ? m->min : m->max;
				if (!(limit > 0))
					continue;
				if ((rc = ALLOC_GROW(results, count + 1, alloc)))
					break;
				r = &results[count++];
				if ((rc = result_init(r, b, floor ? SLO_MIN : SLO_MAX)))
					break;
				r->median = false;
				r->limit = limit;
				if (!(r->metric = strdup(m->name)))
					rc = -ENOMEM;
				else
					rc = judge_metric(r, &e, b);
			}
		}
	}
done:
	eval_clear(&e);
	if (rc) {
		slo_results_free(results, count);
		return rc;
	}
	*out = results;
	*n = count;
	return 0;
}

static void add_seconds(struct strbuf *sb, double seconds)
{
	strbuf_addf(sb, "%.6g s", seconds);
}

/* A metric's value: its unit after four significant digits. */
static void add_value(struct strbuf *sb, const struct slo_result *r, double v)
{
	if (r->metric)
		strbuf_addf(sb, "%.6g %s", v, r->unit[0] ? r->unit : "");
	else
		add_seconds(sb, v);
}

static void add_change(struct strbuf *sb, double ratio)
{
	strbuf_addf(sb, "%+.1f%%", (ratio - 1) * 100);
}

char *slo_results_text(const struct slo_result *results, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const struct slo_result *r = &results[i];
		/* A metric's bound reads as its max: a limit on one value per run. */
		bool max = r->kind != SLO_BAND;
		strbuf_addstr(&sb, r->bench);
		if (r->metric)
			strbuf_addf(&sb, ":%s", r->metric);
		strbuf_addf(&sb, "\t%s\t", r->kind == SLO_MIN ? "min" : max ? "max" : "band");
		if (max) {
			add_value(&sb, r, r->limit);
			strbuf_addf(&sb, " %s\t", r->median ? "median" : "mean");
		} else {
			strbuf_addf(&sb, "%s +%g%%\t", r->baseline, r->limit * 100);
		}
		if (isnan(r->value))
			strbuf_addstr(&sb, "-");
		else if (max)
			add_value(&sb, r, r->value);
		else
			add_change(&sb, r->value);
		if (max && r->runs)
			strbuf_addf(&sb, ", %zu run%s", r->runs, r->runs == 1 ? "" : "s");
		strbuf_addch(&sb, '\t');
		if (isnan(r->lo) || isnan(r->hi)) {
			strbuf_addstr(&sb, "-");
		} else {
			strbuf_addch(&sb, '[');
			max ? add_value(&sb, r, r->lo) : add_change(&sb, r->lo);
			strbuf_addstr(&sb, ", ");
			max ? add_value(&sb, r, r->hi) : add_change(&sb, r->hi);
			strbuf_addch(&sb, ']');
			if (!isnan(r->confidence))
				strbuf_addf(&sb, " %.4g%%", r->confidence * 100);
		}
		strbuf_addf(&sb, "\t%s\t", slo_verdict_name(r->verdict));
		/* one line per result, whatever a reason holds */
		for (const char *c = r->reason ? r->reason : "-"; *c; c++)
			strbuf_addch(&sb, *c == '\t' || *c == '\n' ? ' ' : *c);
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb, NULL);
}

int slo_render(char **text, const struct view_ctx *ctx)
{
	struct slo_result *results = NULL;
	size_t n = 0;
	int rc = slo_evaluate(&results, &n, ctx, ctx->config, "latest");
	*text = NULL;
	/* nothing finished yet: no commit to judge */
	if (rc == -ENOENT)
		rc = 0;
	if (rc)
		return rc;
	*text = slo_results_text(results, n);
	slo_results_free(results, n);
	return *text ? 0 : -ENOMEM;
}
