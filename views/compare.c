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
#include "views/compare.h"
#include "views/format.h"

#define INSTRUCTIONS "instructions"
/* The newest finished runs of this host (A/B sides left out) whose
 * consecutive differences give its run-to-run noise. */
#define NOISE_RUNS 100
/* CPUs' worth of other processes' time from which a side counts as measured
 * under interference, and by which two sides' figures must differ to warn. */
#define INTERFERENCE_CPUS 0.5
/* A verdict beyond the three-way ones: both sides are one build. */
#define VERDICT_SAME_BUILD 4
#define VERDICT_KINDS 5

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

/* How the verdicts of a compare are reached: the sides are one interleaved
 * A/B job (pairs of iterations), or separate runs (one value per run, judged
 * against this host's run-to-run noise). */
enum method { METHOD_PAIRED, METHOD_RUNS };

static const char *method_name(enum method m)
{
	return m == METHOD_PAIRED ? "paired" : "runs";
}

static const char *verdict_name(int verdict)
{
	return verdict == VERDICT_SAME_BUILD ? "same build" : stats_verdict_name(verdict);
}

struct row {
	const char *name;
	const struct bench_samples *a, *b; /* every iteration of the side's runs */
	struct stats_summary sa, sb;
	bool compared; /* both sides and a positive mean of a */
	/* The previous analysis: Welch's test on the pooled iterations. Shown
	 * beside the verdict, never deciding it. */
	struct stats_comparison pooled;
	/* The verdict's analysis. */
	int verdict; /* enum stats_verdict or VERDICT_SAME_BUILD */
	bool testable;
	struct stats_verdict_input in;
	struct stats_verdict_output out;
	double ratio;       /* b/a of the method's estimate; NAN when there is none */
	bool have_ci;
	double ci_lo, ci_hi; /* of the ratio, at confidence */
	double confidence;
	double p;           /* the method's p-value at its look */
	double paired_t_p;  /* paired: the paired t-test's p on the logs */
	size_t pairs;       /* paired */
	size_t runs_a, runs_b, history_runs; /* runs */
	double sigma_run;   /* runs: sd of one run's log mean used (NAN: none) */
	double level;       /* the look's level (alpha for runs) */
	double threshold;
	bool threshold_history; /* the threshold is the host's fence */
	char *reason;       /* why undecided; malloc'd, NULL when decided */
	int64_t *unstable;  /* the sides' runs flagged unstable for this benchmark */
	size_t nunstable;
	bool unstable_a, unstable_b;
	double other_a, other_b; /* other processes' CPUs while measured; NAN unknown */
	const struct bench_samples *ia, *ib; /* instruction counts, when measured */
};

struct comparison {
	bool paired_only;  /* sides that are no A/B job are -ENOENT, before any sample is read */
	struct side a, b;
	struct run_catalog cat;
	enum method method;
	bool same_build;
	int64_t *history;  /* the runs giving the host's noise, ascending */
	size_t nhistory;
	struct sample_set wall_a, wall_b, ins_a, ins_b;
	struct run_values logs;      /* log means of the sides' and history's runs */
	struct run_values unstable, other_cpus, level;
	struct row *rows;
	size_t nrows;
	size_t tested;     /* benchmarks in the correction */
	size_t verdicts[VERDICT_KINDS];
	size_t only_a, only_b;
	bool have_geomean;
	double geomean_confidence;
	struct stats_geomean geomean;
	char suggest_a[STORE_HASH_LEN + 64], suggest_b[STORE_HASH_LEN + 64];
};

static void comparison_clear(struct comparison *c)
{
	side_clear(&c->a);
	side_clear(&c->b);
	run_catalog_clear(&c->cat);
	free(c->history);
	sample_set_clear(&c->wall_a);
	sample_set_clear(&c->wall_b);
	sample_set_clear(&c->ins_a);
	sample_set_clear(&c->ins_b);
	run_values_clear(&c->logs);
	run_values_clear(&c->unstable);
	run_values_clear(&c->other_cpus);
	run_values_clear(&c->level);
	for (size_t i = 0; i < c->nrows; i++) {
		free(c->rows[i].reason);
		free(c->rows[i].unstable);
	}
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
		r->ratio = r->sigma_run = r->other_a = r->other_b = NAN;
		r->confidence = r->p = r->paired_t_p = NAN;
	}
	return 0;
}

/* ---- the runs behind the sides ---- */

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static bool ids_contain(const int64_t *ids, size_t n, int64_t id)
{
	return bsearch(&id, ids, n, sizeof(*ids), cmp_id) != NULL;
}

