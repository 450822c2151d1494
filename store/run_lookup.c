/* The few done runs a comparison stands on, each looked up through an index
 * (store.h, "Lookups of one host's done runs"): what store_done_runs lists
 * of a host (done, of that host, not excluded), one question at a time, so
 * that a compare costs the same over ten runs as over a hundred thousand.
 *
 * host sits after the large result column in a row of runs (it was added
 * later), so a condition on it read from the table walks the row's overflow
 * pages: it is read from the covering index runs_done_by_host instead, and
 * a run's commit from runs_by_commit. INDEXED BY holds SQLite to those (on
 * an id equality it would otherwise take the table's own key), CROSS JOIN
 * to the order that starts from the commit; EXPLAIN QUERY PLAN shows no
 * SCAN of runs for any statement here. */
#include <stdlib.h>

#include "store/internal.h"

/* Each statement with its index hints as an argument (STORE_INDEXED_BY for
 * SQLite, none for PostgreSQL). */
#define COMMIT_RUNS_SQL(HINT)                                                   \
	"SELECT c.id FROM runs c" HINT("runs_by_commit")                        \
	" CROSS JOIN runs h" HINT("runs_done_by_host")                          \
	" WHERE c.commit_sha = ?1 AND c.state = 'done'"                         \
	" AND h.host = ?2 AND h.state = 'done' AND h.id = c.id"                 \
	" AND c.id NOT IN (SELECT run_id FROM exclusions)"                      \
	" ORDER BY c.id"
#define NEWEST_PAIR_SQL(HINT)                                                   \
	"SELECT a.id, a.pair_id FROM runs c" HINT("runs_by_commit")             \
	" CROSS JOIN runs a" HINT("runs_done_by_host")                          \
	" CROSS JOIN runs b" HINT("runs_done_by_host")                          \
	" WHERE c.commit_sha = ?1 AND c.state = 'done'"                         \
	" AND a.host = ?3 AND a.state = 'done' AND a.id = c.id"                 \
	" AND a.pair_id != 0"                                                   \
	" AND b.host = ?3 AND b.state = 'done' AND b.id = a.pair_id"            \
	" AND b.commit_sha = ?2"                                                \
	" AND a.id NOT IN (SELECT run_id FROM exclusions)"                      \
	" AND b.id NOT IN (SELECT run_id FROM exclusions)"                      \
	" ORDER BY c.id DESC LIMIT 1"
/* The runs of a JSON array of ids: SQLite seeks each in the index;
 * PostgreSQL gets them as an array (= ANY), seeks of the key, where it may
 * join an IN (SELECT ...) to a scan of the table. */
#define DONE_RUNS_SQL(HINT, IDS)                                                \
	"SELECT id, commit_sha, finished_ns, pair_id, build_id"                 \
	" FROM runs" HINT("runs_done_by_host")                                  \
	" WHERE host = ?2 AND state = 'done' AND id " IDS                       \
	" AND id NOT IN (SELECT run_id FROM exclusions)"
#define IDS_IN "IN (SELECT value FROM json_each(?1))"
#define IDS_ANY "= ANY (ARRAY(SELECT value FROM json_each(?1)))"
#define SOLO_RUNS_SQL(HINT)                                                     \
	"SELECT id FROM runs" HINT("runs_done_by_host")                         \
	" WHERE host = ?1 AND state = 'done' AND pair_id = 0"                   \
	" AND id NOT IN (SELECT run_id FROM exclusions)"                        \
	" AND id NOT IN (SELECT id FROM runs WHERE revision LIKE 'bisect/%')"   \
	" ORDER BY id DESC LIMIT ?2"

/* The views always pass this host's name; all hosts is store_done_runs' case. */
static int need_host(struct store *store, const char *host)
{
	return host ? STORE_OK : store_refuse(store, STORE_ERROR, "run lookup: no host given");
}

