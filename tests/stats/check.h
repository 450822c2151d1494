/* Shared helpers for the stats cmocka tests. */
#ifndef BENCHFS_TESTS_STATS_CHECK_H
#define BENCHFS_TESTS_STATS_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#define REL_DESCRIBE 1e-9 /* descriptive statistics, test statistics, df */
#define REL_P 1e-6        /* p-values, tail probabilities, quantiles, intervals */

/* |got - want| <= rel * |want| (exact match required when want is 0 or infinite) */
static inline int close_rel(double got, double want, double rel)
{
	if (isinf(want) || want == 0.0)
		return got == want;
	return fabs(got - want) <= rel * fabs(want);
}

#define assert_close(got, want, rel, what)                                                 \
	do {                                                                                \
		double g_ = (got), w_ = (want);                                             \
		if (!close_rel(g_, w_, (rel)))                                              \
			fail_msg("%s: got %.17g, want %.17g (rel err %.3g > %.1g)", (what), g_, w_, \
				 fabs(g_ - w_) / fabs(w_), (double)(rel));                  \
	} while (0)

/* assert_close, keeping in *worst the largest relative error seen, for the
 * accuracy a test reports when it ends. */
static inline void assert_close_worst(double *worst, double got, double want, double rel,
				      const char *what)
{
	assert_close(got, want, rel, what);
	if (want != 0.0 && !isinf(want)) {
		double e = fabs(got - want) / fabs(want);
		if (e > *worst)
			*worst = e;
	}
}

/* deterministic test noise: splitmix64 + Box-Muller */
struct trng {
	uint64_t s;
};
static inline uint64_t trng_next(struct trng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static inline double trng_uniform(struct trng *r)
{
	return ((double)(trng_next(r) >> 11) + 0.5) / 9007199254740992.0;
}
static inline double trng_gauss(struct trng *r)
{
	double u = trng_uniform(r), v = trng_uniform(r);
	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#endif
