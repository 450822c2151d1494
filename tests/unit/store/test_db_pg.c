/* Unit tests for the PostgreSQL engine (store/db_pg.c) through store/db.h:
 * SQLite's placeholders translated, every type bound and read back, NULLs,
 * changes(), reset, errors, the schema's JSON functions and the iterations
 * view's triggers. Needs a server: BENCHFS_TEST_PG holds a libpq URI of a
 * database the test may use; each test works in a schema of its own,
 * dropped afterwards. Without it the tests are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/internal.h"
#include "store/schema_pg.h"
#include "util/clock.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct fixture {
	struct store *store;
	char schema[32];
};

static const char *uri(void)
{
	const char *u = getenv("BENCHFS_TEST_PG");
	return u && *u ? u : NULL;
}

static struct store *connect_store(const char *location, int *rc)
{
	struct store *store = calloc(1, sizeof(*store));
	assert_non_null(store);
	store->engine = &db_pg_engine;
	/* Not logged: the tests check the errors they cause. */
	store->opening = true;
	*rc = store->engine->open(store, location, false);
	return store;
}

static void disconnect(struct store *store)
{
	store->engine->close(store);
	free(store);
}

static int exec(struct fixture *f, const char *sql)
{
	int rc = f->store->engine->exec(f->store, sql);
	if (rc != STORE_OK)
		fprintf(stderr, "exec %s: %s\n", sql, f->store->engine->errmsg(f->store));
	return rc;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char sql[192];
	int rc;
	if (!f || !uri())
		return f ? (*state = f, 0) : -1;
	f->store = connect_store(uri(), &rc);
	if (rc != STORE_OK) {
		fprintf(stderr, "%s\n", f->store->errmsg);
		return -1;
	}
	/* A schema of the test's own: the database may hold others' tables. */
	snprintf(f->schema, sizeof(f->schema), "test_db_pg_%ld", (long)getpid());
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s;"
		 " SET search_path TO %s", f->schema, f->schema, f->schema);
	if (exec(f, sql) || exec(f, store_pg_schema))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char sql[128];
	if (f->store) {
		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
		exec(f, sql);
		disconnect(f->store);
	}
	free(f);
	return 0;
}

static void need_server(void)
{
	if (!uri()) {
		print_message("BENCHFS_TEST_PG is not set (a postgresql:// URI of a database "
			      "the test may use): skipped\n");
		skip();
	}
}

static struct db_stmt *prepare(struct fixture *f, const char *sql)
{
	struct db_stmt *stmt = f->store->engine->prepare(f->store, sql);
	if (!stmt)
		fprintf(stderr, "prepare %s: %s\n", sql, f->store->errmsg);
	assert_non_null(stmt);
	return stmt;
}

/* Step a statement that changes rows (no result rows). */
static void run(struct fixture *f, struct db_stmt *stmt)
{
	int rc = db_step(stmt);
	if (rc != DB_DONE)
		fprintf(stderr, "step: %s\n", f->store->engine->errmsg(f->store));
	assert_int_equal(rc, DB_DONE);
}

static void test_placeholders(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *stmt;
	need_server();
	/* ?2, then a bare ? (one above the largest: 3), a '?' in a literal, a
	 * comment and a quoted name left as they are, and ?1 again. */
	stmt = prepare(f, "SELECT ?2 AS \"a?\", ? /* ? */, 'it''s ?', ?1 -- ?\n, ?1 + 0");
	assert_int_equal(db_bind_parameter_count(stmt), 3);
	assert_int_equal(db_bind_int64(stmt, 1, 10), 0);
	assert_int_equal(db_bind_int64(stmt, 2, 20), 0);
	assert_int_equal(db_bind_int64(stmt, 3, 30), 0);
	/* Out of range: refused with a message, as SQLite does. */
	assert_int_not_equal(db_bind_int64(stmt, 4, 40), 0);
	assert_int_not_equal(db_bind_int64(stmt, 0, 40), 0);
	assert_non_null(strstr(f->store->engine->errmsg(f->store), "out of range"));
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 20);
	assert_int_equal(db_column_int64(stmt, 1), 30);
	assert_string_equal((const char *)db_column_text(stmt, 2), "it's ?");
	assert_int_equal(db_column_int64(stmt, 3), 10);
	assert_int_equal(db_column_int64(stmt, 4), 10);
	/* Past the last column or row: NULL and 0, never a crash. */
	assert_null(db_column_text(stmt, 5));
	assert_true(db_column_is_null(stmt, -1));
	assert_int_equal(db_column_int64(stmt, 9), 0);
	assert_int_equal(db_step(stmt), DB_DONE);
	assert_null(db_column_text(stmt, 0));
	assert_int_equal(db_column_bytes(stmt, 0), 0);
	db_finalize(stmt);

	stmt = prepare(f, "SELECT 1");
	assert_int_equal(db_bind_parameter_count(stmt), 0);
	assert_int_equal(db_step(stmt), DB_ROW);
	db_finalize(stmt);

	/* SQLite lets a number go unused, bound or not: the server is told its type. */
	stmt = prepare(f, "SELECT ?1 + 0, ?4");
	db_bind_int64(stmt, 1, 5);
	db_bind_text(stmt, 2, "unused", -1);
	db_bind_text(stmt, 4, "x", -1);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 5);
	assert_string_equal((const char *)db_column_text(stmt, 1), "x");
	db_finalize(stmt);

}

