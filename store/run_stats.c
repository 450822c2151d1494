/* Described runs (store.h): per run and benchmark, the statistics of its
 * wall times, so that a history reads a row per run, not every sample. */
#include <stdlib.h>

#include "store/internal.h"

int store_runs_undescribed(struct store *store, int64_t **ids, size_t *n, size_t max)
{
	struct db_stmt *stmt = store_prepare(
		store, "SELECT id FROM runs WHERE state = 'done'"
		       " AND id NOT IN (SELECT run_id FROM described)"
		       " AND id NOT IN (SELECT run_id FROM summarized) ORDER BY id LIMIT ?1");
	*ids = NULL;
	*n = 0;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, (int64_t)max);
	return store_rows_collect(store, ids, n, sizeof(**ids), stmt, store_id_row, NULL,
				  "list runs to describe");
}

int store_run_describe(struct store *store, int64_t run_id, const struct store_run_summary *sums,
		       size_t n)
{
	struct db_stmt *ins = NULL, *mark = NULL;
	int result;
	if ((result = store_begin(store)))
		return result;
	/* A second description of a run replaces the first: the same samples. */
	if (!(ins = store_prepare(store, "INSERT INTO run_stats (benchmark, run_id, n,"
					 " mean, stddev, median, min, max)"
					 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
					 " ON CONFLICT (benchmark, run_id) DO UPDATE SET n = excluded.n,"
					 " mean = excluded.mean, stddev = excluded.stddev,"
					 " median = excluded.median, min = excluded.min, max = excluded.max")) ||
	    !(mark = store_prepare(store, "INSERT INTO described (run_id) VALUES (?1)"
					  " ON CONFLICT DO NOTHING"))) {
		result = STORE_ERROR;
		goto done;
	}
	for (size_t i = 0; i < n && result == STORE_OK; i++) {
		db_reset(ins);
		db_bind_text(ins, 1, sums[i].benchmark, -1);
		db_bind_int64(ins, 2, run_id);
		db_bind_int64(ins, 3, sums[i].n);
		db_bind_double(ins, 4, sums[i].mean);
		db_bind_double(ins, 5, sums[i].stddev);
		db_bind_double(ins, 6, sums[i].median);
		db_bind_double(ins, 7, sums[i].min);
		db_bind_double(ins, 8, sums[i].max);
		if (db_step(ins) != DB_DONE)
			result = store_fail(store, "describe a run");
	}
	db_bind_int64(mark, 1, run_id);
	if (result == STORE_OK && db_step(mark) != DB_DONE)
		result = store_fail(store, "mark a run described");
done:
	db_finalize(ins);
	db_finalize(mark);
	if (result == STORE_OK)
		return store_commit(store);
	store_rollback(store);
	return result;
}

int store_run_stats_of(struct store *store, const int64_t *run_ids, size_t nruns,
		       const char *benchmark, store_summary_fn fn, void *ctx)
{
	struct db_stmt *stmt;
	size_t k = 0;
	int rc, result = STORE_OK;
	if (nruns == 0)
		return STORE_OK;
	/* One range of the primary key; the wanted runs are picked by a merge. */
	if (!(stmt = store_prepare(store, "SELECT run_id, n, mean, stddev, median, min, max"
					  " FROM run_stats WHERE benchmark = ?1 AND run_id >= ?2"
					  " AND run_id <= ?3 ORDER BY run_id")))
		return STORE_ERROR;
	db_bind_text(stmt, 1, benchmark, -1);
	db_bind_int64(stmt, 2, run_ids[0]);
	db_bind_int64(stmt, 3, run_ids[nruns - 1]);
	while ((rc = db_step(stmt)) == DB_ROW) {
		int64_t id = db_column_int64(stmt, 0);
		struct store_run_summary s;
		while (k < nruns && run_ids[k] < id)
			k++;
		if (k == nruns)
			break;
		if (run_ids[k] != id)
			continue;
		s = (struct store_run_summary){
			.benchmark = benchmark,
			.n = db_column_int64(stmt, 1),
			.mean = db_column_double(stmt, 2),
			.stddev = db_column_double(stmt, 3),
			.median = db_column_double(stmt, 4),
			.min = db_column_double(stmt, 5),
			.max = db_column_double(stmt, 6),
		};
		if ((result = fn(ctx, id, &s)))
			break;
	}
	if (result == STORE_OK && rc != DB_ROW && rc != DB_DONE)
		result = store_fail(store, "read run statistics");
	db_finalize(stmt);
	return result;
}
