#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/strbuf.h"
#include "views/internal_history.h"
#include "views/kept.h"

/* The change marks of the history plots (internal_history.h): the first
 * commit of each group a benchmark's run means changed at, in the order
 * series_changes gives them. */

#define MARKS_VIEW "marks"

int history_marks_text(char **out, const struct analysis *a, const struct history *h)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;
	*out = NULL;
	for (size_t i = 0; i < a->n && rc == 0; i++) {
		const struct run_series *s = &a->series[i];
		struct change *list = NULL;
		size_t n = 0;
		if (!s->passed)
			continue;
		if ((rc = series_changes(&list, &n, s, false)))
			break;
		for (size_t k = 0; k < n; k++)
			strbuf_addf(&sb, "%s\t%s\n", s->bench,
				    h->points[h->group_first[s->group[list[k].point]]].commit);
		free(list);
	}
	if (rc) {
		strbuf_release(&sb);
		return rc;
	}
	return (*out = strbuf_detach(&sb, NULL)) ? 0 : -ENOMEM;
}

/* The history points (first of their group) of bench's marks in kept text. */
static int marks_parse(size_t **firsts, size_t *n, const char *text, const struct history *h,
		       const char *bench)
{
	size_t blen = strlen(bench), alloc = 0;
	int rc;
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n'), *commit = line + blen + 1;
		if (!end)
			return -EIO; /* every line ends with one */
		if ((size_t)(end - line) == blen + 1 + STORE_HASH_LEN &&
		    strncmp(line, bench, blen) == 0 && line[blen] == '\t') {
			size_t p = 0;
			while (p < h->n && strncmp(h->points[p].commit, commit, STORE_HASH_LEN) != 0)
				p++;
			if (p == h->n)
				return -EIO; /* kept for this very history: cannot be */
			if ((rc = ALLOC_GROW(*firsts, *n + 1, alloc)))
				return rc;
			(*firsts)[(*n)++] = p;
		}
		line = end + 1;
	}
	return 0;
}

static const struct run_series *analysis_find(const struct analysis *a, const char *bench)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->series[i].bench, bench) == 0)
			return &a->series[i];
	return NULL;
}

/* bench's marks computed here: its own further splits only, which the
 * correction over every benchmark's first split decides. */
static int marks_compute(size_t **firsts, size_t *n, const struct view_ctx *ctx,
			 const struct history *h, const char *bench,
			 const struct store_metric_def *def)
{
	struct analysis a;
	const struct run_series *rs;
	struct change *list = NULL;
	size_t count = 0;
	int rc;
	/* A metric's marks: its own family's correction. */
	if ((rc = def ? analysis_load_metric(&a, ctx, h, def, ctx->alpha)
		      : analysis_load(&a, ctx, h, RUN_LOG_MEAN, ctx->alpha)))
		return rc;
	if ((rc = analysis_run(&a, ctx, bench)) || !(rs = analysis_find(&a, bench)) ||
	    !rs->passed)
		goto done;
	if ((rc = series_changes(&list, &count, rs, false)))
		goto done;
	if (count && !(*firsts = malloc(count * sizeof(**firsts)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t k = 0; k < count; k++)
		(*firsts)[k] = h->group_first[rs->group[list[k].point]];
	*n = count;
done:
	free(list);
	analysis_clear(&a);
	return rc;
}

static int marks_get(size_t **firsts, size_t *n, const struct view_ctx *ctx,
		     const struct history *h, const char *tip, const char *bench,
		     const struct store_metric_def *def)
{
	char *text = NULL;
	size_t len;
	int64_t seq;
	int rc;
	*firsts = NULL;
	*n = 0;
	rc = tip ? kept_view_get(&text, &len, &seq, ctx, MARKS_VIEW, tip) : -ENOENT;
	if (rc == 0) {
		rc = marks_parse(firsts, n, text, h, bench);
		free(text);
		if (rc == 0)
			return 0;
		free(*firsts);
		*firsts = NULL;
		*n = 0;
		if (rc != -EIO)
			return rc;
		/* Not what was kept for this history after all: compute them. */
	} else if (rc != -ENOENT) {
		return rc;
	}
	rc = marks_compute(firsts, n, ctx, h, bench, def);
	if (rc) {
		free(*firsts);
		*firsts = NULL;
		*n = 0;
	}
	return rc;
}

int history_marks(size_t **firsts, size_t *n, const struct view_ctx *ctx,
		  const struct history *h, const char *tip, const char *bench_name,
		  const struct store_metric_def *def)
{
	char *key = def ? metric_key(bench_name, def->name) : NULL;
	const char *bench = key ? key : bench_name;
	int rc;
	*firsts = NULL;
	*n = 0;
	if (def && !key)
		return -ENOMEM;
	rc = marks_get(firsts, n, ctx, h, tip, bench, def);
	free(key);
	return rc;
}

void history_marks_keep(const struct view_ctx *ctx, const char *tip, int64_t seq,
			const char *text)
{
	if (tip && text)
		kept_view_put(ctx, MARKS_VIEW, tip, seq, text, strlen(text));
}