/* Statements are translated without the server: this part runs everywhere. */
static void test_placeholders_offline(void **state)
{
	static const struct {
		const char *sql;
		int count;
	} cases[] = {
		{"SELECT 1", 0},
		{"SELECT ?, ?, ?", 3},
		{"SELECT ?2, ?", 3},
		{"SELECT ?5, ?1", 5},
		{"SELECT '?', \"?\", ? -- ?\n, ? /* ? ?9 */", 2},
		{"SELECT 'it''s ?', ?", 1},
		{"SELECT ?1 || '''?''' || ?3", 3},
		/* Text written for PostgreSQL keeps its $N. */
		{"SELECT $2, ?", 3},
		{"SELECT $$", 0},
	};
	struct db_stmt *stmt;
	struct store *store;
	int rc;
	(void)state;
	/* No server at that socket: the statements need none. */
	store = connect_store("postgresql:///none?host=/nonexistent", &rc);
	assert_int_equal(rc, STORE_ERROR);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		stmt = store->engine->prepare(store, cases[i].sql);
		assert_non_null(stmt);
		assert_int_equal(db_bind_parameter_count(stmt), cases[i].count);
		assert_int_equal(db_bind_text(stmt, cases[i].count, "x", -1), cases[i].count ? 0 : 1);
		assert_int_not_equal(db_bind_int64(stmt, cases[i].count + 1, 1), 0);
		db_finalize(stmt);
	}
	/* Numbers SQLite would refuse. */
	assert_null(store->engine->prepare(store, "SELECT ?0"));
	assert_null(store->engine->prepare(store, "SELECT ?32767"));
	assert_null(store->engine->prepare(store, "SELECT ?99999999999999999999"));
	assert_non_null(strstr(store->errmsg, "prepare: "));
	/* The largest it takes. */
	stmt = store->engine->prepare(store, "SELECT ?32766, ?");
	assert_null(stmt);
	stmt = store->engine->prepare(store, "SELECT ?32766");
	assert_int_equal(db_bind_parameter_count(stmt), 32766);
	db_finalize(stmt);
	/* A step without a connection is an error, not a crash. */
	stmt = store->engine->prepare(store, "SELECT 1");
	rc = db_step(stmt);
	assert_true(rc != DB_ROW && rc != DB_DONE);
	db_finalize(stmt);
	disconnect(store);
}

