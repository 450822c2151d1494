/* Measurements: one row per timed execution of a benchmark, and per-benchmark metrics. */
#include <string.h>

#include "store/internal.h"
#include "util/strbuf.h"

static const char iteration_insert_sql[] =
	"INSERT INTO samples (run_id, bench_id, iteration, wall_ns, user_ns, sys_ns,"
	" maxrss_bytes, exit_code, term_signal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* Rows one INSERT of store_iterations_add carries: a statement per row costs
 * PostgreSQL a round trip each (bench/README.md, fleet_bench.sh). */
#define ROWS_PER_INSERT 128
#define SAMPLE_COLUMNS 9

/* Binds one iteration (its benchmark's id) as row `row` of the prepared insert. */
static void iteration_bind(struct db_stmt *stmt, int row, int64_t run_id, int64_t bench_id,
			   const struct store_iteration *it)
{
	int at = row * SAMPLE_COLUMNS;
	db_bind_int64(stmt, at + 1, run_id);
	db_bind_int64(stmt, at + 2, bench_id);
	db_bind_int(stmt, at + 3, it->iteration);
	db_bind_int64(stmt, at + 4, it->wall_ns);
	db_bind_int64(stmt, at + 5, it->user_ns);
	db_bind_int64(stmt, at + 6, it->sys_ns);
	db_bind_int64(stmt, at + 7, it->maxrss_bytes);
	db_bind_int(stmt, at + 8, it->exit_code);
	db_bind_int(stmt, at + 9, it->term_signal);
}

/* Binds one iteration to the one-row insert and steps it; false on error. */
static bool iteration_insert(struct db_stmt *stmt, int64_t run_id, int64_t bench_id,
			     const struct store_iteration *it)
{
	iteration_bind(stmt, 0, run_id, bench_id, it);
	return db_step(stmt) == DB_DONE;
}

/* The insert of rows samples: one VALUES tuple each. */
static struct db_stmt *prepare_rows(struct store *store, size_t rows)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_stmt *stmt;
	strbuf_addstr(&sql, iteration_insert_sql);
	for (size_t r = 1; r < rows; r++)
		strbuf_addstr(&sql, ", (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (strbuf_error(&sql)) {
		strbuf_release(&sql);
		store_nomem(store);
		return NULL;
	}
	stmt = store_prepare(store, sql.buf);
	strbuf_release(&sql);
	return stmt;
}

int store_iteration_add(struct store *store, int64_t run_id, const struct store_iteration *it)
{
	struct db_stmt *stmt = NULL;
	int64_t bench_id = 0;
	int result = store_bench_id(store, &bench_id, it->benchmark);
	if (result)
		return result;
	if (!(stmt = store_prepare(store, iteration_insert_sql)))
		return STORE_ERROR;
	if (!iteration_insert(stmt, run_id, bench_id, it))
		result = store_fail(store, "add iteration");
	db_finalize(stmt);
	return result;
}

int store_iterations_add(struct store *store, int64_t run_id, const struct store_iteration *its,
			 size_t n)
{
	struct db_stmt *stmt = NULL;
	const char *name = NULL;
	int64_t bench_id = 0;
	int result;
	if (n == 0)
		return STORE_OK;
	if ((result = store_begin(store)))
		return result;
	for (size_t at = 0; at < n; at += ROWS_PER_INSERT) {
		size_t rows = n - at < ROWS_PER_INSERT ? n - at : ROWS_PER_INSERT;
		/* Every full batch shares one statement; the last, shorter one its own. */
		if (!stmt || rows < ROWS_PER_INSERT) {
			db_finalize(stmt);
			if (!(stmt = prepare_rows(store, rows))) {
				result = STORE_ERROR;
				goto fail;
			}
		}
		for (size_t r = 0; r < rows; r++) {
			const struct store_iteration *it = &its[at + r];
			/* A run's iterations come benchmark by benchmark: one lookup each. */
			if ((!name || strcmp(name, it->benchmark) != 0) &&
			    (result = store_bench_id(store, &bench_id, it->benchmark)))
				goto fail;
			name = it->benchmark;
			iteration_bind(stmt, (int)r, run_id, bench_id, it);
		}
		if (db_step(stmt) != DB_DONE) {
			result = store_fail(store, "add iterations");
			goto fail;
		}
		db_reset(stmt);
	}
	db_finalize(stmt);
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	return result;
}

int store_metric_add(struct store *store, int64_t run_id, const char *benchmark,
		     const char *name, double value)
{
	struct db_stmt *stmt = store_prepare(store,
		"INSERT INTO metrics (run_id, benchmark, name, value) VALUES (?, ?, ?, ?)"
		" ON CONFLICT (run_id, benchmark, name) DO UPDATE SET value = excluded.value");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, run_id);
	db_bind_text(stmt, 2, benchmark, -1);
	db_bind_text(stmt, 3, name, -1);
	db_bind_double(stmt, 4, value);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "add metric");
	db_finalize(stmt);
	return result;
}
