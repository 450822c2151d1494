/* benchfs check: the CI gate. It reads the verdicts compare/<A>..<B>.json
 * gives (or the regressions file) and the service levels of the
 * configuration at B (views/slo.h, as the mount's slo file judges them) and
 * turns them into an exit status, so a gate can never disagree with what
 * the mount shows for the same store. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"
#include "util/strbuf.h"
#include "views/alerts.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/history.h"
#include "views/regressions.h"
#include "views/sides.h"
#include "views/slo.h"

/* What one benchmark's row of the compare JSON says. */
struct check_row {
	const char *name, *verdict, *method, *instructions;
	double ratio, lo, hi, q;
	bool regressed;
	json_object *metrics; /* the row's "metrics": each one's verdict (borrowed) */
};

/* A declared metric's "worse" fails the gate; cpu and memory are shown
 * (store_metric_gates says why). */
static bool metric_regressed(const char *name, json_object *m)
{
	const char *verdict = json_string_at(m, "verdict");
	return store_metric_gates(name) && verdict && strcmp(verdict, "worse") == 0;
}


static void row_read(struct check_row *r, json_object *bench)
{
	json_object *ci, *ins;
	memset(r, 0, sizeof(*r));
	r->name = json_string_at(bench, "name");
	r->verdict = json_string_at(bench, "verdict");
	r->method = json_string_at(bench, "method");
	r->ratio = json_number_at(bench, "ratio");
	r->q = json_number_at(bench, "q_value");
	r->lo = r->hi = NAN;
	if (json_object_object_get_ex(bench, "ratio_ci", &ci) && ci &&
	    json_object_array_length(ci) == 2) {
		r->lo = json_object_get_double(json_object_array_get_idx(ci, 0));
		r->hi = json_object_get_double(json_object_array_get_idx(ci, 1));
	}
	if (json_object_object_get_ex(bench, "instructions", &ins) && ins)
		r->instructions = json_string_at(ins, "verdict");
	if (!json_object_object_get_ex(bench, "metrics", &r->metrics) ||
	    !json_object_is_type(r->metrics, json_type_object))
		r->metrics = NULL;
	/* Instruction counts are deterministic: a count beyond the threshold is
	 * a regression as surely as a decided wall time verdict. */
	r->regressed = (r->verdict && strcmp(r->verdict, "slower") == 0) ||
		       (r->instructions && strcmp(r->instructions, "slower") == 0);
	if (r->metrics) {
		json_object_object_foreach(r->metrics, name, m)
			r->regressed = r->regressed || metric_regressed(name, m);
	}
}

static void percent(struct strbuf *out, double ratio)
{
	if (isnan(ratio))
		strbuf_addstr(out, "-");
	else
		strbuf_addf(out, "%+.1f%%", (ratio - 1) * 100);
}

/* A metric's change: its ratio, or for a change from or to 0, which has no
 * ratio, the difference of the sides' means in the metric's unit. */
static void metric_change(struct strbuf *out, json_object *m)
{
	double ratio = json_number_at(m, "ratio");
	json_object *a = NULL, *b = NULL;
	const char *unit = json_string_at(m, "unit");
	if (isnan(ratio) && json_object_object_get_ex(m, "a", &a) &&
	    json_object_object_get_ex(m, "b", &b)) {
		double d = json_number_at(b, "mean") - json_number_at(a, "mean");
		if (!isnan(d)) {
			strbuf_addf(out, "%+g%s%s", d, unit ? " " : "", unit ? unit : "");
			return;
		}
	}
	percent(out, ratio);
}