/* Sorted, without repeats: the union of up to three id lists. */
static int64_t *ids_union(size_t *n, const int64_t *x, size_t nx, const int64_t *y, size_t ny,
			  const int64_t *z, size_t nz)
{
	int64_t *all = malloc((nx + ny + nz + 1) * sizeof(*all));
	size_t k = 0;
	if (!all)
		return NULL;
	/* An empty list may be NULL, which memcpy must not see. */
	if (nx)
		memcpy(all, x, nx * sizeof(*x));
	if (ny)
		memcpy(all + nx, y, ny * sizeof(*y));
	if (nz)
		memcpy(all + nx + ny, z, nz * sizeof(*z));
	qsort(all, nx + ny + nz, sizeof(*all), cmp_id);
	for (size_t i = 0; i < nx + ny + nz; i++)
		if (k == 0 || all[k - 1] != all[i])
			all[k++] = all[i];
	*n = k;
	return all;
}

/* Every run of both sides was built from the same, known artifacts. */
static bool sides_same_build(const struct comparison *c)
{
	const char *id = NULL;
	const struct side *sides[2] = {&c->a, &c->b};
	for (size_t s = 0; s < 2; s++) {
		for (size_t i = 0; i < sides[s]->nruns; i++) {
			ssize_t k = run_catalog_find(&c->cat, sides[s]->runs[i]);
			const char *build = k >= 0 ? c->cat.runs[k].build_id : "";
			if (!*build || (id && strcmp(id, build) != 0))
				return false;
			id = build;
		}
	}
	return id != NULL;
}

/* The newest NOISE_RUNS finished runs of this host that are not A/B sides
 * (the two sides of a pair are measured at once: their difference is not
 * run-to-run noise), ascending. */
static int history_runs(struct comparison *c)
{
	size_t n = 0;
	if (!(c->history = malloc((NOISE_RUNS + 1) * sizeof(*c->history))))
		return -ENOMEM;
	for (size_t i = c->cat.n; i-- > 0 && n < NOISE_RUNS;)
		if (!c->cat.runs[i].pair_id)
			c->history[n++] = c->cat.runs[i].id;
	for (size_t i = 0; i < n / 2; i++) {
		int64_t t = c->history[i];
		c->history[i] = c->history[n - 1 - i];
		c->history[n - 1 - i] = t;
	}
	c->nhistory = n;
	return 0;
}

/* What to write into queue for an A/B job of these sides: the revisions as
 * written, or the commit when a side names a run. */
static void suggestion(char *out, size_t size, const struct side *s)
{
	snprintf(out, size, "%s", s->ref.run_id || strlen(s->rev) >= size ? s->ref.commit : s->rev);
}

static int comparison_load(struct comparison *c, const struct view_ctx *ctx)
{
	int64_t *sides = NULL, *all = NULL;
	size_t nsides = 0, nall = 0;
	int rc;
	if ((rc = run_catalog_load(&c->cat, ctx)) || (rc = sides_load(&c->a, &c->b, ctx, &c->cat)))
		return rc;
	if (c->paired_only && !c->a.interleaved)
		return -ENOENT;
	c->method = c->a.interleaved ? METHOD_PAIRED : METHOD_RUNS;
	c->same_build = sides_same_build(c);
	suggestion(c->suggest_a, sizeof(c->suggest_a), &c->a);
	suggestion(c->suggest_b, sizeof(c->suggest_b), &c->b);
	if ((rc = history_runs(c)))
		return rc;
	if (!(sides = ids_union(&nsides, c->a.runs, c->a.nruns, c->b.runs, c->b.nruns, NULL, 0)) ||
	    !(all = ids_union(&nall, sides, nsides, c->history,
			      c->method == METHOD_RUNS ? c->nhistory : 0, NULL, 0))) {
		rc = -ENOMEM;
		goto done;
	}
	if ((rc = sample_set_load(&c->wall_a, ctx, c->a.runs, c->a.nruns, NULL)) ||
	    (rc = sample_set_load(&c->wall_b, ctx, c->b.runs, c->b.nruns, NULL)) ||
	    (rc = sample_set_load(&c->ins_a, ctx, c->a.runs, c->a.nruns, INSTRUCTIONS)) ||
	    (rc = sample_set_load(&c->ins_b, ctx, c->b.runs, c->b.nruns, INSTRUCTIONS)) ||
	    (rc = run_values_load_log_means(&c->logs, ctx, all, nall)) ||
	    (rc = run_values_load_metric(&c->unstable, ctx, sides, nsides, STORE_METRIC_UNSTABLE)) ||
	    (rc = run_values_load_metric(&c->other_cpus, ctx, sides, nsides,
					 STORE_METRIC_OTHER_CPUS)))
		goto done;
	if (c->method == METHOD_PAIRED)
		rc = run_values_load_metric(&c->level, ctx, sides, nsides,
					    STORE_METRIC_SEQUENTIAL_LEVEL);
done:
	free(sides);
	free(all);
	return rc;
}

/* ---- one benchmark ---- */

