/* The two sides of the computed views: what a revision name in a path means
 * (a run, `latest`, a baseline, a revision repo/revparse.h resolves) and
 * which finished runs' samples stand behind it. */
#ifndef BENCHFS_VIEWS_SIDES_H
#define BENCHFS_VIEWS_SIDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"
#include "views/context.h"

/* What a name resolves to, before any sample is read. */
struct side_ref {
	char commit[STORE_HASH_LEN + 1];
	int64_t run_id; /* a name that is a run (run-<id>, <id>) names only it; else 0 */
	/* A baseline's name that the repository also resolves as a revision
	 * (a branch or tag created after the pin): the baseline wins, and this
	 * is the commit the revision would have meant. Empty otherwise. */
	char shadowed[STORE_HASH_LEN + 1];
};

/* Resolve a name: `run-<id>` or a run directory name (a finished run),
 * `latest` (the commit of the newest finished run), a baseline, or a
 * revision (a baseline wins over a branch or tag of the same name), or
 * "<a>...<b>": the merge base of two such names, as git's diff and checkout
 * read three dots (a commit, pooled like a revision). -ENOENT when it names
 * nothing (for three dots: a side names nothing or the two share no
 * history), -EIO when the store or the repository fails. */
int side_resolve(struct side_ref *out, const struct view_ctx *ctx, const char *name);

/* Whether name is "<a>...<b>": its first ".." is followed by exactly one
 * more dot, a and b are not empty, and b holds no "..". *alen gets a's
 * length (b starts 3 bytes after it). Git's ref names hold no "..", so the
 * first dots of a name split it; a baseline named with ".." or ending in a
 * dot cannot be a side of three dots (its hash or a plain ".." can). */
bool side_merge_base_split(size_t *alen, const char *name);

/* Finished runs of this host, loaded once per rendering. */
struct run_catalog {
	struct store_done_run *runs;
	size_t n;
};
int run_catalog_load(struct run_catalog *out, const struct view_ctx *ctx);
void run_catalog_clear(struct run_catalog *cat);
/* Index of the run with this id in the catalog, or -1. */
ssize_t run_catalog_find(const struct run_catalog *cat, int64_t id);

/* One side of a comparison: the runs whose samples are pooled. */
struct side {
	const char *rev;   /* as written in the path; for "<a>...<b>", a */
	/* The side is the merge base of rev and merge_with (its name was
	 * "<rev>...<merge_with>"); rev and merge_with then point into rev_owned. */
	bool merge_base;
	const char *merge_with;
	char *rev_owned;
	struct side_ref ref;
	int64_t *runs;     /* run ids, ascending */
	size_t nruns;
	bool interleaved;  /* the two sides are one A/B job: the newest pair of the two
			      commits, or two runs that are each other's pair */
	char *host;        /* the host of the runs; NULL when unknown */
	char *subject;     /* the commit's subject line */
	/* Runs of the side whose samples retention pruned (left out of it). */
	size_t pruned;
};
/* Fill both sides from resolved refs: a run ref is that run; a commit ref
 * pools every finished run of the commit on this host, unless the two
 * commits have a finished interleaved A/B pair (the newest is used alone).
 * Two run refs that are the sides of one A/B job are interleaved too.
 * -ENOENT when a side has no finished run. The runs are looked up through
 * the store's indexes (store_host_*): the cost does not grow with the
 * host's history. */
int sides_find(struct side *a, struct side *b, const struct view_ctx *ctx);
/* Set side->rev from the name as written: "<a>...<b>" becomes rev a, the
 * merge base of a and b. 0 or -ENOMEM. */
int side_set_rev(struct side *side, const char *name);
/* The catalog's entries of the two sides' runs only (those that are
 * finished runs of this host), for a view that needs their finish times
 * or build ids without the whole history: 0, -ENOMEM or -EIO. */
int run_catalog_load_sides(struct run_catalog *out, const struct view_ctx *ctx,
			   const struct side *a, const struct side *b);
void side_clear(struct side *side);

/* Samples of one benchmark in seconds (wall time) or in the metric's unit. */
struct bench_samples {
	char *name;
	double *values;
	size_t n;
};
struct sample_set {
	struct bench_samples *benches; /* sorted by name */
	size_t n;
};
/* Load the samples of runs; metric NULL means wall time. */
int sample_set_load(struct sample_set *out, const struct view_ctx *ctx, const int64_t *runs,
		    size_t nruns, const char *metric);
/* The samples of each side's runs, as sample_set_load gives them, read
 * in one walk of the store (one statement, where the two loads took two). */
int sample_sets_load(struct sample_set *a, struct sample_set *b, const struct view_ctx *ctx,
		     const struct side *sa, const struct side *sb, const char *metric);
const struct bench_samples *sample_set_find(const struct sample_set *set, const char *name);
void sample_set_clear(struct sample_set *set);

/* One value per run of each benchmark: a run's log mean wall time (the unit
 * the between-run analyses work in: a run is one cluster of iterations) or a
 * per-run metric. Read from the store's per-run sums and metrics, never from
 * the iterations themselves. */
struct run_value_bench {
	char *name;
	int64_t *runs;  /* ascending */
	double *values; /* runs[i]'s value */
	size_t n;
};
struct run_values {
	struct run_value_bench *benches; /* sorted by name */
	size_t n;
};
/* log(mean wall time in seconds) of each run and benchmark with iterations. */
int run_values_load_log_means(struct run_values *out, const struct view_ctx *ctx,
			      const int64_t *runs, size_t nruns);
/* log(mean value) of each run and benchmark of a per-iteration metric
 * ("cpu", "memory", a declared one), from its iterations; a run whose mean
 * is not positive has none. */
int run_values_load_metric_log_means(struct run_values *out, const struct view_ctx *ctx,
				     const int64_t *runs, size_t nruns, const char *metric);
/* The value of a metric (STORE_METRIC_* or "instructions") per run and benchmark. */
int run_values_load_metric(struct run_values *out, const struct view_ctx *ctx,
			   const int64_t *runs, size_t nruns, const char *metric);
const struct run_value_bench *run_values_find(const struct run_values *set, const char *name);
/* b's value for run, when it has one. */
bool run_value_get(double *out, const struct run_value_bench *b, int64_t run);
void run_values_clear(struct run_values *set);

/* The subject line of a commit (malloc'd), "" when it cannot be read. */
char *commit_subject(const struct view_ctx *ctx, const char *commit);

#endif
