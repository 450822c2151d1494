/* views/compare against a temporary store and repository, no mount: the
 * name compare/ files are looked up by, and the Markdown and JSON of two
 * commits with planted samples. A clear slowdown is "slower" by the method
 * the sides call for (separate runs: "runs"; one interleaved A/B job:
 * "paired"); identical samples are never faster or slower. Three dots
 * compare a branch against its merge base, and the Markdown is laid out for
 * a pull request's comment: a marker line, the verdict, a narrow table,
 * the detail in <details>. */
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/fixture/git.h"
#include "tests/unit/views/views_fixture.h"
#include "views/compare.h"
#include "views/sides.h"

#define ITERATIONS 20

struct fixture {
	struct vfix *f;
	char c1[41], c2[41], c3[41], c4[41];
};

static unsigned long long seed = 42;

/* Uniform in [-0.5, 0.5): a repeatable jitter. */
static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

/* ITERATIONS times around mean, each within +-0.5%. */
static void times(double *out, double mean)
{
	for (size_t i = 0; i < ITERATIONS; i++)
		out[i] = mean * (1 + 0.01 * jitter());
}

/* c1 and c2: three separate runs each; c3 and c4: one A/B job. "work" is
 * 30% slower on c2 (c4) than on c1 (c3); "same" has the very same
 * iterations on both sides. */
static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	const double run_factor[3] = {1.0, 1.01, 0.99};
	double same[3][ITERATIONS], v[ITERATIONS], a[ITERATIONS], b[ITERATIONS];
	int64_t ids[2];
	assert_non_null(x);
	x->f = vfix_new("compare");
	vfix_commit(x->f, x->c1, "c1");
	vfix_commit(x->f, x->c2, "c2");
	vfix_commit(x->f, x->c3, "c3");
	vfix_commit(x->f, x->c4, "c4");
	for (int r = 0; r < 3; r++)
		times(same[r], 0.05 * run_factor[r]);
	for (int side = 0; side < 2; side++) {
		for (int r = 0; r < 3; r++) {
			int64_t id = vfix_start(x->f, side ? x->c2 : x->c1);
			times(v, (side ? 0.13 : 0.10) * run_factor[r]);
			vfix_samples(x->f, id, "work", v, ITERATIONS);
			vfix_samples(x->f, id, "same", same[r], ITERATIONS);
			vfix_done(x->f, id);
		}
	}
	vfix_start_pair(x->f, ids, x->c3, x->c4);
	for (size_t i = 0; i < ITERATIONS; i++) {
		double drift = 1 + 0.05 * jitter();
		a[i] = 0.10 * drift * (1 + 0.01 * jitter());
		b[i] = 0.13 * drift * (1 + 0.01 * jitter());
	}
	vfix_samples(x->f, ids[0], "work", a, ITERATIONS);
	vfix_samples(x->f, ids[1], "work", b, ITERATIONS);
	vfix_samples(x->f, ids[0], "same", a, ITERATIONS);
	vfix_samples(x->f, ids[1], "same", a, ITERATIONS);
	vfix_done(x->f, ids[0]);
	vfix_done(x->f, ids[1]);
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

static char *render(struct fixture *x, const char *a, const char *b, enum compare_format format)
{
	struct side_ref ra, rb;
	char *text = NULL;
	assert_int_equal(side_resolve(&ra, &x->f->ctx, a), 0);
	assert_int_equal(side_resolve(&rb, &x->f->ctx, b), 0);
	assert_int_equal(compare_render(&text, &x->f->ctx, a, &ra, b, &rb, format), 0);
	assert_non_null(text);
	return text;
}

