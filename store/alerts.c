/* The alerts' triage (store.h): one row per alert id whose state someone set
 * or that the daemon notified, and the history of its state changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/array.h"

static void copy_text(char *dst, size_t size, struct db_stmt *stmt, int col)
{
	const unsigned char *s = db_column_text(stmt, col);
	snprintf(dst, size, "%s", s ? (const char *)s : "");
}

static int alert_from_row(struct store *store, struct store_alert *a, struct db_stmt *stmt)
{
	const unsigned char *line = db_column_text(stmt, 8);
	memset(a, 0, sizeof(*a));
	copy_text(a->id, sizeof(a->id), stmt, 0);
	copy_text(a->commit, sizeof(a->commit), stmt, 1);
	copy_text(a->benchmark, sizeof(a->benchmark), stmt, 2);
	copy_text(a->state, sizeof(a->state), stmt, 3);
	copy_text(a->fixed, sizeof(a->fixed), stmt, 4);
	a->uid = db_column_int64(stmt, 5);
	a->changed_ns = db_column_int64(stmt, 6);
	a->notified_ns = db_column_int64(stmt, 7);
	if (!(a->line = strdup(line ? (const char *)line : "")))
		return store_nomem(store);
	return STORE_OK;
}

#define ALERT_COLUMNS                                                                          \
	"id, commit_sha, benchmark, state, fixed_sha, uid, changed_ns, notified_ns, line"

/* A row for a with its description, in state new when there was none. */
static int alert_upsert(struct store *store, const struct store_alert *a)
{
	struct db_stmt *stmt = store_prepare(
		store, "INSERT INTO alerts (id, commit_sha, benchmark, state, line)"
		       " VALUES (?, ?, ?, 'new', ?) ON CONFLICT (id) DO UPDATE SET"
		       " commit_sha = excluded.commit_sha, benchmark = excluded.benchmark,"
		       " line = excluded.line");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, a->id, -1);
	db_bind_text(stmt, 2, a->commit, -1);
	db_bind_text(stmt, 3, a->benchmark, -1);
	db_bind_text(stmt, 4, a->line ? a->line : "", -1);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "record alert");
	db_finalize(stmt);
	return result;
}

static int bind_fixed(struct db_stmt *stmt, int col, const struct store_alert *a)
{
	return a->fixed[0] ? db_bind_text(stmt, col, a->fixed, -1)
			   : db_bind_null(stmt, col);
}

