#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "repo/revparse.h"
#include "stats/describe.h"
#include "util/array.h"
#include "util/log.h"
#include "util/runid.h"
#include "views/context.h"
#include "views/sides.h"

/* "run-42", "run-000042" or "000042" (the directory name); 0 when it is none of them. */
static int64_t run_name_id(const char *name)
{
	int64_t id;
	return runid_parse(&id, name) == RUNID_NONE ? 0 : id;
}

bool side_merge_base_split(size_t *alen, const char *name)
{
	const char *dots = strstr(name, "..");
	if (!dots || dots == name || dots[2] != '.' || !dots[3] || dots[3] == '.' ||
	    strstr(dots + 3, ".."))
		return false;
	*alen = (size_t)(dots - name);
	return true;
}

/* "<a>...<b>": each side resolved as any name, then where they meet. */
static int merge_base_resolve(struct side_ref *out, const struct view_ctx *ctx, const char *name,
			      size_t alen)
{
	struct side_ref a, b;
	char *first = strndup(name, alen);
	int rc;
	if (!first)
		return -ENOMEM;
	rc = side_resolve(&a, ctx, first);
	free(first);
	if (rc || (rc = side_resolve(&b, ctx, name + alen + 3)))
		return rc;
	return repo_merge_base(out->commit, ctx->repo, a.commit, b.commit);
}

int side_resolve(struct side_ref *out, const struct view_ctx *ctx, const char *name)
{
	struct store_baseline baseline;
	struct store_run run;
	char err[256];
	int64_t id = run_name_id(name);
	size_t alen;
	int rc;
	memset(out, 0, sizeof(*out));
	if (side_merge_base_split(&alen, name))
		return merge_base_resolve(out, ctx, name, alen);
	if (id > 0 || strcmp(name, "latest") == 0) {
		if (id == 0 && (rc = store_latest_done(ctx->store, &id)))
			return store_errno(rc);
		/* Its state and commit only: no need to read its result. */
		rc = store_run_get_light(ctx->store, &run, id);
		/* All digits may also be an abbreviated commit hash. */
		if (rc == STORE_NOTFOUND && strncmp(name, "run-", 4) != 0 &&
		    strcmp(name, "latest") != 0)
			goto revision;
		if (rc)
			return store_errno(rc);
		rc = run.state == RUN_DONE ? 0 : -ENOENT;
		memcpy(out->commit, run.commit, sizeof(out->commit));
		/* latest means its commit, pooled like any revision. */
		out->run_id = strcmp(name, "latest") == 0 ? 0 : id;
		store_run_clear(&run);
		return rc;
	}
revision:
	rc = store_baseline_get(ctx->store, &baseline, name);
	if (rc == STORE_OK) {
		memcpy(out->commit, baseline.commit, sizeof(out->commit));
		if (revparse_commit(out->shadowed, ctx->repo, name, err, sizeof(err)))
			out->shadowed[0] = '\0';
		return 0;
	}
	if (rc != STORE_NOTFOUND)
		return store_errno(rc);
	return revparse_commit(out->commit, ctx->repo, name, err, sizeof(err)) ? -ENOENT : 0;
}

int run_catalog_load(struct run_catalog *out, const struct view_ctx *ctx)
{
	memset(out, 0, sizeof(*out));
	return store_errno(store_done_runs(ctx->store, &out->runs, &out->n, ctx->host));
}

void run_catalog_clear(struct run_catalog *cat)
{
	free(cat->runs);
	memset(cat, 0, sizeof(*cat));
}

ssize_t run_catalog_find(const struct run_catalog *cat, int64_t id)
{
	/* The catalog is in id order. */
	size_t lo = 0, hi = cat->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cat->runs[mid].id < id)
			lo = mid + 1;
		else if (cat->runs[mid].id > id)
			hi = mid;
		else
			return (ssize_t)mid;
	}
	return -1;
}