/* The verdict column of bench's row in the Markdown table: the row's last cell. */
static void md_verdict(char *out, size_t size, const char *text, const char *bench)
{
	char key[64];
	const char *row, *end, *cell;
	snprintf(key, sizeof(key), "\n| %s | ", bench);
	assert_non_null(row = strstr(text, key));
	row++;
	assert_non_null(end = strchr(row, '\n'));
	/* "... | <verdict> |": the text between the last two bars, trimmed. */
	assert_true(end - row > 2 && end[-1] == '|');
	end--;
	for (cell = end; cell > row && cell[-1] != '|'; cell--)
		;
	while (cell < end && *cell == ' ')
		cell++;
	while (end > cell && end[-1] == ' ')
		end--;
	snprintf(out, size, "%.*s", (int)(end - cell), cell);
}

static struct json_object *json_bench(struct json_object *root, const char *bench)
{
	struct json_object *list, *name;
	assert_true(json_object_object_get_ex(root, "benchmarks", &list));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *b = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(b, "name", &name) &&
		    strcmp(json_object_get_string(name), bench) == 0)
			return b;
	}
	fail_msg("no benchmark %s", bench);
	return NULL;
}

static const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

static void expect_not_changed(const char *verdict)
{
	assert_string_not_equal(verdict, "slower");
	assert_string_not_equal(verdict, "faster");
}

static void check(struct fixture *x, const char *a, const char *b, const char *method)
{
	char *md = render(x, a, b, COMPARE_MD), *js = render(x, a, b, COMPARE_JSON);
	char line[64], verdict[64];
	struct json_object *root = json_tokener_parse(js);
	snprintf(line, sizeof(line), "\nMethod: %s. ", method);
	assert_non_null(strstr(md, line));
	md_verdict(verdict, sizeof(verdict), md, "work");
	assert_string_equal(verdict, "slower");
	md_verdict(verdict, sizeof(verdict), md, "same");
	expect_not_changed(verdict);

	assert_non_null(root);
	assert_string_equal(json_str(root, "method"), method);
	assert_string_equal(json_str(json_bench(root, "work"), "method"), method);
	assert_string_equal(json_str(json_bench(root, "work"), "verdict"), "slower");
	expect_not_changed(json_str(json_bench(root, "same"), "verdict"));
	json_object_put(root);
	free(md);
	free(js);
}

static void test_runs(void **state)
{
	struct fixture *x = *state;
	check(x, x->c1, x->c2, "runs");
}

static void test_paired(void **state)
{
	struct fixture *x = *state;
	check(x, x->c3, x->c4, "paired");
}

/* A side with no finished run has no comparison. */
static void test_no_runs(void **state)
{
	struct fixture *x = *state;
	struct side_ref ra, rb;
	char *text = NULL, c5[41];
	vfix_commit(x->f, c5, "c5");
	assert_int_equal(side_resolve(&ra, &x->f->ctx, x->c1), 0);
	assert_int_equal(side_resolve(&rb, &x->f->ctx, c5), 0);
	assert_int_equal(compare_render(&text, &x->f->ctx, x->c1, &ra, c5, &rb, COMPARE_MD),
			 -ENOENT);
	assert_null(text);
}

static void expect_name(const char *name, const char *a, const char *b, enum compare_format f)
{
	char *ga = NULL, *gb = NULL;
	enum compare_format gf;
	assert_int_equal(compare_parse_name(&ga, &gb, &gf, name), 0);
	assert_string_equal(ga, a);
	assert_string_equal(gb, b);
	assert_int_equal(gf, f);
	free(ga);
	free(gb);
}

static void expect_no_name(const char *name)
{
	char *a = NULL, *b = NULL;
	enum compare_format f;
	assert_int_equal(compare_parse_name(&a, &b, &f, name), -ENOENT);
}

