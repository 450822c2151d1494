#include <errno.h>
#include <git2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"
#include "describe.h"
#include "format.h"
#include "history.h"
#include "render_svg.h"
#include "result.h"
#include "sides.h"

#define INSTRUCTIONS "instructions"
/* Up to this many samples the change-point test sees every sample (short
 * histories need them to reach significance); above it, one mean per commit
 * keeps a 2,000-commit history well under a second. */
#define ALL_SAMPLES_MAX 4000
#define CHANGES_MAX 64
/* A branch older than this is walked only this far back. */
#define WALK_MAX 1000000

/* One commit of the branch that has finished runs on this host. */
struct point {
	char commit[STORE_HASH_LEN + 1];
	int64_t time_ns; /* committer time */
	int64_t *runs;
	size_t nruns;
};

struct history {
	struct point *points; /* oldest first */
	size_t n;
};

static void history_clear(struct history *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->points[i].runs);
	free(h->points);
	memset(h, 0, sizeof(*h));
}

int history_tip(char *tip, const struct view_ctx *ctx)
{
	git_oid oid;
	if (!ctx->branch || git_reference_name_to_id(&oid, ctx->repo, ctx->branch) < 0)
		return -ENOENT;
	git_oid_tostr(tip, STORE_HASH_LEN + 1, &oid);
	return 0;
}

static int cmp_run_commit(const void *a, const void *b)
{
	const struct store_done_run *x = a, *y = b;
	int c = strcmp(x->commit, y->commit);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Runs sorted by commit, so a commit's runs are found by binary search. */
static const struct store_done_run *runs_of_commit(const struct store_done_run *sorted, size_t n,
						   const char *commit, size_t *count)
{
	size_t lo = 0, hi = n, end;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(sorted[mid].commit, commit) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n && strcmp(sorted[end].commit, commit) == 0; end++)
		;
	*count = end - lo;
	return &sorted[lo];
}

