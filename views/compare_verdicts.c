#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "runner/result.h"
#include "stats/describe.h"
#include "stats/distributions.h"
#include "stats/hypothesis.h"
#include "stats/multiple.h"
#include "stats/noise.h"
#include "stats/paired.h"
#include "stats/verdict.h"
#include "util/array.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/internal_compare.h"

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
				int rc = REALLOC_ARRAY(r->unstable, r->nunstable + 1);
				if (rc)
					return rc;
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

bool row_interference(const struct row *r)
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

/* The level of the look an A/B job stopped at for row r's benchmark (an
 * older A/B run had one look: alpha). Its metrics are judged at the same
 * look: the job adds pairs while wall time or a declared metric is
 * undecided, so it may stop on either's looks. */
static double job_level(const struct row *r, const struct comparison *c,
			const struct view_ctx *ctx)
{
	const struct run_value_bench *lv = run_values_find(&c->level, r->name);
	double level;
	if (!run_value_get(&level, lv, c->a.runs[0]) && !run_value_get(&level, lv, c->b.runs[0]))
		return ctx->alpha;
	return level > 0 && level <= ctx->alpha ? level : ctx->alpha;
}

/* Interleaved A/B job: iteration i of a with iteration i of b. */
static int row_paired(struct row *r, const struct comparison *c, const struct view_ctx *ctx)
{
	size_t n = r->a->n < r->b->n ? r->a->n : r->b->n, len;
	struct stats_paired pa;
	double *scratch, level = job_level(r, c, ctx);
	int rc;
	r->pairs = n;
	r->threshold = ctx->threshold;
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

/* Both sides measured one commit (two runs of it, say): an A/A check, whose
 * difference is the host's noise. An A/B job of a commit against itself
 * would only measure that noise again, so none is suggested. */
static bool same_commit(const struct comparison *c)
{
	/* Variants of one commit's runs are two workloads, no A/A check. */
	return !c->variant_param && strcmp(c->a.ref.commit, c->b.ref.commit) == 0;
}

/* Separate runs: one value per run against this host's run-to-run noise
 * (of wall time, or of metric m's values). */
static int row_runs(struct row *r, const struct comparison *c, const struct metric_table *m,
		    const struct view_ctx *ctx)
{
	const struct run_value_bench *b = run_values_find(m ? &m->logs : &c->logs, r->name);
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
	r->runs_b = side_values(lb, &c->b,
				c->variant_param ? run_values_find(m ? &m->logs_b : &c->logs_b, r->name)
						 : b);
	r->level = ctx->alpha;
	/* The runs compared are not part of the noise they are compared
	 * against: the noise's sd follows its tail, which their own
	 * difference would join. */
	for (size_t i = 0; b && i < b->n; i++)
		if (ids_contain(c->history, c->nhistory, b->runs[i]) &&
		    !ids_contain(c->a.runs, c->a.nruns, b->runs[i]) &&
		    !ids_contain(c->b.runs, c->b.nruns, b->runs[i]))
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
		rc = asprintf(&r->reason, "a side has no run with a positive mean%s",
			      m ? "" : " time") < 0
			     ? -ENOMEM
			     : 0;
		goto done;
	}
	/* The ratio of the geometric means of the runs' means, even when untested. */
	(void)stats_mean(&mean_a, la, r->runs_a);
	(void)stats_mean(&mean_b, lb, r->runs_b);
	r->ratio = exp(mean_b - mean_a);
	src = stats_runs_compare(&rc_, la, r->runs_a, lb, r->runs_b, have_noise ? &noise : NULL,
				 1 - ctx->alpha);
	if (src == STATS_EEMPTY && c->variant_param) {
		rc = asprintf(&r->reason,
			      "each variant was measured once in each of the %zu run(s) of %s and "
			      "this host's run-to-run noise is not known yet (%zu of the %d runs it "
			      "needs): more runs of its commit decide it (echo %s > queue)",
			      c->a.nruns, c->variant_rev, r->history_runs, STATS_NOISE_MIN_DIFFS + 1,
			      c->suggest_a) < 0
			     ? -ENOMEM
			     : 0;
		goto done;
	}
	if (src == STATS_EEMPTY && same_commit(c)) {
		rc = asprintf(&r->reason,
			      "this host's run-to-run noise is not known yet (%zu of the %d runs it "
			      "needs) and neither side has repeated runs; both sides measured one "
			      "commit, an A/A check whose difference is that noise: more runs on "
			      "this host make it known",
			      r->history_runs, STATS_NOISE_MIN_DIFFS + 1) < 0
			     ? -ENOMEM
			     : 0;
		goto done;
	}
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

/* The mean of metric m of benchmark name in each run of side s, into out
 * (s->nruns): a run is the unit of separate runs' analysis, its iterations
 * share one build and one service. */
static int side_run_means(size_t *n, double *out, const struct comparison *c, bool side_b,
			  const struct metric_table *m, const char *name,
			  const struct view_ctx *ctx)
{
	const struct side *s = side_b ? &c->b : &c->a;
	int rc = 0;
	*n = 0;
	for (size_t i = 0; i < s->nruns && rc == 0; i++) {
		struct sample_set set = {0};
		const struct bench_samples *b;
		if ((rc = sample_set_load(&set, ctx, &s->runs[i], 1, m->def.name)) == 0 &&
		    (!c->variant_param || (rc = variants_remap_samples(&set, c, side_b)) == 0) &&
		    (b = sample_set_find(&set, name)) && b->n > 0 &&
		    stats_mean(&out[*n], b->values, b->n) == STATS_OK)
			(*n)++;
		sample_set_clear(&set);
	}
	return rc;
}

/* A metric at 0 on a side, its values never negative (a count of errors
 * going 0 -> 5, or 5 -> 0): the difference of means is the change, tested
 * by Mann-Whitney U on the raw values, which takes zeros and ties (0 on
 * every iteration) as they are. An A/B job's iterations are its samples,
 * as its pairs are wall time's; separate runs are judged on one mean per
 * run, each run being one build and one service. 0 on both sides is no
 * change, and needs no test. */
static int row_from_zero(struct row *r, const struct comparison *c, const struct metric_table *m,
			 const struct view_ctx *ctx)
{
	bool paired = c->method == METHOD_PAIRED;
	size_t na = r->a->n, nb = r->b->n, most = na + nb + c->a.nruns + c->b.nruns + 2, len;
	double *va = NULL, *vb = NULL, *scratch = NULL;
	struct stats_mwu mwu;
	int rc = -ENOMEM, src;
	r->compared = true;
	r->from_zero = true;
	r->diff = r->sb.mean - r->sa.mean;
	r->ratio = r->sa.mean > 0 ? r->sb.mean / r->sa.mean : r->sb.mean > 0 ? INFINITY : NAN;
	r->threshold = ctx->threshold;
	/* An A/B job's at the look it stopped at, as its pairs are judged. */
	r->level = paired ? job_level(r, c, ctx) : ctx->alpha;
	r->sigma_run = NAN; /* no run-to-run noise: the runs' own spread is tested */
	r->pairs = na < nb ? na : nb;
	if (r->sa.max == 0 && r->sb.max == 0) {
		r->verdict = STATS_UNCHANGED;
		return 0;
	}
	if (!(va = malloc(most * sizeof(double))) || !(vb = malloc(most * sizeof(double))))
		goto done;
	if (paired) {
		memcpy(va, r->a->values, na * sizeof(double));
		memcpy(vb, r->b->values, nb * sizeof(double));
	} else if ((rc = side_run_means(&na, va, c, false, m, r->name, ctx)) ||
		   (rc = side_run_means(&nb, vb, c, true, m, r->name, ctx))) {
		goto done;
	} else {
		r->runs_a = na;
		r->runs_b = nb;
	}
	rc = -ENOMEM;
	len = stats_mann_whitney_scratch_len(na, nb);
	if (!(scratch = malloc((len + 1) * sizeof(double))))
		goto done;
	src = na && nb ? stats_mann_whitney_test(&mwu, va, na, vb, nb, STATS_MWU_AUTO, scratch, len)
		       : STATS_EEMPTY;
	if (src != STATS_OK) {
		rc = asprintf(&r->reason, "the %s cannot be tested (%s)",
			      paired ? "iterations" : "runs", stats_strerror(src)) < 0 ? -ENOMEM : 0;
		goto done;
	}
	r->testable = true;
	r->p = mwu.p;
	r->in = (struct stats_verdict_input){.testable = true,
					     .estimate = r->diff > 0 ? STATS_VERDICT_FROM_ZERO_LOG : -STATS_VERDICT_FROM_ZERO_LOG,
					     .p = mwu.p,
					     .level = r->level,
					     .threshold = r->threshold};
	r->in.lo = r->in.hi = r->in.estimate;
	rc = 0;
done:
	free(va);
	free(vb);
	free(scratch);
	return rc;
}

/* The fewest runs a side for which Mann-Whitney U can decide a change from
 * 0 at alpha: every run of one side at 0, every run of the other above
 * (0 when more than 100 would be needed, or without memory). */
static size_t runs_to_decide(double alpha)
{
	enum { MOST = 100 };
	double v[2 * MOST], *scratch;
	size_t len = stats_mann_whitney_scratch_len(MOST, MOST), found = 0;
	struct stats_mwu mwu;
	if (!(scratch = malloc((len + 1) * sizeof(double))))
		return 0;
	for (size_t i = 0; i < 2 * MOST; i++)
		v[i] = i < MOST ? 0 : 1;
	for (size_t n = 2; n <= MOST && !found; n++)
		if (stats_mann_whitney_test(&mwu, v + MOST - n, n, v + MOST, n, STATS_MWU_AUTO, scratch,
					    len) == STATS_OK && mwu.p <= alpha)
			found = n;
	free(scratch);
	return found;
}

/* Why a change from 0 stayed undecided, and what would decide it. */
static int from_zero_reason(struct row *r, const struct comparison *c,
			    const struct metric_table *m, const struct view_ctx *ctx)
{
	char q[32], p[32], more[96] = "";
	size_t need;
	format_p(q, sizeof(q), r->out.q, true);
	format_p(p, sizeof(p), r->p, true);
	if (c->method == METHOD_PAIRED)
		return asprintf(&r->reason,
				"changed from 0 by %+.4g %s, not significant (Mann-Whitney U on %zu"
				" and %zu iterations: p = %s, q = %s > alpha %g); a longer A/B job"
				" (compare.max_pairs) can decide it",
				r->diff, m->def.unit, r->a->n, r->b->n, p, q, ctx->alpha) < 0
			       ? -ENOMEM
			       : 0;
	need = runs_to_decide(ctx->alpha);
	if (need)
		snprintf(more, sizeof(more), " (%zu a side decide a change seen in every run)", need);
	return asprintf(&r->reason,
			"changed from 0 by %+.4g %s, not significant (Mann-Whitney U on the means"
			" of %zu and %zu runs: p = %s, q = %s > alpha %g); more runs of each side"
			" can decide it%s",
			r->diff, m->def.unit, r->runs_a, r->runs_b, p, q, ctx->alpha, more) < 0
		       ? -ENOMEM
		       : 0;
}

int compute_row(struct row *r, const struct comparison *c, const struct metric_table *m,
		const struct view_ctx *ctx, double *scratch)
{
	int rc;
	r->verdict = STATS_UNDECIDED;
	if (r->a && stats_describe(&r->sa, r->a->values, r->a->n, scratch))
		return -EIO;
	if (r->b && stats_describe(&r->sb, r->b->values, r->b->n, scratch))
		return -EIO;
	if (!r->a || !r->b)
		return 0;
	/* cpu and memory at 0 were not recorded (runs of an older benchfs):
	 * no change from 0 to test. */
	if (m && r->sa.min >= 0 && r->sb.min >= 0 && (r->sa.mean == 0 || r->sb.mean == 0) &&
	    strcmp(m->def.name, STORE_METRIC_CPU) != 0 &&
	    strcmp(m->def.name, STORE_METRIC_MEMORY) != 0) {
		rc = row_notes(r, c);
		if (rc == 0)
			rc = row_from_zero(r, c, m, ctx);
		goto same_build;
	}
	if (!(r->sa.mean > 0))
		return 0;
	if (stats_compare(&r->pooled, r->a->values, r->a->n, r->b->values, r->b->n, ctx->alpha,
			  ctx->threshold))
		return -EIO;
	r->compared = true;
	if ((rc = row_notes(r, c)))
		return rc;
	rc = c->method == METHOD_PAIRED ? row_paired(r, c, ctx) : row_runs(r, c, m, ctx);
same_build:
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
	else if (same_commit(c))
		snprintf(more, sizeof(more),
			 "both sides measured one commit, an A/A check: the interval is this "
			 "host's noise, with no change of code to decide");
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

/* The three-way verdicts, Benjamini-Hochberg over the tested rows of one
 * family (wall time's, or one metric's). */
static int decide_rows(size_t *tested, struct row *rows, size_t nrows,
		       const struct comparison *c, const struct metric_table *table,
		       const struct view_ctx *ctx)
{
	struct stats_verdict_input *in = calloc(nrows + 1, sizeof(*in));
	struct stats_verdict_output *out = calloc(nrows + 1, sizeof(*out));
	size_t *order = calloc(nrows + 1, sizeof(*order)), m = 0, k = 0;
	double *work = calloc(nrows + 1, sizeof(*work));
	int rc = -ENOMEM;
	if (!in || !out || !order || !work)
		goto done;
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].testable)
			in[m++] = rows[i].in;
	*tested = m;
	if (m > 0 && stats_verdicts(out, in, m, ctx->alpha, order, work) != STATS_OK) {
		rc = -EIO;
		goto done;
	}
	rc = 0;
	for (size_t i = 0; i < nrows && rc == 0; i++) {
		struct row *r = &rows[i];
		if (!r->testable)
			continue;
		r->out = out[k++];
		r->verdict = r->out.verdict;
		if (r->verdict == STATS_UNDECIDED)
			rc = r->from_zero ? from_zero_reason(r, c, table, ctx) : undecided_reason(r, c, ctx);
	}
done:
	free(in);
	free(out);
	free(order);
	free(work);
	return rc;
}

