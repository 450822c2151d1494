#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "views/compare_variants.h"
#include "views/format.h"
#include "views/internal_compare.h"

int compare_variants_parse_name(char **param, char **x, char **y, enum compare_format *format,
				const char *name)
{
	size_t len = strlen(name), stem;
	const char *dots, *ex, *ey;
	*param = *x = *y = NULL;
	if (len > 3 && strcmp(name + len - 3, ".md") == 0) {
		*format = COMPARE_MD;
		stem = len - 3;
	} else if (len > 5 && strcmp(name + len - 5, ".json") == 0) {
		*format = COMPARE_JSON;
		stem = len - 5;
	} else {
		return -ENOENT;
	}
	if (!(dots = strstr(name, "..")) || (size_t)(dots - name) + 2 >= stem)
		return -ENOENT;
	ex = memchr(name, '=', (size_t)(dots - name));
	ey = memchr(dots + 2, '=', stem - (size_t)(dots + 2 - name));
	/* Both sides "<param>=<value>", one parameter, two different values. */
	if (!ex || !ey || ex == name || ex + 1 == dots || ey + 1 == name + stem ||
	    (size_t)(ex - name) != (size_t)(ey - (dots + 2)) ||
	    memcmp(name, dots + 2, (size_t)(ex - name)) != 0 || memchr(dots + 2, '.', 1))
		return -ENOENT;
	*param = strndup(name, (size_t)(ex - name));
	*x = strndup(ex + 1, (size_t)(dots - ex - 1));
	*y = strndup(ey + 1, (size_t)(name + stem - ey - 1));
	if (!*param || !*x || !*y) {
		free(*param);
		free(*x);
		free(*y);
		*param = *x = *y = NULL;
		return -ENOMEM;
	}
	if (strcmp(*x, *y) == 0 || strstr(*y, "..")) {
		free(*param);
		free(*x);
		free(*y);
		*param = *x = *y = NULL;
		return -ENOENT;
	}
	return 0;
}

/* The workload of a benchmark of this variant: "name[k=v,...]" without
 * "param=value" (plain "name" when that was its only parameter). NULL when
 * the benchmark has no param=value, or without memory (*nomem set). */
static char *workload_of(const char *bench, const char *param, const char *value, bool *nomem)
{
	const char *open = strchr(bench, '['), *p;
	size_t len = strlen(bench), plen = strlen(param), vlen = strlen(value);
	char *out;
	size_t k;
	bool found = false, first = true;
	if (!open || len < 2 || bench[len - 1] != ']')
		return NULL;
	if (!(out = malloc(len + 1))) {
		*nomem = true;
		return NULL;
	}
	k = (size_t)(open - bench);
	memcpy(out, bench, k);
	for (p = open + 1; p < bench + len - 1;) {
		const char *end = memchr(p, ',', (size_t)(bench + len - 1 - p));
		size_t n;
		if (!end)
			end = bench + len - 1;
		n = (size_t)(end - p);
		if (!found && n == plen + 1 + vlen && memcmp(p, param, plen) == 0 &&
		    p[plen] == '=' && memcmp(p + plen + 1, value, vlen) == 0) {
			found = true;
		} else {
			out[k++] = first ? '[' : ',';
			memcpy(out + k, p, n);
			k += n;
			first = false;
		}
		p = end + 1;
	}
	if (!first)
		out[k++] = ']';
	out[k] = '\0';
	if (!found) {
		free(out);
		return NULL;
	}
	return out;
}

static int cmp_sample_name(const void *a, const void *b)
{
	return strcmp(((const struct bench_samples *)a)->name, ((const struct bench_samples *)b)->name);
}

static int cmp_value_name(const void *a, const void *b)
{
	return strcmp(((const struct run_value_bench *)a)->name,
		      ((const struct run_value_bench *)b)->name);
}

int variants_remap_samples(struct sample_set *set, const struct comparison *c, bool side_b)
{
	const char *value = side_b ? c->variant_y : c->variant_x;
	size_t k = 0;
	bool nomem = false;
	for (size_t i = 0; i < set->n; i++) {
		struct bench_samples *s = &set->benches[i];
		char *w = workload_of(s->name, c->variant_param, value, &nomem);
		free(s->name);
		if (!w) {
			free(s->values);
			continue;
		}
		s->name = w;
		set->benches[k++] = *s;
	}
	set->n = k;
	if (set->n > 1) /* an empty set's array may be NULL, which qsort must not see */
		qsort(set->benches, set->n, sizeof(*set->benches), cmp_sample_name);
	return nomem ? -ENOMEM : 0;
}

