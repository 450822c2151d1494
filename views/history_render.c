#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/describe.h"
#include "util/strbuf.h"
#include "views/commit_names.h"
#include "views/format.h"
#include "views/history.h"
#include "views/internal_history.h"
#include "views/render_svg.h"

/* history/<bench>.csv and .svg. */

/* ---- CSV ---- */

struct csv_ctx {
	const struct history *h;
	struct strbuf out;
};

static int csv_series(void *ctx, const struct series *s)
{
	struct csv_ctx *c = ctx;
	double *scratch = malloc((s->nvalues + 1) * sizeof(double));
	size_t k = 0, kp = 0;
	int rc;
	if (!scratch)
		return -ENOMEM;
	for (size_t p = 0; p < s->npoints; p++) {
		const struct point *pt = &c->h->points[s->point[p]];
		struct stats_summary sum;
		char when[32], sd[32] = "";
		if ((rc = point_describe(&sum, s, p, k, kp, scratch))) {
			free(scratch);
			return rc;
		}
		k += s->counts[p];
		kp += s->pruned_counts ? s->pruned_counts[p] : 0;
		format_iso_time(when, sizeof(when), pt->time_ns);
		if (sum.n >= 2)
			snprintf(sd, sizeof(sd), "%.9g", sum.stddev);
		strbuf_addf(&c->out, "%s,%s,%zu,%zu,%.9g,%s,%.9g,%.9g,%.9g\n", pt->commit, when, pt->nruns,
			sum.n, sum.mean, sd, sum.median, sum.min, sum.max);
	}
	free(scratch);
	return 0;
}

/* ---- SVG ---- */

struct svg_ctx {
	const struct history *h;
	const struct view_ctx *view;
	const struct store_metric_def *def; /* the metric plotted; NULL: wall time */
	const size_t *marks; /* history points where changes are marked (history_marks) */
	size_t nmarks;
	struct commit_names *names; /* the x axis names commits as compare/ does */
	/* The pinned baselines to mark, by commit: read at the first plot. */
	struct store_baseline *baselines;
	size_t nbaselines;
	bool baselines_read;
	char *text;
	size_t len;
};

/* The plot's change marks: the changes regressions tests, in either
 * direction, at the first plotted commit of the group that changed. */
static int svg_changes(size_t *changes, size_t *n, const struct svg_ctx *c, const struct series *s)
{
	*n = 0;
	for (size_t i = 0; i < c->nmarks && *n < CHANGES_MAX; i++) {
		size_t first = c->marks[i], k = 0;
		while (k < s->npoints && s->point[k] < first)
			k++;
		if (k > 0 && k < s->npoints)
			changes[(*n)++] = k;
	}
	return 0;
}

static int baseline_commit_compare(const void *a, const void *b)
{
	const struct store_baseline *x = a, *y = b;
	int c = strcmp(x->commit, y->commit);
	return c ? c : strcmp(x->name, y->name);
}

/* The pinned baselines, by commit (read once for the file). */
static int svg_baselines_read(struct svg_ctx *c)
{
	int rc;
	if (c->baselines_read)
		return 0;
	if ((rc = store_baselines_list(c->view->store, &c->baselines, &c->nbaselines)))
		return store_errno(rc);
	c->baselines_read = true;
	if (c->nbaselines)
		qsort(c->baselines, c->nbaselines, sizeof(*c->baselines), baseline_commit_compare);
	return 0;
}

/* The pinned baselines whose commit is a point of s, into pins (room for
 * c->nbaselines); *n their count. */
static void svg_baselines(struct svg_baseline *pins, size_t *n, const struct svg_ctx *c,
			  const struct series *s)
{
	*n = 0;
	for (size_t p = 0; p < s->npoints && c->nbaselines; p++) {
		const char *commit = c->h->points[s->point[p]].commit;
		size_t lo = 0, hi = c->nbaselines;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(c->baselines[mid].commit, commit) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < c->nbaselines && strcmp(c->baselines[lo].commit, commit) == 0; lo++)
			pins[(*n)++] = (struct svg_baseline){.name = c->baselines[lo].name, .point = p};
	}
}