static int add_point(struct history *h, size_t *cap, const git_commit *c,
		     const struct store_done_run *runs, size_t nruns)
{
	struct point *p;
	if (h->n == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 64;
		struct point *grown = realloc(h->points, new_cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		h->points = grown;
		*cap = new_cap;
	}
	p = &h->points[h->n];
	memset(p, 0, sizeof(*p));
	if (!(p->runs = malloc(nruns * sizeof(*p->runs))))
		return -ENOMEM;
	h->n++;
	git_oid_tostr(p->commit, sizeof(p->commit), git_commit_id(c));
	p->time_ns = (int64_t)git_commit_time(c) * 1000000000;
	for (size_t i = 0; i < nruns; i++)
		p->runs[p->nruns++] = runs[i].id;
	return 0;
}

/* First-parent history from tip, keeping the commits that have finished runs. */
static int history_load(struct history *h, const struct view_ctx *ctx, const char *tip)
{
	struct run_catalog cat;
	size_t cap = 0, distinct = 0, found = 0;
	git_commit *c = NULL;
	git_oid oid;
	int rc;
	memset(h, 0, sizeof(*h));
	if ((rc = run_catalog_load(&cat, ctx)))
		return rc;
	qsort(cat.runs, cat.n, sizeof(*cat.runs), cmp_run_commit);
	for (size_t i = 0; i < cat.n; i++)
		distinct += i == 0 || strcmp(cat.runs[i].commit, cat.runs[i - 1].commit) != 0;
	if (!tip)
		goto done; /* no branch: an empty history */
	if (git_oid_fromstr(&oid, tip) < 0 || git_commit_lookup(&c, ctx->repo, &oid) < 0) {
		rc = -EIO;
		goto done;
	}
	/* Stop once every benchmarked commit is found: older history has none. */
	for (size_t walked = 0; c && found < distinct && walked < WALK_MAX; walked++) {
		char hash[STORE_HASH_LEN + 1];
		size_t nruns;
		const struct store_done_run *runs;
		git_commit *parent = NULL;
		git_oid_tostr(hash, sizeof(hash), git_commit_id(c));
		runs = runs_of_commit(cat.runs, cat.n, hash, &nruns);
		if (nruns) {
			if ((rc = add_point(h, &cap, c, runs, nruns)))
				goto done;
			found++;
		}
		if (git_commit_parentcount(c) == 0 || git_commit_parent(&parent, c, 0) < 0)
			parent = NULL;
		git_commit_free(c);
		c = parent;
	}
	rc = 0;
	/* Oldest first. */
	for (size_t i = 0; i < h->n / 2; i++) {
		struct point t = h->points[i];
		h->points[i] = h->points[h->n - 1 - i];
		h->points[h->n - 1 - i] = t;
	}
done:
	git_commit_free(c);
	run_catalog_clear(&cat);
	if (rc)
		history_clear(h);
	return rc;
}

/* ---- per-benchmark series ---- */

/* One benchmark along the history: the points that have samples of it. */
struct series {
	const char *bench;
	size_t npoints;
	size_t *point;   /* index into history points */
	size_t *counts;  /* samples of each point */
	double *values;  /* all samples, point after point */
	size_t nvalues;
};

struct run_point {
	int64_t run;
	size_t point;
};

static int cmp_run_point(const void *a, const void *b)
{
	const struct run_point *x = a, *y = b;
	return (x->run > y->run) - (x->run < y->run);
}

/* Which history point each run belongs to, and the run ids in order (the
 * list the store is asked about). */
struct run_map {
	struct run_point *map; /* sorted by run */
	int64_t *runs;
	size_t n;
};

static void run_map_free(struct run_map *m)
{
	free(m->map);
	free(m->runs);
	memset(m, 0, sizeof(*m));
}

static int run_map_build(struct run_map *m, const struct history *h)
{
	size_t n = 0;
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < h->n; i++)
		n += h->points[i].nruns;
	m->map = malloc((n + 1) * sizeof(*m->map));
	m->runs = malloc((n + 1) * sizeof(*m->runs));
	if (!m->map || !m->runs) {
		run_map_free(m);
		return -ENOMEM;
	}
	for (size_t i = 0; i < h->n; i++)
		for (size_t r = 0; r < h->points[i].nruns; r++)
			m->map[m->n++] = (struct run_point){h->points[i].runs[r], i};
	qsort(m->map, m->n, sizeof(*m->map), cmp_run_point);
	for (size_t i = 0; i < m->n; i++)
		m->runs[i] = m->map[i].run;
	return 0;
}

/* The point of a run, or (size_t)-1. */
static size_t run_map_point(const struct run_map *m, int64_t run)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->map[mid].run < run)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->map[lo].run == run ? m->map[lo].point : (size_t)-1;
}

typedef int (*series_fn)(void *ctx, const struct series *s);

/* Collects the samples of one benchmark at a time (the store returns them
 * grouped by benchmark, then by run), then orders them by point. */
struct collector {
	const struct history *h;
	const struct run_map *runs;
	char *bench;
	size_t *pt;
	double *val;
	size_t n, cap;
	double scale; /* to seconds for wall times (stored in ns) */
	series_fn fn;
	void *fn_ctx;
};

/* Counting sort of the collected samples by point, then hand the series over. */
static int collector_flush(struct collector *col)
{
	size_t np = col->h->n, *start = NULL;
	struct series s = {.bench = col->bench};
	int rc = -ENOMEM;
	if (!col->bench || col->n == 0)
		return 0;
	start = calloc(np + 1, sizeof(*start));
	s.point = malloc(np * sizeof(*s.point));
	s.counts = malloc(np * sizeof(*s.counts));
	s.values = malloc(col->n * sizeof(*s.values));
	if (!start || !s.point || !s.counts || !s.values)
		goto done;
	for (size_t i = 0; i < col->n; i++)
		start[col->pt[i] + 1]++;
	for (size_t p = 0; p < np; p++) {
		if (start[p + 1]) {
			s.point[s.npoints] = p;
			s.counts[s.npoints++] = start[p + 1];
		}
		start[p + 1] += start[p];
	}
	for (size_t i = 0; i < col->n; i++)
		s.values[start[col->pt[i]]++] = col->val[i];
	s.nvalues = col->n;
	rc = col->fn(col->fn_ctx, &s);
done:
	free(start);
	free(s.point);
	free(s.counts);
	free(s.values);
	free(col->bench);
	col->bench = NULL;
	col->n = 0;
	return rc;
}

