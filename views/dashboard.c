/* index.html (dashboard.h): the page from its parts (dashboard_html, a pure
 * function), and the parts from the store and the repository
 * (dashboard_render). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "stats/describe.h"
#include "util/array.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/commit_names.h"
#include "views/dashboard.h"
#include "views/format.h"
#include "views/history.h"
#include "views/internal_history.h"
#include "views/internal_svg_text.h"
#include "views/queue_list.h"
#include "views/regressions.h"
#include "views/run_files.h"

/* The sparkline's box, in CSS pixels; a metric's is smaller. */
#define SPARK_W 120.0
#define SPARK_H 24.0
#define MINI_W 48.0
#define MINI_H 14.0
#define SPARK_PAD 2.0
/* The y axis spans at least this share of the largest mean: run-to-run
 * noise of a percent or two stays a ripple, not a zigzag from top to
 * bottom, while a step of 10% still crosses most of the box. */
#define SPARK_MIN_SPAN 0.05

/* ---- the page (pure) ---- */

/* system-ui and monospace: the fonts the browser has, none to fetch. */
static const char page_style[] =
	"[hidden]{display:none!important}"
	"body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 32px;"
	"color:#1f2328;background:#fff}"
	"h1{font-size:20px;margin:16px 0 4px}h2{font-size:16px;margin:24px 0 6px;"
	"border-bottom:1px solid #d0d7de}h3{font-size:14px;margin:14px 0 2px}"
	"a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}"
	"table{border-collapse:collapse}td,th{padding:1px 10px 1px 0;text-align:left;"
	"vertical-align:middle;white-space:nowrap}th{font-weight:600;color:#57606a}"
	".num{text-align:right;font-variant-numeric:tabular-nums}"
	".mono{font-family:ui-monospace,monospace}"
	".muted,.n{color:#57606a}.n{font-weight:400}"
	".bad{color:#cf222e;font-weight:600}.good{color:#1a7f37}"
	".badge{display:inline-block;margin-left:6px;padding:0 5px;border-radius:8px;"
	"font-size:11px;background:#ffebe9;color:#cf222e}"
	"td.name{max-width:420px;overflow:hidden;text-overflow:ellipsis}"
	"td.status{white-space:normal;min-width:200px}"
	"svg.spark{display:block}svg.spark polyline{fill:none;stroke:#0969da;stroke-width:1.2}"
	"svg.spark circle{fill:#0969da}"
	"svg.mini{display:inline-block;vertical-align:middle;margin-right:3px}"
	"td.metrics a{margin-right:12px;white-space:nowrap}"
	"td.metrics .bad,td.metrics .good{font-weight:400}td.metrics .bad.reg{font-weight:600}"
	"nav.groups a{margin-right:10px;white-space:nowrap}"
	"#filter{font:inherit;padding:3px 6px;width:280px;margin:4px 0}"
	".group{content-visibility:auto;contain-intrinsic-size:auto 200px}";

/* The filter: hides the rows whose name does not contain the text (and the
 * groups left empty). The page reads the same without it. */
static const char page_script[] =
	"\"use strict\";(function(){"
	"var box=document.getElementById(\"filter\"),shown=document.getElementById(\"shown\");"
	"if(!box)return;box.hidden=false;"
	"function apply(){var q=box.value.trim().toLowerCase(),n=0,"
	"groups=document.querySelectorAll(\"section.group\");"
	"for(var i=0;i<groups.length;i++){var rows=groups[i].querySelectorAll(\"tr[data-name]\"),"
	"any=false;for(var j=0;j<rows.length;j++){"
	"var hit=rows[j].getAttribute(\"data-name\").toLowerCase().indexOf(q)>=0;"
	"rows[j].hidden=!hit;if(hit){any=true;n++;}}groups[i].hidden=!any;}"
	"shown.textContent=q?n+\" shown\":\"\";}"
	"box.addEventListener(\"input\",apply);apply();})();";

size_t dashboard_group_len(const char *name)
{
	size_t len = strcspn(name, "-_/[");
	return len ? len : strlen(name);
}

static void put_text(struct strbuf *b, const char *text)
{
	svg_put_text(b, text);
}

/* A name as one path segment of a relative link: unreserved bytes as they
 * are, and ',' and '=' (a parameterised benchmark's "[size=1k,n=2]"), every
 * other byte percent-encoded, so no name can end the attribute, start a
 * query or fragment, or climb out of the directory. */
static void put_url_name(struct strbuf *b, const char *name)
{
	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		unsigned char c = *s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~,=", c))
			strbuf_addch(b, (char)c);
		else
			strbuf_addf(b, "%%%02X", c);
	}
}

static void put_time(struct strbuf *b, double seconds)
{
	char buf[64];
	if (!isfinite(seconds)) {
		strbuf_addstr(b, "<span class=\"muted\">-</span>");
		return;
	}
	format_time(buf, sizeof(buf), seconds, time_unit_for(seconds));
	strbuf_addstr(b, buf);
}

/* Averages of consecutive values (NAN ignored; a bucket of only NAN is
 * NAN) into out, as many as fit max: the count. */
static size_t spark_reduce(double *out, const double *in, size_t n, size_t max)
{
	size_t buckets = n < max ? n : max;
	for (size_t k = 0; k < buckets; k++) {
		size_t from = k * n / buckets, to = (k + 1) * n / buckets, c = 0;
		double sum = 0;
		for (size_t i = from; i < to; i++)
			if (isfinite(in[i])) {
				sum += in[i];
				c++;
			}
		out[k] = c ? sum / (double)c : NAN;
	}
	return buckets;
}

/* A sparkline's box and class: the wall time's, or a metric's small one. */
struct spark_box {
	double w, h;
	size_t points;
	const char *cls;
};
static const struct spark_box wall_box = {SPARK_W, SPARK_H, DASHBOARD_SPARK_POINTS, "spark"};
static const struct spark_box mini_box = {MINI_W, MINI_H, DASHBOARD_METRIC_POINTS, "spark mini"};

