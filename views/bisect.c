/* Bisections of confirmed steps (bisect.h): the narrowing, the judging of a
 * commit from its runs, and bisect/<id>. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/parents.h"
#include "stats/verdict.h"
#include "util/array.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/bisect.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/internal_history.h"
#include "views/regressions.h"

/* Where on the step a commit must lie to be judged at once (bisect.h). */
#define T_GOOD 0.3
#define T_BAD 0.7
/* Runs of one commit before the nearer side decides. */
#define RUNS_PER_COMMIT 2
/* Merges within merges: deeper than this is no history a person wrote. */
#define DESCENT_MAX 32

/* ---- the narrowing ---- */

/* The index in (lo, hi) nearest the middle that is not skipped (the lower
 * of two as near), or SIZE_MAX when every one is. */
static size_t pick(const bool *skipped, size_t lo, size_t hi)
{
	size_t mid = lo + (hi - lo) / 2;
	for (size_t d = 0; d < hi - lo; d++) {
		if (mid >= d && mid - d > lo && !skipped[mid - d])
			return mid - d;
		if (mid + d < hi && mid + d > lo && !skipped[mid + d])
			return mid + d;
	}
	return SIZE_MAX;
}

int bisect_search(struct bisect_search *out, struct repo *repo, const char *good,
		  const char *bad, bisect_judge_fn judge, void *arg)
{
	repo_hex *line = NULL, *parents = NULL;
	bool *skipped = NULL;
	size_t n = 0, nparents = 0;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = repo_first_parent_line(&line, &n, repo, good, bad, BISECT_LINE_MAX)))
		return rc;
	for (int depth = 0;; depth++) {
		size_t lo = 0, hi = n - 1;
		free(skipped);
		if (!(skipped = calloc(n, sizeof(*skipped)))) {
			rc = -ENOMEM;
			goto done;
		}
		while (hi - lo > 1) {
			size_t at = pick(skipped, lo, hi);
			enum bisect_judgement j;
			if (at == SIZE_MAX) {
				out->found = BISECT_ONLY_SKIPPED;
				memcpy(out->culprit, line[hi], sizeof(out->culprit));
				memcpy(out->parent, line[lo], sizeof(out->parent));
				goto done;
			}
			out->judged++;
			if ((rc = judge(arg, &j, line[at])))
				goto done;
			if (j == BISECT_UNKNOWN) {
				out->found = BISECT_NEED;
				memcpy(out->need, line[at], sizeof(out->need));
				goto done;
			}
			if (j == BISECT_GOOD)
				lo = at;
			else if (j == BISECT_BAD)
				hi = at;
			else
				skipped[at] = true;
		}
		out->found = BISECT_FIRST_BAD;
		memcpy(out->culprit, line[hi], sizeof(out->culprit));
		free(parents);
		parents = NULL;
		if ((rc = repo_parents(&parents, &nparents, repo, line[hi])))
			goto done;
		snprintf(out->parent, sizeof(out->parent), "%s", nparents ? parents[0] : "");
		/* A merge whose first parent is good: the step came with what it
		 * merged, as git bisect finds (or with the merge itself, when all
		 * of that is good). */
		if (nparents < 2 || strcmp(line[lo], parents[0]) != 0 || depth == DESCENT_MAX)
			goto done;
		free(line);
		line = NULL;
		if ((rc = repo_merged_line(&line, &n, repo, out->culprit, BISECT_LINE_MAX)))
			goto done;
		if (n <= 2)
			goto done;
	}
done:
	free(skipped);
	free(parents);
	free(line);
	return rc;
}

/* ---- judging from the store ---- */

struct value_sum {
	const char *bench;
	double *values; /* per run, indexed like ids */
	const int64_t *ids;
	size_t n;
	double *sums;
	size_t *counts;
};

static ssize_t index_of(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return (ssize_t)i;
	return -1;
}

