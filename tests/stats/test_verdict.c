/* The three-way verdict (stats_verdicts) by its rule, and the error rates of
 * the whole procedure an A/B job follows, by simulation: pairs added by
 * doubling from 10 to 320, at each look stats_paired_analyse at 1 - the
 * look's level and stats_verdicts over the job's benchmarks, a benchmark
 * stopped once decided. Deterministic (stats/rng.c's generator, fixed seeds). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats/internal.h"
#include "stats/paired.h"
#include "stats/sequential.h"
#include "stats/verdict.h"
#include "tests/stats/check.h"

/* --- the rule --------------------------------------------------------------------- */

static struct stats_verdict_input input(double change, double lo, double hi, double p,
					double level)
{
	return (struct stats_verdict_input){.testable = true, .estimate = log1p(change),
					    .lo = log1p(lo), .hi = log1p(hi), .p = p,
					    .level = level, .threshold = 0.02};
}

static void test_rule(void **state)
{
	(void)state;
	struct stats_verdict_input in[8];
	struct stats_verdict_output out[8];
	size_t order[8];
	double work[8];

	in[0] = input(0.10, 0.05, 0.15, 0.001, 0.01);    /* slower */
	in[1] = input(-0.10, -0.15, -0.05, 0.001, 0.01); /* faster */
	in[2] = input(0.001, -0.01, 0.015, 0.6, 0.01);   /* unchanged */
	in[3] = input(0.05, -0.01, 0.11, 0.2, 0.01);     /* undecided: p too large */
	in[4] = input(0.015, 0.005, 0.025, 0.001, 0.01); /* significant, below the threshold */
	in[5] = input(0.03, 0.01, 0.05, 0.001, 0.01);    /* significant, above it, not unchanged */
	in[6] = input(0.10, 0.05, 0.15, 0.001, 0.01);
	in[6].testable = false;                          /* no analysis: undecided */
	in[6].p = NAN;                                   /* and not even looked at */
	in[7] = input(0.0, -0.019, 0.019, 1.0, 0.01);    /* unchanged, near the edges */
	assert_int_equal(stats_verdicts(out, in, 8, 0.01, order, work), STATS_OK);
	const enum stats_verdict want[8] = {STATS_SLOWER,    STATS_FASTER,    STATS_UNCHANGED,
					    STATS_UNDECIDED, STATS_UNDECIDED, STATS_SLOWER,
					    STATS_UNDECIDED, STATS_UNCHANGED};
	for (int i = 0; i < 8; i++)
		if (out[i].verdict != want[i])
			fail_msg("benchmark %d: %s, want %s", i, stats_verdict_name(out[i].verdict),
				 stats_verdict_name(want[i]));
	assert_true(isnan(out[6].p_seq) && isnan(out[6].q));
	/* BH over the 7 testable ones: p sorted 0.001 x4, 0.2, 0.6, 1.0 */
	assert_close(out[0].q, 0.001 * 7 / 4, 1e-14, "q of the smallest p");
	assert_close(out[3].q, 0.2 * 7 / 5, 1e-14, "q of p = 0.2");
	assert_close(out[7].q, 1.0, 1e-14, "q of p = 1");
	assert_true(out[0].p_seq == 0.001);

	/* a sequential look: p_seq = p alpha / level, so p = 0.0004 at level
	 * 0.0003125 is p_seq = 0.0128 > alpha: not slower */
	in[0] = input(0.10, 0.05, 0.15, 0.0004, 0.0003125);
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_OK);
	assert_close(out[0].p_seq, 0.0128, 1e-14, "p_seq");
	assert_int_equal(out[0].verdict, STATS_UNDECIDED);
	in[0].p = 0.0003;
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_OK);
	assert_int_equal(out[0].verdict, STATS_SLOWER);
	in[0].p = 0.5; /* p_seq capped at 1 */
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_OK);
	assert_true(out[0].p_seq == 1.0 && out[0].q == 1.0);

	/* many benchmarks: p = 0.005 alone is slower, among 10 with p = 0.5 it is not */
	for (int i = 0; i < 8; i++)
		in[i] = input(0.001, -0.03, 0.04, 0.5, 0.01);
	in[0] = input(0.10, 0.05, 0.15, 0.005, 0.01);
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_OK);
	assert_int_equal(out[0].verdict, STATS_SLOWER);
	assert_int_equal(stats_verdicts(out, in, 8, 0.01, order, work), STATS_OK);
	assert_int_equal(out[0].verdict, STATS_UNDECIDED);
	assert_close(out[0].q, 0.04, 1e-14, "q among 8");
	for (int i = 1; i < 8; i++) /* interval wider than the threshold: undecided */
		assert_int_equal(out[i].verdict, STATS_UNDECIDED);

	/* threshold 0: never unchanged unless the interval is the point 0 */
	in[0] = input(0.001, -0.001, 0.002, 0.7, 0.01);
	in[0].threshold = 0.0;
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_OK);
	assert_int_equal(out[0].verdict, STATS_UNDECIDED);
	in[0] = input(0.0, 0.0, 0.0, 1.0, 0.01);
	in[0].threshold = 0.0;
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_OK);
	assert_int_equal(out[0].verdict, STATS_UNCHANGED);

	/* nothing testable: all undecided; m = 0 writes nothing */
	in[0].testable = in[1].testable = false;
	assert_int_equal(stats_verdicts(out, in, 2, 0.01, order, work), STATS_OK);
	assert_true(out[0].verdict == STATS_UNDECIDED && out[1].verdict == STATS_UNDECIDED);
	assert_int_equal(stats_verdicts(NULL, NULL, 0, 0.01, NULL, NULL), STATS_OK);

	/* invalid input is an error, and nothing is written */
	struct stats_verdict_output keep[1];
	memset(keep, 0x5a, sizeof keep);
	memcpy(out, keep, sizeof keep);
	in[0] = input(0.1, 0.05, 0.15, 0.001, 0.01);
	in[0].level = 0.02; /* above alpha */
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_EINVAL);
	assert_memory_equal(out, keep, sizeof keep);
	in[0].level = 0.01;
	in[0].p = 1.5;
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_EINVAL);
	in[0].p = NAN;
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_ENONFINITE);
	in[0].p = 0.001;
	in[0].lo = 0.2; /* interval not around the estimate */
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_EINVAL);
	in[0] = input(0.1, 0.05, 0.15, 0.001, 0.01);
	in[0].threshold = -0.01;
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_EINVAL);
	in[0].threshold = 0.02;
	assert_int_equal(stats_verdicts(out, in, 1, 1.0, order, work), STATS_EINVAL);
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, NULL, work), STATS_EINVAL);
	assert_memory_equal(out, keep, sizeof keep);
	/* an unbounded interval is allowed (no analysis bounds it), never slower */
	in[0].lo = -INFINITY;
	assert_int_equal(stats_verdicts(out, in, 1, 0.01, order, work), STATS_OK);
	assert_int_equal(out[0].verdict, STATS_UNDECIDED);
}

