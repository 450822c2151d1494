/* E-divisive change point detection: detection, false alarms, several steps,
 * per-commit samples, determinism, speed and invalid input. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats/changepoint.h"
#include "stats/internal.h"
#include "tests/stats/check.h"

#define MAXCP 16

struct result {
	size_t n;
	struct stats_changepoint cp[MAXCP];
};

static struct result find(const double *v, const size_t *counts, size_t np, size_t ns,
			  const struct stats_changepoint_options *opt)
{
	size_t ws = stats_changepoint_workspace_size(np, ns);
	void *work = malloc(ws);
	assert_non_null(work);
	struct result r;
	assert_int_equal(stats_find_changepoints(r.cp, &r.n, MAXCP, v, counts, np, ns, opt, work, ws),
			 STATS_OK);
	free(work);
	return r;
}

static void series(double *v, size_t n, double noise, struct trng *rng, const size_t *steps,
		   const double *levels, size_t nsteps)
{
	for (size_t i = 0; i < n; i++) {
		double level = 1.0;
		for (size_t s = 0; s < nsteps; s++)
			if (i >= steps[s])
				level = levels[s];
		v[i] = level * (1.0 + noise * trng_gauss(rng));
	}
}

static size_t dist(size_t a, size_t b)
{
	return a > b ? a - b : b - a;
}

/* 5 commits of 8 samples, 25% step at the third commit */
static void test_short_history_with_samples(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct trng rng = {seed};
		double v[40];
		size_t counts[5] = {8, 8, 8, 8, 8};
		for (size_t i = 0; i < 40; i++)
			v[i] = (i / 8 >= 2 ? 1.25 : 1.0) * (1.0 + 0.05 * trng_gauss(&rng));
		struct result r = find(v, counts, 5, 40, NULL);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.cp[0].index, 2);
		assert_true(r.cp[0].p <= 0.01);
		assert_true(r.cp[0].mean_after / r.cp[0].mean_before > 1.15);
		/* the five means alone cannot show it (too few points), but must not fail */
		double means[5];
		for (size_t k = 0; k < 5; k++) {
			means[k] = 0.0;
			for (size_t i = 0; i < 8; i++)
				means[k] += v[k * 8 + i] / 8.0;
		}
		r = find(means, NULL, 5, 5, NULL);
		assert_int_equal(r.n, 0);
	}
	/* unequal sample counts per commit */
	struct trng rng = {99};
	size_t counts[6] = {3, 10, 1, 5, 7, 2};
	double v[28];
	size_t i = 0;
	for (size_t k = 0; k < 6; k++)
		for (size_t j = 0; j < counts[k]; j++, i++)
			v[i] = (k >= 3 ? 0.8 : 1.0) * (1.0 + 0.02 * trng_gauss(&rng));
	struct result r = find(v, counts, 6, 28, NULL);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.cp[0].index, 3);
}

/* 5% step in 2% noise */
static void test_small_step(void **state)
{
	(void)state;
	int found = 0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct trng rng = {seed * 1000};
		double v[120];
		size_t step = 40 + (size_t)seed;
		double level = 1.05;
		series(v, 120, 0.02, &rng, &step, &level, 1);
		struct result r = find(v, NULL, 120, 120, NULL);
		assert_true(r.n <= 2);
		for (size_t k = 0; k < r.n; k++)
			if (dist(r.cp[k].index, step) <= 5)
				found++;
	}
	print_message("5%% step in 2%% noise: found in %d/20 series\n", found);
	assert_true(found >= 19); /* all 20 with these seeds */
}

/* flat noise: no change points (beyond about alpha of the series) */
static void test_flat(void **state)
{
	(void)state;
	int alarms = 0;
	for (uint64_t seed = 1; seed <= 100; seed++) {
		struct trng rng = {seed * 77};
		double v[150];
		series(v, 150, 0.02, &rng, NULL, NULL, 0);
		struct result r = find(v, NULL, 150, 150, NULL);
		alarms += r.n > 0;
	}
	/* samples per commit, flat */
	for (uint64_t seed = 1; seed <= 50; seed++) {
		struct trng rng = {seed * 31};
		double v[80];
		size_t counts[10];
		for (size_t k = 0; k < 10; k++)
			counts[k] = 8;
		series(v, 80, 0.03, &rng, NULL, NULL, 0);
		struct result r = find(v, counts, 10, 80, NULL);
		alarms += r.n > 0;
	}
	print_message("flat series: false alarm in %d/150\n", alarms);
	assert_true(alarms <= 4);
}