static int add_sum(void *arg, const char *benchmark, int64_t run_id, int64_t n, int64_t sum,
		   int64_t min)
{
	struct value_sum *v = arg;
	ssize_t i = index_of(v->ids, v->n, run_id);
	(void)sum;
	if (i >= 0 && n > 0 && min > 0 && strcmp(benchmark, v->bench) == 0)
		v->values[i] = log((double)min);
	return 0;
}

static int add_metric(void *arg, const char *benchmark, int64_t run_id, double value)
{
	struct value_sum *v = arg;
	ssize_t i = index_of(v->ids, v->n, run_id);
	if (i >= 0 && strcmp(benchmark, v->bench) == 0) {
		v->sums[i] += value;
		v->counts[i]++;
	}
	return 0;
}

/* Each run's value (bisect.h) into values (NAN for a run without it). */
static int run_values(double *values, const struct view_ctx *ctx, const char *bench,
		      const char *metric, const int64_t *ids, size_t n)
{
	struct value_sum v = {.bench = bench, .values = values, .ids = ids, .n = n};
	int rc;
	for (size_t i = 0; i < n; i++)
		values[i] = NAN;
	if (n == 0)
		return 0;
	if (strcmp(metric, "wall") == 0)
		return store_errno(store_sums_of_runs(ctx->store, ids, n, add_sum, &v));
	v.sums = calloc(n, sizeof(*v.sums));
	v.counts = calloc(n, sizeof(*v.counts));
	if (!v.sums || !v.counts) {
		rc = -ENOMEM;
		goto done;
	}
	rc = store_errno(store_samples_of_runs(ctx->store, ids, n, metric, bench, add_metric, &v));
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (v.counts[i] && v.sums[i] > 0)
			values[i] = log(v.sums[i] / (double)v.counts[i]);
done:
	free(v.sums);
	free(v.counts);
	return rc;
}

/* The mean value of ids' runs (NAN when none has one). */
static int mean_value(double *out, const struct view_ctx *ctx, const char *bench,
		      const char *metric, const int64_t *ids, size_t n)
{
	double *values = n ? calloc(n, sizeof(*values)) : NULL, sum = 0;
	size_t k = 0;
	int rc;
	*out = NAN;
	if (n && !values)
		return -ENOMEM;
	if ((rc = run_values(values, ctx, bench, metric, ids, n)) == 0) {
		for (size_t i = 0; i < n; i++)
			if (isfinite(values[i])) {
				sum += values[i];
				k++;
			}
		if (k)
			*out = sum / (double)k;
	}
	free(values);
	return rc;
}

/* The mean value of commit's own runs (no bisection's) on this host. */
static int reference_value(double *out, const struct view_ctx *ctx, const char *bench,
			   const char *metric, const char *commit)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = store_errno(store_commit_done_runs(ctx->store, &ids, &n, commit, ctx->host));
	if (rc == 0)
		rc = mean_value(out, ctx, bench, metric, ids, n);
	free(ids);
	return rc;
}

struct walk_ctx {
	struct bisect_walk *w;
	const struct view_ctx *ctx;
	const struct store_bisection *b;
	struct store_run *runs; /* the bisection's */
	size_t nruns;
	int max_runs;
};

static int step_add(struct bisect_walk *w, struct bisect_step **out, const char *commit)
{
	int rc = ALLOC_GROW(w->steps, w->nsteps + 1, w->alloc);
	if (rc)
		return rc;
	*out = &w->steps[w->nsteps++];
	memset(*out, 0, sizeof(**out));
	memcpy((*out)->commit, commit, sizeof((*out)->commit));
	(*out)->t = NAN;
	return 0;
}

/* A new solo run of commit is next, unless the cap is reached. */
static void need_run(struct walk_ctx *wc, const char *commit)
{
	struct bisect_walk *w = wc->w;
	if (w->solo_runs >= (size_t)wc->max_runs) {
		w->action = BISECT_STOP;
		w->state = "capped";
		snprintf(w->detail, sizeof(w->detail),
			 "stopped at max_runs (%d runs) before the first bad commit was found",
			 wc->max_runs);
		return;
	}
	w->action = BISECT_QUEUE_RUN;
	memcpy(w->target, commit, sizeof(w->target));
}