int variants_remap_values(struct run_values *set, const struct comparison *c, bool side_b)
{
	const char *value = side_b ? c->variant_y : c->variant_x;
	size_t k = 0;
	bool nomem = false;
	for (size_t i = 0; i < set->n; i++) {
		struct run_value_bench *s = &set->benches[i];
		char *w = workload_of(s->name, c->variant_param, value, &nomem);
		free(s->name);
		if (!w) {
			free(s->runs);
			free(s->values);
			continue;
		}
		s->name = w;
		set->benches[k++] = *s;
	}
	set->n = k;
	if (set->n > 1) /* an empty set's array may be NULL, which qsort must not see */
		qsort(set->benches, set->n, sizeof(*set->benches), cmp_value_name);
	return nomem ? -ENOMEM : 0;
}

static int cmp_row_name(const void *key, const void *row)
{
	return strcmp(key, ((const struct row *)row)->name);
}

/* The per-run values behind a table's notes (unstable runs, other
 * processes' CPUs) are loaded under the benchmarks' own names, while the
 * rows are named by workload: compare's notes of a variants row would read
 * the values of another benchmark or none. Each side's notes again, from
 * the benchmark of its variant. Only compared rows have notes. */
static int table_notes(struct row *rows, size_t nrows, const struct comparison *c)
{
	bool nomem = false;
	for (size_t i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		free(r->unstable);
		r->unstable = NULL;
		r->nunstable = 0;
		r->unstable_a = r->unstable_b = false;
		r->other_a = r->other_b = NAN;
	}
	for (size_t t = 0; t < 2; t++) {
		const struct run_values *set = t ? &c->other_cpus : &c->unstable;
		for (size_t i = 0; i < set->n; i++)
			for (int s = 0; s < 2; s++) {
				const struct run_value_bench *b = &set->benches[i];
				const struct side *side = s ? &c->b : &c->a;
				char *w = workload_of(b->name, c->variant_param,
						      s ? c->variant_y : c->variant_x, &nomem);
				struct row *r = w ? bsearch(w, rows, nrows, sizeof(*rows), cmp_row_name)
						  : NULL;
				double v, sum = 0;
				size_t known = 0;
				free(w);
				if (nomem)
					return -ENOMEM;
				if (!r || !r->compared)
					continue;
				for (size_t k = 0; k < side->nruns; k++) {
					if (!run_value_get(&v, b, side->runs[k]))
						continue;
					if (t) {
						sum += isfinite(v) ? v : 0;
						known += isfinite(v);
					} else if (v >= 0.5) {
						if (REALLOC_ARRAY(r->unstable, r->nunstable + 1))
							return -ENOMEM;
						r->unstable[r->nunstable++] = side->runs[k];
						*(s ? &r->unstable_b : &r->unstable_a) = true;
					}
				}
				if (t && known)
					*(s ? &r->other_b : &r->other_a) = sum / (double)known;
			}
	}
	return 0;
}

/* Every table's notes: wall time's and each metric's. */
static int variants_notes(struct comparison *c)
{
	int rc = table_notes(c->rows, c->nrows, c);
	for (size_t t = 0; t < c->nmetrics && !rc; t++)
		rc = table_notes(c->metrics[t].rows, c->metrics[t].nrows, c);
	return rc;
}

void compare_variants_category(char *out, size_t size, const char *workload)
{
	size_t n = strcspn(workload, "/-_[");
	snprintf(out, size, "%.*s", (int)n, workload);
}

/* A workload's category: its benchmark's declared "category" in the
 * configuration of the newest run (cfg; NULL: none), else the name's prefix. */
static void category_of(char *out, size_t size, json_object *cfg, const char *workload)
{
	json_object *list = NULL;
	size_t base = strcspn(workload, "[");
	if (cfg && json_object_object_get_ex(cfg, "benchmarks", &list) &&
	    json_object_is_type(list, json_type_array))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *b = json_object_array_get_idx(list, i), *name, *cat;
			const char *n;
			if (!json_object_object_get_ex(b, "name", &name) ||
			    !(n = json_object_get_string(name)) || strlen(n) != base ||
			    strncmp(n, workload, base) != 0)
				continue;
			if (json_object_object_get_ex(b, "category", &cat) &&
			    json_object_is_type(cat, json_type_string)) {
				snprintf(out, size, "%s", json_object_get_string(cat));
				return;
			}
			break;
		}
	compare_variants_category(out, size, workload);
}