/* Wall time's family, then each metric's. */
int decide(struct comparison *c, const struct view_ctx *ctx)
{
	int rc = decide_rows(&c->tested, c->rows, c->nrows, c, NULL, ctx);
	for (size_t i = 0; i < c->nmetrics && !rc; i++) {
		struct metric_table *m = &c->metrics[i];
		rc = decide_rows(&m->tested, m->rows, m->nrows, c, m, ctx);
	}
	return rc;
}

const char *metric_verdict_name(const struct metric_table *m, int verdict)
{
	if (verdict == VERDICT_SAME_BUILD)
		return verdict_name(verdict);
	return stats_metric_verdict_name(verdict, m->def.higher_is_better);
}

static bool samples_nonzero(const struct sample_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->benches[i].n; k++)
			if (s->benches[i].values[k] != 0)
				return true;
	return false;
}

bool metric_measured(const struct metric_table *m)
{
	return samples_nonzero(&m->a) || samples_nonzero(&m->b);
}

/* A benchmark's interval [lo, hi] around ratio at confidence from, rescaled
 * to confidence to as if its log were normal, so that intervals of looks at
 * different levels combine. */
bool rescale_interval(double *lo, double *hi, const struct row *r, double to)
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

int summarize(struct comparison *c, const struct view_ctx *ctx)
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
	/* One benchmark without an interval of its own gives [0, inf) (the
	 * spread across benchmarks needs two), and an extreme spread can leave
	 * a bound that underflows or overflows: no interval then (NAN), which
	 * the renderings show as absent with the reason. */
	if (c->have_geomean && !(c->geomean.lo > 0 && isfinite(c->geomean.hi)))
		c->geomean.lo = c->geomean.hi = NAN;
	for (size_t t = 0; t < c->nmetrics; t++) {
		struct metric_table *m = &c->metrics[t];
		for (size_t i = 0; i < m->nrows; i++) {
			const struct row *r = &m->rows[i];
			m->only_b += !r->a;
			m->only_a += r->a && !r->b;
			if (r->compared)
				m->verdicts[r->verdict]++;
		}
	}
