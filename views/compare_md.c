#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/result.h"
#include "stats/describe.h"
#include "stats/distributions.h"
#include "stats/hypothesis.h"
#include "stats/multiple.h"
#include "stats/noise.h"
#include "stats/paired.h"
#include "stats/verdict.h"
#include "util/runid.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/internal_compare.h"

/* ---- Markdown ---- */

static void md_cell(FILE *out, const char *text)
{
	/* A pipe would end the table cell. */
	for (; *text; text++) {
		if (*text == '|')
			fputs("\\|", out);
		else
			fputc(*text, out);
	}
}

/* Runs by their directory names, comma-separated. */
static void md_run_list(FILE *out, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[32];
		runid_dir_name(name, sizeof(name), ids[i]);
		fprintf(out, "%s%s", i ? ", " : "", name);
	}
}

static void md_side(FILE *out, const char *label, const struct side *s)
{
	fprintf(out, "| %s | `", label);
	md_cell(out, s->rev);
	if (s->merge_base) {
		fputs("`, merge base with `", out);
		md_cell(out, s->merge_with);
	}
	fprintf(out, "` | `%.12s` | ", s->ref.commit);
	md_cell(out, s->subject);
	fputs(" | ", out);
	md_run_list(out, s->runs, s->nruns);
	fputs(" | ", out);
	md_cell(out, s->host && *s->host ? s->host : "unknown");
	fputs(" |\n", out);
}

static void md_summary_cell(FILE *out, const struct stats_summary *s, enum time_unit unit)
{
	char mean[32], sd[32];
	format_time(mean, sizeof(mean), s->mean, unit);
	format_time(sd, sizeof(sd), s->stddev, unit);
	/* One sample has no spread (the JSON's stddev is null): none is shown. */
	if (s->n < 2)
		fprintf(out, "%s (%zu)", mean, s->n);
	else
		fprintf(out, "%s ± %s (%zu)", mean, sd, s->n);
}

/* The sample size behind a row's verdict. */
static void md_samples(FILE *out, const struct row *r, enum method method)
{
	if (method == METHOD_PAIRED) {
		fprintf(out, "%zu pairs", r->pairs);
		return;
	}
	fprintf(out, "%zu vs %zu runs; ", r->runs_a, r->runs_b);
	if (isfinite(r->sigma_run))
		fprintf(out, "σ %.2f%%, ", r->sigma_run * 100);
	fprintf(out, "%zu history runs", r->history_runs);
}

static void md_row(FILE *out, const struct row *r, enum method method)
{
	char change[32], lo[32], hi[32], conf[32], p[32], tp[32], q[32];
	enum time_unit unit;
	double smaller = r->a && r->b ? fmin(r->sa.mean, r->sb.mean) : r->a ? r->sa.mean : r->sb.mean;
	unit = time_unit_for(smaller);
	fputs("| ", out);
	md_cell(out, r->name);
	fputs(" | ", out);
	if (r->a)
		md_summary_cell(out, &r->sa, unit);
	else
		fputs("—", out);
	fputs(" | ", out);
	if (r->b)
		md_summary_cell(out, &r->sb, unit);
	else
		fputs("—", out);
	if (!r->a || !r->b) {
		fprintf(out, " | | | | | | only in %s |\n", r->a ? "a" : "b");
		return;
	}
	if (!r->compared) {
		fputs(" | | | | | | not comparable (mean of a is 0) |\n", out);
		return;
	}
	if (isfinite(r->ratio))
		format_percent(change, sizeof(change), r->ratio - 1);
	else
		snprintf(change, sizeof(change), "—");
	fprintf(out, " | %s | ", change);
	if (r->have_ci) {
		format_percent(lo, sizeof(lo), r->ci_lo - 1);
		format_percent(hi, sizeof(hi), r->ci_hi - 1);
		format_confidence(conf, sizeof(conf), r->confidence);
		fprintf(out, "[%s, %s] at %s", lo, hi, conf);
	} else {
		fputs("—", out);
	}
	format_p(p, sizeof(p), r->p, r->testable || isfinite(r->p));
	fprintf(out, " | %s", p);
	if (method == METHOD_PAIRED && isfinite(r->paired_t_p)) {
		format_p(tp, sizeof(tp), r->paired_t_p, true);
		fprintf(out, " (t: %s)", tp);
	}
	format_p(q, sizeof(q), r->out.q, r->testable);
	fprintf(out, " | %s | ", r->testable ? q : "—");
	md_samples(out, r, method);
	fprintf(out, " | %s", verdict_name(r->verdict));
	if (r->nunstable) {
		fputs(" (unstable run ", out);
		md_run_list(out, r->unstable, r->nunstable);
		fputc(')', out);
	}
	fputs(" |\n", out);
}

