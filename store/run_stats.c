/* Described runs (store.h): per run and benchmark, the statistics of its
 * wall times, so that a history reads a row per run, not every sample. */
#include <stdlib.h>

#include "store/internal.h"

int store_runs_undescribed(struct store *store, int64_t **ids, size_t *n, size_t max)
{
	sqlite3_stmt *stmt = store_prepare(
		store, "SELECT id FROM runs WHERE state = 'done'"
		       " AND id NOT IN (SELECT run_id FROM described)"
		       " AND id NOT IN (SELECT run_id FROM summarized) ORDER BY id LIMIT ?1");
	*ids = NULL;
	*n = 0;
	if (!stmt)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, (int64_t)max);
	return store_rows_collect(store, ids, n, sizeof(**ids), stmt, store_id_row, NULL,
				  "list runs to describe");
}

int store_run_describe(struct store *store, int64_t run_id, const struct store_run_summary *sums,
		       size_t n)
{
	sqlite3_stmt *ins = NULL, *mark = NULL;
	int result;
	if ((result = store_begin(store)))
		return result;
	/* A second description of a run replaces the first: the same samples. */
	if (!(ins = store_prepare(store, "INSERT OR REPLACE INTO run_stats (benchmark, run_id, n,"
					 " mean, stddev, median, min, max)"
					 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")) ||
	    !(mark = store_prepare(store, "INSERT OR IGNORE INTO described (run_id) VALUES (?1)"))) {
		result = STORE_ERROR;
		goto done;
	}
	for (size_t i = 0; i < n && result == STORE_OK; i++) {
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, sums[i].benchmark, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, run_id);
		sqlite3_bind_int64(ins, 3, sums[i].n);
		sqlite3_bind_double(ins, 4, sums[i].mean);
		sqlite3_bind_double(ins, 5, sums[i].stddev);
		sqlite3_bind_double(ins, 6, sums[i].median);
		sqlite3_bind_double(ins, 7, sums[i].min);
		sqlite3_bind_double(ins, 8, sums[i].max);
		if (sqlite3_step(ins) != SQLITE_DONE)
			result = store_fail(store, "describe a run");
	}
	sqlite3_bind_int64(mark, 1, run_id);
	if (result == STORE_OK && sqlite3_step(mark) != SQLITE_DONE)
		result = store_fail(store, "mark a run described");
done:
	sqlite3_finalize(ins);
	sqlite3_finalize(mark);
	if (result == STORE_OK)
		return store_commit(store);
	store_rollback(store);
	return result;
}

int store_run_stats_of(struct store *store, const int64_t *run_ids, size_t nruns,
		       const char *benchmark, store_summary_fn fn, void *ctx)
{
	sqlite3_stmt *stmt;
	size_t k = 0;
	int rc, result = STORE_OK;
	if (nruns == 0)
		return STORE_OK;
	/* One range of the primary key; the wanted runs are picked by a merge. */
	if (!(stmt = store_prepare(store, "SELECT run_id, n, mean, stddev, median, min, max"
					  " FROM run_stats WHERE benchmark = ?1 AND run_id >= ?2"
					  " AND run_id <= ?3 ORDER BY run_id")))
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, benchmark, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, run_ids[0]);
	sqlite3_bind_int64(stmt, 3, run_ids[nruns - 1]);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(stmt, 0);
		struct store_run_summary s;
		while (k < nruns && run_ids[k] < id)
			k++;
		if (k == nruns)
			break;
		if (run_ids[k] != id)
			continue;
		s = (struct store_run_summary){
			.benchmark = benchmark,
			.n = sqlite3_column_int64(stmt, 1),
			.mean = sqlite3_column_double(stmt, 2),
			.stddev = sqlite3_column_double(stmt, 3),
			.median = sqlite3_column_double(stmt, 4),
			.min = sqlite3_column_double(stmt, 5),
			.max = sqlite3_column_double(stmt, 6),
		};
		if ((result = fn(ctx, id, &s)))
			break;
	}
	if (result == STORE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		result = store_fail(store, "read run statistics");
	sqlite3_finalize(stmt);
	return result;
}
