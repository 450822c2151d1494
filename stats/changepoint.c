/* E-divisive means change point detection; see changepoint.h. */
#include "stats/changepoint.h"

#include <math.h>
#include <stdbool.h>
#include <stdalign.h>
#include <string.h>

#include "stats/internal.h"
#include "stats/internal_sort.h"

void stats_changepoint_options_init(struct stats_changepoint_options *opt)
{
	if (!opt)
		return;
	opt->alpha = 0.01;
	opt->permutations = 199;
	opt->seed = 0x62656e636866735aULL;
	opt->min_points = 1;
	opt->min_samples = 4;
	opt->max_exceed = 0;
}

struct rank_pair {
	double v;
	size_t i;
};

struct fen {
	double cnt, sum;
};

/* work buffer carved into these arrays */
struct cp_ws {
	double *v;              /* nsamples: centred values, permuted during tests */
	size_t *rk;             /* nsamples: rank of v[i] inside its segment */
	struct rank_pair *pairs; /* nsamples: for ranking */
	struct fen *fen;        /* nsamples + 1: Fenwick tree */
	double *wr;             /* npoints + 1: within-right sums at point boundaries */
	size_t *off;            /* npoints + 1: first sample of each point */
};

#define ALIGN_UP(x) (((x) + 15u) & ~(size_t)15u)

size_t stats_changepoint_workspace_size(size_t npoints, size_t nsamples)
{
	return ALIGN_UP(nsamples * sizeof(double)) + ALIGN_UP(nsamples * sizeof(size_t)) +
	       ALIGN_UP(nsamples * sizeof(struct rank_pair)) +
	       ALIGN_UP((nsamples + 1) * sizeof(struct fen)) +
	       ALIGN_UP((npoints + 1) * sizeof(double)) + ALIGN_UP((npoints + 1) * sizeof(size_t)) +
	       16;
}

#define LESS_PAIR(x, y) ((x).v < (y).v || ((x).v == (y).v && (x).i < (y).i))
DEFINE_STATS_SORT(sort_pairs, struct rank_pair, LESS_PAIR)

/* ranks of v[s0..s1) inside the segment, 0-based */
static void rank_segment(struct cp_ws *w, size_t s0, size_t s1)
{
	size_t len = s1 - s0;
	for (size_t i = 0; i < len; i++)
		w->pairs[i] = (struct rank_pair){w->v[s0 + i], i};
	sort_pairs(w->pairs, len);
	for (size_t r = 0; r < len; r++)
		w->rk[s0 + w->pairs[r].i] = r;
}

/* sum over inserted y of |x - y|, then insert x with rank r (1-based tree) */
static double fen_add(struct fen *f, size_t len, size_t r, double x, double cnt_all,
		      double sum_all)
{
	double cl = 0.0, sl = 0.0;
	for (size_t i = r; i > 0; i &= i - 1) {
		cl += f[i].cnt;
		sl += f[i].sum;
	}
	double d = (x * cl - sl) + ((sum_all - sl) - x * (cnt_all - cl));
	for (size_t i = r + 1; i <= len; i += i & (~i + 1)) {
		f[i].cnt += 1.0;
		f[i].sum += x;
	}
	return d;
}

struct split {
	double q;
	size_t j; /* point index; 0 when none */
};

