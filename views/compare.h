/* compare/<a>..<b>.md and .json (and <a>...<b>: b against the merge base):
 * two sides, benchmark by benchmark, with the statistics of stats/ behind
 * every verdict. */
#ifndef BENCHFS_VIEWS_COMPARE_H
#define BENCHFS_VIEWS_COMPARE_H

#include "views/context.h"
#include "views/sides.h"

enum compare_format { COMPARE_MD, COMPARE_JSON };

/* Split "<a>..<b>.md" / "<a>..<b>.json" into its sides and format: the
 * first ".." splits (revisions hold none; b may). Three dots, "<a>...<b>",
 * compare b against the merge base of a and b, as git diff does: *a is then
 * "<a>...<b>", the name side_resolve reads as that merge base, and b holds
 * no "..". 0, or -ENOENT when the name is not of that shape (four dots, an
 * empty side). a and b are malloc'd. */
int compare_parse_name(char **a, char **b, enum compare_format *format, const char *name);

/* Render the comparison of two resolved names (as written: a_rev, b_rev).
 * -ENOENT when a side has no finished run; *text is malloc'd. */
int compare_render(char **text, const struct view_ctx *ctx, const char *a_rev,
		   const struct side_ref *a, const char *b_rev, const struct side_ref *b,
		   enum compare_format format);

/* One benchmark's verdict in an interleaved A/B job. */
struct compare_outcome {
	char *bench;
	int verdict;          /* enum stats_verdict, or 4: both sides are one build */
	double ratio;         /* b / a, the paired estimate (NAN: none) */
	double ci_lo, ci_hi;  /* its interval at the verdict's confidence (NAN: none) */
	double q;             /* after the correction over the job's benchmarks (NAN: none) */
	double mean_a, mean_b; /* seconds per iteration */
	size_t pairs;
	int64_t runs[2];      /* the job's two runs */
};

/* The verdicts of the newest finished A/B job of commit_a (its first side)
 * against commit_b on this host, as compare/<a>..<b> shows them, one per
 * benchmark in name order. -ENOENT when the two commits have none. */
int compare_pair_outcomes(struct compare_outcome **out, size_t *n, const struct view_ctx *ctx,
			  const char *commit_a, const char *commit_b);
void compare_outcomes_free(struct compare_outcome *outcomes, size_t n);

#endif