static void md_instructions(FILE *out, const struct comparison *c, double threshold)
{
	bool header = false;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		double a = 0, b = 0;
		char change[32];
		bool ha = instructions_of(&a, r->ia), hb = instructions_of(&b, r->ib);
		if (!ha && !hb)
			continue;
		if (!header) {
			fputs("## Instructions (callgrind, deterministic: the noise threshold alone "
			      "decides)\n\n| benchmark | a | b | change | verdict |\n"
			      "|---|---:|---:|---:|---|\n",
			      out);
			header = true;
		}
		fputs("| ", out);
		md_cell(out, r->name);
		if (ha)
			fprintf(out, " | %.0f", a);
		else
			fputs(" | —", out);
		if (hb)
			fprintf(out, " | %.0f", b);
		else
			fputs(" | —", out);
		if (ha && hb && a > 0) {
			format_percent(change, sizeof(change), b / a - 1);
			fprintf(out, " | %s | %s |\n", change, instructions_verdict(a, b, threshold));
		} else {
			fprintf(out, " | | %s |\n", ha && hb ? "not comparable" : ha ? "only in a" : "only in b");
		}
	}
	if (header)
		fputc('\n', out);
}

/* A baseline that a branch or tag of the same name shadows: which one the
 * side means, and how to name the other. */
static void md_shadowed(FILE *out, const struct side *s)
{
	if (!s->ref.shadowed[0])
		return;
	fputs("> **Note:** `", out);
	md_cell(out, s->rev);
	if (strcmp(s->ref.shadowed, s->ref.commit) == 0) {
		fputs("` is the baseline of that name; a branch or tag of the same name points at "
		      "the same commit.\n\n",
		      out);
		return;
	}
	fprintf(out,
		"` is the baseline of that name (%.12s); the branch or tag of the same name "
		"(%.12s) is not used here: name it by its hash to compare it.\n\n",
		s->ref.commit, s->ref.shadowed);
}

/* The benchmarks with a service that this A/B job left out: a user who
 * queued a..b sees why they are missing, and how to compare them. */
static void md_left_out(FILE *out, const struct comparison *c, const struct view_ctx *ctx)
{
	char **names;
	size_t n;
	if (comparison_left_out(&names, &n, c, ctx) || n == 0)
		return;
	fputs("> **Skipped:** ", out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", `" : "`", out);
		md_cell(out, names[i]);
		fputc('`', out);
	}
	fprintf(out, " %s left out of this A/B job: a benchmark with a service cannot be measured "
		     "in an interleaved A/B job (both commits' servers would need one port at "
		     "once). Queue each commit alone (echo <rev> > queue) and compare those runs "
		     "by id (compare/run-<a>..run-<b>.md): %s..%s names this job.\n\n",
		n == 1 ? "was" : "were", c->suggest_a, c->suggest_b);
	left_out_free(names, n);
}

/* Whether a row's verdict rests on an unstable run or a loaded machine. */
static bool row_warned(const struct row *r)
{
	return r->compared && (r->nunstable || row_interference(r));
}

/* What a reader must know before trusting any figure, shown in full: the
 * hosts differ, or there is nothing to test. */
