/* Bisections (store.h): their rows, and their runs, which the revision
 * "bisect/<id>" marks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/array.h"
#include "util/clock.h"

#define BISECTION_COLUMNS                                                              \
	"id, benchmark, metric, good, bad, config, state, coalesce(culprit, ''), runs," \
	" detail, created_ns, updated_ns"

static void copy_hash(char *out, struct db_stmt *stmt, int col)
{
	const unsigned char *text = db_column_text(stmt, col);
	snprintf(out, STORE_HASH_LEN + 1, "%s", text ? (const char *)text : "");
}

static int bisection_from_row(struct store *store, struct store_bisection *b, struct db_stmt *stmt)
{
	memset(b, 0, sizeof(*b));
	b->id = db_column_int64(stmt, 0);
	b->benchmark = store_column_dup(stmt, 1);
	b->metric = store_column_dup(stmt, 2);
	copy_hash(b->good, stmt, 3);
	copy_hash(b->bad, stmt, 4);
	b->config = store_column_dup(stmt, 5);
	b->state = store_column_dup(stmt, 6);
	copy_hash(b->culprit, stmt, 7);
	b->runs = store_column_dup(stmt, 8);
	b->detail = store_column_dup(stmt, 9);
	b->created_ns = db_column_int64(stmt, 10);
	b->updated_ns = db_column_int64(stmt, 11);
	if (!b->benchmark || !b->metric || !b->config || !b->state || !b->runs || !b->detail) {
		store_bisection_clear(b);
		return store_refuse(store, STORE_NOMEM, "out of memory");
	}
	return STORE_OK;
}

void store_bisection_clear(struct store_bisection *b)
{
	free(b->benchmark);
	free(b->metric);
	free(b->config);
	free(b->state);
	free(b->runs);
	free(b->detail);
	memset(b, 0, sizeof(*b));
}

void store_bisections_free(struct store_bisection *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_bisection_clear(&list[i]);
	free(list);
}

/* The one row stmt selects (its parameters bound). */
static int bisection_one(struct store *store, struct store_bisection *out, struct db_stmt *stmt)
{
	int rc = db_step(stmt), result;
	if (rc == DB_ROW)
		result = bisection_from_row(store, out, stmt);
	else if (rc == DB_DONE)
		result = STORE_NOTFOUND;
	else
		result = store_fail(store, "read bisection");
	db_finalize(stmt);
	return result;
}

int store_bisection_get(struct store *store, struct store_bisection *out, int64_t id)
{
	struct db_stmt *stmt =
		store_prepare(store, "SELECT " BISECTION_COLUMNS " FROM bisections WHERE id = ?");
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, id);
	return bisection_one(store, out, stmt);
}

int store_bisection_find(struct store *store, struct store_bisection *out, const char *benchmark,
			 const char *metric, const char *good, const char *bad)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT " BISECTION_COLUMNS " FROM bisections"
						  " WHERE benchmark = ? AND metric = ?"
						  " AND good = ? AND bad = ?");
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, benchmark, -1);
	db_bind_text(stmt, 2, metric, -1);
	db_bind_text(stmt, 3, good, -1);
	db_bind_text(stmt, 4, bad, -1);
	return bisection_one(store, out, stmt);
}

static int bisection_row(struct store *store, void *row, struct db_stmt *stmt)
{
	return bisection_from_row(store, row, stmt);
}

static void bisection_row_clear(void *row)
{
	store_bisection_clear(row);
}

int store_bisections_list(struct store *store, struct store_bisection **out, size_t *n)
{
	struct db_stmt *stmt =
		store_prepare(store, "SELECT " BISECTION_COLUMNS " FROM bisections ORDER BY id");
	return store_rows_collect(store, out, n, sizeof(**out), stmt, bisection_row,
				  bisection_row_clear, "list bisections");
}