/* --- the procedure, simulated --------------------------------------------------------- */

#define FIRST 10
#define CAP 320
#define ALPHA 0.01
#define M_MAX 4

enum noise { NOISE_NORMAL, NOISE_BURSTS, NOISE_DRIFT, NOISE_ORDER };

struct scenario {
	const char *name;
	enum noise noise;
	double sd;         /* per iteration, of log time (the pair's log ratio: sd sqrt 2) */
	size_t m;          /* benchmarks in the job */
	size_t changed;    /* the first `changed` of them have the step */
	double step;       /* true relative change of b */
	double threshold;
	bool naive;        /* every look at alpha (what the procedure must not do) */
	size_t trials;
};

struct tally {
	/* jobs with any unchanged benchmark called slower/faster in any round */
	size_t jobs_false_alarm;
	size_t slower, faster, unchanged, undecided; /* final verdicts of the changed ones */
	size_t wrong_direction;                      /* ... called the other way in any round */
	size_t null_alarms, null_benchmarks;         /* unchanged benchmarks called either */
	size_t null_unchanged, null_undecided;       /* ... called unchanged, left undecided */
	size_t pairs, benchmarks;                    /* pairs used, for the mean cost */
	double fdp;  /* sum over the jobs of false discoveries / discoveries (final verdicts) */
};

