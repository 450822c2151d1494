/* compare/<rev>/<param>=<x>..<param>=<y>: the notes of the separate-runs
 * compare (other processes' CPUs, unstable runs) per workload, each side's
 * taken from the benchmark of its variant. A plain benchmark named like the
 * workload ("work") has figures of its own that must not be shown. */
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

#define ITERATIONS 8
#define RUNS 3

struct fixture {
	struct vfix *f;
	char c1[41];
	int64_t ids[RUNS];
};

static void bench(struct vfix *f, int64_t run, const char *name, double seconds)
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

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->f = vfix_new("variantsnotes");
	vfix_commit(x->f, x->c1, "c1");
	for (int r = 0; r < RUNS; r++) {
		int64_t id = x->ids[r] = vfix_start(x->f, x->c1);
		bench(x->f, id, "work[impl=fast]", 0.10);
		bench(x->f, id, "work[impl=slow]", 0.20);
		bench(x->f, id, "work", 0.30);
		bench(x->f, id, "quiet[impl=fast]", 0.10);
		bench(x->f, id, "quiet[impl=slow]", 0.20);
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
		cmocka_unit_test(test_interference_md),
		cmocka_unit_test(test_interference_json),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("variants_notes", tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
