/* Computed views kept across restarts (store.h, "kept views"): a view's
 * text as it was at one results change number. Only rows of the current
 * number can ever be served, so a put drops the others: the table holds one
 * generation, a few rows per tracked branch tip. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

int store_view_get(struct store *store, char **text, size_t *len, const char *key, int64_t seq)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT body FROM kept_views"
						  " WHERE key = ?1 AND seq = ?2");
	int result = STORE_NOTFOUND, step;
	*text = NULL;
	*len = 0;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, key, -1);
	db_bind_int64(stmt, 2, seq);
	if ((step = db_step(stmt)) == DB_ROW) {
		const void *body = db_column_blob(stmt, 0);
		size_t n = (size_t)db_column_bytes(stmt, 0);
		/* A text: the caller gets it terminated. */
		if (!(*text = malloc(n + 1))) {
			result = store_refuse(store, STORE_NOMEM, "out of memory");
		} else {
			if (n)
				memcpy(*text, body, n);
			(*text)[n] = '\0';
			*len = n;
			result = STORE_OK;
		}
	} else if (step != DB_DONE) {
		result = store_fail(store, "read a kept view");
	}
	db_finalize(stmt);
	return result;
}

int store_view_put(struct store *store, const char *key, int64_t seq, const char *text,
		   size_t len)
{
	struct db_stmt *put = NULL, *drop = NULL;
	int64_t now = 0;
	int result;
	if ((result = store_begin(store)))
		return result;
	/* Results that changed while the view was computed make it stale at
	 * once: nothing to keep. */
	if ((result = store_select_int64(store, &now,
					 "SELECT value FROM meta WHERE key = 'views_seq'",
					 "read views change number")) ||
	    now != seq)
		goto done;
	if (!(drop = store_prepare(store, "DELETE FROM kept_views WHERE seq <> ?1")) ||
	    !(put = store_prepare(store, "INSERT INTO kept_views (key, seq, body)"
					 " VALUES (?1, ?2, ?3) ON CONFLICT (key)"
					 " DO UPDATE SET seq = excluded.seq, body = excluded.body"))) {
		result = STORE_ERROR;
		goto done;
	}
	db_bind_int64(drop, 1, seq);
	db_bind_text(put, 1, key, -1);
	db_bind_int64(put, 2, seq);
	db_bind_blob(put, 3, text, len);
	if (db_step(drop) != DB_DONE)
		result = store_fail(store, "drop stale kept views");
	else if (db_step(put) != DB_DONE)
		result = store_fail(store, "keep a view");
done:
	db_finalize(drop);
	db_finalize(put);
	if (result == STORE_OK)
		return store_commit(store);
	store_rollback(store);
	return result;
}
