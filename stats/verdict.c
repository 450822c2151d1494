/* The three-way verdict over the benchmarks of one comparison; see verdict.h. */
#include "stats/verdict.h"

#include <math.h>

#include "stats/multiple.h"

static int check_input(const struct stats_verdict_input *v, double alpha)
{
	if (isnan(v->estimate) || isnan(v->lo) || isnan(v->hi) || isnan(v->p) ||
	    isnan(v->level) || isnan(v->threshold) || isinf(v->estimate))
		return STATS_ENONFINITE;
	if (!(v->lo <= v->estimate && v->estimate <= v->hi))
		return STATS_EINVAL;
	if (!(v->p >= 0.0 && v->p <= 1.0) || !(v->level > 0.0 && v->level <= alpha))
		return STATS_EINVAL;
	if (!(v->threshold >= 0.0) || isinf(v->threshold))
		return STATS_EINVAL;
	return STATS_OK;
}

int stats_verdicts(struct stats_verdict_output *out, const struct stats_verdict_input *in,
		   size_t m, double alpha, size_t *order, double *work)
{
	if (!(alpha > 0.0 && alpha < 1.0))
		return STATS_EINVAL;
	if (m == 0)
		return STATS_OK;
	if (!out || !in || !order || !work)
		return STATS_EINVAL;
	size_t t = 0;
	for (size_t i = 0; i < m; i++) {
		if (!in[i].testable)
			continue;
		int rc = check_input(&in[i], alpha);
		if (rc)
			return rc;
		/* the look's level scaled up to the whole procedure's */
		double ps = in[i].p * (alpha / in[i].level);
		work[t++] = ps < 1.0 ? ps : 1.0;
	}
	if (t > 0) {
		int rc = stats_bh_adjust(work, work, t, order);
		if (rc)
			return rc;
	}
	/* work now holds the q-values; p_seq is recomputed (the same expression) */
	size_t j = 0;
	for (size_t i = 0; i < m; i++) {
		const struct stats_verdict_input *v = &in[i];
		struct stats_verdict_output o = {.verdict = STATS_UNDECIDED, .p_seq = NAN, .q = NAN};
		if (v->testable) {
			double ps = v->p * (alpha / v->level);
			o.p_seq = ps < 1.0 ? ps : 1.0;
			o.q = work[j++];
			double est = expm1(v->estimate), lo = expm1(v->lo), hi = expm1(v->hi);
			if (o.q <= alpha && v->lo > 0.0 && est > v->threshold)
				o.verdict = STATS_SLOWER;
			else if (o.q <= alpha && v->hi < 0.0 && est < -v->threshold)
				o.verdict = STATS_FASTER;
			else if (lo >= -v->threshold && hi <= v->threshold)
				o.verdict = STATS_UNCHANGED;
		}
		out[i] = o;
	}
	return STATS_OK;
}