/* The notes of a row: its sides' unstable runs and their interference. */
static int row_notes(struct row *r, const struct comparison *c)
{
	const struct run_value_bench *u = run_values_find(&c->unstable, r->name);
	const struct run_value_bench *o = run_values_find(&c->other_cpus, r->name);
	const struct side *sides[2] = {&c->a, &c->b};
	for (size_t s = 0; s < 2; s++) {
		double sum = 0, v;
		size_t known = 0;
		for (size_t i = 0; i < sides[s]->nruns; i++) {
			int64_t run = sides[s]->runs[i];
			if (run_value_get(&v, u, run) && v >= 0.5) {
				int64_t *grown = realloc(r->unstable, (r->nunstable + 1) * sizeof(*grown));
				if (!grown)
					return -ENOMEM;
				r->unstable = grown;
				r->unstable[r->nunstable++] = run;
				*(s ? &r->unstable_b : &r->unstable_a) = true;
			}
			if (run_value_get(&v, o, run) && isfinite(v)) {
				sum += v;
				known++;
			}
		}
		*(s ? &r->other_b : &r->other_a) = known ? sum / (double)known : NAN;
	}
	return 0;
}

static bool row_interference(const struct row *r)
{
	bool a = isfinite(r->other_a), b = isfinite(r->other_b);
	return (a && r->other_a >= INTERFERENCE_CPUS) || (b && r->other_b >= INTERFERENCE_CPUS) ||
	       (a && b && fabs(r->other_a - r->other_b) >= INTERFERENCE_CPUS);
}

static void row_interval(struct row *r, double estimate, double lo, double hi, double confidence)
{
	r->ratio = exp(estimate);
	r->ci_lo = exp(lo);
	r->ci_hi = exp(hi);
	r->have_ci = isfinite(r->ci_lo) && isfinite(r->ci_hi);
	r->confidence = confidence;
}

/* Interleaved A/B job: iteration i of a with iteration i of b. */
static int row_paired(struct row *r, const struct comparison *c, const struct view_ctx *ctx)
{
	size_t n = r->a->n < r->b->n ? r->a->n : r->b->n, len;
	const struct run_value_bench *lv = run_values_find(&c->level, r->name);
	struct stats_paired pa;
	double *scratch, level;
	int rc;
	r->pairs = n;
	r->threshold = ctx->threshold;
	/* The level of the look the job stopped at; an older A/B run had one look. */
	if (!run_value_get(&level, lv, c->a.runs[0]) && !run_value_get(&level, lv, c->b.runs[0]))
		level = ctx->alpha;
	if (!(level > 0) || level > ctx->alpha)
		level = ctx->alpha;
	r->level = level;
	if (n < 2)
		return asprintf(&r->reason, "fewer than 2 pairs") < 0 ? -ENOMEM : 0;
	len = stats_paired_scratch_len(n);
	if (!(scratch = malloc((len + 1) * sizeof(*scratch))))
		return -ENOMEM;
	rc = stats_paired_analyse(&pa, r->a->values, r->b->values, n, 1 - level, scratch, len);
	free(scratch);
	if (rc != STATS_OK)
		return asprintf(&r->reason, "the pairs cannot be analysed (%s)", stats_strerror(rc)) < 0
			       ? -ENOMEM
			       : 0;
	r->testable = true;
	r->p = pa.wilcoxon.p;
	r->paired_t_p = pa.t.p;
	row_interval(r, pa.hl.estimate, pa.hl.lo, pa.hl.hi, pa.hl.confidence);
	r->in = (struct stats_verdict_input){.testable = true,
					     .estimate = pa.hl.estimate,
					     .lo = pa.hl.lo,
					     .hi = pa.hl.hi,
					     .p = pa.wilcoxon.p,
					     .level = level,
					     .threshold = r->threshold};
	return 0;
}

/* The run values of a side for one benchmark, into out (side's nruns). */
static size_t side_values(double *out, const struct side *s, const struct run_value_bench *b)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nruns; i++)
		if (run_value_get(&out[n], b, s->runs[i]))
			n++;
	return n;
}