static int cmp_run_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int run_catalog_load_sides(struct run_catalog *out, const struct view_ctx *ctx,
			   const struct side *a, const struct side *b)
{
	size_t n = a->nruns + b->nruns, m = 0, k = 0;
	int64_t *ids = malloc((n + 1) * sizeof(*ids));
	bool *found = malloc((n + 1) * sizeof(*found));
	int rc = -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (!ids || !found || !(out->runs = malloc((n + 1) * sizeof(*out->runs))))
		goto done;
	if (a->nruns)
		memcpy(ids, a->runs, a->nruns * sizeof(*ids));
	if (b->nruns)
		memcpy(ids + a->nruns, b->runs, b->nruns * sizeof(*ids));
	/* In id order without repeats, as run_catalog_find searches it. */
	qsort(ids, n, sizeof(*ids), cmp_run_id);
	for (size_t i = 0; i < n; i++)
		if (m == 0 || ids[m - 1] != ids[i])
			ids[m++] = ids[i];
	if ((rc = store_errno(
		     store_host_done_runs_get(ctx->store, out->runs, found, ids, m, ctx->host))))
		goto done;
	for (size_t i = 0; i < m; i++)
		if (found[i])
			out->runs[k++] = out->runs[i];
	out->n = k;
done:
	free(ids);
	free(found);
	if (rc)
		run_catalog_clear(out);
	return rc;
}

static int side_add_run(struct side *side, int64_t id)
{
	int rc = REALLOC_ARRAY(side->runs, side->nruns + 1);
	if (rc)
		return rc;
	side->runs[side->nruns++] = id;
	return 0;
}

/* Whether runs a and b are the two sides of one interleaved job (in either
 * order), a being a finished run of this host's. */
static int run_pair(bool *out, const struct view_ctx *ctx, int64_t a, int64_t b)
{
	struct store_done_run run;
	bool found = false;
	int rc = store_host_done_runs_get(ctx->store, &run, &found, &a, 1, ctx->host);
	*out = !rc && found && run.pair_id == b;
	return store_errno(rc);
}

static int side_fill_runs(struct side *side, const struct view_ctx *ctx)
{
	if (side->ref.run_id)
		return side_add_run(side, side->ref.run_id);
	free(side->runs);
	side->runs = NULL;
	return store_errno(store_host_commit_runs(ctx->store, &side->runs, &side->nruns,
						  side->ref.commit, ctx->host));
}

static int side_describe(struct side *side, const struct view_ctx *ctx)
{
	struct store_run run;
	int rc;
	/* A commit's runs were looked up among this host's: no row to read. */
	if (!side->ref.run_id) {
		if (!(side->host = strdup(ctx->host)))
			return -ENOMEM;
	} else {
		if ((rc = store_run_get(ctx->store, &run, side->runs[0])))
			return store_errno(rc);
		side->host = run.host;
		run.host = NULL;
		store_run_clear(&run);
	}
	side->subject = commit_subject(ctx, side->ref.commit);
	return side->subject ? 0 : -ENOMEM;
}

/* Retention collapsed some runs' iterations into per-run statistics: a
 * side pools only the runs whose samples are there, and a side left with
 * none gives no verdict (-ENODATA) rather than one of other runs. gone
 * marks the side's summarized runs. */
static int side_drop_summarized(struct side *side, const bool *gone)
{
	size_t kept = 0;
	if (!side->nruns)
		return 0;
	for (size_t i = 0; i < side->nruns; i++)
		if (!gone[i])
			side->runs[kept++] = side->runs[i];
	side->pruned = side->nruns - kept;
	side->nruns = kept;
	if (!kept) {
		log_notice("compare: the samples of the %zu run(s) of %s were pruned (retention keeps"
			   " their statistics only): no verdict",
			   side->pruned, side->rev ? side->rev : side->ref.commit);
		return -ENODATA;
	}
	return 0;
}

/* Both sides' summarized runs, asked in one statement. */
static int sides_drop_summarized(struct side *a, struct side *b, const struct view_ctx *ctx)
{
	size_t na = a->nruns, n = a->nruns + b->nruns;
	int64_t *ids = malloc((n + 1) * sizeof(*ids));
	bool *gone = malloc((n + 1) * sizeof(*gone));
	int rc = -ENOMEM;
	if (!ids || !gone)
		goto done;
	if (a->nruns)
		memcpy(ids, a->runs, a->nruns * sizeof(*ids));
	if (b->nruns)
		memcpy(ids + a->nruns, b->runs, b->nruns * sizeof(*ids));
	if ((rc = store_errno(store_runs_summarized(ctx->store, gone, ids, n))))
		goto done;
	if ((rc = side_drop_summarized(a, gone)) == 0)
		rc = side_drop_summarized(b, gone + na);
done:
	free(ids);
	free(gone);
	return rc;
}

