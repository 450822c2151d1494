#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/history.h"
#include "views/internal_history.h"

/* The lines and suspects the regressions file rests on. */

/* The history's own test lists a step when it is significant at alpha in the
 * runs' means. A step in the runs' minimums significant at this looser level
 * is a suspect: an A/B job of the commits SUSPECT_REACH before and
 * SUSPECT_REACH - 1 after it decides (regressions.c). A false suspect costs
 * machine time, never a line. */
#define SUSPECT_ALPHA 0.05
#define SUSPECT_REACH 3

struct regress_ctx {
	const struct history *h;
	const struct view_ctx *view;
	struct history_line *lines;
	size_t n, alloc;
	struct history_suspect *suspects;
	size_t nsuspects, suspects_alloc;
};

/* Append a line for the change at history points [from, to) (one group of
 * identical builds, usually one commit): fields, then extra (with its own
 * leading tabs, or ""). */
static int regress_add(struct regress_ctx *c, size_t from, size_t to, const char *bench,
		       const char *before, const char *after, double change, const char *p,
		       const char *extra)
{
	const struct point *pt = &c->h->points[from];
	struct strbuf sb = STRBUF_INIT;
	char pct[32], *text;
	size_t k = 0;
	int rc;
	format_percent(pct, sizeof(pct), change);
	strbuf_addf(&sb, "%s\t%s\t%s\t%s\t%s\t%s\t", pt->commit, bench, before, after, pct, p);
	for (size_t q = from; q < to; q++) {
		for (size_t i = 0; i < c->h->points[q].nruns; i++) {
			char name[32];
			runid_dir_name(name, sizeof(name), c->h->points[q].runs[i]);
			strbuf_addf(&sb, "%s%s", k++ ? "," : "", name);
		}
	}
	strbuf_addf(&sb, "%s\n", extra);
	if (!(text = strbuf_detach(&sb, NULL)))
		return -ENOMEM;
	if ((rc = ALLOC_GROW(c->lines, c->n + 1, c->alloc))) {
		free(text);
		return rc;
	}
	c->lines[c->n] = (struct history_line){.point = from, .bench = strdup(bench), .text = text};
	if (!c->lines[c->n].bench) {
		free(text);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

/* Suspect a step of bench at history point at (the first commit of its
 * group), unless a step of bench that near is suspected already: the two
 * tests place one step a commit or two apart. */
static int suspect_add(struct regress_ctx *c, const char *bench, size_t at)
{
	struct history_suspect *sp;
	int rc;
	for (size_t i = 0; i < c->nsuspects; i++) {
		sp = &c->suspects[i];
		if ((sp->point > at ? sp->point - at : at - sp->point) < SUSPECT_REACH &&
		    strcmp(sp->bench, bench) == 0)
			return 0;
	}
	if ((rc = ALLOC_GROW(c->suspects, c->nsuspects + 1, c->suspects_alloc)))
		return rc;
	sp = &c->suspects[c->nsuspects];
	*sp = (struct history_suspect){
		.bench = strdup(bench),
		.point = at,
		.lo = at > SUSPECT_REACH ? at - SUSPECT_REACH : 0,
		.hi = at + SUSPECT_REACH - 1 < c->h->n ? at + SUSPECT_REACH - 1 : c->h->n - 1,
	};
	if (!sp->bench)
		return -ENOMEM;
	c->nsuspects++;
	return 0;
}

/* The slowdowns of every benchmark that changed: each a suspect, and with
 * lines also a line of the history's own (the run means' analysis). Of a
 * metric's family (a->metric set): its changes in its bad direction, each a
 * suspect too when the metric gates (a declared one: the A/B jobs judge it
 * as they judge wall times), cpu's and memory's lines only. */
static int regress_wall(struct regress_ctx *c, const struct analysis *a, bool lines)
{
	bool settled = a->metric[0] == '\0' || store_metric_gates(a->metric);
	int rc = 0;
	for (size_t i = 0; i < a->n && rc == 0; i++) {
		const struct run_series *s = &a->series[i];
		struct change *list = NULL;
		size_t n = 0;
		if (!s->passed)
			continue;
		if ((rc = series_changes(&list, &n, s, true)))
			break;
		for (size_t k = 0; k < n && rc == 0; k++) {
			size_t g = s->group[list[k].point];
			size_t from = c->h->group_first[g];
			size_t to = g + 1 < c->h->ngroups ? c->h->group_first[g + 1] : c->h->n;
			char before[32], after[32], p[32], extra[64];
			if (lines) {
				snprintf(before, sizeof(before), "%.9g", list[k].before);
				snprintf(after, sizeof(after), "%.9g", list[k].after);
				snprintf(p, sizeof(p), "%.4f", list[k].p);
				snprintf(extra, sizeof(extra), "\t%.3g%%\t%s\truns\t-",
					 s->threshold * 100, s->threshold_history ? "history" : "fixed");
				if ((rc = regress_add(c, from, to, s->bench, before, after,
						      list[k].change, p, extra)))
					break;
				c->lines[c->n - 1].wall = settled;
			}
			if (settled)
				rc = suspect_add(c, s->bench, from);
		}
		free(list);
	}
	return rc;
}

static int regress_instructions(void *ctx, const struct series *s)
{
	struct regress_ctx *c = ctx;
	char *name = NULL;
	size_t k = 0;
	double prev = NAN;
	int rc = 0;
	if (asprintf(&name, "%s:instructions", s->bench) < 0)
		return -ENOMEM;
	/* Deterministic counts: a step between neighbouring commits is the change itself. */
	for (size_t p = 0; p < s->npoints && rc == 0; p++) {
		double mean = point_mean(s, p, k);
		k += s->counts[p];
		if (prev > 0 && mean / prev - 1 > c->view->threshold) {
			char before[32], after[32], extra[2 * STORE_HASH_LEN + 48];
			snprintf(before, sizeof(before), "%.0f", prev);
			snprintf(after, sizeof(after), "%.0f", mean);
			/* The same fields as a wall time line's, so that cut and awk
			 * read both: the method says the counts decided. */
			snprintf(extra, sizeof(extra), "\t%.3g%%\tfixed\tcount\t%s..%s",
				 c->view->threshold * 100, c->h->points[s->point[p - 1]].commit,
				 c->h->points[s->point[p]].commit);
			rc = regress_add(c, s->point[p], s->point[p] + 1, name, before, after,
					 mean / prev - 1, "-", extra);
		}
		prev = mean;
	}
	free(name);
	return rc;
}

/* Every metric the branch's runs have, each its own family: its steps in
 * its bad direction as lines and suspects, its marks appended to *marks.
 * marks NULL: the suspects of the gating metrics only, for the A/B jobs. */
static int regress_metrics(struct regress_ctx *c, char **marks)
{
	struct store_metric_def *defs = NULL;
	struct run_map m;
	size_t ndefs = 0;
	int rc = run_map_build(&m, c->h);
	if (rc)
		return rc;
	rc = store_errno(store_metrics_of_runs(c->view->store, &defs, &ndefs, m.runs, m.n, NULL));
	run_map_free(&m);
	for (size_t i = 0; i < ndefs && rc == 0; i++) {
		struct analysis a;
		char *text = NULL;
		if (!marks && !store_metric_gates(defs[i].name))
			continue;
		if ((rc = analysis_load_metric(&a, c->view, c->h, &defs[i], c->view->alpha)))
			break;
		if ((rc = analysis_run(&a, c->view, NULL)) == 0 &&
		    (rc = regress_wall(c, &a, marks != NULL)) == 0 && marks &&
		    (rc = history_marks_text(&text, &a, c->h)) == 0 && *text) {
			char *joined;
			if (asprintf(&joined, "%s%s", *marks ? *marks : "", text) < 0) {
				rc = -ENOMEM;
			} else {
				free(*marks);
				*marks = joined;
			}
		}
		free(text);
		analysis_clear(&a);
	}
	free(defs);
	return rc;
}

static int cmp_line(const void *a, const void *b)
{
	const struct history_line *x = a, *y = b;
	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	return strcmp(x->text, y->text);
}

void history_regressions_clear(struct history_regressions *r)
{
	for (size_t i = 0; i < r->nlines; i++) {
		free(r->lines[i].bench);
		free(r->lines[i].text);
	}
	for (size_t i = 0; i < r->nsuspects; i++)
		free(r->suspects[i].bench);
	free(r->lines);
	free(r->suspects);
	free(r->marks);
	free(r->commits);
	free(r->paired);
	memset(r, 0, sizeof(*r));
}

static int regressions_of(struct history_regressions *out, const struct view_ctx *ctx,
			  const char *tip, bool metrics)
{
	struct history h;
	struct analysis a, mins = {0};
	struct regress_ctx c = {.h = &h, .view = ctx};
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = history_load(&h, ctx, tip)))
		return rc;
	if ((rc = analysis_load(&a, ctx, &h, RUN_LOG_MEAN, ctx->alpha)))
		goto done_history;
	if (ctx->confirm && (rc = analysis_load(&mins, ctx, &h, RUN_LOG_MIN, SUSPECT_ALPHA)))
		goto done_mean;
	if ((rc = analysis_run(&a, ctx, NULL)) || (rc = regress_wall(&c, &a, true)) ||
	    (rc = history_marks_text(&out->marks, &a, &h)) ||
	    (rc = series_each(ctx, &h, NULL, INSTRUCTIONS, regress_instructions, &c)) ||
	    (rc = regress_metrics(&c, metrics ? &out->marks : NULL)))
		goto done;
	/* Without A/B jobs to settle them, the minimums' suspects would go unused:
	 * they are neither loaded nor tested. */
	if (ctx->confirm &&
	    ((rc = analysis_run(&mins, ctx, NULL)) || (rc = regress_wall(&c, &mins, false))))
		goto done;
	if (!(out->commits = malloc((h.n + 1) * sizeof(*out->commits))) ||
	    !(out->paired = calloc(h.n + 1, sizeof(*out->paired)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < h.n; i++) {
		memcpy(out->commits[i], h.points[i].commit, sizeof(out->commits[i]));
		for (size_t r = 0; r < h.points[i].nruns; r++)
			out->paired[i] |= !h.points[i].solo[r];
	}
	out->ncommits = h.n;
	/* In commit order, oldest first (no lines: no array to sort). */
	if (c.n)
		qsort(c.lines, c.n, sizeof(*c.lines), cmp_line);
	out->lines = c.lines;
	out->nlines = c.n;
	out->suspects = c.suspects;
	out->nsuspects = c.nsuspects;
	c.lines = NULL;
	c.suspects = NULL;
	c.n = c.nsuspects = 0;
done:
	analysis_clear(&mins);
done_mean:
	analysis_clear(&a);
done_history:
	history_clear(&h);
	if (rc) {
		struct history_regressions partial = {.lines = c.lines,
						      .nlines = c.n,
						      .suspects = c.suspects,
						      .nsuspects = c.nsuspects};
		history_regressions_clear(&partial);
		history_regressions_clear(out);
	}
	return rc;
}

int history_regressions(struct history_regressions *out, const struct view_ctx *ctx,
			const char *tip)
{
	return regressions_of(out, ctx, tip, true);
}

int history_regressions_suspects(struct history_regressions *out, const struct view_ctx *ctx,
				 const char *tip)
{
	return regressions_of(out, ctx, tip, false);
}