/* Separate runs: one value per run against this host's run-to-run noise. */
static int row_runs(struct row *r, const struct comparison *c, const struct view_ctx *ctx)
{
	const struct run_value_bench *b = run_values_find(&c->logs, r->name);
	size_t most = (b ? b->n : 0) + c->a.nruns + c->b.nruns + 1;
	double *la = malloc(most * sizeof(double)), *lb = malloc(most * sizeof(double));
	double *hist = malloc(most * sizeof(double)), *scratch = malloc(2 * most * sizeof(double));
	struct stats_run_noise noise;
	struct stats_runs_comparison rc_;
	bool have_noise = false;
	double mean_a = 0, mean_b = 0;
	int rc = -ENOMEM, src;
	if (!la || !lb || !hist || !scratch)
		goto done;
	r->runs_a = side_values(la, &c->a, b);
	r->runs_b = side_values(lb, &c->b, b);
	r->level = ctx->alpha;
	for (size_t i = 0; b && i < b->n; i++)
		if (ids_contain(c->history, c->nhistory, b->runs[i]))
			hist[r->history_runs++] = b->values[i];
	if (r->history_runs >= 2 &&
	    stats_run_noise(&noise, hist, r->history_runs, scratch) == STATS_OK) {
		have_noise = true;
		r->sigma_run = noise.sigma;
	}
	r->threshold_history = ctx->threshold_auto && have_noise && noise.known &&
			       isfinite(noise.threshold) && noise.threshold >= 0;
	r->threshold = r->threshold_history ? noise.threshold : ctx->threshold;
	rc = 0;
	if (r->runs_a == 0 || r->runs_b == 0) {
		rc = asprintf(&r->reason, "a side has no run with a positive mean time") < 0 ? -ENOMEM
											 : 0;
		goto done;
	}
	/* The ratio of the geometric means of the runs' means, even when untested. */
	(void)stats_mean(&mean_a, la, r->runs_a);
	(void)stats_mean(&mean_b, lb, r->runs_b);
	r->ratio = exp(mean_b - mean_a);
	src = stats_runs_compare(&rc_, la, r->runs_a, lb, r->runs_b, have_noise ? &noise : NULL,
				 1 - ctx->alpha);
	if (src == STATS_EEMPTY) {
		rc = asprintf(&r->reason,
			      "this host's run-to-run noise is not known yet (%zu of the %d runs it "
			      "needs) and neither side has repeated runs; queue an A/B job: "
			      "echo %s..%s > queue",
			      r->history_runs, STATS_NOISE_MIN_DIFFS + 1, c->suggest_a, c->suggest_b) < 0
			     ? -ENOMEM
			     : 0;
		goto done;
	}
	if (src != STATS_OK) {
		rc = asprintf(&r->reason, "the runs cannot be analysed (%s)", stats_strerror(src)) < 0
			     ? -ENOMEM
			     : 0;
		goto done;
	}
	r->testable = true;
	r->p = rc_.p;
	r->sigma_run = rc_.sigma;
	row_interval(r, rc_.estimate, rc_.lo, rc_.hi, 1 - ctx->alpha);
	r->in = (struct stats_verdict_input){.testable = true,
					     .estimate = rc_.estimate,
					     .lo = rc_.lo,
					     .hi = rc_.hi,
					     .p = rc_.p,
					     .level = ctx->alpha,
					     .threshold = r->threshold};
done:
	free(la);
	free(lb);
	free(hist);
	free(scratch);
	return rc;
}

static int compute_row(struct row *r, const struct comparison *c, const struct view_ctx *ctx,
		       double *scratch)
{
	int rc;
	r->verdict = STATS_UNDECIDED;
	if (r->a && stats_describe(&r->sa, r->a->values, r->a->n, scratch))
		return -EIO;
	if (r->b && stats_describe(&r->sb, r->b->values, r->b->n, scratch))
		return -EIO;
	if (!r->a || !r->b || !(r->sa.mean > 0))
		return 0;
	if (stats_compare(&r->pooled, r->a->values, r->a->n, r->b->values, r->b->n, ctx->alpha,
			  ctx->threshold))
		return -EIO;
	r->compared = true;
	if ((rc = row_notes(r, c)))
		return rc;
	rc = c->method == METHOD_PAIRED ? row_paired(r, c, ctx) : row_runs(r, c, ctx);
	if (rc == 0 && c->same_build) {
		/* Identical bytes: whatever the times say, there is nothing to test. */
		r->testable = false;
		r->verdict = VERDICT_SAME_BUILD;
		r->p = r->paired_t_p = NAN;
		free(r->reason);
		r->reason = NULL;
	}
	return rc;
}

/* Why a tested benchmark stayed undecided, and what would decide it. */
static int undecided_reason(struct row *r, const struct comparison *c, const struct view_ctx *ctx)
{
	char lo[32], hi[32], est[32], conf[32], thr[32], q[32], more[STORE_HASH_LEN * 2 + 200];
	double change = r->ratio - 1;
	int n;
	format_percent(lo, sizeof(lo), r->ci_lo - 1);
	format_percent(hi, sizeof(hi), r->ci_hi - 1);
	format_percent(est, sizeof(est), change);
	format_confidence(conf, sizeof(conf), r->confidence);
	snprintf(thr, sizeof(thr), "%.3g%%", r->threshold * 100);
	format_p(q, sizeof(q), r->out.q, true);
	if (c->method == METHOD_PAIRED)
		snprintf(more, sizeof(more),
			 "after %zu pairs; a longer A/B job (compare.max_pairs) can decide it",
			 r->pairs);
	else
		snprintf(more, sizeof(more), "an A/B job decides with fewer samples: echo %s..%s > queue",
			 c->suggest_a, c->suggest_b);
	if (r->out.q <= ctx->alpha)
		n = asprintf(&r->reason,
			     "the change is significant (q = %s) but the estimate %s does not clear the "
			     "±%s threshold and its %s interval [%s, %s] is not within it; %s",
			     q, est, thr, conf, lo, hi, more);
	else
		n = asprintf(&r->reason,
			     "not significant (q = %s > alpha %g) and the %s interval [%s, %s] is not "
			     "within ±%s; %s",
			     q, ctx->alpha, conf, lo, hi, thr, more);
	return n < 0 ? -ENOMEM : 0;
}

