/* views/export against a temporary store and repository, no mount: the
 * exact bytes of every format for a planted result.json (Bencher's and
 * github-action-benchmark's JSON, hyperfine's CSV and Markdown) and for a
 * planted A/B job (JUnit XML), the numbers as hyperfine's Rust prints them,
 * and the errors: a name that resolves to nothing, a commit without a
 * finished run, a format given the wrong kind of name. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "tests/unit/views/views_fixture.h"
#include "views/export.h"
#include "views/internal_export.h"

/* Three benchmarks: parameters (one value holds a comma), instructions, a
 * name with a pipe, one of a single iteration (stddev null). */
static const char result_json[] =
	"{\"results\": ["
	"{\"command\": \"./sort 1k a,b\", \"mean\": 0.060123456, \"stddev\": 0.000612345,"
	" \"median\": 0.0601, \"user\": 0.0033, \"system\": 0.0039, \"min\": 0.0595,"
	" \"max\": 0.0607, \"times\": [0.0595, 0.0601, 0.0607],"
	" \"parameters\": {\"size\": \"1k\", \"mode\": \"a,b\"},"
	" \"name\": \"sort[size=1k,mode=a,b]\", \"instructions\": 270130532},"
	"{\"command\": \"./x\", \"mean\": 0.0304, \"stddev\": 0.0005, \"median\": 0.0303,"
	" \"user\": 0.001, \"system\": 0.002, \"min\": 0.0299, \"max\": 0.0311,"
	" \"times\": [0.0299, 0.0303, 0.0311], \"parameters\": {\"size\": \"10k\"},"
	" \"name\": \"pipe|name\", \"instructions\": null},"
	"{\"command\": \"./once\", \"mean\": 1.5, \"stddev\": null, \"median\": 1.5,"
	" \"user\": 1, \"system\": 0.25, \"min\": 1.5, \"max\": 1.5, \"times\": [1.5],"
	" \"name\": \"once\"}"
	"]}";

struct fixture {
	struct vfix *f;
	char c1[41], c2[41], c3[41], c4[41], pair[100];
	int64_t run;
};

static unsigned long long seed = 7;

/* Uniform in [-0.5, 0.5): a repeatable jitter. */
static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

#define PAIRS 20

/* c1: one run with the planted result.json. c2: no run. c3 against c4: an
 * A/B job where "work" is 30% slower, "same" has the same iterations but
 * 10% more instructions, "gone" is measured on c3's side only and
 * x<&>"y" (markup in its name) on c4's only. */
static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	double a[PAIRS], b[PAIRS];
	int64_t ids[2];
	assert_non_null(x);
	x->f = vfix_new("export");
	vfix_commit(x->f, x->c1, "c1");
	vfix_commit(x->f, x->c2, "c2");
	vfix_commit(x->f, x->c3, "c3");
	vfix_commit(x->f, x->c4, "c4");
	x->run = vfix_start(x->f, x->c1);
	assert_int_equal(store_run_finish(x->f->store, x->run, RUN_DONE, "", result_json), STORE_OK);
	vfix_start_pair(x->f, ids, x->c3, x->c4);
	for (size_t i = 0; i < PAIRS; i++) {
		double drift = 1 + 0.05 * jitter();
		a[i] = 0.10 * drift * (1 + 0.01 * jitter());
		b[i] = 0.13 * drift * (1 + 0.01 * jitter());
	}
	vfix_samples(x->f, ids[0], "work", a, PAIRS);
	vfix_samples(x->f, ids[1], "work", b, PAIRS);
	vfix_samples(x->f, ids[0], "same", a, PAIRS);
	vfix_samples(x->f, ids[1], "same", a, PAIRS);
	vfix_samples(x->f, ids[0], "gone", a, PAIRS);
	vfix_samples(x->f, ids[1], "x<&>\"y\"", b, PAIRS);
	assert_int_equal(store_metric_add(x->f->store, ids[0], "same", "instructions", 1000),
			 STORE_OK);
	assert_int_equal(store_metric_add(x->f->store, ids[1], "same", "instructions", 1100),
			 STORE_OK);
	vfix_done(x->f, ids[0]);
	vfix_done(x->f, ids[1]);
	snprintf(x->pair, sizeof(x->pair), "%s..%s", x->c3, x->c4);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	vfix_free(x->f);
	free(x);
	return 0;
}

