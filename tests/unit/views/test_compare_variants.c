/* compare/<rev>/<param>=<x>..<param>=<y>: two values of a parameter set
 * against each other over one revision's runs, against a store filled
 * through the store API. impl=slow takes twice impl=fast's time in each of
 * four runs: every workload's winner is fast, whichever side it is on, and
 * the wins are counted per category (the name's prefix). Names that resolve
 * to nothing are -ENOENT. A second store (the notes group) has the notes of
 * the separate-runs compare (other processes' CPUs, unstable runs) per
 * workload, each side's taken from the benchmark of its variant: a plain
 * benchmark named like the workload ("work") has figures of its own that
 * must not be shown. */
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

#include "repo/repo.h"
#include "tests/unit/views/views_fixture.h"
#include "views/compare_variants.h"
#include "views/sides.h"

#define ITERATIONS 10
#define RUNS 4
#define NOTES_RUNS 3

struct fixture {
	struct vfix *f;
	char c1[41];
	int64_t ids[RUNS]; /* the notes group's runs */
};

static unsigned long long seed;

/* Uniform in [-0.5, 0.5): a repeatable jitter. */
static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

static void bench(struct vfix *f, int64_t run, const char *name, double seconds)
{
	double t[ITERATIONS];
	for (int i = 0; i < ITERATIONS; i++)
		t[i] = seconds * (1 + 0.01 * jitter());
	vfix_samples(f, run, name, t, ITERATIONS);
}

static int setup(void **state)
{
	static const double run_factor[RUNS] = {1.0, 1.01, 0.99, 1.005};
	struct fixture *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	seed = 7;
	x->f = vfix_new("cmpvariants");
	vfix_commit(x->f, x->c1, "c1");
	for (int r = 0; r < RUNS; r++) {
		int64_t id = vfix_start(x->f, x->c1);
		double k = run_factor[r];
		bench(x->f, id, "parse_json[impl=fast,size=1k]", 0.10 * k);
		bench(x->f, id, "parse_json[impl=slow,size=1k]", 0.20 * k);
		bench(x->f, id, "parse-xml[impl=fast]", 0.05 * k);
		bench(x->f, id, "parse-xml[impl=slow]", 0.10 * k);
		bench(x->f, id, "render[impl=fast]", 0.02 * k);
		bench(x->f, id, "render[impl=slow]", 0.04 * k);
		bench(x->f, id, "startup", 0.01 * k);
		vfix_done(x->f, id);
	}
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

static int render(char **text, struct vfix *f, const char *rev, const char *name)
{
	struct side_ref ref;
	char *param = NULL, *a = NULL, *b = NULL;
	enum compare_format format;
	int rc;
	*text = NULL;
	if ((rc = compare_variants_parse_name(&param, &a, &b, &format, name)))
		return rc;
	if (!(rc = side_resolve(&ref, &f->ctx, rev)))
		rc = compare_variants_render(text, &f->ctx, rev, &ref, param, a, b, format);
	free(param);
	free(a);
	free(b);
	return rc;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;
	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static const char *winner_of(json_object *root, const char *workload)
{
	json_object *list = member(member(root, "variants"), "workloads");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *w = json_object_array_get_idx(list, i);
		if (strcmp(json_object_get_string(member(w, "workload")), workload) == 0) {
			json_object *v = member(w, "winner");
			return v ? json_object_get_string(v) : "(none)";
		}
	}
	fail_msg("no workload %s", workload);
	return NULL;
}

static void wins_of(int64_t *a, int64_t *b, json_object *root, const char *category)
{
	json_object *list = member(member(root, "variants"), "wins");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *c = json_object_array_get_idx(list, i);
		if (strcmp(json_object_get_string(member(c, "category")), category) == 0) {
			*a = json_object_get_int64(member(c, "a"));
			*b = json_object_get_int64(member(c, "b"));
			return;
		}
	}
	fail_msg("no category %s", category);
}