static int store_judge(void *arg, enum bisect_judgement *out, const char *commit)
{
	struct walk_ctx *wc = arg;
	struct bisect_walk *w = wc->w;
	struct bisect_step *s;
	int64_t done[8];
	size_t ndone = 0, pending = 0;
	const char *failed = NULL;
	double m;
	int rc;
	*out = BISECT_UNKNOWN;
	if ((rc = step_add(w, &s, commit)))
		return rc;
	for (size_t i = 0; i < wc->nruns; i++) {
		const struct store_run *r = &wc->runs[i];
		if (r->pair_id || strcmp(r->commit, commit) != 0)
			continue;
		if (s->nruns < sizeof(s->runs) / sizeof(s->runs[0]))
			s->runs[s->nruns++] = r->id;
		if (r->state == RUN_DONE && ndone < sizeof(done) / sizeof(done[0]))
			done[ndone++] = r->id;
		else if (r->state == RUN_FAILED)
			failed = r->detail;
		else if (r->state != RUN_DONE)
			pending++;
	}
	if (pending) {
		w->action = BISECT_WAIT;
		return 0;
	}
	/* A commit that does not build cannot be judged: skipped, as git
	 * bisect skip does, and a neighbour is tried. */
	if (ndone == 0 && failed) {
		s->judged = *out = BISECT_SKIPPED;
		snprintf(s->why, sizeof(s->why), "%s", failed);
		return 0;
	}
	if (ndone == 0) {
		need_run(wc, commit);
		return 0;
	}
	if ((rc = mean_value(&m, wc->ctx, wc->b->benchmark, wc->b->metric, done, ndone)))
		return rc;
	if (!isfinite(m)) {
		s->judged = *out = BISECT_SKIPPED;
		snprintf(s->why, sizeof(s->why), "its runs have no %s of %s", wc->b->metric,
			 wc->b->benchmark);
		return 0;
	}
	s->t = (m - w->good_value) / (w->bad_value - w->good_value);
	if (s->t <= T_GOOD || (ndone >= RUNS_PER_COMMIT && s->t < 0.5))
		s->judged = *out = BISECT_GOOD;
	else if (s->t >= T_BAD || ndone >= RUNS_PER_COMMIT)
		s->judged = *out = BISECT_BAD;
	else if (failed) /* a second run that failed: the nearer side */
		s->judged = *out = s->t < 0.5 ? BISECT_GOOD : BISECT_BAD;
	else
		need_run(wc, commit);
	return 0;
}

void bisect_walk_clear(struct bisect_walk *w)
{
	free(w->steps);
	free(w->runs);
	memset(w, 0, sizeof(*w));
}

/* The A/B job of parent against culprit among the bisection's runs: the
 * newest; sides NULL when none. */
static void find_pair(const struct store_run **a, const struct store_run **b,
		      const struct walk_ctx *wc, const char *parent, const char *culprit)
{
	*a = *b = NULL;
	for (size_t i = 0; i < wc->nruns; i++) {
		const struct store_run *r = &wc->runs[i];
		if (!r->pair_id || strcmp(r->commit, parent) != 0)
			continue;
		for (size_t k = 0; k < wc->nruns; k++)
			if (wc->runs[k].id == r->pair_id && wc->runs[k].id > r->id &&
			    strcmp(wc->runs[k].commit, culprit) == 0) {
				*a = r;
				*b = &wc->runs[k];
			}
	}
}

/* A verdict as the bisection's metric reads it: a declared metric's
 * slower is worse (bisect.c keeps the verdicts in wall time's terms). */
static const char *verdict_word(const char *metric, int verdict)
{
	bool declared = strcmp(metric, "wall") != 0 && strcmp(metric, INSTRUCTIONS) != 0;
	if (declared && verdict == STATS_SLOWER)
		return "worse";
	if (declared && verdict == STATS_FASTER)
		return "better";
	return stats_verdict_name(verdict);
}

