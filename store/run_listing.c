/* The listing of runs/: every run's few columns its directory entry shows,
 * in one query, so that listing thousands of runs with their attributes
 * costs one statement, not one a run. */
#include <string.h>

#include "store/internal.h"

static int entry_row(struct store *store, void *row, struct db_stmt *stmt)
{
	struct store_run_entry *e = row;
	(void)store;
	memset(e, 0, sizeof(*e));
	e->id = db_column_int64(stmt, 0);
	e->state = store_run_state_parse(db_column_text(stmt, 1));
	e->created_ns = db_column_int64(stmt, 2);
	return STORE_OK;
}

int store_run_listing(struct store *store, struct store_run_entry **out, size_t *n)
{
	/* Only columns stored before the large ones (config, system, result):
	 * reading one after them would walk every run's overflow pages. */
	struct db_stmt *stmt = store_prepare(store, "SELECT id, state, created_ns FROM runs ORDER BY id");
	return store_rows_collect(store, out, n, sizeof(**out), stmt, entry_row, NULL,
				  "list runs");
}

int store_run_listing_span(struct store *store, int64_t *count, int64_t *max_id)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT count(*), coalesce(max(id), 0) FROM runs");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	if (db_step(stmt) == DB_ROW) {
		*count = db_column_int64(stmt, 0);
		*max_id = db_column_int64(stmt, 1);
	} else {
		result = store_fail(store, "count runs");
	}
	db_finalize(stmt);
	return result;
}