static void test_parse_name(void **state)
{
	char *p, *a, *b;
	enum compare_format format;
	(void)state;
	assert_int_equal(compare_variants_parse_name(&p, &a, &b, &format, "impl=x..impl=y.json"),
			 0);
	assert_string_equal(p, "impl");
	assert_string_equal(a, "x");
	assert_string_equal(b, "y");
	assert_int_equal(format, COMPARE_JSON);
	free(p);
	free(a);
	free(b);
	static const char *bad[] = {"impl=x..size=y.md", "impl=x..impl=x.md", "impl=..impl=y.md",
				    "=x..=y.md", "impl=x.impl=y.md", "impl=x..impl=y.txt",
				    "impl=x...impl=y.md", "impl=x..impl=y..z.md"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(compare_variants_parse_name(&p, &a, &b, &format, bad[i]), -ENOENT);
}

static void test_winner_and_categories(void **state)
{
	struct fixture *x = *state;
	char *text;
	json_object *root;
	int64_t a, b;
	assert_int_equal(render(&text, x->f, x->c1, "impl=fast..impl=slow.json"), 0);
	assert_non_null(root = json_tokener_parse(text));
	free(text);
	assert_int_equal(json_object_array_length(member(member(root, "variants"), "workloads")), 3);
	assert_string_equal(winner_of(root, "parse_json[size=1k]"), "fast");
	assert_string_equal(winner_of(root, "parse-xml"), "fast");
	assert_string_equal(winner_of(root, "render"), "fast");
	wins_of(&a, &b, root, "parse");
	assert_int_equal(a, 2);
	assert_int_equal(b, 0);
	wins_of(&a, &b, root, "render");
	assert_int_equal(a, 1);
	assert_int_equal(b, 0);
	/* Separate runs, never pairs, and not "same build". */
	assert_string_equal(json_object_get_string(member(root, "method")), "runs");
	json_object_put(root);

	/* Swapped sides: fast is side b and still the winner. */
	assert_int_equal(render(&text, x->f, x->c1, "impl=slow..impl=fast.json"), 0);
	assert_non_null(root = json_tokener_parse(text));
	free(text);
	assert_string_equal(winner_of(root, "parse_json[size=1k]"), "fast");
	wins_of(&a, &b, root, "parse");
	assert_int_equal(a, 0);
	assert_int_equal(b, 2);
	json_object_put(root);

	assert_int_equal(render(&text, x->f, "latest", "impl=fast..impl=slow.md"), 0);
	assert_non_null(strstr(text, "| `parse_json[size=1k]` | parse | "));
	assert_non_null(strstr(text, "| slower | fast |"));
	assert_non_null(strstr(text, "| parse | 2 | 0 | 0 |"));
	assert_null(strstr(text, "startup"));
	free(text);
}

static void test_enoent(void **state)
{
	struct fixture *x = *state;
	char *text;
	assert_int_equal(render(&text, x->f, x->c1, "impl=fast..impl=medium.md"), -ENOENT);
	assert_int_equal(render(&text, x->f, x->c1, "lang=fast..lang=slow.json"), -ENOENT);
	assert_null(text);
}

/* The notes group's samples: steady, the same in every run. */
static void steady(struct vfix *f, int64_t run, const char *name, double seconds)
{
	double t[ITERATIONS];
	for (int i = 0; i < ITERATIONS; i++)
		t[i] = seconds * (1 + 0.001 * (i % 3));
	vfix_samples(f, run, name, t, ITERATIONS);
}

static void metric(struct vfix *f, int64_t id, const char *bench, const char *name, double value)
{
	assert_int_equal(store_metric_add(f->store, id, bench, name, value), STORE_OK);
}

static int notes_setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->f = vfix_new("variantsnotes");
	vfix_commit(x->f, x->c1, "c1");
	for (int r = 0; r < NOTES_RUNS; r++) {
		int64_t id = x->ids[r] = vfix_start(x->f, x->c1);
		steady(x->f, id, "work[impl=fast]", 0.10);
		steady(x->f, id, "work[impl=slow]", 0.20);
		steady(x->f, id, "work", 0.30);
		steady(x->f, id, "quiet[impl=fast]", 0.10);
		steady(x->f, id, "quiet[impl=slow]", 0.20);
		/* slow was measured while the machine was busy, fast was not. */
		metric(x->f, id, "work[impl=fast]", STORE_METRIC_OTHER_CPUS, 0.1);
		metric(x->f, id, "work[impl=slow]", STORE_METRIC_OTHER_CPUS, 0.9);
		metric(x->f, id, "work", STORE_METRIC_OTHER_CPUS, 3.0);
		metric(x->f, id, "quiet[impl=fast]", STORE_METRIC_OTHER_CPUS, 0.1);
		metric(x->f, id, "quiet[impl=slow]", STORE_METRIC_OTHER_CPUS, 0.2);
		metric(x->f, id, "work[impl=slow]", STORE_METRIC_UNSTABLE, r == 1);
		metric(x->f, id, "work", STORE_METRIC_UNSTABLE, 1);
		vfix_done(x->f, id);
	}
	*state = x;
	return 0;
}

