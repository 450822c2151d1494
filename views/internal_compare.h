/* Private to views/: one comparison of two sides, shared by its analysis
 * (compare.c, compare_verdicts.c) and its two renderings (compare_md.c,
 * compare_json.c). */
#ifndef BENCHFS_VIEWS_INTERNAL_COMPARE_H
#define BENCHFS_VIEWS_INTERNAL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats/describe.h"
#include "stats/hypothesis.h"
#include "stats/verdict.h"
#include "views/compare.h"

#define INSTRUCTIONS "instructions"
/* The newest finished runs of this host (A/B sides left out) whose
 * consecutive differences give its run-to-run noise. */
#define NOISE_RUNS 100
/* CPUs' worth of other processes' time from which a side counts as measured
 * under interference, and by which two sides' figures must differ to warn. */
#define INTERFERENCE_CPUS 0.5
/* A verdict beyond the three-way ones: both sides are one build. */
#define VERDICT_SAME_BUILD 4
#define VERDICT_KINDS 5

/* How the verdicts of a compare are reached: the sides are one interleaved
 * A/B job (pairs of iterations), or separate runs (one value per run, judged
 * against this host's run-to-run noise). */
enum method { METHOD_PAIRED, METHOD_RUNS };

static inline const char *method_name(enum method m)
{
	return m == METHOD_PAIRED ? "paired" : "runs";
}

static inline const char *verdict_name(int verdict)
{
	return verdict == VERDICT_SAME_BUILD ? "same build" : stats_verdict_name(verdict);
}

struct row {
	const char *name;
	const struct bench_samples *a, *b; /* every iteration of the side's runs */
	struct stats_summary sa, sb;
	bool compared; /* both sides and a positive mean of a */
	/* The previous analysis: Welch's test on the pooled iterations. Shown
	 * beside the verdict, never deciding it. */
	struct stats_comparison pooled;
	/* The verdict's analysis. */
	int verdict; /* enum stats_verdict or VERDICT_SAME_BUILD */
	bool testable;
	struct stats_verdict_input in;
	struct stats_verdict_output out;
	double ratio;       /* b/a of the method's estimate; NAN when there is none */
	bool have_ci;
	double ci_lo, ci_hi; /* of the ratio, at confidence */
	double confidence;
	double p;           /* the method's p-value at its look */
	double paired_t_p;  /* paired: the paired t-test's p on the logs */
	size_t pairs;       /* paired */
	size_t runs_a, runs_b, history_runs; /* runs */
	double sigma_run;   /* runs: sd of one run's log mean used (NAN: none) */
	double level;       /* the look's level (alpha for runs) */
	double threshold;
	bool threshold_history; /* the threshold is the host's fence */
	char *reason;       /* why undecided; malloc'd, NULL when decided */
	int64_t *unstable;  /* the sides' runs flagged unstable for this benchmark */
	size_t nunstable;
	bool unstable_a, unstable_b;
	double other_a, other_b; /* other processes' CPUs while measured; NAN unknown */
	const struct bench_samples *ia, *ib; /* instruction counts, when measured */
	/* A metric whose mean is 0 on a side (errors going 0 -> 5, or 5 -> 0):
	 * no log ratio, so judged by the difference of its raw values
	 * (compare_verdicts.c's row_from_zero); ratio is then b/a as it
	 * stands (+inf from 0, NAN for 0 on both sides) with no interval. */
	bool from_zero;
	double diff; /* from_zero: mean of b - mean of a */
};

/* One metric of the benchmarks beside wall time (cpu, memory, a declared
 * one): its rows get wall time's statistics and verdict rules on the
 * metric's samples, and its tested rows are a family of their own in the
 * correction, as instruction counts stand apart: adding a metric never
 * moves a wall time verdict. */
struct metric_table {
	struct store_metric_def def;
	struct sample_set a, b;
	struct run_values logs; /* the log of each run's mean value: sides' and history's runs */
	struct run_values logs_b; /* variants: side b's (logs are then side a's) */
	struct row *rows;
	size_t nrows;
	size_t tested;
	size_t verdicts[VERDICT_KINDS];
	size_t only_a, only_b;
};

