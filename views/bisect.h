/* Bisections of confirmed steps, and the content of bisect/<id>.
 *
 * A confirmed step at commit C whose range P..C holds commits never
 * benchmarked (P is not C's first parent) names no culprit. The daemon
 * bisects it (service/bisect.h): it measures the first-parent commits
 * between P and C, one solo run each (a second when the first is
 * undecided), narrows to the first bad commit, descends into the branch a
 * merge brought in as git bisect does, skips a commit whose run failed (a
 * build that fails), and verifies the culprit with an interleaved A/B job
 * of its parent against it: only `slower` names it (`worse`, of a declared
 * metric's step, in the metric's own direction).
 *
 * Judging a commit: each run gives one value, the log of its fastest
 * iteration (wall time; the log of the mean instruction count, or of the
 * mean of a declared metric, whose bad direction may be a drop), and the
 * commit the mean of its runs' values m. With g and b the same of P's and
 * C's runs (their own, not the bisection's), t = (m - g) / (b - g) places
 * it on the step: t <= 0.3 is good, t >= 0.7 bad; between, one more run,
 * and after two runs the nearer side (t < 0.5 good). The fastest iteration,
 * not the mean: load only ever adds time, and on a loaded machine one
 * run's mean of a short benchmark moves by half a 2x step (measured on the
 * 2-core test VM with other tests running), its minimum by a few percent.
 * A 2x step is 0.69 in log: a run minimum 10% off moves t by 0.14.
 *
 * Everything is derived again from the store at each look (the runs whose
 * revision is "bisect/<id>", and the repository): a run queued before a
 * crash is found again, never queued twice. */
#ifndef BENCHFS_VIEWS_BISECT_H
#define BENCHFS_VIEWS_BISECT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "views/context.h"

/* ---- the narrowing, on any judge (unit-tested on a fixture repository) ---- */

enum bisect_judgement {
	BISECT_GOOD,
	BISECT_BAD,
	BISECT_SKIPPED,  /* cannot be judged: its build failed */
	BISECT_UNKNOWN,  /* not judged yet: the search stops there */
};

/* Judge commit: 0 with *out, or a negative errno that ends the search. */
typedef int (*bisect_judge_fn)(void *arg, enum bisect_judgement *out, const char *commit);

enum bisect_found {
	BISECT_NEED,         /* need: the commit to judge next */
	BISECT_FIRST_BAD,    /* culprit: the first bad commit, parent its parent */
	BISECT_ONLY_SKIPPED, /* the first bad commit is one of skipped commits */
};

struct bisect_search {
	enum bisect_found found;
	char need[STORE_HASH_LEN + 1];
	char culprit[STORE_HASH_LEN + 1], parent[STORE_HASH_LEN + 1];
	size_t judged; /* how many commits the judge was asked about */
};

/* The longest line of commits one bisection walks. */
#define BISECT_LINE_MAX 100000

/* Narrow good..bad (good on bad's first-parent line): the commit nearest the
 * middle of what is left first, a skipped one's nearest neighbour instead,
 * then into what a merge named first bad brought in. -ENOENT when good is
 * not on bad's first-parent line. */
int bisect_search(struct bisect_search *out, struct repo *repo, const char *good,
		  const char *bad, bisect_judge_fn judge, void *arg);

/* ---- a bisection of the store ---- */

struct bisect_step {
	char commit[STORE_HASH_LEN + 1];
	enum bisect_judgement judged;
	double t;       /* its place on the step (NAN: none) */
	int64_t runs[8];
	size_t nruns;
	char why[160];  /* a skipped commit's failure */
};

enum bisect_action {
	BISECT_WAIT,       /* a run of it is queued or running */
	BISECT_QUEUE_RUN,  /* a solo run of target */
	BISECT_QUEUE_PAIR, /* the A/B job target_parent..target */
	BISECT_STOP,       /* state says how it ended */
};

struct bisect_walk {
	struct bisect_step *steps; /* in the order they were judged */
	size_t nsteps, alloc;
	enum bisect_action action;
	char target[STORE_HASH_LEN + 1], target_parent[STORE_HASH_LEN + 1];
	const char *state; /* running, named, not-verified, gave-up, capped */
	char culprit[STORE_HASH_LEN + 1]; /* the first bad commit once found */
	char parent[STORE_HASH_LEN + 1];
	char detail[256];
	/* The verifying job: found when verify_runs[0] is not 0. */
	int64_t verify_runs[2];
	bool verified; /* its verdict is known: ratio etc. are set */
	int verdict;   /* enum stats_verdict of the benchmark */
	double ratio, ci_lo, ci_hi, q;
	size_t solo_runs; /* the midpoints' runs, against max_runs */
	int64_t *runs;    /* every run of the bisection */
	size_t nruns;
	double good_value, bad_value;
};

/* Where bisection b is, from the store and the repository. */
int bisect_walk(struct bisect_walk *w, const struct view_ctx *ctx, const struct store_bisection *b,
		int max_runs);
void bisect_walk_clear(struct bisect_walk *w);

/* The content of bisect/<id>: -ENOENT when there is no such bisection. */
int bisect_render(char **text, const struct view_ctx *ctx, int64_t id);
/* bisect/'s names, the ids in order (malloc'd; listing_free). */
int bisect_listing(char ***names, size_t *n, const struct view_ctx *ctx);
/* The id a name of bisect/ means (digits, no leading zero), or -1. */
int64_t bisect_parse_name(const char *name);

/* The culprit a bisection named for a regressions line (its fields as the
 * file has them, without the newline) into out: the full hash, or "-". */
int bisect_line_culprit(char out[STORE_HASH_LEN + 1], const struct view_ctx *ctx,
			const char *line);

/* Append the culprit field ("\t<hash or ->") to *line (a regressions line
 * with its newline), reallocating it. */
int bisect_line_annotate(char **line, const struct view_ctx *ctx);

/* A line of the regressions file a bisection would start from: its benchmark
 * and metric, and its range; 0 when it is one, -ENOENT when it is not (no
 * range, or a step method that is none of paired and count, or a count not
 * named "<bench>:<metric>"). */
struct bisect_line {
	char bench[256];
	/* "wall", or the metric of "<bench>:<metric>" (metric_name): a count's
	 * ("instructions") or a declared metric's confirmed step */
	const char *metric;
	char metric_name[STORE_METRIC_NAME_MAX + 1];
	char good[STORE_HASH_LEN + 1], bad[STORE_HASH_LEN + 1];
};
int bisect_line_parse(struct bisect_line *out, const char *line);

#endif