/* The verifying job's verdict, once it ran. */
static int verify(struct walk_ctx *wc)
{
	struct bisect_walk *w = wc->w;
	const struct store_run *a, *b;
	int rc = 0;
	find_pair(&a, &b, wc, w->parent, w->culprit);
	if (!a) {
		w->action = BISECT_QUEUE_PAIR;
		memcpy(w->target, w->culprit, sizeof(w->target));
		memcpy(w->target_parent, w->parent, sizeof(w->target_parent));
		return 0;
	}
	w->verify_runs[0] = a->id;
	w->verify_runs[1] = b->id;
	if (a->state == RUN_FAILED || b->state == RUN_FAILED) {
		w->action = BISECT_STOP;
		w->state = "not-verified";
		snprintf(w->detail, sizeof(w->detail), "the verifying A/B job failed: %s",
			 a->state == RUN_FAILED ? a->detail : b->detail);
		return 0;
	}
	if (a->state != RUN_DONE || b->state != RUN_DONE) {
		w->action = BISECT_WAIT;
		return 0;
	}
	w->action = BISECT_STOP;
	w->verified = true;
	if (strcmp(wc->b->metric, INSTRUCTIONS) != 0) {
		/* Wall time's verdict, or a declared metric's ("<bench>:<metric>",
		 * slower standing for worse in its direction). */
		bool wall = strcmp(wc->b->metric, "wall") == 0;
		struct compare_outcome *outcomes = NULL;
		size_t n = 0;
		char *key = wall ? NULL : metric_key(wc->b->benchmark, wc->b->metric);
		const char *name = wall ? wc->b->benchmark : key;
		if (!name)
			return -ENOMEM;
		rc = wall ? compare_pair_outcomes(&outcomes, &n, wc->ctx, w->parent, w->culprit)
			  : regressions_pair_metric_outcomes(&outcomes, &n, wc->ctx, w->parent,
							     w->culprit);
		w->verified = false;
		for (size_t i = 0; rc == 0 && i < n; i++)
			if (strcmp(outcomes[i].bench, name) == 0) {
				w->verified = true;
				w->verdict = outcomes[i].verdict;
				w->ratio = outcomes[i].ratio;
				w->ci_lo = outcomes[i].ci_lo;
				w->ci_hi = outcomes[i].ci_hi;
				w->q = outcomes[i].q;
			}
		compare_outcomes_free(outcomes, n);
		free(key);
		if (rc == -ENOENT)
			rc = 0;
	} else {
		/* Counts are deterministic: the two runs' counts are the step. */
		double v[2];
		if ((rc = run_values(v, wc->ctx, wc->b->benchmark, wc->b->metric, w->verify_runs, 2)))
			return rc;
		w->ratio = exp(v[1] - v[0]);
		w->ci_lo = w->ci_hi = w->q = NAN;
		w->verified = isfinite(w->ratio);
		w->verdict = w->ratio - 1 > wc->ctx->threshold ? STATS_SLOWER
			     : w->ratio - 1 < -wc->ctx->threshold ? STATS_FASTER
								     : STATS_UNCHANGED;
	}
	if (rc)
		return rc;
	if (w->verified && w->verdict == STATS_SLOWER) {
		w->state = "named";
		return 0;
	}
	w->state = "not-verified";
	snprintf(w->detail, sizeof(w->detail), "the A/B job of its parent against it %s%s",
		 !w->verified ? "did not measure the benchmark" : "did not find it ",
		 !w->verified ? "" : verdict_word(wc->b->metric, STATS_SLOWER));
	return 0;
}

/* Whether a step of metric is bad when its values drop: a declared metric
 * where higher is better (a throughput); wall time and counts are costs. */
static int drop_is_bad(bool *out, const struct view_ctx *ctx, const char *metric)
{
	struct store_metric_def def;
	int rc;
	*out = false;
	if (strcmp(metric, "wall") == 0 || strcmp(metric, INSTRUCTIONS) == 0)
		return 0;
	rc = store_metric_def_get(ctx->store, &def, metric);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return store_errno(rc);
	*out = def.higher_is_better;
	return 0;
}