static void test_parse_name(void **state)
{
	(void)state;
	expect_name("v1..v2.md", "v1", "v2", COMPARE_MD);
	expect_name("main~3..main.json", "main~3", "main", COMPARE_JSON);
	expect_name("a..b.md.md", "a", "b.md", COMPARE_MD);
	/* The first ".." splits: the rest is b's. */
	expect_name("a..b..c.json", "a", "b..c", COMPARE_JSON);
	expect_no_name("v1..v2");
	expect_no_name("v1..v2.txt");
	expect_no_name("v1v2.md");
	expect_no_name("..v2.md");
	expect_no_name("v1...md");
	expect_no_name("v1...json");
	/* Three dots: a names the merge base, as side_resolve reads it. */
	expect_name("main...feature.md", "main...feature", "feature", COMPARE_MD);
	expect_name("v1.2...v1.3.json", "v1.2...v1.3", "v1.3", COMPARE_JSON);
	expect_name("a.b..c.md", "a.b", "c", COMPARE_MD);
	expect_no_name("main....feature.md");
	expect_no_name("...feature.md");
	expect_no_name("main....md");
	expect_no_name("a...b..c.md");
	expect_no_name("a...b...c.md");
	expect_no_name(".md");
	expect_no_name(".json");
	expect_no_name("");
}

/* git -C the fixture's repository args..., which must succeed. */
#define GIT(...) assert_int_equal(test_git(NULL, 0, x->f->repo, __VA_ARGS__, (char *)NULL), 0)

/* Branch feature forks from main at c2 (main has moved on to c4 since) and
 * gets f1, measured three times: "work" 30% slower than on c2. */
static void fork_feature(struct fixture *x, char f1[41])
{
	const double run_factor[3] = {1.0, 1.01, 0.99};
	double v[ITERATIONS];
	GIT("branch", "feature", x->c2);
	GIT("checkout", "-q", "feature");
	vfix_commit(x->f, f1, "f1 on feature");
	GIT("checkout", "-q", "main");
	for (int r = 0; r < 3; r++) {
		int64_t id = vfix_start(x->f, f1);
		times(v, 0.169 * run_factor[r]);
		vfix_samples(x->f, id, "work", v, ITERATIONS);
		times(v, 0.05 * run_factor[r]);
		vfix_samples(x->f, id, "same", v, ITERATIONS);
		vfix_done(x->f, id);
	}
}

/* Characters (not bytes: "—" and "±" are one column each) of the longest
 * line of the first table, the lines from the first "|" to the next line
 * that is not a table's. */