static char *render(struct fixture *x, const char *what, enum export_format format)
{
	char *text = NULL, err[512];
	size_t len = 0;
	int rc = export_render(&text, &len, &x->f->ctx, what, format, err, sizeof(err));
	if (rc)
		fail_msg("export %s as %s: %d %s", what, export_format_name(format), rc, err);
	assert_int_equal(len, strlen(text));
	return text;
}

static void expect(struct fixture *x, const char *what, enum export_format format,
		   const char *want)
{
	char *text = render(x, what, format);
	assert_string_equal(text, want);
	free(text);
}

static void test_bmf(void **state)
{
	struct fixture *x = *state;
	expect(x, x->c1, EXPORT_BMF,
	       "{\n"
	       "  \"sort[size=1k,mode=a,b]\": {\n"
	       "    \"latency\": {\n"
	       "      \"value\": 60123456,\n"
	       "      \"lower_value\": 59511111,\n"
	       "      \"upper_value\": 60735801\n"
	       "    },\n"
	       "    \"instructions\": {\n"
	       "      \"value\": 270130532\n"
	       "    }\n"
	       "  },\n"
	       "  \"pipe|name\": {\n"
	       "    \"latency\": {\n"
	       "      \"value\": 30400000,\n"
	       "      \"lower_value\": 29900000,\n"
	       "      \"upper_value\": 30900000\n"
	       "    }\n"
	       "  },\n"
	       "  \"once\": {\n"
	       "    \"latency\": {\n"
	       "      \"value\": 1500000000\n"
	       "    }\n"
	       "  }\n"
	       "}\n");
}

static void test_gab(void **state)
{
	struct fixture *x = *state;
	char want[4096];
	snprintf(want, sizeof(want),
		 "[\n"
		 "  {\n"
		 "    \"name\": \"sort[size=1k,mode=a,b]\",\n"
		 "    \"unit\": \"ns\",\n"
		 "    \"value\": 60123456,\n"
		 "    \"range\": \"± 612345\",\n"
		 "    \"extra\": \"median: 60100000 ns\\nmin: 59500000 ns\\nmax: 60700000 ns\\n"
		 "runs: 3\\nrun: 000001\\ncommit: %s\"\n"
		 "  },\n"
		 "  {\n"
		 "    \"name\": \"sort[size=1k,mode=a,b] (instructions)\",\n"
		 "    \"unit\": \"instructions\",\n"
		 "    \"value\": 270130532\n"
		 "  },\n"
		 "  {\n"
		 "    \"name\": \"pipe|name\",\n"
		 "    \"unit\": \"ns\",\n"
		 "    \"value\": 30400000,\n"
		 "    \"range\": \"± 500000\",\n"
		 "    \"extra\": \"median: 30300000 ns\\nmin: 29900000 ns\\nmax: 31100000 ns\\n"
		 "runs: 3\\nrun: 000001\\ncommit: %s\"\n"
		 "  },\n"
		 "  {\n"
		 "    \"name\": \"once\",\n"
		 "    \"unit\": \"ns\",\n"
		 "    \"value\": 1500000000,\n"
		 "    \"extra\": \"median: 1500000000 ns\\nmin: 1500000000 ns\\nmax: 1500000000 ns\\n"
		 "runs: 1\\nrun: 000001\\ncommit: %s\"\n"
		 "  }\n"
		 "]\n",
		 x->c1, x->c1, x->c1);
	expect(x, x->c1, EXPORT_GAB, want);
}

static void test_csv(void **state)
{
	struct fixture *x = *state;
	/* Parameter columns sorted by name, each benchmark's value or empty;
	 * a field with a comma quoted; a null stddev written as 0. */
	expect(x, x->c1, EXPORT_CSV,
	       "command,mean,stddev,median,user,system,min,max,parameter_mode,parameter_size\n"
	       "\"sort[size=1k,mode=a,b]\",0.060123456,0.000612345,0.0601,0.0033,0.0039,0.0595,"
	       "0.0607,\"a,b\",1k\n"
	       "pipe|name,0.0304,0.0005,0.0303,0.001,0.002,0.0299,0.0311,,10k\n"
	       "once,1.5,0,1.5,1,0.25,1.5,1.5,,\n");
}