static void md_warnings(FILE *out, const struct comparison *c)
{
	bool any = false;
	if (!c->a.host || !c->b.host || strcmp(c->a.host, c->b.host) != 0)
		fprintf(out, "> **Warning:** the sides were measured on different hosts (%s, %s); "
			     "their times are not comparable.\n\n",
			c->a.host && *c->a.host ? c->a.host : "unknown",
			c->b.host && *c->b.host ? c->b.host : "unknown");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		if (!row_warned(r))
			continue;
		fputs(any ? ", `" : "> **Warning:** unstable runs or a loaded machine behind the "
				    "verdict of `",
		      out);
		md_cell(out, r->name);
		fputc('`', out);
		any = true;
	}
	if (any)
		fputs(" (see Warnings).\n\n", out);
	if (c->same_build)
		fputs("The artifacts are byte-identical: same build; nothing to test.\n\n", out);
	/* Retention left them out of the sides (views/sides.c). */
	for (int s = 0; s < 2; s++) {
		const struct side *side = s ? &c->b : &c->a;
		if (side->pruned)
			fprintf(out, "> **Note:** the samples of %zu older run%s of %s were pruned (retention"
				     " keeps their statistics only); this side pools its %zu other run%s.\n\n",
				side->pruned, side->pruned == 1 ? "" : "s", s ? "B" : "A", side->nruns,
				side->nruns == 1 ? "" : "s");
	}
}

/* The benchmarks' own warnings with their runs and figures, folded. */
static void md_bench_warnings(FILE *out, const struct comparison *c)
{
	bool any = false;
	for (size_t i = 0; i < c->nrows; i++)
		any = any || row_warned(&c->rows[i]);
	if (!any)
		return;
	fputs("<details><summary>Warnings</summary>\n\n", out);
	any = false;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		if (!r->nunstable || !r->compared)
			continue;
		fputs(any ? ", " : "> **Warning:** the verdict rests on a run whose times stepped "
				   "while it was measured: ",
		      out);
		md_cell(out, r->name);
		fputs(" (", out);
		md_run_list(out, r->unstable, r->nunstable);
		fputc(')', out);
		any = true;
	}
	if (any)
		fputs(".\n\n", out);
	any = false;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		char fa[32] = "unknown", fb[32] = "unknown";
		if (!r->compared || !row_interference(r))
			continue;
		if (isfinite(r->other_a))
			snprintf(fa, sizeof(fa), "%.2f", r->other_a);
		if (isfinite(r->other_b))
			snprintf(fb, sizeof(fb), "%.2f", r->other_b);
		fputs(any ? "; " : "> **Warning:** other processes used the machine heavily or "
				   "unequally while the sides were measured (CPUs' worth of their time, "
				   "a vs b): ",
		      out);
		md_cell(out, r->name);
		fprintf(out, " %s vs %s", fa, fb);
		any = true;
	}
	if (any)
		fputs(".\n\n", out);
	fputs("</details>\n\n", out);
}

static void md_noise_model(FILE *out, const struct comparison *c, const struct view_ctx *ctx)
{
	char thr[32];
	snprintf(thr, sizeof(thr), "±%.3g%%", ctx->threshold * 100);
	fputs("## Noise model\n\n", out);
	if (c->method == METHOD_PAIRED)
		fputs("Method: paired. The sides are one interleaved A/B job; iteration i of a is "
		      "paired with iteration i of b, and each pair gives one log-ratio log(b/a), so "
		      "drift of the machine slower than one pair cancels. p is the Wilcoxon "
		      "signed-rank test of the log-ratios (the paired t-test's beside it); the change "
		      "and its interval are the Hodges-Lehmann estimate of the ratio and its "
		      "distribution-free interval at 1 - the level of the sequential look the job "
		      "stopped at (alpha is spent over the looks as pairs are added, so the "
		      "confidence differs per benchmark; p_sequential = p × alpha / level).",
		      out);
	else
		fprintf(out,
			"Method: runs. The sides are separate runs, and a run is one value, the log "
			"of its mean time: the iterations of one run share the machine's state and "
			"are not independent. The spread of one run's value (σ) is this host's "
			"run-to-run noise, from the consecutive differences (robust: MAD) of each "
			"benchmark's values over the newest %zu finished runs of this host that are "
			"not A/B sides (at most %d), pooled with the sides' own repeated runs; it is "
			"known after %d runs. The change is the ratio of the sides' geometric means, "
			"its interval the t interval at %g%%.",
			c->nhistory, NOISE_RUNS, STATS_NOISE_MIN_DIFFS + 1, (1 - ctx->alpha) * 100);
	fprintf(out,
		" Alpha %g, with the Benjamini-Hochberg correction over the %zu benchmark%s tested "
		"(q is the adjusted p-value): among the benchmarks called faster or slower, the "
		"expected share of false findings is at most alpha.",
		ctx->alpha, c->tested, c->tested == 1 ? "" : "s");
	if (c->method == METHOD_RUNS && ctx->threshold_auto) {
		size_t hist = 0, rows = 0;
		for (size_t i = 0; i < c->nrows; i++) {
			rows += c->rows[i].compared;
			hist += c->rows[i].compared && c->rows[i].threshold_history;
		}
		fprintf(out,
			" Threshold: auto, each benchmark's fence of its run-to-run changes on this "
			"host (Q3 + 1.5 IQR) once its noise is known, else the fixed %s: %zu of %zu "
			"from history.\n",
			thr, hist, rows);
	} else {
		fprintf(out, " Threshold: %s%s.\n", thr,
			ctx->threshold_auto ? " (auto applies to separate runs; pairs keep the fixed one)"
					    : " (configured)");
	}
	fputs("\nVerdicts: slower (faster) needs q <= alpha, the whole interval above (below) no "
	      "change and the estimate beyond the threshold; unchanged means the whole interval "
	      "lies within ±threshold; undecided is anything else, and says why.\n",
	      out);
}

