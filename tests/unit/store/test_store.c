/* Unit tests for store/store.h: schema, queue, progress, recovery, queries.
 *
 * Every test works on a fresh store in its own mkdtemp directory (a SQLite
 * file there, or a database of its own when BENCHFS_TEST_PG names a
 * PostgreSQL server), removed again in the teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"
#include "util/clock.h"

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
	if (test_tmpdir_make(f->dir, sizeof(f->dir), "store")) {
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

/* setup, plus the store opened. */
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

static int64_t queue_one(struct store *s, const char *revision, const char *commit)
{
	struct store_new_run r = {revision, commit, CONFIG, false, NULL};
	int64_t id = 0;
	assert_int_equal(store_runs_queue(s, &id, &r, 1, NO_LIMIT), STORE_OK);
	assert_true(id > 0);
	return id;
}

static int64_t seq_of(struct store *s)
{
	int64_t seq = -1;
	assert_int_equal(store_seq(s, &seq), STORE_OK);
	return seq;
}

static enum run_state state_of(struct store *s, int64_t id)
{
	struct store_run run;
	enum run_state st;
	assert_int_equal(store_run_get(s, &run, id), STORE_OK);
	st = run.state;
	store_run_clear(&run);
	return st;
}

static void add_iteration(struct store *s, int64_t run, const char *bench, int i)
{
	struct store_iteration it = {bench, i, 1000 + i, 500, 200, 4096, 0, 0};
	assert_int_equal(store_iteration_add(s, run, &it), STORE_OK);
}

/* Run one integer query straight through the engine, not through the store. */
static int64_t sql_int(const char *location, const char *sql)
{
	int64_t v = 0;
	assert_int_equal(test_store_int64(&v, location, sql), 0);
	return v;
}

static void sql_exec(const char *location, const char *sql)
{
	assert_int_equal(test_store_exec(location, sql), 0);
}

/* The schema's version: SQLite's user_version, PostgreSQL's schema_version table. */
static const char *version_sql(void)
{
	return test_store_is_pg() ? "SELECT version FROM schema_version" : "PRAGMA user_version";
}

static int64_t iterations_of(const char *location, int64_t run)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM iterations WHERE run_id = %lld",
		 (long long)run);
	return sql_int(location, sql);
}

/* ---- schema ---- */

static void test_schema_fresh(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_FULL), STORE_OK);
	assert_int_equal(sql_int(f->location, version_sql()), STORE_SCHEMA_VERSION);
	/* iterations is a view of samples since schema 12. */
	if (test_store_is_pg())
		assert_int_equal(sql_int(f->location, "SELECT count(*) FROM pg_class"
						      " WHERE relkind IN ('r', 'v')"
						      " AND relnamespace = 'public'::regnamespace"
						      " AND relname IN ('meta', 'runs', 'iterations', 'samples')"),
				 4);
	else
		assert_int_equal(sql_int(f->location, "SELECT count(*) FROM sqlite_master"
						      " WHERE type IN ('table', 'view')"
						      " AND name IN ('meta', 'runs', 'iterations', 'samples')"),
				 4);
	assert_int_equal(sql_int(f->location, "SELECT value FROM meta WHERE key = 'seq'"), 0);
	assert_int_equal(seq_of(f->store), 0);
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM runs"), 0);
	{
		int64_t *ids = (int64_t *)1;
		size_t n = 99;
		assert_int_equal(store_run_ids(f->store, &ids, &n), STORE_OK);
		assert_int_equal(n, 0);
		free(ids);
	}
}

static void test_schema_wal(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db;
	sqlite3_stmt *stmt;
	/* SQLite's journal mode: PostgreSQL has its own log. */
	if (test_store_is_pg())
		skip();
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(sqlite3_open(f->location, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static void test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	int64_t id, seq;
	struct store_run run;
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_FULL), STORE_OK);
	id = queue_one(f->store, "v1", HASH_A);
	add_iteration(f->store, id, "x", 1);
	seq = seq_of(f->store);
	store_free(f->store);
	f->store = NULL;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
		assert_int_equal(sql_int(f->location, version_sql()), STORE_SCHEMA_VERSION);
		assert_int_equal(seq_of(f->store), seq);
		assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
		assert_string_equal(run.revision, "v1");
		assert_string_equal(run.commit, HASH_A);
		assert_int_equal(run.state, RUN_QUEUED);
		store_run_clear(&run);
		assert_int_equal(iterations_of(f->location, id), 1);
		store_free(f->store);
		f->store = NULL;
	}
}

static void test_newer_version_refused(void **state)
{
	struct fixture *f = *state;
	char expect[64];
	const char *msg;
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_FULL), STORE_OK);
	store_free(f->store);
	f->store = NULL;
	snprintf(expect, sizeof(expect),
		 test_store_is_pg() ? "UPDATE schema_version SET version = %d"
				    : "PRAGMA user_version = %d",
		 STORE_SCHEMA_VERSION + 1);
	sql_exec(f->location, expect);

	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_FULL), STORE_VERSION);
	msg = store_errmsg(f->store);
	assert_non_null(msg);
	snprintf(expect, sizeof(expect), "%d", STORE_SCHEMA_VERSION + 1);
	assert_non_null(strstr(msg, expect));
	snprintf(expect, sizeof(expect), "(%d)", STORE_SCHEMA_VERSION);
	assert_non_null(strstr(msg, expect));
	assert_non_null(strstr(msg, "newer"));
	/* the file is left alone */
	assert_int_equal(sql_int(f->location, version_sql()), STORE_SCHEMA_VERSION + 1);
}

