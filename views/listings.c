/* The names of compare/'s and history/'s entries (listings.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "util/array.h"
#include "views/commit_names.h"
#include "views/listings.h"
#include "views/sides.h"

struct names {
	char **list;
	size_t n, alloc;
};

void listing_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static int add_name(struct names *names, const char *fmt, const char *a, const char *b)
{
	char *name;
	int rc;
	if ((rc = ALLOC_GROW(names->list, names->n + 1, names->alloc)))
		return rc;
	if (asprintf(&name, fmt, a, b) < 0)
		return -ENOMEM;
	names->list[names->n++] = name;
	return 0;
}

static int add_pair(struct names *names, const char *a, const char *b)
{
	int rc = add_name(names, "%s..%s.md", a, b);
	return rc ? rc : add_name(names, "%s..%s.json", a, b);
}

static int done(char ***out, size_t *n, struct names *names, int rc)
{
	if (rc) {
		listing_free(names->list, names->n);
		return rc;
	}
	*out = names->list;
	*n = names->n;
	return 0;
}

static int cmp_commit(const void *a, const void *b)
{
	return strcmp(a, b);
}

int listing_compare(char ***out, size_t *n, const struct view_ctx *ctx)
{
	struct names names = {0};
	struct run_catalog cat;
	struct commit_names *cnames = NULL;
	struct store_baseline *baselines = NULL;
	size_t nbaselines = 0, ncommits = 0;
	char(*commits)[STORE_HASH_LEN + 1] = NULL;
	int64_t latest;
	int rc;
	if ((rc = run_catalog_load(&cat, ctx)))
		return rc;
	if (!(commits = malloc((cat.n + 1) * sizeof(*commits)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cat.n; i++)
		memcpy(commits[i], cat.runs[i].commit, sizeof(commits[i]));
	qsort(commits, cat.n, sizeof(*commits), cmp_commit);
	for (size_t i = 0; i < cat.n; i++)
		if (ncommits == 0 || strcmp(commits[ncommits - 1], commits[i]) != 0)
			memmove(commits[ncommits++], commits[i], sizeof(commits[i]));
	if (ncommits && (rc = commit_names_load(&cnames, ctx)))
		goto out;
	for (size_t i = 0; i < ncommits && !rc; i++) {
		char parent[STORE_HASH_LEN + 1], sa[COMMIT_NAME_SIZE], sb[COMMIT_NAME_SIZE];
		/* Skipped: a commit this repository no longer has, a root commit. */
		if (repo_first_parent(parent, ctx->repo, commits[i]) || !parent[0])
			continue;
		if (bsearch(parent, commits, ncommits, sizeof(*commits), cmp_commit) &&
		    commit_names_get(sa, sizeof(sa), cnames, parent) == 0 &&
		    commit_names_get(sb, sizeof(sb), cnames, commits[i]) == 0)
			rc = add_pair(&names, sa, sb);
	}
	for (size_t i = 0; i < cat.n && !rc; i++) {
		ssize_t j;
		char sa[64], sb[64];
		/* Each pair once, from its A side (the lower id). */
		if (!cat.runs[i].pair_id || cat.runs[i].pair_id < cat.runs[i].id ||
		    (j = run_catalog_find(&cat, cat.runs[i].pair_id)) < 0)
			continue;
		snprintf(sa, sizeof(sa), "run-%lld", (long long)cat.runs[i].id);
		snprintf(sb, sizeof(sb), "run-%lld", (long long)cat.runs[j].id);
		rc = add_pair(&names, sa, sb);
	}
	if (rc || store_latest_done(ctx->store, &latest) != STORE_OK)
		goto out;
	if (store_baselines_list(ctx->store, &baselines, &nbaselines)) {
		rc = -EIO;
		goto out;
	}
	for (size_t i = 0; i < nbaselines && !rc; i++)
		rc = add_pair(&names, baselines[i].name, "latest");
out:
	commit_names_free(cnames);
	free(baselines);
	free(commits);
	run_catalog_clear(&cat);
	return done(out, n, &names, rc);
}

/* "<bench>:<metric>.csv" and ".svg". */
static int add_metric(struct names *names, const char *bench, const char *metric)
{
	char *name;
	int rc;
	if (asprintf(&name, "%s:%s", bench, metric) < 0)
		return -ENOMEM;
	if (!(rc = add_name(names, "%s%s", name, ".csv")))
		rc = add_name(names, "%s%s", name, ".svg");
	free(name);
	return rc;
}

/* The declared metrics (not cpu, not memory) of bench among the runs. */
static int add_declared(struct names *names, const struct view_ctx *ctx,
			const struct run_catalog *cat, const int64_t *ids, const char *bench)
{
	struct store_metric_def *defs = NULL;
	size_t ndefs = 0;
	int rc = store_errno(store_metrics_of_runs(ctx->store, &defs, &ndefs, ids, cat->n, bench));
	for (size_t i = 0; i < ndefs && !rc; i++)
		if (strcmp(defs[i].name, STORE_METRIC_CPU) && strcmp(defs[i].name, STORE_METRIC_MEMORY))
			rc = add_metric(names, bench, defs[i].name);
	free(defs);
	return rc;
}

int listing_history(char ***out, size_t *n, const struct view_ctx *ctx)
{
	struct names names = {0};
	struct run_catalog cat = {0};
	struct store_metric_def *defs = NULL;
	char **benchmarks = NULL;
	int64_t *ids = NULL;
	size_t count = 0, ndefs = 0;
	bool declared = false;
	int rc = 0;
	if (store_benchmark_names(ctx->store, &benchmarks, &count))
		return -EIO;
	/* Declared metrics are looked for per benchmark only when the runs
	 * have any: most stores have none. */
	if (count && (rc = run_catalog_load(&cat, ctx)) == 0 && cat.n) {
		if (!(ids = malloc(cat.n * sizeof(*ids))))
			rc = -ENOMEM;
		for (size_t i = 0; ids && i < cat.n; i++)
			ids[i] = cat.runs[i].id;
		if (!rc)
			rc = store_errno(store_metrics_of_runs(ctx->store, &defs, &ndefs, ids, cat.n,
							       NULL));
		for (size_t i = 0; i < ndefs; i++)
			declared |= strcmp(defs[i].name, STORE_METRIC_CPU) &&
				    strcmp(defs[i].name, STORE_METRIC_MEMORY);
		free(defs);
	}
	/* Each benchmark's wall time, then the metrics every benchmark has
	 * (cpu, memory), then its declared ones by name. */
	for (size_t i = 0; i < count && !rc; i++) {
		if (!(rc = add_name(&names, "%s%s", benchmarks[i], ".csv")))
			rc = add_name(&names, "%s%s", benchmarks[i], ".svg");
		if (!rc)
			rc = add_metric(&names, benchmarks[i], STORE_METRIC_CPU);
		if (!rc)
			rc = add_metric(&names, benchmarks[i], STORE_METRIC_MEMORY);
		if (!rc && declared)
			rc = add_declared(&names, ctx, &cat, ids, benchmarks[i]);
	}
	free(ids);
	run_catalog_clear(&cat);
	store_names_free(benchmarks, count);
	return done(out, n, &names, rc);
}
