#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/changepoint.h"
#include "stats/describe.h"
#include "stats/multiple.h"
#include "stats/noise.h"
#include "util/array.h"
#include "views/internal_history.h"

/* The change points of a history's run-level series (internal_history.h). */

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

void analysis_clear(struct analysis *a)
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
	size_t n, grp_alloc, val_alloc, solo_alloc;
};

static int sums_flush(struct sums_collector *col)
{
	size_t ng = col->h->ngroups, *start = NULL;
	struct run_series s = {.p_first = 1};
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
	if ((rc = REALLOC_ARRAY(col->a->series, col->a->n + 1)))
		goto fail;
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
	if ((rc = ALLOC_GROW(col->grp, col->n + 1, col->grp_alloc)) ||
	    (rc = ALLOC_GROW(col->val, col->n + 1, col->val_alloc)) ||
	    (rc = ALLOC_GROW(col->solo, col->n + 1, col->solo_alloc)))
		return rc;
	col->grp[col->n] = col->h->points[rp->point].group;
	col->val[col->n] = col->statistic == RUN_LOG_MEAN ? log((double)sum_ns / (double)n * 1e-9)
							   : log((double)min_ns * 1e-9);
	col->solo[col->n++] = rp->solo;
	return 0;
}

/* Every benchmark's run-level series, from the per-run sums, to be tested at
 * alpha. */
int analysis_load(struct analysis *a, const struct view_ctx *ctx, const struct history *h,
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
	rc = store_errno(store_sums_of_runs(ctx->store, m.runs, m.n, sums_add, &col));
	if (rc == 0)
		rc = sums_flush(&col);
	free(col.bench);
	free(col.grp);
	free(col.val);
	free(col.solo);
	run_map_free(&m);
	if (rc)
		analysis_clear(a);
	return rc;
}

/* ---- a metric's family ---- */

/* One benchmark's run values of a metric, by the run's place in the map:
 * the mean, NAN when the run has none yet. */
struct metric_load {
	struct sums_collector col;
	const char *bench; /* the benchmark whose values come in (samples) */
	double *mean;      /* by map index */
	/* The samples of the run coming in (map index at, -1: none), whose
	 * mean is taken as a described run's is (stats_describe's), so that
	 * both read the same to the last bit. */
	ssize_t at;
	double *buf;
	size_t nbuf, buf_alloc;
};

static void metric_run_done(struct metric_load *ml)
{
	if (ml->at >= 0 && ml->nbuf)
		(void)stats_mean(&ml->mean[ml->at], ml->buf, ml->nbuf);
	ml->at = -1;
	ml->nbuf = 0;
}

static int metric_described_row(void *ctx, int64_t run_id, const struct store_run_summary *s)
{
	struct metric_load *ml = ctx;
	const struct run_point *rp = run_map_find(ml->col.runs, run_id);
	if (rp && s->n > 0)
		ml->mean[rp - ml->col.runs->map] = s->mean;
	return 0;
}

/* Hand the benchmark's run values over as one series (in run order, as the
 * wall time's are), and clear them for the next. */
static int metric_bench_done(struct metric_load *ml, const char *key)
{
	const struct run_map *m = ml->col.runs;
	int rc = 0;
	metric_run_done(ml);
	for (size_t i = 0; i < m->n && rc == 0; i++) {
		/* A run whose mean is not positive has no log: it takes no part. */
		if (ml->mean[i] > 0) {
			if (!ml->col.bench && !(ml->col.bench = strdup(key)))
				return -ENOMEM;
			if ((rc = ALLOC_GROW(ml->col.grp, ml->col.n + 1, ml->col.grp_alloc)) ||
			    (rc = ALLOC_GROW(ml->col.val, ml->col.n + 1, ml->col.val_alloc)) ||
			    (rc = ALLOC_GROW(ml->col.solo, ml->col.n + 1, ml->col.solo_alloc)))
				return rc;
			ml->col.grp[ml->col.n] = ml->col.h->points[m->map[i].point].group;
			ml->col.val[ml->col.n] = log(ml->mean[i]);
			ml->col.solo[ml->col.n++] = m->map[i].solo;
		}
		ml->mean[i] = NAN;
	}
	return sums_flush(&ml->col);
}

static int metric_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct metric_load *ml = ctx;
	const struct run_point *rp = run_map_find(ml->col.runs, run_id);
	int rc;
	/* Every benchmark's samples (a declared metric): one series each. */
	if (!ml->bench || strcmp(ml->bench, benchmark) != 0) {
		char *key;
		if (ml->bench) {
			if (!(key = metric_key(ml->bench, ml->col.a->metric)))
				return -ENOMEM;
			rc = metric_bench_done(ml, key);
			free(key);
			if (rc)
				return rc;
		}
		free((char *)ml->bench);
		if (!(ml->bench = strdup(benchmark)))
			return -ENOMEM;
	}
	if (!rp)
		return 0;
	if (rp - ml->col.runs->map != ml->at) {
		metric_run_done(ml);
		ml->at = rp - ml->col.runs->map;
	}
	if ((rc = ALLOC_GROW(ml->buf, ml->nbuf + 1, ml->buf_alloc)))
		return rc;
	ml->buf[ml->nbuf++] = value;
	return 0;
}

