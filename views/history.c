#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "runner/result.h"
#include "stats/changepoint.h"
#include "stats/describe.h"
#include "stats/multiple.h"
#include "stats/noise.h"
#include "util/runid.h"
#include "views/commit_names.h"
#include "views/format.h"
#include "views/history.h"
#include "views/render_svg.h"
#include "views/sides.h"

#define INSTRUCTIONS "instructions"
#define CHANGES_MAX 64
/* Permutations per change-point test: about 20 m / alpha, so that p-values
 * near alpha / m (the level one changed benchmark among m must pass under
 * Benjamini-Hochberg) are resolved well; but a clear change runs all of them
 * and one costs ~0.1-0.2 ms at 2,000 samples, so a long history gets fewer,
 * PERMUTATION_BUDGET samples x permutations, never fewer than m / alpha: the
 * smallest p-value, 1 / (P + 1), stays below alpha / m. Between 199 and 9999.
 * Clear non-changes stop early (Besag-Clifford, MAX_EXCEED exceedances). */
#define PERMUTATIONS_MIN 199
#define PERMUTATIONS_MAX 9999
#define PERMUTATIONS_PER_LEVEL 20
#define PERMUTATION_BUDGET 4000000.0
#define MAX_EXCEED 10
/* A branch older than this is walked only this far back. */
#define WALK_MAX 1000000
/* The history's own test lists a step when it is significant at alpha in the
 * runs' means. A step in the runs' minimums significant at this looser level
 * is a suspect: an A/B job of the commits SUSPECT_REACH before and
 * SUSPECT_REACH - 1 after it decides (regressions.c). A false suspect costs
 * machine time, never a line. */
#define SUSPECT_ALPHA 0.05
#define SUSPECT_REACH 3

/* One commit of the branch that has finished runs on this host. */
struct point {
	char commit[STORE_HASH_LEN + 1];
	int64_t time_ns; /* committer time */
	int64_t *runs;
	bool *solo;      /* runs[i] is not a side of an A/B job */
	size_t nruns;
	/* The build every run of the commit shares ("": none recorded, or not
	 * one), and the group of consecutive commits with that build: the
	 * regression test sees each group as one point. */
	char build[STORE_HASH_LEN + 1];
	size_t group;
};

struct history {
	struct point *points; /* oldest first */
	size_t n;
	size_t *group_first;  /* the first point of each group */
	size_t ngroups;
};

static void history_clear(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->points[i].runs);
		free(h->points[i].solo);
	}
	free(h->points);
	free(h->group_first);
	memset(h, 0, sizeof(*h));
}