/* The sparkline: the means as a line (gaps joined), the newest marked. */
static void put_spark(struct strbuf *b, const double *means, size_t nmeans,
		      const struct spark_box *box)
{
	const double SPARK_W_ = box->w, SPARK_H_ = box->h;
	double v[DASHBOARD_SPARK_POINTS], lo = INFINITY, hi = -INFINITY, mid;
	size_t n = spark_reduce(v, means, nmeans, box->points), drawn = 0, last = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			lo = v[i] < lo ? v[i] : lo;
			hi = v[i] > hi ? v[i] : hi;
			last = i;
			drawn++;
		}
	strbuf_addf(b, "<svg class=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
		       " aria-hidden=\"true\">",
		    box->cls, (int)SPARK_W_, (int)SPARK_H_, (int)SPARK_W_, (int)SPARK_H_);
	if (!drawn) {
		strbuf_addstr(b, "</svg>");
		return;
	}
	mid = (lo + hi) / 2;
	if (hi - lo < fabs(hi) * SPARK_MIN_SPAN) {
		lo = mid - fabs(hi) * SPARK_MIN_SPAN / 2;
		hi = mid + fabs(hi) * SPARK_MIN_SPAN / 2;
	}
	if (!(hi > lo)) { /* all zero */
		lo = mid - 1;
		hi = mid + 1;
	}
#define SPARK_X(i) (n == 1 ? SPARK_W_ / 2 : SPARK_PAD + (double)(i) * (SPARK_W_ - 2 * SPARK_PAD) / (double)(n - 1))
#define SPARK_Y(x) (SPARK_PAD + (hi - (x)) / (hi - lo) * (SPARK_H_ - 2 * SPARK_PAD))
	if (drawn > 1) {
		bool first = true;
		strbuf_addstr(b, "<polyline points=\"");
		for (size_t i = 0; i < n; i++) {
			if (!isfinite(v[i]))
				continue;
			svg_put_xy(b, first, SPARK_X(i), SPARK_Y(v[i]));
			first = false;
		}
		strbuf_addstr(b, "\"/>");
	}
	strbuf_addf(b, "<circle r=\"%s\" cx=\"%.1f\" cy=\"%.1f\"/></svg>",
		    box == &wall_box ? "1.8" : "1.4", svg_coord(SPARK_X(last)),
		    svg_coord(SPARK_Y(v[last])));
#undef SPARK_X
#undef SPARK_Y
}

static void put_run_link(struct strbuf *b, int64_t id)
{
	char name[32];
	runid_dir_name(name, sizeof(name), id);
	strbuf_addf(b, "<a class=\"mono\" href=\"runs/%s/\">%s</a>", name, name);
}

static void put_header(struct strbuf *b, const struct dashboard_page *p)
{
	strbuf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			 "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
			 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
			 " style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
			 "<link rel=\"icon\" href=\"data:,\"><title>benchfs");
	if (p->branch) {
		strbuf_addstr(b, ": ");
		put_text(b, p->branch);
	}
	strbuf_addf(b, "</title><style>%s</style></head>\n<body>\n<h1>benchfs</h1>\n<p>", page_style);
	if (!p->branch)
		strbuf_addstr(b, "No tracked branch.");
	else if (!p->tip) {
		strbuf_addstr(b, "Branch <b>");
		put_text(b, p->branch);
		strbuf_addstr(b, "</b> does not exist.");
	} else {
		strbuf_addstr(b, "Branch <b>");
		put_text(b, p->branch);
		strbuf_addstr(b, "</b> at <span class=\"mono\">");
		put_text(b, p->tip);
		strbuf_addf(b, "</span>: %zu benchmark%s over %zu commit%s", p->nbenches,
			    p->nbenches == 1 ? "" : "s", p->ncommits, p->ncommits == 1 ? "" : "s");
	}
	if (p->host && p->host[0]) {
		strbuf_addstr(b, " on host <b>");
		put_text(b, p->host);
		strbuf_addstr(b, "</b>");
	}
	strbuf_addstr(b, ".</p>\n<p class=\"muted\"><a href=\"#regressions\">regressions</a> &middot;"
			 " <a href=\"#queue\">queue</a> &middot; <a href=\"#runs\">latest runs</a>"
			 " &middot; <a href=\"#benchmarks\">benchmarks</a> &middot; files:"
			 " <a href=\"README\">README</a>, <a href=\"regressions\">regressions</a>,"
			 " <a href=\"queue\">queue</a>, <a href=\"compare/\">compare/</a>,"
			 " <a href=\"history/\">history/</a>, <a href=\"runs/\">runs/</a></p>\n");
}

static void put_regressions(struct strbuf *b, const struct dashboard_page *p)
{
	strbuf_addf(b, "<h2 id=\"regressions\">Open regressions <span class=\"n\">%zu</span></h2>\n",
		    p->nregressions);
	if (!p->nregressions)
		strbuf_addstr(b, "<p class=\"muted\">None.");
	else {
		strbuf_addstr(b, "<table><thead><tr><th>commit</th><th>benchmark</th>"
				 "<th class=\"num\">before</th><th class=\"num\">after</th>"
				 "<th class=\"num\">change</th><th>state</th><th></th></tr></thead>"
				 "<tbody>\n");
		for (size_t i = 0; i < p->nregressions; i++) {
			const struct dashboard_regression *r = &p->regressions[i];
			strbuf_addstr(b, "<tr><td class=\"mono\">");
			put_text(b, r->commit);
			strbuf_addstr(b, "</td><td class=\"name\"><a href=\"history/");
			put_url_name(b, r->history);
			strbuf_addstr(b, ".svg\">");
			put_text(b, r->bench);
			strbuf_addstr(b, "</a></td><td class=\"num\">");
			put_text(b, r->before);
			strbuf_addstr(b, "</td><td class=\"num\">");
			put_text(b, r->after);
			strbuf_addstr(b, "</td><td class=\"num bad\">");
			put_text(b, r->change);
			strbuf_addstr(b, "</td><td>");
			put_text(b, r->state);
			strbuf_addstr(b, "</td><td>");
			if (r->compare) {
				strbuf_addstr(b, "<a href=\"compare/");
				put_url_name(b, r->compare);
				strbuf_addstr(b, "\">compare</a>");
			}
			if (r->job) {
				strbuf_addstr(b, " <a href=\"compare/");
				put_url_name(b, r->job);
				strbuf_addstr(b, "\">A/B job</a>");
			}
			strbuf_addstr(b, "</td></tr>\n");
		}
		strbuf_addstr(b, "</tbody></table>\n<p class=\"muted\">");
	}
	if (p->nsettled)
		strbuf_addf(b, " %zu more ignored or fixed.", p->nsettled);
	strbuf_addstr(b, " The whole list: <a href=\"regressions\">regressions</a>.</p>\n");
}

