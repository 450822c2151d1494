#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/result.h"
#include "stats/describe.h"
#include "stats/distributions.h"
#include "stats/hypothesis.h"
#include "stats/multiple.h"
#include "stats/noise.h"
#include "stats/paired.h"
#include "stats/verdict.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/internal_compare.h"

int compare_parse_name(char **a, char **b, enum compare_format *format, const char *name)
{
	size_t len = strlen(name), stem, at, bstart;
	const char *dots;
	if (len > 3 && strcmp(name + len - 3, ".md") == 0) {
		*format = COMPARE_MD;
		stem = len - 3;
	} else if (len > 5 && strcmp(name + len - 5, ".json") == 0) {
		*format = COMPARE_JSON;
		stem = len - 5;
	} else {
		return -ENOENT;
	}
	dots = strstr(name, "..");
	if (!dots || dots == name || (size_t)(dots - name) + 2 >= stem)
		return -ENOENT;
	at = (size_t)(dots - name);
	bstart = at + 2;
	if (name[bstart] == '.') {
		/* Three dots, as git diff reads them: a is the merge base of the
		 * two, named "<a>...<b>" for side_resolve; b is b. */
		*a = strndup(name, stem);
		if (*a && !side_merge_base_split(&at, *a)) {
			free(*a);
			return -ENOENT;
		}
		bstart = at + 3;
	} else {
		*a = strndup(name, at);
	}
	*b = strndup(name + bstart, stem - bstart);
	if (!*a || !*b) {
		free(*a);
		free(*b);
		return -ENOMEM;
	}
	return 0;
}

void comparison_clear(struct comparison *c)
{
	side_clear(&c->a);
	side_clear(&c->b);
	free(c->history);
	sample_set_clear(&c->wall_a);
	sample_set_clear(&c->wall_b);
	sample_set_clear(&c->ins_a);
	sample_set_clear(&c->ins_b);
	run_values_clear(&c->logs);
	run_values_clear(&c->logs_b);
	run_values_clear(&c->unstable);
	run_values_clear(&c->other_cpus);
	run_values_clear(&c->level);
	for (size_t i = 0; i < c->nrows; i++) {
		free(c->rows[i].reason);
		free(c->rows[i].unstable);
	}
	free(c->rows);
	for (size_t t = 0; t < c->nmetrics; t++) {
		struct metric_table *m = &c->metrics[t];
		sample_set_clear(&m->a);
		sample_set_clear(&m->b);
		run_values_clear(&m->logs);
		run_values_clear(&m->logs_b);
		for (size_t i = 0; i < m->nrows; i++) {
			free(m->rows[i].reason);
			free(m->rows[i].unstable);
		}
		free(m->rows);
	}
	free(c->metrics);
}

/* The union of two sample sets' benchmark names, sorted: one row each. */
static int merge_sets(struct row **rows, size_t *nrows, const struct sample_set *a,
		      const struct sample_set *b)
{
	size_t i = 0, j = 0;
	*nrows = 0;
	if (!(*rows = calloc(a->n + b->n + 1, sizeof(**rows))))
		return -ENOMEM;
	while (i < a->n || j < b->n) {
		struct row *r = &(*rows)[(*nrows)++];
		int cmp = i == a->n   ? 1
			  : j == b->n ? -1
				      : strcmp(a->benches[i].name, b->benches[j].name);
		if (cmp <= 0)
			r->a = &a->benches[i++];
		if (cmp >= 0)
			r->b = &b->benches[j++];
		r->name = r->a ? r->a->name : r->b->name;
		r->ratio = r->sigma_run = r->other_a = r->other_b = NAN;
		r->confidence = r->p = r->paired_t_p = NAN;
	}
	return 0;
}

/* Wall time's rows with their instruction counts, then each metric's. */
static int merge_rows(struct comparison *c)
{
	int rc = merge_sets(&c->rows, &c->nrows, &c->wall_a, &c->wall_b);
	for (size_t i = 0; i < c->nrows && !rc; i++) {
		c->rows[i].ia = sample_set_find(&c->ins_a, c->rows[i].name);
		c->rows[i].ib = sample_set_find(&c->ins_b, c->rows[i].name);
	}
	for (size_t t = 0; t < c->nmetrics && !rc; t++)
		rc = merge_sets(&c->metrics[t].rows, &c->metrics[t].nrows, &c->metrics[t].a,
				&c->metrics[t].b);
	return rc;
}

