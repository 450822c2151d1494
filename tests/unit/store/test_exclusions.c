/* Unit tests for excluding runs (store.h): the mark and its reason, the
 * views' queries that skip excluded runs, A/B pairs excluded together,
 * pending runs refused, and a store of the previous schema migrating. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
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
	if (test_tmpdir_make(f->dir, sizeof(f->dir), "exclusions")) {
		free(f);
		return -1;
	}
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	if (store_open(&f->store, f->location, STORE_SYNC_NORMAL) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", store_errmsg(f->store));
		return -1;
	}
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

/* n runs queued in one call (paired: as one A/B job of two). */
static void queue(struct store *s, int64_t *ids, const char *const *commits, size_t n,
		  bool paired)
{
	struct store_new_run runs[4];
	for (size_t i = 0; i < n; i++)
		runs[i] = (struct store_new_run){commits[i], commits[i], CONFIG, paired && i == 0, NULL};
	assert_int_equal(store_runs_queue(s, ids, runs, n, NO_LIMIT), STORE_OK);
}

/* Run id measured (3 iterations of "sort") and finished done. */
static void finish(struct store *s, int64_t id)
{
	for (int i = 1; i <= 3; i++) {
		struct store_iteration it = {"sort", i, 1000 + i, 500, 200, 4096, 0, 0};
		assert_int_equal(store_iteration_add(s, id, &it), STORE_OK);
	}
	assert_int_equal(store_run_finish(s, id, RUN_DONE, "", "{\"benchfs\":{}}"), STORE_OK);
}

static int64_t queue_done(struct store *s, const char *commit)
{
	const char *commits[] = {commit};
	int64_t id = 0;
	queue(s, &id, commits, 1, false);
	finish(s, id);
	return id;
}

/* Whether store_done_runs (all hosts) lists run id. */
static bool done_lists(struct store *s, int64_t id)
{
	struct store_done_run *runs = NULL;
	size_t n = 0;
	bool found = false;
	assert_int_equal(store_done_runs(s, &runs, &n, NULL), STORE_OK);
	for (size_t i = 0; i < n; i++)
		found |= runs[i].id == id;
	free(runs);
	return found;
}

static size_t done_commit_count(struct store *s)
{
	char(*hashes)[STORE_HASH_LEN + 1] = NULL;
	size_t n = 0;
	assert_int_equal(store_done_commits(s, &hashes, &n), STORE_OK);
	free(hashes);
	return n;
}

static void test_exclude_and_include(void **state)
{
	struct fixture *f = *state;
	int64_t a1 = queue_done(f->store, HASH_A), b1 = queue_done(f->store, HASH_B);
	int64_t b2 = queue_done(f->store, HASH_B), id = 0, seq = 0, views = 0, views2 = 0;
	struct store_run run;

	assert_int_equal(store_results_seq(f->store, &views, NULL), STORE_OK);
	assert_int_equal(store_run_exclude(f->store, b2, "load spike"), STORE_OK);
	/* The views' change number moved: their caches are stale. */
	assert_int_equal(store_results_seq(f->store, &views2, NULL), STORE_OK);
	assert_true(views2 > views);
	assert_int_equal(store_seq(f->store, &seq), STORE_OK);

	assert_int_equal(store_run_get(f->store, &run, b2), STORE_OK);
	assert_string_equal(run.excluded_reason, "load spike");
	assert_true(run.excluded_ns > 0);
	assert_int_equal(run.seq, seq); /* its status changed */
	assert_int_equal(run.state, RUN_DONE);
	store_run_clear(&run);
	assert_int_equal(store_run_get_light(f->store, &run, b2), STORE_OK);
	assert_string_equal(run.excluded_reason, "load spike");
	store_run_clear(&run);
	assert_int_equal(store_run_get(f->store, &run, b1), STORE_OK);
	assert_null(run.excluded_reason);
	assert_int_equal(run.excluded_ns, 0);
	store_run_clear(&run);

	/* Every query the views are made of skips it. */
	assert_false(done_lists(f->store, b2));
	assert_true(done_lists(f->store, b1));
	assert_int_equal(store_latest_done(f->store, &id), STORE_OK);
	assert_int_equal(id, b1);
	assert_int_equal(store_commit_latest_done(f->store, &id, HASH_B), STORE_OK);
	assert_int_equal(id, b1);

	/* The last run of a commit excluded: the commit has no result. */
	assert_int_equal(store_run_exclude(f->store, b1, ""), STORE_OK);
	assert_int_equal(store_commit_latest_done(f->store, &id, HASH_B), STORE_NOTFOUND);
	assert_int_equal(done_commit_count(f->store), 1);
	assert_int_equal(store_latest_done(f->store, &id), STORE_OK);
	assert_int_equal(id, a1);

	/* Kept, and reversible. */
	{
		struct store_run *list = NULL;
		size_t n = 0;
		assert_int_equal(store_runs_excluded(f->store, &list, &n), STORE_OK);
		assert_int_equal(n, 2);
		store_runs_free(list, n);
	}
	assert_int_equal(store_run_include(f->store, b2), STORE_OK);
	assert_int_equal(store_run_include(f->store, b1), STORE_OK);
	assert_int_equal(store_run_include(f->store, b1), STORE_OK); /* not excluded: fine */
	assert_true(done_lists(f->store, b2));
	assert_int_equal(store_latest_done(f->store, &id), STORE_OK);
	assert_int_equal(id, b2);
	assert_int_equal(done_commit_count(f->store), 2);
	assert_int_equal(store_run_get(f->store, &run, b2), STORE_OK);
	assert_null(run.excluded_reason);
	store_run_clear(&run);
}