done:
	free(ratio);
	free(lo);
	free(hi);
	return rc;
}

bool instructions_of(double *out, const struct bench_samples *s)
{
	return s && stats_mean(out, s->values, s->n) == STATS_OK;
}

const char *instructions_verdict(double a, double b, double threshold)
{
	double change = b / a - 1;
	return change > threshold ? "slower" : change < -threshold ? "faster" : "unchanged";
}


/* Whether a row's instruction count grew beyond the threshold, and by how much. */
static bool instructions_slower(double *change, const struct row *r, double threshold)
{
	double a = 0, b = 0;
	if (!instructions_of(&a, r->ia) || !instructions_of(&b, r->ib) || a <= 0)
		return false;
	*change = b / a - 1;
	return strcmp(instructions_verdict(a, b, threshold), "slower") == 0;
}

void compare_overall(struct overall *out, const struct comparison *c, double threshold)
{
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < VERDICT_KINDS; k++)
		out->compared += c->verdicts[k];
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		double change;
		if (r->compared && r->verdict == STATS_SLOWER &&
		    (!out->worst || !isfinite(out->worst->ratio) ||
		     (isfinite(r->ratio) && r->ratio > out->worst->ratio)))
			out->worst = r;
		if (instructions_slower(&change, r, threshold) &&
		    (out->ins_slower++ == 0 || change > out->worst_ins_change)) {
			out->worst_ins = r;
			out->worst_ins_change = change;
		}
	}
	/* An undecided benchmark may hide a slowdown: it outweighs faster. */
	out->verdict = c->verdicts[STATS_SLOWER] || out->ins_slower ? "slower"
		       : c->verdicts[STATS_UNDECIDED]               ? "undecided"
		       : c->verdicts[STATS_FASTER]                  ? "faster"
		       : c->verdicts[STATS_UNCHANGED]               ? "unchanged"
		       : c->verdicts[VERDICT_SAME_BUILD]            ? "same build"
								    : "nothing compared";
}

