/* Private to views/: the tracked branch's history as the history files
 * (history.c loads it, history_render.c draws it) and the regressions
 * (history_changes.c finds its change points, history_regressions.c lists
 * them) share it. */
#ifndef BENCHFS_VIEWS_INTERNAL_HISTORY_H
#define BENCHFS_VIEWS_INTERNAL_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats/changepoint.h"
#include "stats/describe.h"
#include "store/store.h"
#include "views/context.h"

#define INSTRUCTIONS "instructions"
#define CHANGES_MAX 64

/* One commit of the branch that has finished runs on this host. */
struct point {
	char commit[STORE_HASH_LEN + 1];
	int64_t time_ns; /* committer time */
	int64_t *runs;
	bool *solo;      /* runs[i] is not a side of an A/B job */
	size_t nruns;
	/* The build every run of the commit shares ("": none recorded, or not
	 * one), and the group of consecutive commits with that build: the
	 * regression test sees each group as one point. */
	char build[STORE_HASH_LEN + 1];
	size_t group;
};

struct history {
	struct point *points; /* oldest first */
	size_t n;
	size_t *group_first;  /* the first point of each group */
	size_t ngroups;
};

void history_clear(struct history *h);
/* First-parent history from tip, keeping the commits that have finished runs. */
int history_load(struct history *h, const struct view_ctx *ctx, const char *tip);

/* ---- per-benchmark series (history.c) ---- */

/* One benchmark along the history: the points that have samples of it. */
struct series {
	const char *bench;
	size_t npoints;
	size_t *point;   /* index into history points */
	size_t *counts;  /* samples of each point */
	double *values;  /* all samples, point after point */
	size_t nvalues;
	/* Of wall times: the runs whose iterations retention collapsed into
	 * per-run statistics (history_pruned.c), point after point,
	 * pruned_counts[i] of point i; NULL when the series has none. A point
	 * may have only those (counts[i] == 0). */
	size_t *pruned_counts;
	struct stats_summary *pruned;
	size_t npruned;
};

struct run_point {
	int64_t run;
	size_t point;
	bool solo; /* not a side of an A/B job */
};

/* Which history point each run belongs to, and the run ids in order (the
 * list the store is asked about). */
struct run_map {
	struct run_point *map; /* sorted by run */
	int64_t *runs;
	size_t n;
};

void run_map_free(struct run_map *m);
int run_map_build(struct run_map *m, const struct history *h);
/* The entry of a run, or NULL. */
const struct run_point *run_map_find(const struct run_map *m, int64_t run);

typedef int (*series_fn)(void *ctx, const struct series *s);
/* Call fn with the series of each benchmark (or only of bench), in name order.
 * metric NULL: wall times in seconds; else the metric's values in its unit
 * (store_samples_of_runs), of bench's described runs too (metric_key). */
int series_each(const struct view_ctx *ctx, const struct history *h, const char *bench,
		const char *metric, series_fn fn, void *fn_ctx);
/* The mean of point p's samples, which start at values[first]. */
double point_mean(const struct series *s, size_t p, size_t first);

/* ---- summarized runs (history_pruned.c) ---- */

/* A summarized run's statistics of one benchmark, at its point. */
struct pruned_run {
	char *bench;
	size_t point;
	struct stats_summary sum;
};
/* Ordered by benchmark, then run. */
struct pruned_set {
	struct pruned_run *list;
	size_t n;
};
/* The summaries of m's summarized runs (of bench only, when not NULL). */
int pruned_set_load(struct pruned_set *out, const struct view_ctx *ctx, const struct run_map *m,
		    const char *bench);
void pruned_set_clear(struct pruned_set *set);
/* Add to set (the summarized runs of bench) the described runs
 * (store_run_stats_of) of bench that are their commit's only run, which
 * read as their samples would: of its wall times, or with metric of that
 * metric (metric_key); *rest receives the runs whose samples are still
 * wanted (malloc'd, ascending). */
int described_set_add(struct pruned_set *set, int64_t **rest, size_t *nrest,
		      const struct view_ctx *ctx, const struct history *h, const struct run_map *m,
		      const char *bench, const char *metric);

/* ---- metrics ----
 * A metric of a benchmark is named "<bench>:<metric>" in the views; the
 * daemon describes the built-in ones (cpu, memory) of every run under that
 * name too (service/keeper.c: store_run_describe's benchmark), beside the
 * wall time's statistics under the plain name. */
/* "<bench>:<metric>", malloc'd; NULL when memory runs out. */
char *metric_key(const char *bench, const char *metric);
/* Whether the daemon describes metric's statistics per run (the built-ins). */
bool metric_described(const char *metric);
/* Point p of s described: its samples (from values[first], scratch holds
 * as many) pooled with its summarized runs' statistics (from
 * pruned[pfirst]); a point of one summarized run alone reads as its
 * samples did. 0, or a negative errno. */
int point_describe(struct stats_summary *out, const struct series *s, size_t p, size_t first,
		   size_t pfirst, double *scratch);

