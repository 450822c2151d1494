/* Several measured iterations in one transaction (see runner_store.h). */
#include "internal.h"
#include "runner_store.h"

int store_iterations_add(struct store *store, int64_t run_id, const struct store_iteration *its,
			 size_t n)
{
	sqlite3_stmt *stmt = NULL;
	int result;
	if (n == 0)
		return STORE_OK;
	if ((result = store_begin(store)))
		return result;
	stmt = store_prepare(store,
		"INSERT INTO iterations (run_id, benchmark, iteration, wall_ns, user_ns, sys_ns,"
		" maxrss_bytes, exit_code, term_signal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!stmt) {
		result = STORE_ERROR;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_iteration *it = &its[i];
		sqlite3_bind_int64(stmt, 1, run_id);
		sqlite3_bind_text(stmt, 2, it->benchmark, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 3, it->iteration);
		sqlite3_bind_int64(stmt, 4, it->wall_ns);
		sqlite3_bind_int64(stmt, 5, it->user_ns);
		sqlite3_bind_int64(stmt, 6, it->sys_ns);
		sqlite3_bind_int64(stmt, 7, it->maxrss_bytes);
		sqlite3_bind_int(stmt, 8, it->exit_code);
		sqlite3_bind_int(stmt, 9, it->term_signal);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			result = store_fail(store, "add iterations");
			goto fail;
		}
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	return store_commit(store);
fail:
	sqlite3_finalize(stmt);
	store_rollback(store);
	return result;
}
