/* The stopping rule of an A/B job that adds pairs until it is decisive.
 *
 * Looks after first, 2 first, 4 first, ... pairs, the last at most cap
 * pairs. Each look tests at its own nominal level alpha_k, spent in
 * proportion to the pairs it adds (linear alpha spending, Lan-DeMets power
 * family with rho = 1): alpha_k = alpha * (n_k - n_{k-1}) / n_K. The levels
 * sum to alpha, so by the union bound the chance of any false alarm over all
 * looks is at most alpha, however the looks are correlated; testing every
 * look at alpha instead would give up to 1 - (1 - alpha)^K. A verdict
 * reached at look k is the same test at level alpha_k, and p * alpha /
 * alpha_k is a valid p-value of the whole procedure (for a correction over
 * many benchmarks). Pure computation. */
#ifndef BENCHFS_STATS_SEQUENTIAL_H
#define BENCHFS_STATS_SEQUENTIAL_H

#include <stddef.h>

#include "stats/describe.h"

#define STATS_SEQUENTIAL_LOOKS_MAX 32

struct stats_sequential {
	double alpha;  /* overall false-alarm level */
	size_t looks;  /* K >= 1 */
	size_t size[STATS_SEQUENTIAL_LOOKS_MAX];   /* n_k, pairs after look k (0-based) */
	double level[STATS_SEQUENTIAL_LOOKS_MAX];  /* alpha_k */
};
/* first >= 1; cap >= first (a cap below first is STATS_EINVAL); 0 < alpha < 1;
 * at most STATS_SEQUENTIAL_LOOKS_MAX looks (more: STATS_EINVAL). cap == first
 * is a single look at alpha. E.g. 10 .. 320 pairs: looks at 10, 20, 40, 80,
 * 160, 320 with levels alpha (1, 1, 2, 4, 8, 16) / 32. */
int stats_sequential_init(struct stats_sequential *out, size_t first, size_t cap, double alpha);
/* The look whose size is n (0-based), or -1 when n is not one of them. */
long stats_sequential_look(const struct stats_sequential *s, size_t n);

#endif