static void test_types_round_trip(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "quote ' double \" back\\slash\nnewline\ttab UTF-8: é 日本 🙂";
	static const unsigned char blob[] = {0, 1, 2, 0, 0xff, 0x80, '\\', 'x', 0};
	static const double doubles[] = {0.1, -0.0, 1e300, -2.2250738585072014e-308,
					 4.9406564584124654e-324, 1.0 / 3.0, 123456789.125};
	static const int64_t ints[] = {INT64_MIN, INT64_MAX, 0, -1, 1};
	struct db_stmt *stmt;
	need_server();
	assert_int_equal(exec(f, "CREATE TABLE t (k bigint PRIMARY KEY, i bigint,"
				 " d double precision, s text, b bytea)"),
			 STORE_OK);

	stmt = prepare(f, "INSERT INTO t (k, i, d, s, b) VALUES (?, ?, ?, ?, ?)");
	for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
		db_reset(stmt);
		db_bind_int64(stmt, 1, (int64_t)k);
		db_bind_int64(stmt, 2, ints[k]);
		db_bind_double(stmt, 3, doubles[k]);
		/* len 5: only the first five bytes. */
		db_bind_text(stmt, 4, k == 1 ? "abcdefgh" : text, k == 1 ? 5 : -1);
		db_bind_blob(stmt, 5, blob, k == 2 ? 0 : sizeof(blob));
		run(f, stmt);
		assert_int_equal(store_changes(f->store), 1);
	}
	/* A NULL of every column. */
	db_reset(stmt);
	db_bind_int64(stmt, 1, 100);
	for (int i = 2; i <= 5; i++)
		db_bind_null(stmt, i);
	run(f, stmt);
	db_finalize(stmt);

	stmt = prepare(f, "SELECT i, d, s, b, length(b) FROM t ORDER BY k");
	for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
		size_t len = k == 2 ? 0 : sizeof(blob);
		assert_int_equal(db_step(stmt), DB_ROW);
		assert_true(db_column_int64(stmt, 0) == ints[k]);
		/* Bit for bit: %.17g out, PostgreSQL's shortest exact text back. */
		assert_memory_equal(&(double){db_column_double(stmt, 1)}, &doubles[k],
				    sizeof(double));
		assert_string_equal((const char *)db_column_text(stmt, 2),
				    k == 1 ? "abcde" : text);
		assert_int_equal(db_column_bytes(stmt, 2), k == 1 ? 5 : strlen(text));
		/* bytes then blob, and blob then bytes: one decoded copy either way. */
		if (k % 2) {
			assert_int_equal(db_column_bytes(stmt, 3), len);
			assert_memory_equal(db_column_blob(stmt, 3), blob, len);
		} else {
			const void *b = db_column_blob(stmt, 3);
			assert_int_equal(db_column_bytes(stmt, 3), len);
			assert_ptr_equal(db_column_blob(stmt, 3), b);
			if (len)
				assert_memory_equal(b, blob, len);
		}
		assert_int_equal(db_column_int64(stmt, 4), len);
		assert_false(db_column_is_null(stmt, 3));
	}
	assert_int_equal(db_step(stmt), DB_ROW);
	for (int i = 0; i < 4; i++) {
		assert_true(db_column_is_null(stmt, i));
		assert_null(db_column_text(stmt, i));
	}
	assert_null(db_column_blob(stmt, 3));
	assert_int_equal(db_column_bytes(stmt, 3), 0);
	assert_int_equal(db_column_int64(stmt, 0), 0);
	assert_int_equal(db_step(stmt), DB_DONE);
	db_finalize(stmt);

	/* NaN and the infinities as float8in spells them; booleans and
	 * fractions read as SQLite's integers. */
	stmt = prepare(f, "SELECT ?1, ?2, ?3, 1 < 2, 1 > 2, 7.9::numeric, -7.9::float8, 1e30::float8,"
			  " ?1 || ''");
	db_bind_double(stmt, 1, NAN);
	db_bind_double(stmt, 2, INFINITY);
	db_bind_double(stmt, 3, -INFINITY);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_true(isnan(db_column_double(stmt, 0)));
	assert_true(isinf(db_column_double(stmt, 1)) && db_column_double(stmt, 1) > 0);
	assert_true(isinf(db_column_double(stmt, 2)) && db_column_double(stmt, 2) < 0);
	assert_int_equal(db_column_int64(stmt, 3), 1);
	assert_int_equal(db_column_int64(stmt, 4), 0);
	assert_int_equal(db_column_int64(stmt, 5), 7);
	assert_int_equal(db_column_int64(stmt, 6), -7);
	assert_true(db_column_int64(stmt, 7) == INT64_MAX);
	assert_int_equal(db_column_int64(stmt, 0), 0);
	assert_string_equal((const char *)db_column_text(stmt, 8), "NaN");
	db_finalize(stmt);

	/* A text parameter takes the type of what it meets, as a quoted literal does. */
	stmt = prepare(f, "SELECT count(*) FROM t WHERE k = ?1 AND s = ?2");
	db_bind_text(stmt, 1, "0", -1);
	db_bind_text(stmt, 2, text, -1);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 1);
	db_finalize(stmt);
}