static double uniform(struct stats__rng *r)
{
	return ((double)(stats__rng_next(r) >> 11) + 0.5) * 0x1p-53;
}

static double gauss(struct stats__rng *r)
{
	double u = uniform(r), v = uniform(r);
	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* The machine's speed over one benchmark's iterations: a slow swing of up to
 * +-15% with a random period of 200-1200 iterations plus a random walk. */
struct drift {
	double phase, period, walk;
};

static double drift_at(struct drift *d, struct stats__rng *r, size_t t)
{
	d->walk += 0.003 * gauss(r);
	return 0.15 * sin(6.283185307179586 * (double)t / d->period + d->phase) + d->walk;
}

/* One iteration's log time (besides the benchmark's scale and the step). */
static double iteration(const struct scenario *s, struct stats__rng *r)
{
	double x = s->sd * gauss(r);
	if (s->noise == NOISE_BURSTS && uniform(r) < 0.10) /* interference: +20..100% */
		x += log1p(0.2 + 0.8 * uniform(r));
	return x;
}

/* Pairs from..to of benchmark j, counterbalanced as the spawner measures
 * them: A B for the 1st, 3rd, ... pair, B A for the others. */
static void measure(const struct scenario *s, struct stats__rng *r, struct drift *d, double *a,
		    double *b, size_t from, size_t to, double step)
{
	for (size_t i = from; i < to; i++) {
		double x = iteration(s, r), y = iteration(s, r);
		double first = 0.0, second = 0.0;
		if (s->noise == NOISE_DRIFT) {
			first = drift_at(d, r, 2 * i);
			second = drift_at(d, r, 2 * i + 1);
		}
		if (s->noise == NOISE_ORDER) /* the second of a pair finds warm caches */
			second = log(0.97);
		double da = i % 2 ? second : first, db = i % 2 ? first : second;
		a[i] = 0.004 * exp(x + da);
		b[i] = 0.004 * (1.0 + step) * exp(y + db);
	}
}

/* Benchmark j's look k: the paired analysis at 1 - the look's level. */
static void analyse(struct stats_verdict_input *in, const struct scenario *s,
		    const struct stats_sequential *seq, size_t k, const double *a, const double *b,
		    double *scratch, size_t len)
{
	double level = s->naive ? ALPHA : seq->level[k];
	struct stats_paired p;
	assert_int_equal(stats_paired_analyse(&p, a, b, seq->size[k], 1.0 - level, scratch, len),
			 STATS_OK);
	*in = (struct stats_verdict_input){.testable = true, .estimate = p.hl.estimate,
					   .lo = p.hl.lo, .hi = p.hl.hi, .p = p.wilcoxon.p,
					   .level = level, .threshold = s->threshold};
}

static void simulate(const struct scenario *s, uint64_t seed, struct tally *t)
{
	struct stats_sequential seq;
	assert_int_equal(stats_sequential_init(&seq, FIRST, CAP, ALPHA), STATS_OK);
	size_t len = stats_paired_scratch_len(CAP);
	double *scratch = malloc(len * sizeof *scratch);
	double(*a)[CAP] = malloc(M_MAX * sizeof *a), (*b)[CAP] = malloc(M_MAX * sizeof *b);
	assert_true(scratch && a && b && s->m <= M_MAX);
	struct stats__rng r;
	stats__rng_seed(&r, seed);
	memset(t, 0, sizeof *t);
	for (size_t trial = 0; trial < s->trials; trial++) {
		/* As the runner's add_pairs: every benchmark's first round, then
		 * rounds of stats_verdicts over all of them (a benchmark that got no
		 * pairs keeps its analysis), another look for each one still
		 * undecided while its design has one; the verdicts are the last. */
		struct stats_verdict_input in[M_MAX];
		struct stats_verdict_output out[M_MAX];
		size_t look[M_MAX], order[M_MAX];
		double work[M_MAX];
		struct drift dr[M_MAX];
		for (size_t j = 0; j < s->m; j++) {
			dr[j] = (struct drift){.phase = 6.283185307179586 * uniform(&r),
					       .period = 200.0 + 1000.0 * uniform(&r)};
			look[j] = 0;
		}
		for (size_t j = 0, k = 0; j < s->m; j++) {
			double step = j < s->changed ? s->step : 0.0;
			measure(s, &r, &dr[j], a[j], b[j], 0, seq.size[k], step);
			analyse(&in[j], s, &seq, k, a[j], b[j], scratch, len);
		}
		bool ever_wrong[M_MAX] = {false}; /* in any round, not only the last */
		for (;;) {
			assert_int_equal(stats_verdicts(out, in, s->m, ALPHA, order, work), STATS_OK);
			for (size_t j = 0; j < s->m; j++) {
				double step = j < s->changed ? s->step : 0.0;
				ever_wrong[j] |= (out[j].verdict == STATS_SLOWER && step <= 0.0) ||
						 (out[j].verdict == STATS_FASTER && step >= 0.0);
			}
			bool more = false;
			for (size_t j = 0; j < s->m; j++) {
				size_t k = look[j];
				if (out[j].verdict != STATS_UNDECIDED || k + 1 == seq.looks)
					continue;
				double step = j < s->changed ? s->step : 0.0;
				measure(s, &r, &dr[j], a[j], b[j], seq.size[k], seq.size[k + 1], step);
				look[j] = ++k;
				analyse(&in[j], s, &seq, k, a[j], b[j], scratch, len);
				more = true;
			}
			if (!more)
				break;
		}
		enum stats_verdict final[M_MAX];
		size_t used[M_MAX];
		for (size_t j = 0; j < s->m; j++) {
			final[j] = out[j].verdict;
			used[j] = seq.size[look[j]];
		}
		bool alarm = false;
		for (size_t j = 0; j < s->m; j++) {
			t->pairs += used[j];
			t->benchmarks++;
			if (j < s->changed) {
				t->slower += final[j] == STATS_SLOWER;
				t->faster += final[j] == STATS_FASTER;
				t->unchanged += final[j] == STATS_UNCHANGED;
				t->undecided += final[j] == STATS_UNDECIDED;
				t->wrong_direction += ever_wrong[j];
			} else {
				t->null_benchmarks++;
				t->null_alarms += ever_wrong[j];
				t->null_unchanged += final[j] == STATS_UNCHANGED;
				t->null_undecided += final[j] == STATS_UNDECIDED;
				alarm = alarm || ever_wrong[j];
			}
		}
		t->jobs_false_alarm += alarm;
		size_t found = 0, false_found = 0;
		for (size_t j = 0; j < s->m; j++) {
			bool called = final[j] == STATS_SLOWER || final[j] == STATS_FASTER;
			found += called;
			false_found += called && j >= s->changed;
		}
		if (found)
			t->fdp += (double)false_found / (double)found;
	}
	free(scratch);
	free(a);
	free(b);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Under ASan or without optimisation the analysis is several times slower:
 * fewer trials there keep each test near 10 s (the bounds below scale). */
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
#define TRIAL_SCALE 4
#else
#define TRIAL_SCALE 1
#endif
/* More trials for tighter figures (stats/README.md's were taken with 10):
 *   cc -O2 -D_GNU_SOURCE -DTRIAL_MULT=10 -Istats tests/stats/test_verdict.c stats/[a-z]*.c \
 *      -lcmocka -lm */
#ifndef TRIAL_MULT
#define TRIAL_MULT 1
#endif
/* The naive looks keep their 1000 jobs: fewer would not show the inflation
 * beyond doubt. */
#define TRIALS(s) ((s)->trials * TRIAL_MULT / ((s)->naive ? 1 : TRIAL_SCALE))

static void run(const struct scenario *s, uint64_t seed, struct tally *t)
{
	struct scenario sc = *s;
	sc.trials = TRIALS(s);
	double t0 = now();
	simulate(&sc, seed, t);
	print_message("%-28s %5zu jobs x %zu: jobs with a false alarm %3zu (%.2f%%); null "
		      "benchmarks %zu: called slower/faster %zu, unchanged %zu, undecided %zu; "
		      "changed %zu: slower %zu, faster %zu, unchanged %zu, undecided %zu, ever the "
		      "wrong way %zu; false discovery rate %.2f%%; mean pairs %.1f; %.1f s\n",
		      s->name, sc.trials, s->m, t->jobs_false_alarm,
		      100.0 * (double)t->jobs_false_alarm / (double)sc.trials, t->null_benchmarks,
		      t->null_alarms, t->null_unchanged, t->null_undecided,
		      t->slower + t->faster + t->unchanged + t->undecided, t->slower, t->faster,
		      t->unchanged, t->undecided, t->wrong_direction,
		      100.0 * t->fdp / (double)sc.trials, (double)t->pairs / (double)t->benchmarks, now() - t0);
}

/* The largest count of events of probability p in n trials that is not
 * evidence against "rate <= p" at one-sided level 1e-4 (normal bound, z 3.72;
 * with the 0.5 of the discrete binomial). */
static double binomial_upper(double p, size_t n)
{
	return (double)n * p + 3.72 * sqrt((double)n * p * (1.0 - p)) + 0.5;
}

/* False alarms under the null: at most alpha of the jobs, whatever the noise. */
static void check_null(const struct scenario *s, uint64_t seed)
{
	struct tally t;
	run(s, seed, &t);
	size_t trials = TRIALS(s);
	if ((double)t.jobs_false_alarm > binomial_upper(ALPHA, trials))
		fail_msg("%s: %zu of %zu jobs with a false alarm (alpha %g)", s->name,
			 t.jobs_false_alarm, trials, ALPHA);
}

static void test_null_normal(void **state)
{
	(void)state;
	/* threshold 0: the bare test decides alone, so its level shows */
	const struct scenario s = {"null, normal, threshold 0", NOISE_NORMAL, 0.05, 4, 0, 0.0,
				   0.0, false, 1500};
	check_null(&s, 1);
	const struct scenario s2 = {"null, normal, threshold 2%", NOISE_NORMAL, 0.05, 4, 0, 0.0,
				    0.02, false, 1500};
	check_null(&s2, 2);
}

static void test_null_bursts(void **state)
{
	(void)state;
	const struct scenario s = {"null, bursts, threshold 0", NOISE_BURSTS, 0.02, 4, 0, 0.0, 0.0,
				   false, 1000};
	check_null(&s, 3);
	const struct scenario s2 = {"null, bursts, threshold 2%", NOISE_BURSTS, 0.02, 4, 0, 0.0,
				    0.02, false, 1500};
	check_null(&s2, 4);
}

static void test_null_drift(void **state)
{
	(void)state;
	const struct scenario s = {"null, drift, threshold 0", NOISE_DRIFT, 0.03, 4, 0, 0.0, 0.0,
				   false, 1000};
	check_null(&s, 5);
	const struct scenario s2 = {"null, drift, threshold 2%", NOISE_DRIFT, 0.03, 4, 0, 0.0,
				    0.02, false, 1500};
	check_null(&s2, 6);
}

/* An order effect: the second command of a pair runs 3% faster. The spawner
 * alternates the order (A B, then B A), so it cancels between pairs. */
static void test_null_order(void **state)
{
	(void)state;
	const struct scenario s = {"null, order effect, thr 0", NOISE_ORDER, 0.03, 4, 0, 0.0, 0.0,
				   false, 1000};
	check_null(&s, 12);
}

/* Testing every look at alpha inflates the false alarms: the reason for the
 * spending. The first 1000 of test_null_normal's first jobs. */
static void test_naive_inflates(void **state)
{
	(void)state;
	const struct scenario s = {"null, normal, naive looks", NOISE_NORMAL, 0.05, 4, 0, 0.0,
				   0.0, true, 1000};
	struct tally t;
	run(&s, 1, &t);
	size_t trials = TRIALS(&s);
	/* clearly above alpha: beyond the bound that the procedure stays within */
	if (!((double)t.jobs_false_alarm > binomial_upper(ALPHA, trials)))
		fail_msg("naive looks: only %zu of %zu jobs with a false alarm", t.jobs_false_alarm,
			 trials);
}

/* Power on a noisy VM (log ratio sd 0.1 per pair): two of four benchmarks
 * changed, found slower within 320 pairs, never faster in any round; among
 * the benchmarks called slower or faster, the unchanged ones are at most
 * alpha (the false discovery rate). */
static void check_power(const struct scenario *s, uint64_t seed, double want)
{
	struct tally t;
	run(s, seed, &t);
	size_t changed = TRIALS(s) * s->changed;
	assert_int_equal(t.wrong_direction, 0);
	if ((double)t.slower < want * (double)changed)
		fail_msg("%s: %zu of %zu changed benchmarks slower (want %.0f%%)", s->name, t.slower,
			 changed, 100.0 * want);
	/* BH holds the false discovery rate (the mean share of false ones among
	 * the benchmarks called slower/faster) at alpha: each job's share is in
	 * [0, 1] with mean <= alpha, so its variance is <= alpha */
	double jobs = (double)TRIALS(s);
	if (t.fdp / jobs > ALPHA + 3.72 * sqrt(ALPHA / jobs))
		fail_msg("%s: false discovery rate %g", s->name, t.fdp / jobs);
}

static void test_power(void **state)
{
	(void)state;
	const struct scenario s10 = {"+10%, normal, pair sd 0.1", NOISE_NORMAL, 0.0707, 4, 2,
				     0.10, 0.02, false, 1000};
	check_power(&s10, 7, 0.99);
	const struct scenario s5 = {"+5%, normal, pair sd 0.1", NOISE_NORMAL, 0.0707, 4, 2, 0.05,
				    0.02, false, 1000};
	check_power(&s5, 8, 0.90);
	const struct scenario b5 = {"+5%, bursts", NOISE_BURSTS, 0.02, 4, 2, 0.05, 0.02, false,
				    600};
	check_power(&b5, 9, 0.90);
	const struct scenario d5 = {"+5%, drift", NOISE_DRIFT, 0.05, 4, 2, 0.05, 0.02, false,
				    600};
	check_power(&d5, 10, 0.90);
	/* an improvement is never slower */
	const struct scenario f5 = {"-5%, normal, pair sd 0.1", NOISE_NORMAL, 0.0707, 4, 2,
				    -1.0 / 21.0, 0.02, false, 400};
	struct tally t;
	run(&f5, 11, &t);
	assert_int_equal(t.wrong_direction, 0);
	assert_true((double)t.faster >= 0.90 * (double)(TRIALS(&f5) * f5.changed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),           cmocka_unit_test(test_null_normal),
		cmocka_unit_test(test_null_bursts),    cmocka_unit_test(test_null_drift),
		cmocka_unit_test(test_null_order),     cmocka_unit_test(test_naive_inflates),
		cmocka_unit_test(test_power),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
