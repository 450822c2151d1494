/* The JUnit XML report of a comparison (views/export.h): the verdicts are
 * read from compare/<A>..<B>.json's text, so the report, the mount and
 * `benchfs check` can never disagree about what regressed.
 *
 * The shape is that of Apache Ant's JUnit task, which CI systems display
 * natively (docs/schemas/junit.xsd): one <testsuite> with <properties>, one
 * <testcase> per benchmark (classname "benchfs" for every report, so a CI
 * system's per-test history follows a benchmark from commit to commit),
 * then <system-out> and <system-err>. A timestamp carries no zone there: it
 * is UTC. A benchmark fails when it regressed or when a service level of
 * the configuration is breached at B (views/slo.h, as check judges them);
 * the XSD allows one <failure> a test case, so one failure names both. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "views/compare.h"
#include "views/format.h"
#include "views/internal_export.h"
#include "views/sides.h"
#include "views/slo.h"

/* The length of the valid UTF-8 sequence at s, 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
					: (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong three- and four-byte forms, and surrogates. */
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* Text as XML character data, or an attribute's value when attr: the
 * markup characters escaped, line breaks in an attribute kept as character
 * references, and what XML 1.0 cannot carry at all (other control
 * characters, bytes that are not UTF-8) shown as '?'. */
static void xml_text(struct strbuf *out, const char *text, bool attr)
{
	const unsigned char *s = (const unsigned char *)text;
	while (*s) {
		size_t n = utf8_len(s);
		if (n > 1) {
			strbuf_add(out, s, n);
			s += n;
			continue;
		}
		switch (*s) {
		case '&':
			strbuf_addstr(out, "&amp;");
			break;
		case '<':
			strbuf_addstr(out, "&lt;");
			break;
		case '>':
			strbuf_addstr(out, "&gt;");
			break;
		case '"':
			strbuf_addstr(out, attr ? "&quot;" : "\"");
			break;
		case '\t':
		case '\n':
		case '\r':
			if (attr)
				strbuf_addf(out, "&#%d;", *s);
			else
				strbuf_addch(out, *s);
			break;
		default:
			strbuf_addch(out, n == 0 || *s < 0x20 || *s == 0x7f ? '?' : *s);
			break;
		}
		s++;
	}
}