static void test_reason_replaced(void **state)
{
	struct fixture *f = *state;
	int64_t a = queue_done(f->store, HASH_A);
	struct store_run run;
	assert_int_equal(store_run_exclude(f->store, a, "first"), STORE_OK);
	assert_int_equal(store_run_exclude(f->store, a, "second"), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, a), STORE_OK);
	assert_string_equal(run.excluded_reason, "second");
	store_run_clear(&run);
}

static void test_pending_refused(void **state)
{
	struct fixture *f = *state;
	const char *commits[] = {HASH_A};
	int64_t id = 0;
	queue(f->store, &id, commits, 1, false);
	assert_int_equal(store_run_exclude(f->store, id, "x"), STORE_BUSY);
	assert_int_equal(store_errno(STORE_BUSY), -EBUSY);
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "sort 1/3", NULL),
			 STORE_OK);
	assert_int_equal(store_run_exclude(f->store, id, "x"), STORE_BUSY);
	assert_int_equal(store_run_finish(f->store, id, RUN_FAILED, "exit 1", NULL), STORE_OK);
	/* A failed run may be marked too (it counts nowhere anyway). */
	assert_int_equal(store_run_exclude(f->store, id, "x"), STORE_OK);
	assert_int_equal(store_run_exclude(f->store, 9999, "x"), STORE_NOTFOUND);
	assert_int_equal(store_run_include(f->store, 9999), STORE_NOTFOUND);
}

static void test_pair_together(void **state)
{
	struct fixture *f = *state;
	const char *commits[] = {HASH_A, HASH_B};
	int64_t ids[2] = {0, 0};
	struct store_run run;
	queue(f->store, ids, commits, 2, true);
	finish(f->store, ids[0]);
	/* One side done, the other still queued: the job is pending. */
	assert_int_equal(store_run_exclude(f->store, ids[0], "noisy"), STORE_BUSY);
	finish(f->store, ids[1]);
	assert_int_equal(store_run_exclude(f->store, ids[1], "noisy"), STORE_OK);
	assert_false(done_lists(f->store, ids[0]));
	assert_false(done_lists(f->store, ids[1]));
	assert_int_equal(store_run_get(f->store, &run, ids[0]), STORE_OK);
	assert_string_equal(run.excluded_reason, "noisy");
	store_run_clear(&run);
	/* Included together as well. */
	assert_int_equal(store_run_include(f->store, ids[0]), STORE_OK);
	assert_true(done_lists(f->store, ids[0]));
	assert_true(done_lists(f->store, ids[1]));
}

/* Samples are still read by id: a compare naming the run directly works. */
static int count_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	(void)benchmark, (void)run_id, (void)value;
	++*(int *)ctx;
	return 0;
}