/* several steps, including a return to the old level */
static void test_several_steps(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 5; seed++) {
		struct trng rng = {seed * 5};
		double v[400];
		size_t steps[4] = {80, 150, 260, 330};
		double levels[4] = {1.10, 0.95, 1.05, 1.0};
		series(v, 400, 0.02, &rng, steps, levels, 4);
		struct result r = find(v, NULL, 400, 400, NULL);
		assert_int_equal(r.n, 4);
		for (size_t k = 0; k < 4; k++) {
			if (dist(r.cp[k].index, steps[k]) > 3)
				fail_msg("seed %llu: change %zu at %zu, want %zu", (unsigned long long)seed,
					 k, r.cp[k].index, steps[k]);
			assert_true(r.cp[k].p <= 0.01);
			if (k > 0)
				assert_true(r.cp[k].mean_before == r.cp[k - 1].mean_after);
			double want_before = k == 0 ? 1.0 : levels[k - 1];
			assert_true(fabs(r.cp[k].mean_before - want_before) < 0.01);
			assert_true(fabs(r.cp[k].mean_after - levels[k]) < 0.01);
		}
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 5000 points, three steps: fast, deterministic, seed-independent indices */
static void test_large_and_deterministic(void **state)
{
	(void)state;
	size_t n = 5000;
	double *v = malloc(n * sizeof *v);
	struct trng rng = {4242};
	size_t steps[3] = {1000, 2500, 4000};
	double levels[3] = {1.05, 0.97, 1.07};
	series(v, n, 0.02, &rng, steps, levels, 3);
	double t0 = now();
	struct result r1 = find(v, NULL, n, n, NULL);
	double t1 = now();
	print_message("5000 points, 3 steps: %.3f s\n", t1 - t0);
	assert_true(t1 - t0 < 5.0); /* well under 1 s optimized; generous for sanitizers */
	assert_int_equal(r1.n, 3);
	for (size_t k = 0; k < 3; k++)
		assert_true(dist(r1.cp[k].index, steps[k]) <= 3);
	struct result r2 = find(v, NULL, n, n, NULL);
	assert_int_equal(r2.n, r1.n);
	assert_memory_equal(r1.cp, r2.cp, r1.n * sizeof r1.cp[0]);
	struct stats_changepoint_options o;
	stats_changepoint_options_init(&o);
	o.seed = 12345;
	struct result r3 = find(v, NULL, n, n, &o);
	assert_int_equal(r3.n, 3);
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(r3.cp[k].index, r1.cp[k].index);
	/* capacity limits the number returned */
	size_t ws = stats_changepoint_workspace_size(n, n), count;
	void *work = malloc(ws);
	struct stats_changepoint one;
	assert_int_equal(stats_find_changepoints(&one, &count, 1, v, NULL, n, n, NULL, work, ws),
			 STATS_OK);
	assert_int_equal(count, 1);
	free(work);
	free(v);
}

/* --- Besag-Clifford early stopping, against a brute-force reference -------- */

/* The documented algorithm written plainly: Q of every split from a 2-D prefix
 * sum of |v_i - v_k|, the same Fisher-Yates shuffles on stats/rng.c's stream,
 * the same stopping rules. Counts its permutations. */
struct bf {
	size_t np, ns;
	const size_t *off;  /* np + 1 */
	double *v, *S;      /* ns; (ns + 1)^2 */
};

static double bf_best(struct bf *b, size_t pa, size_t pb, const struct stats_changepoint_options *o,
		      size_t *where)
{
	size_t s0 = b->off[pa], len = b->off[pb] - s0, w = len + 1;
	for (size_t i = 0; i <= len; i++)
		b->S[i] = b->S[i * w] = 0.0;
	for (size_t i = 0; i < len; i++)
		for (size_t k = 0; k < len; k++)
			b->S[(i + 1) * w + k + 1] = fabs(b->v[s0 + i] - b->v[s0 + k]) +
						    b->S[i * w + k + 1] + b->S[(i + 1) * w + k] -
						    b->S[i * w + k];
	double total = b->S[len * w + len] / 2.0, best = -INFINITY;
	*where = 0;
	for (size_t j = pa + 1; j < pb; j++) {
		size_t t = b->off[j] - s0, m = t, n = len - t;
		if (j - pa < o->min_points || pb - j < o->min_points || m < o->min_samples ||
		    n < o->min_samples)
			continue;
		double wl = b->S[t * w + t] / 2.0, cross = b->S[t * w + len] - b->S[t * w + t];
		double wr = total - wl - cross, dm = (double)m, dn = (double)n;
		double within = (m > 1 ? wl / (dm * (dm - 1.0) / 2.0) : 0.0) +
				(n > 1 ? wr / (dn * (dn - 1.0) / 2.0) : 0.0);
		double q = dm * dn / (dm + dn) * (2.0 * cross / (dm * dn) - within);
		if (q > best) {
			best = q;
			*where = j;
		}
	}
	return best;
}

static size_t bf_find(struct stats_changepoint *cp, unsigned long long *perms, size_t *tests,
		      size_t cap, const double *values, const size_t *off, size_t np,
		      const struct stats_changepoint_options *o)
{
	size_t ns = off[np];
	struct bf b = {np, ns, off, malloc(ns * sizeof(double)),
		       malloc((ns + 1) * (ns + 1) * sizeof(double))};
	assert_true(b.v && b.S);
	struct stats__rng rng;
	stats__rng_seed(&rng, o->seed);
	size_t ncp = 0;
	*perms = 0;
	*tests = 0;
	while (ncp < cap) {
		double bq = -INFINITY;
		size_t bj = 0, bpa = 0, bpb = 0;
		for (size_t s = 0; s <= ncp; s++) {
			size_t pa = s ? cp[s - 1].index : 0, pb = s == ncp ? np : cp[s].index, j;
			memcpy(b.v, values, ns * sizeof(double));
			double q = bf_best(&b, pa, pb, o, &j);
			if (j && q > bq) {
				bq = q;
				bj = j;
				bpa = pa;
				bpb = pb;
			}
		}
		if (!bj)
			break;
		memcpy(b.v, values, ns * sizeof(double));
		size_t s0 = off[bpa], len = off[bpb] - s0;
		unsigned exceed = 0, k;
		int stopped = 0;
		++*tests;
		for (k = 1; k <= o->permutations; k++) {
			for (size_t i = len - 1; i > 0; i--) {
				size_t r = (size_t)stats__rng_below(&rng, i + 1);
				double t = b.v[s0 + i];
				b.v[s0 + i] = b.v[s0 + r];
				b.v[s0 + r] = t;
			}
			size_t j;
			double q = bf_best(&b, bpa, bpb, o, &j);
			exceed += j && q >= bq - 1e-12 * fabs(bq);
			if (o->max_exceed && exceed == o->max_exceed) {
				stopped = 1; /* sequential */
				break;
			}
			if (1.0 + exceed > o->alpha * (o->permutations + 1.0)) {
				stopped = 2; /* significance impossible */
				break;
			}
		}
		if (k > o->permutations)
			k = o->permutations;
		*perms += k;
		double p = stopped == 1 ? (double)exceed / k : (1.0 + exceed) / (1.0 + k);
		if (stopped == 2 || p > o->alpha)
			break;
		size_t at = ncp;
		while (at > 0 && cp[at - 1].index > bj) {
			cp[at] = cp[at - 1];
			at--;
		}
		cp[at] = (struct stats_changepoint){.index = bj, .p = p, .q = bq};
		ncp++;
	}
	free(b.v);
	free(b.S);
	return ncp;
}

struct seq_case {
	const char *name;
	size_t np, ns;
	double v[64];
	size_t counts[64];
};

static void make_cases(struct seq_case *c, size_t *nc)
{
	struct trng rng = {8080};
	size_t n = 0;
	/* a clear 20% step, a 4% step in 3% noise (borderline), flat, two steps,
	 * flat lognormal, and points with several samples */
	c[n] = (struct seq_case){"clear", 40, 40, {0}, {0}};
	for (size_t i = 0; i < 40; i++)
		c[n].v[i] = (i >= 23 ? 1.2 : 1.0) * (1.0 + 0.03 * trng_gauss(&rng));
	n++;
	c[n] = (struct seq_case){"weak", 60, 60, {0}, {0}};
	for (size_t i = 0; i < 60; i++)
		c[n].v[i] = (i >= 30 ? 1.04 : 1.0) * (1.0 + 0.03 * trng_gauss(&rng));
	n++;
	for (int f = 0; f < 3; f++) {
		c[n] = (struct seq_case){"flat", 50, 50, {0}, {0}};
		for (size_t i = 0; i < 50; i++)
			c[n].v[i] = 1.0 + 0.03 * trng_gauss(&rng);
		n++;
	}
	c[n] = (struct seq_case){"two", 60, 60, {0}, {0}};
	for (size_t i = 0; i < 60; i++)
		c[n].v[i] = (i >= 20 && i < 45 ? 1.15 : 1.0) * (1.0 + 0.02 * trng_gauss(&rng));
	n++;
	c[n] = (struct seq_case){"lognormal", 30, 30, {0}, {0}};
	for (size_t i = 0; i < 30; i++)
		c[n].v[i] = exp(0.2 * trng_gauss(&rng));
	n++;
	c[n] = (struct seq_case){"samples", 8, 48, {0}, {0}};
	for (size_t k = 0; k < 8; k++)
		c[n].counts[k] = 6;
	for (size_t i = 0; i < 48; i++)
		c[n].v[i] = (i >= 30 ? 1.1 : 1.0) * (1.0 + 0.04 * trng_gauss(&rng));
	n++;
	*nc = n;
}

static void test_sequential_reference(void **state)
{
	(void)state;
	struct seq_case cases[8];
	size_t nc;
	make_cases(cases, &nc);
	unsigned perms_opts[] = {199, 999, 4999};
	unsigned h_opts[] = {0, 1, 3, 10};
	for (size_t ci = 0; ci < nc; ci++) {
		struct seq_case *c = &cases[ci];
		const size_t *counts = c->counts[0] ? c->counts : NULL;
		size_t off[65];
		off[0] = 0;
		for (size_t i = 0; i < c->np; i++)
			off[i + 1] = off[i] + (counts ? counts[i] : 1);
		for (size_t pi = 0; pi < 3; pi++) {
			/* the brute force is slow where every permutation runs: 4999 on
			 * the null series only, where early stopping matters most */
			if (perms_opts[pi] > 999 && strcmp(c->name, "flat") &&
			    strcmp(c->name, "lognormal") && strcmp(c->name, "weak"))
				continue;
			for (size_t hi = 0; hi < 4; hi++) {
				struct stats_changepoint_options o;
				stats_changepoint_options_init(&o);
				o.permutations = perms_opts[pi];
				o.max_exceed = h_opts[hi];
				o.seed = 1000 + ci;
				size_t ws = stats_changepoint_workspace_size(c->np, c->ns);
				void *work = malloc(ws);
				struct stats_changepoint got[MAXCP], want[MAXCP];
				struct stats_changepoint_info info;
				size_t ng;
				assert_int_equal(stats_find_changepoints_info(&info, got, &ng, MAXCP, c->v,
									      counts, c->np, c->ns, &o,
									      work, ws),
						 STATS_OK);
				free(work);
				unsigned long long bperms;
				size_t btests;
				size_t nw = bf_find(want, &bperms, &btests, MAXCP, c->v, off, c->np, &o);
				print_message("%-9s perms %4u h %2u: %zu change(s)%s p %.5f, %zu test(s), "
					      "%llu permutations\n",
					      c->name, o.permutations, o.max_exceed, ng,
					      ng ? "" : " (none)", ng ? got[0].p : 1.0, info.tests,
					      info.permutations);
				assert_int_equal(ng, nw);
				assert_int_equal(info.tests, btests);
				assert_true(info.permutations == bperms);
				for (size_t k = 0; k < ng; k++) {
					assert_int_equal(got[k].index, want[k].index);
					assert_true(got[k].p == want[k].p); /* ratios of counts */
					assert_close(got[k].q, want[k].q, 1e-9, c->name);
				}
			}
		}
	}
}

/* max_exceed 0 is today's test exactly; a clear change keeps the full test's
 * p-values with early stopping on; a null series stops far sooner */
static void test_sequential_cost(void **state)
{
	(void)state;
	struct seq_case cases[8];
	size_t nc;
	make_cases(cases, &nc);
	struct stats_changepoint_options o;
	stats_changepoint_options_init(&o);
	assert_int_equal(o.max_exceed, 0);
	/* explicit defaults and NULL agree to the bit, on every case */
	for (size_t ci = 0; ci < nc; ci++) {
		const size_t *counts = cases[ci].counts[0] ? cases[ci].counts : NULL;
		struct result a = find(cases[ci].v, counts, cases[ci].np, cases[ci].ns, NULL);
		struct result b = find(cases[ci].v, counts, cases[ci].np, cases[ci].ns, &o);
		assert_int_equal(a.n, b.n);
		assert_memory_equal(a.cp, b.cp, a.n * sizeof a.cp[0]);
	}

	/* the clear 20% step: no permutation reaches it, so every p is 1/(1+B) */
	o.permutations = 9999;
	size_t ws = stats_changepoint_workspace_size(40, 40);
	void *work = malloc(ws);
	struct stats_changepoint full[MAXCP], seq[MAXCP];
	struct stats_changepoint_info fi, si;
	size_t nf, nsq;
	assert_int_equal(stats_find_changepoints_info(&fi, full, &nf, MAXCP, cases[0].v, NULL, 40,
						      40, &o, work, ws),
			 STATS_OK);
	o.max_exceed = 10;
	assert_int_equal(stats_find_changepoints_info(&si, seq, &nsq, MAXCP, cases[0].v, NULL, 40,
						      40, &o, work, ws),
			 STATS_OK);
	free(work);
	assert_true(nf >= 1);
	assert_int_equal(nf, nsq);
	assert_memory_equal(full, seq, nf * sizeof full[0]);
	assert_true(full[0].p == 1.0 / 10000.0);
	/* the changes' tests ran in full; only the last, failing test stopped sooner */
	assert_int_equal(si.tests, fi.tests);
	assert_true(si.permutations > 9999ULL * nf && si.permutations < fi.permutations);

	/* 200 flat series of 60 points, 9999 permutations at alpha 0.01: the full
	 * test stops only once 100 permutations exceed; h = 10 after 10 */
	unsigned long long pfull = 0, pseq = 0;
	int alarms_full = 0, alarms_seq = 0;
	ws = stats_changepoint_workspace_size(60, 60);
	work = malloc(ws);
	for (uint64_t seed = 1; seed <= 200; seed++) {
		struct trng rng = {seed * 4099};
		double v[60];
		series(v, 60, 0.03, &rng, NULL, NULL, 0);
		struct stats_changepoint cp[MAXCP];
		size_t n;
		o.max_exceed = 0;
		assert_int_equal(stats_find_changepoints_info(&fi, cp, &n, MAXCP, v, NULL, 60, 60, &o,
							      work, ws),
				 STATS_OK);
		pfull += fi.permutations;
		alarms_full += n > 0;
		o.max_exceed = 10;
		assert_int_equal(stats_find_changepoints_info(&si, cp, &n, MAXCP, v, NULL, 60, 60, &o,
							      work, ws),
				 STATS_OK);
		pseq += si.permutations;
		alarms_seq += n > 0;
	}
	free(work);
	print_message("200 flat series, 9999 permutations: %.1f permutations per series "
		      "(full test: %.1f), false alarms %d (full: %d)\n",
		      (double)pseq / 200.0, (double)pfull / 200.0, alarms_seq, alarms_full);
	assert_true(pseq * 5 < pfull);
	assert_true(pseq < 200ULL * 200ULL); /* about 10 / P(exceed), P mostly far above 0.05 */
	assert_true(alarms_seq <= 8 && alarms_full <= 8); /* alpha 0.01 of 200: mean 2 */
}

static void test_invalid(void **state)
{
	(void)state;
	double v[6] = {1, 2, 3, 4, 5, 6};
	size_t counts[3] = {2, 2, 2};
	char work[4096];
	struct stats_changepoint cp[4];
	size_t n = 77;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, work, sizeof work),
			 STATS_OK);
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, NULL, 0, 0, NULL, work, sizeof work),
			 STATS_EEMPTY);
	size_t zero[3] = {2, 0, 4};
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, zero, 3, 6, NULL, work, sizeof work),
			 STATS_EEMPTY);
	size_t neg[3] = {2, (size_t)-1, 5}; /* a negative count */
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, neg, 3, 6, NULL, work, sizeof work),
			 STATS_EINVAL);
	size_t short_sum[3] = {2, 2, 1};
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, short_sum, 3, 6, NULL, work,
						 sizeof work),
			 STATS_EINVAL);
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, NULL, 5, 6, NULL, work, sizeof work),
			 STATS_EINVAL);
	v[4] = NAN;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, work, sizeof work),
			 STATS_ENONFINITE);
	v[4] = -INFINITY;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, work, sizeof work),
			 STATS_ENONFINITE);
	v[4] = 5;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, work, 16),
			 STATS_EINVAL);
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, NULL, NULL, 0),
			 STATS_EINVAL);
	struct stats_changepoint_options o;
	stats_changepoint_options_init(&o);
	o.alpha = 0.0;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, counts, 3, 6, &o, work, sizeof work),
			 STATS_EINVAL);
	assert_int_equal(n, 0); /* from the one successful call */
	/* a single point, and a constant series: nothing to find */
	assert_int_equal(stats_find_changepoints(cp, &n, 4, v, NULL, 1, 1, NULL, work, sizeof work),
			 STATS_OK);
	assert_int_equal(n, 0);
	double flat[40];
	for (int i = 0; i < 40; i++)
		flat[i] = 3.0;
	assert_int_equal(stats_find_changepoints(cp, &n, 4, flat, NULL, 40, 40, NULL, work,
						 sizeof work),
			 STATS_OK);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_history_with_samples),
		cmocka_unit_test(test_small_step),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_several_steps),
		cmocka_unit_test(test_large_and_deterministic),
		cmocka_unit_test(test_sequential_reference),
		cmocka_unit_test(test_sequential_cost),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