/* ---- what a pull request's reader sees first ---- */

/* Text of the marker line: an HTML comment may not hold two dashes in a
 * row nor '<' or '>', so those (and '%', control bytes) are percent-encoded. */
static void md_marker_text(FILE *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 0x20 || ch == 0x7f || ch == '%' || ch == '<' || ch == '>' ||
		    (ch == '-' && p > text && p[-1] == '-'))
			fprintf(out, "%%%02X", ch);
		else
			fputc(ch, out);
	}
}

static void md_marker_side(FILE *out, const struct side *s)
{
	md_marker_text(out, s->rev);
	if (s->merge_base) {
		fputs("...", out);
		md_marker_text(out, s->merge_with);
	}
}

/* Whether the compare was named "<a>...<b>": a is the merge base of a and b. */
static bool three_dots(const struct comparison *c)
{
	return c->a.merge_base && !c->b.merge_base && strcmp(c->a.merge_with, c->b.rev) == 0;
}

/* The first line, the same for every rendering of one name whatever the
 * results: a bot finds and replaces its own comment by it. */
static void md_marker(FILE *out, const struct comparison *c)
{
	fputs("<!-- benchfs compare ", out);
	md_marker_side(out, &c->a);
	if (!three_dots(c)) {
		fputs("..", out);
		md_marker_side(out, &c->b);
	}
	fputs(" -->\n", out);
}

/* The change and interval of a compared row as the tables show them. */
static void md_change(char change[64], char interval[64], const struct row *r)
{
	if (isfinite(r->ratio))
		format_percent(change, 64, r->ratio - 1);
	else
		snprintf(change, 64, "—");
	if (r->have_ci) {
		char lo[16], hi[16], conf[16];
		format_percent(lo, sizeof(lo), r->ci_lo - 1);
		format_percent(hi, sizeof(hi), r->ci_hi - 1);
		format_confidence(conf, sizeof(conf), r->confidence);
		snprintf(interval, 64, "[%s, %s] at %s", lo, hi, conf);
	} else {
		snprintf(interval, 64, "—");
	}
}

static void format_metric(char *buf, size_t size, const struct metric_table *m, double v,
			  double scale_of);

/* A change from 0 as the headline names it: "+5.000 count from 0". */
static void md_metric_change(char *buf, size_t size, const struct metric_table *m,
			     const struct row *r)
{
	char diff[48];
	format_metric(diff, sizeof(diff), m, r->diff, fabs(r->diff));
	snprintf(buf, size, "%s%s %s 0", r->diff > 0 ? "+" : "", diff,
		 r->sa.mean == 0 ? "from" : "to");
}

/* The declared metrics that got worse (they fail benchfs check as a slower
 * wall time does), named in the headline: "Worse: `io` throughput -50.0%." */
