/* The regressions file, and the A/B jobs that settle what the history
 * suspects.
 *
 * Separate runs cannot be trusted alone on a machine whose load comes and
 * goes: a run of a few hundred milliseconds sits inside one busy or quiet
 * spell, so run means spread by 20% and more, and a history test strict
 * enough never to cry wolf misses real 10% steps. So the history only
 * suspects steps (history.h: in the runs' means at alpha, in their minimums
 * at a looser level), and interleaved A/B jobs, which pairing makes robust
 * to that load, decide: one job of the commits around a suspect (slower
 * confirms it, anything else dismisses it), then jobs that halve the range
 * until one commit is left. As the history's tests can miss a real step, the
 * jobs also sweep the branch, segment by segment, bisecting each benchmark a
 * segment's job finds slower down to its commit (regressions.c). A wall time
 * line is a confirmed step; the daemon queues the next job when it is idle
 * (service/confirm.h). A declared metric's steps (a throughput, say: the
 * metrics that gate benchfs check) go the same way, each metric a family of
 * its own, named "<bench>:<metric>" and judged by the job's verdict on that
 * metric in its own direction. Steps in instruction counts, which are
 * deterministic, and in the built-in cpu and memory, which gate nothing,
 * are listed as the history finds them. */
#ifndef BENCHFS_VIEWS_REGRESSIONS_H
#define BENCHFS_VIEWS_REGRESSIONS_H

#include "store/store.h"
#include "views/compare.h"
#include "views/context.h"

/* The regressions file for the branch at tip ("" when there is none). */
int regressions_render(char **text, const struct view_ctx *ctx, const char *tip);

/* The next A/B job that would settle a suspected regression of the branch at
 * tip and that was never queued (commit a against commit b, newest suspect
 * first); -ENOENT when there is none. */
int regressions_next_job(char a[STORE_HASH_LEN + 1], char b[STORE_HASH_LEN + 1],
			 const struct view_ctx *ctx, const char *tip);

/* The verdicts of the gating metrics (store_metric_gates) in the newest
 * finished A/B job of commit_a against commit_b, as compare/<a>..<b> shows
 * them, one per benchmark and metric, bench named "<bench>:<metric>", in
 * the metrics' order; the verdict is STATS_SLOWER when the metric got worse
 * (a drop when higher is better), STATS_FASTER when better. -ENOENT when
 * the two commits have no job. */
int regressions_pair_metric_outcomes(struct compare_outcome **out, size_t *n,
				     const struct view_ctx *ctx, const char *commit_a,
				     const char *commit_b);

#endif
