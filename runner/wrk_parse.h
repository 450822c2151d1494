/* wrk's report (Debian's wrk 4.x) turned into numbers: a pure function of
 * the text, so the runner can parse an iteration's output when it records
 * the iteration. */
#ifndef BENCHFS_RUNNER_WRK_PARSE_H
#define BENCHFS_RUNNER_WRK_PARSE_H

#include <stddef.h>

struct wrk_report {
	double requests;                 /* "Requests/sec:", req/s */
	double p50, p90, p99;            /* "Latency Distribution" (wrk --latency), seconds */
	double errors;                   /* socket errors (connect, read, write, timeout)
					  * plus "Non-2xx or 3xx responses" */
};

/* Parses the report in text[0 .. len): 0, or -EINVAL with a one-line reason
 * in why (no "Requests/sec:" line, no latency distribution because wrk ran
 * without --latency, a number that does not read). */
int wrk_parse(struct wrk_report *out, const char *text, size_t len, char *why, size_t whysize);

#endif
