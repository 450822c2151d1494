/* The runs the views start from: the newest done run of the store and of a
 * commit (an excluded run is none: exclusions.c), the commits that have one,
 * and a commit's newest run in any state. A bisection's run (its revision
 * "bisect/<id>") is never `latest`: it measured a commit off the branch's
 * benchmarked line, not the newest state of the branch. */
#include <stdio.h>
#include <stdlib.h>

#include "store/internal.h"
#include "util/array.h"

static int select_id(struct store *store, int64_t *id, const char *sql, const char *param)
{
	struct db_stmt *stmt = store_prepare(store, sql);
	int rc, result;
	if (!stmt)
		return STORE_ERROR;
	if (param)
		db_bind_text(stmt, 1, param, -1);
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		*id = db_column_int64(stmt, 0);
		result = STORE_OK;
	} else if (rc == DB_DONE) {
		result = STORE_NOTFOUND;
	} else {
		result = store_fail(store, "select run");
	}
	db_finalize(stmt);
	return result;
}

int store_latest_done(struct store *store, int64_t *id)
{
	return select_id(store, id,
			 "SELECT id FROM runs WHERE state = 'done'"
			 " AND revision NOT LIKE 'bisect/%'"
			 " AND id NOT IN (SELECT run_id FROM exclusions) ORDER BY id DESC LIMIT 1",
			 NULL);
}

int store_commit_latest_done(struct store *store, int64_t *id, const char *commit)
{
	return select_id(store, id,
			 "SELECT id FROM runs WHERE commit_sha = ? AND state = 'done'"
			 " AND id NOT IN (SELECT run_id FROM exclusions) ORDER BY id DESC LIMIT 1",
			 commit);
}

int store_commit_latest(struct store *store, int64_t *id, const char *commit)
{
	return select_id(store, id, "SELECT id FROM runs WHERE commit_sha = ? ORDER BY id DESC LIMIT 1",
			 commit);
}

int store_done_commits(struct store *store, char (**hashes)[STORE_HASH_LEN + 1], size_t *n)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT DISTINCT commit_sha FROM runs"
						  " WHERE state = 'done'"
						  " AND id NOT IN (SELECT run_id FROM exclusions)"
						  " ORDER BY commit_sha");
	char(*list)[STORE_HASH_LEN + 1] = NULL;
	size_t count = 0, cap = 0;
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	while ((rc = db_step(stmt)) == DB_ROW) {
		const unsigned char *text = db_column_text(stmt, 0);
		if (ALLOC_GROW(list, count + 1, cap)) {
			result = store_nomem(store);
			break;
		}
		snprintf(list[count++], STORE_HASH_LEN + 1, "%s", text ? (const char *)text : "");
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "list commits");
	db_finalize(stmt);
	if (result) {
		free(list);
		return result;
	}
	*hashes = list;
	*n = count;
	return STORE_OK;
}
