/* compare/'s listing in the mount (listing_compare_dir) and compare/<rev>/'s
 * (listing_variants), against a store filled through the store API: the
 * pairs, a pair's .flame.svg when both sides kept folded stacks, a pull
 * request's newest finished A/B job, and a directory per commit whose runs
 * have a parameter with two values; every name listed opens as the mount
 * opens it. listing_compare stays the pairs alone (audit/, export/ and the
 * --out tree make a file of each). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "repo/repo.h"
#include "store/paths.h"
#include "tests/unit/views/views_fixture.h"
#include "views/commit_names.h"
#include "views/compare_pull.h"
#include "views/compare_variants.h"
#include "views/flame.h"
#include "views/listings.h"
#include "views/sides.h"

struct fixture {
	struct vfix *f;
	char c1[41], c2[41], c3[41], c4[41];
	char n1[COMMIT_NAME_SIZE], n2[COMMIT_NAME_SIZE], n3[COMMIT_NAME_SIZE],
		n4[COMMIT_NAME_SIZE];
	int64_t pr_a, pr_b, ab_a, ab_b;
};

static void bench(struct vfix *f, int64_t run, const char *name, double seconds)
{
	double t[3] = {seconds, seconds * 1.01, seconds * 0.99};
	vfix_samples(f, run, name, t, 3);
}

/* What perf's folded output leaves in the run's artifacts directory. */
static void profiled(struct vfix *f, int64_t run)
{
	char dir[4096], path[4200];
	FILE *out;
	assert_int_equal(store_path_artifacts_root(dir, sizeof(dir), f->dir), 0);
	assert_int_equal(mkdir(dir, 0755) == 0 || errno == EEXIST, 1);
	assert_int_equal(store_path_artifacts(dir, sizeof(dir), f->dir, run), 0);
	assert_int_equal(mkdir(dir, 0755) == 0 || errno == EEXIST, 1);
	snprintf(path, sizeof(path), "%s/perf.folded", dir);
	assert_non_null(out = fopen(path, "w"));
	fputs("prog;main;work 90\nprog;main 10\n", out);
	assert_int_equal(fclose(out), 0);
}

/* An A/B job queued as the queue makes one: A's revision, then B's. */
static void job(struct vfix *f, int64_t ids[2], const char *a_rev, const char *a,
		const char *b_rev, const char *b)
{
	struct store_new_run r[2] = {
		{.revision = a_rev, .commit = a, .config = "{\"runs\": 1}", .paired_with_next = true},
		{.revision = b_rev, .commit = b, .config = "{\"runs\": 1}"},
	};
	assert_int_equal(store_runs_queue(f->store, ids, r, 2, 100000), STORE_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_run_progress(f->store, ids[i], RUN_RUNNING, "",
						    "{\"hostname\": \"" VFIX_HOST "\"}"),
				 STORE_OK);
		bench(f, ids[i], "q", 0.01);
		vfix_done(f, ids[i]);
	}
}

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	struct commit_names *names = NULL;
	int64_t id, ids[2];
	assert_non_null(x);
	x->f = vfix_new("listings");
	vfix_commit(x->f, x->c1, "c1");
	vfix_commit(x->f, x->c2, "c2");
	vfix_commit(x->f, x->c3, "c3");
	vfix_commit(x->f, x->c4, "c4");
	/* c1: a parameter with three values (in version order 2, 16, fast),
	 * one with a single value; profiled. */
	id = vfix_start(x->f, x->c1);
	bench(x->f, id, "p[n=16,size=1k]", 0.02);
	bench(x->f, id, "p[n=2,size=1k]", 0.01);
	bench(x->f, id, "p[n=fast,size=1k]", 0.005);
	bench(x->f, id, "q", 0.01);
	vfix_done(x->f, id);
	profiled(x->f, id);
	/* c2: no parameters; profiled. */
	id = vfix_run(x->f, x->c2, "q", (double[]){0.01, 0.011, 0.009}, 3);
	profiled(x->f, id);
	/* c3: two A/B jobs of c2 against c3: a pull request's (pr/7), then a
	 * plain one whose sides are profiled; the pair c2..c3 uses the newest. */
	job(x->f, ids, "main...pr/7", x->c2, "pr/7", x->c3);
	x->pr_a = ids[0], x->pr_b = ids[1];
	/* c4: an A/B job of c3 against c4, both sides profiled. */
	job(x->f, ids, x->c3, x->c3, x->c4, x->c4);
	x->ab_a = ids[0], x->ab_b = ids[1];
	profiled(x->f, ids[0]);
	profiled(x->f, ids[1]);
	assert_int_equal(commit_names_load(&names, &x->f->ctx), 0);
	assert_int_equal(commit_names_get(x->n1, sizeof(x->n1), names, x->c1), 0);
	assert_int_equal(commit_names_get(x->n2, sizeof(x->n2), names, x->c2), 0);
	assert_int_equal(commit_names_get(x->n3, sizeof(x->n3), names, x->c3), 0);
	assert_int_equal(commit_names_get(x->n4, sizeof(x->n4), names, x->c4), 0);
	commit_names_free(names);
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