static void test_md(void **state)
{
	struct fixture *x = *state;
	/* The first mean's unit for all; relative to the fastest (pipe|name),
	 * with its propagated standard deviation when both sides have one. */
	expect(x, x->c1, EXPORT_MD,
	       "| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |\n"
	       "|:---|---:|---:|---:|---:|\n"
	       "| `sort[size=1k,mode=a,b]` | 60.1 ± 0.6 | 59.5 | 60.7 | 1.98 ± 0.04 |\n"
	       "| `pipe\\|name` | 30.4 ± 0.5 | 29.9 | 31.1 | 1.00 |\n"
	       "| `once` | 1500.0 | 1500.0 | 1500.0 | 49.34 |\n");
}

/* A run's id is that run; "latest" and a commit are its newest finished run. */
static void test_names(void **state)
{
	struct fixture *x = *state;
	char *by_commit = render(x, x->c1, EXPORT_CSV), *by_run = render(x, "run-1", EXPORT_CSV);
	assert_string_equal(by_commit, by_run);
	free(by_commit);
	free(by_run);
}

/* Every occurrence of what in text replaced by with (no longer than what). */
static void replace_all(char *text, const char *what, const char *with)
{
	size_t lw = strlen(what), lr = strlen(with);
	for (char *p = strstr(text, what); p; p = strstr(p + lr, what)) {
		memcpy(p, with, lr);
		memmove(p + lr, p + lw, strlen(p + lw) + 1);
	}
}

static void test_junit(void **state)
{
	struct fixture *x = *state;
	char *text = render(x, x->pair, EXPORT_JUNIT), *stamp;
	/* The finish of B's run, UTC, without a zone (the schema has none). */
	assert_non_null(stamp = strstr(text, "timestamp=\""));
	stamp += strlen("timestamp=\"");
	assert_int_equal(strspn(stamp, "0123456789-T:"), 19);
	assert_int_equal(stamp[19], '"');
	memcpy(stamp, "YYYY-MM-DDTHH:MM:SS", 19);
	replace_all(text, x->c3, "C3");
	replace_all(text, x->c4, "C4");
	/* "same": wall time unchanged, but its instruction count regressed,
	 * which `benchfs check` counts as a regression too. */
	assert_string_equal(
		text,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuite name=\"benchfs C3..C4\" timestamp=\"YYYY-MM-DDTHH:MM:SS\" hostname=\"h\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"2\" time=\"0.457572491\">\n"
		"  <properties>\n"
		"    <property name=\"a\" value=\"C3\"/>\n"
		"    <property name=\"a_commit\" value=\"C3\"/>\n"
		"    <property name=\"b\" value=\"C4\"/>\n"
		"    <property name=\"b_commit\" value=\"C4\"/>\n"
		"    <property name=\"method\" value=\"paired\"/>\n"
		"    <property name=\"alpha\" value=\"0.05\"/>\n"
		"    <property name=\"threshold\" value=\"0.05\"/>\n"
		"  </properties>\n"
		"  <testcase name=\"gone\" classname=\"benchfs\" time=\"0.099444448\">\n"
		"    <skipped message=\"only in A (C3)\"/>\n"
		"  </testcase>\n"
		"  <testcase name=\"same\" classname=\"benchfs\" time=\"0.099444448\">\n"
		"    <failure message=\"wall time unchanged; instructions slower: +10.0% (1000 to 1100)\" type=\"slower\">A (C3): 99.44 ms ± 1.336 ms, 20 iterations\n"
		"B (C4): 99.44 ms ± 1.336 ms, 20 iterations\n"
		"change: +0.0% [+0.0%, +0.0%] at 95.16% confidence\n"
		"instructions: 1000 to 1100 (+10.0%)\n"
		"method: paired, threshold: ±5.0%</failure>\n"
		"  </testcase>\n"
		"  <testcase name=\"work\" classname=\"benchfs\" time=\"0.129341798\">\n"
		"    <failure message=\"slower: +30.0% [+29.8%, +30.3%] at 95.16% confidence, q=&lt;0.0001 (paired)\" type=\"slower\">A (C3): 99.44 ms ± 1.336 ms, 20 iterations\n"
		"B (C4): 129.3 ms ± 1.526 ms, 20 iterations\n"
		"change: +30.0% [+29.8%, +30.3%] at 95.16% confidence\n"
		"method: paired, threshold: ±5.0%</failure>\n"
		"  </testcase>\n"
		"  <testcase name=\"x&lt;&amp;&gt;&quot;y&quot;\" classname=\"benchfs\" time=\"0.129341798\">\n"
		"    <skipped message=\"only in B (C4)\"/>\n"
		"  </testcase>\n"
		"  <system-out>0 faster, 1 slower, 1 unchanged, 0 undecided, 0 same build</system-out>\n"
		"  <system-err></system-err>\n"
		"</testsuite>\n");
	free(text);
}