static size_t first_table_width(const char *md)
{
	const char *line = strstr(md, "\n|");
	size_t widest = 0;
	assert_non_null(line);
	for (line++; *line == '|';) {
		const char *end = strchr(line, '\n');
		size_t chars = 0;
		assert_non_null(end);
		for (const char *p = line; p < end; p++)
			chars += ((unsigned char)*p & 0xc0) != 0x80;
		if (chars > widest)
			widest = chars;
		line = end + 1;
	}
	return widest;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* "main...feature": side a is where feature forked (c2), written "main"
 * and marked as the merge base in both formats; through the name's parser
 * as the mount and the command line split it. */
static void test_merge_base(void **state)
{
	struct fixture *x = *state;
	struct side_ref ref;
	struct json_object *root, *a, *b, *v;
	char f1[41], *na = NULL, *nb = NULL, *md, *js, line[256], verdict[64];
	enum compare_format format;
	fork_feature(x, f1);

	assert_int_equal(side_resolve(&ref, &x->f->ctx, "main...feature"), 0);
	assert_string_equal(ref.commit, x->c2);
	assert_int_equal(ref.run_id, 0);
	assert_int_equal(side_resolve(&ref, &x->f->ctx, "feature...main"), 0);
	assert_string_equal(ref.commit, x->c2);
	assert_int_equal(side_resolve(&ref, &x->f->ctx, "main...nosuch"), -ENOENT);
	assert_int_equal(side_resolve(&ref, &x->f->ctx, "main....feature"), -ENOENT);

	assert_int_equal(compare_parse_name(&na, &nb, &format, "main...feature.md"), 0);
	assert_string_equal(na, "main...feature");
	assert_string_equal(nb, "feature");
	md = render(x, na, nb, COMPARE_MD);
	js = render(x, na, nb, COMPARE_JSON);

	/* Side a is c2, written as "main". */
	snprintf(line, sizeof(line), "| a | `main`, merge base with `feature` | `%.12s` |", x->c2);
	assert_non_null(strstr(md, line));
	snprintf(line, sizeof(line),
		 "\n`main` is the merge base of `main` and `feature`: `%.12s` c2 (as in git diff "
		 "`main...feature`).\n",
		 x->c2);
	assert_non_null(strstr(md, line));
	md_verdict(verdict, sizeof(verdict), md, "work");
	assert_string_equal(verdict, "slower");

	assert_non_null(root = json_tokener_parse(js));
	assert_true(json_object_object_get_ex(root, "a", &a));
	assert_true(json_object_object_get_ex(root, "b", &b));
	assert_string_equal(json_str(a, "rev"), "main");
	assert_string_equal(json_str(a, "commit"), x->c2);
	assert_true(json_object_object_get_ex(a, "merge_base", &v) && json_object_get_boolean(v));
	assert_string_equal(json_str(a, "merge_base_with"), "feature");
	assert_string_equal(json_str(b, "rev"), "feature");
	assert_string_equal(json_str(b, "commit"), f1);
	assert_true(json_object_object_get_ex(b, "merge_base", &v) && !json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(b, "merge_base_with", &v) && v == NULL);
	assert_string_equal(json_str(json_bench(root, "work"), "verdict"), "slower");
	json_object_put(root);
	free(md);
	free(js);
	free(na);
	free(nb);

	/* As git does: whatever main does after the fork, the base stays. */
	vfix_commit(x->f, line, "c6 on main");
	assert_int_equal(side_resolve(&ref, &x->f->ctx, "main...feature"), 0);
	assert_string_equal(ref.commit, x->c2);
}

/* The Markdown a bot posts: the marker first, then the title with the
 * overall verdict, the worst slowdown, a table no wider than a comment, the
 * detail in <details> blocks, the summary last. */
static void test_md_layout(void **state)
{
	struct fixture *x = *state;
	char *md = render(x, x->c1, x->c2, COMPARE_MD), line[256];
	const char *title, *headline, *table, *details, *summary;
	snprintf(line, sizeof(line), "<!-- benchfs compare %s..%s -->\n", x->c1, x->c2);
	assert_true(strncmp(md, line, strlen(line)) == 0);
	title = md + strlen(line);
	snprintf(line, sizeof(line), "# benchfs compare: `%s` .. `%s`: slower\n\n", x->c1, x->c2);
	assert_true(strncmp(title, line, strlen(line)) == 0);
	headline = title + strlen(line);
	assert_true(strncmp(headline, "**Slower:** 1 of 2 benchmarks. Worst: `work` +", 46) == 0);
	assert_non_null(table = strstr(md, "\n| benchmark | change | interval | verdict |\n"));
	assert_true(first_table_width(md) <= 120);
	assert_non_null(details = strstr(md, "\n<details><summary>"));
	assert_non_null(summary = strstr(md, "\n## Summary\n"));
	assert_true(headline < table && table < details && details < summary);
	assert_true(count(md, "<details><summary>") >= 3);
	assert_int_equal(count(md, "\n</details>\n"), count(md, "<details><summary>"));
	/* Nothing lost: the full statistics, the sides, the noise model. */
	assert_non_null(strstr(details, "| benchmark | a | b | change | interval | p | q | samples "
					"| verdict |"));
	assert_non_null(strstr(details, "\n| a | `"));
	assert_non_null(strstr(details, "\n## Noise model\n"));
	assert_non_null(strstr(details, "\nMethod: runs. "));
	free(md);

	/* One A/B job: paired, and the same marker shape. */
	md = render(x, x->c3, x->c4, COMPARE_MD);
	snprintf(line, sizeof(line), "<!-- benchfs compare %s..%s -->\n# benchfs compare: ", x->c3,
		 x->c4);
	assert_true(strncmp(md, line, strlen(line)) == 0);
	assert_true(first_table_width(md) <= 120);
	free(md);
}

/* What an HTML comment cannot hold is encoded in the marker: two dashes in
 * a row would end it early. */
static void test_marker_escapes(void **state)
{
	struct fixture *x = *state;
	char *md, line[256];
	GIT("tag", "x--y", x->c1);
	md = render(x, "x--y", x->c2, COMPARE_MD);
	snprintf(line, sizeof(line), "<!-- benchfs compare x-%%2Dy..%s -->\n", x->c2);
	assert_true(strncmp(md, line, strlen(line)) == 0);
	*strchr(md, '\n') = '\0';
	assert_int_equal(count(md, "--"), 2);
	free(md);
	GIT("tag", "-d", "x--y");
}

/* Runs in the JSON are named as everywhere else ("000001", as result.json
 * and runs/ name them), never as bare integers. */
static void test_json_run_names(void **state)
{
	struct fixture *x = *state;
	char *js = render(x, x->c1, x->c2, COMPARE_JSON);
	struct json_object *root = json_tokener_parse(js), *side, *runs;
	const char *want[2][3] = {{"000001", "000002", "000003"}, {"000004", "000005", "000006"}};
	assert_non_null(root);
	for (int s = 0; s < 2; s++) {
		assert_true(json_object_object_get_ex(root, s ? "b" : "a", &side));
		assert_true(json_object_object_get_ex(side, "runs", &runs));
		assert_int_equal(json_object_array_length(runs), 3);
		for (size_t i = 0; i < 3; i++) {
			struct json_object *v = json_object_array_get_idx(runs, i);
			assert_true(json_object_is_type(v, json_type_string));
			assert_string_equal(json_object_get_string(v), want[s][i]);
		}
	}
	json_object_put(root);
	free(js);
}

/* One benchmark compared without an interval of its own (single runs, the
 * host's noise unknown): the geometric mean has no interval, and says why,
 * where it was [0, null] and "0.000 to inf". */
static void test_geomean_without_interval(void **state)
{
	struct fixture *x = *state;
	char c5[41], c6[41], *md, *js;
	double v[ITERATIONS];
	struct json_object *root, *summary, *ci, *why, *conf;
	vfix_commit(x->f, c5, "c5");
	vfix_commit(x->f, c6, "c6");
	times(v, 0.2);
	vfix_run(x->f, c5, "solo", v, ITERATIONS);
	times(v, 0.21);
	vfix_run(x->f, c6, "solo", v, ITERATIONS);
	js = render(x, c5, c6, COMPARE_JSON);
	assert_non_null(root = json_tokener_parse(js));
	assert_true(json_object_object_get_ex(root, "summary", &summary));
	assert_true(json_object_object_get_ex(summary, "geomean_ci", &ci));
	if (ci)
		fail_msg("geomean_ci is %s, wanted null", json_object_to_json_string(ci));
	assert_true(json_object_object_get_ex(summary, "geomean_ci_reason", &why));
	assert_non_null(strstr(json_object_get_string(why), "one benchmark"));
	assert_true(json_object_object_get_ex(summary, "geomean_confidence", &conf) && !conf);
	assert_true(json_object_object_get_ex(summary, "geomean_ratio", &ci));
	assert_true(json_object_get_double(ci) > 1);
	json_object_put(root);
	md = render(x, c5, c6, COMPARE_MD);
	assert_null(strstr(md, "inf"));
	assert_non_null(strstr(md, " (no interval: one benchmark without an interval of its own"));
	free(md);
	free(js);

	/* With intervals: both bounds finite and above 0, and no reason. */
	js = render(x, x->c1, x->c2, COMPARE_JSON);
	assert_non_null(root = json_tokener_parse(js));
	assert_true(json_object_object_get_ex(root, "summary", &summary));
	assert_true(json_object_object_get_ex(summary, "geomean_ci", &ci));
	assert_int_equal(json_object_array_length(ci), 2);
	assert_true(json_object_get_double(json_object_array_get_idx(ci, 0)) > 0);
	assert_true(json_object_is_type(json_object_array_get_idx(ci, 1), json_type_double));
	assert_true(json_object_object_get_ex(summary, "geomean_ci_reason", &why) && !why);
	json_object_put(root);
	free(js);
}

/* Two runs of one commit: an A/A check. What to do next is never an A/B job
 * of the commit against itself (echo X..X > queue). */
static void test_same_commit_runs(void **state)
{
	struct fixture *x = *state;
	char *md = render(x, "run-1", "run-2", COMPARE_MD), *js, bad[128];
	snprintf(bad, sizeof(bad), "%s..%s > queue", x->c1, x->c1);
	if (strstr(md, bad) || strstr(md, "> queue"))
		fail_msg("suggests an A/B job of a commit against itself:\n%s", md);
	assert_non_null(strstr(md, "A/A check"));
	js = render(x, "run-1", "run-2", COMPARE_JSON);
	assert_null(strstr(js, "> queue"));
	assert_non_null(strstr(js, "A/A check"));
	free(js);
	free(md);
	/* Two commits still get the suggestion. */
	md = render(x, "run-1", "run-4", COMPARE_MD);
	snprintf(bad, sizeof(bad), "echo %s..%s > queue", x->c1, x->c2);
	assert_non_null(strstr(md, bad));
	free(md);
}

/* Numbers in the JSON keep their values: an instruction count above 1e9 is
 * exact (never 1.23456789e+09, which reads back as 1234567890), and times
 * stop at the picosecond rather than show a mean's binary noise. */
static void test_json_numbers(void **state)
{
	struct fixture *x = *state;
	char c7[41], c8[41], *js;
	double v[ITERATIONS];
	struct json_object *root, *ins, *n, *list;
	int64_t a, b;
	vfix_commit(x->f, c7, "c7");
	vfix_commit(x->f, c8, "c8");
	times(v, 0.1);
	a = vfix_run(x->f, c7, "counted", v, ITERATIONS);
	b = vfix_run(x->f, c8, "counted", v, ITERATIONS);
	assert_int_equal(store_metric_add(x->f->store, a, "counted", "instructions", 1234567891),
			 STORE_OK);
	assert_int_equal(store_metric_add(x->f->store, b, "counted", "instructions", 2469135787),
			 STORE_OK);
	js = render(x, c7, c8, COMPARE_JSON);
	assert_non_null(root = json_tokener_parse(js));
	assert_true(json_object_object_get_ex(json_bench(root, "counted"), "instructions", &ins));
	assert_true(json_object_object_get_ex(ins, "a", &n));
	assert_true(json_object_get_double(n) == 1234567891);
	assert_true(json_object_object_get_ex(ins, "b", &n));
	assert_true(json_object_get_double(n) == 2469135787);
	assert_non_null(strstr(js, "\"a\": 1234567891,"));
	assert_true(json_object_object_get_ex(root, "benchmarks", &list));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		static const char *const keys[] = {"mean", "stddev", "median", "min", "max"};
		struct json_object *side;
		if (!json_object_object_get_ex(json_object_array_get_idx(list, i), "a", &side) || !side)
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *text, *dot;
			assert_true(json_object_object_get_ex(side, keys[k], &n));
			text = json_object_to_json_string(n);
			dot = strchr(text, '.');
			if (strpbrk(text, "eE") || (dot && strlen(dot + 1) > 12))
				fail_msg("%s printed as %s", keys[k], text);
		}
	}
	json_object_put(root);
	free(js);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_paired),
		cmocka_unit_test(test_no_runs),
		cmocka_unit_test(test_md_layout),
		cmocka_unit_test(test_marker_escapes),
		cmocka_unit_test(test_merge_base),
		cmocka_unit_test(test_json_run_names),
		cmocka_unit_test(test_geomean_without_interval),
		cmocka_unit_test(test_same_commit_runs),
		cmocka_unit_test(test_json_numbers),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("compare", tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