static int collect_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct collector *col = ctx;
	size_t p = run_map_point(col->runs, run_id);
	int rc;
	if (p == (size_t)-1)
		return 0;
	if (!col->bench || strcmp(col->bench, benchmark) != 0) {
		if ((rc = collector_flush(col)))
			return rc;
		if (!(col->bench = strdup(benchmark)))
			return -ENOMEM;
	}
	if (col->n == col->cap) {
		size_t cap = col->cap ? col->cap * 2 : 256;
		size_t *pt = realloc(col->pt, cap * sizeof(*pt));
		double *val;
		if (pt)
			col->pt = pt;
		val = pt ? realloc(col->val, cap * sizeof(*val)) : NULL;
		if (!val)
			return -ENOMEM;
		col->val = val;
		col->cap = cap;
	}
	col->pt[col->n] = p;
	col->val[col->n++] = value * col->scale;
	return 0;
}

/* Call fn with the series of each benchmark (or only of bench), in name order.
 * metric NULL: wall times in seconds. */
static int series_each(const struct view_ctx *ctx, const struct history *h, const char *bench,
		       const char *metric, series_fn fn, void *fn_ctx)
{
	struct collector col = {.h = h, .scale = metric ? 1.0 : 1e-9, .fn = fn, .fn_ctx = fn_ctx};
	struct run_map m;
	int rc = run_map_build(&m, h);
	if (rc)
		return rc;
	col.runs = &m;
	rc = store_samples_of_runs(ctx->store, m.runs, m.n, metric, bench, collect_sample, &col);
	if (rc == 0)
		rc = collector_flush(&col);
	else if (rc != -ENOMEM)
		rc = -EIO;
	free(col.bench);
	free(col.pt);
	free(col.val);
	run_map_free(&m);
	return rc;
}

/* The mean of point p's samples, which start at values[first]. */
static double point_mean(const struct series *s, size_t p, size_t first)
{
	double mean = 0;
	/* The counts are at least 1 and the values finite: stats_mean cannot fail. */
	(void)stats_mean(&mean, s->values + first, s->counts[p]);
	return mean;
}

/* Change points of a series; out holds CHANGES_MAX. */
static int series_changepoints(struct stats_changepoint *out, size_t *count,
			       const struct series *s, const struct view_ctx *ctx)
{
	struct stats_changepoint_options opt;
	bool all = s->nvalues <= ALL_SAMPLES_MAX;
	double *means = NULL;
	size_t work_size;
	void *work = NULL;
	int rc = -ENOMEM;
	*count = 0;
	if (s->npoints < 2)
		return 0;
	stats_changepoint_options_init(&opt);
	opt.alpha = ctx->alpha;
	if (!all) {
		size_t k = 0;
		if (!(means = malloc(s->npoints * sizeof(*means))))
			return -ENOMEM;
		for (size_t p = 0; p < s->npoints; p++) {
			means[p] = point_mean(s, p, k);
			k += s->counts[p];
		}
	}
	work_size = stats_changepoint_workspace_size(s->npoints, all ? s->nvalues : s->npoints);
	if (!(work = malloc(work_size)))
		goto done;
	rc = stats_find_changepoints(out, count, CHANGES_MAX, all ? s->values : means,
				     all ? s->counts : NULL, s->npoints,
				     all ? s->nvalues : s->npoints, &opt, work, work_size) == STATS_OK
		     ? 0
		     : -EIO;
done:
	free(means);
	free(work);
	return rc;
}

/* ---- CSV ---- */

struct csv_ctx {
	const struct history *h;
	FILE *out;
	int rc;
};