int store_bisection_add(struct store *store, int64_t *id, bool *created, const char *benchmark,
			const char *metric, const char *good, const char *bad, const char *config)
{
	struct db_stmt *stmt;
	int64_t now = now_real_ns(), seq = 0;
	int result;
	*created = false;
	if ((result = store_begin(store)))
		return result;
	stmt = store_prepare(store, "INSERT INTO bisections (benchmark, metric, good, bad,"
				    " config, state, created_ns, updated_ns)"
				    " VALUES (?, ?, ?, ?, ?, 'running', ?, ?) ON CONFLICT DO NOTHING");
	if (!stmt) {
		result = STORE_ERROR;
		goto done;
	}
	db_bind_text(stmt, 1, benchmark, -1);
	db_bind_text(stmt, 2, metric, -1);
	db_bind_text(stmt, 3, good, -1);
	db_bind_text(stmt, 4, bad, -1);
	db_bind_text(stmt, 5, config, -1);
	db_bind_int64(stmt, 6, now);
	db_bind_int64(stmt, 7, now);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "add bisection");
	else
		*created = store_changes(store) > 0;
	db_finalize(stmt);
	/* A new bisection is a new entry of bisect/ (its listing follows the
	 * change number). */
	if (result == STORE_OK && *created && (result = store_bump_seq(store, &seq)) == STORE_OK)
		result = store_mark_results_changed(store, seq);
	if (result)
		goto done;
	stmt = store_prepare(store, "SELECT id FROM bisections WHERE benchmark = ? AND metric = ?"
				    " AND good = ? AND bad = ?");
	if (!stmt) {
		result = STORE_ERROR;
		goto done;
	}
	db_bind_text(stmt, 1, benchmark, -1);
	db_bind_text(stmt, 2, metric, -1);
	db_bind_text(stmt, 3, good, -1);
	db_bind_text(stmt, 4, bad, -1);
	if (db_step(stmt) == DB_ROW)
		*id = db_column_int64(stmt, 0);
	else
		result = store_fail(store, "find bisection");
	db_finalize(stmt);
done:
	if (result) {
		store_rollback(store);
		return result;
	}
	return store_commit(store);
}

int store_bisection_update(struct store *store, int64_t id, const char *state,
			   const char *culprit, const char *runs, const char *detail)
{
	struct db_stmt *stmt;
	int64_t seq = 0;
	int result;
	if ((result = store_begin(store)))
		return result;
	stmt = store_prepare(store, "UPDATE bisections SET state = ?, culprit = nullif(?, ''),"
				    " runs = ?, detail = ?, updated_ns = ? WHERE id = ?");
	if (!stmt) {
		result = STORE_ERROR;
		goto done;
	}
	db_bind_text(stmt, 1, state, -1);
	db_bind_text(stmt, 2, culprit, -1);
	db_bind_text(stmt, 3, runs, -1);
	db_bind_text(stmt, 4, detail, -1);
	db_bind_int64(stmt, 5, now_real_ns());
	db_bind_int64(stmt, 6, id);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "update bisection");
	else if (store_changes(store) == 0)
		result = store_refuse(store, STORE_NOTFOUND, "no bisection %lld", (long long)id);
	db_finalize(stmt);
	/* The regressions file names a culprit from here. */
	if (result == STORE_OK && (result = store_bump_seq(store, &seq)) == STORE_OK)
		result = store_mark_results_changed(store, seq);
done:
	if (result) {
		store_rollback(store);
		return result;
	}
	return store_commit(store);
}

static const char *const state_names[] = {"queued", "building", "running", "done", "failed"};