int history_tip(char *tip, const struct view_ctx *ctx)
{
	if (!ctx->branch)
		return -ENOENT;
	return repo_ref_commit(tip, ctx->repo, ctx->branch);
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

static int add_point(struct history *h, size_t *cap, const char *commit, int64_t when,
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
	h->n++;
	if (!(p->runs = malloc(nruns * sizeof(*p->runs))) ||
	    !(p->solo = malloc(nruns * sizeof(*p->solo))))
		return -ENOMEM;
	memcpy(p->commit, commit, sizeof(p->commit));
	p->time_ns = when * 1000000000;
	snprintf(p->build, sizeof(p->build), "%s", runs[0].build_id);
	for (size_t i = 0; i < nruns; i++) {
		p->solo[p->nruns] = runs[i].pair_id == 0;
		p->runs[p->nruns++] = runs[i].id;
		if (strcmp(p->build, runs[i].build_id) != 0)
			p->build[0] = '\0';
	}
	return 0;
}

/* First-parent history from tip, keeping the commits that have finished runs. */
static int history_load(struct history *h, const struct view_ctx *ctx, const char *tip)
{
	struct run_catalog cat;
	size_t cap = 0, distinct = 0, found = 0;
	struct repo_walk *walk = NULL;
	int rc;
	memset(h, 0, sizeof(*h));
	if ((rc = run_catalog_load(&cat, ctx)))
		return rc;
	if (cat.n)
		qsort(cat.runs, cat.n, sizeof(*cat.runs), cmp_run_commit);
	for (size_t i = 0; i < cat.n; i++)
		distinct += i == 0 || strcmp(cat.runs[i].commit, cat.runs[i - 1].commit) != 0;
	if (!tip)
		goto done; /* no branch: an empty history */
	if ((rc = repo_walk_new(&walk, ctx->repo, tip, WALK_MAX))) {
		rc = rc == -ENOENT ? -EIO : rc;
		goto done;
	}
	/* Stop once every benchmarked commit is found: older history has none. */
	while (found < distinct) {
		char hash[STORE_HASH_LEN + 1];
		int64_t when;
		size_t nruns;
		const struct store_done_run *runs;
		if (repo_walk_next(walk, hash, &when) <= 0)
			break;
		runs = runs_of_commit(cat.runs, cat.n, hash, &nruns);
		if (nruns) {
			if ((rc = add_point(h, &cap, hash, when, runs, nruns)))
				goto done;
			found++;
		}
	}
	rc = 0;
	/* Oldest first. */
	for (size_t i = 0; i < h->n / 2; i++) {
		struct point t = h->points[i];
		h->points[i] = h->points[h->n - 1 - i];
		h->points[h->n - 1 - i] = t;
	}
	/* Consecutive commits of one known build form one group. */
	if (!(h->group_first = malloc((h->n + 1) * sizeof(*h->group_first)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < h->n; i++) {
		struct point *p = &h->points[i];
		if (i == 0 || !p->build[0] || strcmp(p->build, h->points[i - 1].build) != 0)
			h->group_first[h->ngroups++] = i;
		p->group = h->ngroups - 1;
	}
done:
	repo_walk_free(walk);
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
	bool solo; /* not a side of an A/B job */
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
			m->map[m->n++] = (struct run_point){h->points[i].runs[r], i,
							    h->points[i].solo[r]};
	qsort(m->map, m->n, sizeof(*m->map), cmp_run_point);
	for (size_t i = 0; i < m->n; i++)
		m->runs[i] = m->map[i].run;
	return 0;
}

/* The entry of a run, or NULL. */
static const struct run_point *run_map_find(const struct run_map *m, int64_t run)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->map[mid].run < run)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->map[lo].run == run ? &m->map[lo] : NULL;
}

/* The point of a run, or (size_t)-1. */
static size_t run_map_point(const struct run_map *m, int64_t run)
{
	const struct run_point *rp = run_map_find(m, run);
	return rp ? rp->point : (size_t)-1;
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

/* ---- change points: run-level values, corrected over the benchmarks ----
 *
 * The iterations of one run are not independent (they share the machine's
 * state during that run), so the test sees one value per run: the log of its
 * mean time, from the store's per-run sums. A point is a group of
 * consecutive commits built to the same artifacts (usually one commit), its
 * samples the log means of its runs: the step between two identical builds
 * is never tested. Each benchmark's best split is tested first; the
 * Benjamini-Hochberg procedure over those p-values at alpha decides which
 * benchmarks changed at all (R of m), and only those are split further, each
 * test at the level alpha R / m their first split passed. */

/* One benchmark's run-level series along the history. */
struct run_series {
	char *bench;
	size_t npoints;  /* groups with runs of this benchmark */
	size_t *group;   /* each point's group */
	size_t *counts;  /* runs of each point */
	double *values;  /* log means, point after point */
	size_t nvalues;
	double *solo;    /* log means of the runs that are not A/B sides, in run order */
	size_t nsolo;
	unsigned permutations; /* per test of this series */
	bool tested;     /* a split was possible */
	double p_first;  /* the best split's p (1 when not significant at alpha) */
	bool passed;     /* the first split passed the correction */
	struct stats_changepoint cps[CHANGES_MAX];
	size_t ncp;
	double threshold;
	bool threshold_history;
};

/* The value each run gives a series. */
enum run_statistic {
	RUN_LOG_MEAN, /* the log of the run's mean: every run */
	/* The log of the run's fastest iteration, of runs that are no side of an
	 * A/B job (those have many more iterations, so a lower minimum). */
	RUN_LOG_MIN,
};

struct analysis {
	enum run_statistic statistic;
	double alpha;              /* of the first splits, with the correction */
	struct run_series *series; /* in name order */
	size_t n;
	size_t tested;   /* m: benchmarks with a possible split */
	size_t passed;   /* R */
	double level;    /* alpha R / m: the level of every further split */
	double m_over_alpha; /* (benchmarks that can be split) / alpha */
};

static void analysis_clear(struct analysis *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->series[i].bench);
		free(a->series[i].group);
		free(a->series[i].counts);
		free(a->series[i].values);
		free(a->series[i].solo);
	}
	free(a->series);
	memset(a, 0, sizeof(*a));
}