/* Best split of points [pa, pb) over the current order of v. */
static struct split best_split(struct cp_ws *w, size_t pa, size_t pb, size_t min_points,
			       size_t min_samples)
{
	struct split best = {-INFINITY, 0};
	size_t s0 = w->off[pa], s1 = w->off[pb], len = s1 - s0;
	/* backward pass: within sums of suffixes at point boundaries */
	memset(w->fen, 0, (len + 1) * sizeof *w->fen);
	double wr = 0.0, cnt = 0.0, sum = 0.0;
	size_t j = pb;
	for (size_t i = s1; i-- > s0;) {
		wr += fen_add(w->fen, len, w->rk[i], w->v[i], cnt, sum);
		cnt += 1.0;
		sum += w->v[i];
		if (i == w->off[j - 1]) {
			j--;
			w->wr[j] = wr;
		}
	}
	double total = wr;
	/* forward pass */
	memset(w->fen, 0, (len + 1) * sizeof *w->fen);
	double wl = 0.0;
	cnt = sum = 0.0;
	j = pa + 1;
	for (size_t i = s0; i < s1 && j < pb; i++) {
		wl += fen_add(w->fen, len, w->rk[i], w->v[i], cnt, sum);
		cnt += 1.0;
		sum += w->v[i];
		if (i + 1 == w->off[j]) {
			size_t m = w->off[j] - s0, n = s1 - w->off[j];
			if (j - pa >= min_points && pb - j >= min_points && m >= min_samples &&
			    n >= min_samples) {
				double dm = (double)m, dn = (double)n;
				double x = total - wl - w->wr[j];
				double within = (m > 1 ? wl / (dm * (dm - 1.0) / 2.0) : 0.0) +
						(n > 1 ? w->wr[j] / (dn * (dn - 1.0) / 2.0) : 0.0);
				double q = (2.0 * x - dm * dn * within) / (dm + dn);
				if (q > best.q) {
					best.q = q;
					best.j = j;
				}
			}
			j++;
		}
	}
	return best;
}

static void load_segment(struct cp_ws *w, const double *values, double centre, size_t pa,
			 size_t pb)
{
	for (size_t i = w->off[pa]; i < w->off[pb]; i++)
		w->v[i] = values[i] - centre;
	rank_segment(w, w->off[pa], w->off[pb]);
}

static double seg_mean(const double *values, size_t s0, size_t s1)
{
	double m;
	stats__mean_m2(&m, NULL, values + s0, s1 - s0);
	return m;
}

int stats_find_changepoints(struct stats_changepoint *out, size_t *count, size_t capacity,
			    const double *values, const size_t *counts, size_t npoints,
			    size_t nsamples, const struct stats_changepoint_options *opt,
			    void *work, size_t work_size)
{
	return stats_find_changepoints_info(NULL, out, count, capacity, values, counts, npoints,
					    nsamples, opt, work, work_size);
}