static int csv_series(void *ctx, const struct series *s)
{
	struct csv_ctx *c = ctx;
	double *scratch = malloc((s->nvalues + 1) * sizeof(double));
	size_t k = 0;
	if (!scratch)
		return -ENOMEM;
	for (size_t p = 0; p < s->npoints; p++) {
		const struct point *pt = &c->h->points[s->point[p]];
		struct stats_summary sum;
		char when[32], sd[32] = "";
		if (stats_describe(&sum, s->values + k, s->counts[p], scratch)) {
			free(scratch);
			return -EIO;
		}
		k += s->counts[p];
		format_iso_time(when, sizeof(when), pt->time_ns);
		if (sum.n >= 2)
			snprintf(sd, sizeof(sd), "%.9g", sum.stddev);
		fprintf(c->out, "%s,%s,%zu,%zu,%.9g,%s,%.9g,%.9g,%.9g\n", pt->commit, when, pt->nruns,
			sum.n, sum.mean, sd, sum.median, sum.min, sum.max);
	}
	free(scratch);
	return 0;
}

/* ---- SVG ---- */

struct svg_ctx {
	const struct history *h;
	const struct view_ctx *view;
	char *text;
	size_t len;
};

static int svg_series(void *ctx, const struct series *s)
{
	struct svg_ctx *c = ctx;
	struct stats_changepoint cps[CHANGES_MAX];
	size_t ncp = 0, changes[CHANGES_MAX], k = 0;
	struct svg_point *pts = calloc(s->npoints + 1, sizeof(*pts));
	char (*labels)[16] = calloc(s->npoints + 1, sizeof(*labels));
	const char *branch = c->view->branch;
	char *title = NULL;
	int rc = -ENOMEM;
	if (!pts || !labels)
		goto done;
	for (size_t p = 0; p < s->npoints; p++) {
		size_t n = s->counts[p];
		double mean = point_mean(s, p, k), sd = 0;
		if (n >= 2)
			(void)stats_stddev(&sd, s->values + k, n);
		k += n;
		snprintf(labels[p], sizeof(labels[p]), "%.8s", c->h->points[s->point[p]].commit);
		pts[p] = (struct svg_point){.label = labels[p],
					    .mean = mean,
					    .lo = mean - sd > 0 ? mean - sd : 0,
					    .hi = mean + sd,
					    .n = n};
	}
	if ((rc = series_changepoints(cps, &ncp, s, c->view)))
		goto done;
	for (size_t i = 0; i < ncp; i++)
		changes[i] = cps[i].index;
	if (strncmp(branch, "refs/heads/", 11) == 0)
		branch += 11;
	if (asprintf(&title, "%s: wall time per iteration, branch %s (host %s)", s->bench, branch,
		     c->view->host) < 0) {
		title = NULL;
		rc = -ENOMEM;
		goto done;
	}
	c->text = svg_render(&(struct svg_series){.title = title,
						  .points = pts,
						  .npoints = s->npoints,
						  .changes = changes,
						  .nchanges = ncp},
			     &c->len);
	rc = c->text ? 0 : -ENOMEM;
done:
	free(title);
	free(pts);
	free(labels);
	return rc;
}