static bool has(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void expect(char **names, size_t n, bool listed, const char *fmt, const char *a,
		   const char *b)
{
	char name[512];
	snprintf(name, sizeof(name), fmt, a, b);
	if (has(names, n, name) != listed) {
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", names[i]);
		fail_msg("%s is %slisted", name, listed ? "not " : "");
	}
}

/* Whether the mount would open a name of compare/ as a file. */
static bool opens(const struct view_ctx *ctx, const char *name)
{
	size_t len = strlen(name);
	char *a = NULL, *b = NULL, *line = NULL;
	enum compare_format format;
	struct side_ref ra, rb;
	int64_t fa, fb;
	bool ok;
	if (len > 10 && strcmp(name + len - 10, ".flame.svg") == 0) {
		char *stem = NULL;
		ok = flame_compare_name(&stem, name) == 0 &&
		     compare_parse_name(&a, &b, &format, stem) == 0 &&
		     flame_compare_runs(&fa, &fb, ctx, a, b) == 0;
		free(stem);
	} else if (compare_pull_parse_name(&line, &format, name) == 0) {
		ok = compare_pull_find(&ra, &rb, ctx, line) == 0;
	} else {
		ok = compare_parse_name(&a, &b, &format, name) == 0 &&
		     side_resolve(&ra, ctx, a) == 0 && side_resolve(&rb, ctx, b) == 0;
	}
	free(a);
	free(b);
	free(line);
	return ok;
}

static void test_compare_dir(void **state)
{
	struct fixture *x = *state;
	char **files = NULL, **dirs = NULL, ab_a[32], ab_b[32], pr_a[32], pr_b[32];
	size_t nfiles = 0, ndirs = 0;
	assert_int_equal(listing_compare_dir(&files, &nfiles, &dirs, &ndirs, &x->f->ctx), 0);
	snprintf(ab_a, sizeof(ab_a), "run-%lld", (long long)x->ab_a);
	snprintf(ab_b, sizeof(ab_b), "run-%lld", (long long)x->ab_b);
	snprintf(pr_a, sizeof(pr_a), "run-%lld", (long long)x->pr_a);
	snprintf(pr_b, sizeof(pr_b), "run-%lld", (long long)x->pr_b);
	expect(files, nfiles, true, "%s..%s.md", x->n1, x->n2);
	expect(files, nfiles, true, "%s..%s.json", x->n1, x->n2);
	/* Both commits kept folded stacks. */
	expect(files, nfiles, true, "%s..%s.flame.svg", x->n1, x->n2);
	/* c2..c3 is c3's newest A/B job, the pull request's: no profile. */
	expect(files, nfiles, true, "%s..%s.md", x->n2, x->n3);
	expect(files, nfiles, false, "%s..%s.flame.svg", x->n2, x->n3);
	/* c3..c4 is its A/B job, both sides profiled. */
	expect(files, nfiles, true, "%s..%s.flame.svg", x->n3, x->n4);
	expect(files, nfiles, true, "%s..%s.flame.svg", ab_a, ab_b);
	expect(files, nfiles, false, "%s..%s.flame.svg", pr_a, pr_b);
	expect(files, nfiles, true, "%s..%s.md", pr_a, pr_b);
	expect(files, nfiles, true, "pr-7.md%s%s", "", "");
	expect(files, nfiles, true, "pr-7.json%s%s", "", "");
	expect(files, nfiles, false, "pr-7.flame.svg%s%s", "", "");
	for (size_t i = 0; i < nfiles; i++)
		if (!opens(&x->f->ctx, files[i]))
			fail_msg("compare/ lists %s, which does not open", files[i]);
	/* Only c1's runs have a parameter with two values or more. */
	assert_int_equal(ndirs, 1);
	assert_string_equal(dirs[0], x->n1);
	listing_free(files, nfiles);
	listing_free(dirs, ndirs);
}

static void test_pairs_alone(void **state)
{
	struct fixture *x = *state;
	char **names = NULL;
	size_t n = 0;
	assert_int_equal(listing_compare(&names, &n, &x->f->ctx), 0);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		assert_non_null(strstr(names[i], ".."));
		assert_true(strcmp(names[i] + len - 3, ".md") == 0 ||
			    (strcmp(names[i] + len - 5, ".json") == 0 &&
			     strcmp(names[i] + len - 10, ".flame.svg") != 0));
	}
	expect(names, n, false, "pr-7.md%s%s", "", "");
	listing_free(names, n);
}

static void test_variants(void **state)
{
	static const char *const want[] = {
		"n=2..n=16.md", "n=2..n=16.json", "n=2..n=fast.md", "n=2..n=fast.json",
		"n=16..n=fast.md", "n=16..n=fast.json",
	};
	struct fixture *x = *state;
	struct side_ref ref;
	char **names = NULL;
	size_t n = 0;
	assert_int_equal(side_resolve(&ref, &x->f->ctx, x->n1), 0);
	assert_int_equal(listing_variants(&names, &n, &x->f->ctx, x->n1, &ref), 0);
	assert_int_equal(n, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < n; i++) {
		char *param, *a, *b, *text = NULL;
		enum compare_format format;
		assert_string_equal(names[i], want[i]);
		/* Each opens as compare/<rev>/ opens it. */
		assert_int_equal(compare_variants_parse_name(&param, &a, &b, &format, names[i]), 0);
		assert_int_equal(compare_variants_render(&text, &x->f->ctx, x->n1, &ref, param, a, b,
							 format),
				 0);
		free(text);
		free(param);
		free(a);
		free(b);
	}
	listing_free(names, n);
	/* A commit without parameters lists nothing. */
	assert_int_equal(side_resolve(&ref, &x->f->ctx, x->n2), 0);
	assert_int_equal(listing_variants(&names, &n, &x->f->ctx, x->n2, &ref), 0);
	assert_int_equal(n, 0);
	listing_free(names, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_dir),
		cmocka_unit_test(test_pairs_alone),
		cmocka_unit_test(test_variants),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("listings", tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