int bisect_walk(struct bisect_walk *w, const struct view_ctx *ctx, const struct store_bisection *b,
		int max_runs)
{
	struct walk_ctx wc = {.w = w, .ctx = ctx, .b = b, .max_runs = max_runs};
	struct bisect_search search;
	bool drop;
	int rc;
	memset(w, 0, sizeof(*w));
	w->state = "running";
	w->action = BISECT_STOP;
	if ((rc = store_errno(store_bisection_runs(ctx->store, &wc.runs, &wc.nruns, b->id))))
		return rc;
	if (wc.nruns && !(w->runs = malloc(wc.nruns * sizeof(*w->runs)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < wc.nruns; i++) {
		w->runs[w->nruns++] = wc.runs[i].id;
		w->solo_runs += wc.runs[i].pair_id == 0;
	}
	if ((rc = reference_value(&w->good_value, ctx, b->benchmark, b->metric, b->good)) ||
	    (rc = reference_value(&w->bad_value, ctx, b->benchmark, b->metric, b->bad)) ||
	    (rc = drop_is_bad(&drop, ctx, b->metric)))
		goto done;
	/* t places a commit on the step in either direction: only the step's
	 * direction must be the bad one. */
	if (!isfinite(w->good_value) || !isfinite(w->bad_value) ||
	    (drop ? w->bad_value >= w->good_value : w->bad_value <= w->good_value)) {
		w->state = "gave-up";
		snprintf(w->detail, sizeof(w->detail),
			 "the runs of its two ends on this host show no %s to judge by",
			 drop ? "drop" : "slowdown");
		goto done;
	}
	rc = bisect_search(&search, ctx->repo, b->good, b->bad, store_judge, &wc);
	if (rc == -ENOENT) {
		w->state = "gave-up";
		snprintf(w->detail, sizeof(w->detail),
			 "the good commit is not on the bad one's first-parent line");
		rc = 0;
		goto done;
	}
	if (rc)
		goto done;
	switch (search.found) {
	case BISECT_NEED:
		/* store_judge set the action: wait, a run, or capped. */
		break;
	case BISECT_ONLY_SKIPPED:
		w->state = "gave-up";
		snprintf(w->detail, sizeof(w->detail),
			 "only skipped commits are left: the first bad commit is after %.12s,"
			 " at or before %.12s",
			 search.parent, search.culprit);
		break;
	case BISECT_FIRST_BAD:
		memcpy(w->culprit, search.culprit, sizeof(w->culprit));
		memcpy(w->parent, search.parent, sizeof(w->parent));
		rc = verify(&wc);
		break;
	}
done:
	store_runs_free(wc.runs, wc.nruns);
	if (rc)
		bisect_walk_clear(w);
	return rc;
}

/* ---- regressions lines ---- */

static bool is_hash(const char *s, size_t len)
{
	if (len != STORE_HASH_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int bisect_line_parse(struct bisect_line *out, const char *line)
{
	const char *field[12] = {0}, *end[12] = {0}, *p = line, *colon;
	size_t k = 0, len;
	memset(out, 0, sizeof(*out));
	while (k < 12) {
		field[k] = p;
		p += strcspn(p, "\t\n");
		end[k++] = p;
		if (*p != '\t')
			break;
		p++;
	}
	if (k < 11)
		return -ENOENT;
	len = (size_t)(end[1] - field[1]);
	if (len >= sizeof(out->bench))
		return -ENOENT;
	memcpy(out->bench, field[1], len);
	/* A paired step is of wall time, or of the metric its name ends in,
	 * "<bench>:<metric>" (a benchmark's name holds no ':'), as a count's
	 * is (instructions: the only per-run count). A step found by the
	 * history's runs test alone ("runs", no range) is not bisected: it was
	 * never confirmed. */
	colon = strrchr(out->bench, ':');
	if (colon && (colon == out->bench || !store_metric_name_valid(colon + 1)))
		colon = NULL;
	if ((size_t)(end[9] - field[9]) == 6 && strncmp(field[9], "paired", 6) == 0 && !colon) {
		out->metric = "wall";
	} else if (colon && (((size_t)(end[9] - field[9]) == 5 && strncmp(field[9], "count", 5) == 0) ||
			     ((size_t)(end[9] - field[9]) == 6 && strncmp(field[9], "paired", 6) == 0))) {
		snprintf(out->metric_name, sizeof(out->metric_name), "%s", colon + 1);
		out->metric = out->metric_name;
		out->bench[colon - out->bench] = '\0';
	} else {
		return -ENOENT;
	}
	/* "<good>..<bad>" */
	if ((size_t)(end[10] - field[10]) != 2 * STORE_HASH_LEN + 2 ||
	    !is_hash(field[10], STORE_HASH_LEN) || strncmp(field[10] + STORE_HASH_LEN, "..", 2) ||
	    !is_hash(field[10] + STORE_HASH_LEN + 2, STORE_HASH_LEN))
		return -ENOENT;
	memcpy(out->good, field[10], STORE_HASH_LEN);
	memcpy(out->bad, field[10] + STORE_HASH_LEN + 2, STORE_HASH_LEN);
	return 0;
}

int bisect_line_culprit(char out[STORE_HASH_LEN + 1], const struct view_ctx *ctx,
			const char *line)
{
	struct bisect_line l;
	struct store_bisection b;
	int rc;
	strcpy(out, "-");
	if (bisect_line_parse(&l, line))
		return 0;
	rc = store_bisection_find(ctx->store, &b, l.bench, l.metric, l.good, l.bad);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return store_errno(rc);
	if (strcmp(b.state, "named") == 0 && b.culprit[0])
		memcpy(out, b.culprit, STORE_HASH_LEN + 1);
	store_bisection_clear(&b);
	return 0;
}

/* ---- bisect/ ---- */

int64_t bisect_parse_name(const char *name)
{
	int64_t id = 0;
	if (!*name || *name == '0' || strlen(name) > 18)
		return -1;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		id = id * 10 + (*p - '0');
	}
	return id;
}

int bisect_listing(char ***names, size_t *n, const struct view_ctx *ctx)
{
	struct store_bisection *list = NULL;
	size_t count = 0;
	int rc = store_errno(store_bisections_list(ctx->store, &list, &count));
	*names = NULL;
	*n = 0;
	if (rc)
		return rc;
	if (count && !(*names = calloc(count, sizeof(**names))))
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < count; i++) {
		if (asprintf(&(*names)[i], "%lld", (long long)list[i].id) < 0) {
			(*names)[i] = NULL;
			rc = -ENOMEM;
		} else {
			(*n)++;
		}
	}
	store_bisections_free(list, count);
	if (rc) {
		for (size_t i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
	}
	return rc;
}

/* "<short> <subject>" of commit, or the hash alone when the repository
 * cannot say. */
static void add_commit(struct strbuf *out, const struct view_ctx *ctx, const char *commit)
{
	char shortid[REPO_HEX_SIZE];
	char *subject = NULL;
	if (repo_short_id(shortid, ctx->repo, commit))
		snprintf(shortid, sizeof(shortid), "%.12s", commit);
	if (repo_subject(&subject, ctx->repo, commit))
		subject = NULL;
	strbuf_addf(out, "%s\t%s\t%s", commit, shortid, subject ? subject : "");
	free(subject);
}

static void add_runs(struct strbuf *out, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[32];
		runid_dir_name(name, sizeof(name), ids[i]);
		strbuf_addf(out, "%s%s", i ? "," : "", name);
	}
	if (!n)
		strbuf_addstr(out, "-");
}

static const char *judgement_name(enum bisect_judgement j)
{
	switch (j) {
	case BISECT_GOOD:
		return "good";
	case BISECT_BAD:
		return "bad";
	case BISECT_SKIPPED:
		return "skipped";
	default:
		return "pending";
	}
}

int bisect_render(char **text, const struct view_ctx *ctx, int64_t id)
{
	struct store_bisection b;
	struct bisect_walk w;
	struct strbuf out = STRBUF_INIT;
	bool stopped;
	int rc = store_errno(store_bisection_get(ctx->store, &b, id));
	*text = NULL;
	if (rc)
		return rc;
	/* What the daemon recorded when it stopped stands; a running one is
	 * shown as the store has it now. The cap is the daemon's to apply:
	 * here no cap, so a capped one still shows its steps. */
	if ((rc = bisect_walk(&w, ctx, &b, 1 << 30))) {
		store_bisection_clear(&b);
		return rc;
	}
	stopped = strcmp(b.state, "running") != 0;
	strbuf_addf(&out, "bisection\t%lld\n", (long long)b.id);
	strbuf_addf(&out, "benchmark\t%s\n", b.benchmark);
	strbuf_addf(&out, "metric\t%s\n", b.metric);
	strbuf_addstr(&out, "good\t");
	add_commit(&out, ctx, b.good);
	strbuf_addstr(&out, "\nbad\t");
	add_commit(&out, ctx, b.bad);
	strbuf_addf(&out, "\nstate\t%s\n", b.state);
	for (size_t i = 0; i < w.nsteps; i++) {
		const struct bisect_step *s = &w.steps[i];
		char shortid[REPO_HEX_SIZE], t[32];
		if (repo_short_id(shortid, ctx->repo, s->commit))
			snprintf(shortid, sizeof(shortid), "%.12s", s->commit);
		if (isfinite(s->t))
			snprintf(t, sizeof(t), "%.2f", s->t);
		else
			strcpy(t, "-");
		strbuf_addf(&out, "step\t%zu\t%s\t%s\t", i + 1, s->commit, shortid);
		add_runs(&out, s->runs, s->nruns);
		strbuf_addf(&out, "\t%s\t%s", judgement_name(s->judged), t);
		if (s->why[0])
			strbuf_addf(&out, "\t%s", s->why);
		strbuf_addstr(&out, "\n");
	}
	if (stopped && b.culprit[0]) {
		strbuf_addstr(&out, "culprit\t");
		add_commit(&out, ctx, b.culprit);
		strbuf_addstr(&out, "\n");
	} else if (w.culprit[0]) {
		strbuf_addstr(&out, "first bad\t");
		add_commit(&out, ctx, w.culprit);
		strbuf_addstr(&out, stopped ? "\n" : "\t(verifying)\n");
	}
	if (w.verify_runs[0]) {
		strbuf_addstr(&out, "verified by\t");
		add_runs(&out, w.verify_runs, 2);
		if (w.verified) {
			char pct[32];
			format_percent(pct, sizeof(pct), w.ratio - 1);
			strbuf_addf(&out, "\t%s\tratio %.4g\t%s", verdict_word(b.metric, w.verdict), w.ratio,
				    pct);
			if (isfinite(w.ci_lo))
				strbuf_addf(&out, "\tinterval %.4g..%.4g", w.ci_lo, w.ci_hi);
			if (isfinite(w.q))
				strbuf_addf(&out, "\tq %.4f", w.q);
		}
		strbuf_addstr(&out, "\n");
	}
	strbuf_addf(&out, "runs used\t%zu\t", w.nruns);
	add_runs(&out, w.runs, w.nruns);
	strbuf_addf(&out, "\nbuilds\t%zu\n", w.solo_runs);
	if (b.detail[0])
		strbuf_addf(&out, "detail\t%s\n", b.detail);
	bisect_walk_clear(&w);
	store_bisection_clear(&b);
	if (!(*text = strbuf_detach(&out, NULL)))
		return -ENOMEM;
	return 0;
}

int bisect_line_annotate(char **line, const struct view_ctx *ctx)
{
	char culprit[STORE_HASH_LEN + 1], *text;
	size_t len = strlen(*line);
	int rc;
	if (len && (*line)[len - 1] == '\n')
		len--;
	if ((rc = bisect_line_culprit(culprit, ctx, *line)))
		return rc;
	if (asprintf(&text, "%.*s\t%s\n", (int)len, *line, culprit) < 0)
		return -ENOMEM;
	free(*line);
	*line = text;
	return 0;
}