int history_render(char **text, size_t *len, const struct view_ctx *ctx, const char *tip,
		   const char *bench, enum history_format format)
{
	struct history h;
	int rc;
	*text = NULL;
	if ((rc = history_load(&h, ctx, tip)))
		return rc;
	if (format == HISTORY_SVG) {
		struct svg_ctx c = {.h = &h, .view = ctx};
		rc = series_each(ctx, &h, bench, NULL, svg_series, &c);
		if (rc == 0 && !c.text) {
			/* No commit of the branch has this benchmark yet: an empty plot. */
			struct series empty = {.bench = bench};
			rc = svg_series(&c, &empty);
		}
		*text = c.text;
		*len = c.len;
	} else {
		struct csv_ctx c = {.h = &h};
		size_t size = 0;
		if (!(c.out = open_memstream(text, &size))) {
			rc = -ENOMEM;
		} else {
			fputs("commit,commit_time,runs,n,mean,stddev,median,min,max\n", c.out);
			rc = series_each(ctx, &h, bench, NULL, csv_series, &c);
			if (fclose(c.out) && rc == 0)
				rc = -ENOMEM;
			*len = size;
		}
	}
	history_clear(&h);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

/* ---- regressions ---- */

struct regress_line {
	size_t point;
	char *text;
};

struct regress_ctx {
	const struct history *h;
	const struct view_ctx *view;
	struct regress_line *lines;
	size_t n, cap;
};

static int regress_add(struct regress_ctx *c, size_t point, const char *bench, const char *before,
		       const char *after, double change, const char *p)
{
	const struct point *pt = &c->h->points[point];
	char pct[32], *runs = NULL, *text = NULL;
	size_t rlen = 0;
	FILE *out = open_memstream(&runs, &rlen);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < pt->nruns; i++) {
		char name[32];
		run_dir_name(name, sizeof(name), pt->runs[i]);
		fprintf(out, "%s%s", i ? "," : "", name);
	}
	if (fclose(out))
		return -ENOMEM;
	format_percent(pct, sizeof(pct), change);
	if (asprintf(&text, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pt->commit, bench, before, after, pct, p,
		     runs) < 0)
		text = NULL;
	free(runs);
	if (!text)
		return -ENOMEM;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct regress_line *grown = realloc(c->lines, cap * sizeof(*grown));
		if (!grown) {
			free(text);
			return -ENOMEM;
		}
		c->lines = grown;
		c->cap = cap;
	}
	c->lines[c->n++] = (struct regress_line){point, text};
	return 0;
}

/* The median of the samples of points [from, to). */
static double segment_median(const struct series *s, const size_t *first, size_t from, size_t to,
			     double *scratch)
{
	double median = 0;
	(void)stats_median(&median, s->values + first[from], first[to] - first[from], scratch);
	return median;
}

static int regress_wall(void *ctx, const struct series *s)
{
	struct regress_ctx *c = ctx;
	struct stats_changepoint cps[CHANGES_MAX];
	size_t ncp = 0, *first = NULL;
	double *scratch = NULL;
	int rc = series_changepoints(cps, &ncp, s, c->view);
	if (rc || ncp == 0)
		return rc;
	first = malloc((s->npoints + 1) * sizeof(*first));
	scratch = malloc((s->nvalues + 1) * sizeof(*scratch));
	if (!first || !scratch) {
		rc = -ENOMEM;
		goto done;
	}
	first[0] = 0;
	for (size_t p = 0; p < s->npoints; p++)
		first[p + 1] = first[p] + s->counts[p];
	for (size_t i = 0; i < ncp && rc == 0; i++) {
		size_t from = i ? cps[i - 1].index : 0, at = cps[i].index;
		size_t to = i + 1 < ncp ? cps[i + 1].index : s->npoints;
		double change, median_before, median_after;
		char before[32], after[32], p[32];
		if (!(cps[i].mean_before > 0))
			continue;
		change = cps[i].mean_after / cps[i].mean_before - 1;
		/* Slowdowns beyond the noise threshold only; improvements are not
		 * regressions. The segments' medians must agree, so that a few
		 * outlying iterations moving a mean do not raise an alarm. */
		median_before = segment_median(s, first, from, at, scratch);
		median_after = segment_median(s, first, at, to, scratch);
		if (!(change > c->view->threshold) || !(median_before > 0) ||
		    !(median_after / median_before - 1 > c->view->threshold))
			continue;
		snprintf(before, sizeof(before), "%.9g", cps[i].mean_before);
		snprintf(after, sizeof(after), "%.9g", cps[i].mean_after);
		snprintf(p, sizeof(p), "%.4f", cps[i].p);
		rc = regress_add(c, s->point[at], s->bench, before, after, change, p);
	}
done:
	free(first);
	free(scratch);
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
			char before[32], after[32];
			snprintf(before, sizeof(before), "%.0f", prev);
			snprintf(after, sizeof(after), "%.0f", mean);
			rc = regress_add(c, s->point[p], name, before, after, mean / prev - 1, "-");
		}
		prev = mean;
	}
	free(name);
	return rc;
}