int sides_find(struct side *a, struct side *b, const struct view_ctx *ctx)
{
	int64_t pair[2];
	bool paired = false;
	int rc;
	if (!a->ref.run_id && !b->ref.run_id && strcmp(a->ref.commit, b->ref.commit) != 0) {
		rc = store_host_newest_pair(ctx->store, pair, a->ref.commit, b->ref.commit,
					    ctx->host);
		if (rc && rc != STORE_NOTFOUND)
			return store_errno(rc);
		paired = rc == STORE_OK;
	} else if (a->ref.run_id && b->ref.run_id) {
		if ((rc = run_pair(&paired, ctx, a->ref.run_id, b->ref.run_id)))
			return rc;
		pair[0] = a->ref.run_id;
		pair[1] = b->ref.run_id;
	}
	if (paired) {
		/* Interleaved iterations cancel drift; pooling other runs would undo that. */
		a->interleaved = b->interleaved = true;
		if ((rc = side_add_run(a, pair[0])) || (rc = side_add_run(b, pair[1])))
			return rc;
	} else if ((rc = side_fill_runs(a, ctx)) || (rc = side_fill_runs(b, ctx))) {
		return rc;
	}
	if ((rc = sides_drop_summarized(a, b, ctx)))
		return rc;
	if (a->nruns == 0 || b->nruns == 0)
		return -ENOENT;
	if ((rc = side_describe(a, ctx)) || (rc = side_describe(b, ctx)))
		return rc;
	return 0;
}

int side_set_rev(struct side *side, const char *name)
{
	size_t alen;
	side->rev = name;
	if (!side_merge_base_split(&alen, name))
		return 0;
	if (!(side->rev_owned = strdup(name)))
		return -ENOMEM;
	side->rev_owned[alen] = '\0';
	side->rev = side->rev_owned;
	side->merge_with = side->rev_owned + alen + 3;
	side->merge_base = true;
	return 0;
}

void side_clear(struct side *side)
{
	free(side->runs);
	free(side->host);
	free(side->subject);
	free(side->rev_owned);
	side->runs = NULL;
	side->host = side->subject = side->rev_owned = NULL;
	side->nruns = 0;
}

char *commit_subject(const struct view_ctx *ctx, const char *commit)
{
	char *subject = NULL;
	if (repo_subject(&subject, ctx->repo, commit) == -ENOENT)
		return strdup("");
	return subject;
}

/* ---- rows grouped by benchmark ----
 *
 * The store returns rows grouped by benchmark (then by run): each loader
 * keeps one entry per benchmark and appends a row to the set's last entry,
 * or to a new one when the row's benchmark is not the last entry's. */

struct grouped {
	size_t benches_alloc;            /* of the set's entries */
	size_t values_alloc, runs_alloc; /* of the last entry's arrays */
};

/* Whether a row of benchmark needs a new entry after the last one (named
 * last; NULL when there is none). A new entry's arrays start empty. */
static bool group_starts(struct grouped *g, const char *last, const char *benchmark)
{
	if (last && strcmp(last, benchmark) == 0)
		return false;
	g->values_alloc = g->runs_alloc = 0;
	return true;
}

/* Append value, and run when runs is not NULL, to an entry's n values. */
static int group_add(struct grouped *g, double **values, int64_t **runs, size_t *n, int64_t run,
		     double value)
{
	int rc;
	if ((rc = ALLOC_GROW(*values, *n + 1, g->values_alloc)) ||
	    (runs && (rc = ALLOC_GROW(*runs, *n + 1, g->runs_alloc))))
		return rc;
	(*values)[*n] = value;
	if (runs)
		(*runs)[*n] = run;
	(*n)++;
	return 0;
}

/* ---- samples ---- */

struct load_state {
	struct sample_set *set;
	struct grouped g;
	double scale;
};

