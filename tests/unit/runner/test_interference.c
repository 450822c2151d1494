/* Unit tests for runner/interference.h: parsing /proc/stat and /proc/loadavg
 * text, and the arithmetic over measured spans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "runner/interference.h"

#define EPS 1e-12

/* cmocka 1.1's assert_float_equal compares as float: this one as double. */
#define assert_near(a, b, eps) assert_near_((a), (b), (eps), #a, #b)
static void assert_near_(double a, double b, double eps, const char *an, const char *bn)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("%s = %.17g, %s = %.17g: more than %g apart", an, a, bn, b, eps);
}

/* USER_HZ, as interference_add converts ticks with it. */
static double hz(void)
{
	return (double)sysconf(_SC_CLK_TCK);
}

/* A snapshot at wall time t (seconds) with busy, steal and idle seconds. */
static struct interference_snapshot snap(double t, double busy_s, double steal_s, double idle_s,
					 double load1)
{
	struct interference_snapshot s = {0};
	s.wall_ns = (int64_t)llround(t * 1e9);
	s.busy_ticks = llround(busy_s * hz());
	s.steal_ticks = llround(steal_s * hz());
	s.total_ticks = s.busy_ticks + llround(idle_s * hz());
	s.load1 = load1;
	return s;
}

/* ---- parsing ---- */

static void test_parse_stat_fields(void **state)
{
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	static const char text[] = "cpu  20517 2278 14653 108363 469 11 224 35 700 50\n"
				   "cpu0 9806 1318 6933 55088 42 0 75 0 0 0\n"
				   "intr 123 4 5\n";
	struct interference_snapshot s = {0};
	(void)state;
	assert_int_equal(interference_parse_stat(&s, text), 0);
	/* Guest time is inside user already: not added again. */
	assert_int_equal(s.busy_ticks, 20517 + 2278 + 14653 + 11 + 224 + 35);
	assert_int_equal(s.steal_ticks, 35);
	assert_int_equal(s.total_ticks, 20517 + 2278 + 14653 + 11 + 224 + 35 + 108363 + 469);
}

static void test_parse_stat_short_and_end_of_text(void **state)
{
	struct interference_snapshot s = {0};
	(void)state;
	/* An old kernel: no steal and no guest fields. */
	assert_int_equal(interference_parse_stat(&s, "cpu 10 20 30 40 5 6 7\n"), 0);
	assert_int_equal(s.busy_ticks, 10 + 20 + 30 + 6 + 7);
	assert_int_equal(s.steal_ticks, 0);
	assert_int_equal(s.total_ticks, 10 + 20 + 30 + 6 + 7 + 40 + 5);
	/* The four oldest fields, no newline. */
	assert_int_equal(interference_parse_stat(&s, "cpu 1 2 3 4"), 0);
	assert_int_equal(s.busy_ticks, 6);
	assert_int_equal(s.total_ticks, 10);
	/* Counters beyond 32 bits. */
	assert_int_equal(interference_parse_stat(&s, "cpu 5000000000 0 0 7000000000 0 0 0 1\n"), 0);
	assert_int_equal(s.busy_ticks, 5000000001LL);
	assert_int_equal(s.total_ticks, 12000000001LL);
}

static void test_parse_stat_refuses(void **state)
{
	static const char *const bad[] = {
		"",
		"cpu0 1 2 3 4 5 6 7 8\n",   /* one CPU, not the sum */
		"intr 1 2 3 4\n",
		"cpu 1 2 3\n",              /* too few fields */
		"cpu 1 2 x 4 5 6 7 8\n",    /* not a number */
		"cpu 1 -2 3 4 5 6 7 8\n",   /* negative */
		"cpu 1 2 3 99999999999999999999 5\n", /* out of range */
	};
	struct interference_snapshot s = {.busy_ticks = 77, .steal_ticks = 78, .total_ticks = 79};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(interference_parse_stat(&s, bad[i]), -EINVAL);
	/* Untouched on failure. */
	assert_int_equal(s.busy_ticks, 77);
	assert_int_equal(s.steal_ticks, 78);
	assert_int_equal(s.total_ticks, 79);
}