static void md_headline_metrics(FILE *out, const struct comparison *c)
{
	bool any = false;
	for (size_t t = 0; t < c->nmetrics; t++) {
		const struct metric_table *m = &c->metrics[t];
		if (!store_metric_gates(m->def.name))
			continue;
		for (size_t i = 0; i < m->nrows; i++) {
			const struct row *r = &m->rows[i];
			char change[64];
			if (!r->compared || strcmp(metric_verdict_name(m, r->verdict), "worse") != 0)
				continue;
			if (r->from_zero)
				md_metric_change(change, sizeof(change), m, r);
			else
				format_percent(change, sizeof(change), r->ratio - 1);
			fputs(any ? ", `" : " Worse: `", out);
			md_cell(out, r->name);
			fputs("` ", out);
			md_cell(out, m->def.name);
			fprintf(out, " %s", change);
			any = true;
		}
	}
	if (any)
		fputc('.', out);
}

/* The overall verdict in a sentence, with the worst slowdown named. */
static void md_headline(FILE *out, const struct overall *o, const struct comparison *c)
{
	const char *v = o->verdict;
	size_t n = o->compared;
	if (o->worst) {
		char change[64], interval[64];
		md_change(change, interval, o->worst);
		fprintf(out, "**Slower:** %zu of %zu benchmark%s. Worst: `",
			c->verdicts[STATS_SLOWER], n, n == 1 ? "" : "s");
		md_cell(out, o->worst->name);
		fprintf(out, "` %s (%s).", change, interval);
	} else if (strcmp(v, "slower") == 0) {
		fputs("**Slower** in instruction counts; no wall time is slower.", out);
	} else if (strcmp(v, "same build") == 0) {
		fputs("**Same build:** the artifacts are byte-identical; nothing to test.", out);
	} else if (strcmp(v, "nothing compared") == 0) {
		fputs("**Nothing compared:** no benchmark has samples on both sides.", out);
	} else if (strcmp(v, "undecided") == 0) {
		fprintf(out, "**Undecided:** %zu of %zu benchmark%s; none found slower.",
			c->verdicts[STATS_UNDECIDED], n, n == 1 ? "" : "s");
	} else {
		bool faster = strcmp(v, "faster") == 0;
		fprintf(out, "**%s:** %zu of %zu benchmark%s; none found slower.",
			faster ? "Faster" : "Unchanged",
			c->verdicts[faster ? STATS_FASTER : STATS_UNCHANGED], n, n == 1 ? "" : "s");
	}
	if (o->worst_ins) {
		char change[32];
		format_percent(change, sizeof(change), o->worst_ins_change);
		fprintf(out, " Instructions: %zu slower, worst `", o->ins_slower);
		md_cell(out, o->worst_ins->name);
		fprintf(out, "` %s.", change);
	}
	md_headline_metrics(out, c);
	fputs("\n\n", out);
}

/* What a side named "<a>...<b>" stands for. */
static void md_merge_base(FILE *out, const struct side *s)
{
	if (!s->merge_base)
		return;
	fputc('`', out);
	md_cell(out, s->rev);
	fputs("` is the merge base of `", out);
	md_cell(out, s->rev);
	fputs("` and `", out);
	md_cell(out, s->merge_with);
	fprintf(out, "`: `%.12s` ", s->ref.commit);
	md_cell(out, s->subject);
	fputs(" (as in git diff `", out);
	md_cell(out, s->rev);
	fputs("...", out);
	md_cell(out, s->merge_with);
	fputs("`).\n\n", out);
}

/* The table a pull request's reader sees: narrow enough not to wrap in a
 * comment; the figures behind each row are in the Statistics block. */
static void md_compact(FILE *out, const struct comparison *c)
{
	fputs("| benchmark | change | interval | verdict |\n|---|---:|---|---|\n", out);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		char change[64], interval[64];
		fputs("| ", out);
		md_cell(out, r->name);
		if (!r->a || !r->b)
			fprintf(out, " | — | — | only in %s |\n", r->a ? "a" : "b");
		else if (!r->compared)
			fputs(" | — | — | not comparable (mean of a is 0) |\n", out);
		else {
			md_change(change, interval, r);
			fprintf(out, " | %s | %s | %s |\n", change, interval,
				verdict_name(r->verdict));
		}
	}
}