int comparison_left_out(char ***names, size_t *n, const struct comparison *c,
			const struct view_ctx *ctx)
{
	struct store_run run;
	struct config *config = NULL;
	char err[256];
	int rc = 0;
	*names = NULL;
	*n = 0;
	if (!c->a.interleaved || c->variant_param || c->a.nruns != 1)
		return 0;
	if ((rc = store_errno(store_run_get(ctx->store, &run, c->a.runs[0]))))
		return rc;
	/* The configuration as queued, services included; one that no longer
	 * parses (an older benchfs's) names nothing left out. */
	if (run.config && config_parse(&config, run.config, err, sizeof(err)) == 0)
		for (size_t i = 0; i < config->nbenchmarks && rc == 0; i++) {
			const char *name = config->benchmarks[i].name;
			if (!config->benchmarks[i].service || sample_set_find(&c->wall_a, name) ||
			    sample_set_find(&c->wall_b, name))
				continue;
			if ((rc = REALLOC_ARRAY(*names, *n + 1)) == 0 &&
			    !((*names)[*n] = strdup(name)))
				rc = -ENOMEM;
			else if (rc == 0)
				(*n)++;
		}
	config_free(config);
	store_run_clear(&run);
	if (rc) {
		left_out_free(*names, *n);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

void left_out_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