/* The three-way verdicts, Benjamini-Hochberg over the tested benchmarks. */
static int decide(struct comparison *c, const struct view_ctx *ctx)
{
	struct stats_verdict_input *in = calloc(c->nrows + 1, sizeof(*in));
	struct stats_verdict_output *out = calloc(c->nrows + 1, sizeof(*out));
	size_t *order = calloc(c->nrows + 1, sizeof(*order)), m = 0, k = 0;
	double *work = calloc(c->nrows + 1, sizeof(*work));
	int rc = -ENOMEM;
	if (!in || !out || !order || !work)
		goto done;
	for (size_t i = 0; i < c->nrows; i++)
		if (c->rows[i].testable)
			in[m++] = c->rows[i].in;
	c->tested = m;
	if (m > 0 && stats_verdicts(out, in, m, ctx->alpha, order, work) != STATS_OK) {
		rc = -EIO;
		goto done;
	}
	rc = 0;
	for (size_t i = 0; i < c->nrows && rc == 0; i++) {
		struct row *r = &c->rows[i];
		if (!r->testable)
			continue;
		r->out = out[k++];
		r->verdict = r->out.verdict;
		if (r->verdict == STATS_UNDECIDED)
			rc = undecided_reason(r, c, ctx);
	}
done:
	free(in);
	free(out);
	free(order);
	free(work);
	return rc;
}

/* A benchmark's interval [lo, hi] around ratio at confidence from, rescaled
 * to confidence to as if its log were normal, so that intervals of looks at
 * different levels combine. */
static bool rescale_interval(double *lo, double *hi, const struct row *r, double to)
{
	double zf, zt, e = log(r->ratio);
	if (fabs(r->confidence - to) < 1e-12) {
		*lo = r->ci_lo;
		*hi = r->ci_hi;
		return true;
	}
	if (stats_normal_quantile(&zf, 0.5 + r->confidence / 2) != STATS_OK ||
	    stats_normal_quantile(&zt, 0.5 + to / 2) != STATS_OK || !(zf > 0))
		return false;
	*lo = exp(e - (e - log(r->ci_lo)) * zt / zf);
	*hi = exp(e + (log(r->ci_hi) - e) * zt / zf);
	return *lo > 0 && *lo <= r->ratio && r->ratio <= *hi && isfinite(*hi);
}

static int summarize(struct comparison *c, const struct view_ctx *ctx)
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
	c->geomean_confidence = 1 - ctx->alpha;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		if (!r->a)
			c->only_b++;
		else if (!r->b)
			c->only_a++;
		if (!r->compared)
			continue;
		c->verdicts[r->verdict]++;
		if (!(r->ratio > 0) || !isfinite(r->ratio))
			continue;
		ratio[k] = r->ratio;
		if (!r->have_ci || !(r->ci_lo > 0) || !(r->ci_lo <= r->ratio) ||
		    !(r->ratio <= r->ci_hi) ||
		    !rescale_interval(&lo[k], &hi[k], r, c->geomean_confidence))
			intervals = false;
		k++;
	}
	if (k > 0)
		c->have_geomean = stats_geomean_ratios(&c->geomean, ratio, intervals ? lo : NULL,
						       intervals ? hi : NULL, k,
						       c->geomean_confidence) == STATS_OK;
done:
	free(ratio);
	free(lo);
	free(hi);
	return rc;
}

static int comparison_build(struct comparison *c, const struct view_ctx *ctx, const char *a_rev,
			    const struct side_ref *a, const char *b_rev, const struct side_ref *b)
{
	size_t most = 0;
	double *scratch = NULL;
	int rc;
	c->a.rev = a_rev;
	c->b.rev = b_rev;
	c->a.ref = *a;
	c->b.ref = *b;
	if ((rc = comparison_load(c, ctx)) || (rc = merge_rows(c)))
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
		rc = compute_row(&c->rows[i], c, ctx, scratch);
	free(scratch);
	if (rc || (rc = decide(c, ctx)))
		return rc;
	return summarize(c, ctx);
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
	/* One sample has no spread (the JSON's stddev is null): none is shown. */
	if (s->n < 2)
		fprintf(out, "%s (%zu)", mean, s->n);
	else
		fprintf(out, "%s ± %s (%zu)", mean, sd, s->n);
}