/* A table of runs: the queue (with the A/B job) or the latest (with when). */
static void put_runs(struct strbuf *b, const struct dashboard_run *runs, size_t n, bool queue)
{
	strbuf_addf(b, "<table><thead><tr><th>run</th><th>commit</th><th>revision</th>"
		       "<th>status</th><th>%s</th></tr></thead><tbody>\n",
		    queue ? "job" : "when (UTC)");
	for (size_t i = 0; i < n; i++) {
		const struct dashboard_run *r = &runs[i];
		strbuf_addstr(b, "<tr><td>");
		put_run_link(b, r->id);
		strbuf_addstr(b, "</td><td class=\"mono\">");
		put_text(b, r->commit);
		strbuf_addstr(b, "</td><td class=\"name\">");
		put_text(b, r->revision);
		strbuf_addstr(b, strncmp(r->status, "failed", 6) == 0 ? "</td><td class=\"status bad\">"
								       : "</td><td class=\"status\">");
		put_text(b, r->status);
		strbuf_addstr(b, "</td><td class=\"muted\">");
		if (queue) {
			put_text(b, r->job ? r->job : "");
		} else if (r->when_ns) {
			char when[64];
			format_iso_time(when, sizeof(when), r->when_ns);
			put_text(b, when);
		}
		strbuf_addstr(b, "</td></tr>\n");
	}
	strbuf_addstr(b, "</tbody></table>\n");
}

/* The benchmarks in the order the page shows them: by group (the groups of
 * one last, as "other"), then by name. */
struct bench_order {
	const struct dashboard_bench *bench;
	size_t group_len;
	bool alone;
};

static int cmp_bench_order(const void *pa, const void *pb)
{
	const struct bench_order *a = pa, *b = pb;
	size_t n = a->group_len < b->group_len ? a->group_len : b->group_len;
	int c;
	if (a->alone != b->alone)
		return a->alone ? 1 : -1;
	if (!a->alone) {
		if ((c = memcmp(a->bench->name, b->bench->name, n)))
			return c;
		if (a->group_len != b->group_len)
			return a->group_len < b->group_len ? -1 : 1;
	}
	return strcmp(a->bench->name, b->bench->name);
}

static bool same_group(const struct bench_order *a, const struct bench_order *b)
{
	if (a->alone || b->alone)
		return a->alone == b->alone;
	return a->group_len == b->group_len &&
	       memcmp(a->bench->name, b->bench->name, a->group_len) == 0;
}

/* Mark the benchmarks whose group has no other member. */
static void mark_alone(struct bench_order *o, size_t n)
{
	int (*cmp)(const void *, const void *) = cmp_bench_order;
	for (size_t i = 0; i < n; i++)
		o[i].alone = false;
	qsort(o, n, sizeof(*o), cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && same_group(&o[i], &o[j]))
			j++;
		if (j - i == 1)
			o[i].alone = true;
		i = j;
	}
	qsort(o, n, sizeof(*o), cmp);
}

static void put_group_name(struct strbuf *b, const struct bench_order *o)
{
	if (o->alone)
		strbuf_addstr(b, "other");
	else
		svg_put_text_n(b, o->bench->name, o->group_len);
}

/* A value as its unit reads best: seconds as wall time, bytes in KiB,
 * MiB, GiB; any other unit with three significant digits. */