/* Collects one benchmark's run values (the store returns them grouped by
 * benchmark, then by run id), then orders them by group. */
struct sums_collector {
	struct analysis *a;
	enum run_statistic statistic;
	const struct history *h;
	const struct run_map *runs;
	char *bench;
	size_t *grp;
	double *val;
	bool *solo;
	size_t n, cap;
};

static int sums_flush(struct sums_collector *col)
{
	size_t ng = col->h->ngroups, *start = NULL;
	struct run_series s = {.p_first = 1};
	struct run_series *grown;
	int rc = -ENOMEM;
	if (!col->bench || col->n == 0) {
		free(col->bench);
		col->bench = NULL;
		return 0;
	}
	start = calloc(ng + 1, sizeof(*start));
	s.group = malloc(ng * sizeof(*s.group));
	s.counts = malloc(ng * sizeof(*s.counts));
	s.values = malloc(col->n * sizeof(*s.values));
	s.solo = malloc(col->n * sizeof(*s.solo));
	if (!start || !s.group || !s.counts || !s.values || !s.solo)
		goto fail;
	for (size_t i = 0; i < col->n; i++) {
		start[col->grp[i] + 1]++;
		if (col->solo[i])
			s.solo[s.nsolo++] = col->val[i];
	}
	for (size_t g = 0; g < ng; g++) {
		if (start[g + 1]) {
			s.group[s.npoints] = g;
			s.counts[s.npoints++] = start[g + 1];
		}
		start[g + 1] += start[g];
	}
	for (size_t i = 0; i < col->n; i++)
		s.values[start[col->grp[i]]++] = col->val[i];
	s.nvalues = col->n;
	if (!(grown = realloc(col->a->series, (col->a->n + 1) * sizeof(*grown))))
		goto fail;
	col->a->series = grown;
	s.bench = col->bench;
	col->bench = NULL;
	col->a->series[col->a->n++] = s;
	col->n = 0;
	free(start);
	return 0;
fail:
	free(start);
	free(s.group);
	free(s.counts);
	free(s.values);
	free(s.solo);
	return rc;
}

static int sums_add(void *ctx, const char *benchmark, int64_t run_id, int64_t n, int64_t sum_ns,
		    int64_t min_ns)
{
	struct sums_collector *col = ctx;
	const struct run_point *rp = run_map_find(col->runs, run_id);
	int rc;
	if (!col->bench || strcmp(col->bench, benchmark) != 0) {
		if ((rc = sums_flush(col)))
			return rc;
		if (!(col->bench = strdup(benchmark)))
			return -ENOMEM;
	}
	/* A run whose mean (minimum) is not positive has no log: it takes no part. */
	if (!rp || n <= 0 || (col->statistic == RUN_LOG_MEAN ? sum_ns : min_ns) <= 0 ||
	    (col->statistic == RUN_LOG_MIN && !rp->solo))
		return 0;
	if (col->n == col->cap) {
		size_t cap = col->cap ? col->cap * 2 : 256;
		size_t *grp = realloc(col->grp, cap * sizeof(*grp));
		double *val;
		bool *solo;
		if (!grp)
			return -ENOMEM;
		col->grp = grp;
		if (!(val = realloc(col->val, cap * sizeof(*val))))
			return -ENOMEM;
		col->val = val;
		if (!(solo = realloc(col->solo, cap * sizeof(*solo))))
			return -ENOMEM;
		col->solo = solo;
		col->cap = cap;
	}
	col->grp[col->n] = col->h->points[rp->point].group;
	col->val[col->n] = col->statistic == RUN_LOG_MEAN ? log((double)sum_ns / (double)n * 1e-9)
							   : log((double)min_ns * 1e-9);
	col->solo[col->n++] = rp->solo;
	return 0;
}