static void md_details_open(FILE *out, const char *summary)
{
	/* The blank line lets GitHub render the Markdown inside. */
	fprintf(out, "<details><summary>%s</summary>\n\n", summary);
}

static void md_details_close(FILE *out)
{
	fputs("\n</details>\n\n", out);
}

/* Which revision, commit, runs and host each side is, and the method. */
static void md_sides(FILE *out, const struct comparison *c)
{
	md_details_open(out, "Sides and method");
	fputs("| side | revision | commit | subject | runs | host |\n"
	      "|---|---|---|---|---|---|\n",
	      out);
	md_side(out, "a", &c->a);
	md_side(out, "b", &c->b);
	fputc('\n', out);
	md_shadowed(out, &c->a);
	if (strcmp(c->a.rev, c->b.rev) != 0)
		md_shadowed(out, &c->b);
	if (c->method == METHOD_PAIRED)
		fputs("Method: paired. The two sides are one interleaved A/B job (iterations "
		      "alternated in counterbalanced order a b b a a b b a ...), so slow drift of "
		      "the machine and the advantage of going second cancel out.\n",
		      out);
	else
		fputs("Method: runs. The sides are separate runs: each run counts as one value, "
		      "judged against this host's run-to-run noise (see Noise model).\n",
		      out);
	md_details_close(out);
}

static void md_statistics(FILE *out, const struct comparison *c)
{
	md_details_open(out, "Statistics per benchmark: means, p, q, samples");
	fputs("Wall time per iteration, mean ± standard deviation (iterations). Change is b/a - 1 "
	      "as the verdict estimates it, with the interval the verdict uses and its confidence; "
	      "p at the verdict's look, q after the correction over the benchmarks.\n\n",
	      out);
	fputs("| benchmark | a | b | change | interval | p | q | samples | verdict |\n"
	      "|---|---:|---:|---:|---|---:|---:|---|---|\n",
	      out);
	for (size_t i = 0; i < c->nrows; i++)
		md_row(out, &c->rows[i], c->method);
	md_details_close(out);
}

/* ---- metrics beside wall time ---- */

/* A value of metric m as its unit reads best: seconds and bytes scaled as
 * wall time is ("12.34 ms", "64.00 MiB"), any other unit as four
 * significant digits and the unit. */
