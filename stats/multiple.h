/* Many benchmarks at once: control of the false discovery rate.
 * Pure computation, scratch from the caller. */
#ifndef BENCHFS_STATS_MULTIPLE_H
#define BENCHFS_STATS_MULTIPLE_H

#include <stddef.h>

#include "stats/describe.h"

/* Benjamini-Hochberg adjusted p-values (q-values), as
 * scipy.stats.false_discovery_control(p, method="bh"): rejecting every
 * hypothesis whose adjusted value is <= q controls the false discovery rate
 * at q (for independent or positively dependent tests). (SciPy 1.10 predates
 * that function: the reference is NumPy, tests/stats/gen_fixtures_paired.py.)
 * p[i] in [0, 1] (NaN: STATS_ENONFINITE, else outside: STATS_EINVAL);
 * adjusted may alias p. order: scratch of m size_t. m >= 1 (else
 * STATS_EEMPTY). */
int stats_bh_adjust(double *adjusted, const double *p, size_t m, size_t *order);

#endif