/* The sample size behind a row's verdict. */
static void md_samples(FILE *out, const struct row *r, enum method method)
{
	if (method == METHOD_PAIRED) {
		fprintf(out, "%zu pairs", r->pairs);
		return;
	}
	fprintf(out, "%zu vs %zu runs; ", r->runs_a, r->runs_b);
	if (isfinite(r->sigma_run))
		fprintf(out, "σ %.2f%%, ", r->sigma_run * 100);
	fprintf(out, "%zu history runs", r->history_runs);
}

static void md_row(FILE *out, const struct row *r, enum method method)
{
	char change[32], lo[32], hi[32], conf[32], p[32], tp[32], q[32];
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
		fprintf(out, " | | | | | | only in %s |\n", r->a ? "a" : "b");
		return;
	}
	if (!r->compared) {
		fputs(" | | | | | | not comparable (mean of a is 0) |\n", out);
		return;
	}
	if (isfinite(r->ratio))
		format_percent(change, sizeof(change), r->ratio - 1);
	else
		snprintf(change, sizeof(change), "—");
	fprintf(out, " | %s | ", change);
	if (r->have_ci) {
		format_percent(lo, sizeof(lo), r->ci_lo - 1);
		format_percent(hi, sizeof(hi), r->ci_hi - 1);
		format_confidence(conf, sizeof(conf), r->confidence);
		fprintf(out, "[%s, %s] at %s", lo, hi, conf);
	} else {
		fputs("—", out);
	}
	format_p(p, sizeof(p), r->p, r->testable || isfinite(r->p));
	fprintf(out, " | %s", p);
	if (method == METHOD_PAIRED && isfinite(r->paired_t_p)) {
		format_p(tp, sizeof(tp), r->paired_t_p, true);
		fprintf(out, " (t: %s)", tp);
	}
	format_p(q, sizeof(q), r->out.q, r->testable);
	fprintf(out, " | %s | ", r->testable ? q : "—");
	md_samples(out, r, method);
	fprintf(out, " | %s", verdict_name(r->verdict));
	if (r->nunstable) {
		fputs(" (unstable run ", out);
		for (size_t i = 0; i < r->nunstable; i++) {
			char name[32];
			run_dir_name(name, sizeof(name), r->unstable[i]);
			fprintf(out, "%s%s", i ? ", " : "", name);
		}
		fputc(')', out);
	}
	fputs(" |\n", out);
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

/* A baseline that a branch or tag of the same name shadows: which one the
 * side means, and how to name the other. */
static void md_shadowed(FILE *out, const struct side *s)
{
	if (!s->ref.shadowed[0])
		return;
	fputs("> **Note:** `", out);
	md_cell(out, s->rev);
	if (strcmp(s->ref.shadowed, s->ref.commit) == 0) {
		fputs("` is the baseline of that name; a branch or tag of the same name points at "
		      "the same commit.\n\n",
		      out);
		return;
	}
	fprintf(out,
		"` is the baseline of that name (%.12s); the branch or tag of the same name "
		"(%.12s) is not used here: name it by its hash to compare it.\n\n",
		s->ref.commit, s->ref.shadowed);
}

/* Warnings above the table: what a reader must know before trusting it. */
static void md_warnings(FILE *out, const struct comparison *c)
{
	bool any = false;
	if (!c->a.host || !c->b.host || strcmp(c->a.host, c->b.host) != 0)
		fprintf(out, "> **Warning:** the sides were measured on different hosts (%s, %s); "
			     "their times are not comparable.\n\n",
			c->a.host && *c->a.host ? c->a.host : "unknown",
			c->b.host && *c->b.host ? c->b.host : "unknown");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		if (!r->nunstable || !r->compared)
			continue;
		fputs(any ? ", " : "> **Warning:** the verdict rests on a run whose times stepped "
				   "while it was measured: ",
		      out);
		md_cell(out, r->name);
		fputs(" (", out);
		for (size_t k = 0; k < r->nunstable; k++) {
			char name[32];
			run_dir_name(name, sizeof(name), r->unstable[k]);
			fprintf(out, "%s%s", k ? ", " : "", name);
		}
		fputc(')', out);
		any = true;
	}
	if (any)
		fputs(".\n\n", out);
	any = false;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		char fa[32] = "unknown", fb[32] = "unknown";
		if (!r->compared || !row_interference(r))
			continue;
		if (isfinite(r->other_a))
			snprintf(fa, sizeof(fa), "%.2f", r->other_a);
		if (isfinite(r->other_b))
			snprintf(fb, sizeof(fb), "%.2f", r->other_b);
		fputs(any ? "; " : "> **Warning:** other processes used the machine heavily or "
				   "unequally while the sides were measured (CPUs' worth of their time, "
				   "a vs b): ",
		      out);
		md_cell(out, r->name);
		fprintf(out, " %s vs %s", fa, fb);
		any = true;
	}
	if (any)
		fputs(".\n\n", out);
	if (c->same_build)
		fputs("The artifacts are byte-identical: same build; nothing to test.\n\n", out);
}