/* A workload's winner by wall time: the faster variant when the verdict is
 * decided, else none (NULL). */
static const char *winner(const struct row *r, const struct comparison *c)
{
	if (!r->compared || r->verdict == VERDICT_SAME_BUILD)
		return NULL;
	if (r->verdict == STATS_FASTER)
		return c->variant_y;
	if (r->verdict == STATS_SLOWER)
		return c->variant_x;
	return NULL;
}

struct category {
	char name[128];
	size_t wins_x, wins_y, none;
};

/* Wins counted per category, in the order of first appearance (rows are
 * sorted by name, so categories come sorted too). */
static struct category *categories(size_t *n, const struct comparison *c, json_object *cfg)
{
	struct category *cats = calloc(c->nrows + 1, sizeof(*cats));
	*n = 0;
	if (!cats)
		return NULL;
	for (size_t i = 0; i < c->nrows; i++) {
		char name[128];
		const char *w = winner(&c->rows[i], c);
		size_t j;
		category_of(name, sizeof(name), cfg, c->rows[i].name);
		for (j = 0; j < *n && strcmp(cats[j].name, name) != 0; j++)
			;
		if (j == *n)
			snprintf(cats[(*n)++].name, sizeof(cats[j].name), "%s", name);
		if (!w)
			cats[j].none++;
		else if (w == c->variant_x)
			cats[j].wins_x++;
		else
			cats[j].wins_y++;
	}
	return cats;
}

static void render_md(FILE *out, const struct comparison *c, const struct view_ctx *ctx,
		      const char *rev, const struct category *cats, size_t ncats, json_object *cfg)
{
	const char *p = c->variant_param, *x = c->variant_x, *y = c->variant_y;
	fprintf(out, "# Variants of %s over %s: %s=%s against %s=%s\n\n", p, rev, p, x, p, y);
	fprintf(out,
		"Both sides are the %zu run(s) of %s; a workload is a benchmark without its "
		"parameter %s. The two variants of a run were measured at different times, so "
		"they are judged as separate runs against this host's run-to-run noise, never "
		"as pairs. The winner is the faster variant by wall time when the verdict is "
		"decided, else none.\n\n",
		c->a.nruns, rev, p);
	fprintf(out, "| workload | category | %s=%s | %s=%s | change | verdict | winner |\n", p, x,
		p, y);
	fprintf(out, "|---|---|---:|---:|---:|---|---|\n");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		char cat[128], ta[32] = "-", tb[32] = "-", change[32] = "-";
		const char *w = winner(r, c);
		category_of(cat, sizeof(cat), cfg, r->name);
		if (r->a)
			format_time(ta, sizeof(ta), r->sa.mean, time_unit_for(r->sa.mean));
		if (r->b)
			format_time(tb, sizeof(tb), r->sb.mean, time_unit_for(r->sb.mean));
		if (isfinite(r->ratio))
			format_percent(change, sizeof(change), r->ratio - 1);
		if (r->a && r->b)
			fprintf(out, "| `%s` | %s | %s | %s | %s | %s | %s |\n", r->name, cat, ta,
				tb, change, verdict_name(r->verdict), w ? w : "none");
		else
			fprintf(out, "| `%s` | %s | %s | %s | - | only %s=%s | none |\n", r->name,
				cat, ta, tb, p, r->a ? x : y);
	}
	fprintf(out, "\n## Wins per category\n\n| category | %s=%s | %s=%s | no winner |\n"
		     "|---|---:|---:|---:|\n",
		p, x, p, y);
	for (size_t i = 0; i < ncats; i++)
		fprintf(out, "| %s | %zu | %zu | %zu |\n", cats[i].name, cats[i].wins_x,
			cats[i].wins_y, cats[i].none);
	fprintf(out, "\n");
	for (size_t i = 0; i < c->nrows; i++)
		if (c->rows[i].reason)
			fprintf(out, "- `%s`: %s\n", c->rows[i].name, c->rows[i].reason);
	fprintf(out, "\n---\n\nThe full comparison, side a being %s=%s and side b %s=%s:\n\n", p,
		x, p, y);
	compare_render_md(out, c, ctx);
}