static void format_metric(char *buf, size_t size, const char *unit, double v)
{
	static const char *const bytes[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	size_t k = 0;
	double div = 1;
	if (strcmp(unit, "s") == 0) {
		format_time(buf, size, v, time_unit_for(v));
		return;
	}
	if (strcmp(unit, "bytes") != 0) {
		snprintf(buf, size, "%.3g %s", v, unit);
		return;
	}
	while (k + 1 < sizeof(bytes) / sizeof(bytes[0]) && fabs(v) >= div * 1024) {
		div *= 1024;
		k++;
	}
	if (k == 0)
		snprintf(buf, size, "%.0f bytes", v);
	else
		snprintf(buf, size, "%.1f %s", v / div, bytes[k]);
}

/* One metric of a row: its small sparkline and newest mean, linking to its
 * plot; the change from the commit before in the title, and the value
 * coloured when that change is worse or better beyond the threshold, bold
 * red while the metric has an open regression (which may be older than the
 * newest commit). */
static void put_metric(struct strbuf *b, const struct dashboard_bench *d,
		       const struct dashboard_metric *m, double threshold)
{
	char value[64] = "-", pct[32] = "";
	const char *cls = NULL;
	if (isfinite(m->last))
		format_metric(value, sizeof(value), m->unit, m->last);
	if (isfinite(m->last) && isfinite(m->prev) && m->prev > 0) {
		double change = m->last / m->prev - 1, worse = m->higher_is_better ? -change : change;
		format_percent(pct, sizeof(pct), change);
		cls = worse > threshold ? "bad" : worse < -threshold ? "good" : NULL;
	}
	if (m->regressed)
		cls = "bad reg";
	strbuf_addstr(b, "<a href=\"history/");
	put_url_name(b, d->name);
	strbuf_addstr(b, "%3A");
	put_url_name(b, m->name);
	strbuf_addstr(b, ".svg\" title=\"");
	put_text(b, m->name);
	strbuf_addstr(b, " per commit; newest ");
	put_text(b, value);
	if (pct[0]) {
		strbuf_addstr(b, ", ");
		put_text(b, pct);
		strbuf_addstr(b, " from the commit before");
	}
	if (m->regressed)
		strbuf_addstr(b, "; an open regression");
	strbuf_addstr(b, "\">");
	put_spark(b, m->means, m->nmeans, &mini_box);
	strbuf_addstr(b, "<span class=\"muted\">");
	put_text(b, m->name);
	if (cls)
		strbuf_addf(b, "</span> <span class=\"%s\">", cls);
	else
		strbuf_addstr(b, "</span> <span>");
	put_text(b, value);
	strbuf_addstr(b, "</span></a>");
}

static void put_bench_row(struct strbuf *b, const struct dashboard_bench *d, double threshold)
{
	strbuf_addstr(b, "<tr data-name=\"");
	put_text(b, d->name);
	strbuf_addstr(b, "\"><td class=\"name\"><a href=\"history/");
	put_url_name(b, d->name);
	strbuf_addstr(b, ".svg\" title=\"");
	put_text(b, d->name);
	strbuf_addstr(b, "\">");
	put_text(b, d->name);
	strbuf_addstr(b, "</a>");
	if (d->regressed)
		strbuf_addstr(b, "<span class=\"badge\">regression</span>");
	strbuf_addstr(b, "</td><td>");
	put_spark(b, d->means, d->nmeans, &wall_box);
	strbuf_addstr(b, "</td><td class=\"num\">");
	put_time(b, d->last);
	strbuf_addstr(b, "</td><td class=\"num");
	if (isfinite(d->last) && isfinite(d->prev) && d->prev > 0) {
		char pct[32];
		double change = d->last / d->prev - 1;
		format_percent(pct, sizeof(pct), change);
		/* Coloured beyond the noise threshold only. */
		strbuf_addf(b, "%s\">%s",
			    change > threshold ? " bad" : change < -threshold ? " good" : "", pct);
	} else {
		strbuf_addstr(b, "\">");
	}
	strbuf_addf(b, "</td><td class=\"num\">%zu</td><td><a href=\"history/", d->commits);
	put_url_name(b, d->name);
	strbuf_addstr(b, ".csv\">csv</a></td><td class=\"metrics\">");
	for (size_t i = 0; i < d->nmetrics; i++)
		put_metric(b, d, &d->metrics[i], threshold);
	strbuf_addstr(b, "</td></tr>\n");
}

static int put_benchmarks(struct strbuf *b, const struct dashboard_page *p)
{
	struct bench_order *o = calloc(p->nbenches + 1, sizeof(*o));
	size_t group = 0;
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < p->nbenches; i++) {
		o[i].bench = &p->benches[i];
		o[i].group_len = dashboard_group_len(p->benches[i].name);
	}
	mark_alone(o, p->nbenches);
	strbuf_addf(b, "<h2 id=\"benchmarks\">Benchmarks <span class=\"n\">%zu</span></h2>\n",
		    p->nbenches);
	if (!p->nbenches) {
		strbuf_addstr(b, "<p class=\"muted\">No benchmark has finished a run yet.</p>\n");
		free(o);
		return 0;
	}
	strbuf_addstr(b, "<p class=\"muted\">Mean wall time per commit of the branch, oldest to"
			 " newest; the newest mean and its change from the commit before; how many"
			 " commits have runs; then each metric (cpu, memory, declared ones) the same"
			 " way, smaller, with its newest mean in its unit (its change in the link's"
			 " title), red when worse in the metric's own direction (a drop of a"
			 " higher-is-better one), bold while it has an open regression. Each"
			 " name links to its full plot.</p>\n"
			 "<p><input id=\"filter\" type=\"search\" placeholder=\"filter benchmarks\""
			 " aria-label=\"filter benchmarks\" hidden> <span id=\"shown\" class=\"muted\">"
			 "</span></p>\n<nav class=\"groups\">");
	for (size_t i = 0; i < p->nbenches; group++) {
		size_t j = i + 1;
		while (j < p->nbenches && same_group(&o[i], &o[j]))
			j++;
		strbuf_addf(b, "<a href=\"#g%zu\">", group);
		put_group_name(b, &o[i]);
		strbuf_addf(b, " <span class=\"n\">%zu</span></a> ", j - i);
		i = j;
	}
	strbuf_addstr(b, "</nav>\n");
	group = 0;
	for (size_t i = 0; i < p->nbenches; group++) {
		size_t j = i + 1;
		while (j < p->nbenches && same_group(&o[i], &o[j]))
			j++;
		strbuf_addf(b, "<section class=\"group\" id=\"g%zu\"><h3>", group);
		put_group_name(b, &o[i]);
		strbuf_addf(b, " <span class=\"n\">%zu</span></h3>\n<table><thead><tr>"
			       "<th>benchmark</th><th>history</th><th class=\"num\">newest</th>"
			       "<th class=\"num\">change</th><th class=\"num\">commits</th><th></th>"
			       "<th>metrics</th></tr></thead><tbody>\n",
			    j - i);
		for (size_t k = i; k < j; k++)
			put_bench_row(b, o[k].bench, p->threshold);
		strbuf_addstr(b, "</tbody></table></section>\n");
		i = j;
	}
	free(o);
	return 0;
}

int dashboard_html(char **text, size_t *len, const struct dashboard_page *p)
{
	struct strbuf b = STRBUF_INIT;
	int rc;
	*text = NULL;
	/* About 1.3 KB a benchmark. */
	strbuf_init(&b, 8192 + p->nbenches * 1400);
	put_header(&b, p);
	put_regressions(&b, p);
	strbuf_addf(&b, "<h2 id=\"queue\">Queue <span class=\"n\">%zu</span></h2>\n", p->nqueue);
	if (p->nqueue)
		put_runs(&b, p->queue, p->nqueue, true);
	else
		strbuf_addstr(&b, "<p class=\"muted\">Empty.</p>\n");
	strbuf_addstr(&b, "<h2 id=\"runs\">Latest runs</h2>\n");
	if (p->nruns)
		put_runs(&b, p->runs, p->nruns, false);
	else
		strbuf_addstr(&b, "<p class=\"muted\">No run yet.</p>\n");
	if ((rc = put_benchmarks(&b, p))) {
		strbuf_release(&b);
		return rc;
	}
	strbuf_addf(&b, "<script>%s</script>\n</body></html>\n", page_script);
	return (*text = strbuf_detach(&b, len)) ? 0 : -ENOMEM;
}

/* ---- the parts, from the store and the repository ---- */

/* Strings the page's parts point into, freed together. */
struct owned {
	char **list;
	size_t n, alloc;
};

static void owned_free(struct owned *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->list[i]);
	free(o->list);
}

