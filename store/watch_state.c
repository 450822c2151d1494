/* The watched branches' state (store.h, "watched branches"): one row per
 * remote and branch, written whole after each fetch. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

void store_watch_clear(struct store_watch *w)
{
	if (!w)
		return;
	free(w->remote);
	free(w->branch);
	free(w->result);
	free(w->error);
	memset(w, 0, sizeof(*w));
}

void store_watch_free(struct store_watch *ws, size_t n)
{
	for (size_t i = 0; ws && i < n; i++)
		store_watch_clear(&ws[i]);
	free(ws);
}

#define WATCH_COLUMNS "remote, branch, fetched_ns, result, tip, queued, next_ns, error, error_ns, failures"

static int watch_row(struct store *store, struct store_watch *w, struct db_stmt *stmt)
{
	const unsigned char *tip = db_column_text(stmt, 4);
	memset(w, 0, sizeof(*w));
	w->remote = store_column_dup(stmt, 0);
	w->branch = store_column_dup(stmt, 1);
	w->fetched_ns = db_column_int64(stmt, 2);
	w->result = store_column_dup(stmt, 3);
	if (tip && strlen((const char *)tip) == STORE_HASH_LEN)
		memcpy(w->tip, tip, STORE_HASH_LEN + 1);
	w->queued = db_column_int64(stmt, 5);
	w->next_ns = db_column_int64(stmt, 6);
	w->error = store_column_dup(stmt, 7);
	w->error_ns = db_column_int64(stmt, 8);
	w->failures = db_column_int64(stmt, 9);
	if (!w->remote || !w->branch || !w->result || !w->error) {
		store_watch_clear(w);
		return store_refuse(store, STORE_NOMEM, "out of memory");
	}
	return STORE_OK;
}

int store_watch_get(struct store *store, struct store_watch *out, const char *remote,
		    const char *branch)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT " WATCH_COLUMNS
					   " FROM watch_branches WHERE remote = ? AND branch = ?");
	int rc, result;
	memset(out, 0, sizeof(*out));
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, remote, -1);
	db_bind_text(stmt, 2, branch, -1);
	rc = db_step(stmt);
	if (rc == DB_ROW)
		result = watch_row(store, out, stmt);
	else if (rc == DB_DONE)
		result = STORE_NOTFOUND;
	else
		result = store_fail(store, "read watched branch");
	db_finalize(stmt);
	return result;
}

int store_watch_put(struct store *store, const struct store_watch *w)
{
	struct db_stmt *stmt;
	int result;
	if ((result = store_begin(store)))
		return result;
	stmt = store_prepare(store, "INSERT INTO watch_branches (" WATCH_COLUMNS
			     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (remote, branch)"
			     " DO UPDATE SET fetched_ns = excluded.fetched_ns, result = excluded.result,"
			     " tip = excluded.tip, queued = excluded.queued, next_ns = excluded.next_ns,"
			     " error = excluded.error, error_ns = excluded.error_ns,"
			     " failures = excluded.failures");
	if (!stmt) {
		store_rollback(store);
		return STORE_ERROR;
	}
	db_bind_text(stmt, 1, w->remote, -1);
	db_bind_text(stmt, 2, w->branch, -1);
	db_bind_int64(stmt, 3, w->fetched_ns);
	db_bind_text(stmt, 4, w->result ? w->result : "", -1);
	db_bind_text(stmt, 5, w->tip, -1);
	db_bind_int64(stmt, 6, w->queued);
	db_bind_int64(stmt, 7, w->next_ns);
	db_bind_text(stmt, 8, w->error ? w->error : "", -1);
	db_bind_int64(stmt, 9, w->error_ns);
	db_bind_int64(stmt, 10, w->failures);
	if (db_step(stmt) != DB_DONE) {
		result = store_fail(store, "write watched branch");
		db_finalize(stmt);
		store_rollback(store);
		return result;
	}
	db_finalize(stmt);
	return store_commit(store);
}

static int watch_row_fill(struct store *store, void *row, struct db_stmt *stmt)
{
	return watch_row(store, row, stmt);
}

static void watch_row_clear(void *row)
{
	store_watch_clear(row);
}

int store_watch_list(struct store *store, struct store_watch **out, size_t *n)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT " WATCH_COLUMNS
					   " FROM watch_branches ORDER BY remote, branch");
	return store_rows_collect(store, out, n, sizeof(**out), stmt, watch_row_fill,
				  watch_row_clear, "list watched branches");
}