static void test_changes_and_reset(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *stmt;
	need_server();
	assert_int_equal(exec(f, "CREATE TABLE c (k bigint, v bigint);"
				 "INSERT INTO c VALUES (1, 0), (2, 0), (3, 0)"),
			 STORE_OK);
	assert_int_equal(store_changes(f->store), 3);
	stmt = prepare(f, "UPDATE c SET v = v + 1 WHERE k >= ?1");
	db_bind_int64(stmt, 1, 2);
	run(f, stmt);
	assert_int_equal(store_changes(f->store), 2);
	/* Again with a new binding, after a reset. */
	db_reset(stmt);
	db_bind_int64(stmt, 1, 1);
	run(f, stmt);
	assert_int_equal(store_changes(f->store), 3);
	db_finalize(stmt);

	/* A query leaves the count of the last write, as in SQLite. */
	stmt = prepare(f, "SELECT k, v FROM c WHERE v >= ?1 ORDER BY k");
	db_bind_int64(stmt, 1, 2);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 2);
	assert_int_equal(store_changes(f->store), 3);
	/* Reset in the middle: the next step runs it again from the start. */
	db_reset(stmt);
	db_bind_int64(stmt, 1, 1);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 1);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 3);
	assert_int_equal(db_column_int64(stmt, 1), 2);
	assert_int_equal(db_step(stmt), DB_DONE);
	db_finalize(stmt);

	/* RETURNING: a row, and the write counted. */
	stmt = prepare(f, "DELETE FROM c WHERE k = ?1 RETURNING v");
	db_bind_int64(stmt, 1, 3);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 2);
	assert_int_equal(store_changes(f->store), 1);
	assert_int_equal(db_step(stmt), DB_DONE);
	db_finalize(stmt);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *stmt;
	const char *msg;
	int rc;
	need_server();
	stmt = prepare(f, "SELEC 1");
	rc = db_step(stmt);
	assert_true(rc != DB_ROW && rc != DB_DONE);
	msg = f->store->engine->errmsg(f->store);
	assert_non_null(strstr(msg, "syntax error"));
	assert_null(strchr(msg, '\n'));
	assert_false(f->store->engine->error_is_full(f->store));
	assert_int_equal(store_fail(f->store, "select"), STORE_ERROR);
	assert_non_null(strstr(f->store->errmsg, "select: "));
	db_finalize(stmt);

	/* A constraint, then the connection still usable. */
	stmt = prepare(f, "INSERT INTO runs (revision, commit_sha, state, seq, created_ns,"
			  " updated_ns, config) VALUES ('r', 'short', 'done', 0, 0, 0, '')");
	rc = db_step(stmt);
	assert_true(rc != DB_ROW && rc != DB_DONE);
	assert_non_null(strstr(f->store->engine->errmsg(f->store), "check constraint"));
	db_finalize(stmt);
	assert_int_not_equal(f->store->engine->exec(f->store, "CREATE TABLE"), STORE_OK);
	assert_int_equal(exec(f, "SELECT 1"), STORE_OK);
	/* Nothing to run is no error, as in SQLite. */
	assert_int_equal(exec(f, "-- nothing"), STORE_OK);
	stmt = prepare(f, "");
	assert_int_equal(db_step(stmt), DB_DONE);
	db_finalize(stmt);
	assert_non_null(strstr(f->store->engine->version(), "PostgreSQL client "));
}

