/* Excluded runs: kept for audit, skipped by the computed views' queries. */

#include "store/internal.h"
#include "util/clock.h"

/* Inside a transaction: the run's other side of an A/B job (0 when none),
 * STORE_NOTFOUND for no such run, STORE_BUSY while either side is pending. */
static int exclusion_target(struct store *store, int64_t *pair_id, int64_t id)
{
	struct db_stmt *stmt = store_prepare(store,
		"SELECT r.pair_id, r.state IN ('queued','building','running')"
		" OR coalesce(p.state IN ('queued','building','running'), false)"
		" FROM runs r LEFT JOIN runs p ON p.id = r.pair_id AND r.pair_id != 0"
		" WHERE r.id = ?");
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, id);
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		*pair_id = db_column_int64(stmt, 0);
		if (db_column_int(stmt, 1))
			result = store_refuse(store, STORE_BUSY,
					      "run %lld is pending: it cannot be excluded",
					      (long long)id);
	} else if (rc == DB_DONE) {
		result = store_refuse(store, STORE_NOTFOUND, "no run %lld", (long long)id);
	} else {
		result = store_fail(store, "find run to exclude");
	}
	db_finalize(stmt);
	return result;
}

/* Inside a transaction: sql (?1 a run id, ?2 the reason, ?3 now, ?4 a
 * change number; those it has) on each of the two ids that are not 0;
 * *changed counts the rows it changed. */
static int exclusion_write(struct store *store, int *changed, const char *sql,
			   const int64_t ids[2], const char *reason, int64_t now, int64_t seq)
{
	struct db_stmt *stmt = store_prepare(store, sql);
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	for (int i = 0; i < 2 && result == STORE_OK; i++) {
		if (ids[i] == 0)
			continue;
		db_bind_int64(stmt, 1, ids[i]);
		if (db_bind_parameter_count(stmt) >= 2)
			db_bind_text(stmt, 2, reason, -1);
		if (db_bind_parameter_count(stmt) >= 3)
			db_bind_int64(stmt, 3, now);
		if (db_bind_parameter_count(stmt) >= 4)
			db_bind_int64(stmt, 4, seq);
		if (db_step(stmt) != DB_DONE)
			result = store_fail(store, "write exclusion");
		else
			*changed += store_changes(store);
		db_reset(stmt);
	}
	db_finalize(stmt);
	return result;
}

/* Inside a transaction: the runs' rows get a new change number (their
 * status shows the mark), and so do the views. */
static int exclusion_bump(struct store *store, const int64_t ids[2], int64_t now)
{
	int64_t seq = 0;
	int changed = 0, result;
	if ((result = store_bump_seq(store, &seq)))
		return result;
	if ((result = exclusion_write(store, &changed,
				      "UPDATE runs SET seq = ?4, updated_ns = ?3 WHERE id = ?1", ids,
				      NULL, now, seq)))
		return result;
	return store_mark_results_changed(store, seq);
}

/* Exclude (reason not NULL) or include run id and its A/B other side. */
static int exclusion_set(struct store *store, int64_t id, const char *reason)
{
	int64_t ids[2] = {id, 0}, now = now_real_ns();
	int changed = 0, result = store_begin(store);
	if (result)
		return result;
	if ((result = exclusion_target(store, &ids[1], id)))
		goto fail;
	result = reason ? exclusion_write(store, &changed,
					  "INSERT INTO exclusions (run_id, reason, excluded_ns)"
					  " VALUES (?1, ?2, ?3) ON CONFLICT (run_id) DO UPDATE"
					  " SET reason = excluded.reason, excluded_ns = excluded.excluded_ns",
					  ids, reason, now, 0)
			: exclusion_write(store, &changed,
					  "DELETE FROM exclusions WHERE run_id = ?1", ids, NULL, now,
					  0);
	if (result)
		goto fail;
	/* Including a run that is not excluded changes nothing. */
	if (changed && (result = exclusion_bump(store, ids, now)))
		goto fail;
	return store_commit(store);
fail:
	store_rollback(store);
	return result;
}

int store_run_exclude(struct store *store, int64_t id, const char *reason)
{
	return exclusion_set(store, id, reason ? reason : "");
}

int store_run_include(struct store *store, int64_t id)
{
	return exclusion_set(store, id, NULL);
}