static void test_much_newer_version_refused(void **state)
{
	struct fixture *f = *state;
	/* A database holding nothing but a version this program does not know. */
	if (test_store_is_pg())
		sql_exec(f->location, "CREATE TABLE schema_version (version bigint NOT NULL);"
				      " INSERT INTO schema_version VALUES (1234)");
	else
		sql_exec(f->location, "PRAGMA user_version = 1234");
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_VERSION);
	assert_non_null(strstr(store_errmsg(f->store), "1234"));
	/* no tables were created in a file this program does not understand */
	if (test_store_is_pg())
		assert_int_equal(sql_int(f->location, "SELECT count(*) FROM pg_class"
						      " WHERE relnamespace = 'public'::regnamespace"
						      " AND relname <> 'schema_version'"),
				 0);
	else
		assert_int_equal(sql_int(f->location, "SELECT count(*) FROM sqlite_master"), 0);
}

static void test_open_unwritable_path(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/no/such/dir/x.db", f->dir);
	assert_int_equal(store_open(&f->store, path, STORE_SYNC_FULL), STORE_ERROR);
	assert_true(strlen(store_errmsg(f->store)) > 0);
}

static void test_open_not_a_database(void **state)
{
	struct fixture *f = *state;
	FILE *file;
	/* A file SQLite cannot read: a PostgreSQL store has no file. */
	if (test_store_is_pg())
		skip();
	file = fopen(f->location, "w");
	assert_non_null(file);
	for (int i = 0; i < 64; i++)
		fputs("this is not an SQLite database, just some text\n", file);
	fclose(file);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_FULL), STORE_ERROR);
	assert_non_null(strstr(store_errmsg(f->store), "not a database"));
}

static void test_queue_nothing(void **state)
{
	struct fixture *f = *state;
	int64_t *ids = NULL, unused = -1;
	size_t n = 99;
	assert_int_equal(store_runs_queue(f->store, &unused, NULL, 0, NO_LIMIT), STORE_OK);
	assert_int_equal(unused, -1);
	assert_int_equal(store_run_ids(f->store, &ids, &n), STORE_OK);
	assert_int_equal(n, 0);
	free(ids);
}

static void test_names_and_version(void **state)
{
	(void)state;
	assert_string_equal(run_state_name(RUN_QUEUED), "queued");
	assert_string_equal(run_state_name(RUN_BUILDING), "building");
	assert_string_equal(run_state_name(RUN_RUNNING), "running");
	assert_string_equal(run_state_name(RUN_DONE), "done");
	assert_string_equal(run_state_name(RUN_FAILED), "failed");
	assert_string_equal(run_state_name((enum run_state)99), "unknown");
	assert_string_equal(store_sqlite_version(), sqlite3_libversion());
	assert_string_equal(store_errmsg(NULL), "out of memory");
	{
		int64_t a = now_real_ns(), b = now_real_ns();
		assert_true(a > (int64_t)1600000000 * 1000000000);
		assert_true(b >= a);
	}
}

/* ---- queue ---- */

static void test_queue_fields(void **state)
{
	struct fixture *f = *state;
	struct store_new_run runs[3] = {
		{"main", HASH_A, CONFIG, false, NULL},
		{"v1.0", HASH_B, "{\"c\":2}", false, NULL},
		{"HEAD~1", HASH_C, "{\"c\":3}", false, NULL},
	};
	int64_t ids[3] = {0}, before = now_real_ns(), after;
	struct store_run run;
	assert_int_equal(store_runs_queue(f->store, ids, runs, 3, NO_LIMIT), STORE_OK);
	after = now_real_ns();
	assert_true(ids[0] > 0);
	assert_true(ids[1] > ids[0]);
	assert_true(ids[2] > ids[1]);
	assert_int_equal(seq_of(f->store), 1); /* one transaction, one change number */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(store_run_get(f->store, &run, ids[i]), STORE_OK);
		assert_int_equal(run.id, ids[i]);
		assert_string_equal(run.revision, runs[i].revision);
		assert_string_equal(run.commit, runs[i].commit);
		assert_string_equal(run.config, runs[i].config);
		assert_int_equal(run.state, RUN_QUEUED);
		assert_non_null(run.detail);
		assert_string_equal(run.detail, "");
		assert_int_equal(run.seq, 1);
		assert_true(run.created_ns >= before && run.created_ns <= after);
		assert_int_equal(run.updated_ns, run.created_ns);
		assert_int_equal(run.started_ns, 0);
		assert_int_equal(run.finished_ns, 0);
		assert_int_equal(run.attempts, 0);
		assert_null(run.system);
		assert_null(run.result);
		store_run_clear(&run);
		/* cleared: safe to clear again */
		assert_null(run.revision);
		store_run_clear(&run);
	}
	{
		int64_t *list = NULL;
		size_t n = 0;
		assert_int_equal(store_run_ids(f->store, &list, &n), STORE_OK);
		assert_int_equal(n, 3);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(list[i], ids[i]);
		free(list);
	}
	/* a later queue gets larger ids */
	assert_true(queue_one(f->store, "later", HASH_A) > ids[2]);
}

static void test_queue_ids_ascend_after_delete(void **state)
{
	struct fixture *f = *state;
	int64_t a = queue_one(f->store, "a", HASH_A), b;
	/* AUTOINCREMENT: an id is never reused, even if the newest row goes away */
	sql_exec(f->location, "DELETE FROM runs");
	b = queue_one(f->store, "b", HASH_A);
	assert_true(b > a);
}

static void test_queue_full_all_or_none(void **state)
{
	struct fixture *f = *state;
	struct store_new_run runs[3] = {
		{"a", HASH_A, CONFIG, false, NULL}, {"b", HASH_B, CONFIG, false, NULL}, {"c", HASH_C, CONFIG, false, NULL}};
	int64_t ids[3] = {0}, seq;
	int64_t *list = NULL;
	size_t n = 0;
	assert_int_equal(store_runs_queue(f->store, ids, runs, 2, 3), STORE_OK);
	seq = seq_of(f->store);
	/* 2 pending + 2 > 3: nothing queued */
	assert_int_equal(store_runs_queue(f->store, ids, runs, 2, 3), STORE_FULL);
	assert_non_null(strstr(store_errmsg(f->store), "2 jobs are pending"));
	assert_non_null(strstr(store_errmsg(f->store), "limit is 3"));
	assert_int_equal(seq_of(f->store), seq);
	assert_int_equal(store_run_ids(f->store, &list, &n), STORE_OK);
	assert_int_equal(n, 2);
	free(list);
	/* exactly up to the limit is allowed */
	assert_int_equal(store_runs_queue(f->store, ids, runs, 1, 3), STORE_OK);
	assert_int_equal(store_runs_queue(f->store, ids, runs, 1, 3), STORE_FULL);
	/* more than the limit in one request, on an empty queue */
	assert_int_equal(store_runs_queue(f->store, ids, runs, 3, 2), STORE_FULL);
}

