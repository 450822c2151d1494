/* Measurements: one row per timed execution of a benchmark, and per-benchmark metrics. */
#include <string.h>

#include "store/internal.h"

static const char iteration_insert_sql[] =
	"INSERT INTO samples (run_id, bench_id, iteration, wall_ns, user_ns, sys_ns,"
	" maxrss_bytes, exit_code, term_signal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* Binds one iteration (its benchmark's id) to the prepared insert and steps
 * it; false on error (the caller reports it before resetting the statement). */
static bool iteration_insert(struct db_stmt *stmt, int64_t run_id, int64_t bench_id,
			     const struct store_iteration *it)
{
	db_bind_int64(stmt, 1, run_id);
	db_bind_int64(stmt, 2, bench_id);
	db_bind_int(stmt, 3, it->iteration);
	db_bind_int64(stmt, 4, it->wall_ns);
	db_bind_int64(stmt, 5, it->user_ns);
	db_bind_int64(stmt, 6, it->sys_ns);
	db_bind_int64(stmt, 7, it->maxrss_bytes);
	db_bind_int(stmt, 8, it->exit_code);
	db_bind_int(stmt, 9, it->term_signal);
	return db_step(stmt) == DB_DONE;
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
	stmt = store_prepare(store, iteration_insert_sql);
	if (!stmt) {
		result = STORE_ERROR;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		/* A run's iterations come benchmark by benchmark: one lookup each. */
		if ((!name || strcmp(name, its[i].benchmark) != 0) &&
		    (result = store_bench_id(store, &bench_id, its[i].benchmark)))
			goto fail;
		name = its[i].benchmark;
		if (!iteration_insert(stmt, run_id, bench_id, &its[i])) {
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
