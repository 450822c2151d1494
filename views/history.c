#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "stats/describe.h"
#include "util/array.h"
#include "util/strbuf.h"
#include "views/history.h"
#include "views/internal_history.h"
#include "views/kept.h"
#include "views/sides.h"

/* The tracked branch's benchmarked commits, and each benchmark's samples
 * along them. */

/* A branch older than this is walked only this far back. */
#define WALK_MAX 1000000
/* The kept list of the branch's benchmarked commits (views/kept.h): at
 * 20,000 commits the walk that finds them is most of a history file's cost. */
#define POINTS_VIEW "points"

void history_clear(struct history *h)
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

/* Of pointers into the catalog: sorting the entries themselves moves 20,000
 * entries of 100 bytes and more at 20,000 runs. */
static int cmp_run_commit(const void *a, const void *b)
{
	const struct store_done_run *x = *(const struct store_done_run *const *)a;
	const struct store_done_run *y = *(const struct store_done_run *const *)b;
	int c = strcmp(x->commit, y->commit);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Runs sorted by commit, so a commit's runs are found by binary search. */
static const struct store_done_run *const *runs_of_commit(const struct store_done_run *const *sorted,
							 size_t n, const char *commit, size_t *count)
{
	size_t lo = 0, hi = n, end;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(sorted[mid]->commit, commit) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n && strcmp(sorted[end]->commit, commit) == 0; end++)
		;
	*count = end - lo;
	return &sorted[lo];
}

static int add_point(struct history *h, size_t *alloc, const char *commit, int64_t when,
		     const struct store_done_run *const *runs, size_t nruns)
{
	struct point *p;
	int rc;
	if ((rc = ALLOC_GROW_BY(h->points, h->n, 1, *alloc)))
		return rc;
	p = &h->points[h->n - 1];
	if (!(p->runs = malloc(nruns * sizeof(*p->runs))) ||
	    !(p->solo = malloc(nruns * sizeof(*p->solo))))
		return -ENOMEM;
	memcpy(p->commit, commit, sizeof(p->commit));
	p->time_ns = when * 1000000000;
	memcpy(p->build, runs[0]->build_id, sizeof(p->build));
	for (size_t i = 0; i < nruns; i++) {
		p->solo[p->nruns] = runs[i]->pair_id == 0;
		p->runs[p->nruns++] = runs[i]->id;
		if (strcmp(p->build, runs[i]->build_id) != 0)
			p->build[0] = '\0';
	}
	return 0;
}

/* The points as kept text, oldest first: "<commit> <committer time>\n". */
static char *points_text(const struct history *h, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < h->n; i++)
		strbuf_addf(&sb, "%s %lld\n", h->points[i].commit,
			    (long long)(h->points[i].time_ns / 1000000000));
	return strbuf_detach(&sb, len);
}

/* The points from kept text, oldest first, each with its runs from the
 * catalog (sorted by commit). -EIO when the text does not fit the catalog
 * (then the walk decides). */
static int points_parse(struct history *h, size_t *alloc, const char *text,
			const struct store_done_run *const *runs, size_t n)
{
	for (const char *line = text; *line;) {
		char hash[STORE_HASH_LEN + 1];
		const struct store_done_run *const *of;
		long long when;
		size_t nruns;
		char *end;
		int rc;
		if (strnlen(line, STORE_HASH_LEN + 2) < STORE_HASH_LEN + 2 || line[STORE_HASH_LEN] != ' ')
			return -EIO;
		memcpy(hash, line, STORE_HASH_LEN);
		hash[STORE_HASH_LEN] = '\0';
		when = strtoll(line + STORE_HASH_LEN + 1, &end, 10);
		if (*end != '\n')
			return -EIO;
		of = runs_of_commit(runs, n, hash, &nruns);
		if (!nruns)
			return -EIO;
		if ((rc = add_point(h, alloc, hash, when, of, nruns)))
			return rc;
		line = end + 1;
	}
	return 0;
}