/* Every benchmark's run-level series, from the per-run sums, to be tested at
 * alpha. */
static int analysis_load(struct analysis *a, const struct view_ctx *ctx, const struct history *h,
			 enum run_statistic statistic, double alpha)
{
	struct sums_collector col = {.a = a, .h = h, .statistic = statistic};
	struct run_map m;
	int rc;
	memset(a, 0, sizeof(*a));
	a->statistic = statistic;
	a->alpha = alpha;
	if ((rc = run_map_build(&m, h)))
		return rc;
	col.runs = &m;
	rc = store_sums_of_runs(ctx->store, m.runs, m.n, sums_add, &col);
	if (rc == 0)
		rc = sums_flush(&col);
	else if (rc != -ENOMEM)
		rc = -EIO;
	free(col.bench);
	free(col.grp);
	free(col.val);
	free(col.solo);
	run_map_free(&m);
	if (rc)
		analysis_clear(a);
	return rc;
}

/* Change points of points [from, to) of a series at level alpha, at most
 * capacity, into out (indices relative to the whole series); *tests: how
 * many tests ran (0: no split was possible). */
static int segment_split(struct stats_changepoint *out, size_t *count, size_t *tests,
			 const struct run_series *s, size_t from, size_t to, size_t capacity,
			 double alpha, unsigned permutations)
{
	struct stats_changepoint_options opt;
	struct stats_changepoint_info info = {0};
	size_t first = 0, nvalues = 0, work_size;
	void *work;
	int rc;
	*count = 0;
	if (tests)
		*tests = 0;
	if (to - from < 2)
		return 0;
	for (size_t p = 0; p < to; p++) {
		if (p < from)
			first += s->counts[p];
		else
			nvalues += s->counts[p];
	}
	work_size = stats_changepoint_workspace_size(to - from, nvalues);
	if (!(work = malloc(work_size)))
		return -ENOMEM;
	stats_changepoint_options_init(&opt);
	opt.alpha = alpha;
	opt.permutations = permutations;
	opt.max_exceed = MAX_EXCEED;
	rc = stats_find_changepoints_info(&info, out, count, capacity, s->values + first,
					  s->counts + from, to - from, nvalues, &opt, work, work_size);
	free(work);
	if (rc != STATS_OK)
		return -EIO;
	for (size_t i = 0; i < *count; i++)
		out[i].index += from;
	if (tests)
		*tests = info.tests;
	return 0;
}

/* Each benchmark's threshold: the fixed one, or with "auto" the fence of its
 * run-to-run changes on this host once known. */
static int series_threshold(struct run_series *s, const struct view_ctx *ctx)
{
	struct stats_run_noise noise;
	double *scratch;
	s->threshold = ctx->threshold;
	s->threshold_history = false;
	if (!ctx->threshold_auto || s->nsolo < 2)
		return 0;
	if (!(scratch = malloc(2 * s->nsolo * sizeof(*scratch))))
		return -ENOMEM;
	if (stats_run_noise(&noise, s->solo, s->nsolo, scratch) == STATS_OK && noise.known &&
	    isfinite(noise.threshold) && noise.threshold >= 0) {
		s->threshold = noise.threshold;
		s->threshold_history = true;
	}
	free(scratch);
	return 0;
}

/* The first test of a benchmark: its best split over the whole history, at
 * alpha (only a split significant at alpha can pass the correction, so the
 * others count with p = 1: the same rejections). */
static int series_first(struct run_series *s, double alpha)
{
	size_t tests = 0;
	int rc = segment_split(s->cps, &s->ncp, &tests, s, 0, s->npoints, 1, alpha,
			       s->permutations);
	s->tested = tests > 0;
	s->p_first = s->ncp ? s->cps[0].p : 1;
	return rc;
}

/* The further splits of a benchmark that passed: binary segmentation on each
 * side of its first split, every test at the correction's level. */