static void test_parse_loadavg(void **state)
{
	double load = -1;
	(void)state;
	assert_int_equal(interference_parse_loadavg(&load, "1.92 1.31 0.60 1/90 18705\n"), 0);
	assert_near(load, 1.92, EPS);
	assert_int_equal(interference_parse_loadavg(&load, "0.00 0.01 0.05 1/1 1"), 0);
	assert_near(load, 0.0, EPS);
	assert_int_equal(interference_parse_loadavg(&load, "12.5\n"), 0);
	assert_near(load, 12.5, EPS);
	load = 3;
	assert_int_equal(interference_parse_loadavg(&load, ""), -EINVAL);
	assert_int_equal(interference_parse_loadavg(&load, "abc 1 2"), -EINVAL);
	assert_int_equal(interference_parse_loadavg(&load, "-1.0 1 2"), -EINVAL);
	assert_int_equal(interference_parse_loadavg(&load, "1.5x 1 2"), -EINVAL);
	assert_int_equal(interference_parse_loadavg(&load, "nan 1 2"), -EINVAL);
	assert_near(load, 3, EPS);
}

/* The real files parse, and the counters move forwards. */
static void test_snapshot_reads_proc(void **state)
{
	struct interference_snapshot a, b;
	(void)state;
	assert_int_equal(interference_snapshot(&a), 0);
	assert_true(a.total_ticks > 0);
	assert_true(a.busy_ticks <= a.total_ticks);
	assert_true(a.steal_ticks <= a.busy_ticks);
	assert_true(a.load1 >= 0);
	usleep(20000);
	assert_int_equal(interference_snapshot(&b), 0);
	assert_true(b.wall_ns >= a.wall_ns + 20000000);
	assert_true(b.total_ticks >= a.total_ticks);
	assert_true(b.busy_ticks >= a.busy_ticks);
}

/* ---- arithmetic ---- */

static void test_one_span(void **state)
{
	struct interference acc = {0};
	/* 2 s of wall time; the machine was busy 3 s (0.2 s of it stolen),
	 * idle 1 s; the benchmark itself used 1.5 s. */
	struct interference_snapshot a = snap(100, 50, 1, 400, 0.5);
	struct interference_snapshot b = snap(102, 53, 1.2, 401, 1.75);
	(void)state;
	interference_add(&acc, &a, &b, 1.5);
	assert_int_equal(acc.spans, 1);
	assert_near(acc.wall_s, 2, 1e-9);
	assert_near(acc.busy_s, 3, 1e-9);
	assert_near(acc.steal_s, 0.2, 1e-9);
	assert_near(acc.total_s, 4, 1e-9);
	assert_near(acc.own_cpu_s, 1.5, EPS);
	assert_near(interference_other_cpus(&acc), (3 - 1.5) / 2, 1e-9);
	assert_near(interference_steal(&acc), 0.2 / 4, 1e-9);
	assert_near(acc.load_start, 0.5, EPS);
	assert_near(acc.load_end, 1.75, EPS);
	assert_true(interference_heavy(&acc)); /* 0.75 CPUs */
}

static void test_other_cpus_floored_at_zero(void **state)
{
	struct interference acc = {0};
	/* rusage and /proc/stat tick differently: the benchmark's own time can
	 * exceed what /proc/stat counted. */
	struct interference_snapshot a = snap(0, 10, 0, 10, 0.1);
	struct interference_snapshot b = snap(1, 10.9, 0, 10.1, 0.1);
	(void)state;
	interference_add(&acc, &a, &b, 1.0);
	assert_near(interference_other_cpus(&acc), 0, EPS);
	assert_near(interference_steal(&acc), 0, EPS);
	assert_false(interference_heavy(&acc));
}

static void test_heavy_threshold(void **state)
{
	struct interference below = {0}, at = {0};
	/* 10 s: others used 4.9 s (0.49 CPUs), then 5.0 s (0.5 CPUs). */
	struct interference_snapshot a = snap(0, 0, 0, 0, 0);
	struct interference_snapshot b1 = snap(10, 14.9, 0, 5.1, 0);
	struct interference_snapshot b2 = snap(10, 15, 0, 5, 0);
	(void)state;
	interference_add(&below, &a, &b1, 10);
	interference_add(&at, &a, &b2, 10);
	assert_near(interference_other_cpus(&below), 0.49, 1e-9);
	assert_false(interference_heavy(&below));
	assert_near(interference_other_cpus(&at), INTERFERENCE_HEAVY_CPUS, 1e-9);
	assert_true(interference_heavy(&at));
}

