/* Unit tests for per-iteration metrics (store.h, store/metric_samples.c):
 * declared metrics written with their definitions and read back in order,
 * the built-in cpu and memory read from the samples, the per-run metrics
 * table still answering for other names (a declared name's values win),
 * the metrics a set of runs has listed in order, refusals that write nothing, and
 * a run's values discarded with its partial measurements on recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"

#define COMMIT "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"

struct fixture {
	char dir[PATH_MAX / 2];
	char location[PATH_MAX];
	struct store *store;
	int64_t run[2];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_new_run r[2] = {
		{.revision = COMMIT, .commit = COMMIT, .config = "{}"},
		{.revision = COMMIT, .commit = COMMIT, .config = "{}"},
	};
	assert_non_null(f);
	assert_int_equal(test_tmpdir_make(f->dir, sizeof(f->dir), "metric_samples"), 0);
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(store_runs_queue(f->store, f->run, r, 2, (size_t)-1), STORE_OK);
	for (int k = 0; k < 2; k++)
		assert_int_equal(store_run_progress(f->store, f->run[k], RUN_RUNNING, "",
						    "{\"hostname\": \"h\"}"),
				 STORE_OK);
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

struct collected {
	char text[2048];
	size_t len;
};

static int collect(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct collected *c = ctx;
	c->len += (size_t)snprintf(c->text + c->len, sizeof(c->text) - c->len, "%s %lld %g\n",
				   benchmark, (long long)run_id, value);
	return 0;
}

static const struct store_metric_def throughput = {"throughput", "MiB/s", true};
static const struct store_metric_def latency = {"latency_p99", "s", false};

static void iterations(struct fixture *f, int64_t run, const char *bench, int n)
{
	for (int i = 1; i <= n; i++) {
		struct store_iteration it = {.benchmark = bench, .iteration = i,
					     .wall_ns = 1000 * i, .user_ns = 250000000LL * i,
					     .sys_ns = 250000000LL, .maxrss_bytes = 4096 * i};
		assert_int_equal(store_iteration_add(f->store, run, &it), STORE_OK);
	}
}

static void test_declared_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_metric_def defs[] = {throughput, latency};
	/* Written out of order: read back by benchmark, run, iteration. */
	struct store_metric_sample s[] = {
		{"b", "throughput", 2, 20.5}, {"b", "throughput", 1, 10.25},
		{"a", "throughput", 1, 1.5},  {"a", "latency_p99", 1, 0.003},
	};
	struct store_metric_sample s2[] = {{"a", "throughput", 1, 2.5}};
	struct collected c = {0};
	struct store_metric_def got;

	assert_int_equal(store_metric_samples_add(f->store, f->run[1], defs, 2, s, 4), STORE_OK);
	/* The definitions are stored: a later write needs none. */
	assert_int_equal(store_metric_samples_add(f->store, f->run[0], NULL, 0, s2, 1), STORE_OK);
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "throughput", NULL, collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "a 1 2.5\na 2 1.5\nb 2 10.25\nb 2 20.5\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "throughput", "b", collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "b 2 10.25\nb 2 20.5\n");
	assert_int_equal(store_metric_def_get(f->store, &got, "throughput"), STORE_OK);
	assert_string_equal(got.unit, "MiB/s");
	assert_true(got.higher_is_better);
	assert_int_equal(store_metric_def_get(f->store, &got, "cpu"), STORE_OK);
	assert_string_equal(got.unit, "s");
	assert_false(got.higher_is_better);
	assert_int_equal(store_metric_def_get(f->store, &got, "nope"), STORE_NOTFOUND);
}

static void test_metrics_listed(void **state)
{
	struct fixture *f = *state;
	struct store_metric_def defs[] = {throughput, latency};
	struct store_metric_sample s[] = {{"a", "throughput", 1, 1}, {"b", "latency_p99", 1, 1}};
	struct store_metric_def *list;
	size_t n;

	assert_int_equal(store_metrics_of_runs(f->store, &list, &n, f->run, 2, NULL), STORE_OK);
	assert_int_equal(n, 0);
	free(list);
	iterations(f, f->run[0], "a", 2);
	assert_int_equal(store_metric_samples_add(f->store, f->run[1], defs, 2, s, 2), STORE_OK);
	assert_int_equal(store_metrics_of_runs(f->store, &list, &n, f->run, 2, NULL), STORE_OK);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].name, "cpu");
	assert_string_equal(list[1].name, "memory");
	assert_string_equal(list[1].unit, "bytes");
	assert_string_equal(list[2].name, "latency_p99");
	assert_string_equal(list[3].name, "throughput");
	free(list);
	/* Per benchmark: b has no samples of its own, only its latency. */
	assert_int_equal(store_metrics_of_runs(f->store, &list, &n, f->run, 2, "b"), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "latency_p99");
	free(list);
	/* Only the runs asked about count. */
	assert_int_equal(store_metrics_of_runs(f->store, &list, &n, f->run, 1, "a"), STORE_OK);
	assert_int_equal(n, 2);
	free(list);
}