static int series_further(struct run_series *s, const struct analysis *a,
			  const struct view_ctx *ctx)
{
	struct stats_changepoint left[CHANGES_MAX], right[CHANGES_MAX];
	size_t nl = 0, nr = 0, at = s->cps[0].index, room = (CHANGES_MAX - 1) / 2;
	int rc;
	if ((rc = series_threshold(s, ctx)) ||
	    (rc = segment_split(left, &nl, NULL, s, 0, at, room, a->level, s->permutations)) ||
	    (rc = segment_split(right, &nr, NULL, s, at, s->npoints, room, a->level,
				s->permutations)))
		return rc;
	s->cps[nl] = s->cps[0];
	memcpy(s->cps, left, nl * sizeof(*left));
	memcpy(s->cps + nl + 1, right, nr * sizeof(*right));
	s->ncp = nl + 1 + nr;
	return 0;
}

/* The change points of every benchmark (only of bench when not NULL). */
static int analysis_run(struct analysis *a, const struct view_ctx *ctx, const char *bench)
{
	double *p = calloc(a->n + 1, sizeof(double)), *q = calloc(a->n + 1, sizeof(double));
	size_t *order = calloc(a->n + 1, sizeof(size_t)), *idx = calloc(a->n + 1, sizeof(size_t));
	size_t possible = 0;
	int rc = -ENOMEM;
	if (!p || !q || !order || !idx)
		goto done;
	for (size_t i = 0; i < a->n; i++)
		possible += a->series[i].npoints >= 2;
	a->m_over_alpha = (double)(possible ? possible : 1) / a->alpha;
	for (size_t i = 0; i < a->n; i++) {
		struct run_series *s = &a->series[i];
		double perms = fmin(ceil(PERMUTATIONS_PER_LEVEL * a->m_over_alpha),
				    floor(PERMUTATION_BUDGET / (double)(s->nvalues ? s->nvalues : 1)));
		perms = fmax(perms, ceil(a->m_over_alpha));
		s->permutations = perms < PERMUTATIONS_MIN   ? PERMUTATIONS_MIN
				  : perms > PERMUTATIONS_MAX ? PERMUTATIONS_MAX
							     : (unsigned)perms;
	}
	rc = 0;
	if (bench) {
		/* One benchmark's marks: when its own first split is not significant
		 * at alpha it cannot pass, and the others need not be tested. */
		struct run_series *own = NULL;
		for (size_t i = 0; i < a->n && !own; i++)
			if (strcmp(a->series[i].bench, bench) == 0)
				own = &a->series[i];
		if (!own || (rc = series_first(own, a->alpha)) || !(own->p_first <= a->alpha))
			goto done;
	}
	for (size_t i = 0; i < a->n && rc == 0; i++)
		if (!bench || strcmp(a->series[i].bench, bench) != 0)
			rc = series_first(&a->series[i], a->alpha);
	for (size_t i = 0; i < a->n && rc == 0; i++) {
		if (a->series[i].tested) {
			p[a->tested] = a->series[i].p_first;
			idx[a->tested++] = i;
		}
	}
	if (rc || a->tested == 0)
		goto done;
	if (stats_bh_adjust(q, p, a->tested, order) != STATS_OK) {
		rc = -EIO;
		goto done;
	}
	for (size_t k = 0; k < a->tested; k++) {
		a->series[idx[k]].passed = q[k] <= a->alpha;
		a->passed += q[k] <= a->alpha;
	}
	a->level = a->alpha * (double)a->passed / (double)a->tested;
	for (size_t i = 0; i < a->n && rc == 0; i++) {
		struct run_series *s = &a->series[i];
		if (s->passed && (!bench || strcmp(bench, s->bench) == 0))
			rc = series_further(s, a, ctx);
	}
done:
	free(p);
	free(q);
	free(order);
	free(idx);
	return rc;
}

/* The median of the values of points [from, to) of a series. */
static double segment_median(const struct run_series *s, const size_t *first, size_t from,
			     size_t to, double *scratch)
{
	double median = 0;
	(void)stats_median(&median, s->values + first[from], first[to] - first[from], scratch);
	return median;
}

/* A change point worth a line or a mark: the segments' means and medians
 * both moved beyond the threshold (so that a few outlying runs moving a
 * mean raise nothing). *change receives the relative change of the means. */
struct change {
	size_t point;      /* index into the series' points */
	double before, after; /* geometric means of the segments' run means (s) */
	double change;
	double p;
};

