/* views/compare against a temporary store and repository, no mount: the
 * name compare/ files are looked up by, and the Markdown and JSON of two
 * commits with planted samples. A clear slowdown is "slower" by the method
 * the sides call for (separate runs: "runs"; one interleaved A/B job:
 * "paired"); identical samples are never faster or slower. */
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
	expect_no_name(".md");
	expect_no_name(".json");
	expect_no_name("");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_paired),
		cmocka_unit_test(test_no_runs),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("compare", tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