/* A breached service level at B fails the benchmark's test case as check
 * counts it: type "slo" when the compare alone would pass it, beside the
 * slowdown in one <failure> when it regressed too (the XSD allows one). */
static void test_junit_slo(void **state)
{
	struct fixture *x = *state;
	struct config *cfg = NULL;
	char err[512], *text, *work;
	assert_int_equal(config_parse(&cfg,
				      "{\"benchmarks\": ["
				      "{\"name\":\"work\",\"command\":\"x\","
				      " \"slo\":{\"baseline\":\"release\",\"tolerance\":0.05}},"
				      "{\"name\":\"same\",\"command\":\"x\","
				      " \"slo\":{\"baseline\":\"release\",\"tolerance\":0.05}}]}",
				      err, sizeof(err)),
			 0);
	assert_int_equal(store_baseline_set(x->f->store, "release", "c3", x->c3), STORE_OK);
	x->f->ctx.config = cfg;
	/* A threshold of 50%: work's +30% is no regression, its band of 5% is
	 * breached; same's band holds. */
	x->f->ctx.threshold = 0.5;
	text = render(x, x->pair, EXPORT_JUNIT);
	assert_non_null(strstr(text, " tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"2\""));
	assert_non_null(work = strstr(text, "<testcase name=\"work\""));
	/* (the planted samples' jitter depends on the tests run before) */
	assert_non_null(strstr(work, "<failure message=\"slo band release +5.0% breached: +30."));
	assert_non_null(strstr(work, "%] at 95.16% confidence\" type=\"slo\">B ("));
	assert_non_null(strstr(work, " iterations\nslo band release +5.0% breached: +30."));
	assert_non_null(strstr(text, "<testcase name=\"same\" classname=\"benchfs\" time=\"0.0"));
	assert_non_null(strstr(text, "0 same build; 1 of 2 service levels breached</system-out>"));
	free(text);
	/* The compare's threshold again: work regressed and breached, one failure. */
	x->f->ctx.threshold = 0.05;
	text = render(x, x->pair, EXPORT_JUNIT);
	assert_non_null(strstr(text, " failures=\"2\""));
	assert_non_null(work = strstr(text, "<testcase name=\"work\""));
	assert_non_null(strstr(work, "<failure message=\"slower: +30."));
	assert_non_null(strstr(work, "% confidence, q=&lt;0.0001 (paired); slo band release +5.0%"
				     " breached: +30."));
	assert_non_null(strstr(work, "type=\"slower\">A ("));
	assert_non_null(strstr(work, "threshold: ±5.0%\nslo band release +5.0% breached: +30."));
	free(text);
	x->f->ctx.config = NULL;
	config_free(cfg);
}