static void test_json_functions(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *stmt;
	const char *system = "{\"hostname\":\"h1\",\"toolchain\":{\"cc\":\"gcc 12\"},"
			     "\"imported\":{\"key\":\"k\"},\"list\":[5,6]}";
	int64_t want[] = {1, 3, 7};
	need_server();
	/* The unknown-typed parameter reaches the text overload, not json's. */
	stmt = prepare(f, "SELECT value FROM json_each(?1) ORDER BY value");
	db_bind_text(stmt, 1, "[7,1,3]", -1);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(db_step(stmt), DB_ROW);
		assert_int_equal(db_column_int64(stmt, 0), want[i]);
	}
	assert_int_equal(db_step(stmt), DB_DONE);
	db_finalize(stmt);
	stmt = prepare(f, "SELECT count(*) FROM generate_series(1, 10) AS x"
			  " WHERE x IN (SELECT value FROM json_each(?1))");
	db_bind_text(stmt, 1, "[2,4,99]", -1);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 2);
	db_finalize(stmt);

	stmt = prepare(f, "SELECT CASE WHEN json_valid(?1) THEN json_extract(?1, '$.toolchain.cc') END,"
			  " json_extract(?1, '$.hostname'), json_extract(?1, '$.imported.key'),"
			  " json_extract(?1, '$.missing'), json_extract(?1, '$.list[1]'),"
			  " json_valid(?2), json_extract(?2, '$.hostname'), 1 = 1 AND json_valid(?1),"
			  " json_valid(NULL)");
	db_bind_text(stmt, 1, system, -1);
	db_bind_text(stmt, 2, "{not json", -1);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_string_equal((const char *)db_column_text(stmt, 0), "gcc 12");
	assert_string_equal((const char *)db_column_text(stmt, 1), "h1");
	assert_string_equal((const char *)db_column_text(stmt, 2), "k");
	assert_true(db_column_is_null(stmt, 3));
	assert_int_equal(db_column_int64(stmt, 4), 6);
	assert_int_equal(db_column_int64(stmt, 5), 0);
	assert_true(db_column_is_null(stmt, 6));
	assert_int_equal(db_column_int64(stmt, 7), 1);
	assert_true(db_column_is_null(stmt, 8));
	db_finalize(stmt);
}

static void test_schema_and_view(void **state)
{
	struct fixture *f = *state;
	struct db_stmt *stmt;
	int64_t run_id;
	need_server();
	assert_int_equal(store_select_int64(f->store, &run_id,
					    "INSERT INTO runs (revision, commit_sha, state, seq,"
					    " created_ns, updated_ns, config) VALUES ('main', '" HASH_A
					    "', 'done', 1, 2, 3, '{}') RETURNING id",
					    "insert run"),
			 STORE_OK);
	assert_true(run_id > 0);

	/* Through the view: its trigger adds the benchmark and the sample. */
	stmt = prepare(f, "INSERT INTO iterations (run_id, benchmark, iteration, wall_ns, user_ns,"
			  " sys_ns, maxrss_bytes, exit_code, term_signal)"
			  " VALUES (?1, ?2, ?3, ?4, 0, 0, 0, 0, 0)");
	for (int i = 1; i <= 3; i++) {
		db_reset(stmt);
		db_bind_int64(stmt, 1, run_id);
		db_bind_text(stmt, 2, i < 3 ? "b/x" : "a", -1);
		db_bind_int64(stmt, 3, i);
		db_bind_int64(stmt, 4, 1000 * i);
		run(f, stmt);
		assert_int_equal(store_changes(f->store), 1);
	}
	db_finalize(stmt);
	stmt = prepare(f, "SELECT b.name, count(*), sum(s.wall_ns) FROM samples s"
			  " JOIN benchmarks b ON b.id = s.bench_id GROUP BY b.name ORDER BY b.name");
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_string_equal((const char *)db_column_text(stmt, 0), "a");
	assert_int_equal(db_column_int64(stmt, 2), 3000);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_string_equal((const char *)db_column_text(stmt, 0), "b/x");
	assert_int_equal(db_column_int64(stmt, 1), 2);
	/* sum(bigint) is numeric in PostgreSQL: read as an integer still. */
	assert_int_equal(db_column_int64(stmt, 2), 3000);
	assert_int_equal(db_step(stmt), DB_DONE);
	db_finalize(stmt);

	stmt = prepare(f, "DELETE FROM iterations WHERE run_id = ?1 AND benchmark = ?2");
	db_bind_int64(stmt, 1, run_id);
	db_bind_text(stmt, 2, "b/x", -1);
	run(f, stmt);
	assert_int_equal(store_changes(f->store), 2);
	db_finalize(stmt);

	/* The meta rows and the version open.c reads (this text's: open.c's
	 * pg_migrations go on from it); text ordered bytewise. */
	assert_int_equal(store_select_int64(f->store, &run_id,
					    "SELECT sum(value) + count(*) FROM meta WHERE key IN"
					    " ('seq', 'views_seq', 'views_ns', 'pack_pending')",
					    "meta"),
			 STORE_OK);
	assert_int_equal(run_id, 4);
	assert_int_equal(store_select_int64(f->store, &run_id,
					    "SELECT version FROM schema_version", "version"),
			 STORE_OK);
	assert_int_equal(run_id, STORE_PG_SCHEMA_VERSION);
	assert_int_equal(exec(f, "INSERT INTO benchmarks (name) VALUES ('B'), ('a_'), ('Z')"),
			 STORE_OK);
	stmt = prepare(f, "SELECT string_agg(name, ',' ORDER BY name) FROM benchmarks");
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_string_equal((const char *)db_column_text(stmt, 0), "B,Z,a,a_,b/x");
	db_finalize(stmt);
}