static void format_metric(char *buf, size_t size, const struct metric_table *m, double v,
			  double scale_of)
{
	static const char *const bytes[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	if (strcmp(m->def.unit, "s") == 0) {
		format_time(buf, size, v, time_unit_for(scale_of));
	} else if (strcmp(m->def.unit, "bytes") == 0) {
		size_t k = 0;
		double div = 1;
		while (k + 1 < sizeof(bytes) / sizeof(bytes[0]) && fabs(scale_of) >= div * 1024) {
			div *= 1024;
			k++;
		}
		if (k == 0)
			snprintf(buf, size, "%.0f bytes", v);
		else
			snprintf(buf, size, "%.2f %s", v / div, bytes[k]);
	} else {
		/* About four significant digits of the row's smaller mean, and
		 * the spread to the same decimals. */
		double mag = fabs(scale_of) > 0 ? floor(log10(fabs(scale_of))) : 0;
		int decimals = mag >= 3 ? 0 : (int)(3 - mag);
		snprintf(buf, size, "%.*f %s", decimals > 9 ? 9 : decimals, v, m->def.unit);
	}
}

static void md_metric_cell(FILE *out, const struct metric_table *m, const struct stats_summary *s,
			   double scale_of)
{
	char mean[48], sd[48];
	format_metric(mean, sizeof(mean), m, s->mean, scale_of);
	format_metric(sd, sizeof(sd), m, s->stddev, scale_of);
	if (s->n < 2)
		fprintf(out, "%s (%zu)", mean, s->n);
	else
		fprintf(out, "%s ± %s (%zu)", mean, sd, s->n);
}

/* A metric at 0 on a side (a count of errors, say): no ratio b/a, so the
 * change is its absolute size, tested on the raw values (row_from_zero);
 * 0 on both sides is no change. */
static void md_metric_from_zero(FILE *out, const struct metric_table *m, const struct row *r,
				enum method method)
{
	char diff[64], q[32];
	if (r->sa.max == 0 && r->sb.max == 0) {
		fputs(" | 0 | — | — | — | unchanged (0 on both sides) |\n", out);
		return;
	}
	format_metric(diff, sizeof(diff), m, r->diff, fabs(r->diff));
	format_p(q, sizeof(q), r->out.q, r->testable);
	fprintf(out, " | %s%s (%s 0) | — | %s | ", r->diff > 0 ? "+" : "", diff,
		r->sa.mean == 0 ? "from" : "to", r->testable ? q : "—");
	md_samples(out, r, method);
	fprintf(out, " | %s |\n", metric_verdict_name(m, r->verdict));
}

static void md_metric_row(FILE *out, const struct metric_table *m, const struct row *r,
			  enum method method)
{
	char change[64], interval[64], q[32];
	double smaller = r->a && r->b ? fmin(r->sa.mean, r->sb.mean) : r->a ? r->sa.mean : r->sb.mean;
	fputs("| ", out);
	md_cell(out, r->name);
	fputs(" | ", out);
	if (r->a)
		md_metric_cell(out, m, &r->sa, smaller);
	else
		fputs("—", out);
	fputs(" | ", out);
	if (r->b)
		md_metric_cell(out, m, &r->sb, smaller);
	else
		fputs("—", out);
	if (!r->a || !r->b) {
		fprintf(out, " | | | | | only in %s |\n", r->a ? "a" : "b");
		return;
	}
	if (r->from_zero) {
		md_metric_from_zero(out, m, r, method);
		return;
	}
	if (!r->compared) {
		fprintf(out, " | | | | | not comparable (%s) |\n",
			r->sa.mean == 0 ? "0 on side a: its runs did not record it"
					: "negative values: no ratio, no change from 0");
		return;
	}
	md_change(change, interval, r);
	format_p(q, sizeof(q), r->out.q, r->testable);
	fprintf(out, " | %s | %s | %s | ", change, interval, r->testable ? q : "—");
	md_samples(out, r, method);
	fprintf(out, " | %s |\n", metric_verdict_name(m, r->verdict));
}

static bool any_from_zero(const struct comparison *c)
{
	for (size_t t = 0; t < c->nmetrics; t++)
		for (size_t i = 0; i < c->metrics[t].nrows; i++)
			if (c->metrics[t].rows[i].from_zero && c->metrics[t].rows[i].testable)
				return true;
	return false;
}

/* One table per metric after wall time's: the same statistics and verdict
 * rules, each verdict in the metric's own direction (a lower throughput is
 * worse), and why an undecided one stayed so. */
static void md_metrics(FILE *out, const struct comparison *c, const struct view_ctx *ctx)
{
	if (!c->nmetrics)
		return;
	fprintf(out, "## Metrics\n\nEach metric of the benchmarks, judged as wall time is (its "
		     "samples, the same method and rules, the same threshold), each a family of its "
		     "own in the correction (alpha %g): wall time's verdicts do not depend on them. "
		     "Verdicts read in the metric's direction: worse, better, unchanged, undecided.\n\n",
		ctx->alpha);
	if (any_from_zero(c))
		fputs("A metric at 0 on a side (a count of errors, say) has no ratio: its change is "
		      "the difference of the means, tested by Mann-Whitney U on the raw values (an "
		      "A/B job's iterations, or one mean per run of separate runs), and called in "
		      "its direction when its q is at most alpha.\n\n",
		      out);
	for (size_t t = 0; t < c->nmetrics; t++) {
		const struct metric_table *m = &c->metrics[t];
		bool reasons = false;
		fputs("### `", out);
		md_cell(out, m->def.name);
		fputs("` (", out);
		md_cell(out, m->def.unit);
		fprintf(out, ", %s is better): %zu worse, %zu better, %zu unchanged, %zu undecided\n\n",
			m->def.higher_is_better ? "higher" : "lower",
			m->verdicts[m->def.higher_is_better ? STATS_FASTER : STATS_SLOWER],
			m->verdicts[m->def.higher_is_better ? STATS_SLOWER : STATS_FASTER],
			m->verdicts[STATS_UNCHANGED], m->verdicts[STATS_UNDECIDED]);
		fputs("| benchmark | a | b | change | interval | q | samples | verdict |\n"
		      "|---|---:|---:|---:|---|---:|---|---|\n",
		      out);
		for (size_t i = 0; i < m->nrows; i++)
			md_metric_row(out, m, &m->rows[i], c->method);
		fputc('\n', out);
		for (size_t i = 0; i < m->nrows; i++) {
			const struct row *r = &m->rows[i];
			if (!r->compared || !r->reason)
				continue;
			if (!reasons)
				md_details_open(out, "Why undecided");
			fputs("- ", out);
			md_cell(out, r->name);
			fprintf(out, " %s: %s.\n", metric_verdict_name(m, r->verdict), r->reason);
			reasons = true;
		}
		if (reasons)
			md_details_close(out);
	}
}

/* The layout fits a pull request's comment and a CI job's summary: a
 * marker line, the verdict with the worst slowdown, a narrow table, what
 * must be read before trusting it (reasons, warnings), then the detail in
 * collapsed blocks, and the summary. */
void compare_render_md(FILE *out, const struct comparison *c, const struct view_ctx *ctx)
{
	struct overall o;
	bool reasons = false;
	compare_overall(&o, c, ctx->threshold);
	md_marker(out, c);
	fputs("# benchfs compare: `", out);
	md_cell(out, c->a.rev);
	fputs(three_dots(c) ? "` ... `" : "` .. `", out);
	md_cell(out, c->b.rev);
	fprintf(out, "`: %s\n\n", o.verdict);
	md_headline(out, &o, c);
	md_merge_base(out, &c->a);
	md_merge_base(out, &c->b);
	md_compact(out, c);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		if (!r->compared || !r->reason)
			continue;
		fputs(reasons ? "" : "\n", out);
		fputs("- ", out);
		md_cell(out, r->name);
		fprintf(out, " %s: %s.\n", verdict_name(r->verdict), r->reason);
		reasons = true;
	}
	fputc('\n', out);
	md_warnings(out, c);
	md_left_out(out, c, ctx);
	md_instructions(out, c, ctx->threshold);
	md_metrics(out, c, ctx);
	md_statistics(out, c);
	md_bench_warnings(out, c);
	md_sides(out, c);
	md_details_open(out, "Noise model and verdict rules");
	md_noise_model(out, c, ctx);
	md_details_close(out);
	fputs("## Summary\n\n", out);
	if (c->have_geomean && isnan(c->geomean.lo)) {
		char g[32];
		format_ratio(g, sizeof(g), c->geomean.geomean);
		fprintf(out, "Geometric mean of b/a over %zu benchmark%s: %s (no interval: %s).\n",
			c->geomean.k, c->geomean.k == 1 ? "" : "s", g,
			c->geomean.k == 1 ? "one benchmark without an interval of its own, and an "
					    "interval across benchmarks needs two"
					  : "a bound is beyond the range of a double");
	} else if (c->have_geomean) {
		char g[32], lo[32], hi[32], conf[32];
		format_ratio(g, sizeof(g), c->geomean.geomean);
		format_ratio(lo, sizeof(lo), c->geomean.lo);
		format_ratio(hi, sizeof(hi), c->geomean.hi);
		format_confidence(conf, sizeof(conf), c->geomean_confidence);
		fprintf(out, "Geometric mean of b/a over %zu benchmark%s: %s (%s interval %s to %s).\n",
			c->geomean.k, c->geomean.k == 1 ? "" : "s", g, conf, lo, hi);
	} else {
		fputs("No benchmark has samples on both sides.\n", out);
	}
	fprintf(out, "%zu faster, %zu slower, %zu unchanged, %zu undecided, %zu same build",
		c->verdicts[STATS_FASTER], c->verdicts[STATS_SLOWER], c->verdicts[STATS_UNCHANGED],
		c->verdicts[STATS_UNDECIDED], c->verdicts[VERDICT_SAME_BUILD]);
	if (c->only_a || c->only_b)
		fprintf(out, "; %zu only in a, %zu only in b", c->only_a, c->only_b);
	fputs(".\n", out);
}