static json_object *bench_of(json_object *root, const char *name)
{
	json_object *list = member(root, "benchmarks");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *b = json_object_array_get_idx(list, i);
		if (strcmp(json_object_get_string(member(b, "name")), name) == 0)
			return b;
	}
	fail_msg("no benchmark %s", name);
	return NULL;
}

static void test_interference_md(void **state)
{
	struct fixture *x = *state;
	char *text, want[128];
	assert_int_equal(render(&text, x->f, x->c1, "impl=fast..impl=slow.md"), 0);
	assert_non_null(strstr(text, "> **Warning:** unstable runs or a loaded machine behind the "
				     "verdict of `work` (see Warnings)."));
	assert_non_null(strstr(text, "other processes used the machine heavily or unequally"));
	assert_non_null(strstr(text, "work 0.10 vs 0.90."));
	snprintf(want, sizeof(want), "stepped while it was measured: work (%06lld)",
		 (long long)x->ids[1]);
	if (!strstr(text, want)) {
		fprintf(stderr, "%s\n", text);
		fail_msg("no \"%s\" in the text above", want);
	}
	/* quiet's sides were both quiet enough. */
	assert_null(strstr(text, "quiet 0.10 vs 0.20"));
	free(text);
}

static void test_interference_json(void **state)
{
	struct fixture *x = *state;
	json_object *root, *w, *q;
	char *text;
	/* Swapped: slow is side a. */
	assert_int_equal(render(&text, x->f, x->c1, "impl=slow..impl=fast.json"), 0);
	assert_non_null(root = json_tokener_parse(text));
	free(text);
	w = bench_of(root, "work");
	assert_float_equal(json_object_get_double(member(member(w, "other_cpus"), "a")), 0.9, 1e-9);
	assert_float_equal(json_object_get_double(member(member(w, "other_cpus"), "b")), 0.1, 1e-9);
	assert_true(json_object_get_boolean(member(member(w, "unstable"), "a")));
	assert_false(json_object_get_boolean(member(member(w, "unstable"), "b")));
	q = bench_of(root, "quiet");
	assert_float_equal(json_object_get_double(member(member(q, "other_cpus"), "b")), 0.1, 1e-9);
	assert_false(json_object_get_boolean(member(member(q, "unstable"), "a")));
	json_object_put(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_winner_and_categories),
		cmocka_unit_test(test_enoent),
	};
	const struct CMUnitTest notes[] = {
		cmocka_unit_test(test_interference_md),
		cmocka_unit_test(test_interference_json),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("compare_variants", tests, setup, teardown);
	rc += cmocka_run_group_tests_name("variants_notes", notes, notes_setup, teardown);
	repo_lib_shutdown();
	return rc;
}
