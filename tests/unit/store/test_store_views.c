/* Unit tests for the store functions behind the computed views: done runs by
 * host, samples of runs, benchmark names, metrics, baselines, A/B pairs, the
 * views change number, and the migration of version 1 and 2 files.
 *
 * Every test works on a fresh SQLite file in its own mkdtemp directory,
 * removed again in the teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HASH_C "cccccccccccccccccccccccccccccccccccccccc"
#define CONFIG "{\"benchmarks\":[{\"name\":\"x\",\"command\":\"true\"}]}"
#define NO_LIMIT ((size_t)1000)

struct fixture {
	char dir[PATH_MAX / 2];
	char location[PATH_MAX];
	struct store *store;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (test_tmpdir_make(f->dir, sizeof(f->dir), "views")) {
		free(f);
		return -1;
	}
	if (test_store_location(f->location, sizeof(f->location), f->dir)) {
		test_tmpdir_remove(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int setup_open(void **state)
{
	struct fixture *f;
	if (setup(state))
		return -1;
	f = *state;
	if (store_open(&f->store, f->location, STORE_SYNC_NORMAL) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", store_errmsg(f->store));
		return -1;
	}
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

/* ---- helpers ---- */

static int64_t queue_one(struct store *s, const char *commit)
{
	struct store_new_run r = {"rev", commit, CONFIG, false, NULL};
	int64_t id = 0;
	assert_int_equal(store_runs_queue(s, &id, &r, 1, NO_LIMIT), STORE_OK);
	assert_true(id > 0);
	return id;
}

/* A run measured on host and finished as state (done or failed). */
static int64_t run_on(struct store *s, const char *commit, const char *host,
		      enum run_state state)
{
	char system[128];
	int64_t id = queue_one(s, commit);
	snprintf(system, sizeof(system), "{\"hostname\": \"%s\", \"cores\": 2}", host);
	assert_int_equal(store_run_progress(s, id, RUN_BUILDING, "", system), STORE_OK);
	assert_int_equal(store_run_finish(s, id, state, state == RUN_DONE ? "" : "broken",
					  state == RUN_DONE ? "{}" : NULL),
			 STORE_OK);
	return id;
}

static int64_t seq_of(struct store *s)
{
	int64_t seq = -1;
	assert_int_equal(store_seq(s, &seq), STORE_OK);
	return seq;
}

static int64_t results_seq_of(struct store *s, int64_t *changed_ns)
{
	int64_t seq = -1;
	assert_int_equal(store_results_seq(s, &seq, changed_ns), STORE_OK);
	return seq;
}

static size_t run_count(struct store *s)
{
	size_t n = 99;
	assert_int_equal(store_run_count(s, &n), STORE_OK);
	return n;
}

/* wall_ns encodes run and iteration, so the order of the walk can be checked. */
static void add_iteration(struct store *s, int64_t run, const char *bench, int i)
{
	struct store_iteration it = {bench, i, run * 1000 + i, 500, 200, 4096, 0, 0};
	assert_int_equal(store_iteration_add(s, run, &it), STORE_OK);
}

/* What store_samples_of_runs handed to the callback. */
#define MAX_SEEN 64
struct seen {
	char bench[MAX_SEEN][16];
	int64_t run[MAX_SEEN];
	double value[MAX_SEEN];
	size_t n;
	size_t stop_after; /* 0: never stop */
};