static void test_spans_accumulate(void **state)
{
	struct interference acc = {0};
	/* Round 1: 1 s, busy 1.2 s, own 1.0 s, steal 0.1 s, idle 0.8 s.
	 * Round 2 (later, after a gap the sums must not include): 3 s, busy
	 * 4.0 s, own 1.0 s, steal 0.3 s, idle 2.0 s. */
	struct interference_snapshot a1 = snap(10, 100, 5, 200, 0.25);
	struct interference_snapshot b1 = snap(11, 101.2, 5.1, 200.8, 0.5);
	struct interference_snapshot a2 = snap(50, 180, 9, 260, 2.0);
	struct interference_snapshot b2 = snap(53, 184, 9.3, 262, 3.0);
	(void)state;
	interference_add(&acc, &a1, &b1, 1.0);
	interference_add(&acc, &a2, &b2, 1.0);
	assert_int_equal(acc.spans, 2);
	assert_near(acc.wall_s, 4, 1e-9);
	assert_near(acc.busy_s, 5.2, 1e-9);
	assert_near(acc.own_cpu_s, 2.0, EPS);
	assert_near(acc.steal_s, 0.4, 1e-9);
	assert_near(acc.total_s, 1.2 + 0.8 + 4.0 + 2.0, 1e-9);
	/* Time-weighted over the spans, not a mean of per-span figures
	 * ((0.2 + 1.0) / 2 = 0.6 would be). */
	assert_near(interference_other_cpus(&acc), (5.2 - 2.0) / 4, 1e-9);
	assert_near(interference_steal(&acc), 0.4 / 8, 1e-9);
	/* Load at the first span's start and the last span's end. */
	assert_near(acc.load_start, 0.25, EPS);
	assert_near(acc.load_end, 3.0, EPS);
	assert_true(interference_heavy(&acc)); /* 0.8 CPUs */
}

static void test_nothing_recorded(void **state)
{
	struct interference acc = {0};
	struct interference_snapshot a = snap(5, 10, 1, 10, 1);
	(void)state;
	assert_near(interference_other_cpus(&acc), 0, EPS);
	assert_near(interference_steal(&acc), 0, EPS);
	assert_false(interference_heavy(&acc));
	/* A span of no time adds nothing to divide by. */
	interference_add(&acc, &a, &a, 0);
	assert_int_equal(acc.spans, 1);
	assert_near(interference_other_cpus(&acc), 0, EPS);
	assert_near(interference_steal(&acc), 0, EPS);
	assert_false(interference_heavy(&acc));
}

/* Snapshots handed over in the wrong order add no negative time. */
static void test_backwards_span_adds_nothing(void **state)
{
	struct interference acc = {0};
	struct interference_snapshot a = snap(1, 10, 1, 10, 1);
	struct interference_snapshot b = snap(2, 11, 1.5, 10, 1);
	(void)state;
	interference_add(&acc, &b, &a, 0);
	assert_near(acc.wall_s, 0, EPS);
	assert_near(acc.busy_s, 0, EPS);
	assert_near(acc.steal_s, 0, EPS);
	assert_near(acc.total_s, 0, EPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat_fields),
		cmocka_unit_test(test_parse_stat_short_and_end_of_text),
		cmocka_unit_test(test_parse_stat_refuses),
		cmocka_unit_test(test_parse_loadavg),
		cmocka_unit_test(test_snapshot_reads_proc),
		cmocka_unit_test(test_one_span),
		cmocka_unit_test(test_other_cpus_floored_at_zero),
		cmocka_unit_test(test_heavy_threshold),
		cmocka_unit_test(test_spans_accumulate),
		cmocka_unit_test(test_nothing_recorded),
		cmocka_unit_test(test_backwards_span_adds_nothing),
	};
	return cmocka_run_group_tests_name("interference", tests, NULL, NULL);
}