static void test_connection(void **state)
{
	struct fixture *f = *state;
	struct store *store;
	struct db_stmt *stmt;
	char location[1024];
	int rc;
	need_server();
	/* Nothing listens there: the message is libpq's, under "open". */
	store = connect_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", &rc);
	assert_int_equal(rc, STORE_ERROR);
	assert_true(!strncmp(store->errmsg, "open: ", 6) && strlen(store->errmsg) > 6);
	assert_null(strchr(store->errmsg, '\n'));
	disconnect(store);
	(void)f;

	/* A session default of 15 digits (older clients' setting) does not
	 * round the doubles read back. */
	snprintf(location, sizeof(location), "%s%soptions=-c%%20extra_float_digits%%3D0", uri(),
		 strchr(uri(), '?') ? "&" : "?");
	store = connect_store(location, &rc);
	assert_int_equal(rc, STORE_OK);
	stmt = store->engine->prepare(store, "SELECT ?1");
	db_bind_double(stmt, 1, 1.0 / 3.0);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_true(db_column_double(stmt, 0) == 1.0 / 3.0);
	db_finalize(stmt);
	disconnect(store);

	/* A statement that ends its own session: sent once more on a new
	 * connection, which it ends too, and then it fails (never a loop); the
	 * next statement gets a new connection again. */
	store = connect_store(uri(), &rc);
	assert_int_equal(rc, STORE_OK);
	stmt = store->engine->prepare(store, "SELECT pg_terminate_backend(pg_backend_pid())");
	rc = db_step(stmt);
	assert_true(rc != DB_ROW && rc != DB_DONE);
	assert_true(strlen(store->engine->errmsg(store)) > 0);
	db_reset(stmt);
	rc = db_step(stmt);
	assert_true(rc != DB_ROW && rc != DB_DONE);
	assert_true(strlen(store->engine->errmsg(store)) > 0);
	db_finalize(stmt);
	assert_int_equal(store->engine->exec(store, "SELECT 1"), STORE_OK);
	disconnect(store);
}

static int64_t select_int(struct store *store, const char *sql)
{
	struct db_stmt *stmt = store->engine->prepare(store, sql);
	int64_t v;
	assert_non_null(stmt);
	if (db_step(stmt) != DB_ROW)
		fail_msg("%s: %s", sql, store->engine->errmsg(store));
	v = db_column_int64(stmt, 0);
	db_finalize(stmt);
	return v;
}

static void assert_setting(struct store *store, const char *name, const char *expected)
{
	char sql[96];
	struct db_stmt *stmt;
	snprintf(sql, sizeof(sql), "SELECT current_setting('%s')", name);
	stmt = store->engine->prepare(store, sql);
	assert_non_null(stmt);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_string_equal((const char *)db_column_text(stmt, 0), expected);
	db_finalize(stmt);
}

/* Ends store's session from admin's as the server does at a restart
 * (pg_terminate_backend: SIGTERM, the client told FATAL 57P01), and waits
 * until the backend is gone. Returns the backend's pid. */
static int64_t terminate(struct store *admin, struct store *store)
{
	int64_t pid = select_int(store, "SELECT pg_backend_pid()");
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%lld)", (long long)pid);
	assert_int_equal(select_int(admin, sql), 1);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE pid = %lld",
		 (long long)pid);
	for (int i = 0; i < 200 && select_int(admin, sql); i++)
		usleep(50 * 1000);
	assert_int_equal(select_int(admin, sql), 0);
	return pid;
}