/* A built-in metric of each benchmark: its described runs' means, then the
 * samples of the runs that have none (not described yet, or described
 * before the daemon described metrics). */
static int metric_load_described(struct metric_load *ml, const struct view_ctx *ctx,
				 const char *metric)
{
	const struct run_map *m = ml->col.runs;
	char **names = NULL;
	size_t nnames = 0;
	int64_t *rest = malloc((m->n + 1) * sizeof(*rest));
	int rc = rest ? store_errno(store_benchmark_names(ctx->store, &names, &nnames)) : -ENOMEM;
	for (size_t b = 0; b < nnames && rc == 0; b++) {
		char *key = metric_key(names[b], metric);
		size_t nrest = 0;
		if (!key) {
			rc = -ENOMEM;
			break;
		}
		rc = store_errno(store_run_stats_of(ctx->store, m->runs, m->n, key,
						    metric_described_row, ml));
		for (size_t i = 0; i < m->n && rc == 0; i++)
			if (isnan(ml->mean[i]))
				rest[nrest++] = m->runs[i];
		ml->bench = names[b];
		if (rc == 0 && nrest)
			rc = store_errno(store_samples_of_runs(ctx->store, rest, nrest, metric,
							       names[b], metric_sample, ml));
		ml->bench = NULL;
		if (rc == 0)
			rc = metric_bench_done(ml, key);
		free(key);
	}
	free(rest);
	store_names_free(names, nnames);
	return rc;
}

int analysis_load_metric(struct analysis *a, const struct view_ctx *ctx, const struct history *h,
			 const struct store_metric_def *def, double alpha)
{
	struct metric_load ml = {.col = {.a = a, .h = h, .statistic = RUN_LOG_MEAN}, .at = -1};
	struct run_map m;
	int rc;
	memset(a, 0, sizeof(*a));
	a->statistic = RUN_LOG_MEAN;
	a->alpha = alpha;
	a->skip_flat = true;
	snprintf(a->metric, sizeof(a->metric), "%s", def->name);
	if ((rc = run_map_build(&m, h)))
		return rc;
	ml.col.runs = &m;
	if (!(ml.mean = malloc((m.n + 1) * sizeof(*ml.mean)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < m.n; i++)
		ml.mean[i] = NAN;
	if (metric_described(def->name)) {
		rc = metric_load_described(&ml, ctx, def->name);
	} else {
		rc = store_errno(store_samples_of_runs(ctx->store, m.runs, m.n, def->name, NULL,
						       metric_sample, &ml));
		if (rc == 0 && ml.bench) {
			char *key = metric_key(ml.bench, def->name);
			rc = key ? metric_bench_done(&ml, key) : -ENOMEM;
			free(key);
		}
		free((char *)ml.bench);
	}
	for (size_t i = 0; i < a->n; i++)
		a->series[i].higher_is_better = def->higher_is_better;
done:
	free(ml.mean);
	free(ml.buf);
	free(ml.col.bench);
	free(ml.col.grp);
	free(ml.col.val);
	free(ml.col.solo);
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

/* Whether a series' run values all lie within its threshold of each other:
 * every segment's mean lies between the smallest and the largest, so no
 * change between two segments can exceed it (in either direction: the
 * rise it allows, log(1 + t), is the smaller of the two). */
static bool series_flat(const struct run_series *s)
{
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < s->nvalues; i++) {
		lo = fmin(lo, s->values[i]);
		hi = fmax(hi, s->values[i]);
	}
	return s->nvalues == 0 || hi - lo <= log1p(s->threshold);
}

/* The first test of a series of analysis a: a metric's flat series counts
 * as tested, not significant, without the permutations (a memory that
 * never moves is most benchmarks' case, and its test would run them all
 * on a spread of a few pages). */
static int series_first_of(struct run_series *s, const struct analysis *a,
			   const struct view_ctx *ctx)
{
	int rc;
	if (a->skip_flat) {
		if ((rc = series_threshold(s, ctx)))
			return rc;
		if (series_flat(s)) {
			s->ncp = 0;
			s->tested = s->npoints >= 2;
			s->p_first = 1;
			return 0;
		}
	}
	return series_first(s, a->alpha);
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
int analysis_run(struct analysis *a, const struct view_ctx *ctx, const char *bench)
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
		if (!own || (rc = series_first_of(own, a, ctx)) || !(own->p_first <= a->alpha))
			goto done;
	}
	for (size_t i = 0; i < a->n && rc == 0; i++)
		if (!bench || strcmp(a->series[i].bench, bench) != 0)
			rc = series_first_of(&a->series[i], a, ctx);
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


/* The changes of a series beyond its threshold: in its bad direction only, or both. */
int series_changes(struct change **out, size_t *n, const struct run_series *s,
		   bool bad_only)
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
		/* "slower" is the bad direction: a rise of a time, a drop of a
		 * throughput. */
		if (s->higher_is_better) {
			bool t = slower;
			slower = faster;
			faster = t;
		}
		if (!(slower || (!bad_only && faster)))
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