static void test_samples_by_id(void **state)
{
	struct fixture *f = *state;
	int64_t a = queue_done(f->store, HASH_A);
	int n = 0;
	assert_int_equal(store_run_exclude(f->store, a, "x"), STORE_OK);
	assert_int_equal(store_samples_of_runs(f->store, &a, 1, NULL, NULL, count_sample, &n),
			 STORE_OK);
	assert_int_equal(n, 3);
}

/* Back to schema 4 (a SQLite file): what every later migration added goes. */
static void downgrade_to_4(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      /* 18, 17 */
				      " DROP TABLE run_files;"
				      " DROP TABLE run_labels; DROP TABLE runners; DROP INDEX runs_held;"
				      " ALTER TABLE runs DROP COLUMN labels; ALTER TABLE runs DROP COLUMN runner;"
				      " ALTER TABLE runs DROP COLUMN lease_ns;"
				      " DROP TABLE exclusions; DROP TABLE alert_events;"
				      " DROP TABLE alerts; DROP TABLE run_summaries;"
				      " DROP TABLE summarized; DROP TABLE bisections;"
				      " DROP INDEX runs_by_revision; DROP TABLE baseline_events;"
				      " ALTER TABLE baselines DROP COLUMN event_id;"
				      " DROP TABLE watch_branches; DROP TABLE kept_views; DROP TABLE run_stats;"
				      " DROP INDEX runs_listing;"
				      " DROP TABLE described;"
				      /* 15 */
				      " DROP TABLE metric_samples; DROP TABLE metric_defs;"
				      /* 12: samples back under iterations, configurations back in runs */
				      " CREATE TABLE old_iterations AS SELECT * FROM iterations;"
				      " DROP VIEW iterations; DROP TABLE samples; DROP TABLE benchmarks;"
				      " CREATE TABLE iterations (run_id INTEGER NOT NULL, benchmark TEXT NOT NULL,"
				      " iteration INTEGER NOT NULL, wall_ns INTEGER NOT NULL,"
				      " user_ns INTEGER NOT NULL, sys_ns INTEGER NOT NULL,"
				      " maxrss_bytes INTEGER NOT NULL, exit_code INTEGER NOT NULL,"
				      " term_signal INTEGER NOT NULL,"
				      " PRIMARY KEY (run_id, benchmark, iteration)) WITHOUT ROWID;"
				      " INSERT INTO iterations SELECT * FROM old_iterations;"
				      " DROP TABLE old_iterations;"
				      " CREATE INDEX iterations_by_benchmark"
				      " ON iterations (benchmark, run_id, iteration, wall_ns);"
				      " UPDATE runs SET config = (SELECT body FROM configs WHERE id = config_id);"
				      " DROP TABLE configs; ALTER TABLE runs DROP COLUMN config_id;"
				      " ALTER TABLE runs DROP COLUMN result_z;"
				      " DELETE FROM meta WHERE key = 'pack_pending';"
				      " PRAGMA user_version = 4",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
}

/* A store of schema 4 (no exclusions) opens, migrates and keeps its runs;
 * the exclusion survives closing and opening again. PostgreSQL stores start
 * at the current schema: there, only the reopening. */
static void test_migrate_and_reopen(void **state)
{
	struct fixture *f = *state;
	int64_t a = queue_done(f->store, HASH_A), id = 0;
	store_free(f->store);
	f->store = NULL;
	if (!test_store_is_pg())
		downgrade_to_4(f->location);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(store_latest_done(f->store, &id), STORE_OK);
	assert_int_equal(id, a);
	assert_int_equal(store_run_exclude(f->store, a, "bad host"), STORE_OK);
	store_free(f->store);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(store_latest_done(f->store, &id), STORE_NOTFOUND);
	{
		struct store_run run;
		assert_int_equal(store_run_get(f->store, &run, a), STORE_OK);
		assert_string_equal(run.excluded_reason, "bad host");
		store_run_clear(&run);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exclude_and_include, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reason_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_together, setup, teardown),
		cmocka_unit_test_setup_teardown(test_samples_by_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_and_reopen, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