/* First-parent history from tip, keeping the commits that have finished runs. */
int history_load(struct history *h, const struct view_ctx *ctx, const char *tip)
{
	struct run_catalog cat;
	size_t alloc = 0, distinct = 0, found = 0, klen = 0;
	struct repo_walk *walk = NULL;
	const struct store_done_run **by = NULL; /* the catalog by commit */
	char *kept = NULL;
	int64_t seq = -1;
	int rc;
	memset(h, 0, sizeof(*h));
	if ((rc = run_catalog_load(&cat, ctx)))
		return rc;
	/* A bisection's runs measured commits off the benchmarked line: as
	 * points they would reshape the sweep's segments (store.h). */
	if ((rc = store_errno(store_done_runs_drop_bisect(ctx->store, cat.runs, &cat.n)))) {
		run_catalog_clear(&cat);
		return rc;
	}
	if (!(by = malloc((cat.n + 1) * sizeof(*by)))) {
		run_catalog_clear(&cat);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cat.n; i++)
		by[i] = &cat.runs[i];
	if (cat.n)
		qsort(by, cat.n, sizeof(*by), cmp_run_commit);
	for (size_t i = 0; i < cat.n; i++)
		distinct += i == 0 || strcmp(by[i]->commit, by[i - 1]->commit) != 0;
	if (!tip)
		goto done; /* no branch: an empty history */
	/* At most one point a commit: grown once, not point by point. */
	if (distinct && (rc = ALLOC_GROW(h->points, distinct, alloc)))
		goto done;
	/* Kept for these results and this tip: no walk. */
	if ((rc = kept_view_get(&kept, &klen, &seq, ctx, POINTS_VIEW, tip)) == 0) {
		rc = points_parse(h, &alloc, kept, by, cat.n);
		free(kept);
		kept = NULL;
		if (rc == 0)
			goto grouped;
		if (rc != -EIO)
			goto done;
		/* Not what this history gives after all: walk it. */
		for (size_t i = 0; i < h->n; i++) {
			free(h->points[i].runs);
			free(h->points[i].solo);
		}
		h->n = 0;
	} else if (rc != -ENOENT) {
		goto done;
	}
	if ((rc = repo_walk_new(&walk, ctx->repo, tip, WALK_MAX))) {
		rc = rc == -ENOENT ? -EIO : rc;
		goto done;
	}
	/* Stop once every benchmarked commit is found: older history has none. */
	while (found < distinct) {
		char hash[STORE_HASH_LEN + 1];
		int64_t when;
		size_t nruns;
		const struct store_done_run *const *runs;
		if (repo_walk_next(walk, hash, &when) <= 0)
			break;
		runs = runs_of_commit(by, cat.n, hash, &nruns);
		if (nruns) {
			if ((rc = add_point(h, &alloc, hash, when, runs, nruns)))
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
	if (!(kept = points_text(h, &klen))) {
		rc = -ENOMEM;
		goto done;
	}
	kept_view_put(ctx, POINTS_VIEW, tip, seq, kept, klen);
	free(kept);
grouped:
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
	free(by);
	run_catalog_clear(&cat);
	if (rc)
		history_clear(h);
	return rc;
}

/* ---- per-benchmark series ---- */

static int cmp_run_point(const void *a, const void *b)
{
	const struct run_point *x = a, *y = b;
	return (x->run > y->run) - (x->run < y->run);
}

void run_map_free(struct run_map *m)
{
	free(m->map);
	free(m->runs);
	memset(m, 0, sizeof(*m));
}

int run_map_build(struct run_map *m, const struct history *h)
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
const struct run_point *run_map_find(const struct run_map *m, int64_t run)
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

/* Collects the samples of one benchmark at a time (the store returns them
 * grouped by benchmark, then by run), then orders them by point. */
struct collector {
	const struct history *h;
	const struct run_map *runs;
	char *bench;
	size_t *pt;
	double *val;
	size_t n, pt_alloc, val_alloc;
	double scale; /* to seconds for wall times (stored in ns) */
	series_fn fn;
	void *fn_ctx;
	/* Wall times: the summarized runs' statistics, by benchmark, and the
	 * first not yet handed over. */
	struct pruned_set pruned;
	size_t pnext;
};

/* Counting sort of the collected samples (and of the benchmark's
 * summarized runs) by point, then hand the series over. */
static int collector_flush(struct collector *col)
{
	size_t np = col->h->n, *start = NULL, *pstart = NULL, pfirst = col->pnext, pend = pfirst;
	struct series s = {.bench = col->bench};
	int rc = -ENOMEM;
	while (col->bench && pend < col->pruned.n &&
	       strcmp(col->pruned.list[pend].bench, col->bench) == 0)
		pend++;
	col->pnext = pend;
	if (!col->bench || (col->n == 0 && pend == pfirst))
		return 0;
	start = calloc(np + 1, sizeof(*start));
	pstart = calloc(np + 1, sizeof(*pstart));
	s.point = malloc(np * sizeof(*s.point));
	s.counts = malloc(np * sizeof(*s.counts));
	s.values = malloc((col->n + 1) * sizeof(*s.values));
	if (!start || !pstart || !s.point || !s.counts || !s.values)
		goto done;
	if (pend > pfirst && (!(s.pruned_counts = malloc(np * sizeof(*s.pruned_counts))) ||
			      !(s.pruned = malloc((pend - pfirst) * sizeof(*s.pruned)))))
		goto done;
	for (size_t i = 0; i < col->n; i++)
		start[col->pt[i] + 1]++;
	for (size_t i = pfirst; i < pend; i++)
		pstart[col->pruned.list[i].point + 1]++;
	for (size_t p = 0; p < np; p++) {
		if (start[p + 1] || pstart[p + 1]) {
			if (s.pruned_counts)
				s.pruned_counts[s.npoints] = pstart[p + 1];
			s.point[s.npoints] = p;
			s.counts[s.npoints++] = start[p + 1];
		}
		start[p + 1] += start[p];
		pstart[p + 1] += pstart[p];
	}
	for (size_t i = 0; i < col->n; i++)
		s.values[start[col->pt[i]]++] = col->val[i];
	for (size_t i = pfirst; i < pend; i++)
		s.pruned[pstart[col->pruned.list[i].point]++] = col->pruned.list[i].sum;
	s.nvalues = col->n;
	s.npruned = pend - pfirst;
	rc = col->fn(col->fn_ctx, &s);
done:
	free(start);
	free(pstart);
	free(s.point);
	free(s.counts);
	free(s.values);
	free(s.pruned_counts);
	free(s.pruned);
	free(col->bench);
	col->bench = NULL;
	col->n = 0;
	return rc;
}

/* Hand over the benchmarks before next (all the rest when NULL) that only
 * summarized runs have. */
static int collector_flush_pruned(struct collector *col, const char *next)
{
	int rc = 0;
	while (!rc && col->pnext < col->pruned.n &&
	       (!next || strcmp(col->pruned.list[col->pnext].bench, next) < 0)) {
		if (!(col->bench = strdup(col->pruned.list[col->pnext].bench)))
			return -ENOMEM;
		rc = collector_flush(col);
	}
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
		if ((rc = collector_flush(col)) || (rc = collector_flush_pruned(col, benchmark)))
			return rc;
		if (!(col->bench = strdup(benchmark)))
			return -ENOMEM;
	}
	if ((rc = ALLOC_GROW(col->pt, col->n + 1, col->pt_alloc)) ||
	    (rc = ALLOC_GROW(col->val, col->n + 1, col->val_alloc)))
		return rc;
	col->pt[col->n] = p;
	col->val[col->n++] = value * col->scale;
	return 0;
}

/* Call fn with the series of each benchmark (or only of bench), in name order.
 * metric NULL: wall times in seconds. */
int series_each(const struct view_ctx *ctx, const struct history *h, const char *bench,
		const char *metric, series_fn fn, void *fn_ctx)
{
	struct collector col = {.h = h, .scale = metric ? 1.0 : 1e-9, .fn = fn, .fn_ctx = fn_ctx};
	struct run_map m;
	int64_t *rest = NULL;
	size_t nrest = 0;
	int rc = run_map_build(&m, h);
	if (rc)
		return rc;
	col.runs = &m;
	if (!metric && (rc = pruned_set_load(&col.pruned, ctx, &m, bench))) {
		run_map_free(&m);
		return rc;
	}
	/* One benchmark's wall times (or built-in metric): a described run
	 * stands for its samples. */
	if ((!metric || metric_described(metric)) && bench &&
	    (rc = described_set_add(&col.pruned, &rest, &nrest, ctx, h, &m, bench, metric))) {
		pruned_set_clear(&col.pruned);
		run_map_free(&m);
		return rc;
	}
	rc = store_errno(store_samples_of_runs(ctx->store, rest ? rest : m.runs,
					       rest ? nrest : m.n, metric, bench, collect_sample,
					       &col));
	free(rest);
	if (rc == 0)
		rc = collector_flush(&col);
	if (rc == 0)
		rc = collector_flush_pruned(&col, NULL);
	free(col.bench);
	pruned_set_clear(&col.pruned);
	free(col.pt);
	free(col.val);
	run_map_free(&m);
	return rc;
}

/* The mean of point p's samples, which start at values[first]. */
double point_mean(const struct series *s, size_t p, size_t first)
{
	double mean = 0;
	/* The counts are at least 1 and the values finite: stats_mean cannot fail. */
	(void)stats_mean(&mean, s->values + first, s->counts[p]);
	return mean;
}

char *metric_key(const char *bench, const char *metric)
{
	char *key;
	return asprintf(&key, "%s:%s", bench, metric) < 0 ? NULL : key;
}

bool metric_described(const char *metric)
{
	return strcmp(metric, STORE_METRIC_CPU) == 0 || strcmp(metric, STORE_METRIC_MEMORY) == 0;
}

void history_name_clear(struct history_name *n)
{
	free(n->bench);
	memset(n, 0, sizeof(*n));
}

int history_name_parse(struct history_name *out, const struct view_ctx *ctx, const char *name)
{
	const char *colon = strrchr(name, ':');
	int rc;
	memset(out, 0, sizeof(*out));
	/* A suffix names a metric only when the store knows it: a benchmark
	 * named "parse:json" stays one while no metric "json" is declared.
	 * Instruction counts are per run, not a history of their own. */
	if (colon && colon > name && store_metric_name_valid(colon + 1) &&
	    strcmp(colon + 1, INSTRUCTIONS) != 0) {
		rc = store_metric_def_get(ctx->store, &out->def, colon + 1);
		if (rc == STORE_OK) {
			out->metric = true;
			out->bench = strndup(name, (size_t)(colon - name));
			return out->bench ? 0 : -ENOMEM;
		}
		if (rc != STORE_NOTFOUND)
			return store_errno(rc);
	}
	return (out->bench = strdup(name)) ? 0 : -ENOMEM;
}

int history_name_exists(bool *found, const struct view_ctx *ctx, const char *name)
{
	struct history_name hn;
	char **names = NULL;
	size_t n = 0;
	int rc;
	*found = false;
	if ((rc = history_name_parse(&hn, ctx, name)))
		return rc;
	if ((rc = store_errno(store_benchmark_names(ctx->store, &names, &n))) == 0)
		for (size_t i = 0; i < n && !*found; i++)
			*found = strcmp(names[i], hn.bench) == 0;
	store_names_free(names, n);
	history_name_clear(&hn);
	return rc;
}