static char *render_json(const struct comparison *c, const struct view_ctx *ctx, const char *rev,
			 const struct category *cats, size_t ncats, json_object *cfg)
{
	char *base = compare_render_json(c, ctx), *text;
	json_object *root = base ? json_tokener_parse(base) : NULL;
	json_object *v = json_object_new_object(), *rows = json_object_new_array();
	json_object *wins = json_object_new_array();
	free(base);
	if (!root) {
		json_object_put(v);
		json_object_put(rows);
		json_object_put(wins);
		return NULL;
	}
	json_object_object_add(v, "revision", json_object_new_string(rev));
	json_object_object_add(v, "parameter", json_object_new_string(c->variant_param));
	json_object_object_add(v, "a", json_object_new_string(c->variant_x));
	json_object_object_add(v, "b", json_object_new_string(c->variant_y));
	json_object_object_add(v, "decided_by", json_object_new_string("wall"));
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		json_object *o = json_object_new_object();
		char cat[128];
		const char *w = winner(r, c);
		category_of(cat, sizeof(cat), cfg, r->name);
		json_object_object_add(o, "workload", json_object_new_string(r->name));
		json_object_object_add(o, "category", json_object_new_string(cat));
		json_object_object_add(o, "verdict",
				       r->a && r->b ? json_object_new_string(verdict_name(r->verdict))
						    : NULL);
		json_object_object_add(o, "ratio", isfinite(r->ratio) ? json_number(r->ratio) : NULL);
		json_object_object_add(o, "winner", w ? json_object_new_string(w) : NULL);
		json_object_object_add(o, "reason", r->reason ? json_object_new_string(r->reason) : NULL);
		json_object_array_add(rows, o);
	}
	for (size_t i = 0; i < ncats; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "category", json_object_new_string(cats[i].name));
		json_object_object_add(o, "a", json_object_new_int64((int64_t)cats[i].wins_x));
		json_object_object_add(o, "b", json_object_new_int64((int64_t)cats[i].wins_y));
		json_object_object_add(o, "none", json_object_new_int64((int64_t)cats[i].none));
		json_object_array_add(wins, o);
	}
	json_object_object_add(v, "workloads", rows);
	json_object_object_add(v, "wins", wins);
	json_object_object_add(root, "variants", v);
	text = json_text(root);
	json_object_put(root);
	return text;
}

int compare_variants_render(char **text, const struct view_ctx *ctx, const char *rev,
			    const struct side_ref *ref, const char *param, const char *x,
			    const char *y, enum compare_format format)
{
	struct comparison c;
	struct category *cats = NULL;
	struct store_run run;
	json_object *cfg = NULL;
	size_t ncats = 0;
	char *ra = NULL, *rb = NULL;
	int rc;
	memset(&c, 0, sizeof(c));
	*text = NULL;
	c.variant_param = param;
	c.variant_x = x;
	c.variant_y = y;
	c.variant_rev = rev;
	/* The sides' names as the renderings show them: the variant and its revision. */
	if (asprintf(&ra, "%s=%s@%s", param, x, rev) < 0 ||
	    asprintf(&rb, "%s=%s@%s", param, y, rev) < 0) {
		ra = NULL;
		rc = -ENOMEM;
		goto done;
	}
	if ((rc = comparison_build(&c, ctx, ra, ref, rb, ref)) || (rc = variants_notes(&c)))
		goto done;
	/* A value no benchmark of these runs has names nothing. */
	if (!c.wall_a.n || !c.wall_b.n) {
		rc = -ENOENT;
		goto done;
	}
	if ((rc = store_errno(store_run_get(ctx->store, &run, c.a.runs[c.a.nruns - 1]))))
		goto done;
	cfg = run.config ? json_tokener_parse(run.config) : NULL;
	store_run_clear(&run);
	if (!(cats = categories(&ncats, &c, cfg))) {
		rc = -ENOMEM;
		goto done;
	}
	if (format == COMPARE_JSON) {
		*text = render_json(&c, ctx, rev, cats, ncats, cfg);
	} else {
		size_t len = 0;
		FILE *out = open_memstream(text, &len);
		if (out) {
			render_md(out, &c, ctx, rev, cats, ncats, cfg);
			if (fclose(out)) {
				free(*text);
				*text = NULL;
			}
		}
	}
	rc = *text ? 0 : -ENOMEM;
done:
	comparison_clear(&c);
	json_object_put(cfg);
	free(cats);
	free(ra);
	free(rb);
	return rc;
}