static void row_text(struct strbuf *out, const struct check_row *r)
{
	strbuf_addf(out, "%-10s %s ", r->regressed ? "REGRESSED" : r->verdict ? r->verdict : "-",
		    r->name ? r->name : "?");
	percent(out, r->ratio);
	if (!isnan(r->lo)) {
		strbuf_addstr(out, " [");
		percent(out, r->lo);
		strbuf_addstr(out, ", ");
		percent(out, r->hi);
		strbuf_addstr(out, "]");
	}
	if (!isnan(r->q))
		strbuf_addf(out, " q=%.3g", r->q);
	if (r->instructions)
		strbuf_addf(out, " instructions %s", r->instructions);
	/* A metric is named when it moved or is undecided; unchanged ones are quiet. */
	if (r->metrics) {
		json_object_object_foreach(r->metrics, name, m) {
			const char *verdict = json_string_at(m, "verdict");
			if (!verdict || strcmp(verdict, "unchanged") == 0 ||
			    strcmp(verdict, "same build") == 0)
				continue;
			strbuf_addf(out, " %s %s ", name, verdict);
			metric_change(out, m);
			if (strcmp(verdict, "worse") == 0 && !store_metric_gates(name))
				strbuf_addstr(out, " (not gated)");
		}
	}
	strbuf_addch(out, '\n');
}

static json_object *row_json(const struct check_row *r, json_object *bench)
{
	json_object *o = json_object_new_object(), *ci = NULL;
	json_object_object_add(o, "name", json_object_new_string(r->name ? r->name : ""));
	json_object_object_add(o, "regressed", json_object_new_boolean(r->regressed));
	json_object_object_add(o, "verdict", r->verdict ? json_object_new_string(r->verdict) : NULL);
	json_object_object_add(o, "method", r->method ? json_object_new_string(r->method) : NULL);
	json_object_object_add(o, "ratio", json_number(r->ratio));
	if (json_object_object_get_ex(bench, "ratio_ci", &ci) && ci)
		ci = json_object_get(ci);
	json_object_object_add(o, "ratio_ci", ci);
	json_object_object_add(o, "q_value", json_number(r->q));
	json_object_object_add(o, "instructions_verdict",
			       r->instructions ? json_object_new_string(r->instructions) : NULL);
	/* Per metric: its verdict, ratio, and whether it takes part in the gate. */
	{
		json_object *metrics = json_object_new_object();
		if (r->metrics) {
			json_object_object_foreach(r->metrics, name, m) {
				json_object *e = json_object_new_object();
				const char *verdict = json_string_at(m, "verdict");
				json_object_object_add(e, "verdict",
						       verdict ? json_object_new_string(verdict) : NULL);
				json_object_object_add(e, "ratio", json_number(json_number_at(m, "ratio")));
				json_object_object_add(e, "gated", json_object_new_boolean(store_metric_gates(name)));
				json_object_object_add(e, "regressed",
						       json_object_new_boolean(metric_regressed(name, m)));
				json_object_object_add(metrics, name, e);
			}
		}
		json_object_object_add(o, "metrics", metrics);
	}
	return o;
}

/* The report and status of a compare's JSON text. */
static int check_compare(struct strbuf *report, json_object *out, const char *a, const char *b,
			 const char *compare_json)
{
	json_object *root = json_tokener_parse(compare_json), *benches, *rows;
	size_t n, regressed = 0, alen = 0;
	bool merge_base = side_merge_base_split(&alen, a);
	struct strbuf lines = STRBUF_INIT;
	if (!root || !json_object_object_get_ex(root, "benchmarks", &benches)) {
		json_object_put(root);
		return setup_fail(EXIT_TOOL, "check: the compare of %s..%s is not readable", a, b);
	}
	n = json_object_array_length(benches);
	rows = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *bench = json_object_array_get_idx(benches, i);
		struct check_row r;
		row_read(&r, bench);
		regressed += r.regressed;
		row_text(&lines, &r);
		json_object_array_add(rows, row_json(&r, bench));
	}
	/* A three-dot side a ("main...feature") is the merge base of main with b:
	 * the report names the comparison as it was written. */
	if (merge_base)
		strbuf_addf(report, "benchfs check %s: %s: %zu of %zu benchmarks regressed\n", a,
			    regressed ? "REGRESSED" : "ok", regressed, n);
	else
		strbuf_addf(report, "benchfs check %s..%s: %s: %zu of %zu benchmarks regressed\n", a,
			    b, regressed ? "REGRESSED" : "ok", regressed, n);
	strbuf_addbuf(report, &lines);
	strbuf_release(&lines);
	{
		json_object *cmp = json_object_new_object(), *v;
		json_object_object_add(cmp, "a", merge_base ? json_object_new_string_len(a, (int)alen)
							   : json_object_new_string(a));
		json_object_object_add(cmp, "b", json_object_new_string(b));
		json_object_object_add(cmp, "merge_base", json_object_new_boolean(merge_base));
		if (json_object_object_get_ex(root, "method", &v))
			json_object_object_add(cmp, "method", json_object_get(v));
		json_object_object_add(cmp, "benchmarks", rows);
		json_object_object_add(out, "compare", cmp);
	}
	json_object_put(root);
	return regressed ? EXIT_REGRESSED : EXIT_OK;
}