int stats_find_changepoints_info(struct stats_changepoint_info *info,
				 struct stats_changepoint *out, size_t *count, size_t capacity,
				 const double *values, const size_t *counts, size_t npoints,
				 size_t nsamples, const struct stats_changepoint_options *opt,
				 void *work, size_t work_size)
{
	struct stats_changepoint_options o;
	if (opt)
		o = *opt;
	else
		stats_changepoint_options_init(&o);
	if (!count || (!out && capacity) || (!values && nsamples))
		return STATS_EINVAL;
	if (!(o.alpha > 0.0 && o.alpha < 1.0) || o.permutations == 0 || o.min_points == 0)
		return STATS_EINVAL;
	if (npoints == 0)
		return STATS_EEMPTY;
	if (counts) {
		size_t sum = 0;
		for (size_t i = 0; i < npoints; i++) {
			if (counts[i] == 0)
				return STATS_EEMPTY;
			if (counts[i] > nsamples - sum)
				return STATS_EINVAL;
			sum += counts[i];
		}
		if (sum != nsamples)
			return STATS_EINVAL;
	} else if (nsamples != npoints) {
		return STATS_EINVAL;
	}
	if (!stats__all_finite(values, nsamples))
		return STATS_ENONFINITE;
	if (!work || work_size < stats_changepoint_workspace_size(npoints, nsamples))
		return STATS_EINVAL;

	/* carve the work buffer */
	uintptr_t p = ((uintptr_t)work + 15u) & ~(uintptr_t)15u;
	struct cp_ws w;
	w.v = (double *)p;
	p += ALIGN_UP(nsamples * sizeof(double));
	w.rk = (size_t *)p;
	p += ALIGN_UP(nsamples * sizeof(size_t));
	w.pairs = (struct rank_pair *)p;
	p += ALIGN_UP(nsamples * sizeof(struct rank_pair));
	w.fen = (struct fen *)p;
	p += ALIGN_UP((nsamples + 1) * sizeof(struct fen));
	w.wr = (double *)p;
	p += ALIGN_UP((npoints + 1) * sizeof(double));
	w.off = (size_t *)p;

	w.off[0] = 0;
	for (size_t i = 0; i < npoints; i++)
		w.off[i + 1] = w.off[i] + (counts ? counts[i] : 1);

	/* centre on the overall mean so that |x - y| sums keep their precision */
	double centre = seg_mean(values, 0, nsamples);
	struct stats__rng rng;
	stats__rng_seed(&rng, o.seed);

	size_t ncp = 0, tests = 0;
	unsigned long long perms = 0;
	while (ncp < capacity) {
		/* best split over all current segments */
		struct split best = {-INFINITY, 0};
		size_t bpa = 0, bpb = 0;
		for (size_t s = 0; s <= ncp; s++) {
			size_t pa = s == 0 ? 0 : out[s - 1].index;
			size_t pb = s == ncp ? npoints : out[s].index;
			load_segment(&w, values, centre, pa, pb);
			struct split sp = best_split(&w, pa, pb, o.min_points, o.min_samples);
			if (sp.j && sp.q > best.q) {
				best = sp;
				bpa = pa;
				bpb = pb;
			}
		}
		if (!best.j)
			break;
		/* permutation test within that segment */
		load_segment(&w, values, centre, bpa, bpb);
		size_t s0 = w.off[bpa], len = w.off[bpb] - s0;
		double tol = best.q - 1e-12 * fabs(best.q);
		unsigned exceed = 0, r;
		bool sequential = false;
		/* stop once significance has become impossible: then 1 + exceed >
		 * alpha (permutations + 1), so the full test's p exceeds alpha, and
		 * so does h / k for any k <= permutations (h > exceed) */
		double impossible = o.alpha * (o.permutations + 1.0) - 1.0;
		tests++;
		for (r = 0; r < o.permutations; r++) {
			for (size_t i = len - 1; i > 0; i--) {
				size_t k = (size_t)stats__rng_below(&rng, i + 1);
				double tv = w.v[s0 + i];
				w.v[s0 + i] = w.v[s0 + k];
				w.v[s0 + k] = tv;
				size_t tr = w.rk[s0 + i];
				w.rk[s0 + i] = w.rk[s0 + k];
				w.rk[s0 + k] = tr;
			}
			struct split sp = best_split(&w, bpa, bpb, o.min_points, o.min_samples);
			if (sp.j && sp.q >= tol)
				exceed++;
			if (o.max_exceed && exceed >= o.max_exceed) {
				/* Besag-Clifford: h exceedances after k permutations */
				r++;
				sequential = true;
				break;
			}
			if ((double)exceed > impossible) {
				r++;
				break;
			}
		}
		perms += r;
		double pval = sequential ? (double)exceed / (double)r : (1.0 + exceed) / (1.0 + r);
		if ((r < o.permutations && !sequential) || pval > o.alpha)
			break;
		/* insert, keeping out[] ordered by index */
		size_t at = ncp;
		while (at > 0 && out[at - 1].index > best.j) {
			out[at] = out[at - 1];
			at--;
		}
		out[at] = (struct stats_changepoint){.index = best.j, .p = pval, .q = best.q};
		ncp++;
	}
	for (size_t i = 0; i < ncp; i++) {
		size_t pa = i == 0 ? 0 : out[i - 1].index;
		size_t pb = i + 1 == ncp ? npoints : out[i + 1].index;
		out[i].mean_before = seg_mean(values, w.off[pa], w.off[out[i].index]);
		out[i].mean_after = seg_mean(values, w.off[out[i].index], w.off[pb]);
	}
	*count = ncp;
	if (info)
		*info = (struct stats_changepoint_info){.tests = tests, .permutations = perms};
	return STATS_OK;
}