/* The metrics of the sides' runs (cpu, memory, declared ones): each one's
 * samples per side and its per-run log means over all (the sides' and, for
 * separate runs, the history's runs). A metric whose every value is 0 was
 * not recorded (runs imported or planted without it) and is left out. */
static int metrics_load(struct comparison *c, const struct view_ctx *ctx, const int64_t *sides,
			size_t nsides, const int64_t *all, size_t nall)
{
	struct store_metric_def *defs = NULL;
	size_t n = 0;
	int rc = store_errno(store_metrics_of_runs(ctx->store, &defs, &n, sides, nsides, NULL));
	if (rc)
		return rc;
	if (!(c->metrics = calloc(n + 1, sizeof(*c->metrics)))) {
		free(defs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct metric_table *m = &c->metrics[c->nmetrics++];
		m->def = defs[i];
		if ((rc = sample_sets_load(&m->a, &m->b, ctx, &c->a, &c->b, m->def.name)))
			break;
		if (c->variant_param && ((rc = variants_remap_samples(&m->a, c, false)) ||
					 (rc = variants_remap_samples(&m->b, c, true))))
			break;
		if (!metric_measured(m)) {
			sample_set_clear(&m->a);
			sample_set_clear(&m->b);
			c->nmetrics--;
			continue;
		}
		rc = run_values_load_metric_log_means(&m->logs, ctx, all, nall, m->def.name);
		if (!rc && c->variant_param &&
		    !(rc = run_values_load_metric_log_means(&m->logs_b, ctx, all, nall, m->def.name)) &&
		    !(rc = variants_remap_values(&m->logs, c, false)))
			rc = variants_remap_values(&m->logs_b, c, true);
	}
	free(defs);
	return rc;
}

/* ---- the runs behind the sides ---- */

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

bool ids_contain(const int64_t *ids, size_t n, int64_t id)
{
	/* An empty list may be NULL, which bsearch must not see. */
	return n && bsearch(&id, ids, n, sizeof(*ids), cmp_id) != NULL;
}

/* Sorted, without repeats: the union of up to three id lists. */
static int64_t *ids_union(size_t *n, const int64_t *x, size_t nx, const int64_t *y, size_t ny,
			  const int64_t *z, size_t nz)
{
	int64_t *all = malloc((nx + ny + nz + 1) * sizeof(*all));
	size_t k = 0;
	if (!all)
		return NULL;
	/* An empty list may be NULL, which memcpy must not see. */
	if (nx)
		memcpy(all, x, nx * sizeof(*x));
	if (ny)
		memcpy(all + nx, y, ny * sizeof(*y));
	if (nz)
		memcpy(all + nx + ny, z, nz * sizeof(*z));
	qsort(all, nx + ny + nz, sizeof(*all), cmp_id);
	for (size_t i = 0; i < nx + ny + nz; i++)
		if (k == 0 || all[k - 1] != all[i])
			all[k++] = all[i];
	*n = k;
	return all;
}

/* Every run of both sides was built from the same, known artifacts: a run
 * that is no finished run of this host's counts as unknown. */
static int sides_same_build(bool *out, const struct comparison *c, const struct view_ctx *ctx)
{
	const struct side *sides[2] = {&c->a, &c->b};
	size_t n = c->a.nruns + c->b.nruns, k = 0;
	struct store_done_run *runs = malloc((n + 1) * sizeof(*runs));
	bool *found = malloc((n + 1) * sizeof(*found));
	int64_t *ids = malloc((n + 1) * sizeof(*ids));
	const char *id = NULL;
	int rc = -ENOMEM;
	*out = false;
	if (!runs || !found || !ids)
		goto done;
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sides[s]->nruns; i++)
			ids[k++] = sides[s]->runs[i];
	if ((rc = store_errno(store_host_done_runs_get(ctx->store, runs, found, ids, n, ctx->host))))
		goto done;
	*out = true;
	for (size_t i = 0; i < n && *out; i++) {
		const char *build = found[i] ? runs[i].build_id : "";
		if (!*build || (id && strcmp(id, build) != 0))
			*out = false;
		id = build;
	}
	*out = *out && id != NULL;
done:
	free(runs);
	free(found);
	free(ids);
	return rc;
}