static int collect(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct seen *s = ctx;
	assert_true(s->n < MAX_SEEN);
	snprintf(s->bench[s->n], sizeof(s->bench[s->n]), "%s", benchmark);
	s->run[s->n] = run_id;
	s->value[s->n] = value;
	s->n++;
	return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

/* ---- store_sums_of_runs ---- */

struct sums_seen {
	char bench[8][16];
	int64_t run[8], n[8], sum[8], min[8];
	size_t count;
};

static int collect_sum(void *ctx, const char *benchmark, int64_t run_id, int64_t n, int64_t sum,
		       int64_t min)
{
	struct sums_seen *s = ctx;
	assert_true(s->count < 8);
	snprintf(s->bench[s->count], sizeof(s->bench[0]), "%s", benchmark);
	s->run[s->count] = run_id;
	s->n[s->count] = n;
	s->min[s->count] = min;
	s->sum[s->count++] = sum;
	return 0;
}

/* Sums are written when a run finishes done (and only then), by benchmark then run. */
static void test_sums_written_when_done(void **state)
{
	struct fixture *f = *state;
	struct sums_seen seen = {0};
	int64_t a = queue_one(f->store, HASH_A), b = queue_one(f->store, HASH_B), ids[3];
	int64_t failed = queue_one(f->store, HASH_C);
	for (int i = 1; i <= 3; i++) {
		add_iteration(f->store, a, "y", i);
		add_iteration(f->store, b, "y", i);
		add_iteration(f->store, failed, "y", i);
	}
	add_iteration(f->store, a, "x", 1);
	ids[0] = a, ids[1] = b, ids[2] = failed;
	assert_int_equal(store_sums_of_runs(f->store, ids, 3, collect_sum, &seen), STORE_OK);
	assert_int_equal(seen.count, 0); /* nothing is done yet */
	assert_int_equal(store_run_finish(f->store, a, RUN_DONE, "", "{}"), STORE_OK);
	assert_int_equal(store_run_finish(f->store, b, RUN_DONE, "", "{}"), STORE_OK);
	assert_int_equal(store_run_finish(f->store, failed, RUN_FAILED, "x", NULL), STORE_OK);
	assert_int_equal(store_sums_of_runs(f->store, ids, 3, collect_sum, &seen), STORE_OK);
	assert_int_equal(seen.count, 3);
	assert_string_equal(seen.bench[0], "x");
	assert_int_equal(seen.run[0], a);
	assert_int_equal(seen.n[0], 1);
	assert_int_equal(seen.sum[0], a * 1000 + 1);
	assert_string_equal(seen.bench[1], "y");
	assert_int_equal(seen.run[1], a);
	assert_int_equal(seen.n[1], 3);
	assert_int_equal(seen.sum[1], 3 * a * 1000 + 6);
	assert_int_equal(seen.min[1], a * 1000 + 1);
	assert_int_equal(seen.run[2], b);
	assert_int_equal(seen.sum[2], 3 * b * 1000 + 6);
	assert_int_equal(seen.min[2], b * 1000 + 1);
}

/* An A/B job is found by its commits in order, whatever its state; a run
 * that is no side of a job is none. */
static void test_pair_queued(void **state)
{
	struct fixture *f = *state;
	struct store_new_run job[2] = {{"a", HASH_A, "{}", true, NULL}, {"b", HASH_B, "{}", false, NULL}};
	int64_t ids[2];
	bool found = true;
	(void)queue_one(f->store, HASH_C);
	assert_int_equal(store_pair_queued(f->store, &found, HASH_A, HASH_B), STORE_OK);
	assert_false(found);
	assert_int_equal(store_runs_queue(f->store, ids, job, 2, 100), STORE_OK);
	assert_int_equal(store_pair_queued(f->store, &found, HASH_A, HASH_B), STORE_OK);
	assert_true(found);
	assert_int_equal(store_pair_queued(f->store, &found, HASH_B, HASH_A), STORE_OK);
	assert_false(found);
	assert_int_equal(store_pair_queued(f->store, &found, HASH_A, HASH_C), STORE_OK);
	assert_false(found);
	assert_int_equal(store_run_finish(f->store, ids[0], RUN_FAILED, "x", NULL), STORE_OK);
	assert_int_equal(store_pair_queued(f->store, &found, HASH_A, HASH_B), STORE_OK);
	assert_true(found);
}

/* ---- store_done_runs ---- */

static void test_done_runs_by_host(void **state)
{
	struct fixture *f = *state;
	struct store_done_run *runs = NULL;
	size_t n = 99;
	int64_t a1 = run_on(f->store, HASH_A, "box1", RUN_DONE);
	int64_t b1 = run_on(f->store, HASH_B, "box2", RUN_DONE);
	int64_t failed = run_on(f->store, HASH_C, "box1", RUN_FAILED);
	int64_t queued = queue_one(f->store, HASH_C);
	int64_t a2 = run_on(f->store, HASH_A, "box1", RUN_DONE);
	(void)failed;
	(void)queued;

	assert_int_equal(store_done_runs(f->store, &runs, &n, "box1"), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(runs[0].id, a1);
	assert_int_equal(runs[1].id, a2);
	assert_string_equal(runs[0].commit, HASH_A);
	assert_true(runs[0].finished_ns > 0);
	assert_true(runs[1].finished_ns >= runs[0].finished_ns);
	assert_int_equal(runs[0].pair_id, 0);
	free(runs);

	/* NULL: every host, oldest first; failed and queued runs never appear. */
	assert_int_equal(store_done_runs(f->store, &runs, &n, NULL), STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(runs[0].id, a1);
	assert_int_equal(runs[1].id, b1);
	assert_string_equal(runs[1].commit, HASH_B);
	assert_int_equal(runs[2].id, a2);
	free(runs);

	runs = NULL;
	assert_int_equal(store_done_runs(f->store, &runs, &n, "nosuch"), STORE_OK);
	assert_int_equal(n, 0);
	free(runs);
}

static void test_done_runs_host_from_invalid_system(void **state)
{
	struct fixture *f = *state;
	struct store_done_run *runs = NULL;
	struct store_run run;
	size_t n = 99;
	int64_t id = queue_one(f->store, HASH_A);
	/* Not JSON, and JSON without a hostname: the host stays "" (no crash, no SQL error). */
	assert_int_equal(store_run_progress(f->store, id, RUN_BUILDING, "", "not json"), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	assert_string_equal(run.host, "");
	store_run_clear(&run);
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "x 1/2", "{\"cores\":1}"),
			 STORE_OK);
	assert_int_equal(store_run_finish(f->store, id, RUN_DONE, "", "{}"), STORE_OK);
	assert_int_equal(store_done_runs(f->store, &runs, &n, ""), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].id, id);
	free(runs);
}

static void test_done_runs_pair_id(void **state)
{
	struct fixture *f = *state;
	struct store_new_run pair[2] = {{"A", HASH_A, CONFIG, true, NULL}, {"B", HASH_B, CONFIG, false, NULL}};
	struct store_done_run *runs = NULL;
	int64_t ids[2];
	size_t n = 0;
	assert_int_equal(store_runs_queue(f->store, ids, pair, 2, NO_LIMIT), STORE_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_run_progress(f->store, ids[i], RUN_RUNNING, "x 1/1",
						    "{\"hostname\":\"h\"}"),
				 STORE_OK);
		assert_int_equal(store_run_finish(f->store, ids[i], RUN_DONE, "", "{}"), STORE_OK);
	}
	assert_int_equal(store_done_runs(f->store, &runs, &n, "h"), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(runs[0].pair_id, ids[1]);
	assert_int_equal(runs[1].pair_id, ids[0]);
	free(runs);
}

/* ---- store_samples_of_runs ---- */

static void test_samples_wall_order_and_filters(void **state)
{
	struct fixture *f = *state;
	struct seen seen = {0};
	int64_t r1 = queue_one(f->store, HASH_A);
	int64_t r2 = queue_one(f->store, HASH_B);
	int64_t r3 = queue_one(f->store, HASH_C);
	int64_t both[2];
	/* Inserted out of order: the walk sorts by benchmark, run, iteration. */
	add_iteration(f->store, r2, "zeta", 2);
	add_iteration(f->store, r2, "alpha", 1);
	add_iteration(f->store, r1, "zeta", 1);
	add_iteration(f->store, r2, "zeta", 1);
	add_iteration(f->store, r1, "alpha", 2);
	add_iteration(f->store, r1, "alpha", 1);
	add_iteration(f->store, r3, "alpha", 1); /* a run not asked for */
	add_iteration(f->store, r1, "alpha", 10); /* 10 after 2: numeric order */
	both[0] = r2;
	both[1] = r1; /* the order of the ids given does not matter */

	assert_int_equal(store_samples_of_runs(f->store, both, 2, NULL, NULL, collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 7);
	{
		static const char *const bench[] = {"alpha", "alpha", "alpha", "alpha",
						    "zeta",  "zeta",  "zeta"};
		const int64_t run[] = {r1, r1, r1, r2, r1, r2, r2};
		const int iter[] = {1, 2, 10, 1, 1, 1, 2};
		for (size_t i = 0; i < 7; i++) {
			assert_string_equal(seen.bench[i], bench[i]);
			assert_int_equal(seen.run[i], run[i]);
			assert_true(seen.value[i] == (double)(run[i] * 1000 + iter[i]));
		}
	}

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_samples_of_runs(f->store, both, 2, NULL, "zeta", collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(seen.bench[i], "zeta");

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_samples_of_runs(f->store, both, 2, NULL, "nosuch", collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 0);

	/* No runs: no call, no error. */
	assert_int_equal(store_samples_of_runs(f->store, both, 0, NULL, NULL, collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 0);
}

static void test_samples_early_stop(void **state)
{
	struct fixture *f = *state;
	struct seen seen = {0};
	int64_t r1 = queue_one(f->store, HASH_A);
	for (int i = 1; i <= 5; i++)
		add_iteration(f->store, r1, "x", i);
	seen.stop_after = 3;
	/* The callback's non-zero return stops the walk and is returned. */
	assert_int_equal(store_samples_of_runs(f->store, &r1, 1, NULL, NULL, collect, &seen), 7);
	assert_int_equal(seen.n, 3);
	/* The statement was finalized: the store still works. */
	add_iteration(f->store, r1, "x", 6);
	seen.n = 0;
	seen.stop_after = 0;
	assert_int_equal(store_samples_of_runs(f->store, &r1, 1, NULL, NULL, collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 6);
}

static void test_samples_many_runs(void **state)
{
	struct fixture *f = *state;
	struct seen seen = {0};
	int64_t ids[40];
	/* Enough ids that a fixed-size buffer or parameter list would show. */
	for (int i = 0; i < 40; i++)
		ids[i] = queue_one(f->store, HASH_A);
	add_iteration(f->store, ids[0], "x", 1);
	add_iteration(f->store, ids[39], "x", 1);
	assert_int_equal(store_samples_of_runs(f->store, ids, 40, NULL, NULL, collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.run[0], ids[0]);
	assert_int_equal(seen.run[1], ids[39]);
}

/* ---- store_metric_add ---- */

static void test_metric_replace_and_select(void **state)
{
	struct fixture *f = *state;
	struct seen seen = {0};
	int64_t r1 = queue_one(f->store, HASH_A);
	int64_t r2 = queue_one(f->store, HASH_B);
	int64_t both[2] = {r1, r2};
	assert_int_equal(store_metric_add(f->store, r2, "sort", "instructions", 2e9), STORE_OK);
	assert_int_equal(store_metric_add(f->store, r1, "sort", "instructions", 1.5e9), STORE_OK);
	/* The same key again replaces the value. */
	assert_int_equal(store_metric_add(f->store, r1, "sort", "instructions", 1.25e9), STORE_OK);
	assert_int_equal(store_metric_add(f->store, r1, "sort", "cycles", 3e9), STORE_OK);
	assert_int_equal(store_metric_add(f->store, r1, "alpha", "instructions", 7.0), STORE_OK);
	add_iteration(f->store, r1, "sort", 1);

	assert_int_equal(store_samples_of_runs(f->store, both, 2, "instructions", NULL, collect,
					       &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.bench[0], "alpha");
	assert_true(seen.value[0] == 7.0);
	assert_string_equal(seen.bench[1], "sort");
	assert_int_equal(seen.run[1], r1);
	assert_true(seen.value[1] == 1.25e9);
	assert_int_equal(seen.run[2], r2);
	assert_true(seen.value[2] == 2e9);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_samples_of_runs(f->store, both, 2, "cycles", "sort", collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 1);
	assert_true(seen.value[0] == 3e9);

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_samples_of_runs(f->store, both, 2, "nosuch", NULL, collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 0);
}

static void test_metric_unknown_run_rejected(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_metric_add(f->store, 999, "sort", "instructions", 1.0), STORE_ERROR);
	assert_true(strlen(store_errmsg(f->store)) > 0);
}

/* ---- store_benchmark_names ---- */

static void test_benchmark_names(void **state)
{
	struct fixture *f = *state;
	char **names = NULL;
	size_t n = 99;
	int64_t r1, r2;
	assert_int_equal(store_benchmark_names(f->store, &names, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_names_free(names, n);

	r1 = queue_one(f->store, HASH_A);
	r2 = queue_one(f->store, HASH_B);
	add_iteration(f->store, r1, "sort", 1);
	add_iteration(f->store, r1, "sort", 2);
	add_iteration(f->store, r2, "sort", 1);
	add_iteration(f->store, r2, "a-b", 1);
	add_iteration(f->store, r1, "a", 1);
	add_iteration(f->store, r2, "Big", 1);
	/* A metric alone does not make a benchmark name. */
	assert_int_equal(store_metric_add(f->store, r1, "only-metric", "instructions", 1.0),
			 STORE_OK);
	assert_int_equal(store_benchmark_names(f->store, &names, &n), STORE_OK);
	assert_int_equal(n, 4);
	/* Byte order (SQLite's BINARY collation): uppercase first. */
	assert_string_equal(names[0], "Big");
	assert_string_equal(names[1], "a");
	assert_string_equal(names[2], "a-b");
	assert_string_equal(names[3], "sort");
	store_names_free(names, n);
}

/* ---- baselines ---- */

static void test_baseline_set_get(void **state)
{
	struct fixture *f = *state;
	struct store_baseline b;
	int64_t seq0 = seq_of(f->store);
	assert_int_equal(store_baseline_get(f->store, &b, "release"), STORE_NOTFOUND);
	assert_int_equal(store_baseline_set(f->store, "release", "v1.0", HASH_A), STORE_OK);
	assert_int_equal(seq_of(f->store), seq0 + 1);
	memset(&b, 0x55, sizeof(b));
	assert_int_equal(store_baseline_get(f->store, &b, "release"), STORE_OK);
	assert_string_equal(b.name, "release");
	assert_string_equal(b.commit, HASH_A);
	assert_true(b.created_ns > 0);

	/* Re-pinning replaces the commit, and is a change too. */
	assert_int_equal(store_baseline_set(f->store, "release", "v1.1", HASH_B), STORE_OK);
	assert_int_equal(seq_of(f->store), seq0 + 2);
	assert_int_equal(store_baseline_get(f->store, &b, "release"), STORE_OK);
	assert_string_equal(b.commit, HASH_B);
}

static void test_baseline_list_sorted(void **state)
{
	struct fixture *f = *state;
	struct store_baseline *list = NULL;
	size_t n = 99;
	assert_int_equal(store_baselines_list(f->store, &list, &n), STORE_OK);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(store_baseline_set(f->store, "zz", "HEAD", HASH_C), STORE_OK);
	assert_int_equal(store_baseline_set(f->store, "aa", "v1", HASH_A), STORE_OK);
	assert_int_equal(store_baseline_set(f->store, "mm", "v2", HASH_B), STORE_OK);
	assert_int_equal(store_baselines_list(f->store, &list, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "aa");
	assert_string_equal(list[0].commit, HASH_A);
	assert_string_equal(list[1].name, "mm");
	assert_string_equal(list[2].name, "zz");
	assert_string_equal(list[2].commit, HASH_C);
	free(list);
}

static void test_baseline_delete(void **state)
{
	struct fixture *f = *state;
	struct store_baseline b, *list = NULL;
	size_t n = 99;
	int64_t seq;
	assert_int_equal(store_baseline_set(f->store, "keep", "v1", HASH_A), STORE_OK);
	assert_int_equal(store_baseline_set(f->store, "gone", "v2", HASH_B), STORE_OK);
	seq = seq_of(f->store);
	assert_int_equal(store_baseline_delete(f->store, "gone"), STORE_OK);
	assert_int_equal(seq_of(f->store), seq + 1);
	assert_int_equal(store_baseline_get(f->store, &b, "gone"), STORE_NOTFOUND);
	/* Deleting what is not there changes nothing, not even the change number. */
	assert_int_equal(store_baseline_delete(f->store, "gone"), STORE_NOTFOUND);
	assert_int_equal(seq_of(f->store), seq + 1);
	assert_int_equal(store_baselines_list(f->store, &list, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "keep");
	free(list);
}

static void test_baseline_bad_input(void **state)
{
	struct fixture *f = *state;
	char name[STORE_BASELINE_NAME_MAX + 2];
	struct store_baseline *list = NULL;
	size_t n = 99;
	int64_t seq = seq_of(f->store);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(store_baseline_set(f->store, name, "v1", HASH_A), STORE_ERROR);
	assert_non_null(strstr(store_errmsg(f->store), "too long"));
	/* The longest allowed name works. */
	name[STORE_BASELINE_NAME_MAX] = '\0';
	assert_int_equal(store_baseline_set(f->store, name, "v1", HASH_A), STORE_OK);
	/* Not a full hash: the schema's check refuses it, nothing changes. */
	assert_int_equal(store_baseline_set(f->store, "short", "v1", "abc"), STORE_ERROR);
	assert_int_equal(seq_of(f->store), seq + 1);
	assert_int_equal(store_baselines_list(f->store, &list, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, name);
	free(list);
}

static void test_baseline_survives_reopen(void **state)
{
	struct fixture *f = *state;
	struct store_baseline b;
	assert_int_equal(store_baseline_set(f->store, "release", "v1.0", HASH_A), STORE_OK);
	store_free(f->store);
	f->store = NULL;
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_FULL), STORE_OK);
	assert_int_equal(store_baseline_get(f->store, &b, "release"), STORE_OK);
	assert_string_equal(b.commit, HASH_A);
}

/* ---- A/B pairs in store_runs_queue ---- */

static void test_queue_pairs(void **state)
{
	struct fixture *f = *state;
	struct store_new_run runs[3] = {
		{"A", HASH_A, CONFIG, true, NULL}, {"B", HASH_B, CONFIG, false, NULL}, {"C", HASH_C, CONFIG, false, NULL}};
	struct store_run run;
	int64_t ids[3];
	assert_int_equal(store_runs_queue(f->store, ids, runs, 3, NO_LIMIT), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, ids[0]), STORE_OK);
	assert_int_equal(run.pair_id, ids[1]);
	store_run_clear(&run);
	assert_int_equal(store_run_get(f->store, &run, ids[1]), STORE_OK);
	assert_int_equal(run.pair_id, ids[0]);
	store_run_clear(&run);
	assert_int_equal(store_run_get(f->store, &run, ids[2]), STORE_OK);
	assert_int_equal(run.pair_id, 0);
	store_run_clear(&run);
}

static void test_queue_two_pairs(void **state)
{
	struct fixture *f = *state;
	struct store_new_run runs[4] = {{"A", HASH_A, CONFIG, true, NULL}, {"B", HASH_B, CONFIG, false, NULL},
					{"C", HASH_C, CONFIG, true, NULL}, {"A", HASH_A, CONFIG, false, NULL}};
	struct store_run run;
	int64_t ids[4];
	assert_int_equal(store_runs_queue(f->store, ids, runs, 4, NO_LIMIT), STORE_OK);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(store_run_get(f->store, &run, ids[i]), STORE_OK);
		assert_int_equal(run.pair_id, ids[i ^ 1]);
		store_run_clear(&run);
	}
}

static void test_queue_unpaired_refused(void **state)
{
	struct fixture *f = *state;
	/* The last entry wants a partner that is not there. */
	struct store_new_run last[2] = {{"A", HASH_A, CONFIG, false, NULL}, {"B", HASH_B, CONFIG, true, NULL}};
	/* A pair's second side cannot start another pair. */
	struct store_new_run chain[3] = {
		{"A", HASH_A, CONFIG, true, NULL}, {"B", HASH_B, CONFIG, true, NULL}, {"C", HASH_C, CONFIG, false, NULL}};
	int64_t ids[3] = {0, 0, 0}, seq;
	queue_one(f->store, HASH_C);
	seq = seq_of(f->store);
	assert_int_equal(store_runs_queue(f->store, ids, last, 2, NO_LIMIT), STORE_ERROR);
	assert_non_null(strstr(store_errmsg(f->store), "pair"));
	assert_int_equal(run_count(f->store), 1);
	assert_int_equal(seq_of(f->store), seq);
	assert_int_equal(store_runs_queue(f->store, ids, chain, 3, NO_LIMIT), STORE_ERROR);
	assert_int_equal(run_count(f->store), 1);
	assert_int_equal(seq_of(f->store), seq);
	/* A lone run that wants a partner is refused as well. */
	assert_int_equal(store_runs_queue(f->store, ids, &last[1], 1, NO_LIMIT), STORE_ERROR);
	assert_int_equal(run_count(f->store), 1);
	/* The store is usable afterwards (the transaction was rolled back). */
	queue_one(f->store, HASH_A);
	assert_int_equal(run_count(f->store), 2);
}

/* ---- store_results_seq ---- */

static void test_results_seq_moves_on_done_and_baselines(void **state)
{
	struct fixture *f = *state;
	int64_t changed = -1, id, other, *recovered = NULL;
	size_t nrecovered = 0;
	assert_int_equal(results_seq_of(f->store, &changed), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(results_seq_of(f->store, NULL), 0); /* changed_ns may be NULL */

	/* Queueing, progress and failing change no view. */
	id = queue_one(f->store, HASH_A);
	assert_int_equal(store_run_progress(f->store, id, RUN_BUILDING, "", "{\"hostname\":\"h\"}"),
			 STORE_OK);
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "x 1/3", NULL), STORE_OK);
	assert_int_equal(store_run_finish(f->store, id, RUN_FAILED, "x exited with status 1", NULL),
			 STORE_OK);
	assert_true(seq_of(f->store) > 0);
	assert_int_equal(results_seq_of(f->store, &changed), 0);
	assert_int_equal(changed, 0);

	/* A run finishing done does. */
	id = run_on(f->store, HASH_B, "h", RUN_DONE);
	assert_int_equal(results_seq_of(f->store, &changed), seq_of(f->store));
	assert_true(changed > 0);

	/* So do pinning and unpinning, not a failed unpin. */
	assert_int_equal(store_baseline_set(f->store, "rel", "v1", HASH_B), STORE_OK);
	assert_int_equal(results_seq_of(f->store, NULL), seq_of(f->store));
	assert_int_equal(store_baseline_delete(f->store, "rel"), STORE_OK);
	assert_int_equal(results_seq_of(f->store, NULL), seq_of(f->store));
	other = seq_of(f->store);
	assert_int_equal(store_baseline_delete(f->store, "rel"), STORE_NOTFOUND);
	assert_int_equal(results_seq_of(f->store, NULL), other);

	/* Recovering interrupted runs re-queues them: no done run changes. */
	other = queue_one(f->store, HASH_C);
	assert_int_equal(store_run_progress(f->store, other, RUN_RUNNING, "x 1/3", "{}"), STORE_OK);
	assert_int_equal(store_runs_recover(f->store, NULL, &recovered, &nrecovered), STORE_OK);
	assert_int_equal(nrecovered, 1);
	free(recovered);
	assert_true(seq_of(f->store) > results_seq_of(f->store, NULL));
	(void)id;
}

/* ---- migration from schema version 1 ---- */

/* The first migration of store/migrations.c, as shipped: a version 1 file. */
static const char v1_schema[] =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('seq', 0);"
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" revision TEXT NOT NULL,"
	" commit_sha TEXT NOT NULL CHECK (length(commit_sha) = 40),"
	" state TEXT NOT NULL CHECK (state IN ('queued','building','running','done','failed')),"
	" detail TEXT NOT NULL DEFAULT '',"
	" seq INTEGER NOT NULL,"
	" created_ns INTEGER NOT NULL,"
	" updated_ns INTEGER NOT NULL,"
	" started_ns INTEGER NOT NULL DEFAULT 0,"
	" finished_ns INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" config TEXT NOT NULL,"
	" system TEXT,"
	" result TEXT);"
	"CREATE INDEX runs_by_state ON runs (state, id);"
	"CREATE INDEX runs_by_commit ON runs (commit_sha, state, id);"
	"CREATE TABLE iterations ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" benchmark TEXT NOT NULL,"
	" iteration INTEGER NOT NULL,"
	" wall_ns INTEGER NOT NULL,"
	" user_ns INTEGER NOT NULL,"
	" sys_ns INTEGER NOT NULL,"
	" maxrss_bytes INTEGER NOT NULL,"
	" exit_code INTEGER NOT NULL,"
	" term_signal INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, benchmark, iteration)) WITHOUT ROWID;"
	"PRAGMA user_version = 1;";

static void make_v1_store(const char *path)
{
	static const char rows[] =
		"UPDATE meta SET value = 5 WHERE key = 'seq';"
		"INSERT INTO runs (revision, commit_sha, state, seq, created_ns, updated_ns,"
		" finished_ns, attempts, config, system, result) VALUES"
		" ('v1', '" HASH_A "', 'done', 2, 100, 200, 200, 1, '{}',"
		"  '{\"hostname\": \"box1\", \"cores\": 4}', '{}'),"
		" ('v2', '" HASH_B "', 'done', 3, 300, 400, 400, 1, '{}', 'not json', '{}'),"
		" ('v3', '" HASH_C "', 'queued', 4, 500, 500, 0, 0, '{}', NULL, NULL),"
		" ('v4', '" HASH_C "', 'done', 5, 600, 700, 700, 1, '{}', '{\"cores\": 1}', '{}');"
		"INSERT INTO iterations VALUES (1, 'sort', 1, 1000, 1, 1, 1, 0, 0),"
		" (1, 'sort', 2, 1100, 1, 1, 1, 0, 0), (2, 'sort', 1, 2000, 1, 1, 1, 0, 0);";
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, rows, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_migrate_from_v1(void **state)
{
	struct fixture *f = *state;
	struct store_done_run *runs = NULL;
	struct store_run run;
	struct store_baseline *list = NULL;
	struct seen seen = {0};
	char **names = NULL;
	size_t n = 0;
	int64_t id = 1;
	/* A store of SQLite's schema 1: PostgreSQL stores start at the current one. */
	if (test_store_is_pg())
		skip();
	make_v1_store(f->location);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);

	/* The host was filled from system.json where it names one. */
	assert_int_equal(store_run_get(f->store, &run, 1), STORE_OK);
	assert_string_equal(run.host, "box1");
	assert_int_equal(run.pair_id, 0);
	assert_string_equal(run.revision, "v1");
	store_run_clear(&run);
	for (int64_t other = 2; other <= 4; other++) {
		assert_int_equal(store_run_get(f->store, &run, other), STORE_OK);
		assert_string_equal(run.host, "");
		store_run_clear(&run);
	}
	assert_int_equal(store_done_runs(f->store, &runs, &n, "box1"), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].id, 1);
	assert_int_equal(runs[0].finished_ns, 200);
	assert_string_equal(runs[0].build_id, "");
	free(runs);
	assert_int_equal(store_done_runs(f->store, &runs, &n, ""), STORE_OK);
	assert_int_equal(n, 2);
	free(runs);

	/* The old data still reads, and the new tables work. The views start
	 * at the current change number, never moved. */
	assert_int_equal(seq_of(f->store), 5);
	{
		int64_t changed = -1;
		assert_int_equal(results_seq_of(f->store, &changed), 5);
		assert_int_equal(changed, 0);
	}
	assert_int_equal(store_samples_of_runs(f->store, &id, 1, NULL, "sort", collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_true(seen.value[1] == 1100.0);
	assert_int_equal(store_benchmark_names(f->store, &names, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "sort");
	store_names_free(names, n);
	assert_int_equal(store_baselines_list(f->store, &list, &n), STORE_OK);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(store_baseline_set(f->store, "old", "v1", HASH_A), STORE_OK);
	assert_int_equal(store_metric_add(f->store, 1, "sort", "instructions", 5.0), STORE_OK);
	/* New ids continue after the old ones. */
	assert_int_equal(queue_one(f->store, HASH_A), 5);

	/* Opening again migrates nothing twice. */
	store_free(f->store);
	f->store = NULL;
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(run_count(f->store), 5);
}

static void test_migrate_v1_empty(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = NULL;
	char **names = NULL;
	size_t n = 99;
	/* As test_migrate_from_v1. */
	if (test_store_is_pg())
		skip();
	assert_int_equal(sqlite3_open(f->location, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(run_count(f->store), 0);
	assert_int_equal(store_benchmark_names(f->store, &names, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_names_free(names, n);
}

/* ---- migration from schema version 2 ---- */

/* The second migration of store/migrations.c, as shipped: applied to v1_schema it
 * gives a version 2 file. */
static const char v2_migration[] =
	"ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE runs ADD COLUMN pair_id INTEGER NOT NULL DEFAULT 0;"
	"UPDATE runs SET host = coalesce(json_extract(system, '$.hostname'), '')"
	" WHERE system IS NOT NULL AND json_valid(system);"
	"CREATE INDEX runs_done_by_host ON runs (host, state, id, commit_sha, finished_ns, pair_id);"
	"INSERT INTO meta (key, value) SELECT 'views_seq', value FROM meta WHERE key = 'seq';"
	"INSERT INTO meta (key, value) VALUES ('views_ns', 0);"
	"CREATE INDEX iterations_by_benchmark ON iterations (benchmark, run_id, iteration, wall_ns);"
	"CREATE TABLE run_sums ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" benchmark TEXT NOT NULL,"
	" n INTEGER NOT NULL,"
	" sum_wall_ns INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, benchmark)) WITHOUT ROWID;"
	"INSERT INTO run_sums SELECT i.run_id, i.benchmark, count(*), sum(i.wall_ns)"
	" FROM iterations i JOIN runs r ON r.id = i.run_id WHERE r.state = 'done'"
	" GROUP BY i.run_id, i.benchmark;"
	"CREATE TABLE baselines ("
	" name TEXT PRIMARY KEY,"
	" revision TEXT NOT NULL,"
	" commit_sha TEXT NOT NULL CHECK (length(commit_sha) = 40),"
	" created_ns INTEGER NOT NULL);"
	"CREATE TABLE metrics ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" benchmark TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" value REAL NOT NULL,"
	" PRIMARY KEY (run_id, benchmark, name)) WITHOUT ROWID;"
	"PRAGMA user_version = 2;";

/* A version 2 file with A/B runs, a baseline, metrics and sums. */
static void make_v2_store(const char *path)
{
	static const char rows[] =
		"UPDATE meta SET value = 9 WHERE key IN ('seq', 'views_seq');"
		"UPDATE meta SET value = 123 WHERE key = 'views_ns';"
		"INSERT INTO runs (revision, commit_sha, state, seq, created_ns, updated_ns,"
		" finished_ns, attempts, config, system, result, host, pair_id) VALUES"
		" ('a', '" HASH_A "', 'done', 7, 100, 200, 200, 1, '{}', '{\"hostname\": \"h\"}',"
		"  '{\"results\": []}', 'h', 2),"
		" ('b', '" HASH_B "', 'done', 8, 100, 210, 210, 1, '{}', '{\"hostname\": \"h\"}',"
		"  '{\"results\": []}', 'h', 1),"
		" ('c', '" HASH_C "', 'queued', 9, 300, 300, 0, 0, '{}', NULL, NULL, '', 0);"
		"INSERT INTO iterations VALUES (1, 'sort', 1, 1000, 1, 1, 1, 0, 0),"
		" (1, 'sort', 2, 1100, 1, 1, 1, 0, 0), (2, 'sort', 1, 2000, 1, 1, 1, 0, 0);"
		"INSERT INTO run_sums VALUES (1, 'sort', 2, 2100), (2, 'sort', 1, 2000);"
		"INSERT INTO metrics VALUES (1, 'sort', 'instructions', 42.0);"
		"INSERT INTO baselines VALUES ('rel', 'a', '" HASH_A "', 50);";
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v2_migration, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, rows, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int sum_row(void *ctx, const char *benchmark, int64_t run_id, int64_t n, int64_t sum,
		   int64_t min)
{
	struct seen *s = ctx;
	assert_true(s->n < MAX_SEEN);
	snprintf(s->bench[s->n], sizeof(s->bench[s->n]), "%s", benchmark);
	s->run[s->n] = run_id;
	/* The minimum comes from the iterations when the store migrates to 4. */
	s->value[s->n] = (double)sum + 1e-6 * (double)n + 1e6 * (double)min;
	s->n++;
	return 0;
}

/* The plan SQLite chooses for the done runs of one host uses only the index. */
static bool done_runs_by_host_covered(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	bool covered = false;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT id, commit_sha,"
						" finished_ns, pair_id, build_id FROM runs"
						" WHERE host = 'h' AND state = 'done' ORDER BY id",
					    -1, &stmt, NULL),
			 SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(stmt, 3);
		if (detail && strstr(detail, "COVERING INDEX runs_done_by_host"))
			covered = true;
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return covered;
}

static void test_migrate_from_v2(void **state)
{
	struct fixture *f = *state;
	struct store_done_run *runs = NULL;
	struct store_baseline base;
	struct store_run run;
	struct seen seen = {0};
	int64_t ids[2] = {1, 2}, changed = -1;
	size_t n = 0;
	/* A store of SQLite's schema 2, as test_migrate_from_v1. */
	if (test_store_is_pg())
		skip();
	make_v2_store(f->location);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);

	/* Every row is still there, with an empty build id. */
	assert_int_equal(run_count(f->store), 3);
	assert_int_equal(store_done_runs(f->store, &runs, &n, "h"), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(runs[0].id, 1);
	assert_int_equal(runs[0].pair_id, 2);
	assert_int_equal(runs[0].finished_ns, 200);
	assert_string_equal(runs[0].commit, HASH_A);
	assert_string_equal(runs[0].build_id, "");
	assert_int_equal(runs[1].pair_id, 1);
	assert_string_equal(runs[1].build_id, "");
	free(runs);
	assert_int_equal(store_run_get(f->store, &run, 3), STORE_OK);
	assert_int_equal(run.state, RUN_QUEUED);
	assert_string_equal(run.revision, "c");
	store_run_clear(&run);
	assert_int_equal(seq_of(f->store), 9);
	assert_int_equal(results_seq_of(f->store, &changed), 9);
	assert_int_equal(changed, 123);
	assert_int_equal(store_samples_of_runs(f->store, ids, 2, NULL, "sort", collect, &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 3);
	assert_true(seen.value[2] == 2000.0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_samples_of_runs(f->store, ids, 1, "instructions", NULL, collect,
					       &seen),
			 STORE_OK);
	assert_int_equal(seen.n, 1);
	assert_true(seen.value[0] == 42.0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_sums_of_runs(f->store, ids, 2, sum_row, &seen), STORE_OK);
	assert_int_equal(seen.n, 2);
	assert_true(seen.value[0] == 2100.0 + 2e-6 + 1e9);
	assert_true(seen.value[1] == 2000.0 + 1e-6 + 2e9);
	assert_int_equal(store_baseline_get(f->store, &base, "rel"), STORE_OK);
	assert_string_equal(base.commit, HASH_A);
	assert_true(done_runs_by_host_covered(f->location));

	/* The new column works, and opening again migrates nothing twice. */
	assert_int_equal(store_run_set_build_id(f->store, 2, "0123456789abcdef0123456789abcdef01234567"),
			 STORE_OK);
	store_free(f->store);
	f->store = NULL;
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(store_done_runs(f->store, &runs, &n, NULL), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(runs[0].build_id, "");
	assert_string_equal(runs[1].build_id, "0123456789abcdef0123456789abcdef01234567");
	free(runs);
	assert_int_equal(run_count(f->store), 3);
}

static void test_fresh_store_covers_done_runs(void **state)
{
	struct fixture *f = *state;
	/* SQLite's query plan; PostgreSQL plans by its statistics, not checked here. */
	if (test_store_is_pg())
		skip();
	run_on(f->store, HASH_A, "h", RUN_DONE);
	assert_true(done_runs_by_host_covered(f->location));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_open, teardown)
	const struct CMUnitTest tests[] = {
		T(test_done_runs_by_host),
		T(test_done_runs_host_from_invalid_system),
		T(test_done_runs_pair_id),
		T(test_samples_wall_order_and_filters),
		T(test_samples_early_stop),
		T(test_samples_many_runs),
		T(test_metric_replace_and_select),
		T(test_metric_unknown_run_rejected),
		T(test_benchmark_names),
		T(test_baseline_set_get),
		T(test_baseline_list_sorted),
		T(test_baseline_delete),
		T(test_baseline_bad_input),
		T(test_baseline_survives_reopen),
		T(test_queue_pairs),
		T(test_queue_two_pairs),
		T(test_queue_unpaired_refused),
		T(test_results_seq_moves_on_done_and_baselines),
		T(test_sums_written_when_done),
		T(test_pair_queued),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v2, setup, teardown),
		T(test_fresh_store_covers_done_runs),
	};
#undef T
	return cmocka_run_group_tests_name("store_views", tests, NULL, NULL);
}