/* Keep s (NULL when it could not be allocated: -ENOMEM in *rc). */
static const char *own(struct owned *o, char *s, int *rc)
{
	if (*rc)
		goto fail;
	if (!s) {
		*rc = -ENOMEM;
		goto fail;
	}
	if ((*rc = ALLOC_GROW(o->list, o->n + 1, o->alloc)))
		goto fail;
	o->list[o->n++] = s;
	return s;
fail:
	free(s);
	return NULL;
}

/* A run of one benchmark with wall iterations (store_sums_of_runs), and
 * what the metric being read gives it. */
struct bench_run {
	int64_t run;
	int64_t n;     /* its wall iterations */
	double msum;   /* the metric's values added up */
	int64_t mcount;
};

/* One benchmark's runs, by run id. */
struct bench_runs {
	struct bench_run *list;
	size_t n, alloc;
	size_t at; /* where the last lookup found its run */
};

struct loader {
	const struct view_ctx *ctx;
	struct commit_names *names; /* loaded when the first commit is named */
	struct owned owned;
	struct history h;
	/* The benchmarks (sorted by name) and their rows. */
	char **benches;
	size_t nbenches;
	struct dashboard_bench *rows;
	/* The run sums of the benchmark being read, per history point. */
	const struct run_map *map;
	double *sum;
	int64_t *count;
	ssize_t current;
	/* The metrics of the history's runs, and the one being read. */
	struct store_metric_def *defs;
	size_t ndefs;
	const struct store_metric_def *def;
	bool nonzero; /* the benchmark being read has a value other than 0 */
	/* Per row, its runs; per run of the map, whether the keeper's
	 * description of it gave the metric being read. */
	struct bench_runs *bruns;
	bool *described;
	size_t at; /* the row the last metric value was of */
	/* The samples of one benchmark's run being gathered. */
	struct bench_run *gather;
	double *values;
	size_t nvalues, values_alloc;
};

/* A commit's display name (its first 12 digits when the repository does
 * not have it), kept. */
static const char *commit_name(struct loader *l, const char *commit, int *rc)
{
	char name[COMMIT_NAME_SIZE];
	if (*rc)
		return NULL;
	if (!l->names && (*rc = commit_names_load(&l->names, l->ctx)))
		return NULL;
	if (commit_names_get(name, sizeof(name), l->names, commit))
		snprintf(name, sizeof(name), "%.12s", commit);
	return own(&l->owned, strdup(name), rc);
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

/* The loader's sums per commit as a sparkline's means (scaled by scale),
 * averaged in at most points buckets: *out (the caller's), *nout, the newest
 * two commits' means (NAN when missing) and how many commits have one. */
static int spark_of_sums(const double **out, size_t *nout, double *last, double *prev, size_t *commits,
			 const struct loader *l, double scale, size_t points)
{
	size_t n = l->h.n;
	double *means = malloc((n + 1) * sizeof(*means));
	double *buckets = malloc((n < points ? n + 1 : points) * sizeof(*buckets));
	if (!means || !buckets) {
		free(means);
		free(buckets);
		return -ENOMEM;
	}
	*last = *prev = NAN;
	*commits = 0;
	for (size_t p = 0; p < n; p++) {
		means[p] = l->count[p] ? (double)l->sum[p] / (double)l->count[p] * scale : NAN;
		if (l->count[p]) {
			(*commits)++;
			*prev = *last;
			*last = means[p];
		}
	}
	*nout = spark_reduce(buckets, means, n, points);
	*out = buckets;
	free(means);
	return 0;
}

/* The benchmark read so far: its means per commit, averaged in buckets. */
static int flush_bench(struct loader *l)
{
	struct dashboard_bench *row;
	if (l->current < 0)
		return 0;
	row = &l->rows[l->current];
	l->current = -1;
	return spark_of_sums(&row->means, &row->nmeans, &row->last, &row->prev, &row->commits, l,
			     1e-9, DASHBOARD_SPARK_POINTS);
}

/* The metric read so far of the benchmark being read, as one of its row's
 * metrics, when it has a value other than 0 (a built-in one of runs
 * recorded without it reads 0). */
static int flush_metric(struct loader *l)
{
	struct dashboard_bench *row;
	struct dashboard_metric *m;
	size_t commits;
	if (l->current < 0)
		return 0;
	row = &l->rows[l->current];
	l->current = -1;
	if (!l->nonzero)
		return 0;
	/* Room for every metric was made with the rows. */
	m = (struct dashboard_metric *)&row->metrics[row->nmetrics++];
	*m = (struct dashboard_metric){.name = l->def->name,
				       .unit = l->def->unit,
				       .higher_is_better = l->def->higher_is_better};
	return spark_of_sums(&m->means, &m->nmeans, &m->last, &m->prev, &commits, l, 1.0,
			     DASHBOARD_METRIC_POINTS);
}

/* The rows come by benchmark: at a new one, the one read so far is flushed
 * and the sums start again for the new one's row; l->current stays -1 when
 * the benchmark has no row (listed since, with a new run: the next version
 * shows it). */
static int loader_next_bench(struct loader *l, const char *benchmark)
{
	char **found;
	int rc;
	if (l->current >= 0 && strcmp(l->benches[l->current], benchmark) == 0)
		return 0;
	if ((rc = flush_bench(l)))
		return rc;
	found = bsearch(benchmark, l->benches, l->nbenches, sizeof(*l->benches), cmp_name);
	if (!found)
		return 0;
	l->current = found - l->benches;
	memset(l->sum, 0, l->h.n * sizeof(*l->sum));
	memset(l->count, 0, l->h.n * sizeof(*l->count));
	return 0;
}

/* The run of benchmark run_id that has wall iterations, NULL: none. The
 * values come by benchmark, then run: the last one found starts each
 * search. */
static struct bench_run *bench_run_find(struct loader *l, const char *benchmark, int64_t run_id)
{
	struct bench_runs *br;
	size_t lo = 0, hi;
	if (l->at >= l->nbenches || strcmp(l->benches[l->at], benchmark) != 0) {
		char **found = bsearch(benchmark, l->benches, l->nbenches, sizeof(*l->benches),
				       cmp_name);
		if (!found)
			return NULL;
		l->at = (size_t)(found - l->benches);
	}
	br = &l->bruns[l->at];
	if (br->at < br->n && br->list[br->at].run == run_id)
		return &br->list[br->at];
	if (br->at < br->n && br->list[br->at].run < run_id)
		lo = br->at + 1;
	hi = br->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (br->list[mid].run < run_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == br->n || br->list[lo].run != run_id)
		return NULL;
	br->at = lo;
	return &br->list[lo];
}

/* A described run's mean of the metric being read (the keeper's, of every
 * iteration): it stands for its samples. */
static int described_mean(void *ctx, const char *benchmark, int64_t run_id, double mean)
{
	struct loader *l = ctx;
	const struct run_point *rp = run_map_find(l->map, run_id);
	struct bench_run *r;
	if (!rp)
		return 0;
	l->described[rp - l->map->map] = true;
	if (isfinite(mean) && (r = bench_run_find(l, benchmark, run_id))) {
		r->msum = mean * (double)r->n;
		r->mcount = r->n;
	}
	return 0;
}

/* The run whose samples were gathered: their mean taken as the keeper
 * takes a described run's (stats_mean, the same values in the same order),
 * so that a run weighs the same, bit for bit, before and after it is
 * described, and a tree written by run --out reads as the mount later does. */
static void gather_flush(struct loader *l)
{
	double mean;
	if (l->gather && l->nvalues && stats_mean(&mean, l->values, l->nvalues) == STATS_OK) {
		l->gather->msum = mean * (double)l->nvalues;
		l->gather->mcount = (int64_t)l->nvalues;
	}
	l->gather = NULL;
	l->nvalues = 0;
}

/* One sample of the metric being read (by benchmark, run, iteration). */
static int metric_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct loader *l = ctx;
	struct bench_run *r;
	int rc;
	if (!isfinite(value) || !(r = bench_run_find(l, benchmark, run_id)))
		return 0;
	if (r != l->gather) {
		gather_flush(l);
		l->gather = r;
	}
	if ((rc = ALLOC_GROW(l->values, l->nvalues + 1, l->values_alloc)))
		return rc;
	l->values[l->nvalues++] = value;
	return 0;
}