static void test_errors(void **state)
{
	struct fixture *x = *state;
	char *text = NULL, err[512], name[100];
	size_t len = 0;
	int64_t queued;
	assert_int_equal(export_render(&text, &len, &x->f->ctx, x->c1, EXPORT_JUNIT, err,
				       sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "junit compares two revisions"));
	assert_int_equal(export_render(&text, &len, &x->f->ctx, x->pair, EXPORT_BMF, err,
				       sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "bmf describes one run"));
	assert_int_equal(export_render(&text, &len, &x->f->ctx, "no-such-rev", EXPORT_CSV, err,
				       sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "no-such-rev names no finished run"));
	assert_int_equal(export_render(&text, &len, &x->f->ctx, x->c2, EXPORT_MD, err,
				       sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "its commit has no finished run"));
	snprintf(name, sizeof(name), "%s..no-such-rev", x->c3);
	assert_int_equal(export_render(&text, &len, &x->f->ctx, name, EXPORT_JUNIT, err,
				       sizeof(err)),
			 -ENOENT);
	snprintf(name, sizeof(name), "%s..%s", x->c1, x->c2);
	assert_int_equal(export_render(&text, &len, &x->f->ctx, name, EXPORT_JUNIT, err,
				       sizeof(err)),
			 -ENOENT);
	/* A run that is not done is no run to export. */
	queued = vfix_start(x->f, x->c2);
	snprintf(name, sizeof(name), "run-%lld", (long long)queued);
	assert_int_equal(export_render(&text, &len, &x->f->ctx, name, EXPORT_BMF, err,
				       sizeof(err)),
			 -ENOENT);
	/* A result.json that is not a result: the store's fault, not the name's. */
	assert_int_equal(store_run_finish(x->f->store, queued, RUN_DONE, "", "{\"results\": [{}]}"),
			 STORE_OK);
	assert_int_equal(export_render(&text, &len, &x->f->ctx, name, EXPORT_BMF, err,
				       sizeof(err)),
			 -EIO);
	assert_null(text);
}

static void test_formats(void **state)
{
	static const char *const names[] = {"bmf", "gab", "junit", "csv", "md"};
	enum export_format f;
	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(export_format_parse(&f, names[i]), 0);
		assert_string_equal(export_format_name(f), names[i]);
		assert_int_equal(export_format_compares(f), strcmp(names[i], "junit") == 0);
	}
	assert_int_equal(export_format_parse(&f, "xml"), -EINVAL);
	assert_int_equal(export_format_parse(&f, ""), -EINVAL);
}

/* The names of the files of exports: the format by its extension. */
static void test_parse_name(void **state)
{
	static const struct {
		const char *name, *what;
		enum export_format format;
	} cases[] = {
		{"v1.2.bmf.json", "v1.2", EXPORT_BMF},
		{"latest.gab.json", "latest", EXPORT_GAB},
		{"v1.1..v1.2.junit.xml", "v1.1..v1.2", EXPORT_JUNIT},
		{"run-42.csv", "run-42", EXPORT_CSV},
		{"HEAD~3.md", "HEAD~3", EXPORT_MD},
		/* .json alone is no export: compare/ and result.json have it. */
		{"v1.2.json", NULL, 0},
		{".md", NULL, 0},
		{"v1.2", NULL, 0},
	};
	enum export_format f;
	char *what;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = export_parse_name(&what, &f, cases[i].name);
		if (!cases[i].what) {
			assert_int_equal(rc, -ENOENT);
			assert_null(what);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(what, cases[i].what);
		assert_int_equal(f, cases[i].format);
		assert_string_equal(export_format_extension(f), cases[i].name + strlen(what));
		free(what);
	}
}

/* Rust's Display of an f64, which hyperfine's CSV uses. */
static void test_shortest(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{1, "1"},
		{16.5, "16.5"},
		{0.1, "0.1"},
		{0.060123456, "0.060123456"},
		{1e-7, "0.0000001"},
		{1.5e-10, "0.00000000015"},
		{1e21, "1000000000000000000000"},
		{123456789.125, "123456789.125"},
		{-0.5, "-0.5"},
		{0.1 + 0.2, "0.30000000000000004"},
		{0, "0"},
		{-0.0, "-0"},
		{INFINITY, "inf"},
		{NAN, "NaN"},
	};
	char buf[400];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		export_shortest(buf, sizeof(buf), cases[i].v);
		assert_string_equal(buf, cases[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_shortest),
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test_setup_teardown(test_bmf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_md, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_junit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_junit_slo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("export", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
