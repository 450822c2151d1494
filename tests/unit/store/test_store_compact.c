/* The compact store: samples keyed by benchmark id, each configuration
 * stored once, result.json packed against the run's iterations; what the
 * store's callers read is what they wrote, byte for byte, also after
 * retention deletes the samples and after a store of the previous schema
 * is migrated and converted. */
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

#include "runner/result.h"
#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"

#define NBENCH 3
#define NITS 30
#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define CONFIG "{\"runs\": 30, \"benchmarks\": [\"a long configuration text\"]}"
#define HOST "{\"hostname\": \"box\", \"cpus\": 2}"

static const char *const names[NBENCH] = {"zeta", "alpha[size=1k]", "mid"};

struct fixture {
	char dir[PATH_MAX / 2];
	char location[PATH_MAX];
	struct store *store;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "compact")) {
		free(f);
		return -1;
	}
	if (test_store_location(f->location, sizeof(f->location), f->dir)) {
		test_tmpdir_remove(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return store_open(&f->store, f->location, STORE_SYNC_NORMAL) == STORE_OK ? 0 : -1;
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

/* One integer read straight through the engine, not through the store. */
static int64_t sql_int(const char *location, const char *sql)
{
	int64_t v = -1;
	assert_int_equal(test_store_int64(&v, location, sql), 0);
	return v;
}

/* The SQL of "result_z's first byte is c": the column is a BLOB in SQLite,
 * bytea in PostgreSQL, whose text literal reads as its bytes. */
#define FIRST_BYTE_IS(c) \
	(test_store_is_pg() ? "substr(result_z, 1, 1) = '" c "'" \
			    : "hex(substr(result_z, 1, 1)) = hex('" c "')")

static int64_t sql_int_where(const char *location, const char *head, const char *cond)
{
	char sql[512];
	snprintf(sql, sizeof(sql), "%s%s", head, cond);
	return sql_int(location, sql);
}

/* A run's iterations (per benchmark, seeded by seed) and its result.json as
 * the runner renders it. */
struct run_data {
	char *argv[2];
	struct bench_config benches[NBENCH];
	struct store_iteration its[NBENCH * NITS];
	struct result_bench rb[NBENCH];
	char *result;
};

static void make_run(struct run_data *r, int64_t run_id, const char *commit, int seed)
{
	struct result_input in = {.run_id = run_id, .commit = commit, .revision = commit,
				  .host_json = HOST, .benches = r->rb, .nbenches = NBENCH};
	char err[256];
	memset(r, 0, sizeof(*r));
	r->argv[0] = "true";
	for (int b = 0; b < NBENCH; b++) {
		r->benches[b] = (struct bench_config){.name = (char *)names[b],
						      .base_name = (char *)names[b],
						      .argv = r->argv, .runs = NITS};
		for (int i = 0; i < NITS; i++)
			r->its[b * NITS + i] = (struct store_iteration){
				.benchmark = names[b], .iteration = i + 1,
				.wall_ns = 100000 * (b + 1) + 37 * ((i * 7 + seed) % 11),
				.user_ns = 90000 + i, .sys_ns = 5000 + seed,
				.maxrss_bytes = 4194304 + 4096 * b, .exit_code = 0,
				.term_signal = 0};
		r->rb[b] = (struct result_bench){.bench = &r->benches[b],
						  .iterations = &r->its[b * NITS], .n = NITS};
	}
	r->result = result_render(&in, err, sizeof(err));
	assert_non_null(r->result);
}

/* A done run through the runner's sequence of calls. */
static int64_t run_done(struct store *s, struct run_data *r, const char *commit, int seed)
{
	struct store_new_run nr = {.revision = commit, .commit = commit, .config = CONFIG};
	int64_t id = 0;
	assert_int_equal(store_runs_queue(s, &id, &nr, 1, 100), STORE_OK);
	assert_int_equal(store_run_progress(s, id, RUN_RUNNING, "", HOST), STORE_OK);
	make_run(r, id, commit, seed);
	assert_int_equal(store_iterations_add(s, id, r->its, NBENCH * NITS), STORE_OK);
	assert_int_equal(store_run_finish(s, id, RUN_DONE, "", r->result), STORE_OK);
	return id;
}

struct collected {
	char text[NBENCH * NITS * 2][64];
	size_t n;
};

static int collect_iteration(void *ctx, const struct store_iteration *it)
{
	struct collected *c = ctx;
	snprintf(c->text[c->n++], sizeof(c->text[0]), "%s %d %lld %lld %lld %lld %d %d",
		 it->benchmark, it->iteration, (long long)it->wall_ns, (long long)it->user_ns,
		 (long long)it->sys_ns, (long long)it->maxrss_bytes, it->exit_code, it->term_signal);
	return 0;
}

static int collect_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct collected *c = ctx;
	snprintf(c->text[c->n++], sizeof(c->text[0]), "%s %lld %.0f", benchmark,
		 (long long)run_id, value);
	return 0;
}

/* What a caller reads of a run, as one text to compare. */
static void assert_run_reads(struct store *s, int64_t id, const char *config, const char *system,
			     const char *result)
{
	struct store_run run;
	assert_int_equal(store_run_get(s, &run, id), STORE_OK);
	assert_string_equal(run.config, config);
	assert_string_equal(run.system, system);
	if (result)
		assert_string_equal(run.result, result);
	else
		assert_null(run.result);
	store_run_clear(&run);
}

/* The iterations as the runner gave them, in the store's order (by name, then iteration). */
static void assert_iterations(struct store *s, int64_t id, const struct run_data *r)
{
	static const int by_name[NBENCH] = {1, 2, 0}; /* alpha[size=1k], mid, zeta */
	struct collected got = {0}, want = {0};
	assert_int_equal(store_iterations_of_run(s, id, collect_iteration, &got), STORE_OK);
	for (int k = 0; k < NBENCH; k++)
		for (int i = 0; i < NITS; i++)
			collect_iteration(&want, &r->its[by_name[k] * NITS + i]);
	assert_int_equal(got.n, want.n);
	for (size_t i = 0; i < got.n; i++)
		assert_string_equal(got.text[i], want.text[i]);
}

static void test_finish_packs(void **state)
{
	struct fixture *f = *state;
	struct run_data a, b;
	struct collected all = {0}, one = {0};
	int64_t ids[2];
	char **list = NULL;
	size_t n = 0;
	ids[0] = run_done(f->store, &a, HASH_A, 1);
	ids[1] = run_done(f->store, &b, HASH_B, 2);
	assert_run_reads(f->store, ids[0], CONFIG, HOST, a.result);
	assert_run_reads(f->store, ids[1], CONFIG, HOST, b.result);
	assert_iterations(f->store, ids[1], &b);
	/* Stored packed against the samples, the configuration once. */
	assert_int_equal(sql_int_where(f->location, "SELECT count(*) FROM runs WHERE result IS NULL"
						    " AND config = '' AND ", FIRST_BYTE_IS("P")),
			 2);
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM configs"), 1);
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM benchmarks"), NBENCH);
	assert_true(sql_int(f->location, "SELECT max(length(result_z)) FROM runs") * 5 <
		    (int64_t)strlen(a.result));
	/* Names, and samples by name then run, as before. */
	assert_int_equal(store_benchmark_names(f->store, &list, &n), STORE_OK);
	assert_int_equal(n, NBENCH);
	assert_string_equal(list[0], "alpha[size=1k]");
	assert_string_equal(list[1], "mid");
	assert_string_equal(list[2], "zeta");
	store_names_free(list, n);
	assert_int_equal(store_samples_of_runs(f->store, ids, 2, NULL, NULL, collect_sample, &all),
			 STORE_OK);
	assert_int_equal(all.n, 2 * NBENCH * NITS);
	assert_string_equal(all.text[0], "alpha[size=1k] 1 200037");
	assert_string_equal(all.text[NITS], "alpha[size=1k] 2 200074");
	assert_string_equal(all.text[2 * NITS], "mid 1 300037");
	assert_int_equal(store_samples_of_runs(f->store, ids, 2, NULL, "zeta", collect_sample, &one),
			 STORE_OK);
	assert_int_equal(one.n, 2 * NITS);
	assert_string_equal(one.text[0], "zeta 1 100037");
	assert_string_equal(one.text[NITS], "zeta 2 100074");
	free(a.result);
	free(b.result);
}

/* Retention deletes the samples a packed result refers to: it reads the
 * same afterwards. */
static void test_retention_keeps_result(void **state)
{
	struct fixture *f = *state;
	struct run_data a;
	struct store_run_summary sums[NBENCH];
	struct store_summarize run;
	int64_t id = run_done(f->store, &a, HASH_A, 3), samples = 0;
	for (int b = 0; b < NBENCH; b++)
		sums[b] = (struct store_run_summary){.benchmark = names[b], .n = NITS,
						     .mean = 1, .stddev = 0, .median = 1,
						     .min = 1, .max = 1};
	run = (struct store_summarize){.run_id = id, .sums = sums, .nsums = NBENCH};
	assert_int_equal(store_runs_summarize(f->store, &samples, &run, 1), STORE_OK);
	assert_int_equal(samples, NBENCH * NITS);
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM samples"), 0);
	assert_run_reads(f->store, id, CONFIG, HOST, a.result);
	assert_int_equal(sql_int_where(f->location, "SELECT count(*) FROM runs WHERE ",
				       FIRST_BYTE_IS("T")),
			 1);
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM runs"), 1);
	free(a.result);
}

/* Back to schema 11 (what migration 12 and later added goes), as a store
 * written by the previous benchfs. */
static const char downgrade_sql[] =
	/* 18, 17 */
	"DROP TABLE run_files;"
	"DROP TABLE run_labels; DROP TABLE runners; DROP INDEX runs_held;"
	"ALTER TABLE runs DROP COLUMN labels; ALTER TABLE runs DROP COLUMN runner;"
	"ALTER TABLE runs DROP COLUMN lease_ns;"
	"DROP TABLE IF EXISTS metric_samples; DROP TABLE IF EXISTS metric_defs;"
	"DROP TABLE IF EXISTS run_stats; DROP TABLE IF EXISTS described;"
	"DROP INDEX IF EXISTS runs_listing;"
	"DROP VIEW iterations; DROP TABLE samples; DROP TABLE benchmarks; DROP TABLE configs;"
	"CREATE TABLE iterations (run_id INTEGER NOT NULL REFERENCES runs (id),"
	" benchmark TEXT NOT NULL, iteration INTEGER NOT NULL, wall_ns INTEGER NOT NULL,"
	" user_ns INTEGER NOT NULL, sys_ns INTEGER NOT NULL, maxrss_bytes INTEGER NOT NULL,"
	" exit_code INTEGER NOT NULL, term_signal INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, benchmark, iteration)) WITHOUT ROWID;"
	"CREATE INDEX iterations_by_benchmark ON iterations (benchmark, run_id, iteration, wall_ns);"
	"ALTER TABLE runs DROP COLUMN config_id; ALTER TABLE runs DROP COLUMN result_z;"
	"DELETE FROM meta WHERE key = 'pack_pending'; PRAGMA user_version = 11;";

/* A run as schema 11's SQL wrote it. */
static void old_run(sqlite3 *db, int64_t id, const char *commit, const char *state,
		    const char *config, const char *result, const struct run_data *r)
{
	sqlite3_stmt *stmt = NULL;
	assert_int_equal(sqlite3_prepare_v2(db,
		"INSERT INTO runs (id, revision, commit_sha, state, seq, created_ns, updated_ns,"
		" config, system, result, host) VALUES (?1, ?2, ?2, ?3, 1, 1, 1, ?4, ?5, ?6, 'box')",
		-1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_text(stmt, 2, commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, config, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, HOST, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, result, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_finalize(stmt);
	if (!r)
		return;
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO iterations VALUES (?1, ?2, ?3, ?4, ?5,"
						" ?6, ?7, ?8, ?9)", -1, &stmt, NULL),
			 SQLITE_OK);
	for (int i = 0; i < NBENCH * NITS; i++) {
		const struct store_iteration *it = &r->its[i];
		sqlite3_reset(stmt);
		sqlite3_bind_int64(stmt, 1, id);
		sqlite3_bind_text(stmt, 2, it->benchmark, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 3, it->iteration);
		sqlite3_bind_int64(stmt, 4, it->wall_ns);
		sqlite3_bind_int64(stmt, 5, it->user_ns);
		sqlite3_bind_int64(stmt, 6, it->sys_ns);
		sqlite3_bind_int64(stmt, 7, it->maxrss_bytes);
		sqlite3_bind_int(stmt, 8, it->exit_code);
		sqlite3_bind_int(stmt, 9, it->term_signal);
		assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	}
	sqlite3_finalize(stmt);
}

static void test_migrate_from_11(void **state)
{
	struct fixture *f = *state;
	struct run_data a, b;
	struct collected before = {0}, after = {0};
	const int64_t ids[2] = {1, 2};
	sqlite3 *db = NULL;
	/* A store of SQLite's schema 11: PostgreSQL stores start at the current one. */
	if (test_store_is_pg())
		skip();
	store_free(f->store);
	f->store = NULL;
	make_run(&a, 1, HASH_A, 4);
	make_run(&b, 2, HASH_B, 5);
	assert_int_equal(sqlite3_open(f->location, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, downgrade_sql, NULL, NULL, NULL), SQLITE_OK);
	old_run(db, 1, HASH_A, "done", CONFIG, a.result, &a);
	/* A result that is not the runner's (an import of another format). */
	old_run(db, 2, HASH_B, "done", "{\"other\": 1}", "{\"results\": []}\n", &b);
	old_run(db, 3, HASH_A, "queued", CONFIG, NULL, NULL);
	sqlite3_close(db);

	if (store_open(&f->store, f->location, STORE_SYNC_NORMAL) != STORE_OK)
		fail_msg("store_open: %s", store_errmsg(f->store));
	assert_int_equal(sql_int(f->location, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_run_reads(f->store, 1, CONFIG, HOST, a.result);
	assert_run_reads(f->store, 2, "{\"other\": 1}", HOST, "{\"results\": []}\n");
	assert_run_reads(f->store, 3, CONFIG, HOST, NULL);
	assert_iterations(f->store, 1, &a);
	assert_iterations(f->store, 2, &b);
	/* Converted at open: nothing left in the old columns. */
	assert_int_equal(sql_int(f->location, "SELECT value FROM meta WHERE key = 'pack_pending'"), 0);
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM runs WHERE result IS NOT NULL"
					      " OR config <> '' OR config_id = 0"),
			 0);
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM configs"), 2);
	assert_int_equal(sql_int(f->location, "SELECT count(*) FROM runs WHERE id = 1"
					      " AND hex(substr(result_z, 1, 1)) = hex('P')"),
			 1);
	assert_int_equal(store_samples_of_runs(f->store, ids, 2, NULL, "mid", collect_sample,
					       &after),
			 STORE_OK);
	for (int run = 0; run < 2; run++)
		for (int i = 0; i < NITS; i++)
			collect_sample(&before, "mid", run + 1,
				       (double)(run ? b.its : a.its)[2 * NITS + i].wall_ns);
	assert_int_equal(after.n, before.n);
	for (size_t i = 0; i < after.n; i++)
		assert_string_equal(after.text[i], before.text[i]);
	/* Reopening finds nothing to convert and changes nothing. */
	store_free(f->store);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_run_reads(f->store, 1, CONFIG, HOST, a.result);
	free(a.result);
	free(b.result);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_finish_packs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_keeps_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_11, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