static int add_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct load_state *st = ctx;
	struct sample_set *set = st->set;
	struct bench_samples *b;
	int rc;
	if (group_starts(&st->g, set->n ? set->benches[set->n - 1].name : NULL, benchmark)) {
		if ((rc = ALLOC_GROW_BY(set->benches, set->n, 1, st->g.benches_alloc)))
			return rc;
		if (!(set->benches[set->n - 1].name = strdup(benchmark)))
			return -ENOMEM;
	}
	b = &set->benches[set->n - 1];
	return group_add(&st->g, &b->values, NULL, &b->n, run_id, value * st->scale);
}

int sample_set_load(struct sample_set *out, const struct view_ctx *ctx, const int64_t *runs,
		    size_t nruns, const char *metric)
{
	struct load_state st = {.set = out, .scale = metric ? 1.0 : 1e-9};
	int rc;
	memset(out, 0, sizeof(*out));
	rc = store_samples_of_runs(ctx->store, runs, nruns, metric, NULL, add_sample, &st);
	if (rc) {
		sample_set_clear(out);
		return store_errno(rc);
	}
	return 0;
}

/* Two sides' rows of one walk: each row goes to the sets whose runs hold it. */
struct sides_load_state {
	struct load_state st[2];
	const int64_t *runs[2];
	size_t nruns[2];
};

static int add_side_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct sides_load_state *sl = ctx;
	int rc = 0;
	for (int k = 0; k < 2 && rc == 0; k++)
		if (bsearch(&run_id, sl->runs[k], sl->nruns[k], sizeof(run_id), cmp_run_id))
			rc = add_sample(&sl->st[k], benchmark, run_id, value);
	return rc;
}

int sample_sets_load(struct sample_set *a, struct sample_set *b, const struct view_ctx *ctx,
		     const struct side *sa, const struct side *sb, const char *metric)
{
	const struct side *sides[2] = {sa, sb};
	struct sides_load_state sl = {.st = {{.set = a, .scale = metric ? 1.0 : 1e-9},
					     {.set = b, .scale = metric ? 1.0 : 1e-9}}};
	size_t n = sa->nruns + sb->nruns, m = 0;
	int64_t *ids = malloc((n + 1) * sizeof(*ids)), *sorted = malloc((n + 1) * sizeof(*ids));
	int rc = -ENOMEM;
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	if (!ids || !sorted)
		goto done;
	/* Each side's runs sorted for the lookups; their union for the walk. */
	for (int k = 0; k < 2; k++) {
		if (sides[k]->nruns)
			memcpy(sorted + m, sides[k]->runs, sides[k]->nruns * sizeof(*ids));
		qsort(sorted + m, sides[k]->nruns, sizeof(*ids), cmp_run_id);
		sl.runs[k] = sorted + m;
		sl.nruns[k] = sides[k]->nruns;
		m += sides[k]->nruns;
	}
	memcpy(ids, sorted, n * sizeof(*ids));
	qsort(ids, n, sizeof(*ids), cmp_run_id);
	m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || ids[m - 1] != ids[i])
			ids[m++] = ids[i];
	rc = store_errno(
		store_samples_of_runs(ctx->store, ids, m, metric, NULL, add_side_sample, &sl));
done:
	free(ids);
	free(sorted);
	if (rc) {
		sample_set_clear(a);
		sample_set_clear(b);
	}
	return rc;
}

const struct bench_samples *sample_set_find(const struct sample_set *set, const char *name)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->benches[mid].name, name);
		if (c < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid;
		else
			return &set->benches[mid];
	}
	return NULL;
}

void sample_set_clear(struct sample_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->benches[i].name);
		free(set->benches[i].values);
	}
	free(set->benches);
	memset(set, 0, sizeof(*set));
}

/* ---- one value per run ---- */

static int run_values_add(struct grouped *g, struct run_values *set, const char *benchmark,
			  int64_t run_id, double value)
{
	struct run_value_bench *b;
	int rc;
	if (group_starts(g, set->n ? set->benches[set->n - 1].name : NULL, benchmark)) {
		if ((rc = ALLOC_GROW_BY(set->benches, set->n, 1, g->benches_alloc)))
			return rc;
		if (!(set->benches[set->n - 1].name = strdup(benchmark)))
			return -ENOMEM;
	}
	b = &set->benches[set->n - 1];
	return group_add(g, &b->values, &b->runs, &b->n, run_id, value);
}