static void xml_attr(struct strbuf *out, const char *name, const char *value)
{
	strbuf_addf(out, " %s=\"", name);
	xml_text(out, value, true);
	strbuf_addch(out, '"');
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static double num(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	return v && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
		       ? json_object_get_double(v)
		       : NAN;
}

static bool is(const char *s, const char *want)
{
	return s && strcmp(s, want) == 0;
}

/* "100.0 ms ± 1.00 ms, 20 iterations" of one side's figures. */
static void side_line(struct strbuf *out, const char *label, const char *rev, json_object *s)
{
	double mean = num(s, "mean"), sd = num(s, "stddev");
	enum time_unit unit = time_unit_for(mean);
	char m[48], d[48];
	strbuf_addf(out, "%s (", label);
	xml_text(out, rev, false);
	if (!s) {
		strbuf_addstr(out, "): not measured\n");
		return;
	}
	format_time(m, sizeof(m), mean, unit);
	strbuf_addf(out, "): %s", m);
	if (!isnan(sd)) {
		format_time(d, sizeof(d), sd, unit);
		strbuf_addf(out, " ± %s", d);
	}
	strbuf_addf(out, ", %.0f iterations\n", num(s, "n"));
}

/* "+30.0% [+28.1%, +31.9%] at 95% confidence" of a row with a ratio. */
static void change(struct strbuf *out, json_object *row)
{
	json_object *ci = get(row, "ratio_ci");
	char r[32], lo[32], hi[32], conf[32];
	format_percent(r, sizeof(r), num(row, "ratio") - 1);
	strbuf_addstr(out, r);
	if (ci && json_object_is_type(ci, json_type_array) && json_object_array_length(ci) == 2) {
		format_percent(lo, sizeof(lo),
			       json_object_get_double(json_object_array_get_idx(ci, 0)) - 1);
		format_percent(hi, sizeof(hi),
			       json_object_get_double(json_object_array_get_idx(ci, 1)) - 1);
		format_confidence(conf, sizeof(conf), num(row, "confidence"));
		strbuf_addf(out, " [%s, %s] at %s confidence", lo, hi, conf);
	}
}

/* The failure's message: the wall time verdict with its change and
 * interval, and the instruction count's when that is what regressed. */
static void failure_message(struct strbuf *msg, json_object *row, bool wall, bool ins)
{
	json_object *i = get(row, "instructions");
	char q[32], r[32];
	if (wall) {
		strbuf_addstr(msg, "slower: ");
		change(msg, row);
		format_p(q, sizeof(q), num(row, "q_value"), !isnan(num(row, "q_value")));
		strbuf_addf(msg, ", q=%s (%s)", q, str(row, "method") ? str(row, "method") : "?");
	} else {
		strbuf_addf(msg, "wall time %s", str(row, "verdict") ? str(row, "verdict") : "-");
	}
	if (ins) {
		format_percent(r, sizeof(r), num(i, "ratio") - 1);
		strbuf_addf(msg, "; instructions slower: %s (%.0f to %.0f)", r, num(i, "a"),
			    num(i, "b"));
	}
}

/* "slo max 20 ms (mean) breached: 100.1 ms over 4 runs [98.21 ms, 102 ms]
 * at 99% confidence", or for a band "slo band release +5% breached: +400.0%
 * [+398.1%, +402.0%] at 99% confidence": the service level, the measured
 * value and its interval. */
static void slo_message(struct strbuf *out, const struct slo_result *r)
{
	char v[48], lo[48], hi[48], conf[32];
	bool max = r->kind == SLO_MAX;
	enum time_unit unit = time_unit_for(max ? r->limit : 0);
	if (r->metric) {
		/* "slo throughput min 100 MiB/s breached: 80 MiB/s over 3 runs" */
		strbuf_addf(out, "slo %s %s %.6g %s breached: %.6g %s over %zu run%s", r->metric,
			    r->kind == SLO_MIN ? "min" : "max", r->limit, r->unit, r->value, r->unit,
			    r->runs, r->runs == 1 ? "" : "s");
		snprintf(lo, sizeof(lo), "%.6g %s", r->lo, r->unit);
		snprintf(hi, sizeof(hi), "%.6g %s", r->hi, r->unit);
	} else if (max) {
		format_time(v, sizeof(v), r->limit, unit);
		strbuf_addf(out, "slo max %s (%s) breached: ", v, r->median ? "median" : "mean");
		format_time(v, sizeof(v), r->value, unit);
		format_time(lo, sizeof(lo), r->lo, unit);
		format_time(hi, sizeof(hi), r->hi, unit);
		strbuf_addf(out, "%s over %zu run%s", v, r->runs, r->runs == 1 ? "" : "s");
	} else {
		format_percent(v, sizeof(v), r->limit);
		strbuf_addf(out, "slo band %s %s breached: ", r->baseline, v);
		format_percent(v, sizeof(v), r->value - 1);
		format_percent(lo, sizeof(lo), r->lo - 1);
		format_percent(hi, sizeof(hi), r->hi - 1);
		strbuf_addstr(out, v);
	}
	if (!isnan(r->lo) && !isnan(r->hi)) {
		strbuf_addf(out, " [%s, %s]", lo, hi);
		if (!isnan(r->confidence)) {
			format_confidence(conf, sizeof(conf), r->confidence);
			strbuf_addf(out, " at %s confidence", conf);
		}
	}
}

/* The service levels breached at B. */
struct breaches {
	const struct slo_result *results;
	size_t n;
};

static bool breached(const struct slo_result *r, const char *bench)
{
	return r->verdict == SLO_BREACHED && bench && strcmp(r->bench, bench) == 0;
}

/* The messages of bench's breaches, joined by sep; "" when none. */
static void slo_messages(struct strbuf *out, const struct breaches *slo, const char *bench,
			 const char *sep)
{
	bool first = true;
	for (size_t i = 0; i < slo->n; i++) {
		if (!breached(&slo->results[i], bench))
			continue;
		if (!first)
			strbuf_addstr(out, sep);
		first = false;
		slo_message(out, &slo->results[i]);
	}
}

struct tally {
	size_t tests, failures, skipped;
	double time;
};

/* The declared metrics of a row judged worse (store_metric_gates), as
 * "throughput worse: -20.0% [-22.1%, -17.8%] at 95% confidence", joined by sep. */
static void worse_metrics(struct strbuf *out, json_object *row, const char *sep)
{
	json_object *metrics = get(row, "metrics");
	if (!metrics || !json_object_is_type(metrics, json_type_object))
		return;
	json_object_object_foreach(metrics, name, m) {
		if (!store_metric_gates(name) || !is(str(m, "verdict"), "worse"))
			continue;
		if (out->len)
			strbuf_addstr(out, sep);
		/* A metric's name is [a-z0-9_]: nothing to escape. */
		strbuf_addf(out, "%s worse: ", name);
		change(out, m);
	}
}

static void testcase(struct strbuf *out, struct tally *t, json_object *row, const char *a,
		     const char *b, const struct breaches *slo)
{
	json_object *sa = get(row, "a"), *sb = get(row, "b"), *ins = get(row, "instructions");
	const char *verdict = str(row, "verdict"), *only = str(row, "only_in"), *name = str(row, "name");
	const char *method;
	bool wall = is(verdict, "slower"), slower_ins = is(str(ins, "verdict"), "slower");
	double time = num(sb ? sb : sa, "mean");
	struct strbuf msg = STRBUF_INIT, slo_msg = STRBUF_INIT, slo_lines = STRBUF_INIT;
	struct strbuf worse = STRBUF_INIT;
	char secs[48];
	slo_messages(&slo_msg, slo, name, "; ");
	slo_messages(&slo_lines, slo, name, "\n");
	worse_metrics(&worse, row, "; ");
	if (isnan(time))
		time = 0;
	t->tests++;
	t->time += time;
	snprintf(secs, sizeof(secs), "%.9f", time);
	strbuf_addstr(out, "  <testcase");
	xml_attr(out, "name", name ? name : "?");
	xml_attr(out, "classname", "benchfs");
	xml_attr(out, "time", secs);
	if (wall || slower_ins) {
		t->failures++;
		failure_message(&msg, row, wall, slower_ins);
		if (worse.len)
			strbuf_addf(&msg, "; %s", worse.buf);
		if (slo_msg.len)
			strbuf_addf(&msg, "; %s", slo_msg.buf);
		strbuf_addstr(out, ">\n    <failure");
		xml_attr(out, "message", msg.buf);
		xml_attr(out, "type", "slower");
		strbuf_addstr(out, ">");
		side_line(out, "A", a, sa);
		side_line(out, "B", b, sb);
		strbuf_addstr(out, "change: ");
		change(out, row);
		if (slower_ins) {
			format_percent(secs, sizeof(secs), num(ins, "ratio") - 1);
			strbuf_addf(out, "\ninstructions: %.0f to %.0f (%s)", num(ins, "a"),
				    num(ins, "b"), secs);
		}
		method = str(row, "method");
		strbuf_addf(out, "\nmethod: %s, threshold: ", method ? method : "?");
		format_percent(secs, sizeof(secs), num(row, "threshold"));
		strbuf_addf(out, "±%s", secs + (secs[0] == '+'));
		if (slo_lines.len) {
			strbuf_addch(out, '\n');
			xml_text(out, slo_lines.buf, false);
		}
		strbuf_addstr(out, "</failure>\n  </testcase>\n");
	} else if (worse.len) {
		/* A declared metric got worse while wall time did not. */
		t->failures++;
		strbuf_addbuf(&msg, &worse);
		if (slo_msg.len)
			strbuf_addf(&msg, "; %s", slo_msg.buf);
		strbuf_addstr(out, ">\n    <failure");
		xml_attr(out, "message", msg.buf);
		xml_attr(out, "type", "worse");
		strbuf_addstr(out, ">");
		xml_text(out, msg.buf, false);
		strbuf_addstr(out, "</failure>\n  </testcase>\n");
	} else if (slo_msg.len) {
		/* A service level is breached whatever the compare decided. */
		t->failures++;
		strbuf_addstr(out, ">\n    <failure");
		xml_attr(out, "message", slo_msg.buf);
		xml_attr(out, "type", "slo");
		strbuf_addstr(out, ">");
		side_line(out, "B", b, sb);
		xml_text(out, slo_lines.buf, false);
		strbuf_addstr(out, "</failure>\n  </testcase>\n");
	} else if (only || is(verdict, "undecided")) {
		t->skipped++;
		if (only)
			strbuf_addf(&msg, "only in %s (%s)", is(only, "a") ? "A" : "B",
				    is(only, "a") ? a : b);
		else
			strbuf_addf(&msg, "undecided: %s", str(row, "reason") ? str(row, "reason")
									      : "no reason given");
		strbuf_addstr(out, ">\n    <skipped");
		xml_attr(out, "message", msg.buf);
		strbuf_addstr(out, "/>\n  </testcase>\n");
	} else {
		strbuf_addstr(out, "/>\n");
	}
	strbuf_release(&msg);
	strbuf_release(&slo_msg);
	strbuf_release(&slo_lines);
	strbuf_release(&worse);
}

/* When B was measured: the finish of its newest run, so the same store
 * gives the same report. */
static int timestamp(char *buf, size_t size, const struct view_ctx *ctx, json_object *side)
{
	json_object *runs = get(side, "runs");
	struct store_run run;
	int64_t newest = 0;
	time_t secs;
	struct tm tm;
	int rc;
	for (size_t i = 0; runs && i < json_object_array_length(runs); i++) {
		int64_t id = json_object_get_int64(json_object_array_get_idx(runs, i));
		newest = id > newest ? id : newest;
	}
	if ((rc = store_run_get_light(ctx->store, &run, newest)))
		return store_errno(rc);
	secs = (time_t)(run.finished_ns / 1000000000);
	store_run_clear(&run);
	gmtime_r(&secs, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	return 0;
}

static int report(struct strbuf *out, const struct view_ctx *ctx, json_object *root,
		  const char *a, const char *b, const struct breaches *slo)
{
	json_object *benches = get(root, "benchmarks"), *summary = get(root, "summary");
	json_object *sa = get(root, "a"), *sb = get(root, "b");
	struct strbuf cases = STRBUF_INIT, name = STRBUF_INIT;
	struct tally t = {0};
	const char *host = str(sb, "host") ? str(sb, "host") : str(sa, "host");
	char when[32], figure[48];
	int rc;
	if (!benches || !json_object_is_type(benches, json_type_array))
		return -EIO;
	if ((rc = timestamp(when, sizeof(when), ctx, sb)))
		return rc;
	for (size_t i = 0; i < json_object_array_length(benches); i++)
		testcase(&cases, &t, json_object_array_get_idx(benches, i), a, b, slo);
	strbuf_addf(&name, "benchfs %s..%s", a, b);
	strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite");
	xml_attr(out, "name", name.buf);
	xml_attr(out, "timestamp", when);
	xml_attr(out, "hostname", host && *host ? host : "localhost");
	strbuf_addf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.9f\">\n",
		    t.tests, t.failures, t.skipped, t.time);
	strbuf_addstr(out, "  <properties>\n");
	{
		const char *props[][2] = {
			{"a", a},
			{"a_commit", str(sa, "commit") ? str(sa, "commit") : ""},
			{"b", b},
			{"b_commit", str(sb, "commit") ? str(sb, "commit") : ""},
			{"method", str(root, "method") ? str(root, "method") : ""},
		};
		for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
			strbuf_addstr(out, "    <property");
			xml_attr(out, "name", props[i][0]);
			xml_attr(out, "value", props[i][1]);
			strbuf_addstr(out, "/>\n");
		}
	}
	snprintf(figure, sizeof(figure), "%g", num(root, "alpha"));
	strbuf_addf(out, "    <property name=\"alpha\" value=\"%s\"/>\n", figure);
	snprintf(figure, sizeof(figure), "%g", num(root, "threshold"));
	strbuf_addf(out, "    <property name=\"threshold\" value=\"%s\"/>\n  </properties>\n",
		    figure);
	strbuf_addbuf(out, &cases);
	strbuf_addf(out,
		    "  <system-out>%.0f faster, %.0f slower, %.0f unchanged, %.0f undecided,"
		    " %.0f same build",
		    num(summary, "faster"), num(summary, "slower"), num(summary, "unchanged"),
		    num(summary, "undecided"), num(summary, "same_build"));
	if (slo->n) {
		size_t n = 0;
		for (size_t i = 0; i < slo->n; i++)
			n += slo->results[i].verdict == SLO_BREACHED;
		strbuf_addf(out, "; %zu of %zu service levels breached", n, slo->n);
	}
	strbuf_addstr(out, "</system-out>\n  <system-err></system-err>\n</testsuite>\n");
	rc = strbuf_error(&cases) ? strbuf_error(&cases) : strbuf_error(&name);
	strbuf_release(&cases);
	strbuf_release(&name);
	return rc ? rc : strbuf_error(out);
}

