/* util/clock: the two clocks, poll timeouts, condition-variable deadlines. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "util/clock.h"

static void nap_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void test_monotonic(void **state)
{
	int64_t prev = now_mono_ns(), t0, t1, ms0, ms1;
	(void)state;
	for (int i = 0; i < 100000; i++) {
		int64_t now = now_mono_ns();
		assert_true(now >= prev);
		prev = now;
	}
	t0 = now_mono_ns();
	ms0 = now_mono_ms();
	nap_ms(30);
	ms1 = now_mono_ms();
	t1 = now_mono_ns();
	assert_true(t1 - t0 >= 30 * NS_PER_MS);
	assert_true(ms1 - ms0 >= 29);
	/* the same clock in two units */
	assert_true(ms0 >= t0 / NS_PER_MS && ms0 <= t1 / NS_PER_MS);
}

static void test_real_is_unix_ns(void **state)
{
	int64_t ns;
	time_t before, after;
	(void)state;
	before = time(NULL);
	ns = now_real_ns();
	after = time(NULL);
	/* time() reads a coarse clock, a tick behind at most */
	assert_true(ns / NS_PER_S >= (int64_t)before && ns / NS_PER_S <= (int64_t)after + 1);
	/* after 2020-01-01: seconds, not some other epoch or unit */
	assert_true(ns > INT64_C(1577836800) * NS_PER_S);
}

static void test_timeout_ms_until(void **state)
{
	int64_t now = INT64_C(5000) * NS_PER_S;
	(void)state;
	assert_int_equal(timeout_ms_until(-1, now), -1);
	assert_int_equal(timeout_ms_until(INT64_MIN, now), -1);
	assert_int_equal(timeout_ms_until(now, now), 0);
	assert_int_equal(timeout_ms_until(now - 1, now), 0);
	assert_int_equal(timeout_ms_until(0, now), 0);
	/* rounded up: a poll never wakes just before the deadline */
	assert_int_equal(timeout_ms_until(now + 1, now), 1);
	assert_int_equal(timeout_ms_until(now + NS_PER_MS, now), 1);
	assert_int_equal(timeout_ms_until(now + NS_PER_MS + 1, now), 2);
	assert_int_equal(timeout_ms_until(now + 1500 * NS_PER_MS, now), 1500);
	assert_int_equal(timeout_ms_until(INT64_MAX, now), INT_MAX);
}

static void test_timespec_real_after(void **state)
{
	struct timespec at;
	int64_t before, after, t;
	(void)state;
	for (int64_t ms = -5; ms <= 2001; ms += 1)
		if (ms < 3 || ms % 97 == 0 || ms >= 1998) {
			before = now_real_ns();
			timespec_real_after(&at, ms);
			after = now_real_ns();
			assert_true(at.tv_nsec >= 0 && at.tv_nsec < NS_PER_S);
			t = (int64_t)at.tv_sec * NS_PER_S + at.tv_nsec;
			assert_true(t >= before + (ms > 0 ? ms : 0) * NS_PER_MS);
			assert_true(t <= after + (ms > 0 ? ms : 0) * NS_PER_MS);
		}
}

/* What it is for: a timed wait that ends when it says. */
static void test_cond_timedwait(void **state)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	struct timespec until;
	int64_t t0 = now_mono_ns(), rc;
	(void)state;
	pthread_mutex_lock(&lock);
	timespec_real_after(&until, 50);
	do
		rc = pthread_cond_timedwait(&cond, &lock, &until);
	while (rc == 0);
	pthread_mutex_unlock(&lock);
	assert_int_equal(rc, ETIMEDOUT);
	assert_true(now_mono_ns() - t0 >= 49 * NS_PER_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_real_is_unix_ns),
		cmocka_unit_test(test_timeout_ms_until),
		cmocka_unit_test(test_timespec_real_after),
		cmocka_unit_test(test_cond_timedwait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