/* ---- change points: run-level values, corrected over the benchmarks ----
 *
 * The iterations of one run are not independent (they share the machine's
 * state during that run), so the test sees one value per run: the log of its
 * mean time, from the store's per-run sums. A point is a group of
 * consecutive commits built to the same artifacts (usually one commit), its
 * samples the log means of its runs: the step between two identical builds
 * is never tested. Each benchmark's best split is tested first; the
 * Benjamini-Hochberg procedure over those p-values at alpha decides which
 * benchmarks changed at all (R of m), and only those are split further, each
 * test at the level alpha R / m their first split passed. */

/* One benchmark's run-level series along the history. */
struct run_series {
	char *bench;
	size_t npoints;  /* groups with runs of this benchmark */
	size_t *group;   /* each point's group */
	size_t *counts;  /* runs of each point */
	double *values;  /* log means, point after point */
	size_t nvalues;
	double *solo;    /* log means of the runs that are not A/B sides, in run order */
	size_t nsolo;
	unsigned permutations; /* per test of this series */
	bool tested;     /* a split was possible */
	double p_first;  /* the best split's p (1 when not significant at alpha) */
	bool passed;     /* the first split passed the correction */
	struct stats_changepoint cps[CHANGES_MAX];
	size_t ncp;
	double threshold;
	bool threshold_history;
	bool higher_is_better; /* a drop is the bad direction (a metric's) */
};

/* The value each run gives a series. */
enum run_statistic {
	RUN_LOG_MEAN, /* the log of the run's mean: every run */
	/* The log of the run's fastest iteration, of runs that are no side of an
	 * A/B job (those have many more iterations, so a lower minimum). */
	RUN_LOG_MIN,
};

struct analysis {
	enum run_statistic statistic;
	double alpha;              /* of the first splits, with the correction */
	struct run_series *series; /* in name order */
	size_t n;
	size_t tested;   /* m: benchmarks with a possible split */
	size_t passed;   /* R */
	double level;    /* alpha R / m: the level of every further split */
	double m_over_alpha; /* (benchmarks that can be split) / alpha */
	/* A metric's family (analysis_load_metric): a series whose whole range
	 * of run values is within its threshold can show no change, and counts
	 * in the correction as tested with p = 1 without running its test. */
	bool skip_flat;
	char metric[STORE_METRIC_NAME_MAX + 1]; /* its name; "" for wall time */
};

void analysis_clear(struct analysis *a);
/* Every benchmark's run-level series, from the per-run sums, to be tested at
 * alpha. */
int analysis_load(struct analysis *a, const struct view_ctx *ctx, const struct history *h,
		  enum run_statistic statistic, double alpha);
/* One metric's family: the run-level series (the log of each run's mean
 * value) of every benchmark that has the metric, named "<bench>:<metric>",
 * each in the metric's direction, to be tested at alpha with the correction
 * over this family alone (so that adding metrics moves no wall time result,
 * and each metric's steps are judged among the same metric's). Described
 * runs are read as one row (their mean), the others from their samples. */
int analysis_load_metric(struct analysis *a, const struct view_ctx *ctx, const struct history *h,
			 const struct store_metric_def *def, double alpha);
/* The change points of every benchmark (only of bench when not NULL). */
int analysis_run(struct analysis *a, const struct view_ctx *ctx, const char *bench);

/* A change point worth a line or a mark: the segments' means and medians
 * both moved beyond the threshold (so that a few outlying runs moving a
 * mean raise nothing). *change receives the relative change of the means. */
struct change {
	size_t point;      /* index into the series' points */
	double before, after; /* geometric means of the segments' run means (s) */
	double change;
	double p;
};

/* The changes of a series beyond its threshold: in its bad direction only
 * (a slowdown, a metric's drop when higher is better), or both. */
int series_changes(struct change **out, size_t *n, const struct run_series *s,
		   bool bad_only);

/* ---- the plots' change marks (history_marks.c) ----
 * What history/<bench>.svg marks are the changes the regressions test finds
 * in either direction, at the first commit of the group that changed. They
 * need every benchmark's first split (the correction), so they are kept
 * (views/kept.h) when regressions is computed, and computed here only when
 * nothing is kept for the current results. */
/* Every benchmark's marks of analysis a (run means, after analysis_run of
 * all) as text to keep ("<bench>\t<commit>\n" each), malloc'd. */
int history_marks_text(char **out, const struct analysis *a, const struct history *h);
void history_marks_keep(const struct view_ctx *ctx, const char *tip, int64_t seq,
			const char *text);
/* bench's marks as history points of h (the branch at tip), in the order
 * series_changes gives them (malloc'd; *n may be 0); with def, of that
 * metric of bench (named "<bench>:<metric>" in the kept text). */
int history_marks(size_t **firsts, size_t *n, const struct view_ctx *ctx,
		  const struct history *h, const char *tip, const char *bench,
		  const struct store_metric_def *def);

#endif
