/* Internal helpers shared by the stats modules: private to stats/, not part of the public API. */
#ifndef BENCHFS_STATS_INTERNAL_H
#define BENCHFS_STATS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* true when every x[i] is finite */
bool stats__all_finite(const double *x, size_t n);

/* The common validation of a sample: STATS_EINVAL for NULL with n > 0,
 * STATS_EEMPTY for fewer than need values, STATS_ENONFINITE for NaN or inf. */
int stats__check_sample(const double *x, size_t n, size_t need);

/* Compensated (Neumaier) sum. */
double stats__sum(const double *x, size_t n);

/* Mean and sum of squared deviations, two-pass with compensation. */
void stats__mean_m2(double *mean, double *m2, const double *x, size_t n);

/* Reorders a[0..n) so that a[k] is the k-th smallest, smaller values before it,
 * larger after (introselect: quickselect falling back to a full sort). */
void stats__select(double *a, size_t n, size_t k);

/* Sort a[0..n) ascending. */
void stats__sort(double *a, size_t n);

/* Percentile by numpy's linear method on data already copied into a (reordered). */
double stats__percentile_inplace(double *a, size_t n, double p);

/* Deterministic generator: splitmix64-seeded xoshiro256**. */
struct stats__rng {
	uint64_t s[4];
};
void stats__rng_seed(struct stats__rng *r, uint64_t seed);
uint64_t stats__rng_next(struct stats__rng *r);
/* Uniform integer in [0, bound), bound > 0, without modulo bias. */
uint64_t stats__rng_below(struct stats__rng *r, uint64_t bound);

#endif
