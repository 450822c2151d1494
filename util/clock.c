/* The clocks (clock.h). */
#include "util/clock.h"

#include <limits.h>

/* CLOCK_MONOTONIC and CLOCK_REALTIME cannot fail with a valid pointer. */
static int64_t read_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t now_mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

int64_t now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / NS_PER_MS;
}

int64_t now_real_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

int timeout_ms_until(int64_t deadline_ns, int64_t now_ns)
{
	int64_t left;

	if (deadline_ns < 0)
		return -1;
	if (deadline_ns <= now_ns)
		return 0;
	left = deadline_ns - now_ns;
	left = left / NS_PER_MS + (left % NS_PER_MS != 0);
	return left > INT_MAX ? INT_MAX : (int)left;
}

void timespec_real_after(struct timespec *out, int64_t ms)
{
	clock_gettime(CLOCK_REALTIME, out);
	if (ms <= 0)
		return;
	out->tv_sec += (time_t)(ms / 1000);
	out->tv_nsec += (long)(ms % 1000 * NS_PER_MS);
	if (out->tv_nsec >= NS_PER_S) {
		out->tv_sec++;
		out->tv_nsec -= NS_PER_S;
	}
}