static void md_noise_model(FILE *out, const struct comparison *c, const struct view_ctx *ctx)
{
	char thr[32];
	snprintf(thr, sizeof(thr), "±%.3g%%", ctx->threshold * 100);
	fputs("\n## Noise model\n\n", out);
	if (c->method == METHOD_PAIRED)
		fputs("Method: paired. The sides are one interleaved A/B job; iteration i of a is "
		      "paired with iteration i of b, and each pair gives one log-ratio log(b/a), so "
		      "drift of the machine slower than one pair cancels. p is the Wilcoxon "
		      "signed-rank test of the log-ratios (the paired t-test's beside it); the change "
		      "and its interval are the Hodges-Lehmann estimate of the ratio and its "
		      "distribution-free interval at 1 - the level of the sequential look the job "
		      "stopped at (alpha is spent over the looks as pairs are added, so the "
		      "confidence differs per benchmark; p_sequential = p × alpha / level).",
		      out);
	else
		fprintf(out,
			"Method: runs. The sides are separate runs, and a run is one value, the log "
			"of its mean time: the iterations of one run share the machine's state and "
			"are not independent. The spread of one run's value (σ) is this host's "
			"run-to-run noise, from the consecutive differences (robust: MAD) of each "
			"benchmark's values over the newest %zu finished runs of this host that are "
			"not A/B sides (at most %d), pooled with the sides' own repeated runs; it is "
			"known after %d runs. The change is the ratio of the sides' geometric means, "
			"its interval the t interval at %g%%.",
			c->nhistory, NOISE_RUNS, STATS_NOISE_MIN_DIFFS + 1, (1 - ctx->alpha) * 100);
	fprintf(out,
		" Alpha %g, with the Benjamini-Hochberg correction over the %zu benchmark%s tested "
		"(q is the adjusted p-value): among the benchmarks called faster or slower, the "
		"expected share of false findings is at most alpha.",
		ctx->alpha, c->tested, c->tested == 1 ? "" : "s");
	if (c->method == METHOD_RUNS && ctx->threshold_auto) {
		size_t hist = 0, rows = 0;
		for (size_t i = 0; i < c->nrows; i++) {
			rows += c->rows[i].compared;
			hist += c->rows[i].compared && c->rows[i].threshold_history;
		}
		fprintf(out,
			" Threshold: auto, each benchmark's fence of its run-to-run changes on this "
			"host (Q3 + 1.5 IQR) once its noise is known, else the fixed %s: %zu of %zu "
			"from history.\n",
			thr, hist, rows);
	} else {
		fprintf(out, " Threshold: %s%s.\n", thr,
			ctx->threshold_auto ? " (auto applies to separate runs; pairs keep the fixed one)"
					    : " (configured)");
	}
	fputs("\nVerdicts: slower (faster) needs q <= alpha, the whole interval above (below) no "
	      "change and the estimate beyond the threshold; unchanged means the whole interval "
	      "lies within ±threshold; undecided is anything else, and says why.\n",
	      out);
}

static void render_md(FILE *out, const struct comparison *c, const struct view_ctx *ctx)
{
	bool reasons = false;
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
	md_shadowed(out, &c->a);
	if (strcmp(c->a.rev, c->b.rev) != 0)
		md_shadowed(out, &c->b);
	if (c->method == METHOD_PAIRED)
		fputs("Method: paired. The two sides are one interleaved A/B job (iterations "
		      "alternated in counterbalanced order a b b a a b b a ...), so slow drift of "
		      "the machine and the advantage of going second cancel out.\n\n",
		      out);
	else
		fputs("Method: runs. The sides are separate runs: each run counts as one value, "
		      "judged against this host's run-to-run noise (see Noise model).\n\n",
		      out);
	md_warnings(out, c);
	fputs("Wall time per iteration, mean ± standard deviation (iterations). Change is b/a - 1 "
	      "as the verdict estimates it, with the interval the verdict uses and its confidence; "
	      "p at the verdict's look, q after the correction over the benchmarks.\n\n",
	      out);
	fputs("| benchmark | a | b | change | interval | p | q | samples | verdict |\n"
	      "|---|---:|---:|---:|---|---:|---:|---|---|\n",
	      out);
	for (size_t i = 0; i < c->nrows; i++)
		md_row(out, &c->rows[i], c->method);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		if (!r->compared || !r->reason)
			continue;
		fputs(reasons ? "" : "\n", out);
		fputs("- ", out);
		md_cell(out, r->name);
		fprintf(out, " %s: %s.\n", verdict_name(r->verdict), r->reason);
		reasons = true;
	}
	md_instructions(out, c, ctx->threshold);
	md_noise_model(out, c, ctx);
	fputs("\n## Summary\n\n", out);
	if (c->have_geomean) {
		char g[32], lo[32], hi[32], conf[32];
		format_ratio(g, sizeof(g), c->geomean.geomean);
		format_ratio(lo, sizeof(lo), c->geomean.lo);
		format_ratio(hi, sizeof(hi), c->geomean.hi);
		format_confidence(conf, sizeof(conf), c->geomean_confidence);
		fprintf(out, "Geometric mean of b/a over %zu benchmark%s: %s (%s interval %s to %s).\n",
			c->geomean.k, c->geomean.k == 1 ? "" : "s", g, conf, lo, hi);
	} else {
		fputs("No benchmark has samples on both sides.\n", out);
	}
	fprintf(out, "%zu faster, %zu slower, %zu unchanged, %zu undecided, %zu same build",
		c->verdicts[STATS_FASTER], c->verdicts[STATS_SLOWER], c->verdicts[STATS_UNCHANGED],
		c->verdicts[STATS_UNDECIDED], c->verdicts[VERDICT_SAME_BUILD]);
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
	/* The commit a branch or tag of the baseline's name would have meant. */
	json_object_object_add(o, "shadowed_commit",
			       s->ref.shadowed[0] ? json_object_new_string(s->ref.shadowed) : NULL);
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

