/* Reading back a run's measured iterations whole (store.h): every column the
 * runner stored, for the audit bundles' raw samples. */
#include "store/internal.h"

int store_iterations_of_run(struct store *store, int64_t run_id, store_iteration_fn fn,
			    void *ctx)
{
	struct db_stmt *stmt = store_prepare(store,
					   "SELECT b.name, s.iteration, s.wall_ns, s.user_ns, s.sys_ns,"
					   " s.maxrss_bytes, s.exit_code, s.term_signal FROM samples s"
					   " JOIN benchmarks b ON b.id = s.bench_id"
					   " WHERE s.run_id = ?1 ORDER BY b.name, s.iteration");
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, run_id);
	while ((rc = db_step(stmt)) == DB_ROW) {
		const unsigned char *name = db_column_text(stmt, 0);
		struct store_iteration it = {
			.benchmark = name ? (const char *)name : "",
			.iteration = db_column_int(stmt, 1),
			.wall_ns = db_column_int64(stmt, 2),
			.user_ns = db_column_int64(stmt, 3),
			.sys_ns = db_column_int64(stmt, 4),
			.maxrss_bytes = db_column_int64(stmt, 5),
			.exit_code = db_column_int(stmt, 6),
			.term_signal = db_column_int(stmt, 7),
		};
		if ((result = fn(ctx, &it)))
			break;
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "read iterations");
	db_finalize(stmt);
	return result;
}
