/*
 * The clocks, in one place.
 *
 * Two kinds of time, never mixed:
 *  - monotonic (CLOCK_MONOTONIC): intervals, timeouts and deadlines. It never
 *    jumps when the wall clock is set, and starts at an arbitrary point, so
 *    its values mean nothing outside this boot.
 *  - real (CLOCK_REALTIME): moments people read and the store records
 *    (created, started, finished, file times): nanoseconds since the Unix
 *    epoch, UTC.
 * All values are int64_t: nanoseconds reach the year 2262, milliseconds far
 * beyond. A deadline is a monotonic time in nanoseconds, -1 meaning none.
 */
#ifndef BENCHFS_UTIL_CLOCK_H
#define BENCHFS_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)

/* Monotonic time in nanoseconds, and in whole milliseconds. */
int64_t now_mono_ns(void);
int64_t now_mono_ms(void);

/* Real time: nanoseconds since the Unix epoch (what the store records). */
int64_t now_real_ns(void);

/* The poll(2) timeout until deadline_ns (monotonic), now being now_ns: -1
 * when deadline_ns is negative (no deadline), 0 once it has passed, else
 * the milliseconds left rounded up (a poll never returns just before the
 * deadline only to spin), at most INT_MAX. */
int timeout_ms_until(int64_t deadline_ns, int64_t now_ns);

/* The real-time moment ms milliseconds from now, as the absolute timeout
 * pthread_cond_timedwait() takes with a default condition variable. */
void timespec_real_after(struct timespec *out, int64_t ms);

#endif
