/* Private to runner/ (it works on measure's state, runner/internal_measure.h):
 * a benchmark's service and its output parser around the measurement loop.
 *
 * The service ("service" in the configuration, config/service.h) is started
 * after setup in the side's checkout, its output in debug.log under
 * "<bench> service", and the measured iterations wait until it is ready (a
 * TCP connect to 127.0.0.1:port that succeeds, or an HTTP GET answering
 * 200). Per measured iteration it gives service_cpu (user + system seconds
 * of its process group since the previous iteration ended) and
 * service_memory (the group's peak resident set so far, the sum of its
 * processes' VmHWM, bytes). It is stopped after the profiles (the
 * profiler command's iteration too), before cleanup, whatever happened:
 * SIGTERM to its group, a short grace, SIGKILL.
 *
 * "parse": "wrk" turns each measured iteration's output into requests,
 * latency_p50/p90/p99 and errors (runner/wrk_parse.h); output that does not
 * read fails the iteration (ignore_failure: logged, the iteration kept
 * without them). */
#ifndef BENCHFS_RUNNER_SERVICE_H
#define BENCHFS_RUNNER_SERVICE_H

#include <stddef.h>

#include "runner/internal_measure.h"

/* How long a service has between SIGTERM and SIGKILL. */
#define BENCH_SERVICE_GRACE_MS 2000

/* After setup: every side's service started and ready (nothing to do
 * without a service or a parser). 0, or -1 with the side failed or the job
 * cancelled (what was started is stopped by bench_service_stop). */
int bench_service_start(struct state *st);
/* The loop's output callback: keeps the measured iterations' output for the
 * parser. */
void bench_service_output(struct state *st, enum spawner_step step, int side, int iteration,
			  const char *buf, size_t len);
/* The loop's event callback, for an event that does not stop the loop: the
 * service's output logged, its usage sampled, and for a measured iteration
 * its metrics and the parser's queued. 0, or 1 when the side failed (the
 * service died, or the output did not read): the loop must stop. */
int bench_service_event(struct state *st, const struct spawner_event *ev);
/* Stops every side's service and frees what bench_service_start kept;
 * harmless when nothing was started, and when called again. */
void bench_service_stop(struct state *st);

#endif