int store_host_commit_runs(struct store *store, int64_t **ids, size_t *n, const char *commit,
			   const char *host)
{
	struct db_stmt *stmt;
	int rc;
	*ids = NULL;
	*n = 0;
	if ((rc = need_host(store, host)))
		return rc;
	stmt = store_prepare(store, store_sql(store, COMMIT_RUNS_SQL(STORE_INDEXED_BY),
					      COMMIT_RUNS_SQL(STORE_NO_INDEX_HINT)));
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, commit, -1);
	db_bind_text(stmt, 2, host, -1);
	return store_rows_collect(store, ids, n, sizeof(**ids), stmt, store_id_row, NULL,
				  "list a commit's done runs");
}

int store_host_newest_pair(struct store *store, int64_t ids[2], const char *commit_a,
			   const char *commit_b, const char *host)
{
	struct db_stmt *stmt;
	int rc, result;
	if ((rc = need_host(store, host)))
		return rc;
	/* From commit a's runs, newest first: the first whose pair is a run of
	 * commit b, both done on host and neither excluded. */
	stmt = store_prepare(store, store_sql(store, NEWEST_PAIR_SQL(STORE_INDEXED_BY),
					      NEWEST_PAIR_SQL(STORE_NO_INDEX_HINT)));
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, commit_a, -1);
	db_bind_text(stmt, 2, commit_b, -1);
	db_bind_text(stmt, 3, host, -1);
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		ids[0] = db_column_int64(stmt, 0);
		ids[1] = db_column_int64(stmt, 1);
		result = STORE_OK;
	} else if (rc == DB_DONE) {
		result = STORE_NOTFOUND;
	} else {
		result = store_fail(store, "find the newest pair");
	}
	db_finalize(stmt);
	return result;
}

int store_host_done_runs_get(struct store *store, struct store_done_run *out, bool *found,
			     const int64_t *ids, size_t n, const char *host)
{
	struct store_done_run run;
	struct db_stmt *stmt = NULL;
	char *json = NULL;
	int rc, result;
	if ((result = need_host(store, host)))
		return result;
	for (size_t i = 0; i < n; i++)
		found[i] = false;
	if (!n)
		return STORE_OK;
	/* One statement for all of them (a round trip each to a server). */
	if ((result = store_prepare_for_runs(
		     &stmt, store, &json,
		     store_sql(store, DONE_RUNS_SQL(STORE_INDEXED_BY, IDS_IN),
			       DONE_RUNS_SQL(STORE_NO_INDEX_HINT, IDS_ANY)),
		     ids, n)))
		return result;
	db_bind_text(stmt, 2, host, -1);
	while (result == STORE_OK && (rc = db_step(stmt)) == DB_ROW) {
		if ((result = store_done_run_row(store, &run, stmt)))
			break;
		/* Each place that asked for it (ids may repeat). */
		for (size_t i = 0; i < n; i++)
			if (ids[i] == run.id) {
				out[i] = run;
				found[i] = true;
			}
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "get done runs");
	db_finalize(stmt);
	free(json);
	return result;
}

int store_host_solo_runs(struct store *store, int64_t **ids, size_t *n, size_t max,
			 const char *host)
{
	struct db_stmt *stmt;
	int64_t *list;
	int rc;
	*ids = NULL;
	*n = 0;
	if ((rc = need_host(store, host)))
		return rc;
	/* Newest first from the end of the host's index, stopping at max; the
	 * bisections' runs come from their partial index (a few). */
	stmt = store_prepare(store, store_sql(store, SOLO_RUNS_SQL(STORE_INDEXED_BY),
					      SOLO_RUNS_SQL(STORE_NO_INDEX_HINT)));
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, host, -1);
	db_bind_int64(stmt, 2, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	if ((rc = store_rows_collect(store, ids, n, sizeof(**ids), stmt, store_id_row, NULL,
				     "list the newest solo runs")))
		return rc;
	list = *ids;
	for (size_t i = 0, j = *n; i + 1 < j; i++, j--) {
		int64_t t = list[i];
		list[i] = list[j - 1];
		list[j - 1] = t;
	}
	return STORE_OK;
}
