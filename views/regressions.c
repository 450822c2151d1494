#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/result.h"
#include "stats/verdict.h"
#include "util/array.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/bisect.h"
#include "views/alerts.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/history.h"
#include "views/internal_compare.h"
#include "views/internal_history.h"
#include "views/kept.h"
#include "views/regressions.h"

#define REGRESSIONS_VIEW "regressions"

/* The A/B jobs of the commits one rendering looked at, read once each. */
struct job_cache {
	struct cached_job {
		size_t a, b; /* history commits */
		int rc;      /* 0, or -ENOENT when the two have no finished job */
		struct compare_outcome *outcomes;
		size_t n;
	} *jobs;
	size_t n, alloc;
};

static void job_cache_clear(struct job_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		compare_outcomes_free(c->jobs[i].outcomes, c->jobs[i].n);
	free(c->jobs);
	memset(c, 0, sizeof(*c));
}

/* Whether the runs have a metric that gates (a declared one): only then is
 * a job compared again for its metrics, which costs as much as its wall
 * times. */
static int runs_have_gating_metric(bool *out, const struct view_ctx *ctx, const int64_t runs[2])
{
	struct store_metric_def *defs = NULL;
	size_t n = 0;
	int rc = store_errno(store_metrics_of_runs(ctx->store, &defs, &n, runs, 2, NULL));
	*out = false;
	for (size_t i = 0; rc == 0 && i < n; i++)
		*out |= store_metric_gates(defs[i].name);
	free(defs);
	return rc;
}