struct run_values_state {
	struct run_values *set;
	struct grouped g;
};

static int add_log_mean(void *ctx, const char *benchmark, int64_t run_id, int64_t n,
			int64_t sum_wall_ns, int64_t min_wall_ns)
{
	struct run_values_state *st = ctx;
	(void)min_wall_ns;
	/* A run whose mean is not positive has no log mean: it takes no part. */
	if (n <= 0 || sum_wall_ns <= 0)
		return 0;
	return run_values_add(&st->g, st->set, benchmark, run_id,
			      log((double)sum_wall_ns / (double)n * 1e-9));
}

static int add_metric(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct run_values_state *st = ctx;
	return run_values_add(&st->g, st->set, benchmark, run_id, value);
}

static int run_values_done(struct run_values *out, int rc)
{
	if (rc) {
		run_values_clear(out);
		return store_errno(rc);
	}
	return 0;
}

int run_values_load_log_means(struct run_values *out, const struct view_ctx *ctx,
			      const int64_t *runs, size_t nruns)
{
	struct run_values_state st = {.set = out};
	memset(out, 0, sizeof(*out));
	return run_values_done(out, store_sums_of_runs(ctx->store, runs, nruns, add_log_mean, &st));
}

int run_values_load_metric(struct run_values *out, const struct view_ctx *ctx,
			   const int64_t *runs, size_t nruns, const char *metric)
{
	struct run_values_state st = {.set = out};
	memset(out, 0, sizeof(*out));
	return run_values_done(
		out, store_samples_of_runs(ctx->store, runs, nruns, metric, NULL, add_metric, &st));
}

/* A metric's values of one benchmark and run, as the samples give them. */
struct metric_means_state {
	struct run_values_state rv;
	char *bench;  /* the benchmark and run whose values are gathered */
	int64_t run;
	double *values;
	size_t n, alloc;
};

/* A run's log mean of the metric, when its mean is positive: a run whose
 * mean is not positive (or not finite) has no log mean and takes no part. */
static int add_mean(struct run_values_state *st, const char *benchmark, int64_t run, double mean)
{
	return mean > 0 && isfinite(mean) ? run_values_add(&st->g, st->set, benchmark, run, log(mean))
					  : 0;
}

static int metric_mean_flush(struct metric_means_state *st)
{
	double mean;
	size_t n = st->n;
	st->n = 0;
	/* The mean the keeper describes (stats_describe's, over the same values
	 * in the same order): a run reads the same, bit for bit, before and
	 * after it is described. */
	return n && stats_mean(&mean, st->values, n) == STATS_OK
		       ? add_mean(&st->rv, st->bench, st->run, mean)
		       : 0;
}

static int add_metric_value(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct metric_means_state *st = ctx;
	int rc;
	if (st->n && (run_id != st->run || strcmp(benchmark, st->bench) != 0)) {
		if ((rc = metric_mean_flush(st)))
			return rc;
	}
	if (!st->bench || strcmp(benchmark, st->bench) != 0) {
		free(st->bench);
		if (!(st->bench = strdup(benchmark)))
			return -ENOMEM;
	}
	st->run = run_id;
	if ((rc = ALLOC_GROW(st->values, st->n + 1, st->alloc)))
		return rc;
	st->values[st->n++] = value;
	return 0;
}

/* The log means of runs from their samples, into out (empty). */
static int metric_means_of_samples(struct run_values *out, const struct view_ctx *ctx,
				   const int64_t *runs, size_t nruns, const char *metric)
{
	struct metric_means_state st = {.rv = {.set = out}};
	int rc = store_samples_of_runs(ctx->store, runs, nruns, metric, NULL, add_metric_value, &st);
	if (rc == 0)
		rc = metric_mean_flush(&st);
	free(st.bench);
	free(st.values);
	return rc;
}