/* One metric of every benchmark along the history: the keeper's means of
 * the runs it described (cpu and memory: one row a run and benchmark, where
 * the samples are ten or a thousand), the samples of the others, each
 * benchmark's runs then added up per commit. */
static int load_metric(struct loader *l, const struct run_map *map)
{
	int64_t *rest = malloc((map->n + 1) * sizeof(*rest));
	size_t nrest = 0;
	int rc = 0;
	if (!rest)
		return -ENOMEM;
	memset(l->described, 0, (map->n + 1) * sizeof(*l->described));
	for (size_t i = 0; i < l->nbenches; i++) {
		l->bruns[i].at = 0;
		for (size_t k = 0; k < l->bruns[i].n; k++) {
			l->bruns[i].list[k].msum = 0;
			l->bruns[i].list[k].mcount = 0;
		}
	}
	if (metric_described(l->def->name))
		rc = store_errno(store_metric_means_described(l->ctx->store, map->runs, map->n,
							      l->def->name, described_mean, l));
	for (size_t i = 0; i < map->n; i++)
		if (!l->described[i])
			rest[nrest++] = map->runs[i];
	if (!rc && nrest)
		rc = store_errno(store_samples_of_runs(l->ctx->store, rest, nrest, l->def->name,
						       NULL, metric_sample, l));
	gather_flush(l);
	free(rest);
	for (size_t i = 0; i < l->nbenches && !rc; i++) {
		const struct bench_runs *br = &l->bruns[i];
		memset(l->sum, 0, l->h.n * sizeof(*l->sum));
		memset(l->count, 0, l->h.n * sizeof(*l->count));
		l->nonzero = false;
		for (size_t k = 0; k < br->n; k++) {
			const struct run_point *rp = run_map_find(map, br->list[k].run);
			if (!rp || !br->list[k].mcount)
				continue;
			l->sum[rp->point] += br->list[k].msum;
			l->count[rp->point] += br->list[k].mcount;
			l->nonzero |= br->list[k].msum != 0;
		}
		l->current = (ssize_t)i;
		rc = flush_metric(l);
	}
	return rc;
}

/* Every benchmark's metrics along the history, each metric the history's
 * runs have in turn. */
static int load_metrics(struct loader *l, const struct run_map *map)
{
	int rc;
	if ((rc = store_errno(store_metrics_of_runs(l->ctx->store, &l->defs, &l->ndefs, map->runs,
						    map->n, NULL))) ||
	    !l->ndefs)
		return rc;
	for (size_t i = 0; i < l->nbenches; i++)
		if (!(l->rows[i].metrics = calloc(l->ndefs, sizeof(*l->rows[i].metrics))))
			return -ENOMEM;
	if (!(l->described = calloc(map->n + 1, sizeof(*l->described))))
		return -ENOMEM;
	for (size_t d = 0; d < l->ndefs && !rc; d++) {
		l->def = &l->defs[d];
		rc = load_metric(l, map);
	}
	return rc;
}

static int sum_row(void *ctx, const char *benchmark, int64_t run_id, int64_t n,
		   int64_t sum_wall_ns, int64_t min_wall_ns)
{
	struct loader *l = ctx;
	const struct run_point *rp = run_map_find(l->map, run_id);
	struct bench_runs *br;
	int rc;
	(void)min_wall_ns;
	if (!rp || n <= 0)
		return 0;
	if ((rc = loader_next_bench(l, benchmark)) || l->current < 0)
		return rc;
	l->sum[rp->point] += (double)sum_wall_ns;
	l->count[rp->point] += n;
	/* The run's iterations weigh its described means of the metrics. */
	br = &l->bruns[l->current];
	if ((rc = ALLOC_GROW(br->list, br->n + 1, br->alloc)))
		return rc;
	br->list[br->n++] = (struct bench_run){.run = run_id, .n = n};
	return 0;
}

