#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "format.h"
#include "history.h"
#include "regressions.h"
#include "result.h"
#include "verdict.h"

/* The A/B jobs of the commits one rendering looked at, read once each. */
struct job_cache {
	struct cached_job {
		size_t a, b; /* history commits */
		int rc;      /* 0, or -ENOENT when the two have no finished job */
		struct compare_outcome *outcomes;
		size_t n;
	} *jobs;
	size_t n, cap;
};

static void job_cache_clear(struct job_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		compare_outcomes_free(c->jobs[i].outcomes, c->jobs[i].n);
	free(c->jobs);
	memset(c, 0, sizeof(*c));
}

/* The verdict of bench in the A/B job of commits a and b into *out (NULL when
 * the job did not measure it): 0, -ENOENT when there is no finished job. */
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
		if (cache->n == cache->cap) {
			size_t cap = cache->cap ? cache->cap * 2 : 8;
			struct cached_job *grown = realloc(cache->jobs, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			cache->jobs = grown;
			cache->cap = cap;
		}
		job = &cache->jobs[cache->n];
		*job = (struct cached_job){.a = a, .b = b};
		job->rc = compare_pair_outcomes(&job->outcomes, &job->n, ctx, hr->commits[a],
						hr->commits[b]);
		if (job->rc && job->rc != -ENOENT)
			return job->rc;
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

static int suspect_walk(struct suspect_walk *w, struct job_cache *cache,
			const struct view_ctx *ctx, const struct history_regressions *hr,
			const struct history_suspect *s)
{
	const struct compare_outcome *o;
	int rc;
	*w = (struct suspect_walk){.state = SUSPECT_OPEN, .lo = s->lo, .hi = s->hi};
	if (s->lo >= s->hi)
		return 0; /* at the first commit: nothing before it to compare with */
	if ((rc = job_outcome(&o, cache, ctx, hr, s->lo, s->hi, s->bench)) == -ENOENT) {
		*w = (struct suspect_walk){.lo = s->lo, .hi = s->hi, .need = true,
					   .need_a = s->lo, .need_b = s->hi};
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
			rc = job_outcome(&o, cache, ctx, hr, half[k][0], half[k][1], s->bench);
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

/* A confirmed step's line: the fields of the history's lines, then how it
 * was decided and the range the step lies in. */
static int confirmed_line(char **text, const struct view_ctx *ctx,
			  const struct history_regressions *hr, const struct history_suspect *s,
			  const struct suspect_walk *w)
{
	const struct compare_outcome *o = w->proof;
	char pct[32], q[32], runs[64], a[32], b[32];
	format_percent(pct, sizeof(pct), o->ratio - 1);
	snprintf(q, sizeof(q), "%.4f", o->q);
	run_dir_name(a, sizeof(a), o->runs[0]);
	run_dir_name(b, sizeof(b), o->runs[1]);
	snprintf(runs, sizeof(runs), "%s,%s", a, b);
	return asprintf(text, "%s\t%s\t%.9g\t%.9g\t%s\t%s\t%s\t%.3g%%\tfixed\tpaired\t%s..%s\n",
			hr->commits[w->hi], s->bench, o->mean_a, o->mean_b, pct, q, runs,
			ctx->threshold * 100, hr->commits[w->lo], hr->commits[w->hi]) < 0
		       ? -ENOMEM
		       : 0;
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

int regressions_render(char **text, const struct view_ctx *ctx, const char *tip)
{
	struct history_regressions hr;
	struct job_cache cache = {0};
	struct suspect_walk *walks = NULL;
	struct out_line *lines = NULL;
	size_t n = 0, len = 0;
	FILE *out;
	int rc;
	*text = NULL;
	if ((rc = history_regressions(&hr, ctx, tip)))
		return rc;
	walks = calloc(hr.nsuspects + 1, sizeof(*walks));
	lines = calloc(hr.nlines + hr.nsuspects + 1, sizeof(*lines));
	if (!walks || !lines) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < hr.nsuspects && rc == 0 && ctx->confirm; i++)
		rc = suspect_walk(&walks[i], &cache, ctx, &hr, &hr.suspects[i]);
	/* Instruction counts are deterministic: the history's step is the
	 * change. A wall time step is only a suspect until its job says slower,
	 * unless no jobs are run to confirm them. */
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
	for (size_t i = 0; i < hr.nsuspects && rc == 0 && ctx->confirm; i++) {
		bool seen = false;
		if (walks[i].state != SUSPECT_CONFIRMED)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = walks[k].state == SUSPECT_CONFIRMED && walks[k].lo == walks[i].lo &&
			       walks[k].hi == walks[i].hi &&
			       strcmp(hr.suspects[k].bench, hr.suspects[i].bench) == 0;
		if (seen)
			continue;
		if ((rc = confirmed_line(&lines[n].text, ctx, &hr, &hr.suspects[i], &walks[i])) == 0)
			lines[n++].point = walks[i].hi;
	}
	if (rc)
		goto done;
	if (n)
		qsort(lines, n, sizeof(*lines), cmp_out_line);
	if (!(out = open_memstream(text, &len))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		fputs(lines[i].text, out);
	if (fclose(out))
		rc = -ENOMEM;
done:
	for (size_t i = 0; lines && i < n; i++)
		free(lines[i].text);
	free(lines);
	free(walks);
	job_cache_clear(&cache);
	history_regressions_clear(&hr);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

int regressions_next_job(char a[STORE_HASH_LEN + 1], char b[STORE_HASH_LEN + 1],
			 const struct view_ctx *ctx, const char *tip)
{
	struct history_regressions hr;
	struct job_cache cache = {0};
	int rc;
	if ((rc = history_regressions(&hr, ctx, tip)))
		return rc;
	rc = -ENOENT;
	/* Newest first: the latest commits are the ones a team is waiting on. */
	for (size_t i = hr.nsuspects; i-- > 0;) {
		struct suspect_walk w;
		bool queued = true;
		int wrc = suspect_walk(&w, &cache, ctx, &hr, &hr.suspects[i]);
		if (wrc) {
			rc = wrc;
			break;
		}
		if (!w.need)
			continue;
		/* A job queued once is never queued again: a failed one or one
		 * still waiting must not start a loop. */
		if (store_pair_queued(ctx->store, &queued, hr.commits[w.need_a],
				      hr.commits[w.need_b]) != STORE_OK) {
			rc = -EIO;
			break;
		}
		if (queued)
			continue;
		memcpy(a, hr.commits[w.need_a], STORE_HASH_LEN + 1);
		memcpy(b, hr.commits[w.need_b], STORE_HASH_LEN + 1);
		rc = 0;
		break;
	}
	job_cache_clear(&cache);
	history_regressions_clear(&hr);
	return rc;
}
