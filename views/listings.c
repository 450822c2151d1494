/* The names of compare/'s and history/'s entries (listings.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/pull.h"
#include "repo/repo.h"
#include "store/paths.h"
#include "util/array.h"
#include "views/commit_names.h"
#include "views/compare_pull.h"
#include "views/compare_variants.h"
#include "views/flame.h"
#include "views/listings.h"
#include "views/run_files.h"
#include "views/sides.h"

/* compare/<rev>/ lists every two values of a parameter up to this many
 * values, each value against the first beyond. */
#define VARIANTS_ALL_PAIRS 16

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

/* ---- variants: compare/<rev>/ ---- */

/* One parameter's value in a benchmark of a run: "k=v" of "name[k=v,...]". */
struct param_value {
	const char *commit; /* the run's (a catalog's entry), NULL within one side */
	const char *key, *value; /* in one of the parsed names (struct param_values) */
};

struct param_values {
	struct param_value *list;
	size_t n, alloc;
	const struct run_catalog *cat; /* maps a run to its commit; NULL: one side */
	/* Each benchmark's "k=v,..." split in place, parsed once: the rows come
	 * by benchmark, then run. */
	char **parsed;
	size_t nparsed, parsed_alloc;
	const char *bench;     /* the name parsed last (its copy heads its entry) */
	const char **kv;       /* its keys and values, alternating */
	size_t nkv, kv_alloc;
};

/* Split bench's parameters: a copy "<bench>\0<k>\0<v>\0..." kept in pv. */
static int parse_bench(struct param_values *pv, const char *bench, const char *open,
		       const char *end)
{
	size_t len = strlen(bench);
	char *copy;
	int rc;
	pv->nkv = 0;
	pv->bench = NULL;
	if ((rc = ALLOC_GROW(pv->parsed, pv->nparsed + 1, pv->parsed_alloc)))
		return rc;
	if (!(copy = malloc(2 * len + 2)))
		return -ENOMEM;
	pv->parsed[pv->nparsed++] = copy;
	memcpy(copy, bench, len + 1);
	pv->bench = copy;
	copy += len + 1;
	memcpy(copy, open + 1, (size_t)(end - open - 1));
	copy[end - open - 1] = '\0';
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (!eq || eq == t || !eq[1])
			continue;
		*eq = '\0';
		if ((rc = ALLOC_GROW(pv->kv, pv->nkv + 2, pv->kv_alloc)))
			return rc;
		pv->kv[pv->nkv++] = t;
		pv->kv[pv->nkv++] = eq + 1;
	}
	return 0;
}

static int collect_params(void *arg, const char *bench, int64_t run_id, int64_t n, int64_t sum,
			  int64_t min)
{
	struct param_values *pv = arg;
	const char *open = strchr(bench, '['), *end = bench + strlen(bench) - 1, *commit = NULL;
	int rc;
	(void)n, (void)sum, (void)min;
	if (!open || *end != ']')
		return 0;
	if (pv->cat) {
		ssize_t i = run_catalog_find(pv->cat, run_id);
		if (i < 0)
			return 0;
		commit = pv->cat->runs[i].commit;
	}
	if ((!pv->bench || strcmp(pv->bench, bench) != 0) && (rc = parse_bench(pv, bench, open, end)))
		return rc;
	if ((rc = ALLOC_GROW(pv->list, pv->n + pv->nkv / 2, pv->alloc)))
		return rc;
	for (size_t i = 0; i + 1 < pv->nkv; i += 2)
		pv->list[pv->n++] = (struct param_value){commit, pv->kv[i], pv->kv[i + 1]};
	return 0;
}

/* By commit, key, then value in version order (1, 2, 16). */
static int cmp_param_value(const void *x, const void *y)
{
	const struct param_value *a = x, *b = y;
	int c = a->commit && b->commit ? strcmp(a->commit, b->commit) : 0;
	if (!c)
		c = strcmp(a->key, b->key);
	return c ? c : strverscmp(a->value, b->value);
}

static void param_values_clear(struct param_values *pv)
{
	for (size_t i = 0; i < pv->nparsed; i++)
		free(pv->parsed[i]);
	free(pv->parsed);
	free(pv->kv);
	free(pv->list);
}