/* The changes of a series beyond its threshold: slowdowns only, or both. */
static int series_changes(struct change **out, size_t *n, const struct run_series *s,
			  bool slowdowns_only)
{
	size_t *first = malloc((s->npoints + 1) * sizeof(*first));
	double *scratch = malloc((s->nvalues + 1) * sizeof(*scratch));
	struct change *list = calloc(s->ncp + 1, sizeof(*list));
	*out = NULL;
	*n = 0;
	if (!first || !scratch || !list) {
		free(first);
		free(scratch);
		free(list);
		return -ENOMEM;
	}
	first[0] = 0;
	for (size_t p = 0; p < s->npoints; p++)
		first[p + 1] = first[p] + s->counts[p];
	for (size_t i = 0; i < s->ncp; i++) {
		const struct stats_changepoint *cp = &s->cps[i];
		size_t from = i ? s->cps[i - 1].index : 0, at = cp->index;
		size_t to = i + 1 < s->ncp ? s->cps[i + 1].index : s->npoints;
		double mean_before = 0, mean_after = 0, change, median;
		bool slower, faster;
		/* The segments between neighbouring change points (counts >= 1). */
		(void)stats_mean(&mean_before, s->values + first[from], first[at] - first[from]);
		(void)stats_mean(&mean_after, s->values + first[at], first[to] - first[at]);
		change = exp(mean_after - mean_before) - 1;
		median = exp(segment_median(s, first, at, to, scratch) -
			     segment_median(s, first, from, at, scratch)) -
			 1;
		slower = change > s->threshold && median > s->threshold;
		faster = change < -s->threshold && median < -s->threshold;
		if (!(slower || (!slowdowns_only && faster)))
			continue;
		list[(*n)++] = (struct change){.point = at,
					       .before = exp(mean_before),
					       .after = exp(mean_after),
					       .change = change,
					       .p = cp->p};
	}
	free(first);
	free(scratch);
	*out = list;
	return 0;
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
	const struct analysis *a;
	struct commit_names *names; /* the x axis names commits as compare/ does */
	char *text;
	size_t len;
};

static const struct run_series *analysis_find(const struct analysis *a, const char *bench)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->series[i].bench, bench) == 0)
			return &a->series[i];
	return NULL;
}

/* The plot's change marks: the changes regressions tests, in either
 * direction, at the first plotted commit of the group that changed. */
static int svg_changes(size_t *changes, size_t *n, const struct svg_ctx *c, const struct series *s)
{
	const struct run_series *rs = c->a ? analysis_find(c->a, s->bench) : NULL;
	struct change *list = NULL;
	size_t count = 0;
	int rc;
	*n = 0;
	if (!rs || !rs->passed)
		return 0;
	if ((rc = series_changes(&list, &count, rs, false)))
		return rc;
	for (size_t i = 0; i < count && *n < CHANGES_MAX; i++) {
		size_t first = c->h->group_first[rs->group[list[i].point]], k = 0;
		while (k < s->npoints && s->point[k] < first)
			k++;
		if (k > 0 && k < s->npoints)
			changes[(*n)++] = k;
	}
	free(list);
	return 0;
}

static int svg_series(void *ctx, const struct series *s)
{
	struct svg_ctx *c = ctx;
	size_t ncp = 0, changes[CHANGES_MAX], k = 0;
	struct svg_point *pts = calloc(s->npoints + 1, sizeof(*pts));
	char (*labels)[COMMIT_NAME_SIZE] = calloc(s->npoints + 1, sizeof(*labels));
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
		/* Only the labels the plot shows: a tag costs a revision lookup. */
		if (!svg_label_shown(p, s->npoints) ||
		    commit_names_get(labels[p], sizeof(labels[p]), c->names,
				     c->h->points[s->point[p]].commit))
			snprintf(labels[p], sizeof(labels[p]), "%.8s",
				 c->h->points[s->point[p]].commit);
		pts[p] = (struct svg_point){.label = labels[p],
					    .mean = mean,
					    .lo = mean - sd > 0 ? mean - sd : 0,
					    .hi = mean + sd,
					    .n = n};
	}
	if ((rc = svg_changes(changes, &ncp, c, s)))
		goto done;
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
		struct analysis a;
		struct svg_ctx c = {.h = &h, .view = ctx, .a = &a};
		/* The marks are the regressions test's: its correction needs every
		 * benchmark's first split, the further splits only this one's. */
		if ((rc = commit_names_load(&c.names, ctx)) == 0 &&
		    (rc = analysis_load(&a, ctx, &h, RUN_LOG_MEAN, ctx->alpha)) == 0) {
			if ((rc = analysis_run(&a, ctx, bench)) == 0)
				rc = series_each(ctx, &h, bench, NULL, svg_series, &c);
			if (rc == 0 && !c.text) {
				/* No commit of the branch has this benchmark yet: an empty plot. */
				struct series empty = {.bench = bench};
				rc = svg_series(&c, &empty);
			}
			analysis_clear(&a);
		}
		commit_names_free(c.names);
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