/* The newest NOISE_RUNS finished runs of this host that are not A/B sides
 * (the two sides of a pair are measured at once: their difference is not
 * run-to-run noise) or a bisection's (alternating between the two sides of
 * a step, as neighbours they would pass the step off as noise), ascending. */
static int history_runs(struct comparison *c, const struct view_ctx *ctx)
{
	return store_errno(
		store_host_solo_runs(ctx->store, &c->history, &c->nhistory, NOISE_RUNS, ctx->host));
}

/* What to write into queue for an A/B job of these sides: the revisions as
 * written, or the commit when a side names a run. */
static void suggestion(char *out, size_t size, const struct side *s)
{
	snprintf(out, size, "%s",
		 s->ref.run_id || s->merge_base || strlen(s->rev) >= size ? s->ref.commit : s->rev);
}

static int comparison_load(struct comparison *c, const struct view_ctx *ctx)
{
	int64_t *sides = NULL, *all = NULL;
	size_t nsides = 0, nall = 0;
	int rc;
	if ((rc = sides_find(&c->a, &c->b, ctx)))
		return rc;
	if (c->paired_only && !c->a.interleaved)
		return -ENOENT;
	c->method = c->a.interleaved && !c->variant_param ? METHOD_PAIRED : METHOD_RUNS;
	if ((rc = sides_same_build(&c->same_build, c, ctx)))
		return rc;
	/* Variants share their runs' build but are different workloads. */
	c->same_build = c->same_build && !c->variant_param;
	suggestion(c->suggest_a, sizeof(c->suggest_a), &c->a);
	suggestion(c->suggest_b, sizeof(c->suggest_b), &c->b);
	/* Variants' sides are named "<param>=<x>@<rev>": more runs of the commit. */
	if (c->variant_param)
		snprintf(c->suggest_a, sizeof(c->suggest_a), "%s", c->a.ref.commit);
	if ((rc = history_runs(c, ctx)))
		return rc;
	if (!(sides = ids_union(&nsides, c->a.runs, c->a.nruns, c->b.runs, c->b.nruns, NULL, 0)) ||
	    !(all = ids_union(&nall, sides, nsides, c->history,
			      c->method == METHOD_RUNS ? c->nhistory : 0, NULL, 0))) {
		rc = -ENOMEM;
		goto done;
	}
	if ((rc = sample_sets_load(&c->wall_a, &c->wall_b, ctx, &c->a, &c->b, NULL)) ||
	    (rc = sample_sets_load(&c->ins_a, &c->ins_b, ctx, &c->a, &c->b, INSTRUCTIONS)) ||
	    (rc = run_values_load_log_means(&c->logs, ctx, all, nall)) ||
	    (rc = run_values_load_metric(&c->unstable, ctx, sides, nsides, STORE_METRIC_UNSTABLE)) ||
	    (rc = run_values_load_metric(&c->other_cpus, ctx, sides, nsides,
					 STORE_METRIC_OTHER_CPUS)))
		goto done;
	if (c->variant_param &&
	    ((rc = run_values_load_log_means(&c->logs_b, ctx, all, nall)) ||
	     (rc = variants_remap_samples(&c->wall_a, c, false)) ||
	     (rc = variants_remap_samples(&c->wall_b, c, true)) ||
	     (rc = variants_remap_samples(&c->ins_a, c, false)) ||
	     (rc = variants_remap_samples(&c->ins_b, c, true)) ||
	     (rc = variants_remap_values(&c->logs, c, false)) ||
	     (rc = variants_remap_values(&c->logs_b, c, true))))
		goto done;
	if (c->method == METHOD_PAIRED &&
	    (rc = run_values_load_metric(&c->level, ctx, sides, nsides,
					 STORE_METRIC_SEQUENTIAL_LEVEL)))
		goto done;
	/* The outcomes of an A/B job (confirm's) are wall time's only. */
	if (!c->paired_only)
		rc = metrics_load(c, ctx, sides, nsides, all, nall);
done:
	free(sides);
	free(all);
	return rc;
}