/* The parameters' values of the runs' benchmarks, sorted, each once. */
static int param_values_load(struct param_values *pv, const struct view_ctx *ctx,
			     const int64_t *ids, size_t nids)
{
	size_t k = 0;
	int rc = store_sums_of_runs(ctx->store, ids, nids, collect_params, pv);
	if (rc)
		return rc > STORE_ERROR_BASE ? rc : store_errno(rc);
	if (pv->n > 1)
		qsort(pv->list, pv->n, sizeof(*pv->list), cmp_param_value);
	for (size_t i = 0; i < pv->n; i++)
		if (!k || cmp_param_value(&pv->list[k - 1], &pv->list[i]) != 0)
			pv->list[k++] = pv->list[i];
	pv->n = k;
	return 0;
}

static bool same_key(const struct param_value *a, const struct param_value *b)
{
	return (!a->commit || strcmp(a->commit, b->commit) == 0) && strcmp(a->key, b->key) == 0;
}

/* Whether a store has a benchmark with parameters at all: most have none,
 * and their listing reads nothing more. */
static int any_parameters(bool *out, const struct view_ctx *ctx)
{
	char **benchmarks = NULL;
	size_t count = 0;
	*out = false;
	if (store_benchmark_names(ctx->store, &benchmarks, &count))
		return -EIO;
	for (size_t i = 0; i < count && !*out; i++)
		*out = strchr(benchmarks[i], '[') != NULL;
	store_names_free(benchmarks, count);
	return 0;
}

/* compare/'s "<rev>" directories: each commit (named as its pairs are) whose
 * runs have a parameter with two values or more. */
static int variant_dirs(struct names *dirs, const struct view_ctx *ctx,
			const struct run_catalog *cat, struct commit_names *cnames)
{
	struct param_values pv = {.cat = cat};
	const char *last = NULL;
	int64_t *ids = NULL;
	bool any;
	int rc;
	if ((rc = any_parameters(&any, ctx)) || !any || !cat->n || !cnames)
		return rc;
	if (!(ids = malloc(cat->n * sizeof(*ids))))
		return -ENOMEM;
	for (size_t i = 0; i < cat->n; i++)
		ids[i] = cat->runs[i].id;
	rc = param_values_load(&pv, ctx, ids, cat->n);
	for (size_t i = 1; i < pv.n && !rc; i++) {
		char name[COMMIT_NAME_SIZE];
		/* At a key's second value; each commit once (they come sorted). */
		if (!same_key(&pv.list[i - 1], &pv.list[i]) ||
		    (last && strcmp(last, pv.list[i].commit) == 0))
			continue;
		last = pv.list[i].commit;
		if (commit_names_get(name, sizeof(name), cnames, last) == 0)
			rc = add_name(dirs, "%s%s", name, "");
	}
	free(ids);
	param_values_clear(&pv);
	return rc;
}

/* "<key>=<x>..<key>=<y>.md" and ".json", when that name reads back as
 * key, x and y (a value ending in a dot would not). */
static int add_variant(struct names *names, const char *key, const char *x, const char *y)
{
	char *name = NULL, *k = NULL, *vx = NULL, *vy = NULL;
	enum compare_format format;
	int rc;
	if (asprintf(&name, "%s=%s..%s=%s.md", key, x, key, y) < 0)
		return -ENOMEM;
	rc = compare_variants_parse_name(&k, &vx, &vy, &format, name);
	if (rc == 0 && strcmp(k, key) == 0 && strcmp(vx, x) == 0 && strcmp(vy, y) == 0) {
		name[strlen(name) - 3] = '\0';
		if (!(rc = add_name(names, "%s%s", name, ".md")))
			rc = add_name(names, "%s%s", name, ".json");
	}
	free(name);
	free(k);
	free(vx);
	free(vy);
	return rc == -ENOENT ? 0 : rc;
}