static void test_queue_full_counts_only_pending(void **state)
{
	struct fixture *f = *state;
	struct store_new_run r = {"a", HASH_A, CONFIG, false, NULL};
	int64_t a = queue_one(f->store, "a", HASH_A), b = queue_one(f->store, "b", HASH_B), id;
	assert_int_equal(store_runs_queue(f->store, &id, &r, 1, 2), STORE_FULL);
	/* building and running count as pending */
	assert_int_equal(store_run_progress(f->store, a, RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_progress(f->store, b, RUN_RUNNING, "x 1/3", NULL), STORE_OK);
	assert_int_equal(store_runs_queue(f->store, &id, &r, 1, 2), STORE_FULL);
	/* finished runs do not */
	assert_int_equal(store_run_finish(f->store, a, RUN_DONE, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_finish(f->store, b, RUN_FAILED, "boom", NULL), STORE_OK);
	assert_int_equal(store_runs_queue(f->store, &id, &r, 1, 2), STORE_OK);
	assert_int_equal(store_runs_queue(f->store, &id, &r, 1, 2), STORE_OK);
	assert_int_equal(store_runs_queue(f->store, &id, &r, 1, 2), STORE_FULL);
}

static void test_queue_bad_row_rolls_back(void **state)
{
	struct fixture *f = *state;
	/* the second row's commit violates the schema's length check */
	struct store_new_run runs[2] = {{"a", HASH_A, CONFIG, false, NULL}, {"b", "abc", CONFIG, false, NULL}};
	int64_t ids[2] = {0}, seq = seq_of(f->store);
	int64_t *list = NULL;
	size_t n = 99;
	assert_int_equal(store_runs_queue(f->store, ids, runs, 2, NO_LIMIT), STORE_ERROR);
	assert_true(strlen(store_errmsg(f->store)) > 0);
	assert_int_equal(store_run_ids(f->store, &list, &n), STORE_OK);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(seq_of(f->store), seq);
	/* and the store still works afterwards (no transaction left open) */
	queue_one(f->store, "c", HASH_C);
}

/* ---- pending / next ---- */

static void test_pending_order_and_states(void **state)
{
	struct fixture *f = *state;
	int64_t id[6];
	struct store_run *runs = NULL;
	size_t n = 0;
	const char *revs[6] = {"r0", "r1", "r2", "r3", "r4", "r5"};
	for (int i = 0; i < 6; i++)
		id[i] = queue_one(f->store, revs[i], HASH_A);
	assert_int_equal(store_run_progress(f->store, id[0], RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_finish(f->store, id[1], RUN_DONE, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_progress(f->store, id[2], RUN_RUNNING, "x 1/2", NULL), STORE_OK);
	assert_int_equal(store_run_finish(f->store, id[3], RUN_FAILED, "nope", NULL), STORE_OK);
	/* id[4], id[5] stay queued */
	assert_int_equal(store_runs_pending(f->store, &runs, &n), STORE_OK);
	assert_int_equal(n, 4);
	assert_int_equal(runs[0].id, id[0]);
	assert_int_equal(runs[0].state, RUN_BUILDING);
	assert_int_equal(runs[1].id, id[2]);
	assert_int_equal(runs[1].state, RUN_RUNNING);
	assert_string_equal(runs[1].detail, "x 1/2");
	assert_int_equal(runs[2].id, id[4]);
	assert_int_equal(runs[2].state, RUN_QUEUED);
	assert_string_equal(runs[2].revision, "r4");
	assert_int_equal(runs[3].id, id[5]);
	assert_int_equal(runs[3].state, RUN_QUEUED);
	store_runs_free(runs, n);
}

static void test_pending_empty(void **state)
{
	struct fixture *f = *state;
	struct store_run *runs = NULL, next;
	size_t n = 7;
	assert_int_equal(store_runs_pending(f->store, &runs, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_runs_free(runs, n);
	assert_int_equal(store_run_next(f->store, &next), STORE_NOTFOUND);
}

static void test_next_oldest_queued(void **state)
{
	struct fixture *f = *state;
	int64_t a = queue_one(f->store, "a", HASH_A), b = queue_one(f->store, "b", HASH_B),
		c = queue_one(f->store, "c", HASH_C);
	struct store_run run;
	assert_int_equal(store_run_next(f->store, &run), STORE_OK);
	assert_int_equal(run.id, a);
	assert_string_equal(run.revision, "a");
	store_run_clear(&run);
	/* a started: next is b, even though a is still pending */
	assert_int_equal(store_run_progress(f->store, a, RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_next(f->store, &run), STORE_OK);
	assert_int_equal(run.id, b);
	store_run_clear(&run);
	assert_int_equal(store_run_finish(f->store, b, RUN_FAILED, "x", NULL), STORE_OK);
	assert_int_equal(store_run_next(f->store, &run), STORE_OK);
	assert_int_equal(run.id, c);
	assert_string_equal(run.commit, HASH_C);
	store_run_clear(&run);
	assert_int_equal(store_run_finish(f->store, c, RUN_DONE, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_next(f->store, &run), STORE_NOTFOUND);
}

static void test_get_missing(void **state)
{
	struct fixture *f = *state;
	struct store_run run;
	assert_int_equal(store_run_get(f->store, &run, 42), STORE_NOTFOUND);
	queue_one(f->store, "a", HASH_A);
	assert_int_equal(store_run_get(f->store, &run, 42), STORE_NOTFOUND);
	assert_int_equal(store_run_get(f->store, &run, 0), STORE_NOTFOUND);
	assert_int_equal(store_run_get(f->store, &run, -1), STORE_NOTFOUND);
}

/* ---- progress / finish ---- */

static void test_progress_building_with_system(void **state)
{
	struct fixture *f = *state;
	int64_t id = queue_one(f->store, "a", HASH_A), before, after;
	struct store_run run;
	before = now_real_ns();
	assert_int_equal(store_run_progress(f->store, id, RUN_BUILDING, NULL, "{\"cpu\":\"x\"}"),
			 STORE_OK);
	after = now_real_ns();
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	assert_int_equal(run.state, RUN_BUILDING);
	assert_string_equal(run.detail, "");
	assert_non_null(run.system);
	assert_string_equal(run.system, "{\"cpu\":\"x\"}");
	assert_true(run.started_ns >= before && run.started_ns <= after);
	assert_int_equal(run.updated_ns, run.started_ns);
	assert_int_equal(run.attempts, 1);
	assert_int_equal(run.finished_ns, 0);
	assert_null(run.result);
	store_run_clear(&run);
}

static void test_progress_running_with_detail(void **state)
{
	struct fixture *f = *state;
	int64_t id = queue_one(f->store, "a", HASH_A), started;
	struct store_run run;
	assert_int_equal(store_run_progress(f->store, id, RUN_BUILDING, NULL, "{\"h\":1}"), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	started = run.started_ns;
	store_run_clear(&run);
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "sort 3/10", NULL), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	assert_int_equal(run.state, RUN_RUNNING);
	assert_string_equal(run.detail, "sort 3/10");
	/* without system json: host, start time and attempts stay */
	assert_string_equal(run.system, "{\"h\":1}");
	assert_int_equal(run.started_ns, started);
	assert_int_equal(run.attempts, 1);
	assert_true(run.updated_ns >= started);
	store_run_clear(&run);
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "sort 4/10", NULL), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	assert_string_equal(run.detail, "sort 4/10");
	store_run_clear(&run);
}

static void test_progress_running_without_prior_system(void **state)
{
	struct fixture *f = *state;
	int64_t id = queue_one(f->store, "a", HASH_A);
	struct store_run run;
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "x 1/1", NULL), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	assert_null(run.system);
	assert_int_equal(run.started_ns, 0);
	assert_int_equal(run.attempts, 0);
	store_run_clear(&run);
}

static void test_progress_bad_state_and_missing(void **state)
{
	struct fixture *f = *state;
	int64_t id = queue_one(f->store, "a", HASH_A), seq = seq_of(f->store);
	assert_int_equal(store_run_progress(f->store, id, RUN_QUEUED, NULL, NULL), STORE_ERROR);
	assert_int_equal(store_run_progress(f->store, id, RUN_DONE, NULL, NULL), STORE_ERROR);
	assert_int_equal(store_run_progress(f->store, id, RUN_FAILED, NULL, NULL), STORE_ERROR);
	assert_int_equal(store_run_finish(f->store, id, RUN_QUEUED, NULL, NULL), STORE_ERROR);
	assert_int_equal(store_run_finish(f->store, id, RUN_RUNNING, NULL, NULL), STORE_ERROR);
	assert_int_equal(store_run_progress(f->store, id + 100, RUN_BUILDING, NULL, "{}"),
			 STORE_NOTFOUND);
	assert_int_equal(store_run_finish(f->store, id + 100, RUN_DONE, NULL, "{}"), STORE_NOTFOUND);
	/* nothing changed, not even the change number */
	assert_int_equal(seq_of(f->store), seq);
	assert_int_equal(state_of(f->store, id), RUN_QUEUED);
}

static void test_finish_done(void **state)
{
	struct fixture *f = *state;
	int64_t id = queue_one(f->store, "a", HASH_A), before;
	struct store_run run;
	assert_int_equal(store_run_progress(f->store, id, RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "x 2/2", NULL), STORE_OK);
	before = now_real_ns();
	assert_int_equal(store_run_finish(f->store, id, RUN_DONE, NULL, "{\"results\":[]}"), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	assert_int_equal(run.state, RUN_DONE);
	assert_string_equal(run.detail, "");
	assert_string_equal(run.result, "{\"results\":[]}");
	assert_true(run.finished_ns >= before);
	assert_int_equal(run.finished_ns, run.updated_ns);
	assert_true(run.finished_ns >= run.started_ns);
	assert_string_equal(run.system, "{}");
	assert_int_equal(run.attempts, 1);
	store_run_clear(&run);
}

static void test_finish_failed(void **state)
{
	struct fixture *f = *state;
	int64_t id = queue_one(f->store, "a", HASH_A);
	struct store_run run;
	assert_int_equal(store_run_progress(f->store, id, RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_finish(f->store, id, RUN_FAILED, "build failed: exit 2", NULL),
			 STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	assert_int_equal(run.state, RUN_FAILED);
	assert_string_equal(run.detail, "build failed: exit 2");
	assert_null(run.result);
	assert_true(run.finished_ns > 0);
	store_run_clear(&run);
}

/* ---- change numbers ---- */

static void test_seq_increases(void **state)
{
	struct fixture *f = *state;
	int64_t prev = seq_of(f->store), now, id, *ids = NULL;
	size_t n = 0;
	struct store_run run;

#define CHECK_BUMP(call, run_id)                                                 \
	do {                                                                     \
		assert_int_equal((call), STORE_OK);                              \
		now = seq_of(f->store);                                          \
		assert_true(now > prev);                                         \
		prev = now;                                                      \
		if ((run_id) > 0) {                                              \
			assert_int_equal(store_run_get(f->store, &run, (run_id)), \
					 STORE_OK);                              \
			assert_int_equal(run.seq, now);                          \
			store_run_clear(&run);                                   \
		}                                                                \
	} while (0)

	{
		struct store_new_run r = {"a", HASH_A, CONFIG, false, NULL};
		CHECK_BUMP(store_runs_queue(f->store, &id, &r, 1, NO_LIMIT), id);
	}
	CHECK_BUMP(store_run_progress(f->store, id, RUN_BUILDING, NULL, "{}"), id);
	CHECK_BUMP(store_run_progress(f->store, id, RUN_RUNNING, "x 1/2", NULL), id);
	CHECK_BUMP(store_run_progress(f->store, id, RUN_RUNNING, "x 2/2", NULL), id);
	CHECK_BUMP(store_runs_recover(f->store, NULL, &ids, &n), id);
	free(ids);
	ids = NULL;
	assert_int_equal(n, 1);
	CHECK_BUMP(store_run_progress(f->store, id, RUN_BUILDING, NULL, "{}"), id);
	CHECK_BUMP(store_run_finish(f->store, id, RUN_DONE, NULL, "{}"), id);
	{
		/* another run's change does not touch this run's seq */
		int64_t first = id, first_seq = prev;
		struct store_new_run r = {"b", HASH_B, CONFIG, false, NULL};
		CHECK_BUMP(store_runs_queue(f->store, &id, &r, 1, NO_LIMIT), id);
		assert_int_equal(store_run_get(f->store, &run, first), STORE_OK);
		assert_int_equal(run.seq, first_seq);
		assert_true(first_seq < prev);
		store_run_clear(&run);
	}
#undef CHECK_BUMP
	/* reads do not change it */
	assert_int_equal(store_run_next(f->store, &run), STORE_OK);
	store_run_clear(&run);
	assert_int_equal(seq_of(f->store), prev);
}

static void test_seq_seen_by_other_handle(void **state)
{
	struct fixture *f = *state;
	struct store *other = NULL;
	int64_t s1 = -1, s2 = -1;
	assert_int_equal(store_open(&other, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(store_seq(other, &s1), STORE_OK);
	queue_one(f->store, "a", HASH_A);
	assert_int_equal(store_seq(other, &s2), STORE_OK);
	assert_true(s2 > s1);
	store_free(other);
}

/* ---- recovery ---- */

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void test_recover(void **state)
{
	struct fixture *f = *state;
	int64_t queued = queue_one(f->store, "q", HASH_A), building = queue_one(f->store, "b", HASH_A),
		running = queue_one(f->store, "r", HASH_B), done = queue_one(f->store, "d", HASH_B),
		failed = queue_one(f->store, "f", HASH_C);
	int64_t *ids = NULL, seq;
	size_t n = 0;
	struct store_run run, before_done, before_failed;

	assert_int_equal(store_run_progress(f->store, building, RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_progress(f->store, running, RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_progress(f->store, running, RUN_RUNNING, "x 2/3", NULL), STORE_OK);
	add_iteration(f->store, running, "x", 1);
	add_iteration(f->store, running, "x", 2);
	add_iteration(f->store, running, "y", 1);
	assert_int_equal(store_run_progress(f->store, done, RUN_BUILDING, NULL, "{}"), STORE_OK);
	add_iteration(f->store, done, "x", 1);
	add_iteration(f->store, done, "x", 2);
	assert_int_equal(store_run_finish(f->store, done, RUN_DONE, NULL, "{\"r\":1}"), STORE_OK);
	assert_int_equal(store_run_progress(f->store, failed, RUN_BUILDING, NULL, "{}"), STORE_OK);
	add_iteration(f->store, failed, "x", 1);
	assert_int_equal(store_run_finish(f->store, failed, RUN_FAILED, "x exited 1", NULL),
			 STORE_OK);
	assert_int_equal(store_run_get(f->store, &before_done, done), STORE_OK);
	assert_int_equal(store_run_get(f->store, &before_failed, failed), STORE_OK);

	assert_int_equal(store_runs_recover(f->store, NULL, &ids, &n), STORE_OK);
	seq = seq_of(f->store);
	assert_int_equal(n, 2);
	qsort(ids, n, sizeof(*ids), cmp_id);
	assert_int_equal(ids[0], building);
	assert_int_equal(ids[1], running);
	free(ids);

	assert_int_equal(store_run_get(f->store, &run, running), STORE_OK);
	assert_int_equal(run.state, RUN_QUEUED);
	assert_string_equal(run.detail, "");
	assert_int_equal(run.seq, seq);
	assert_int_equal(run.attempts, 1); /* counted when it started */
	store_run_clear(&run);
	assert_int_equal(state_of(f->store, building), RUN_QUEUED);
	assert_int_equal(state_of(f->store, queued), RUN_QUEUED);
	assert_int_equal(iterations_of(f->location, running), 0);

	/* finished runs untouched, iterations included */
	assert_int_equal(store_run_get(f->store, &run, done), STORE_OK);
	assert_int_equal(run.state, RUN_DONE);
	assert_int_equal(run.seq, before_done.seq);
	assert_int_equal(run.updated_ns, before_done.updated_ns);
	assert_string_equal(run.result, "{\"r\":1}");
	store_run_clear(&run);
	assert_int_equal(iterations_of(f->location, done), 2);
	assert_int_equal(store_run_get(f->store, &run, failed), STORE_OK);
	assert_int_equal(run.state, RUN_FAILED);
	assert_string_equal(run.detail, "x exited 1");
	assert_int_equal(run.seq, before_failed.seq);
	store_run_clear(&run);
	assert_int_equal(iterations_of(f->location, failed), 1);
	store_run_clear(&before_done);
	store_run_clear(&before_failed);

	/* recovered runs are picked again, oldest first; the second start counts */
	assert_int_equal(store_run_next(f->store, &run), STORE_OK);
	assert_int_equal(run.id, queued);
	store_run_clear(&run);
	assert_int_equal(store_run_progress(f->store, running, RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_get(f->store, &run, running), STORE_OK);
	assert_int_equal(run.attempts, 2);
	store_run_clear(&run);
	/* the deleted iterations can be measured again */
	add_iteration(f->store, running, "x", 1);
}

static void test_recover_nothing(void **state)
{
	struct fixture *f = *state;
	int64_t *ids = NULL;
	size_t n = 99;
	int64_t id = queue_one(f->store, "a", HASH_A);
	assert_int_equal(store_runs_recover(f->store, NULL, &ids, &n), STORE_OK);
	assert_int_equal(n, 0);
	free(ids);
	assert_int_equal(state_of(f->store, id), RUN_QUEUED);
}

/* ---- done queries ---- */

static void test_latest_done(void **state)
{
	struct fixture *f = *state;
	int64_t id = -1, a1, b1, a2, a3;
	char(*hashes)[STORE_HASH_LEN + 1] = NULL;
	size_t n = 99;

	assert_int_equal(store_latest_done(f->store, &id), STORE_NOTFOUND);
	assert_int_equal(store_commit_latest_done(f->store, &id, HASH_A), STORE_NOTFOUND);
	assert_int_equal(store_done_commits(f->store, &hashes, &n), STORE_OK);
	assert_int_equal(n, 0);
	free(hashes);
	hashes = NULL;

	a1 = queue_one(f->store, "a", HASH_A);
	b1 = queue_one(f->store, "b", HASH_B);
	a2 = queue_one(f->store, "a", HASH_A);
	a3 = queue_one(f->store, "a", HASH_A);
	queue_one(f->store, "c", HASH_C); /* stays queued */
	assert_int_equal(store_latest_done(f->store, &id), STORE_NOTFOUND);

	/* finishing out of order: latest means the highest id, not the last finished */
	assert_int_equal(store_run_finish(f->store, a2, RUN_DONE, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_finish(f->store, b1, RUN_DONE, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_finish(f->store, a1, RUN_DONE, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_finish(f->store, a3, RUN_FAILED, "x", NULL), STORE_OK);

	assert_int_equal(store_latest_done(f->store, &id), STORE_OK);
	assert_int_equal(id, a2);
	assert_int_equal(store_commit_latest_done(f->store, &id, HASH_A), STORE_OK);
	assert_int_equal(id, a2);
	assert_int_equal(store_commit_latest_done(f->store, &id, HASH_B), STORE_OK);
	assert_int_equal(id, b1);
	assert_int_equal(store_commit_latest_done(f->store, &id, HASH_C), STORE_NOTFOUND);
	assert_int_equal(store_commit_latest_done(f->store, &id, "0000"), STORE_NOTFOUND);

	assert_int_equal(store_done_commits(f->store, &hashes, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(hashes[0], HASH_A);
	assert_string_equal(hashes[1], HASH_B);
	free(hashes);
}

static void test_done_commits_sorted_by_hash(void **state)
{
	struct fixture *f = *state;
	const char *order[3] = {HASH_C, HASH_A, HASH_B};
	char(*hashes)[STORE_HASH_LEN + 1] = NULL;
	size_t n = 0;
	for (int i = 0; i < 3; i++) {
		int64_t id = queue_one(f->store, "r", order[i]);
		assert_int_equal(store_run_finish(f->store, id, RUN_DONE, NULL, "{}"), STORE_OK);
	}
	assert_int_equal(store_done_commits(f->store, &hashes, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(hashes[0], HASH_A);
	assert_string_equal(hashes[1], HASH_B);
	assert_string_equal(hashes[2], HASH_C);
	free(hashes);
}

/* ---- iterations ---- */

static void test_iteration_add(void **state)
{
	struct fixture *f = *state;
	int64_t id = queue_one(f->store, "a", HASH_A);
	struct store_iteration it = {"sort", 1, 123456789, 100000000, 20000000, 3 << 20, 3, 9};
	char row[256], want[256];
	assert_int_equal(store_iteration_add(f->store, id, &it), STORE_OK);
	/* The one row, its fields joined by spaces (|| makes text on both engines). */
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM iterations"), 1);
	assert_int_equal(test_store_text(row, sizeof(row), f->location,
					 "SELECT run_id || ' ' || benchmark || ' ' || iteration"
					 " || ' ' || wall_ns || ' ' || user_ns || ' ' || sys_ns"
					 " || ' ' || maxrss_bytes || ' ' || exit_code"
					 " || ' ' || term_signal FROM iterations"),
			 0);
	snprintf(want, sizeof(want), "%lld sort 1 123456789 100000000 20000000 %d 3 9",
		 (long long)id, 3 << 20);
	assert_string_equal(row, want);
}

static void test_iteration_duplicate_rejected(void **state)
{
	struct fixture *f = *state;
	int64_t a = queue_one(f->store, "a", HASH_A), b = queue_one(f->store, "b", HASH_B);
	struct store_iteration it = {"sort", 1, 1, 1, 1, 1, 0, 0};
	assert_int_equal(store_iteration_add(f->store, a, &it), STORE_OK);
	assert_int_equal(store_iteration_add(f->store, a, &it), STORE_ERROR);
	assert_non_null(strstr(store_errmsg(f->store), "add iteration"));
	/* different iteration, benchmark or run: fine */
	it.iteration = 2;
	assert_int_equal(store_iteration_add(f->store, a, &it), STORE_OK);
	it.benchmark = "other";
	assert_int_equal(store_iteration_add(f->store, a, &it), STORE_OK);
	assert_int_equal(store_iteration_add(f->store, b, &it), STORE_OK);
	assert_int_equal(iterations_of(f->location, a), 3);
	assert_int_equal(iterations_of(f->location, b), 1);
}

static void test_iteration_unknown_run_rejected(void **state)
{
	struct fixture *f = *state;
	struct store_iteration it = {"sort", 1, 1, 1, 1, 1, 0, 0};
	assert_int_equal(store_iteration_add(f->store, 999, &it), STORE_ERROR);
	assert_true(strlen(store_errmsg(f->store)) > 0);
}

/* ---- two handles ---- */

static void test_two_handles(void **state)
{
	struct fixture *f = *state;
	struct store *reader = NULL;
	struct store_run run;
	struct store_run *runs = NULL;
	size_t n = 0;
	int64_t id, latest = 0;
	assert_int_equal(store_open(&reader, f->location, STORE_SYNC_FULL), STORE_OK);
	assert_int_equal(store_run_next(reader, &run), STORE_NOTFOUND);

	id = queue_one(f->store, "main", HASH_A);
	assert_int_equal(store_run_next(reader, &run), STORE_OK);
	assert_int_equal(run.id, id);
	assert_string_equal(run.revision, "main");
	store_run_clear(&run);

	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "x 1/5", "{}"), STORE_OK);
	assert_int_equal(store_runs_pending(reader, &runs, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].state, RUN_RUNNING);
	assert_string_equal(runs[0].detail, "x 1/5");
	store_runs_free(runs, n);

	/* and the other way round */
	assert_int_equal(store_run_finish(reader, id, RUN_DONE, NULL, "{\"ok\":true}"), STORE_OK);
	assert_int_equal(store_latest_done(f->store, &latest), STORE_OK);
	assert_int_equal(latest, id);
	assert_int_equal(store_run_get(f->store, &run, id), STORE_OK);
	assert_string_equal(run.result, "{\"ok\":true}");
	store_run_clear(&run);
	store_free(reader);
}

/* ---- build identity ---- */

#define BUILD_1 "0123456789abcdef0123456789abcdef01234567"
#define BUILD_2 "fedcba9876543210fedcba9876543210fedcba98"

/* The build id store_done_runs reports for run id (all hosts). */
static void done_build_id(struct store *s, int64_t id, char out[STORE_HASH_LEN + 1])
{
	struct store_done_run *runs = NULL;
	size_t n = 0;
	bool found = false;
	assert_int_equal(store_done_runs(s, &runs, &n, NULL), STORE_OK);
	for (size_t i = 0; i < n; i++)
		if (runs[i].id == id) {
			memcpy(out, runs[i].build_id, STORE_HASH_LEN + 1);
			found = true;
		}
	free(runs);
	assert_true(found);
}

static int64_t results_seq_now(struct store *s)
{
	int64_t seq = -1;
	assert_int_equal(store_results_seq(s, &seq, NULL), STORE_OK);
	return seq;
}

static void test_build_id_set_and_read(void **state)
{
	struct fixture *f = *state;
	int64_t id = queue_one(f->store, "a", HASH_A), other = queue_one(f->store, "b", HASH_B);
	int64_t seq, views;
	char build[STORE_HASH_LEN + 1];
	struct store_done_run *runs = NULL;
	size_t n = 0;

	/* Recorded while building, before the run is done: the views do not move. */
	assert_int_equal(store_run_progress(f->store, id, RUN_BUILDING, NULL, "{\"hostname\":\"h\"}"),
			 STORE_OK);
	seq = seq_of(f->store);
	views = results_seq_now(f->store);
	assert_int_equal(store_run_set_build_id(f->store, id, BUILD_1), STORE_OK);
	assert_int_equal(seq_of(f->store), seq + 1);
	assert_int_equal(results_seq_now(f->store), views);
	assert_int_equal(store_run_finish(f->store, id, RUN_DONE, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_progress(f->store, other, RUN_BUILDING, NULL,
					    "{\"hostname\":\"h\"}"),
			 STORE_OK);
	assert_int_equal(store_run_finish(f->store, other, RUN_DONE, NULL, "{}"), STORE_OK);

	done_build_id(f->store, id, build);
	assert_string_equal(build, BUILD_1);
	done_build_id(f->store, other, build);
	assert_string_equal(build, ""); /* never set */
	/* The same through the host's (covering) index. */
	assert_int_equal(store_done_runs(f->store, &runs, &n, "h"), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(runs[0].build_id, BUILD_1);
	assert_string_equal(runs[1].build_id, "");
	free(runs);

	/* Changing a done run's build id changes what the views see. */
	assert_int_equal(store_run_set_build_id(f->store, id, BUILD_2), STORE_OK);
	assert_int_equal(results_seq_now(f->store), seq_of(f->store));
	done_build_id(f->store, id, build);
	assert_string_equal(build, BUILD_2);
	assert_int_equal(store_run_set_build_id(f->store, id, ""), STORE_OK);
	done_build_id(f->store, id, build);
	assert_string_equal(build, "");

	/* It survives reopening. */
	assert_int_equal(store_run_set_build_id(f->store, other, BUILD_1), STORE_OK);
	store_free(f->store);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	done_build_id(f->store, other, build);
	assert_string_equal(build, BUILD_1);
}

static void test_build_id_bad_input(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"0123456789ABCDEF0123456789abcdef01234567", /* upper case */
		"0123456789abcdef0123456789abcdef0123456",  /* 39 digits */
		"0123456789abcdef0123456789abcdef012345678", /* 41 */
		"0123456789abcdef0123456789abcdef0123456g", /* not hex */
		"0123456789abcdef0123456789abcdef 1234567", /* a space */
		" ",
		"abc",
	};
	int64_t id = queue_one(f->store, "a", HASH_A), seq;
	char build[STORE_HASH_LEN + 1];
	assert_int_equal(store_run_progress(f->store, id, RUN_BUILDING, NULL, "{}"), STORE_OK);
	assert_int_equal(store_run_set_build_id(f->store, id, BUILD_1), STORE_OK);
	assert_int_equal(store_run_finish(f->store, id, RUN_DONE, NULL, "{}"), STORE_OK);
	seq = seq_of(f->store);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(store_run_set_build_id(f->store, id, bad[i]), STORE_ERROR);
		assert_non_null(strstr(store_errmsg(f->store), "build id"));
	}
	assert_int_equal(store_run_set_build_id(f->store, id, NULL), STORE_ERROR);
	/* A missing run: nothing changes, not even the change number. */
	assert_int_equal(store_run_set_build_id(f->store, id + 100, BUILD_2), STORE_NOTFOUND);
	assert_int_equal(seq_of(f->store), seq);
	done_build_id(f->store, id, build);
	assert_string_equal(build, BUILD_1);

	/* The schema refuses a bad value written around the store as well. */
	assert_int_equal(test_store_exec(f->location, "UPDATE runs SET build_id = 'XYZ'"),
			 TEST_STORE_CONSTRAINT);
	assert_int_equal(test_store_exec(f->location,
					 "UPDATE runs SET build_id = upper('" BUILD_1 "')"),
			 TEST_STORE_CONSTRAINT);
	done_build_id(f->store, id, build);
	assert_string_equal(build, BUILD_1);
}

static void test_free_null(void **state)
{
	(void)state;
	store_free(NULL);
	store_run_clear(NULL);
	store_runs_free(NULL, 0);
}

/* Standard error while fn runs on f, read back as text (fd 2 points at a
 * file meanwhile). */
static char *stderr_of(void (*fn)(struct fixture *f), struct fixture *f)
{
	char path[PATH_MAX + 16], *text = calloc(1, 8192);
	int saved = dup(2), fd;
	FILE *file;
	snprintf(path, sizeof(path), "%s/stderr", f->dir);
	assert_non_null(text);
	assert_true(saved >= 0);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
	fn(f);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_non_null(file = fopen(path, "r"));
	fread(text, 1, 8191, file);
	fclose(file);
	return text;
}

static void add_to_missing_run(struct fixture *f)
{
	struct store_iteration it = {"sort", 1, 1, 1, 1, 1, 0, 0};
	assert_int_equal(store_iteration_add(f->store, 999, &it), STORE_ERROR);
}

static void look_up_missing(struct fixture *f)
{
	struct store_run run;
	struct store_baseline b;
	int64_t id;
	assert_int_equal(store_run_get(f->store, &run, 42), STORE_NOTFOUND);
	assert_int_equal(store_baseline_get(f->store, &b, "gone"), STORE_NOTFOUND);
	assert_int_equal(store_latest_done(f->store, &id), STORE_NOTFOUND);
}

static void open_not_a_database(struct fixture *f)
{
	FILE *file = fopen(f->location, "w");
	assert_non_null(file);
	for (int i = 0; i < 64; i++)
		fputs("this is not an SQLite database, just some text\n", file);
	fclose(file);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_FULL), STORE_ERROR);
}

/* A failure of SQLite is logged by the store, once, with SQLite's message;
 * a missing row is not a failure, and store_open's failures are the
 * caller's to report. */
static void test_failure_logged_once(void **state)
{
	struct fixture *f = *state;
	char *text = stderr_of(add_to_missing_run, f);
	if (test_store_is_pg()) {
		/* PostgreSQL's message names the constraint: one line, this one's. */
		static const char prefix[] = "benchfs: store: add iteration: ";
		assert_memory_equal(text, prefix, strlen(prefix));
		assert_non_null(strstr(text, "foreign key constraint"));
		assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	} else {
		assert_string_equal(text, "benchfs: store: add iteration: FOREIGN KEY constraint failed\n");
	}
	free(text);
	text = stderr_of(look_up_missing, f);
	assert_string_equal(text, "");
	free(text);
	/* What follows is about a file SQLite cannot read. */
	if (test_store_is_pg())
		return;
	store_free(f->store);
	f->store = NULL;
	text = stderr_of(open_not_a_database, f);
	assert_string_equal(text, "");
	assert_non_null(strstr(store_errmsg(f->store), "not a database"));
	free(text);
}

/* store_errno is the one mapping of store codes to errno, and no store code
 * can be taken for an errno (or the other way round). */
static void test_store_errno(void **state)
{
	static const int codes[] = {STORE_ERROR, STORE_NOTFOUND, STORE_FULL, STORE_VERSION,
				    STORE_NOSPACE, STORE_NOMEM};
	(void)state;
	assert_int_equal(store_errno(STORE_OK), 0);
	assert_int_equal(store_errno(STORE_ERROR), -EIO);
	assert_int_equal(store_errno(STORE_NOTFOUND), -ENOENT);
	assert_int_equal(store_errno(STORE_FULL), -EAGAIN);
	assert_int_equal(store_errno(STORE_VERSION), -EPROTONOSUPPORT);
	assert_int_equal(store_errno(STORE_NOSPACE), -ENOSPC);
	assert_int_equal(store_errno(STORE_NOMEM), -ENOMEM);
	/* A callback's errno comes through a walk unchanged. */
	assert_int_equal(store_errno(-ENOMEM), -ENOMEM);
	assert_int_equal(store_errno(-EINTR), -EINTR);
	assert_int_equal(store_errno(-4095), -4095);
	/* Nothing else is an errno. */
	assert_int_equal(store_errno(1), -EIO);
	assert_int_equal(store_errno(-4096), -EIO);
	assert_int_equal(store_errno(STORE_ERROR_BASE - 99), -EIO);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_true(codes[i] < -4095);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_wal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_much_newer_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_unwritable_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_not_a_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_nothing, setup_open, teardown),
		cmocka_unit_test(test_names_and_version),
		cmocka_unit_test_setup_teardown(test_queue_fields, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_queue_ids_ascend_after_delete, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full_all_or_none, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full_counts_only_pending, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bad_row_rolls_back, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_pending_order_and_states, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_pending_empty, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_next_oldest_queued, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_get_missing, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_progress_building_with_system, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_progress_running_with_detail, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_progress_running_without_prior_system, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_progress_bad_state_and_missing, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_finish_done, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_finish_failed, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_seq_increases, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_seq_seen_by_other_handle, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_recover_nothing, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_latest_done, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_done_commits_sorted_by_hash, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_iteration_add, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_iteration_duplicate_rejected, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_iteration_unknown_run_rejected, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_two_handles, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_build_id_set_and_read, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_build_id_bad_input, setup_open, teardown),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_store_errno),
		cmocka_unit_test_setup_teardown(test_failure_logged_once, setup_open, teardown),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
