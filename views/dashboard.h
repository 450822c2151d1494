/* index.html: the mount's (and a `benchfs run --out` tree's) dashboard, one
 * self-contained page: inline CSS, inline SVG, one small inline script, no
 * request to any network or file (its Content-Security-Policy allows none).
 *
 * What it shows, top to bottom:
 * - the open regressions (the regressions file's lines whose triage state is
 *   new or ack; a metric's before and after in its unit), each linking to
 *   its compare/<a>..<b>.md, named as compare/
 *   lists pairs (views/commit_names.h) so the link works in a published tree;
 * - the queue (views/queue_list.h) and the latest runs, each run linking to
 *   runs/<id>/;
 * - every benchmark's history as a sparkline of its per-commit means (the
 *   points of history/<bench>.csv, drawn in at most DASHBOARD_SPARK_POINTS
 *   buckets), grouped by name prefix (dashboard_group_len), each row linking
 *   to history/<bench>.svg and .csv, and beside it each of its metrics (cpu,
 *   memory, declared ones) as a small sparkline of its per-commit means
 *   (at most DASHBOARD_METRIC_POINTS buckets) with its newest mean, linking
 *   to history/<bench>:<metric>.svg, its change from the commit before in
 *   the link's title (coloured when worse or better beyond the threshold,
 *   in the metric's own direction: a drop of a higher-is-better one is
 *   worse; bold red while it has an open regression).
 *   A text box filters the rows (the script; without it every row shows
 *   and the box stays hidden).
 * Every link is relative to the page, so the same bytes work in the mount
 * and in a copy of the tree. The page depends on nothing but the store, the
 * repository and the view context (no clock): a tree written by
 * `benchfs run --out` and a mount over the same data directory give the
 * same bytes. */
#ifndef BENCHFS_VIEWS_DASHBOARD_H
#define BENCHFS_VIEWS_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "views/context.h"

/* The most points a sparkline draws: a longer history is averaged in
 * buckets of consecutive commits. */
#define DASHBOARD_SPARK_POINTS 120
/* How many of the newest runs the page lists. */
#define DASHBOARD_RUNS 10
/* The most points a metric's small sparkline draws. */
#define DASHBOARD_METRIC_POINTS 30

/* A metric of a benchmark beside its wall time. */
struct dashboard_metric {
	const char *name;      /* "cpu", "memory", a declared metric's */
	const char *unit;      /* "s", "bytes", a declared unit */
	bool higher_is_better; /* a drop is the bad direction */
	/* Per-commit means in its unit, oldest first (NAN: no value there);
	 * more than DASHBOARD_METRIC_POINTS are drawn in buckets. */
	const double *means;
	size_t nmeans;
	double last, prev;     /* the newest two commits' means (NAN: none) */
	bool regressed;        /* it has an open regression (<bench>:<metric>) */
};

/* One benchmark's row. */
struct dashboard_bench {
	const char *name;
	/* Per-commit mean wall times in seconds along the branch, oldest first
	 * (NAN where the benchmark has no run at that commit); more than
	 * DASHBOARD_SPARK_POINTS are drawn in buckets. */
	const double *means;
	size_t nmeans;
	size_t commits;     /* commits with runs of it (the csv's rows) */
	double last, prev;  /* the newest two commits' means (NAN: none) */
	bool regressed;     /* it (its wall time or a metric) has an open regression */
	/* Its metrics with a value other than 0, in the store's order (cpu,
	 * memory, then the declared ones by name). */
	const struct dashboard_metric *metrics;
	size_t nmetrics;
};

/* One open regression, its fields as the page shows them. */
struct dashboard_regression {
	const char *commit;  /* the commit's display name */
	const char *bench;   /* as the regressions file names it */
	const char *history; /* the benchmark whose history/ it links to */
	const char *before, *after, *change;
	const char *state;   /* "new", "ack" */
	const char *compare; /* the file's name within compare/, NULL: none */
	/* The A/B job that confirmed it, as compare/ lists it
	 * ("run-<a>..run-<b>.md"), NULL: none. */
	const char *job;
};

/* A run of the queue or of the latest runs. */
struct dashboard_run {
	int64_t id;
	const char *commit;   /* display name */
	const char *revision; /* as written */
	const char *status;   /* the status line, without its newline */
	int64_t when_ns;      /* when it was queued, or finished once done or failed */
	const char *job;      /* "a/b 000001..000002", or NULL */
};

struct dashboard_page {
	const char *branch; /* the tracked branch's short name; NULL: none */
	const char *tip;    /* its tip's display name; NULL: the branch does not exist */
	const char *host;
	size_t ncommits;    /* benchmarked commits of the branch */
	/* A change from the commit before is coloured beyond it (a fraction). */
	double threshold;
	const struct dashboard_bench *benches; /* sorted by name */
	size_t nbenches;
	const struct dashboard_regression *regressions;
	size_t nregressions;
	size_t nsettled;    /* lines left out: ignored or fixed */
	const struct dashboard_run *runs; /* newest first */
	size_t nruns;
	const struct dashboard_run *queue; /* oldest first */
	size_t nqueue;
};

/* The length of name's group: the part before the first '-', '_', '/' or
 * '[' (the whole name when it has none, or when it starts with one). The
 * benchmarks of a group of one are shown together under "other". */
size_t dashboard_group_len(const char *name);

/* The page of page (a pure function: no store, no repository), malloc'd in
 * *text with its length: 0 or -ENOMEM. Every text is HTML-escaped (bytes
 * that are not valid UTF-8 become U+FFFD) and every name in a link
 * percent-encoded. */
int dashboard_html(char **text, size_t *len, const struct dashboard_page *page);

/* index.html for the branch at tip (NULL: the branch does not exist). */
int dashboard_render(char **text, size_t *len, const struct view_ctx *ctx, const char *tip);

#endif