static int svg_series(void *ctx, const struct series *s)
{
	struct svg_ctx *c = ctx;
	size_t ncp = 0, changes[CHANGES_MAX], k = 0, npins = 0, nused = 0;
	struct svg_point *pts = calloc(s->npoints + 1, sizeof(*pts));
	struct svg_baseline *pins = NULL;
	bool *used = calloc(s->npoints + 1, sizeof(*used));
	char (*labels)[COMMIT_NAME_SIZE] = NULL;
	/* No tracked branch (a detached HEAD, none configured): an empty plot
	 * that says so. */
	const char *branch = c->view->branch ? c->view->branch : "(none)";
	char *title = NULL;
	double *scratch = malloc((s->nvalues + 1) * sizeof(double));
	struct svg_series plot = {.points = pts, .npoints = s->npoints, .changes = changes};
	size_t kp = 0;
	int rc = -ENOMEM;
	if (!pts || !used || !scratch)
		goto done;
	if ((rc = svg_changes(changes, &ncp, c, s)) || (rc = svg_baselines_read(c)))
		goto done;
	plot.nchanges = ncp;
	rc = -ENOMEM;
	if (!(pins = calloc(c->nbaselines + 1, sizeof(*pins))))
		goto done;
	svg_baselines(pins, &npins, c, s);
	/* Only the labels the plot shows: a tag costs a revision lookup, and a
	 * long history names only a few of its commits. */
	if ((rc = svg_labels_used(used, &plot, pins, npins)))
		goto done;
	for (size_t p = 0; p < s->npoints; p++)
		nused += used[p];
	rc = -ENOMEM;
	if (!(labels = calloc(nused + 1, sizeof(*labels))))
		goto done;
	nused = 0;
	for (size_t p = 0; p < s->npoints; p++) {
		struct stats_summary d;
		size_t n;
		double mean, sd;
		/* Summarized runs count too (history_pruned.c). */
		if ((rc = point_describe(&d, s, p, k, kp, scratch)))
			goto done;
		n = d.n;
		mean = d.mean;
		sd = n >= 2 ? d.stddev : 0;
		k += s->counts[p];
		kp += s->pruned_counts ? s->pruned_counts[p] : 0;
		pts[p] = (struct svg_point){.mean = mean,
					    .lo = mean - sd > 0 ? mean - sd : 0,
					    .hi = mean + sd,
					    .n = n};
		if (!used[p])
			continue;
		pts[p].label = labels[nused];
		if (commit_names_get(labels[nused], sizeof(labels[nused]), c->names,
				     c->h->points[s->point[p]].commit))
			snprintf(labels[nused], sizeof(labels[nused]), "%.8s",
				 c->h->points[s->point[p]].commit);
		nused++;
	}
	if (strncmp(branch, "refs/heads/", 11) == 0)
		branch += 11;
	if ((c->def ? asprintf(&title, "%s: %s per iteration (%s, %s is better), branch %s (host %s)",
			       s->bench, c->def->name, c->def->unit,
			       c->def->higher_is_better ? "higher" : "lower", branch, c->view->host)
		    : asprintf(&title, "%s: wall time per iteration, branch %s (host %s)", s->bench,
			       branch, c->view->host)) < 0) {
		title = NULL;
		rc = -ENOMEM;
		goto done;
	}
	plot.title = title;
	if (c->def) {
		struct svg_metric metric = {.quantity = c->def->name, .unit = c->def->unit,
					    .higher_is_better = c->def->higher_is_better};
		c->text = svg_render_metric(&plot, pins, npins, &metric, &c->len);
	} else {
		c->text = svg_render_baselines(&plot, pins, npins, &c->len);
	}
	rc = c->text ? 0 : -ENOMEM;
done:
	free(scratch);
	free(title);
	free(pts);
	free(pins);
	free(used);
	free(labels);
	return rc;
}

/* A CSV header cell: the column and the metric's unit, quoted when the
 * unit holds a comma or a quote (units come from the configuration). */
static void csv_unit_cell(struct strbuf *out, const char *column, const char *unit)
{
	if (!strpbrk(unit, ",\"\r\n")) {
		strbuf_addf(out, ",%s (%s)", column, unit);
		return;
	}
	strbuf_addf(out, ",\"%s (", column);
	for (const char *c = unit; *c; c++) {
		if (*c == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, *c);
	}
	strbuf_addstr(out, ")\"");
}

int history_render(char **text, size_t *len, const struct view_ctx *ctx, const char *tip,
		   const char *name, enum history_format format)
{
	struct history_name hn;
	const struct store_metric_def *def;
	const char *bench, *metric;
	struct history h;
	int rc;
	*text = NULL;
	if ((rc = history_name_parse(&hn, ctx, name)))
		return rc;
	bench = hn.bench;
	def = hn.metric ? &hn.def : NULL;
	metric = def ? def->name : NULL;
	if ((rc = history_load(&h, ctx, tip))) {
		history_name_clear(&hn);
		return rc;
	}
	if (format == HISTORY_SVG) {
		size_t *marks = NULL;
		struct svg_ctx c = {.h = &h, .view = ctx, .def = def};
		/* The marks are the regressions test's (kept with it when it was
		 * computed for these results, else computed for this benchmark). */
		if ((rc = commit_names_load(&c.names, ctx)) == 0 &&
		    (rc = history_marks(&marks, &c.nmarks, ctx, &h, tip, bench, def)) == 0) {
			c.marks = marks;
			rc = series_each(ctx, &h, bench, metric, svg_series, &c);
			if (rc == 0 && !c.text) {
				/* No commit of the branch has this benchmark yet: an empty plot. */
				struct series empty = {.bench = bench};
				rc = svg_series(&c, &empty);
			}
		}
		free(marks);
		commit_names_free(c.names);
		free(c.baselines);
		*text = c.text;
		*len = c.len;
	} else {
		struct csv_ctx c = {.h = &h, .out = STRBUF_INIT};
		if (!def) {
			strbuf_addstr(&c.out, "commit,commit_time,runs,n,mean,stddev,median,min,max\n");
		} else {
			static const char *const columns[] = {"mean", "stddev", "median", "min",
							      "max"};
			strbuf_addstr(&c.out, "commit,commit_time,runs,n");
			for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
				csv_unit_cell(&c.out, columns[i], def->unit);
			strbuf_addch(&c.out, '\n');
		}
		rc = series_each(ctx, &h, bench, metric, csv_series, &c);
		if (rc)
			strbuf_release(&c.out);
		else if (!(*text = strbuf_detach(&c.out, len)))
			rc = -ENOMEM;
	}
	history_clear(&h);
	history_name_clear(&hn);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