/* A session the server ended while idle: the next statement (one prepared
 * and bound before) runs on a new connection with the engine's settings
 * and LISTENs, and a waiter is woken once for what it may have missed. */
static void test_reconnect(void **state)
{
	struct fixture *f = *state;
	struct store *admin, *store = f->store;
	struct db_stmt *stmt;
	char channel[48], sql[160];
	int64_t old_pid;
	int rc;
	need_server();
	admin = connect_store(uri(), &rc);
	assert_int_equal(rc, STORE_OK);
	snprintf(channel, sizeof(channel), "test_reconnect_%ld", (long)getpid());
	assert_int_equal(store->engine->listen(store, channel), STORE_OK);
	/* Listening twice keeps one LISTEN for a new connection. */
	assert_int_equal(store->engine->listen(store, channel), STORE_OK);
	stmt = prepare(f, "SELECT ?1 + 1, pg_backend_pid()");
	assert_int_equal(db_bind_int64(stmt, 1, 41), 0);

	old_pid = terminate(admin, store);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_int_equal(db_column_int64(stmt, 0), 42);
	assert_int_not_equal(db_column_int64(stmt, 1), old_pid);
	assert_int_equal(db_step(stmt), DB_DONE);
	db_finalize(stmt);
	/* The session's settings again (opened with sync_full false). */
	assert_setting(store, "extra_float_digits", "3");
	assert_setting(store, "standard_conforming_strings", "on");
	assert_setting(store, "client_min_messages", "warning");
	assert_setting(store, "synchronous_commit", "off");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_listening_channels() c WHERE c = '%s'",
		 channel);
	assert_int_equal(select_int(store, sql), 1);
	assert_int_equal(select_int(store, "SELECT count(*) FROM pg_listening_channels()"), 1);
	/* Woken once for what the lost session may have missed, then only by a NOTIFY. */
	assert_int_equal(store->engine->wait(store, 0), STORE_OK);
	assert_int_equal(store->engine->wait(store, 0), STORE_NOTFOUND);
	snprintf(sql, sizeof(sql), "NOTIFY %s", channel);
	assert_int_equal(admin->engine->exec(admin, sql), STORE_OK);
	assert_int_equal(store->engine->wait(store, 10000), STORE_OK);

	/* Lost while waiting on the socket: the wait wakes, on a new connection. */
	old_pid = terminate(admin, store);
	assert_int_equal(store->engine->wait(store, 10000), STORE_OK);
	assert_int_not_equal(select_int(store, "SELECT pg_backend_pid()"), old_pid);
	assert_int_equal(store->engine->wait(store, 0), STORE_NOTFOUND);
	assert_int_equal(admin->engine->exec(admin, sql), STORE_OK);
	assert_int_equal(store->engine->wait(store, 10000), STORE_OK);
	disconnect(admin);
}

/* A session lost inside a transaction: the transaction fails whole (no
 * statement of it runs on a new connection), until the caller's ROLLBACK;
 * a COMMIT fails; the next BEGIN works on a new connection. */
