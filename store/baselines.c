/* Baselines: names pinned to a commit. Every change bumps the change number,
 * so the views that show baselines are recomputed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/array.h"
#include "util/clock.h"

/* One statement with a fresh change number, in its own transaction. */
static int baseline_write(struct store *store, const char *sql, const char *name,
			  const char *revision, const char *commit, const char *what)
{
	sqlite3_stmt *stmt = NULL;
	int64_t seq = 0;
	int result = store_begin(store);
	if (result)
		return result;
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	if (!(stmt = store_prepare(store, sql))) {
		result = STORE_ERROR;
		goto fail;
	}
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	if (revision) {
		sqlite3_bind_text(stmt, 2, revision, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, commit, -1, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 4, now_real_ns());
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		result = store_fail(store, what);
		goto fail;
	}
	if (sqlite3_changes(store->db) == 0) {
		result = store_refuse(store, STORE_NOTFOUND, "no baseline %s", name);
		goto fail;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	if ((result = store_mark_results_changed(store, seq)))
		goto fail;
	return store_commit(store);
fail:
	sqlite3_finalize(stmt);
	store_rollback(store);
	return result;
}

int store_baseline_set(struct store *store, const char *name, const char *revision,
		       const char *commit)
{
	if (strlen(name) > STORE_BASELINE_NAME_MAX)
		return store_refuse(store, STORE_ERROR, "baseline name too long");
	return baseline_write(store,
			      "INSERT OR REPLACE INTO baselines (name, revision, commit_sha,"
			      " created_ns) VALUES (?, ?, ?, ?)",
			      name, revision, commit, "pin baseline");
}

int store_baseline_delete(struct store *store, const char *name)
{
	return baseline_write(store, "DELETE FROM baselines WHERE name = ?", name, NULL, NULL,
			      "unpin baseline");
}

static void baseline_from_row(struct store_baseline *b, sqlite3_stmt *stmt)
{
	const unsigned char *name = sqlite3_column_text(stmt, 0);
	const unsigned char *commit = sqlite3_column_text(stmt, 1);
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name ? (const char *)name : "");
	snprintf(b->commit, sizeof(b->commit), "%s", commit ? (const char *)commit : "");
	b->created_ns = sqlite3_column_int64(stmt, 2);
}

int store_baseline_get(struct store *store, struct store_baseline *out, const char *name)
{
	sqlite3_stmt *stmt = store_prepare(store, "SELECT name, commit_sha, created_ns"
						  " FROM baselines WHERE name = ?");
	int rc, result;
	if (!stmt)
		return STORE_ERROR;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		baseline_from_row(out, stmt);
		result = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		result = STORE_NOTFOUND;
	} else {
		result = store_fail(store, "get baseline");
	}
	sqlite3_finalize(stmt);
	return result;
}

int store_baselines_list(struct store *store, struct store_baseline **out, size_t *n)
{
	sqlite3_stmt *stmt = store_prepare(store, "SELECT name, commit_sha, created_ns"
						  " FROM baselines ORDER BY name");
	struct store_baseline *list = NULL;
	size_t count = 0, cap = 0;
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (ALLOC_GROW(list, count + 1, cap)) {
			result = store_nomem(store);
			break;
		}
		baseline_from_row(&list[count++], stmt);
	}
	if (result == STORE_OK && rc != SQLITE_DONE)
		result = store_fail(store, "list baselines");
	sqlite3_finalize(stmt);
	if (result) {
		free(list);
		return result;
	}
	*out = list;
	*n = count;
	return STORE_OK;
}