/* Every benchmark's row, its means along the branch's history. */
static int load_benches(struct loader *l, const char *tip)
{
	struct run_map map = {0};
	int rc;
	if (store_benchmark_names(l->ctx->store, &l->benches, &l->nbenches))
		return -EIO;
	if (!(l->rows = calloc(l->nbenches + 1, sizeof(*l->rows))) ||
	    !(l->bruns = calloc(l->nbenches + 1, sizeof(*l->bruns))))
		return -ENOMEM;
	for (size_t i = 0; i < l->nbenches; i++)
		l->rows[i] = (struct dashboard_bench){.name = l->benches[i], .last = NAN, .prev = NAN};
	if (!tip)
		return 0;
	if ((rc = history_load(&l->h, l->ctx, tip)) || (rc = run_map_build(&map, &l->h)))
		return rc;
	l->map = &map;
	l->current = -1;
	/* The sums stay when retention summarizes a run: every run counts. */
	if (!(l->sum = calloc(l->h.n + 1, sizeof(*l->sum))) ||
	    !(l->count = calloc(l->h.n + 1, sizeof(*l->count))))
		rc = -ENOMEM;
	else if (!(rc = store_errno(store_sums_of_runs(l->ctx->store, map.runs, map.n, sum_row, l))) &&
		 !(rc = flush_bench(l)))
		rc = load_metrics(l, &map);
	run_map_free(&map);
	l->map = NULL;
	return rc;
}

static bool is_full_hash(const char *s, size_t len)
{
	return len == STORE_HASH_LEN && strspn(s, "0123456789abcdef") >= len;
}

/* The point of commit in the history, or -1. */
static ssize_t history_point(const struct history *h, const char *commit)
{
	for (size_t i = h->n; i-- > 0;)
		if (strcmp(h->points[i].commit, commit) == 0)
			return (ssize_t)i;
	return -1;
}

/* A before or after figure in unit as the page shows values ("s": wall
 * time's seconds), or as it is when unit is NULL (an instruction count). */
static char *figure(const char *text, const char *unit)
{
	char buf[64], *end;
	double v = strtod(text, &end);
	if (!unit || end == text || *end || !isfinite(v))
		return strdup(text);
	format_metric(buf, sizeof(buf), unit, v);
	return strdup(buf);
}

/* The row of the benchmark named name, NULL: none. */
static struct dashboard_bench *row_named(struct loader *l, const char *name)
{
	char **found = bsearch(name, l->benches, l->nbenches, sizeof(*l->benches), cmp_name);
	return found ? &l->rows[found - l->benches] : NULL;
}

/* The row and metric a regressions line names as <bench>:<metric> (a metric
 * of the history's runs, a benchmark with a row): *metric NULL when it
 * names none (wall time's line, or a benchmark whose name holds a ':'). */
static int line_metric(struct dashboard_bench **row, const struct store_metric_def **metric,
		       struct loader *l, const char *name)
{
	const char *colon = strrchr(name, ':');
	char *bench;
	*row = NULL;
	*metric = NULL;
	for (size_t d = 0; colon && d < l->ndefs && !*metric; d++)
		if (strcmp(l->defs[d].name, colon + 1) == 0)
			*metric = &l->defs[d];
	if (!*metric)
		return 0;
	if (!(bench = strndup(name, (size_t)(colon - name))))
		return -ENOMEM;
	if (!(*row = row_named(l, bench)))
		*metric = NULL;
	free(bench);
	return 0;
}

/* Mark row (and its metric named metric, when not NULL) as regressed. */
static void mark_regressed(struct dashboard_bench *row, const char *metric)
{
	row->regressed = true;
	for (size_t i = 0; metric && i < row->nmetrics; i++)
		if (strcmp(row->metrics[i].name, metric) == 0)
			((struct dashboard_metric *)&row->metrics[i])->regressed = true;
}

#define SUFFIX_COUNT ":" INSTRUCTIONS

/* One line of the regressions file (fields split in f) as a row, when
 * its alert is still open; else counted in *settled. */
static int add_regression(struct loader *l, struct dashboard_regression **list, size_t *n,
			  size_t *alloc, size_t *settled, char **f, size_t nf)
{
	struct dashboard_regression r = {0};
	const char *state = nf > 12 ? f[12] : "new", *dots, *unit;
	size_t blen = strlen(f[1]);
	bool count = blen > strlen(SUFFIX_COUNT) &&
		     strcmp(f[1] + blen - strlen(SUFFIX_COUNT), SUFFIX_COUNT) == 0;
	const struct store_metric_def *metric = NULL;
	struct dashboard_bench *row = NULL;
	char *a = NULL, *b = NULL;
	int rc = 0;
	if (strcmp(state, "new") != 0 && strcmp(state, "ack") != 0) {
		(*settled)++;
		return 0;
	}
	if (!count && (rc = line_metric(&row, &metric, l, f[1])))
		return rc;
	unit = count ? NULL : metric ? metric->unit : "s";
	r.state = own(&l->owned, strdup(state), &rc);
	r.commit = commit_name(l, f[0], &rc);
	r.bench = own(&l->owned, strdup(f[1]), &rc);
	r.history = own(&l->owned, strndup(f[1], count ? blen - strlen(SUFFIX_COUNT) : blen), &rc);
	r.before = own(&l->owned, figure(f[2], unit), &rc);
	r.after = own(&l->owned, figure(f[3], unit), &rc);
	/* Its row's badge; a metric's line marks that metric too (its history
	 * is <bench>:<metric>, no row's name). */
	if (!rc && (row || (row = row_named(l, r.history))))
		mark_regressed(row, metric ? metric->name : NULL);
	r.change = own(&l->owned, strdup(f[4]), &rc);
	/* The range it was narrowed to, else the benchmarked commit before it. */
	if (nf > 10 && (dots = strstr(f[10], "..")) && is_full_hash(f[10], (size_t)(dots - f[10])) &&
	    is_full_hash(dots + 2, strlen(dots + 2))) {
		if (!(a = strndup(f[10], (size_t)(dots - f[10]))) || !(b = strdup(dots + 2)))
			rc = rc ? rc : -ENOMEM;
	} else {
		ssize_t p = history_point(&l->h, f[0]);
		if (p > 0 && (!(a = strdup(l->h.points[p - 1].commit)) || !(b = strdup(f[0]))))
			rc = rc ? rc : -ENOMEM;
	}
	if (a && b && !rc) {
		const char *na = commit_name(l, a, &rc), *nb = commit_name(l, b, &rc);
		char *name = NULL;
		if (!rc && asprintf(&name, "%s..%s.md", na, nb) < 0)
			name = NULL;
		r.compare = own(&l->owned, name, &rc);
	}
	free(a);
	free(b);
	/* Confirmed by an A/B job: its two runs, A's first. */
	if (!rc && nf > 9 && strcmp(f[9], "paired") == 0) {
		long long ra, rb;
		char *name = NULL;
		int used = 0;
		if (sscanf(f[6], "%lld,%lld%n", &ra, &rb, &used) == 2 && !f[6][used] &&
		    asprintf(&name, "run-%lld..run-%lld.md", ra, rb) >= 0)
			r.job = own(&l->owned, name, &rc);
	}
	if (rc || (rc = ALLOC_GROW(*list, *n + 1, *alloc)))
		return rc;
	(*list)[(*n)++] = r;
	return 0;
}