int store_alert_set_state(struct store *store, const struct store_alert *a)
{
	struct db_stmt *stmt = NULL;
	int64_t seq = 0;
	int result;
	if (strlen(a->id) != STORE_ALERT_ID_LEN)
		return store_refuse(store, STORE_ERROR, "alert id %s is not %d characters", a->id,
				    STORE_ALERT_ID_LEN);
	if ((result = store_begin(store)))
		return result;
	if ((result = store_bump_seq(store, &seq)) || (result = alert_upsert(store, a)))
		goto fail;
	if (!(stmt = store_prepare(store, "UPDATE alerts SET state = ?, fixed_sha = ?, uid = ?,"
					  " changed_ns = ? WHERE id = ?"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_text(stmt, 1, a->state, -1);
	bind_fixed(stmt, 2, a);
	db_bind_int64(stmt, 3, a->uid);
	db_bind_int64(stmt, 4, a->changed_ns);
	db_bind_text(stmt, 5, a->id, -1);
	if (db_step(stmt) != DB_DONE) {
		result = store_fail(store, "set alert state");
		goto fail;
	}
	db_finalize(stmt);
	if (!(stmt = store_prepare(store, "INSERT INTO alert_events (alert_id, state, fixed_sha,"
					  " uid, at_ns) VALUES (?, ?, ?, ?, ?)"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_text(stmt, 1, a->id, -1);
	db_bind_text(stmt, 2, a->state, -1);
	bind_fixed(stmt, 3, a);
	db_bind_int64(stmt, 4, a->uid);
	db_bind_int64(stmt, 5, a->changed_ns);
	if (db_step(stmt) != DB_DONE) {
		result = store_fail(store, "record alert state change");
		goto fail;
	}
	db_finalize(stmt);
	stmt = NULL;
	if ((result = store_mark_results_changed(store, seq)))
		goto fail;
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	return result;
}

int store_alert_set_notified(struct store *store, const struct store_alert *a,
			     int64_t notified_ns)
{
	struct db_stmt *stmt = NULL;
	int result;
	if (strlen(a->id) != STORE_ALERT_ID_LEN)
		return store_refuse(store, STORE_ERROR, "alert id %s is not %d characters", a->id,
				    STORE_ALERT_ID_LEN);
	if ((result = store_begin(store)))
		return result;
	if ((result = alert_upsert(store, a)))
		goto fail;
	if (!(stmt = store_prepare(store, "UPDATE alerts SET notified_ns = ? WHERE id = ?"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_int64(stmt, 1, notified_ns);
	db_bind_text(stmt, 2, a->id, -1);
	if (db_step(stmt) != DB_DONE) {
		result = store_fail(store, "mark alert notified");
		goto fail;
	}
	db_finalize(stmt);
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	return result;
}

int store_alert_get(struct store *store, struct store_alert *out, const char *id)
{
	struct db_stmt *stmt =
		store_prepare(store, "SELECT " ALERT_COLUMNS " FROM alerts WHERE id = ?");
	int result, step;
	memset(out, 0, sizeof(*out));
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, id, -1);
	if ((step = db_step(stmt)) == DB_ROW)
		result = alert_from_row(store, out, stmt);
	else if (step == DB_DONE)
		result = STORE_NOTFOUND;
	else
		result = store_fail(store, "read alert");
	db_finalize(stmt);
	return result;
}

static int alert_row(struct store *store, void *row, struct db_stmt *stmt)
{
	return alert_from_row(store, row, stmt);
}

static void alert_row_clear(void *row)
{
	store_alert_clear(row);
}

int store_alerts_list(struct store *store, struct store_alert **out, size_t *n)
{
	struct db_stmt *stmt =
		store_prepare(store, "SELECT " ALERT_COLUMNS " FROM alerts ORDER BY id");
	return store_rows_collect(store, out, n, sizeof(**out), stmt, alert_row, alert_row_clear,
				  "list alerts");
}

int store_alert_events(struct store *store, struct store_alert_event **out, size_t *n,
		       const char *id)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT state, fixed_sha, uid, at_ns"
						  " FROM alert_events WHERE alert_id = ?"
						  " ORDER BY seq");
	struct store_alert_event *list = NULL;
	size_t count = 0, alloc = 0;
	int result = STORE_OK, step;
	*out = NULL;
	*n = 0;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, id, -1);
	while (result == STORE_OK && (step = db_step(stmt)) == DB_ROW) {
		if (ALLOC_GROW(list, count + 1, alloc)) {
			result = store_nomem(store);
			break;
		}
		struct store_alert_event *e = &list[count++];
		memset(e, 0, sizeof(*e));
		copy_text(e->state, sizeof(e->state), stmt, 0);
		copy_text(e->fixed, sizeof(e->fixed), stmt, 1);
		e->uid = db_column_int64(stmt, 2);
		e->at_ns = db_column_int64(stmt, 3);
	}
	if (result == STORE_OK && step != DB_DONE)
		result = store_fail(store, "read alert history");
	db_finalize(stmt);
	if (result) {
		free(list);
		return result;
	}
	*out = list;
	*n = count;
	return STORE_OK;
}

void store_alert_clear(struct store_alert *a)
{
	free(a->line);
	a->line = NULL;
}

void store_alerts_free(struct store_alert *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++)
		store_alert_clear(&a[i]);
	free(a);
}