int export_junit(struct strbuf *out, const struct view_ctx *ctx, const char *a, const char *b,
		 char *err, size_t errsize)
{
	struct side_ref ra, rb;
	const char *names[2] = {a, b};
	struct side_ref *refs[2] = {&ra, &rb};
	json_object *root;
	struct slo_result *results = NULL;
	size_t n = 0;
	char *text = NULL;
	int rc;
	for (int i = 0; i < 2; i++) {
		if ((rc = side_resolve(refs[i], ctx, names[i])) == -ENOENT)
			snprintf(err, errsize, "%s names no finished run, baseline or revision",
				 names[i]);
		else if (rc)
			snprintf(err, errsize, "%s: %s", names[i], strerror(-rc));
		if (rc)
			return rc;
	}
	if ((rc = compare_render(&text, ctx, a, &ra, b, &rb, COMPARE_JSON))) {
		snprintf(err, errsize, "%s..%s: %s", a, b,
			 rc == -ENOENT ? "a side has no finished run on this host" : strerror(-rc));
		return rc;
	}
	root = json_tokener_parse(text);
	free(text);
	if (!root)
		return -ENOMEM;
	/* The service levels at B, as check judges them (B has a finished run
	 * here, or the compare would have failed). */
	if ((rc = slo_evaluate(&results, &n, ctx, ctx->config, b)) == -ENOENT)
		rc = 0;
	if (rc == 0) {
		struct breaches slo = {results, n};
		rc = report(out, ctx, root, a, b, &slo);
	}
	slo_results_free(results, n);
	json_object_put(root);
	if (rc && rc != -ENOMEM)
		snprintf(err, errsize, "%s..%s: %s", a, b, strerror(-rc));
	return rc;
}