static json_object *json_pair(json_object *a, json_object *b)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "a", a);
	json_object_object_add(o, "b", b);
	return o;
}

static json_object *json_count(size_t n)
{
	return json_object_new_int64((int64_t)n);
}

static json_object *json_row(const struct row *r, const struct comparison *c,
			     const struct view_ctx *ctx)
{
	json_object *o = json_object_new_object(), *ci = NULL, *pooled = NULL;
	bool paired = c->method == METHOD_PAIRED, cmp = r->compared;
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "a", json_stats(r->a, &r->sa));
	json_object_object_add(o, "b", json_stats(r->b, &r->sb));
	json_object_object_add(o, "method", json_object_new_string(method_name(c->method)));
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
	json_object_object_add(o, "ratio", cmp ? json_number(r->ratio) : NULL);
	json_object_object_add(o, "ratio_ci", ci);
	json_object_object_add(o, "confidence", cmp && r->have_ci ? json_number(r->confidence) : NULL);
	json_object_object_add(o, "p_value", cmp && r->testable ? json_number(r->p) : NULL);
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

static char *render_json(const struct comparison *c, const struct view_ctx *ctx)
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
	if (c->have_geomean) {
		json_object *ci = json_object_new_array();
		json_object_array_add(ci, json_number(c->geomean.lo));
		json_object_array_add(ci, json_number(c->geomean.hi));
		json_object_object_add(summary, "geomean_ratio", json_number(c->geomean.geomean));
		json_object_object_add(summary, "geomean_ci", ci);
		json_object_object_add(summary, "geomean_confidence",
				       json_number(c->geomean_confidence));
	} else {
		json_object_object_add(summary, "geomean_ratio", NULL);
		json_object_object_add(summary, "geomean_ci", NULL);
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
	text = json_text(root);
	json_object_put(root);
	return text;
}

int compare_pair_outcomes(struct compare_outcome **out, size_t *n, const struct view_ctx *ctx,
			  const char *commit_a, const char *commit_b)
{
	struct comparison c;
	struct side_ref a = {0}, b = {0};
	int rc;
	*out = NULL;
	*n = 0;
	memset(&c, 0, sizeof(c));
	c.paired_only = true;
	snprintf(a.commit, sizeof(a.commit), "%s", commit_a);
	snprintf(b.commit, sizeof(b.commit), "%s", commit_b);
	if ((rc = comparison_build(&c, ctx, commit_a, &a, commit_b, &b)))
		goto done;
	if (c.method != METHOD_PAIRED) {
		rc = -ENOENT;
		goto done;
	}
	if (!(*out = calloc(c.nrows + 1, sizeof(**out)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < c.nrows; i++) {
		const struct row *r = &c.rows[i];
		struct compare_outcome *o = &(*out)[i];
		if (!(o->bench = strdup(r->name))) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
		o->verdict = r->compared ? r->verdict : STATS_UNDECIDED;
		o->ratio = r->ratio;
		o->ci_lo = r->have_ci ? r->ci_lo : NAN;
		o->ci_hi = r->have_ci ? r->ci_hi : NAN;
		o->q = r->testable ? r->out.q : NAN;
		o->mean_a = r->a ? r->sa.mean : NAN;
		o->mean_b = r->b ? r->sb.mean : NAN;
		o->pairs = r->pairs;
	}
	for (size_t i = 0; i < *n; i++) {
		(*out)[i].runs[0] = c.a.runs[0];
		(*out)[i].runs[1] = c.b.runs[0];
	}
done:
	comparison_clear(&c);
	if (rc) {
		compare_outcomes_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void compare_outcomes_free(struct compare_outcome *outcomes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(outcomes[i].bench);
	free(outcomes);
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