/* Whether a regressions line's benchmark field (<bench> or <bench>:<metric>)
 * may fail the gate: the built-in metrics' steps are shown and never fail
 * it, as compare's built-in metrics do not. */
static bool line_gated(const char *bench)
{
	const char *colon = strrchr(bench, ':');
	return !colon || store_metric_gates(colon + 1);
}

/* The report and status of the regressions file: every line is a
 * regression that was found and (for wall time) confirmed, and an alert
 * (views/alerts.h). The gate fails on the alerts still new: one someone
 * acknowledged, ignored or marked fixed is reported, marked triaged, and
 * passes; so does a built-in metric's step (line_gated). */
static int check_regressions(struct strbuf *report, json_object *out, struct cli_views *v)
{
	char tip[STORE_HASH_LEN + 1], *text = NULL;
	json_object *lines = json_object_new_array(), *alerts = json_object_new_array();
	struct strbuf body = STRBUF_INIT;
	size_t n = 0, untriaged = 0;
	int rc = history_tip(tip, &v->session->view);
	if (rc == 0)
		rc = regressions_render(&text, &v->session->view, tip);
	else if (rc == -ENOENT)
		rc = (text = strdup("")) ? 0 : -ENOMEM;
	if (rc) {
		json_object_put(lines);
		json_object_put(alerts);
		return setup_fail(EXIT_TOOL, "check: regressions: %s", strerror(-rc));
	}
	for (char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		struct alert_entry e;
		bool triaged = false, gated = true;
		json_object_array_add(lines, json_object_new_string_len(line, (int)len));
		if (alert_entry_parse(&e, line) == 0) {
			json_object *a = json_object_new_object();
			triaged = strcmp(e.f[ALERT_F_STATE], "new") != 0;
			gated = line_gated(e.f[ALERT_F_BENCH]);
			json_object_object_add(a, "id", json_object_new_string(e.f[ALERT_F_ID]));
			json_object_object_add(a, "state", json_object_new_string(e.f[ALERT_F_STATE]));
			json_object_object_add(a, "triaged", json_object_new_boolean(triaged));
			json_object_object_add(a, "gated", json_object_new_boolean(gated));
			json_object_object_add(a, "commit", json_object_new_string(e.f[ALERT_F_COMMIT]));
			json_object_object_add(a, "benchmark",
					       json_object_new_string(e.f[ALERT_F_BENCH]));
			json_object_array_add(alerts, a);
			alert_entry_clear(&e);
		}
		untriaged += !triaged && gated;
		strbuf_addf(&body, "%-10s %.*s\n", triaged ? "triaged" : gated ? "NEW" : "not-gated",
			    (int)len, line);
		n++;
		line += len + (line[len] == '\n');
	}
	strbuf_addf(report, "benchfs check regressions: %s: %zu new of %zu line%s\n",
		    untriaged ? "REGRESSED" : "ok", untriaged, n, n == 1 ? "" : "s");
	strbuf_addbuf(report, &body);
	strbuf_release(&body);
	json_object_object_add(out, "regressions", lines);
	json_object_object_add(out, "alerts", alerts);
	free(text);
	return untriaged ? EXIT_REGRESSED : EXIT_OK;
}