static void test_builtin_and_per_run(void **state)
{
	struct fixture *f = *state;
	struct collected c = {0};

	iterations(f, f->run[0], "a", 2);
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "cpu", NULL, collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "a 1 0.5\na 1 0.75\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "memory", "a", collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "a 1 4096\na 1 8192\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, NULL, "a", collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "a 1 1000\na 1 2000\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_metric_add(f->store, f->run[1], "a", "instructions", 1e6), STORE_OK);
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "instructions", NULL, collect,
					       &c),
			 STORE_OK);
	assert_string_equal(c.text, "a 2 1e+06\n");
}

/* A name the runner records per run (unstable) reads the per-run table,
 * unless a benchmark declared a metric of that name: then its declared
 * values, never both; a name neither recorded nor declared reads nothing. */
static void test_declared_over_per_run(void **state)
{
	struct fixture *f = *state;
	static const struct store_metric_def unstable = {"unstable", "flag", false};
	struct store_metric_sample s = {"b", "unstable", 1, 0.5};
	struct collected c = {0};

	assert_int_equal(store_metric_add(f->store, f->run[0], "a", "unstable", 1), STORE_OK);
	assert_int_equal(store_metric_add(f->store, f->run[1], "b", "unstable", 0), STORE_OK);
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "unstable", NULL, collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "a 1 1\nb 2 0\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "unstable", "b", collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "b 2 0\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "nothing", NULL, collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "");
	assert_int_equal(store_metric_samples_add(f->store, f->run[1], &unstable, 1, &s, 1),
			 STORE_OK);
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "unstable", NULL, collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "b 2 0.5\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "unstable", "a", collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "");
}

static void test_refusals_write_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_metric_def bad[] = {{"cpu", "s", false}};
	struct store_metric_def nounit[] = {{"x", "", false}};
	struct store_metric_def badname[] = {{"Tput", "s", false}};
	struct store_metric_def good[] = {throughput};
	struct store_metric_sample s[] = {{"a", "throughput", 1, 1}, {"a", "undeclared", 1, 1}};
	struct store_metric_def *list;
	size_t n;

	assert_int_equal(store_metric_samples_add(f->store, f->run[0], bad, 1, NULL, 0),
			 STORE_ERROR);
	assert_int_equal(store_metric_samples_add(f->store, f->run[0], nounit, 1, NULL, 0),
			 STORE_ERROR);
	assert_int_equal(store_metric_samples_add(f->store, f->run[0], badname, 1, NULL, 0),
			 STORE_ERROR);
	/* The second value has no definition: the first is not kept either. */
	assert_int_equal(store_metric_samples_add(f->store, f->run[0], good, 1, s, 2),
			 STORE_ERROR);
	assert_int_equal(store_metrics_of_runs(f->store, &list, &n, f->run, 2, NULL), STORE_OK);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(store_metric_def_get(f->store, list, "throughput"), STORE_NOTFOUND);
}

static void test_recovery_discards(void **state)
{
	struct fixture *f = *state;
	struct store_metric_def defs[] = {throughput};
	struct store_metric_sample s[] = {{"a", "throughput", 1, 1}};
	struct collected c = {0};
	int64_t *ids = NULL;
	size_t n = 0;

	assert_int_equal(store_metric_samples_add(f->store, f->run[0], defs, 1, s, 1), STORE_OK);
	/* Still running when the daemon restarts: measured again from scratch. */
	assert_int_equal(store_runs_recover(f->store, NULL, &ids, &n), STORE_OK);
	free(ids);
	assert_int_equal(store_samples_of_runs(f->store, f->run, 2, "throughput", NULL, collect, &c),
			 STORE_OK);
	assert_string_equal(c.text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_declared_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_and_per_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_declared_over_per_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_write_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_discards, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
