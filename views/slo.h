/* Service levels: each benchmark's "slo" of the configuration judged at a
 * revision, and the text of the computed file slo. A ceiling ("max") is
 * tested on one value per run of the commit (the log of the run's mean or
 * median) against the host's run-to-run noise (stats_runs_against_limit); a
 * band ("baseline", "tolerance") is compare/<baseline>..<rev>'s verdict with
 * the tolerance as its threshold. Either way a breach needs evidence, never
 * one noisy run: without it the verdict is undecided, with the reason. */
#ifndef BENCHFS_VIEWS_SLO_H
#define BENCHFS_VIEWS_SLO_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "views/context.h"

/* SLO_MIN: a metric's floor ("slo": {"metrics": {"throughput": {"min": 100}}}). */
enum slo_kind { SLO_MAX, SLO_BAND, SLO_MIN };
enum slo_verdict { SLO_HOLDS, SLO_BREACHED, SLO_UNDECIDED };

struct slo_result {
	char *bench;
	/* A bound of a metric other than wall time (config/slo_metrics.h), its
	 * limit, value and interval in unit; NULL: wall time. */
	char *metric;
	char unit[32];
	enum slo_kind kind;
	bool median;        /* max: the statistic of each run (else its mean) */
	double limit;       /* max: seconds; band: the tolerance (0.05: 5% slower) */
	char *baseline;     /* band: the baseline's name */
	/* max: the geometric mean of the runs' values and its interval, in
	 * seconds; band: the ratio rev / baseline and its interval. NAN: none. */
	double value, lo, hi;
	double confidence;  /* of the interval; NAN: none */
	size_t runs;        /* max: the runs of the commit behind value */
	enum slo_verdict verdict;
	char *reason;       /* undecided: why (and what would decide it); else NULL */
	/* The service level cannot be judged for a reason of the input: its
	 * baseline is not pinned or was never measured (check: status 2). */
	bool invalid;
};

/* The service levels of config at rev (a name as compare/ takes it:
 * revision, run id, baseline, latest), one result per "slo" key of each
 * benchmark in the configuration's order, the ceiling before the band, then
 * each metric's floor and ceiling (judged as the ceiling is, on the log of
 * each run's mean value).
 * 0 (*n may be 0: nothing configured); -ENOENT when rev names nothing or
 * has no finished run on this host; -ENOMEM, -EIO. */
int slo_evaluate(struct slo_result **out, size_t *n, const struct view_ctx *ctx,
		 const struct config *config, const char *rev);
void slo_results_free(struct slo_result *results, size_t n);

const char *slo_verdict_name(enum slo_verdict verdict);

/* The file slo: a line per result, tab-separated: benchmark (for a metric
 * <bench>:<metric>), kind (max, min or band), limit, value, interval,
 * verdict (holds, breached, undecided) and reason ("-" when decided). ""
 * for none. malloc'd; NULL: no memory. */
char *slo_results_text(const struct slo_result *results, size_t n);

/* The text of slo for ctx->config at the commit of the newest finished run:
 * "" when no service level is configured or nothing has finished. */
int slo_render(char **text, const struct view_ctx *ctx);

#endif