int listing_variants(char ***out, size_t *n, const struct view_ctx *ctx, const char *rev,
		     const struct side_ref *ref)
{
	struct names names = {0};
	struct param_values pv = {0};
	struct side a = {0}, b = {0};
	int rc;
	a.ref = b.ref = *ref;
	/* The runs compare_variants_render pools for rev. */
	if ((rc = side_set_rev(&a, rev)) || (rc = side_set_rev(&b, rev)) ||
	    (rc = sides_find(&a, &b, ctx)) || (rc = param_values_load(&pv, ctx, a.runs, a.nruns)))
		goto out;
	for (size_t s = 0, e; s < pv.n && !rc; s = e) {
		for (e = s + 1; e < pv.n && same_key(&pv.list[s], &pv.list[e]); e++)
			;
		/* Every two values of a key; beyond VARIANTS_ALL_PAIRS values
		 * (the pairs grow as their square), each against the first. */
		for (size_t i = s; i < e && !rc && (i == s || e - s <= VARIANTS_ALL_PAIRS); i++)
			for (size_t j = i + 1; j < e && !rc; j++)
				rc = add_variant(&names, pv.list[s].key, pv.list[i].value,
						 pv.list[j].value);
	}
out:
	param_values_clear(&pv);
	side_clear(&a);
	side_clear(&b);
	/* A revision without finished runs has no variants. */
	return done(out, n, &names, rc == -ENOENT ? 0 : rc);
}

/* What compare/ lists beside the pairs (listing_compare_dir): which runs
 * kept folded stacks, found once for the whole listing. */
struct extras {
	bool on;
	bool *profiled;  /* per catalog run */
	char (*profiled_commits)[STORE_HASH_LEN + 1]; /* sorted */
	size_t nprofiled_commits;
};

/* The runs of one directory of run directories (root) that kept stacks. */
static void extras_scan(struct extras *x, const struct run_catalog *cat,
			const struct view_ctx *ctx, const char *root)
{
	struct dirent *d;
	DIR *dir;
	if (!(dir = opendir(root)))
		return;
	while ((d = readdir(dir))) {
		char *end;
		long long id = strtoll(d->d_name, &end, 10);
		ssize_t i;
		/* A run is in one of the roots, but never counted twice. */
		if (d->d_name[0] < '0' || d->d_name[0] > '9' || *end ||
		    (i = run_catalog_find(cat, id)) < 0 || x->profiled[i] || !flame_run_has(ctx, id))
			continue;
		x->profiled[i] = true;
		memcpy(x->profiled_commits[x->nprofiled_commits++], cat->runs[i].commit,
		       STORE_HASH_LEN + 1);
	}
	closedir(dir);
}

static int extras_load(struct extras *x, const struct run_catalog *cat, const struct view_ctx *ctx)
{
	char root[4096];
	if (!(x->profiled = calloc(cat->n + 1, sizeof(*x->profiled))) ||
	    !(x->profiled_commits = malloc((cat->n + 1) * sizeof(*x->profiled_commits))))
		return -ENOMEM;
	/* Only runs with an artifacts directory may have kept stacks: one
	 * directory read, not an open per run. This machine's runs, then the
	 * other machines' runs whose files it copied from a shared store
	 * (views/run_files.h); one not copied yet is not listed, as listing
	 * does not fetch every run's files. */
	if (!store_path_artifacts_root(root, sizeof(root), ctx->data_dir))
		extras_scan(x, cat, ctx, root);
	if (!run_files_cache_root(root, sizeof(root), ctx->data_dir))
		extras_scan(x, cat, ctx, root);
	qsort(x->profiled_commits, x->nprofiled_commits, sizeof(*x->profiled_commits), cmp_commit);
	return 0;
}

static bool commit_profiled(const struct extras *x, const char *commit)
{
	return x->nprofiled_commits && bsearch(commit, x->profiled_commits, x->nprofiled_commits,
					       sizeof(*x->profiled_commits), cmp_commit);
}

/* "<a>..<b>.flame.svg" when kind_flame.c would open it: each side's newest
 * run that kept folded stacks, as compare resolves the sides. */
static int add_flame(struct names *names, const struct view_ctx *ctx, const char *a,
		     const char *b)
{
	int64_t ra, rb;
	int rc = flame_compare_runs(&ra, &rb, ctx, a, b);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	return add_name(names, "%s..%s.flame.svg", a, b);
}

/* pr-<n> and <remote>:<branch> (views/compare_pull.h) of the A/B job
 * (catalog runs a and b): listed once a line, when the line's newest job is
 * the finished one compare_pull_find serves. lines holds the lines seen. */
