/* Measurements: one row per timed execution of a benchmark, and per-benchmark metrics. */
#include "internal.h"

int store_iteration_add(struct store *store, int64_t run_id, const struct store_iteration *it)
{
	sqlite3_stmt *stmt = store_prepare(store,
		"INSERT INTO iterations (run_id, benchmark, iteration, wall_ns, user_ns, sys_ns,"
		" maxrss_bytes, exit_code, term_signal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, it->benchmark, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, it->iteration);
	sqlite3_bind_int64(stmt, 4, it->wall_ns);
	sqlite3_bind_int64(stmt, 5, it->user_ns);
	sqlite3_bind_int64(stmt, 6, it->sys_ns);
	sqlite3_bind_int64(stmt, 7, it->maxrss_bytes);
	sqlite3_bind_int(stmt, 8, it->exit_code);
	sqlite3_bind_int(stmt, 9, it->term_signal);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		result = store_fail(store, "add iteration");
	sqlite3_finalize(stmt);
	return result;
}

int store_metric_add(struct store *store, int64_t run_id, const char *benchmark,
		     const char *name, double value)
{
	sqlite3_stmt *stmt = store_prepare(store,
		"INSERT OR REPLACE INTO metrics (run_id, benchmark, name, value) VALUES (?, ?, ?, ?)");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, run_id);
	sqlite3_bind_text(stmt, 2, benchmark, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_double(stmt, 4, value);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		result = store_fail(store, "add metric");
	sqlite3_finalize(stmt);
	return result;
}
