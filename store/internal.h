/* Shared by the store's own files; not part of its interface. */
#ifndef BENCHFS_STORE_INTERNAL_H
#define BENCHFS_STORE_INTERNAL_H

#include <stdbool.h>

#include "store/db.h"
#include "store/store.h"

struct store {
	const struct db_engine *engine;
	/* The engine's connection (sqlite3 *, PGconn *). */
	void *conn;
	char errmsg[512];
	/* store_open() is under way: its failures are the caller's to report
	 * (store.h), so they are not logged. */
	bool opening;
	/* The runner this connection writes for (store_set_owner): a run's
	 * progress and end apply only while it holds the run. */
	char owner[256];
};

/* Records the engine's last error message as "<what>: <message>", logs it
 * (except while opening) and returns STORE_NOSPACE for a full disk, else
 * STORE_ERROR. */
int store_fail(struct store *store, const char *what);
/* Records a message of the store's own and returns code; STORE_ERROR (a
 * call the store refuses as malformed) and STORE_NOMEM are logged too, as
 * store_fail does. */
int store_refuse(struct store *store, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepare sql; on failure records the error and returns NULL. */
struct db_stmt *store_prepare(struct store *store, const char *sql);
/* The text of a statement whose SQL differs between the engines. */
static inline const char *store_sql(const struct store *store, const char *sqlite,
				    const char *postgres)
{
	return store->engine->dialect == DB_POSTGRES ? postgres : sqlite;
}
/* Inside a transaction: runners waiting for jobs are woken at its commit
 * (PostgreSQL's NOTIFY; nothing to do in SQLite, whose one runner is woken
 * in-process). */
int store_notify_queue(struct store *store);
/* Rows changed by the last statement. */
static inline int64_t store_changes(struct store *store)
{
	return store->engine->changes(store);
}
int store_exec(struct store *store, const char *sql);
/* Run sql (a query or a statement with RETURNING) and read the first column
 * of its first row; what names the step in an error message. */
int store_select_int64(struct store *store, int64_t *out, const char *sql, const char *what);
/* The PostgreSQL advisory lock key of the store's write transactions. */
#define STORE_WRITE_LOCK "7442316"
/* Begin a write transaction, the store's write lock taken up front (see open.c). */
int store_begin(struct store *store);
int store_commit(struct store *store);
void store_rollback(struct store *store);
/* Increment the change number inside the current transaction; *seq receives the new value. */
int store_bump_seq(struct store *store, int64_t *seq);
/* Inside a transaction: the results (finished runs, baselines) change with
 * change number seq. */
int store_mark_results_changed(struct store *store, int64_t seq);
/* The store code of a util/array.h or util/strbuf.h failure (-ENOMEM or
 * -EOVERFLOW): STORE_NOMEM, with the message recorded. */
int store_nomem(struct store *store);
/* Fills one element of a list from the current row of stmt: STORE_OK or a
 * store code, leaving nothing to undo on failure. */
typedef int (*store_row_fn)(struct store *store, void *row, struct db_stmt *stmt);
/* Every row of stmt (bound, finalized here) as one element of elem bytes,
 * filled by from_row, into a malloc'd list at *list (a T ** passed as void
 * *) and its length at *n. On failure nothing is returned: clear (may be
 * NULL) undoes each filled element, and what names the query in the error. */
/* A copy of the column's text, "" for NULL; NULL when out of memory. */
char *store_column_dup(struct db_stmt *stmt, int col);
/* A store_row_fn for a list of int64_t: the row's first column. */
int store_id_row(struct store *store, void *row, struct db_stmt *stmt);
int store_rows_collect(struct store *store, void *list, size_t *n, size_t elem,
		       struct db_stmt *stmt, store_row_fn from_row, void (*clear)(void *row),
		       const char *what);
/* The run ids as a JSON array, so one statement takes any number of them
 * through json_each (no SQL text is built from values). NULL when out of
 * memory. */
char *store_ids_json(const int64_t *ids, size_t n);
/* Prepare sql, whose ?1 is the run ids as store_ids_json's array (*ids keeps
 * the text alive until the statement is finalized; the caller frees it):
 * STORE_OK, or the failure. */
int store_prepare_for_runs(struct db_stmt **out, struct store *store, char **ids, const char *sql,
			   const int64_t *run_ids, size_t nruns);
/* A store_row_fn for a struct store_done_run from the columns id,
 * commit_sha, finished_ns, pair_id, build_id (in that order). */
int store_done_run_row(struct store *store, void *row, struct db_stmt *stmt);
/* A run's state from its column's text; anything else reads as failed. */
enum run_state store_run_state_parse(const unsigned char *text);

/* An index the query planner is told to use: SQLite's INDEXED BY, where its
 * planner would walk the whole table; PostgreSQL has no such hint and plans
 * from its statistics. A statement names its indexes through a macro
 * argument and is written out for each engine (store_sql). */
#define STORE_INDEXED_BY(index) " INDEXED BY " index
#define STORE_NO_INDEX_HINT(index) ""

/* migrations.c: SQLite's, one per version from 0 (STORE_SCHEMA_VERSION of
 * them), and PostgreSQL's from STORE_PG_SCHEMA_VERSION on. */
extern const char *const store_migrations[];
extern const char *const store_pg_migrations[];

/* results.c: the id of a benchmark name (added when new). */
int store_bench_id(struct store *store, int64_t *id, const char *name);
/* The id of a configuration text in configs (added when new): each text is
 * stored once. */
int store_config_id(struct store *store, int64_t *id, const char *text);
/* Inside a transaction: record run_id's result.json (NULL: none), packed
 * against the run's stored iterations when with_series (they must be
 * stored already and stay while the result does), else compressed as it is. */
int store_result_write(struct store *store, int64_t run_id, const char *text, bool with_series);
/* result.json back from its result_z blob (len bytes): malloc'd in *text. */
int store_result_read(struct store *store, char **text, int64_t run_id, const void *blob,
		      size_t len);
/* Inside a transaction, before a run's iterations are deleted: its result
 * no longer refers to them. */
int store_result_detach(struct store *store, int64_t run_id);
/* At store_open: convert the rows written before migration 12 (configuration
 * by id, result packed), in batches; nothing to do once meta 'pack_pending'
 * is 0. */
int store_convert_pending(struct store *store);
/* The SQL of a run's configuration text: shared through configs, or as
 * written before migration 12 until converted. */
#define STORE_RUN_CONFIG_SQL \
	"CASE WHEN runs.config_id <> 0 THEN (SELECT body FROM configs WHERE id = runs.config_id)" \
	" ELSE runs.config END"

#endif