struct regress_ctx {
	const struct history *h;
	const struct view_ctx *view;
	struct history_line *lines;
	size_t n, cap;
	struct history_suspect *suspects;
	size_t nsuspects, suspects_cap;
};

/* Append a line for the change at history points [from, to) (one group of
 * identical builds, usually one commit): fields, then extra (with its own
 * leading tabs, or ""). */
static int regress_add(struct regress_ctx *c, size_t from, size_t to, const char *bench,
		       const char *before, const char *after, double change, const char *p,
		       const char *extra)
{
	const struct point *pt = &c->h->points[from];
	char pct[32], *runs = NULL, *text = NULL;
	size_t rlen = 0, k = 0;
	FILE *out = open_memstream(&runs, &rlen);
	if (!out)
		return -ENOMEM;
	for (size_t q = from; q < to; q++) {
		for (size_t i = 0; i < c->h->points[q].nruns; i++) {
			char name[32];
			runid_dir_name(name, sizeof(name), c->h->points[q].runs[i]);
			fprintf(out, "%s%s", k++ ? "," : "", name);
		}
	}
	if (fclose(out))
		return -ENOMEM;
	format_percent(pct, sizeof(pct), change);
	if (asprintf(&text, "%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", pt->commit, bench, before, after, pct,
		     p, runs, extra) < 0)
		text = NULL;
	free(runs);
	if (!text)
		return -ENOMEM;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct history_line *grown = realloc(c->lines, cap * sizeof(*grown));
		if (!grown) {
			free(text);
			return -ENOMEM;
		}
		c->lines = grown;
		c->cap = cap;
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
	for (size_t i = 0; i < c->nsuspects; i++) {
		sp = &c->suspects[i];
		if ((sp->point > at ? sp->point - at : at - sp->point) < SUSPECT_REACH &&
		    strcmp(sp->bench, bench) == 0)
			return 0;
	}
	if (c->nsuspects == c->suspects_cap) {
		size_t cap = c->suspects_cap ? c->suspects_cap * 2 : 8;
		struct history_suspect *grown = realloc(c->suspects, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		c->suspects = grown;
		c->suspects_cap = cap;
	}
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
 * lines also a line of the history's own (the run means' analysis). */
static int regress_wall(struct regress_ctx *c, const struct analysis *a, bool lines)
{
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
				c->lines[c->n - 1].wall = true;
			}
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
			char before[32], after[32];
			snprintf(before, sizeof(before), "%.0f", prev);
			snprintf(after, sizeof(after), "%.0f", mean);
			rc = regress_add(c, s->point[p], s->point[p] + 1, name, before, after,
					 mean / prev - 1, "-", "");
		}
		prev = mean;
	}
	free(name);
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
	free(r->commits);
	memset(r, 0, sizeof(*r));
}

int history_regressions(struct history_regressions *out, const struct view_ctx *ctx,
			const char *tip)
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
	    (rc = series_each(ctx, &h, NULL, INSTRUCTIONS, regress_instructions, &c)))
		goto done;
	/* Without A/B jobs to settle them, the minimums' suspects would go unused:
	 * they are neither loaded nor tested. */
	if (ctx->confirm &&
	    ((rc = analysis_run(&mins, ctx, NULL)) || (rc = regress_wall(&c, &mins, false))))
		goto done;
	if (!(out->commits = malloc((h.n + 1) * sizeof(*out->commits)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < h.n; i++)
		memcpy(out->commits[i], h.points[i].commit, sizeof(out->commits[i]));
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