int comparison_build(struct comparison *c, const struct view_ctx *ctx, const char *a_rev,
		     const struct side_ref *a, const char *b_rev, const struct side_ref *b)
{
	size_t most = 0;
	double *scratch = NULL;
	int rc;
	c->a.ref = *a;
	c->b.ref = *b;
	if ((rc = side_set_rev(&c->a, a_rev)) || (rc = side_set_rev(&c->b, b_rev)) ||
	    (rc = comparison_load(c, ctx)) || (rc = merge_rows(c)))
		return rc;
	for (size_t t = 0; t <= c->nmetrics; t++) {
		const struct row *rows = t ? c->metrics[t - 1].rows : c->rows;
		size_t nrows = t ? c->metrics[t - 1].nrows : c->nrows;
		for (size_t i = 0; i < nrows; i++) {
			if (rows[i].a && rows[i].a->n > most)
				most = rows[i].a->n;
			if (rows[i].b && rows[i].b->n > most)
				most = rows[i].b->n;
		}
	}
	if (!(scratch = malloc((most + 1) * sizeof(double))))
		return -ENOMEM;
	for (size_t i = 0; i < c->nrows && !rc; i++)
		rc = compute_row(&c->rows[i], c, NULL, ctx, scratch);
	for (size_t t = 0; t < c->nmetrics && !rc; t++)
		for (size_t i = 0; i < c->metrics[t].nrows && !rc; i++)
			rc = compute_row(&c->metrics[t].rows[i], c, &c->metrics[t], ctx, scratch);
	free(scratch);
	if (rc || (rc = decide(c, ctx)))
		return rc;
	return summarize(c, ctx);
}

void compare_outcome_fill(struct compare_outcome *o, const struct row *r,
			  const struct comparison *c)
{
	o->verdict = r->compared ? r->verdict : STATS_UNDECIDED;
	o->ratio = r->ratio;
	o->ci_lo = r->have_ci ? r->ci_lo : NAN;
	o->ci_hi = r->have_ci ? r->ci_hi : NAN;
	o->q = r->testable ? r->out.q : NAN;
	o->mean_a = r->a ? r->sa.mean : NAN;
	o->mean_b = r->b ? r->sb.mean : NAN;
	o->pairs = r->pairs;
	o->runs[0] = c->a.runs[0];
	o->runs[1] = c->b.runs[0];
}

int comparison_build_pair(struct comparison *c, const struct view_ctx *ctx, const char *commit_a,
			  const char *commit_b, bool paired_only)
{
	struct side_ref a = {0}, b = {0};
	int rc;
	memset(c, 0, sizeof(*c));
	c->paired_only = paired_only;
	snprintf(a.commit, sizeof(a.commit), "%s", commit_a);
	snprintf(b.commit, sizeof(b.commit), "%s", commit_b);
	if ((rc = comparison_build(c, ctx, commit_a, &a, commit_b, &b)))
		return rc;
	return c->method == METHOD_PAIRED ? 0 : -ENOENT;
}

int compare_pair_outcomes(struct compare_outcome **out, size_t *n, const struct view_ctx *ctx,
			  const char *commit_a, const char *commit_b)
{
	struct comparison c;
	int rc;
	*out = NULL;
	*n = 0;
	if ((rc = comparison_build_pair(&c, ctx, commit_a, commit_b, true)))
		goto done;
	if (!(*out = calloc(c.nrows + 1, sizeof(**out)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < c.nrows; i++) {
		const struct row *r = &c.rows[i];
		struct compare_outcome *o = &(*out)[i];
		if (!(o->bench = strdup(r->name))) {
			rc = -ENOMEM;
			break;
		}
		(*n)++;
		compare_outcome_fill(o, r, &c);
	}
done:
	comparison_clear(&c);
	if (rc) {
		compare_outcomes_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void compare_outcomes_free(struct compare_outcome *outcomes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(outcomes[i].bench);
	free(outcomes);
}

int compare_render(char **text, const struct view_ctx *ctx, const char *a_rev,
		   const struct side_ref *a, const char *b_rev, const struct side_ref *b,
		   enum compare_format format)
{
	struct comparison c;
	int rc;
	memset(&c, 0, sizeof(c));
	*text = NULL;
	if ((rc = comparison_build(&c, ctx, a_rev, a, b_rev, b)))
		goto done;
	if (format == COMPARE_JSON) {
		*text = compare_render_json(&c, ctx);
	} else {
		size_t len = 0;
		FILE *out = open_memstream(text, &len);
		if (out) {
			compare_render_md(out, &c, ctx);
			if (fclose(out)) {
				free(*text);
				*text = NULL;
			}
		}
	}
	rc = *text ? 0 : -ENOMEM;
done:
	comparison_clear(&c);
	return rc;
}

