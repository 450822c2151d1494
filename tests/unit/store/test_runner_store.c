/* Unit tests for store_iterations_add: several iterations in one transaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"

#define COMMIT "0123456789abcdef0123456789abcdef01234567"

struct fixture {
	char dir[256], location[PATH_MAX];
	struct store *store;
	int64_t run;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_new_run nr = { .revision = "HEAD", .commit = COMMIT, .config = "{}" };
	if (!f)
		return -1;
	if (test_tmpdir_make(f->dir, sizeof(f->dir), "runner-store"))
		return -1;
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	if (store_open(&f->store, f->location, STORE_SYNC_NORMAL) ||
	    store_runs_queue(f->store, &f->run, &nr, 1, 10))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_free(f->store);
	test_store_location_drop(f->location);
	test_tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static int collect(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	double *sum = ctx;
	(void)benchmark;
	(void)run_id;
	sum[0] += value;
	sum[1] += 1;
	return 0;
}

static void test_many_in_one(void **state)
{
	struct fixture *f = *state;
	struct store_iteration its[100];
	double sum[2] = {0, 0};
	for (int i = 0; i < 100; i++)
		its[i] = (struct store_iteration){ .benchmark = "b", .iteration = i + 1,
						   .wall_ns = 1000 + i, .maxrss_bytes = 4096 };
	assert_int_equal(store_iterations_add(f->store, f->run, its, 0), STORE_OK);
	assert_int_equal(store_iterations_add(f->store, f->run, its, 60), STORE_OK);
	assert_int_equal(store_iterations_add(f->store, f->run, its + 60, 40), STORE_OK);
	assert_int_equal(store_samples_of_runs(f->store, &f->run, 1, NULL, "b", collect, sum),
			 STORE_OK);
	assert_true(sum[1] == 100);
	assert_true(sum[0] == 100 * 1000 + 99 * 100 / 2);
}

/* More rows than one INSERT carries (128), across benchmarks: every row
 * lands once, in its benchmark, with its values. */
static void test_batches(void **state)
{
	struct fixture *f = *state;
	static struct store_iteration its[300];
	double sum[2] = {0, 0};
	for (int i = 0; i < 300; i++)
		its[i] = (struct store_iteration){.benchmark = i < 200 ? "x" : "y",
						  .iteration = i < 200 ? i + 1 : i - 199,
						  .wall_ns = 10 + i};
	assert_int_equal(store_iterations_add(f->store, f->run, its, 300), STORE_OK);
	assert_int_equal(store_samples_of_runs(f->store, &f->run, 1, NULL, "x", collect, sum),
			 STORE_OK);
	assert_true(sum[1] == 200);
	assert_true(sum[0] == 200 * 10 + 199 * 200 / 2);
	sum[0] = sum[1] = 0;
	assert_int_equal(store_samples_of_runs(f->store, &f->run, 1, NULL, "y", collect, sum),
			 STORE_OK);
	assert_true(sum[1] == 100);
	assert_true(sum[0] == 100 * 210 + 99 * 100 / 2);
}

/* All or none: a duplicate iteration fails the whole call. */
static void test_all_or_none(void **state)
{
	struct fixture *f = *state;
	struct store_iteration its[3] = {
		{ .benchmark = "c", .iteration = 1, .wall_ns = 5 },
		{ .benchmark = "c", .iteration = 2, .wall_ns = 5 },
		{ .benchmark = "c", .iteration = 1, .wall_ns = 5 },
	};
	double sum[2] = {0, 0};
	assert_int_equal(store_iterations_add(f->store, f->run, its, 3), STORE_ERROR);
	assert_non_null(strstr(store_errmsg(f->store), "add iterations"));
	assert_int_equal(store_samples_of_runs(f->store, &f->run, 1, NULL, "c", collect, sum),
			 STORE_OK);
	assert_true(sum[1] == 0);
	/* and the store takes the next write */
	assert_int_equal(store_iterations_add(f->store, f->run, its, 2), STORE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_in_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_or_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
	};
	return cmocka_run_group_tests_name("runner_store", tests, NULL, NULL);
}