static void test_reconnect_transaction(void **state)
{
	struct fixture *f = *state;
	struct store *admin, *store = f->store;
	struct db_stmt *stmt;
	char sql[160];
	int rc;
	need_server();
	admin = connect_store(uri(), &rc);
	assert_int_equal(rc, STORE_OK);
	/* Named with the schema: a new session has the default search_path. */
	snprintf(sql, sizeof(sql), "CREATE TABLE %s.t (x bigint)", f->schema);
	assert_int_equal(exec(f, sql), STORE_OK);
	snprintf(sql, sizeof(sql), "INSERT INTO %s.t VALUES (?1)", f->schema);

	assert_int_equal(exec(f, "BEGIN"), STORE_OK);
	stmt = prepare(f, sql);
	db_bind_int64(stmt, 1, 1);
	assert_int_equal(db_step(stmt), DB_DONE);
	terminate(admin, store);
	db_bind_int64(stmt, 1, 2);
	rc = db_step(stmt);
	assert_true(rc != DB_ROW && rc != DB_DONE);
	assert_non_null(strstr(store->engine->errmsg(store), "transaction"));
	/* Not run outside it either, on a new connection. */
	db_reset(stmt);
	rc = db_step(stmt);
	assert_true(rc != DB_ROW && rc != DB_DONE);
	assert_non_null(strstr(store->engine->errmsg(store), "roll it back"));
	assert_int_not_equal(store->engine->exec(store, "SELECT 1"), STORE_OK);
	assert_int_equal(store->engine->exec(store, "ROLLBACK"), STORE_OK);
	assert_int_equal(exec(f, "BEGIN"), STORE_OK);
	db_bind_int64(stmt, 1, 3);
	assert_int_equal(db_step(stmt), DB_DONE);
	assert_int_equal(exec(f, "COMMIT"), STORE_OK);

	/* Lost before the COMMIT: it fails, and the ROLLBACK after it is no error. */
	assert_int_equal(exec(f, "BEGIN"), STORE_OK);
	db_bind_int64(stmt, 1, 4);
	assert_int_equal(db_step(stmt), DB_DONE);
	terminate(admin, store);
	assert_int_not_equal(store->engine->exec(store, "COMMIT"), STORE_OK);
	assert_int_equal(store->engine->exec(store, "ROLLBACK"), STORE_OK);
	db_finalize(stmt);

	snprintf(sql, sizeof(sql), "SELECT string_agg(x::text, ',' ORDER BY x) FROM %s.t", f->schema);
	stmt = prepare(f, sql);
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_string_equal((const char *)db_column_text(stmt, 0), "3");
	db_finalize(stmt);
	disconnect(admin);
}

/* The server refuses new sessions for a while (a database closed to
 * connections stands for a server still down): statements fail at once
 * with the reason, tried again at most once a second, a wait still waits,
 * and once it accepts them again the next statements work. */
static void test_reconnect_down(void **state)
{
	struct fixture *f = *state;
	struct store *store;
	struct db_stmt *stmt;
	char db[48], location[1024], sql[160];
	int64_t start;
	int rc;
	bool backed_off = false;
	need_server();
	snprintf(db, sizeof(db), "test_db_pg_down_%ld", (long)getpid());
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", db);
	assert_int_equal(exec(f, sql), STORE_OK);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
	assert_int_equal(exec(f, sql), STORE_OK);
	snprintf(location, sizeof(location), "%s%sdbname=%s", uri(), strchr(uri(), '?') ? "&" : "?",
		 db);
	store = connect_store(location, &rc);
	assert_int_equal(rc, STORE_OK);
	stmt = store->engine->prepare(store, "SELECT current_database()");
	assert_int_equal(db_step(stmt), DB_ROW);
	assert_string_equal((const char *)db_column_text(stmt, 0), db);
	db_finalize(stmt);

	snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS false", db);
	assert_int_equal(exec(f, sql), STORE_OK);
	terminate(f->store, store);
	assert_int_not_equal(store->engine->exec(store, "SELECT 1"), STORE_OK);
	assert_non_null(strstr(store->engine->errmsg(store), "connecting again failed"));
	assert_non_null(strstr(store->engine->errmsg(store), "not currently accepting connections"));
	/* The next ones fail at once, without asking the server (unless this
	 * machine stalled for a second between each). */
	for (int i = 0; i < 3 && !backed_off; i++) {
		assert_int_not_equal(store->engine->exec(store, "SELECT 1"), STORE_OK);
		backed_off = strstr(store->engine->errmsg(store), "at most once a second") != NULL;
	}
	assert_true(backed_off);
	/* A waiter looping on the wait does not spin: it takes its time. */
	start = now_mono_ns();
	assert_int_equal(store->engine->wait(store, 300), STORE_NOTFOUND);
	assert_true(now_mono_ns() - start >= 250 * 1000000LL);

	snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS true", db);
	assert_int_equal(exec(f, sql), STORE_OK);
	rc = STORE_ERROR;
	for (int i = 0; i < 100 && (rc = store->engine->exec(store, "SELECT 1")) != STORE_OK; i++)
		usleep(100 * 1000);
	assert_int_equal(rc, STORE_OK);
	assert_setting(store, "extra_float_digits", "3");
	disconnect(store);
	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", db);
	assert_int_equal(exec(f, sql), STORE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholders_offline),
		cmocka_unit_test_setup_teardown(test_placeholders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_types_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_and_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_down, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
