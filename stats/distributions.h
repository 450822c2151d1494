/* Special functions and distributions used by the tests: regularized incomplete
 * beta, Student t and standard normal tails and quantiles.
 *
 * Pure computation (libm only): no I/O, no allocation. Tails are computed
 * directly (never as 1 - CDF), so they keep their relative accuracy far out,
 * e.g. two-sided p-values of 1e-12 .. 1e-300. Every function returns STATS_OK or
 * a negative stats_error (see describe.h); outputs are written only on success. */
#ifndef BENCHFS_STATS_DISTRIBUTIONS_H
#define BENCHFS_STATS_DISTRIBUTIONS_H

#include "stats/describe.h"

/* Regularized incomplete beta I_x(a, b), a > 0, b > 0, 0 <= x <= 1. */
int stats_ibeta(double *out, double a, double b, double x);

/* Student t with df > 0 degrees of freedom (df need not be an integer):
 * upper tail P(T > t), and two-sided p-value P(|T| >= |t|). t may be +-inf. */
int stats_t_sf(double *out, double t, double df);
int stats_t_pvalue(double *out, double t, double df);
/* Quantile: the t with P(T <= t) = p, 0 < p < 1. */
int stats_t_quantile(double *out, double p, double df);

/* Standard normal: upper tail P(Z > z) and quantile (P(Z <= z) = p, 0 < p < 1). */
int stats_normal_sf(double *out, double z);
int stats_normal_quantile(double *out, double p);

#endif