static json_object *slo_json(const struct slo_result *r)
{
	json_object *o = json_object_new_object(), *ci = NULL;
	/* A metric's floor (min) is judged as a ceiling is: one value per run. */
	bool max = r->kind != SLO_BAND;
	json_object_object_add(o, "name", json_object_new_string(r->bench));
	json_object_object_add(o, "kind",
			       json_object_new_string(r->kind == SLO_MIN ? "min" : max ? "max" : "band"));
	json_object_object_add(o, "metric", r->metric ? json_object_new_string(r->metric) : NULL);
	json_object_object_add(o, "unit", json_object_new_string(r->metric ? r->unit : "s"));
	json_object_object_add(o, "statistic",
			       max ? json_object_new_string(r->median ? "median" : "mean") : NULL);
	json_object_object_add(o, "max", r->kind == SLO_MAX ? json_number(r->limit) : NULL);
	json_object_object_add(o, "min", r->kind == SLO_MIN ? json_number(r->limit) : NULL);
	json_object_object_add(o, "baseline", max ? NULL : json_object_new_string(r->baseline));
	json_object_object_add(o, "tolerance", max ? NULL : json_number(r->limit));
	json_object_object_add(o, "value", json_number(r->value));
	if (!isnan(r->lo) && !isnan(r->hi) && (ci = json_object_new_array())) {
		json_object_array_add(ci, json_number(r->lo));
		json_object_array_add(ci, json_number(r->hi));
	}
	json_object_object_add(o, "interval", ci);
	json_object_object_add(o, "confidence", json_number(r->confidence));
	json_object_object_add(o, "runs", max ? json_object_new_int64((int64_t)r->runs) : NULL);
	json_object_object_add(o, "verdict", json_object_new_string(slo_verdict_name(r->verdict)));
	json_object_object_add(o, "breached", json_object_new_boolean(r->verdict == SLO_BREACHED));
	json_object_object_add(o, "reason", r->reason ? json_object_new_string(r->reason) : NULL);
	return o;
}

/* The exit status of a service level that cannot be judged, after its
 * message: a band whose baseline's newest run failed is the tool's failure
 * (a build that broke), as a side of a compare is; a baseline not pinned,
 * never measured or not done yet is bad input. */
static int slo_invalid(struct cli_views *v, const struct slo_result *r)
{
	struct side_ref ref;
	char *cmd = NULL;
	int rc = -1;
	if (r->baseline && side_resolve(&ref, &v->session->view, r->baseline) == 0 &&
	    asprintf(&cmd, "check: \"slo\" of %s (baseline %s)", r->bench, r->baseline) >= 0)
		rc = cli_side_unfinished(v, cmd, r->baseline, &ref);
	free(cmd);
	return rc >= 0 ? rc
		       : setup_fail(EXIT_INVALID, "check: \"slo\" of %s: %s", r->bench, r->reason);
}

/* The service levels of the configuration at rev: the report's lines, "slo"
 * in the JSON, and EXIT_REGRESSED when one is breached. One that names a
 * baseline not pinned or never measured is bad input, as a revision would
 * be. When rev is HEAD of the check without a revision and it has not been
 * measured, there is nothing to judge. */
static int check_slo(struct strbuf *report, json_object *out, struct cli_views *v,
		     const char *rev, bool optional)
{
	struct slo_result *results = NULL;
	json_object *arr;
	char *text;
	size_t n = 0, breached = 0;
	int rc = slo_evaluate(&results, &n, &v->session->view, v->setup.config, rev);
	if (rc == -ENOENT && optional)
		return EXIT_OK;
	if (rc == -ENOENT)
		return setup_fail(EXIT_INVALID, "check: %s names no finished run on this host", rev);
	if (rc)
		return setup_fail(EXIT_TOOL, "check: the service levels at %s: %s", rev, strerror(-rc));
	if (n == 0)
		return EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		if (results[i].invalid) {
			rc = slo_invalid(v, &results[i]);
			slo_results_free(results, n);
			return rc;
		}
		breached += results[i].verdict == SLO_BREACHED;
	}
	if (!(text = slo_results_text(results, n))) {
		slo_results_free(results, n);
		return setup_fail(EXIT_TOOL, "out of memory");
	}
	strbuf_addf(report, "benchfs check slo %s: %s: %zu of %zu service levels breached\n", rev,
		    breached ? "BREACHED" : "ok", breached, n);
	/* the slo file's lines, each led by what the gate makes of it */
	for (size_t i = 0, at = 0; i < n; i++) {
		size_t len = strcspn(text + at, "\n");
		strbuf_addf(report, "%-10s ", results[i].verdict == SLO_BREACHED ? "BREACHED"
					       : slo_verdict_name(results[i].verdict));
		for (size_t k = at; k < at + len; k++)
			text[k] == '\t' ? strbuf_addstr(report, "  ") : strbuf_addch(report, text[k]);
		strbuf_addch(report, '\n');
		at += len + 1;
	}
	free(text);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, slo_json(&results[i]));
	json_object_object_add(out, "slo", arr);
	json_object_object_add(out, "slo_rev", json_object_new_string(rev));
	slo_results_free(results, n);
	return breached ? EXIT_REGRESSED : EXIT_OK;
}