static int add_pull(struct names *names, struct names *lines, const struct view_ctx *ctx,
		    int64_t a, int64_t b)
{
	struct store_run ra, rb;
	struct side_ref sa, sb;
	char *stem = NULL, *line = NULL;
	int rc;
	if ((rc = store_run_get_light(ctx->store, &rb, b)))
		return rc == STORE_NOTFOUND ? 0 : -EIO;
	if ((rc = store_run_get_light(ctx->store, &ra, a))) {
		store_run_clear(&rb);
		return rc == STORE_NOTFOUND ? 0 : -EIO;
	}
	rc = 0;
	if (!rb.revision || !ra.revision || !pull_job_matches(ra.revision, rb.revision, rb.revision))
		goto done;
	for (size_t i = 0; i < lines->n; i++)
		if (strcmp(lines->list[i], rb.revision) == 0)
			goto done;
	if ((rc = add_name(lines, "%s%s", rb.revision, "")))
		goto done;
	/* The stem as compare/ names it, checked back to the same line. */
	if (strncmp(rb.revision, "pr/", 3) == 0) {
		if (asprintf(&stem, "pr-%s", rb.revision + 3) < 0)
			stem = NULL;
	} else if ((stem = strdup(rb.revision))) {
		for (char *c = stem; *c; c++)
			if (*c == '/')
				*c = ':';
	}
	if (!stem) {
		rc = -ENOMEM;
		goto done;
	}
	if ((rc = pull_line_of_stem(&line, stem)) <= 0 || strcmp(line, rb.revision) != 0)
		goto done;
	if ((rc = compare_pull_find(&sa, &sb, ctx, line)) == 0) {
		if (!(rc = add_name(names, "%s%s", stem, ".md")))
			rc = add_name(names, "%s%s", stem, ".json");
	} else if (rc == -ENOENT) {
		rc = 0;
	}
done:
	rc = rc > 0 ? 0 : rc;
	free(stem);
	free(line);
	store_run_clear(&ra);
	store_run_clear(&rb);
	return rc;
}

static int listing_compare_with(struct names *names, struct names *dirs, const struct view_ctx *ctx)
{
	struct run_catalog cat;
	struct commit_names *cnames = NULL;
	struct store_baseline *baselines = NULL;
	struct extras x = {.on = dirs != NULL};
	struct names lines = {0};
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
	if (x.on && (rc = extras_load(&x, &cat, ctx)))
		goto out;
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
		    commit_names_get(sb, sizeof(sb), cnames, commits[i]) == 0 &&
		    !(rc = add_pair(names, sa, sb)) && commit_profiled(&x, parent) &&
		    commit_profiled(&x, commits[i]))
			rc = add_flame(names, ctx, sa, sb);
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
		if (!(rc = add_pair(names, sa, sb)) && x.on && x.profiled[i] && x.profiled[j])
			rc = add_flame(names, ctx, sa, sb);
		if (!rc && x.on)
			rc = add_pull(names, &lines, ctx, cat.runs[i].id, cat.runs[j].id);
	}
	if (rc || store_latest_done(ctx->store, &latest) != STORE_OK)
		goto variants;
	if (store_baselines_list(ctx->store, &baselines, &nbaselines)) {
		rc = -EIO;
		goto out;
	}
	for (size_t i = 0; i < nbaselines && !rc; i++)
		if (!(rc = add_pair(names, baselines[i].name, "latest")) && x.nprofiled_commits)
			rc = add_flame(names, ctx, baselines[i].name, "latest");
variants:
	if (!rc && dirs)
		rc = variant_dirs(dirs, ctx, &cat, cnames);
out:
	listing_free(lines.list, lines.n);
	free(x.profiled);
	free(x.profiled_commits);
	commit_names_free(cnames);
	free(baselines);
	free(commits);
	run_catalog_clear(&cat);
	return rc;
}

int listing_compare(char ***out, size_t *n, const struct view_ctx *ctx)
{
	struct names names = {0};
	return done(out, n, &names, listing_compare_with(&names, NULL, ctx));
}

int listing_compare_dir(char ***files, size_t *nfiles, char ***dirs, size_t *ndirs,
			const struct view_ctx *ctx)
{
	struct names names = {0}, dnames = {0};
	int rc = listing_compare_with(&names, &dnames, ctx);
	if (rc) {
		listing_free(dnames.list, dnames.n);
		return done(files, nfiles, &names, rc);
	}
	done(dirs, ndirs, &dnames, 0);
	return done(files, nfiles, &names, 0);
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