/* Split line at tabs into at most max fields (line is modified). */
static size_t split_tabs(char **f, size_t max, char *line)
{
	size_t n = 0;
	f[n++] = line;
	for (char *c = line; *c && n < max; c++)
		if (*c == '\t') {
			*c = '\0';
			f[n++] = c + 1;
		}
	return n;
}

static int load_regressions(struct loader *l, struct dashboard_page *page, const char *tip)
{
	struct dashboard_regression *list = NULL;
	size_t n = 0, alloc = 0;
	char *text = NULL, *save = NULL;
	int rc;
	if (!tip)
		return 0;
	if ((rc = regressions_render(&text, l->ctx, tip)))
		return rc;
	for (char *line = strtok_r(text, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[16];
		size_t nf = split_tabs(f, 16, line);
		if (nf >= 5)
			rc = add_regression(l, &list, &n, &alloc, &page->nsettled, f, nf);
	}
	free(text);
	page->regressions = list;
	page->nregressions = n;
	return rc;
}

/* The newest runs, newest first (ids grow and are never reused). */
static int load_runs(struct loader *l, struct dashboard_page *page, struct dashboard_run *runs)
{
	int64_t count = 0, max_id = 0;
	int rc;
	if ((rc = store_errno(store_run_listing_span(l->ctx->store, &count, &max_id))))
		return rc;
	for (int64_t id = max_id; id > 0 && page->nruns < DASHBOARD_RUNS && !rc; id--) {
		struct store_run run;
		struct dashboard_run *r = &runs[page->nruns];
		char *status;
		int got = store_run_get_light(l->ctx->store, &run, id);
		if (got == STORE_NOTFOUND)
			continue;
		if ((rc = store_errno(got)))
			break;
		if ((status = run_status_text(&run)))
			status[strcspn(status, "\n")] = '\0';
		*r = (struct dashboard_run){
			.id = id,
			.when_ns = run.finished_ns ? run.finished_ns : run.created_ns,
		};
		r->status = own(&l->owned, status, &rc);
		r->revision = own(&l->owned, strdup(run.revision ? run.revision : ""), &rc);
		r->commit = commit_name(l, run.commit, &rc);
		store_run_clear(&run);
		page->nruns++;
	}
	page->runs = runs;
	return rc;
}

/* The queue file's lines as runs: run, revision, commit, status, job (the
 * labels and runner fields after it are not shown). */
static int load_queue(struct loader *l, struct dashboard_page *page, struct dashboard_run **out)
{
	struct dashboard_run *list = NULL;
	size_t n = 0, alloc = 0;
	char *text = NULL, *save = NULL;
	int rc;
	*out = NULL;
	if ((rc = queue_list_text(&text, l->ctx->store)))
		return rc;
	for (char *line = strtok_r(text, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[7];
		struct dashboard_run r = {0};
		if (split_tabs(f, 7, line) < 5 || (r.id = view_parse_run_name(f[0])) < 0)
			continue;
		r.revision = own(&l->owned, strdup(f[1]), &rc);
		r.commit = commit_name(l, f[2], &rc);
		r.status = own(&l->owned, strdup(f[3]), &rc);
		if (strcmp(f[4], "-") != 0)
			r.job = own(&l->owned, strdup(f[4]), &rc);
		if (!rc && !(rc = ALLOC_GROW(list, n + 1, alloc)))
			list[n++] = r;
	}
	free(text);
	*out = list;
	page->queue = list;
	page->nqueue = n;
	return rc;
}

/* The branch as people name it: main, origin/release. */
static const char *branch_short(const char *branch)
{
	static const char *const prefixes[] = {"refs/heads/", "refs/remotes/", "refs/"};
	if (!branch)
		return NULL;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(branch, prefixes[i], strlen(prefixes[i])) == 0)
			return branch + strlen(prefixes[i]);
	return branch;
}

int dashboard_render(char **text, size_t *len, const struct view_ctx *ctx, const char *tip)
{
	struct loader l = {.ctx = ctx, .current = -1};
	struct dashboard_page page = {.branch = branch_short(ctx->branch), .host = ctx->host,
				      .threshold = ctx->threshold};
	struct dashboard_run runs[DASHBOARD_RUNS], *queue = NULL;
	int rc = 0;
	*text = NULL;
	if (tip)
		page.tip = commit_name(&l, tip, &rc);
	if (rc || (rc = load_benches(&l, tip)) || (rc = load_regressions(&l, &page, tip)) ||
	    (rc = load_queue(&l, &page, &queue)) || (rc = load_runs(&l, &page, runs)))
		goto done;
	page.ncommits = l.h.n;
	page.benches = l.rows;
	page.nbenches = l.nbenches;
	rc = dashboard_html(text, len, &page);
done:
	for (size_t i = 0; l.rows && i < l.nbenches; i++) {
		free((void *)l.rows[i].means);
		for (size_t m = 0; m < l.rows[i].nmetrics; m++)
			free((void *)l.rows[i].metrics[m].means);
		free((void *)l.rows[i].metrics);
	}
	for (size_t i = 0; l.bruns && i < l.nbenches; i++)
		free(l.bruns[i].list);
	free(l.bruns);
	free(l.described);
	free(l.values);
	free(l.defs);
	free(l.rows);
	store_names_free(l.benches, l.nbenches);
	free(l.sum);
	free(l.count);
	history_clear(&l.h);
	commit_names_free(l.names);
	owned_free(&l.owned);
	free((void *)page.regressions);
	free(queue);
	return rc;
}