static int cmp_line(const void *a, const void *b)
{
	const struct regress_line *x = a, *y = b;
	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* Per-commit sums of one benchmark, from the store's per-run sums: enough to
 * test a long history on commit means; a short one is read sample by sample. */
struct sums_ctx {
	struct regress_ctx *regress;
	const struct view_ctx *view;
	const struct history *h;
	const struct run_map *runs;
	char *bench;
	int64_t *n;       /* per history point */
	double *sum_ns;
	size_t total;
};

static int sums_flush(struct sums_ctx *c)
{
	struct series s = {.bench = c->bench};
	int rc = -ENOMEM;
	if (!c->bench)
		return 0;
	if (c->total <= ALL_SAMPLES_MAX) {
		/* Every sample counts: short histories need them to reach significance. */
		rc = series_each(c->view, c->h, c->bench, NULL, regress_wall, c->regress);
		goto done;
	}
	s.point = malloc(c->h->n * sizeof(*s.point));
	s.counts = malloc(c->h->n * sizeof(*s.counts));
	s.values = malloc(c->h->n * sizeof(*s.values));
	if (!s.point || !s.counts || !s.values)
		goto done;
	for (size_t p = 0; p < c->h->n; p++) {
		if (!c->n[p])
			continue;
		s.point[s.npoints] = p;
		s.counts[s.npoints] = 1;
		s.values[s.npoints++] = c->sum_ns[p] / (double)c->n[p] * 1e-9;
	}
	s.nvalues = s.npoints;
	rc = regress_wall(c->regress, &s);
done:
	free(s.point);
	free(s.counts);
	free(s.values);
	free(c->bench);
	c->bench = NULL;
	memset(c->n, 0, c->h->n * sizeof(*c->n));
	memset(c->sum_ns, 0, c->h->n * sizeof(*c->sum_ns));
	c->total = 0;
	return rc;
}

static int add_sum(void *ctx, const char *benchmark, int64_t run_id, int64_t n, int64_t sum_ns)
{
	struct sums_ctx *c = ctx;
	size_t p;
	int rc;
	if (!c->bench || strcmp(c->bench, benchmark) != 0) {
		if ((rc = sums_flush(c)))
			return rc;
		if (!(c->bench = strdup(benchmark)))
			return -ENOMEM;
	}
	p = run_map_point(c->runs, run_id);
	if (p != (size_t)-1 && n > 0) {
		c->n[p] += n;
		c->sum_ns[p] += (double)sum_ns;
		c->total += (size_t)n;
	}
	return 0;
}

static int regress_all_wall(struct regress_ctx *regress, const struct view_ctx *ctx,
			    const struct history *h)
{
	struct sums_ctx c = {.regress = regress, .view = ctx, .h = h};
	struct run_map m;
	int rc = run_map_build(&m, h);
	if (rc)
		return rc;
	c.runs = &m;
	c.n = calloc(h->n + 1, sizeof(*c.n));
	c.sum_ns = calloc(h->n + 1, sizeof(*c.sum_ns));
	if (!c.n || !c.sum_ns)
		rc = -ENOMEM;
	else if ((rc = store_sums_of_runs(ctx->store, m.runs, m.n, add_sum, &c)) == 0)
		rc = sums_flush(&c);
	else if (rc != -ENOMEM)
		rc = -EIO;
	free(c.bench);
	free(c.n);
	free(c.sum_ns);
	run_map_free(&m);
	return rc;
}

int regressions_render(char **text, const struct view_ctx *ctx, const char *tip)
{
	struct history h;
	struct regress_ctx c = {.h = &h, .view = ctx};
	size_t len = 0;
	FILE *out;
	int rc;
	*text = NULL;
	if ((rc = history_load(&h, ctx, tip)))
		return rc;
	if ((rc = regress_all_wall(&c, ctx, &h)) ||
	    (rc = series_each(ctx, &h, NULL, INSTRUCTIONS, regress_instructions, &c)))
		goto done;
	/* In commit order, oldest first. */
	qsort(c.lines, c.n, sizeof(*c.lines), cmp_line);
	if (!(out = open_memstream(text, &len))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < c.n; i++)
		fputs(c.lines[i].text, out);
	if (fclose(out))
		rc = -ENOMEM;
done:
	for (size_t i = 0; i < c.n; i++)
		free(c.lines[i].text);
	free(c.lines);
	history_clear(&h);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
