/* Benjamini-Hochberg adjusted p-values; see multiple.h. */
#include "stats/multiple.h"

#include <math.h>

/* Heapsort of the indices order[0..m) by p ascending (in place, no allocation). */
static void sift(size_t *order, const double *p, size_t root, size_t m)
{
	while (2 * root + 1 < m) {
		size_t child = 2 * root + 1;
		if (child + 1 < m && p[order[child]] < p[order[child + 1]])
			child++;
		if (!(p[order[root]] < p[order[child]]))
			return;
		size_t t = order[root];
		order[root] = order[child];
		order[child] = t;
		root = child;
	}
}

static void sort_indices(size_t *order, const double *p, size_t m)
{
	for (size_t i = 0; i < m; i++)
		order[i] = i;
	for (size_t i = m / 2; i-- > 0;)
		sift(order, p, i, m);
	for (size_t end = m; end-- > 1;) {
		size_t t = order[0];
		order[0] = order[end];
		order[end] = t;
		sift(order, p, 0, end);
	}
}

int stats_bh_adjust(double *adjusted, const double *p, size_t m, size_t *order)
{
	if (!adjusted || !p || !order)
		return STATS_EINVAL;
	if (m == 0)
		return STATS_EEMPTY;
	for (size_t i = 0; i < m; i++) {
		if (isnan(p[i]))
			return STATS_ENONFINITE;
		if (!(p[i] >= 0.0 && p[i] <= 1.0))
			return STATS_EINVAL;
	}
	sort_indices(order, p, m);
	/* q_(i) = min over j >= i of p_(j) m / j, from the largest p down. Each
	 * index is read before it is written, so adjusted may alias p. */
	double q = 1.0;
	for (size_t i = m; i-- > 0;) {
		double v = p[order[i]] * (double)m / (double)(i + 1);
		if (v < q)
			q = v;
		adjusted[order[i]] = q;
	}
	return STATS_OK;
}
