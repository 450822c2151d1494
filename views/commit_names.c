#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "views/commit_names.h"
#include "views/sides.h"

#define DIGITS "0123456789"

struct commit_names {
	const struct view_ctx *ctx;
	struct repo_tag *tags; /* by commit, each commit's in order of preference */
	signed char *usable;   /* of each tag: -1 not checked yet, else 0 or 1 */
	size_t ntags;
	struct store_baseline *baselines; /* by name */
	size_t nbaselines;
};

/* What the name alone rules out, before any object is read. */
static bool name_may_serve(const char *name, void *arg)
{
	size_t len = strlen(name);
	(void)arg;
	if (len == 0 || len > COMMIT_NAME_MAX || strchr(name, '/') || strstr(name, "..") ||
	    strpbrk(name, "\t\n"))
		return false;
	/* Names side_resolve reads as runs, now or once such a run exists. */
	if (strcmp(name, "latest") == 0 || strspn(name, DIGITS) == len)
		return false;
	return !(strncmp(name, "run-", 4) == 0 && strspn(name + 4, DIGITS) == len - 4);
}

/* Preference among one commit's tags: annotated, newest tagger date, name. */
static int cmp_tag(const void *a, const void *b)
{
	const struct repo_tag *x = a, *y = b;
	int c = strcmp(x->commit, y->commit);
	if (c)
		return c;
	if (x->annotated != y->annotated)
		return x->annotated ? -1 : 1;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_baseline(const void *a, const void *b)
{
	return strcmp(((const struct store_baseline *)a)->name,
		      ((const struct store_baseline *)b)->name);
}

int commit_names_load(struct commit_names **out, const struct view_ctx *ctx)
{
	struct commit_names *names = calloc(1, sizeof(*names));
	int rc;
	*out = NULL;
	if (!names)
		return -ENOMEM;
	names->ctx = ctx;
	if ((rc = store_baselines_list(ctx->store, &names->baselines, &names->nbaselines))) {
		commit_names_free(names);
		return store_errno(rc);
	}
	if (names->nbaselines)
		qsort(names->baselines, names->nbaselines, sizeof(*names->baselines), cmp_baseline);
	if (repo_tags(&names->tags, &names->ntags, ctx->repo, name_may_serve, NULL) ||
	    !(names->usable = malloc(names->ntags + 1))) {
		commit_names_free(names);
		return -ENOMEM;
	}
	memset(names->usable, -1, names->ntags);
	if (names->ntags)
		qsort(names->tags, names->ntags, sizeof(*names->tags), cmp_tag);
	*out = names;
	return 0;
}

void commit_names_free(struct commit_names *names)
{
	if (!names)
		return;
	repo_tags_free(names->tags, names->ntags);
	free(names->usable);
	free(names->baselines);
	free(names);
}

/* Whether the tag, written as a compare name, means its commit: not a
 * baseline's name (side_resolve reads those as the baseline, wherever it
 * points now or later), and resolved by side_resolve itself. */
static bool tag_usable(const struct commit_names *names, const struct repo_tag *t)
{
	struct store_baseline key;
	struct side_ref ref;
	snprintf(key.name, sizeof(key.name), "%s", t->name);
	/* bsearch must not see the NULL array of no baselines. */
	if (names->nbaselines > 0 && strlen(t->name) < sizeof(key.name) &&
	    bsearch(&key, names->baselines, names->nbaselines, sizeof(key), cmp_baseline))
		return false;
	if (side_resolve(&ref, names->ctx, t->name))
		return false;
	return ref.run_id == 0 && strcmp(ref.commit, t->commit) == 0;
}

/* The first of commit's tags that serves as its name, or NULL. */
static const char *usable_tag(struct commit_names *names, const char *commit)
{
	size_t lo = 0, hi = names->ntags;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(names->tags[mid].commit, commit) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < names->ntags && strcmp(names->tags[i].commit, commit) == 0; i++) {
		if (names->usable[i] < 0)
			names->usable[i] = tag_usable(names, &names->tags[i]);
		if (names->usable[i])
			return names->tags[i].name;
	}
	return NULL;
}

int commit_names_get(char *out, size_t size, struct commit_names *names, const char *commit)
{
	char abbrev[REPO_HEX_SIZE];
	const char *tag;
	size_t len;
	int rc;
	if ((tag = usable_tag(names, commit)) && strlen(tag) < size) {
		memcpy(out, tag, strlen(tag) + 1);
		return 0;
	}
	if ((rc = repo_short_id(abbrev, names->ctx->repo, commit)))
		return rc;
	/* An all-digit abbreviation would read as a run id: lengthen it. */
	len = strlen(abbrev);
	while (strspn(commit, DIGITS) >= len && len < REPO_HEX_LEN)
		len++;
	snprintf(out, size, "%.*s", (int)len, commit);
	return 0;
}

uint64_t commit_names_stamp(const struct view_ctx *ctx)
{
	return repo_tags_stamp(ctx->repo);
}
