/* Reading back a run's measured iterations whole (store.h): every column the
 * runner stored, for the audit bundles' raw samples. */
#include "store/internal.h"

int store_iterations_of_run(struct store *store, int64_t run_id, store_iteration_fn fn,
			    void *ctx)
{
	sqlite3_stmt *stmt = store_prepare(store,
					   "SELECT b.name, s.iteration, s.wall_ns, s.user_ns, s.sys_ns,"
					   " s.maxrss_bytes, s.exit_code, s.term_signal FROM samples s"
					   " JOIN benchmarks b ON b.id = s.bench_id"
					   " WHERE s.run_id = ?1 ORDER BY b.name, s.iteration");
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, run_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(stmt, 0);
		struct store_iteration it = {
			.benchmark = name ? (const char *)name : "",
			.iteration = sqlite3_column_int(stmt, 1),
			.wall_ns = sqlite3_column_int64(stmt, 2),
			.user_ns = sqlite3_column_int64(stmt, 3),
			.sys_ns = sqlite3_column_int64(stmt, 4),
			.maxrss_bytes = sqlite3_column_int64(stmt, 5),
			.exit_code = sqlite3_column_int(stmt, 6),
			.term_signal = sqlite3_column_int(stmt, 7),
		};
		if ((result = fn(ctx, &it)))
			break;
	}
	if (result == STORE_OK && rc != SQLITE_DONE)
		result = store_fail(store, "read iterations");
	sqlite3_finalize(stmt);
	return result;
}
