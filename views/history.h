/* The tracked branch's history: history/<bench>.csv and .svg, and what the
 * regressions file rests on (change points along first-parent history). */
#ifndef BENCHFS_VIEWS_HISTORY_H
#define BENCHFS_VIEWS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "views/context.h"

/* The commit the tracked branch points at now, into tip[41]; -ENOENT when the
 * branch does not exist. Part of a history view's identity: when the branch
 * moves, the views are new files. */
int history_tip(char *tip, const struct view_ctx *ctx);

enum history_format { HISTORY_CSV, HISTORY_SVG };

/* A history file's name without its extension: a benchmark (its wall
 * times), or "<bench>:<metric>", one metric of it (built in: cpu, memory;
 * or declared). */
struct history_name {
	char *bench;
	bool metric; /* def is the metric's */
	struct store_metric_def def;
};
/* The suffix after the last ':' names a metric when the store knows one of
 * that name (store_metric_def_get); else the whole name is a benchmark's. */
int history_name_parse(struct history_name *out, const struct view_ctx *ctx, const char *name);
void history_name_clear(struct history_name *n);
/* Whether history/ has files of name (without .csv/.svg): a benchmark the
 * store has samples or summaries of (store_benchmark_names), or a metric of
 * one: cpu and memory of every benchmark, a declared metric of any. */
int history_name_exists(bool *found, const struct view_ctx *ctx, const char *name);

/* history/<name>.csv or .svg (name: a benchmark, or "<bench>:<metric>")
 * for the branch at tip (NULL: no branch, an empty history). The metric's
 * files are wall time's in its unit: the CSV's header names the unit, the
 * plot's axis reads "<metric> (<unit>)" and its change marks are red in
 * the metric's bad direction (a drop when higher is better). *text
 * malloc'd. */
int history_render(char **text, size_t *len, const struct view_ctx *ctx, const char *tip,
		   const char *bench, enum history_format format);
/* A line the history's own test gives: a step in instruction counts (which
 * are deterministic), in a metric's runs' means, or in the runs' mean wall
 * time; wall time's and a declared metric's are also suspects (what
 * regressions.c shows is the A/B job's verdict). */
struct history_line {
	size_t point; /* the commit's index in history_regressions.commits */
	char *bench;  /* the benchmark ("<bench>:instructions" for counts) */
	char *text;   /* the whole line, with its newline */
	bool wall;    /* a step the A/B jobs settle: wall time's or a declared
		       * metric's, not a count's, cpu's or memory's */
};

/* A step of one benchmark that the history suggests, in its runs' means at
 * alpha (a history_line too) or in their minimums at a looser level. An A/B
 * job of commits[lo] against commits[hi] decides it. */
struct history_suspect {
	char *bench;
	size_t point;  /* where the step seems to be: its first commit */
	size_t lo, hi; /* the window around it, lo < point <= hi unless at an end */
};

/* The tracked branch's benchmarked commits (oldest first) with the lines and
 * suspects of its regressions. */
struct history_regressions {
	char (*commits)[STORE_HASH_LEN + 1];
	bool *paired; /* commits[i] has a run that is a side of an A/B job */
	size_t ncommits;
	struct history_line *lines; /* in commit order */
	size_t nlines;
	struct history_suspect *suspects;
	size_t nsuspects;
	/* The history plots' change marks of every benchmark, as text to keep
	 * (internal_history.h's history_marks_text). */
	char *marks;
};
int history_regressions(struct history_regressions *out, const struct view_ctx *ctx,
			const char *tip);
/* The same for the A/B jobs that settle the suspects (regressions_next_job):
 * with the declared metrics' suspects, which the jobs settle too, and
 * without the other lines and marks, which would only cost their tests. */
int history_regressions_suspects(struct history_regressions *out, const struct view_ctx *ctx,
				 const char *tip);
void history_regressions_clear(struct history_regressions *r);

#endif