int store_bisection_runs(struct store *store, struct store_run **runs, size_t *n, int64_t id)
{
	struct db_stmt *stmt = store_prepare(
		store, "SELECT id, revision, commit_sha, state, detail, seq, created_ns, updated_ns,"
		       " started_ns, finished_ns, attempts, pair_id FROM runs"
		       " WHERE revision = ? ORDER BY id");
	struct store_run *list = NULL;
	size_t count = 0, cap = 0;
	char revision[64];
	int rc, result = STORE_OK;
	*runs = NULL;
	*n = 0;
	if (!stmt)
		return STORE_ERROR;
	snprintf(revision, sizeof(revision), STORE_BISECT_REVISION "%lld", (long long)id);
	db_bind_text(stmt, 1, revision, -1);
	while ((rc = db_step(stmt)) == DB_ROW) {
		struct store_run *r;
		const unsigned char *state = db_column_text(stmt, 3);
		if (ALLOC_GROW(list, count + 1, cap)) {
			result = store_nomem(store);
			break;
		}
		r = &list[count++];
		memset(r, 0, sizeof(*r));
		r->id = db_column_int64(stmt, 0);
		r->revision = store_column_dup(stmt, 1);
		copy_hash(r->commit, stmt, 2);
		r->state = RUN_FAILED;
		for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
			if (state && strcmp((const char *)state, state_names[i]) == 0)
				r->state = (enum run_state)i;
		r->detail = store_column_dup(stmt, 4);
		r->seq = db_column_int64(stmt, 5);
		r->created_ns = db_column_int64(stmt, 6);
		r->updated_ns = db_column_int64(stmt, 7);
		r->started_ns = db_column_int64(stmt, 8);
		r->finished_ns = db_column_int64(stmt, 9);
		r->attempts = db_column_int(stmt, 10);
		r->pair_id = db_column_int64(stmt, 11);
		r->config = strdup("");
		r->host = strdup("");
		if (!r->revision || !r->detail || !r->config || !r->host) {
			result = store_nomem(store);
			break;
		}
	}
	if (result == STORE_OK && rc != DB_DONE && rc != DB_ROW)
		result = store_fail(store, "list bisection runs");
	db_finalize(stmt);
	if (result) {
		store_runs_free(list, count);
		return result;
	}
	*runs = list;
	*n = count;
	return STORE_OK;
}

/* Every id sql selects (?1 the bound text, when not NULL; ?2 likewise). */
static int select_ids(struct store *store, int64_t **ids, size_t *n, const char *sql,
		      const char *p1, const char *p2)
{
	struct db_stmt *stmt = store_prepare(store, sql);
	if (stmt && p1)
		db_bind_text(stmt, 1, p1, -1);
	if (stmt && p2)
		db_bind_text(stmt, 2, p2, -1);
	return store_rows_collect(store, ids, n, sizeof(**ids), stmt, store_id_row, NULL,
				  "list runs");
}

int store_commit_done_runs(struct store *store, int64_t **ids, size_t *n, const char *commit,
			   const char *host)
{
	return select_ids(store, ids, n,
			  host ? "SELECT id FROM runs WHERE commit_sha = ?1 AND host = ?2"
				 " AND state = 'done' AND revision NOT LIKE 'bisect/%'"
				 " AND id NOT IN (SELECT run_id FROM exclusions) ORDER BY id"
			       : "SELECT id FROM runs WHERE commit_sha = ?1"
				 " AND state = 'done' AND revision NOT LIKE 'bisect/%'"
				 " AND id NOT IN (SELECT run_id FROM exclusions) ORDER BY id",
			  commit, host);
}

static int cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

#define BISECT_RUNS_SQL(HINT) \
	"SELECT id FROM runs" HINT("runs_by_revision") " WHERE revision LIKE 'bisect/%'"

int store_done_runs_drop_bisect(struct store *store, struct store_done_run *runs, size_t *n)
{
	int64_t *ids = NULL;
	size_t nids = 0, kept = 0;
	/* Through the partial index, sorted here: with ORDER BY id SQLite
	 * walks the whole table in id order instead (every run's pages, 20,000
	 * reads at 20,000 runs, for the few bisection runs). */
	int result = select_ids(store, &ids, &nids,
				store_sql(store, BISECT_RUNS_SQL(STORE_INDEXED_BY),
					  BISECT_RUNS_SQL(STORE_NO_INDEX_HINT)),
				NULL, NULL);
	if (result || nids == 0) {
		free(ids);
		return result;
	}
	qsort(ids, nids, sizeof(*ids), cmp_int64);
	for (size_t i = 0; i < *n; i++)
		if (!bsearch(&runs[i].id, ids, nids, sizeof(*ids), cmp_int64))
			runs[kept++] = runs[i];
	*n = kept;
	free(ids);
	return STORE_OK;
}