static int run_check(const struct cli_args *args)
{
	struct cli_views v;
	struct strbuf report = STRBUF_INIT;
	json_object *out = json_object_new_object();
	const char *a = NULL, *b = NULL;
	char *compare = NULL, *owned = NULL;
	bool json = false;
	int rc;
	if (args->format && strcmp(args->format, "json") == 0)
		json = true;
	else if (args->format && strcmp(args->format, "text") != 0) {
		json_object_put(out);
		return setup_fail(EXIT_INVALID, "check: --format is text or json, not %s",
				  args->format);
	}
	if (args->baseline) {
		if (args->nargs > 1) {
			json_object_put(out);
			return setup_fail(EXIT_INVALID, "check: --baseline NAME takes at most one"
							" revision (default HEAD)");
		}
		a = args->baseline;
		b = args->nargs ? args->args[0] : "HEAD";
	} else if (args->nargs == 1 || args->nargs == 2) {
		if ((rc = cli_compare_sides(&a, &b, &owned, "check", args))) {
			json_object_put(out);
			return rc;
		}
	} else if (args->nargs) {
		json_object_put(out);
		return setup_fail(EXIT_INVALID, "check: give A..B, A B, --baseline NAME, or nothing"
						" (the regressions file)");
	}
	if ((rc = cli_views_open(&v, args)))
		goto out;
	if (args->baseline) {
		struct store_baseline base;
		int got = store_baseline_get(v.session->store, &base, args->baseline);
		if (got == STORE_NOTFOUND) {
			rc = setup_fail(EXIT_INVALID, "check: no baseline %s (ls baselines/)",
					args->baseline);
			goto out;
		}
		if (got) {
			rc = setup_fail(EXIT_TOOL, "check: cannot read the baselines");
			goto out;
		}
	}
	if (a) {
		if ((rc = cli_compare_text(&compare, &v, "check", a, b, COMPARE_JSON)))
			goto out;
		rc = check_compare(&report, out, a, b, compare);
	} else {
		rc = check_regressions(&report, out, &v);
	}
	if (rc == EXIT_OK || rc == EXIT_REGRESSED) {
		int slo = check_slo(&report, out, &v, a ? b : "HEAD", !a);
		rc = slo == EXIT_OK ? rc : slo;
	}
	if (rc == EXIT_OK || rc == EXIT_REGRESSED) {
		int status = rc;
		json_object_object_add(out, "status", json_object_new_string(
							      status ? "regressed" : "ok"));
		json_object_object_add(out, "exit_code", json_object_new_int(status));
		if (json) {
			/* Laid out and rounded as compare's JSON is. */
			char *text = json_text(out);
			rc = text ? cli_write_out(text, strlen(text)) : setup_fail(EXIT_TOOL, "out of memory");
			free(text);
		} else {
			rc = report.len ? cli_write_out(report.buf, report.len) : 0;
		}
		rc = rc ? rc : status;
	}
out:
	json_object_put(out);
	strbuf_release(&report);
	free(compare);
	free(owned);
	cli_views_close(&v);
	return rc;
}

const struct cli_command cli_check = {
	.name = "check",
	.summary = "exit 3 when A..B shows a regression (or the regressions file a new,"
		   " untriaged alert) or a service level of B is breached",
	.usage = "[options] [--format text|json] [A..B | A B | --baseline NAME [REV]]",
	.run = run_check,
};
