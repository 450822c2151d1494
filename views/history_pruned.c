/* The history's summarized runs (internal_history.h): runs whose
 * iterations retention collapsed into per-run statistics still give their
 * commit a row of history/<bench>.csv and a point of its plot. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "views/internal_history.h"

struct pruned_load {
	struct pruned_set *set;
	const struct run_map *map;
	size_t alloc;
};

/* Append a run's statistics of one benchmark, at its point. */
static int pruned_push(struct pruned_set *set, size_t *alloc, size_t point,
		       const struct store_run_summary *s)
{
	struct pruned_run *r;
	int rc;
	if ((rc = ALLOC_GROW_BY(set->list, set->n, 1, *alloc)))
		return rc;
	r = &set->list[set->n - 1];
	if (!(r->bench = strdup(s->benchmark)))
		return -ENOMEM;
	r->point = point;
	r->sum = (struct stats_summary){.n = (size_t)s->n, .mean = s->mean, .stddev = s->stddev,
					.median = s->median, .min = s->min, .max = s->max,
					.cv = s->mean ? s->stddev / s->mean : 0};
	return 0;
}

static int add_summary(void *ctx, int64_t run_id, const struct store_run_summary *s)
{
	struct pruned_load *st = ctx;
	const struct run_point *rp = run_map_find(st->map, run_id);
	return rp ? pruned_push(st->set, &st->alloc, rp->point, s) : 0;
}

int pruned_set_load(struct pruned_set *out, const struct view_ctx *ctx, const struct run_map *m,
		    const char *bench)
{
	struct pruned_load st = {.set = out, .map = m};
	int rc;
	memset(out, 0, sizeof(*out));
	rc = store_errno(store_summaries_of_runs(ctx->store, m->runs, m->n, bench, add_summary, &st));
	if (rc)
		pruned_set_clear(out);
	return rc;
}

void pruned_set_clear(struct pruned_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->list[i].bench);
	free(set->list);
	memset(set, 0, sizeof(*set));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int point_describe(struct stats_summary *out, const struct series *s, size_t p, size_t first,
		   size_t pfirst, double *scratch)
{
	size_t np = s->pruned_counts ? s->pruned_counts[p] : 0, n = s->counts[p], total, k = 0;
	const struct stats_summary *runs = np ? s->pruned + pfirst : NULL;
	struct stats_summary parts = {0};
	double m2 = 0, *all;
	int rc;
	if (!np)
		return stats_describe(out, s->values + first, n, scratch) ? -EIO : 0;
	/* One summarized run alone: the figures as they were when its samples
	 * were there, so its row reads the same. */
	if (!n && np == 1) {
		*out = runs[0];
		return 0;
	}
	/* Pooled: the exact count, mean, deviation, minimum and maximum; the
	 * median of the kept samples with each summarized run's median standing
	 * for its iterations (its samples are gone). */
	total = n;
	for (size_t i = 0; i < np; i++)
		total += runs[i].n;
	if (!(all = malloc((total + 1) * sizeof(*all))))
		return -ENOMEM;
	if (n) {
		if (stats_describe(&parts, s->values + first, n, scratch)) {
			free(all);
			return -EIO;
		}
		memcpy(all, s->values + first, n * sizeof(*all));
		k = n;
	}
	*out = (struct stats_summary){.n = total, .min = n ? parts.min : runs[0].min,
				      .max = n ? parts.max : runs[0].max};
	for (size_t i = 0; i < np; i++) {
		out->mean += runs[i].mean * (double)runs[i].n;
		out->min = runs[i].min < out->min ? runs[i].min : out->min;
		out->max = runs[i].max > out->max ? runs[i].max : out->max;
		for (size_t j = 0; j < runs[i].n; j++)
			all[k++] = runs[i].median;
	}
	out->mean = (out->mean + parts.mean * (double)n) / (double)total;
	if (n)
		m2 = parts.stddev * parts.stddev * (double)(n - 1) +
		     (double)n * (parts.mean - out->mean) * (parts.mean - out->mean);
	for (size_t i = 0; i < np; i++)
		m2 += runs[i].stddev * runs[i].stddev * (double)(runs[i].n - 1) +
		      (double)runs[i].n * (runs[i].mean - out->mean) * (runs[i].mean - out->mean);
	out->stddev = total >= 2 ? sqrt(m2 / (double)(total - 1)) : 0;
	out->cv = out->mean ? out->stddev / out->mean : 0;
	qsort(all, total, sizeof(*all), cmp_double);
	out->median = total % 2 ? all[total / 2] : (all[total / 2 - 1] + all[total / 2]) / 2;
	rc = 0;
	free(all);
	return rc;
}

/* ---- described runs ---- */

struct described_load {
	const char *bench; /* the series' name, also of a metric's statistics */
	struct pruned_set *set;
	const struct history *h;
	const struct run_map *map;
	bool *taken; /* by point: it has a summarized run, or a described one now */
	size_t alloc;
};

static int add_described(void *ctx, int64_t run_id, const struct store_run_summary *s)
{
	struct described_load *st = ctx;
	const struct run_point *rp = run_map_find(st->map, run_id);
	int rc;
	/* Only a commit measured once reads as its run's statistics: the
	 * median of several runs pooled needs their samples. */
	struct store_run_summary named = *s;
	if (!rp || st->h->points[rp->point].nruns != 1 || st->taken[rp->point])
		return 0;
	named.benchmark = st->bench;
	if ((rc = pruned_push(st->set, &st->alloc, rp->point, &named)))
		return rc;
	st->taken[rp->point] = true;
	return 0;
}

int described_set_add(struct pruned_set *set, int64_t **rest, size_t *nrest,
		      const struct view_ctx *ctx, const struct history *h, const struct run_map *m,
		      const char *bench, const char *metric)
{
	struct described_load st = {.bench = bench, .set = set, .h = h, .map = m,
				    .alloc = set->n};
	char *key = metric ? metric_key(bench, metric) : NULL;
	int rc;
	if (metric && !key)
		return -ENOMEM;
	*rest = NULL;
	*nrest = 0;
	if (!(st.taken = calloc(h->n + 1, sizeof(*st.taken))) ||
	    !(*rest = malloc((m->n + 1) * sizeof(**rest)))) {
		free(st.taken);
		free(key);
		return -ENOMEM;
	}
	for (size_t i = 0; i < set->n; i++)
		st.taken[set->list[i].point] = true;
	/* At most one a run: grown once. */
	if ((rc = ALLOC_GROW(set->list, set->n + m->n, st.alloc))) {
		free(st.taken);
		free(*rest);
		free(key);
		*rest = NULL;
		return rc;
	}
	rc = store_errno(store_run_stats_of(ctx->store, m->runs, m->n, key ? key : bench,
					    add_described, &st));
	free(key);
	/* The samples are wanted of every run whose point is not taken by now. */
	for (size_t i = 0; rc == 0 && i < m->n; i++) {
		const struct run_point *rp = &m->map[i];
		if (!st.taken[rp->point] || h->points[rp->point].nruns != 1)
			(*rest)[(*nrest)++] = rp->run;
	}
	free(st.taken);
	if (rc) {
		free(*rest);
		*rest = NULL;
		*nrest = 0;
	}
	return rc;
}