int regressions_pair_metric_outcomes(struct compare_outcome **out, size_t *n,
				     const struct view_ctx *ctx, const char *commit_a,
				     const char *commit_b)
{
	struct comparison c;
	size_t rows = 0;
	int rc;
	*out = NULL;
	*n = 0;
	/* Not paired_only: the declared metrics' rows are the point. */
	if ((rc = comparison_build_pair(&c, ctx, commit_a, commit_b, false)))
		goto done;
	for (size_t t = 0; t < c.nmetrics; t++)
		rows += c.metrics[t].nrows;
	if (!(*out = calloc(rows + 1, sizeof(**out)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t t = 0; t < c.nmetrics && rc == 0; t++) {
		const struct metric_table *m = &c.metrics[t];
		if (!store_metric_gates(m->def.name))
			continue;
		for (size_t i = 0; i < m->nrows; i++) {
			const struct row *r = &m->rows[i];
			struct compare_outcome *o = &(*out)[*n];
			if (!(o->bench = metric_key(r->name, m->def.name))) {
				rc = -ENOMEM;
				break;
			}
			(*n)++;
			compare_outcome_fill(o, r, &c);
			/* Slower stands for worse in the metric's own direction, as
			 * the settlement reads a wall time's. */
			if (o->verdict == STATS_SLOWER || o->verdict == STATS_FASTER)
				o->verdict = strcmp(metric_verdict_name(m, o->verdict), "worse") == 0
						     ? STATS_SLOWER
						     : STATS_FASTER;
		}
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

/* The job of commits a and b: wall time's verdicts, then the gating
 * metrics' ("<bench>:<metric>"), so that a metric's suspect is settled by
 * the same job as a wall time's, under its own name. */
static int job_load(struct cached_job *job, const struct view_ctx *ctx, const char *a,
		    const char *b)
{
	struct compare_outcome *more = NULL, *all;
	size_t nmore = 0;
	bool metrics = false;
	int rc = compare_pair_outcomes(&job->outcomes, &job->n, ctx, a, b);
	if (rc || job->n == 0 || (rc = runs_have_gating_metric(&metrics, ctx, job->outcomes[0].runs)) ||
	    !metrics)
		return rc;
	if ((rc = regressions_pair_metric_outcomes(&more, &nmore, ctx, a, b)))
		return rc == -ENOENT ? 0 : rc;
	if (!(all = realloc(job->outcomes, (job->n + nmore + 1) * sizeof(*all)))) {
		compare_outcomes_free(more, nmore);
		return -ENOMEM;
	}
	memcpy(all + job->n, more, nmore * sizeof(*more));
	job->outcomes = all;
	job->n += nmore;
	free(more);
	return 0;
}

/* The verdict of bench (or "<bench>:<metric>") in the A/B job of commits a
 * and b into *out (NULL when the job did not measure it): 0, -ENOENT when
 * there is no finished job. */
static int job_outcome(const struct compare_outcome **out, struct job_cache *cache,
		       const struct view_ctx *ctx, const struct history_regressions *hr, size_t a,
		       size_t b, const char *bench)
{
	struct cached_job *job = NULL;
	*out = NULL;
	for (size_t i = 0; i < cache->n && !job; i++)
		if (cache->jobs[i].a == a && cache->jobs[i].b == b)
			job = &cache->jobs[i];
	if (!job) {
		int rc = ALLOC_GROW(cache->jobs, cache->n + 1, cache->alloc);
		if (rc)
			return rc;
		job = &cache->jobs[cache->n];
		*job = (struct cached_job){.a = a, .b = b};
		job->rc = job_load(job, ctx, hr->commits[a], hr->commits[b]);
		if (job->rc && job->rc != -ENOENT) {
			rc = job->rc;
			compare_outcomes_free(job->outcomes, job->n);
			return rc;
		}
		cache->n++;
	}
	if (job->rc)
		return job->rc;
	for (size_t i = 0; i < job->n; i++)
		if (strcmp(job->outcomes[i].bench, bench) == 0)
			*out = &job->outcomes[i];
	return 0;
}

enum suspect_state {
	SUSPECT_OPEN,      /* no job has decided it yet */
	SUSPECT_DISMISSED, /* the job of its window did not find it slower */
	SUSPECT_CONFIRMED, /* slower: within (lo, hi] */
};

/* Where the jobs have taken a suspect, and which job would take it further. */
struct suspect_walk {
	enum suspect_state state;
	size_t lo, hi;                       /* the step is after lo, at or before hi */
	const struct compare_outcome *proof; /* the job that narrowed it last */
	bool need;                           /* a job of need_a against need_b is next */
	size_t need_a, need_b;
};

/* The walk of a suspected step of bench in commits (lo, hi]. */
static int suspect_walk(struct suspect_walk *w, struct job_cache *cache,
			const struct view_ctx *ctx, const struct history_regressions *hr,
			const char *bench, size_t lo, size_t hi)
{
	const struct compare_outcome *o;
	int rc;
	*w = (struct suspect_walk){.state = SUSPECT_OPEN, .lo = lo, .hi = hi};
	if (lo >= hi)
		return 0; /* at the first commit: nothing before it to compare with */
	if ((rc = job_outcome(&o, cache, ctx, hr, lo, hi, bench)) == -ENOENT) {
		*w = (struct suspect_walk){.lo = lo, .hi = hi, .need = true,
					   .need_a = lo, .need_b = hi};
		return 0;
	}
	if (rc)
		return rc;
	if (!o || o->verdict != STATS_SLOWER) {
		w->state = SUSPECT_DISMISSED;
		return 0;
	}
	w->state = SUSPECT_CONFIRMED;
	w->proof = o;
	/* Halve the range: the lower half first, then the upper. */
	while (w->hi - w->lo > 1) {
		size_t mid = w->lo + (w->hi - w->lo) / 2, half[2][2] = {{w->lo, mid}, {mid, w->hi}};
		bool narrowed = false;
		for (int k = 0; k < 2 && !narrowed; k++) {
			rc = job_outcome(&o, cache, ctx, hr, half[k][0], half[k][1], bench);
			if (rc == -ENOENT) {
				w->need = true;
				w->need_a = half[k][0];
				w->need_b = half[k][1];
				return 0;
			}
			if (rc)
				return rc;
			if (o && o->verdict == STATS_SLOWER) {
				w->lo = half[k][0];
				w->hi = half[k][1];
				w->proof = o;
				narrowed = true;
			}
		}
		if (!narrowed)
			break; /* neither half alone is slower: the range stays */
	}
	return 0;
}

/* Every suspect with its walk: the history's, and for each job of a suspect's
 * window, the other benchmarks that job found slower: the job tested every
 * benchmark (with the correction over them), so its verdict stands for them
 * too, and their steps are narrowed by the same jobs. A gating metric's
 * suspect is one more name, "<bench>:<metric>" (its verdicts corrected over
 * its own family), walked by the same rules. */
struct settlement {
	struct settled {
		/* The history's or the job's string (both outlive this); NULL for a
		 * segment of the sweep, which stands for every benchmark. */
		const char *bench;
		size_t point, lo, hi;
		/* From the sweep: named only once narrowed to one commit, and the
		 * rest of its segment is swept again. */
		bool sweep;
		/* Two neighbouring commits whose A/B job someone queued: read when
		 * it ran, never queued by the daemon. */
		bool adjacent;
		size_t seg_lo, seg_hi;
		struct suspect_walk walk;
	} *items;
	size_t n, alloc;
	size_t nsweep; /* items[0, nsweep) are the sweep's, walked first */
};

/* The sweep's segments: this many benchmarked commits each, fixed from the
 * oldest, so a growing branch adds jobs for its newest segment only and the
 * jobs of the older segments stay valid. */
#define SWEEP_SEGMENT 32

static bool same_bench(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

static int settlement_add(struct settlement *st, const struct settled *item)
{
	int rc;
	for (size_t i = 0; i < st->n; i++)
		if (st->items[i].lo == item->lo && st->items[i].hi == item->hi &&
		    st->items[i].sweep == item->sweep && st->items[i].adjacent == item->adjacent &&
		    same_bench(st->items[i].bench, item->bench))
			return 0;
	if ((rc = ALLOC_GROW(st->items, st->n + 1, st->alloc)))
		return rc;
	st->items[st->n] = *item;
	st->items[st->n++].walk = (struct suspect_walk){0};
	return 0;
}

/* A segment of the sweep, (lo, hi], for every benchmark. */
static int sweep_add(struct settlement *st, size_t lo, size_t hi)
{
	struct settled seg = {.point = hi, .lo = lo, .hi = hi, .sweep = true, .seg_lo = lo,
			      .seg_hi = hi};
	return lo < hi ? settlement_add(st, &seg) : 0;
}

/* Each benchmark the job of commits lo and hi found slower, as an item like
 * it (the job tested every benchmark, with the correction over them, so its
 * verdict stands for each). */
static int add_slower_of_job(struct settlement *st, const struct job_cache *cache,
			     const struct settled *like)
{
	int rc = 0;
	for (size_t k = 0; k < cache->n && rc == 0; k++) {
		const struct cached_job *job = &cache->jobs[k];
		if (job->a != like->lo || job->b != like->hi || job->rc)
			continue;
		for (size_t b = 0; b < job->n && rc == 0; b++)
			if (job->outcomes[b].verdict == STATS_SLOWER) {
				struct settled it = *like;
				it.bench = job->outcomes[b].bench;
				rc = settlement_add(st, &it);
			}
	}
	return rc;
}

/* A segment's job, if it ran: 0 with *ran set, or an error. */
static int segment_job(bool *ran, struct job_cache *cache, const struct view_ctx *ctx,
		       const struct history_regressions *hr, size_t lo, size_t hi)
{
	const struct compare_outcome *o;
	int rc = job_outcome(&o, cache, ctx, hr, lo, hi, "");
	*ran = rc == 0;
	return rc == -ENOENT ? 0 : rc;
}

/* Walks the items from the first on, the list growing while it is walked:
 * the jobs of the items' windows add the other benchmarks they found slower,
 * and a sweep item whose walk is over adds the rest of its segment. */
static int settle_items(struct settlement *st, struct job_cache *cache,
			const struct view_ctx *ctx, const struct history_regressions *hr,
			size_t first)
{
	int rc = 0;
	for (size_t i = first; i < st->n && rc == 0; i++) {
		struct settled it = st->items[i];
		struct suspect_walk *w = &st->items[i].walk;
		if (!it.bench) {
			bool ran;
			if ((rc = segment_job(&ran, cache, ctx, hr, it.lo, it.hi)))
				break;
			if (ran)
				rc = add_slower_of_job(st, cache, &it);
			else if (!it.adjacent)
				*w = (struct suspect_walk){.lo = it.lo, .hi = it.hi, .need = true,
							   .need_a = it.lo, .need_b = it.hi};
			continue;
		}
		if ((rc = suspect_walk(w, cache, ctx, hr, it.bench, it.lo, it.hi)))
			break;
		/* Open: the window's job has not run (and is now in the cache when it has). */
		if (w->state == SUSPECT_OPEN)
			continue;
		/* Copied: adding to the list may move it. */
		struct suspect_walk done = *w;
		if ((rc = add_slower_of_job(st, cache, &it)))
			break;
		/* Once its walk is over: until then its range is not final. */
		if (it.sweep && done.state == SUSPECT_CONFIRMED && !done.need) {
			if ((rc = sweep_add(st, it.seg_lo, done.lo)) == 0)
				rc = sweep_add(st, done.hi, it.seg_hi);
		}
	}
	return rc;
}

/* Whether the sweep named a commit in (lo, hi] for bench. */
static bool sweep_named(const struct settlement *st, const char *bench, size_t lo, size_t hi)
{
	for (size_t k = 0; k < st->nsweep; k++) {
		const struct settled *it = &st->items[k];
		if (it->bench && it->walk.state == SUSPECT_CONFIRMED && !it->walk.need &&
		    it->walk.hi - it->walk.lo == 1 && it->walk.hi > lo && it->walk.hi <= hi &&
		    strcmp(it->bench, bench) == 0)
			return true;
	}
	return false;
}

/* Every suspect, settled as far as the jobs go. Two sources. First the sweep,
 * which does not rest on the history's tests (at one run a commit under a
 * changing load they miss real steps): a job of the ends of each segment of
 * the branch, and for each benchmark it finds slower, jobs halving the
 * segment to the commit that made the step (as git bisect does); then the
 * rest of the segment on each side of that commit is swept again, for
 * another step. A sweep names a commit only after a chain of slower verdicts
 * ending in the job of that commit against its predecessor. Then the
 * history's suspects, but none whose step the sweep has named already. */
static int settle(struct settlement *st, struct job_cache *cache, const struct view_ctx *ctx,
		  const struct history_regressions *hr)
{
	int rc = 0;
	memset(st, 0, sizeof(*st));
	for (size_t lo = 0; lo + 1 < hr->ncommits && rc == 0; lo += SWEEP_SEGMENT)
		rc = sweep_add(st, lo, lo + SWEEP_SEGMENT < hr->ncommits ? lo + SWEEP_SEGMENT
									: hr->ncommits - 1);
	/* An A/B job of two neighbouring commits (a user's a..b) says what the
	 * sweep's bisection would end with, and sees a step that a speed-up
	 * elsewhere in its segment hides from the segment's ends. */
	for (size_t i = 1; i < hr->ncommits && rc == 0; i++) {
		struct settled pair = {.point = i, .lo = i - 1, .hi = i, .sweep = true,
				       .adjacent = true, .seg_lo = i - 1, .seg_hi = i};
		if (hr->paired[i - 1] && hr->paired[i])
			rc = settlement_add(st, &pair);
	}
	if (rc || (rc = settle_items(st, cache, ctx, hr, 0)))
		return rc;
	st->nsweep = st->n;
	for (size_t i = 0; i < hr->nsuspects && rc == 0; i++) {
		const struct history_suspect *sp = &hr->suspects[i];
		struct settled it = {.bench = sp->bench, .point = sp->point, .lo = sp->lo,
				     .hi = sp->hi};
		if (!sweep_named(st, sp->bench, sp->lo, sp->hi))
			rc = settlement_add(st, &it);
	}
	return rc ? rc : settle_items(st, cache, ctx, hr, st->nsweep);
}

/* A confirmed step's line: the fields of the history's lines, then how it
 * was decided and the range the step lies in. */
static int confirmed_line(char **text, const struct view_ctx *ctx,
			  const struct history_regressions *hr, const struct settled *it)
{
	const struct suspect_walk *w = &it->walk;
	const struct compare_outcome *o = w->proof;
	char pct[32], q[32], runs[64], a[32], b[32];
	format_percent(pct, sizeof(pct), o->ratio - 1);
	snprintf(q, sizeof(q), "%.4f", o->q);
	runid_dir_name(a, sizeof(a), o->runs[0]);
	runid_dir_name(b, sizeof(b), o->runs[1]);
	snprintf(runs, sizeof(runs), "%s,%s", a, b);
	return asprintf(text, "%s\t%s\t%.9g\t%.9g\t%s\t%s\t%s\t%.3g%%\tfixed\tpaired\t%s..%s\n",
			hr->commits[w->hi], it->bench, o->mean_a, o->mean_b, pct, q, runs,
			ctx->threshold * 100, hr->commits[w->lo], hr->commits[w->hi]) < 0
		       ? -ENOMEM
		       : 0;
}

/* Whether item i of the settlement is a line of the file: a confirmed step,
 * from the sweep only once narrowed to one commit, not listed already, and
 * not a range that another confirmed step of its benchmark narrows further. */
static bool confirmed_to_list(const struct settlement *st, size_t i)
{
	const struct settled *it = &st->items[i];
	const struct suspect_walk *w = &it->walk;
	if (!it->bench || w->state != SUSPECT_CONFIRMED || (it->sweep && w->hi - w->lo > 1))
		return false;
	for (size_t k = 0; k < st->n; k++) {
		const struct settled *o = &st->items[k];
		const struct suspect_walk *v = &o->walk;
		if (k == i || !o->bench || v->state != SUSPECT_CONFIRMED ||
		    strcmp(o->bench, it->bench) != 0 || (o->sweep && v->hi - v->lo > 1))
			continue;
		if (v->lo == w->lo && v->hi == w->hi && k < i)
			return false;
		if (v->lo >= w->lo && v->hi <= w->hi && v->hi - v->lo < w->hi - w->lo)
			return false;
	}
	return true;
}

struct out_line {
	size_t point;
	char *text;
};

static int cmp_out_line(const void *a, const void *b)
{
	const struct out_line *x = a, *y = b;
	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* The regressions file computed from the history, and the plots' change
 * marks that fall out of it (*marks, malloc'd). */
static int regressions_compute(char **text, char **marks, const struct view_ctx *ctx,
			       const char *tip)
{
	struct history_regressions hr;
	struct job_cache cache = {0};
	struct settlement st = {0};
	struct out_line *lines = NULL;
	struct strbuf out = STRBUF_INIT;
	size_t n = 0;
	int rc;
	*text = NULL;
	if ((rc = history_regressions(&hr, ctx, tip)))
		return rc;
	if (ctx->confirm && (rc = settle(&st, &cache, ctx, &hr)))
		goto done;
	if (!(lines = calloc(hr.nlines + st.n + 1, sizeof(*lines)))) {
		rc = -ENOMEM;
		goto done;
	}
	/* Instruction counts are deterministic: the history's step is the
	 * change; cpu and memory gate nothing. A wall time step (and a gating
	 * metric's, l->wall too) is only a suspect until its job says slower
	 * (worse), unless no jobs are run to confirm them. */
	for (size_t i = 0; i < hr.nlines && rc == 0; i++) {
		const struct history_line *l = &hr.lines[i];
		if (l->wall && ctx->confirm)
			continue;
		if (!(lines[n].text = strdup(l->text)))
			rc = -ENOMEM;
		else
			lines[n++].point = l->point;
	}
	/* The confirmed steps, once each. */
	for (size_t i = 0; i < st.n && rc == 0; i++) {
		if (!confirmed_to_list(&st, i))
			continue;
		if ((rc = confirmed_line(&lines[n].text, ctx, &hr, &st.items[i])) == 0)
			lines[n++].point = st.items[i].walk.hi;
	}
	/* Each line's alert id and triage state, fields 12 and 13 (views/alerts.h). */
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = alert_line_annotate(&lines[i].text, ctx->store);
	/* The commit a bisection named, field 14 (views/bisect.h). */
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = bisect_line_annotate(&lines[i].text, ctx);
	if (rc)
		goto done;
	if (n)
		qsort(lines, n, sizeof(*lines), cmp_out_line);
	for (size_t i = 0; i < n; i++)
		strbuf_addstr(&out, lines[i].text);
	if (!(*text = strbuf_detach(&out, NULL)))
		rc = -ENOMEM;
	*marks = hr.marks;
	hr.marks = NULL;
done:
	for (size_t i = 0; lines && i < n; i++)
		free(lines[i].text);
	free(lines);
	free(st.items);
	job_cache_clear(&cache);
	history_regressions_clear(&hr);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

int regressions_render(char **text, const struct view_ctx *ctx, const char *tip)
{
	char *marks = NULL;
	size_t len;
	int64_t seq;
	int rc = kept_view_get(text, &len, &seq, ctx, REGRESSIONS_VIEW, tip);
	if (rc != -ENOENT)
		return rc;
	if ((rc = regressions_compute(text, &marks, ctx, tip)))
		return rc;
	/* The marks first: a reader who finds the file kept finds them too. */
	history_marks_keep(ctx, tip, seq, marks);
	kept_view_put(ctx, REGRESSIONS_VIEW, tip, seq, *text, strlen(*text));
	free(marks);
	return 0;
}

int regressions_next_job(char a[STORE_HASH_LEN + 1], char b[STORE_HASH_LEN + 1],
			 const struct view_ctx *ctx, const char *tip)
{
	struct history_regressions hr;
	struct job_cache cache = {0};
	struct settlement st = {0};
	size_t best = 0;
	bool found = false;
	int rc;
	if ((rc = history_regressions_suspects(&hr, ctx, tip)))
		return rc;
	if ((rc = settle(&st, &cache, ctx, &hr)))
		goto done;
	/* The sweep's jobs first, since a suspect whose step it names needs no job
	 * of its own; among them, the newest commits first: they are the ones a
	 * team is waiting on. */
	for (size_t i = 0; i < st.n; i++) {
		const struct suspect_walk *w = &st.items[i].walk;
		bool queued = true;
		if (found && i == st.nsweep)
			break;
		if (!w->need || (found && w->need_b <= best))
			continue;
		/* A job queued once is never queued again: a failed one or one
		 * still waiting must not start a loop. */
		if ((rc = store_errno(store_pair_queued(ctx->store, &queued, hr.commits[w->need_a],
							hr.commits[w->need_b]))))
			goto done;
		if (queued)
			continue;
		memcpy(a, hr.commits[w->need_a], STORE_HASH_LEN + 1);
		memcpy(b, hr.commits[w->need_b], STORE_HASH_LEN + 1);
		best = w->need_b;
		found = true;
	}
	rc = found ? 0 : -ENOENT;
done:
	free(st.items);
	job_cache_clear(&cache);
	history_regressions_clear(&hr);
	return rc;
}