struct comparison {
	bool paired_only;  /* sides that are no A/B job are -ENOENT, before any sample is read */
	struct side a, b;
	enum method method;
	bool same_build;
	int64_t *history;  /* the runs giving the host's noise, ascending */
	size_t nhistory;
	struct sample_set wall_a, wall_b, ins_a, ins_b;
	struct run_values logs;      /* log means of the sides' and history's runs */
	struct run_values unstable, other_cpus, level;
	struct row *rows;
	size_t nrows;
	/* The metrics with a value other than 0 on a side, in the order
	 * store_metrics_of_runs gives (cpu, memory, then declared by name). */
	struct metric_table *metrics;
	size_t nmetrics;
	size_t tested;     /* benchmarks in the correction */
	size_t verdicts[VERDICT_KINDS];
	size_t only_a, only_b;
	bool have_geomean;
	double geomean_confidence;
	struct stats_geomean geomean;
	char suggest_a[STORE_HASH_LEN + 64], suggest_b[STORE_HASH_LEN + 64];
	/* Variants (compare_variants.c): both sides are one revision's runs;
	 * side a is its benchmarks whose parameter variant_param is variant_x,
	 * side b those with variant_y, each renamed to its workload (the name
	 * without that parameter) as the samples and per-run values are loaded.
	 * The two variants of a run were measured at different times: always
	 * judged as separate runs, side b's per-run values in logs_b. NULL when
	 * comparing revisions. */
	const char *variant_param, *variant_x, *variant_y;
	const char *variant_rev; /* the revision as written */
	struct run_values logs_b;
};

/* Load, analyse and free a comparison (compare.c): the sides' names as
 * written and resolved, then every row's verdict and the summary. */
int comparison_build(struct comparison *c, const struct view_ctx *ctx, const char *a_rev,
		     const struct side_ref *a, const char *b_rev, const struct side_ref *b);
void comparison_clear(struct comparison *c);
/* The A/B job of commit_a against commit_b into *c (cleared by the caller
 * with comparison_clear whatever the result): -ENOENT when their newest
 * runs are no A/B job. paired_only: wall time's rows only, and the sides
 * refused before any sample is read. */
int comparison_build_pair(struct comparison *c, const struct view_ctx *ctx, const char *commit_a,
			  const char *commit_b, bool paired_only);
/* An outcome's figures from row r of A/B job c: its verdict as the row
 * gives it (undecided when not compared), ratio, interval, q, means, pairs
 * and the job's runs; the name is the caller's. */
void compare_outcome_fill(struct compare_outcome *o, const struct row *r,
			  const struct comparison *c);
/* Variants: keep a side's benchmarks of its value, renamed to their
 * workloads and sorted again (compare_variants.c). */
int variants_remap_samples(struct sample_set *set, const struct comparison *c, bool side_b);
int variants_remap_values(struct run_values *set, const struct comparison *c, bool side_b);


/* Whether a sorted list of run ids holds id (compare.c). */
bool ids_contain(const int64_t *ids, size_t n, int64_t id);

/* The analysis (compare_verdicts.c): one row's verdict (of wall time, or
 * of metric m), then the correction over the rows and the summary. */
int compute_row(struct row *r, const struct comparison *c, const struct metric_table *m,
		const struct view_ctx *ctx, double *scratch);
int decide(struct comparison *c, const struct view_ctx *ctx);
/* A metric's verdict in its own direction: worse, better, unchanged,
 * undecided, same build. */
const char *metric_verdict_name(const struct metric_table *m, int verdict);
/* Whether a metric's samples hold a value other than 0 (a built-in one of
 * runs recorded without it reads 0). */
bool metric_measured(const struct metric_table *m);
int summarize(struct comparison *c, const struct view_ctx *ctx);
bool row_interference(const struct row *r);
bool rescale_interval(double *lo, double *hi, const struct row *r, double to);
/* The instruction count of a side: the mean of its runs' counts. */
bool instructions_of(double *out, const struct bench_samples *s);
const char *instructions_verdict(double a, double b, double threshold);

/* The verdict of the whole compare: slower when any benchmark is (its wall
 * time, or its instruction count beyond threshold); else undecided when
 * any is; else faster, unchanged, same build, or "nothing compared". */
struct overall {
	const char *verdict;
	size_t compared;               /* benchmarks with a verdict */
	const struct row *worst;       /* the slower one with the largest change; NULL: none */
	size_t ins_slower;             /* instruction counts beyond the threshold */
	const struct row *worst_ins;   /* the largest of those; NULL: none */
	double worst_ins_change;       /* its b/a - 1 */
};
void compare_overall(struct overall *out, const struct comparison *c, double threshold);

/* The benchmarks an interleaved A/B job left out because they have a
 * service (both commits' servers would need one port at once): those of
 * its configuration as queued that neither side measured, in its order.
 * None for other comparisons. 0, -ENOMEM or -EIO; left_out_free frees. */
int comparison_left_out(char ***names, size_t *n, const struct comparison *c,
			const struct view_ctx *ctx);
void left_out_free(char **names, size_t n);

/* The renderings: Markdown to out; JSON as a malloc'd text (NULL: no memory). */
void compare_render_md(FILE *out, const struct comparison *c, const struct view_ctx *ctx);
char *compare_render_json(const struct comparison *c, const struct view_ctx *ctx);

#endif
