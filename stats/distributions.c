/* Special functions; see distributions.h.
 *
 * The incomplete beta uses the classic continued fraction (evaluated with the
 * modified Lentz method) and the symmetry I_x(a,b) = 1 - I_{1-x}(b,a), with the
 * prefactor x^a (1-x)^b / B(a,b) formed in log space. Quantiles are found by a
 * safeguarded Newton iteration on the log of the tail, inside a bisection
 * bracket. */
#include "stats/distributions.h"

#include <float.h>
#include <math.h>

#define LOG_SQRT_2PI 0.91893853320467274178

/* Stirling series remainder: lgamma(z) - ((z-0.5)ln z - z + ln sqrt(2 pi)), z >= 10 */
static double stirling_corr(double z)
{
	double z2 = z * z;
	return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * z2)) / z2) / z2) / z;
}

/* lgamma without touching the global signgam (thread safe) */
static double lgam(double x)
{
	int sign;
	return lgamma_r(x, &sign);
}

/* log B(a, b), avoiding the cancellation of lgamma for one large argument */
static double lbeta(double a, double b)
{
	double big = a > b ? a : b, small = a > b ? b : a;
	if (big < 50.0)
		return lgam(a) + lgam(b) - lgam(a + b);
	/* lgamma(big) - lgamma(big + small) */
	double d = -(big - 0.5) * log1p(small / big) - small * log(big + small) + small +
		   stirling_corr(big) - stirling_corr(big + small);
	if (small >= 50.0)
		return (small - 0.5) * log(small) - small + LOG_SQRT_2PI + stirling_corr(small) + d;
	return lgam(small) + d;
}

/* continued fraction for I_x(a,b), good when x < (a+1)/(a+b+2) */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double qab = a + b, qap = a + 1.0, qam = a - 1.0;
	double c = 1.0, d = 1.0 - qab * x / qap;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	double h = d;
	for (int m = 1; m <= 1000000; m++) {
		double m2 = 2.0 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 4e-16)
			break;
	}
	return h;
}

/* I_x(a,b) with y = 1 - x given separately (exactly) */
static double ibeta_xy(double a, double b, double x, double y)
{
	if (x <= 0.0)
		return 0.0;
	if (y <= 0.0)
		return 1.0;
	double lfront = a * log(x) + b * log(y) - lbeta(a, b);
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lfront) * beta_cf(a, b, x) / a;
	return 1.0 - exp(lfront) * beta_cf(b, a, y) / b;
}

int stats_ibeta(double *out, double a, double b, double x)
{
	if (!out || !(a > 0.0) || !(b > 0.0) || !isfinite(a) || !isfinite(b))
		return STATS_EINVAL;
	if (!(x >= 0.0 && x <= 1.0))
		return isfinite(x) ? STATS_EINVAL : STATS_ENONFINITE;
	*out = ibeta_xy(a, b, x, 1.0 - x);
	return STATS_OK;
}

/* P(|T| >= |t|) */
static double t_two_sided(double t, double df)
{
	if (isinf(t))
		return 0.0;
	double t2 = t * t;
	if (t2 == 0.0)
		return 1.0;
	/* x = df / (df + t^2), y = t^2 / (df + t^2), both without cancellation */
	double x, y;
	if (t2 < df) {
		double r = t2 / df;
		x = 1.0 / (1.0 + r);
		y = r / (1.0 + r);
	} else {
		double r = df / t2;
		x = r / (1.0 + r);
		y = 1.0 / (1.0 + r);
	}
	double p = ibeta_xy(0.5 * df, 0.5, x, y);
	return p > 1.0 ? 1.0 : p;
}

static double t_sf(double t, double df)
{
	double p2 = 0.5 * t_two_sided(t, df);
	return t >= 0.0 ? p2 : 1.0 - p2;
}

static int check_df(double df)
{
	if (isnan(df))
		return STATS_ENONFINITE;
	if (!(df > 0.0))
		return STATS_EINVAL;
	return STATS_OK;
}

int stats_t_sf(double *out, double t, double df)
{
	if (!out)
		return STATS_EINVAL;
	int rc = check_df(df);
	if (rc)
		return rc;
	if (isnan(t))
		return STATS_ENONFINITE;
	*out = isinf(df) ? 0.5 * erfc(t / M_SQRT2) : t_sf(t, df);
	return STATS_OK;
}

int stats_t_pvalue(double *out, double t, double df)
{
	if (!out)
		return STATS_EINVAL;
	int rc = check_df(df);
	if (rc)
		return rc;
	if (isnan(t))
		return STATS_ENONFINITE;
	*out = isinf(df) ? erfc(fabs(t) / M_SQRT2) : t_two_sided(t, df);
	return STATS_OK;
}

int stats_normal_sf(double *out, double z)
{
	if (!out)
		return STATS_EINVAL;
	if (isnan(z))
		return STATS_ENONFINITE;
	*out = 0.5 * erfc(z / M_SQRT2);
	return STATS_OK;
}

/* log density of t (df finite) or normal (df infinite) */
static double log_pdf(double t, double df)
{
	if (isinf(df))
		return -0.5 * t * t - LOG_SQRT_2PI;
	return -lbeta(0.5 * df, 0.5) - 0.5 * log(df) - 0.5 * (df + 1.0) * log1p(t * t / df);
}

static double upper_tail(double t, double df)
{
	return isinf(df) ? 0.5 * erfc(t / M_SQRT2) : t_sf(t, df);
}

/* t >= 0 with upper tail q, 0 < q <= 0.5 */
static double solve_upper(double q, double df)
{
	if (q >= 0.5)
		return 0.0;
	double lo = 0.0, hi = 1.0;
	while (upper_tail(hi, df) > q) {
		lo = hi;
		hi *= 2.0;
		if (hi > 1e300)
			return hi;
	}
	double lq = log(q);
	double t = 0.5 * (lo + hi);
	for (int it = 0; it < 300; it++) {
		double s = upper_tail(t, df);
		if (s > q)
			lo = t;
		else
			hi = t;
		/* Newton on g(t) = log S(t) - log q, g' = -pdf/S */
		double step = (log(s) - lq) * s / exp(log_pdf(t, df));
		double nt = t + step;
		if (!(nt > lo && nt < hi))
			nt = 0.5 * (lo + hi);
		if (fabs(nt - t) <= 1e-15 * fabs(nt) || hi - lo <= 1e-15 * hi) {
			t = nt;
			break;
		}
		t = nt;
	}
	return t;
}

static int quantile(double *out, double p, double df)
{
	if (!out)
		return STATS_EINVAL;
	if (isnan(p))
		return STATS_ENONFINITE;
	if (!(p > 0.0 && p < 1.0))
		return STATS_EINVAL;
	if (p < 0.5)
		*out = -solve_upper(p, df);
	else
		*out = solve_upper(1.0 - p, df);
	return STATS_OK;
}

int stats_t_quantile(double *out, double p, double df)
{
	int rc = check_df(df);
	if (rc)
		return rc;
	return quantile(out, p, df);
}

int stats_normal_quantile(double *out, double p)
{
	return quantile(out, p, INFINITY);
}
