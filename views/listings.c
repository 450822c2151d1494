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

int listing_history(char ***out, size_t *n, const struct view_ctx *ctx)
{
	struct names names = {0};
	char **benchmarks = NULL;
	size_t count = 0;
	int rc = 0;
	if (store_benchmark_names(ctx->store, &benchmarks, &count))
		return -EIO;
	for (size_t i = 0; i < count && !rc; i++) {
		if (!(rc = add_name(&names, "%s%s", benchmarks[i], ".csv")))
			rc = add_name(&names, "%s%s", benchmarks[i], ".svg");
	}
	store_names_free(benchmarks, count);
	return done(out, n, &names, rc);
}