/* The keeper's means of the described runs; which of runs (ascending)
 * had one is marked in described. */
struct described_state {
	struct run_values_state rv;
	const int64_t *runs;
	size_t nruns;
	bool *described;
};

static int add_described_mean(void *ctx, const char *benchmark, int64_t run_id, double mean)
{
	struct described_state *st = ctx;
	const int64_t *at = bsearch(&run_id, st->runs, st->nruns, sizeof(*st->runs), cmp_run_id);
	if (at)
		st->described[at - st->runs] = true;
	return add_mean(&st->rv, benchmark, run_id, mean);
}

/* x and y (of different runs) as one set, into out (empty). */
static int run_values_merge(struct run_values *out, const struct run_values *x,
			    const struct run_values *y)
{
	struct grouped g = {0};
	size_t i = 0, j = 0;
	int rc = 0;
	while (!rc && (i < x->n || j < y->n)) {
		int c = i == x->n   ? 1
			: j == y->n ? -1
				    : strcmp(x->benches[i].name, y->benches[j].name);
		const struct run_value_bench *p = c <= 0 ? &x->benches[i++] : NULL;
		const struct run_value_bench *q = c >= 0 ? &y->benches[j++] : NULL;
		size_t k = 0, l = 0, np = p ? p->n : 0, nq = q ? q->n : 0;
		while (!rc && (k < np || l < nq)) {
			if (l == nq || (k < np && p->runs[k] < q->runs[l])) {
				rc = run_values_add(&g, out, p->name, p->runs[k], p->values[k]);
				k++;
			} else {
				rc = run_values_add(&g, out, q->name, q->runs[l], q->values[l]);
				l++;
			}
		}
	}
	return rc;
}

int run_values_load_metric_log_means(struct run_values *out, const struct view_ctx *ctx,
				     const int64_t *runs, size_t nruns, const char *metric)
{
	struct described_state st = {.rv = {.set = out}};
	struct run_values kept = {0}, rest = {0};
	int64_t *ids = malloc((nruns + 1) * sizeof(*ids));
	size_t nrest = 0;
	int rc = -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (!ids || !(st.described = calloc(nruns + 1, sizeof(*st.described))))
		goto done;
	if (nruns)
		memcpy(ids, runs, nruns * sizeof(*ids));
	qsort(ids, nruns, sizeof(*ids), cmp_run_id);
	/* Without repeats: each run's values once, as the store's IN gives them. */
	for (size_t i = 0; i < nruns; i++)
		if (st.nruns == 0 || ids[st.nruns - 1] != ids[i])
			ids[st.nruns++] = ids[i];
	st.runs = ids;
	/* A described run's mean is one row a benchmark (the keeper's); only
	 * the others (not described yet; any run, for a declared metric) are
	 * read from their samples. */
	if ((rc = store_metric_means_described(ctx->store, ids, st.nruns, metric,
					       add_described_mean, &st)))
		goto done;
	for (size_t i = 0; i < st.nruns; i++)
		if (!st.described[i])
			ids[nrest++] = ids[i];
	if (nrest == 0)
		goto done;
	kept = *out;
	memset(out, 0, sizeof(*out));
	if ((rc = metric_means_of_samples(&rest, ctx, ids, nrest, metric)) == 0)
		rc = run_values_merge(out, &kept, &rest);
done:
	run_values_clear(&kept);
	run_values_clear(&rest);
	free(ids);
	free(st.described);
	return run_values_done(out, rc);
}

const struct run_value_bench *run_values_find(const struct run_values *set, const char *name)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->benches[mid].name, name);
		if (c < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid;
		else
			return &set->benches[mid];
	}
	return NULL;
}

bool run_value_get(double *out, const struct run_value_bench *b, int64_t run)
{
	size_t lo = 0, hi = b ? b->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->runs[mid] < run)
			lo = mid + 1;
		else if (b->runs[mid] > run)
			hi = mid;
		else {
			*out = b->values[mid];
			return true;
		}
	}
	return false;
}

void run_values_clear(struct run_values *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->benches[i].name);
		free(set->benches[i].runs);
		free(set->benches[i].values);
	}
	free(set->benches);
	memset(set, 0, sizeof(*set));
}
