/* wrk's report (wrk_parse.h). wrk prints, among other lines:
 *
 *   Latency Distribution
 *      50%   43.00us
 *      90%    1.24ms
 *      99%    4.03ms
 *   25882 requests in 1.01s, 1.65MB read
 *   Socket errors: connect 0, read 11833, write 0, timeout 0
 *   Non-2xx or 3xx responses: 723
 *   Requests/sec:  25554.75
 *
 * Times carry wrk's units (us, ms, s, m, h); the rest is plain numbers. A
 * Lua script may print more lines: only these are read, each at the start
 * of a line (after blanks). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/wrk_parse.h"

/* A time such as "43.00us" or "1.24ms", in seconds; false when it does not read. */
static bool read_time(double *out, const char *s)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
	};
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].unit);
		if (strncmp(end, units[i].unit, n) == 0 &&
		    (end[n] == '\0' || end[n] == ' ' || end[n] == '\t' || end[n] == '\r')) {
			*out = v * units[i].scale;
			return true;
		}
	}
	return false;
}

static bool read_count(double *out, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !isfinite(v) || v < 0)
		return false;
	*out = v;
	return true;
}

static bool starts(const char **rest, const char *line, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(line, prefix, n))
		return false;
	*rest = line + n;
	return true;
}

/* "connect 0, read 11833, write 0, timeout 0": their sum. */
static bool read_socket_errors(double *out, const char *s)
{
	static const char *const names[] = { "connect", "read", "write", "timeout" };
	double sum = 0;

	for (size_t i = 0; i < 4; i++) {
		const char *at = strstr(s, names[i]);
		double v;
		if (!at || !read_count(&v, at + strlen(names[i])))
			return false;
		sum += v;
	}
	*out = sum;
	return true;
}

int wrk_parse(struct wrk_report *out, const char *text, size_t len, char *why, size_t whysize)
{
	struct wrk_report r = { 0 };
	bool requests = false, p50 = false, p90 = false, p99 = false;
	char line[512];
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos), *s, *rest;
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		double v;

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
			 text + pos);
		pos += n + 1;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (starts(&rest, s, "Requests/sec:")) {
			if (!read_count(&r.requests, rest)) {
				snprintf(why, whysize, "wrk: cannot read \"%.60s\"", s);
				return -EINVAL;
			}
			requests = true;
		} else if (starts(&rest, s, "Socket errors:")) {
			if (!read_socket_errors(&v, rest)) {
				snprintf(why, whysize, "wrk: cannot read \"%.80s\"", s);
				return -EINVAL;
			}
			r.errors += v;
		} else if (starts(&rest, s, "Non-2xx or 3xx responses:")) {
			if (!read_count(&v, rest)) {
				snprintf(why, whysize, "wrk: cannot read \"%.80s\"", s);
				return -EINVAL;
			}
			r.errors += v;
		} else if (starts(&rest, s, "50%") || starts(&rest, s, "90%") ||
			   starts(&rest, s, "99%")) {
			double *dst = s[0] == '5' ? &r.p50 : s[1] == '0' ? &r.p90 : &r.p99;
			bool *seen = s[0] == '5' ? &p50 : s[1] == '0' ? &p90 : &p99;
			if (!read_time(dst, rest)) {
				snprintf(why, whysize, "wrk: cannot read the latency \"%.60s\"", s);
				return -EINVAL;
			}
			*seen = true;
		}
	}
	if (!requests) {
		snprintf(why, whysize, "wrk: no \"Requests/sec:\" line in the output (is the measured"
			 " command wrk, with its output not discarded?)");
		return -EINVAL;
	}
	if (!p50 || !p90 || !p99) {
		snprintf(why, whysize, "wrk: no latency distribution (50%%, 90%%, 99%%) in the output:"
			 " run wrk with --latency");
		return -EINVAL;
	}
	*out = r;
	return 0;
}
