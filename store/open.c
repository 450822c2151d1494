/* Opening the store: the engine a location names, applying the schema's
 * migrations (migrations.c), shared helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/internal.h"
#include "store/paths.h"
#include "store/schema_pg.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

int store_fail(struct store *store, const char *what)
{
	snprintf(store->errmsg, sizeof(store->errmsg), "%s: %s", what,
		 store->engine->errmsg(store));
	/* Logged here, once, with the engine's own words: the callers pass the code on. */
	if (!store->opening)
		log_error(STORE_ERROR, "store: %s", store->errmsg);
	/* A full disk is the machine's state, not a fault: writers are told so (ENOSPC). */
	return store->engine->error_is_full(store) ? STORE_NOSPACE : STORE_ERROR;
}

int store_refuse(struct store *store, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(store->errmsg, sizeof(store->errmsg), fmt, ap);
	va_end(ap);
	if ((code == STORE_ERROR || code == STORE_NOMEM) && !store->opening)
		log_error(code, "store: %s", store->errmsg);
	return code;
}

int store_nomem(struct store *store)
{
	return store_refuse(store, STORE_NOMEM, "out of memory");
}

char *store_column_dup(struct db_stmt *stmt, int col)
{
	const unsigned char *text = db_column_text(stmt, col);
	return strdup(text ? (const char *)text : "");
}

int store_id_row(struct store *store, void *row, struct db_stmt *stmt)
{
	(void)store;
	*(int64_t *)row = db_column_int64(stmt, 0);
	return STORE_OK;
}

int store_rows_collect(struct store *store, void *list, size_t *n, size_t elem,
		       struct db_stmt *stmt, store_row_fn from_row, void (*clear)(void *row),
		       const char *what)
{
	unsigned char *rows = NULL;
	size_t count = 0, cap = 0;
	int rc = DB_DONE, result = STORE_OK;
	memset(list, 0, sizeof(void *));
	*n = 0;
	if (!stmt)
		return STORE_ERROR;
	while (result == STORE_OK && (rc = db_step(stmt)) == DB_ROW) {
		if (count == cap) {
			size_t grow = cap ? 2 * cap : 8;
			unsigned char *more = grow > SIZE_MAX / elem ? NULL : realloc(rows, grow * elem);
			if (!more) {
				result = store_nomem(store);
				break;
			}
			rows = more;
			cap = grow;
		}
		memset(rows + count * elem, 0, elem);
		if ((result = from_row(store, rows + count * elem, stmt)) == STORE_OK)
			count++;
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, what);
	db_finalize(stmt);
	if (result) {
		for (size_t i = 0; clear && i < count; i++)
			clear(rows + i * elem);
		free(rows);
		return result;
	}
	memcpy(list, &rows, sizeof(rows));
	*n = count;
	return STORE_OK;
}

struct db_stmt *store_prepare(struct store *store, const char *sql)
{
	return store->engine->prepare(store, sql);
}

int store_exec(struct store *store, const char *sql)
{
	if (store->engine->exec(store, sql) != STORE_OK) {
		/* Name the statement by its first words: enough to tell which step failed. */
		char what[48];
		snprintf(what, sizeof(what), "%.*s", (int)strcspn(sql, "(;"), sql);
		return store_fail(store, what);
	}
	return STORE_OK;
}

int store_begin(struct store *store)
{
	/* Take the write lock up front so a transaction never fails half way on
	 * BUSY. PostgreSQL's row locks would let two writers take rows in
	 * opposite orders and deadlock: an advisory lock gives its transactions
	 * SQLite's one-writer-at-a-time, which every transaction here was
	 * written for. */
	return store_exec(store, store_sql(store, "BEGIN IMMEDIATE",
					   "BEGIN; SELECT pg_advisory_xact_lock(" STORE_WRITE_LOCK ")"));
}

int store_commit(struct store *store)
{
	return store_exec(store, "COMMIT");
}

void store_rollback(struct store *store)
{
	/* Keeps the error message of the failure that led here. */
	store->engine->exec(store, "ROLLBACK");
}

int store_select_int64(struct store *store, int64_t *out, const char *sql, const char *what)
{
	struct db_stmt *stmt = store_prepare(store, sql);
	int result = STORE_ERROR;
	if (!stmt)
		return STORE_ERROR;
	if (db_step(stmt) == DB_ROW) {
		*out = db_column_int64(stmt, 0);
		result = STORE_OK;
	} else {
		result = store_fail(store, what);
	}
	db_finalize(stmt);
	return result;
}

char *store_ids_json(const int64_t *ids, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_grow(&sb, 2 + n * 21);
	strbuf_addch(&sb, '[');
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%lld", i ? "," : "", (long long)ids[i]);
	strbuf_addch(&sb, ']');
	return strbuf_detach(&sb, NULL);
}

int store_bump_seq(struct store *store, int64_t *seq)
{
	return store_select_int64(store, seq,
				  "UPDATE meta SET value = value + 1 WHERE key = 'seq' RETURNING value",
				  "bump change number");
}

int store_results_seq(struct store *store, int64_t *seq, int64_t *changed_ns)
{
	int result = store_select_int64(store, seq, "SELECT value FROM meta WHERE key = 'views_seq'",
					"read views change number");
	if (result == STORE_OK && changed_ns)
		result = store_select_int64(store, changed_ns,
					    "SELECT value FROM meta WHERE key = 'views_ns'",
					    "read views change time");
	return result;
}

int store_mark_results_changed(struct store *store, int64_t seq)
{
	struct db_stmt *stmt = store_prepare(store,
		"UPDATE meta SET value = CASE key WHEN 'views_seq' THEN ?1 ELSE ?2 END"
		" WHERE key IN ('views_seq', 'views_ns')");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, seq);
	db_bind_int64(stmt, 2, now_real_ns());
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "mark views changed");
	db_finalize(stmt);
	return result;
}

int store_seq(const struct store *store, int64_t *out)
{
	return store_select_int64((struct store *)store, out,
				  "SELECT value FROM meta WHERE key = 'seq'", "read change number");
}

/* The schema version: SQLite's user_version; a table of its own in
 * PostgreSQL, which does not exist before the schema does. */
static int user_version(struct store *store, int *out)
{
	int64_t version = 0, exists = 0;
	int result;
	*out = 0;
	if (store->engine->dialect == DB_SQLITE)
		result = store_select_int64(store, &version, "PRAGMA user_version",
					    "read schema version");
	else if (!(result = store_select_int64(store, &exists,
					       "SELECT to_regclass('schema_version') IS NOT NULL",
					       "look for the schema")) && exists)
		result = store_select_int64(store, &version, "SELECT version FROM schema_version",
					    "read schema version");
	*out = (int)version;
	return result;
}

static int check_version(struct store *store)
{
	int version = 0;
	int result = user_version(store, &version);
	if (result)
		return result;
	if (version > STORE_SCHEMA_VERSION)
		return store_refuse(store, STORE_VERSION,
				    "store schema version %d is newer than this benchfs understands (%d)",
				    version, STORE_SCHEMA_VERSION);
	return STORE_OK;
}

static int migrate_sqlite(struct store *store)
{
	int version = 0;
	int result = user_version(store, &version);
	if (result)
		return result;
	for (; version < STORE_SCHEMA_VERSION; version++) {
		char pragma[64];
		if ((result = store_begin(store)))
			return result;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
		if ((result = store_exec(store, store_migrations[version])) ||
		    (result = store_exec(store, pragma)) || (result = store_commit(store))) {
			store_rollback(store);
			return result;
		}
	}
	return STORE_OK;
}

/* A PostgreSQL store starts at the schema store/schema_pg.c creates and
 * moves forward by store_pg_migrations, all in one transaction. */
static int migrate_postgres(struct store *store)
{
	int version = 0;
	int result;
	/* store_begin's lock: the first opener creates the schema, the others wait and find it. */
	if ((result = store_begin(store)))
		return result;
	if (!(result = user_version(store, &version)) && version == 0) {
		result = store_exec(store, store_pg_schema);
		version = STORE_PG_SCHEMA_VERSION;
	}
	for (; !result && version < STORE_SCHEMA_VERSION; version++)
		result = store_exec(store, store_pg_migrations[version - STORE_PG_SCHEMA_VERSION]);
	if (result || (result = store_commit(store)))
		store_rollback(store);
	return result;
}

/* A location naming a PostgreSQL database (a libpq URI) selects that engine;
 * anything else is a SQLite file. */
static const struct db_engine *engine_for(const char *location)
{
	if (store_path_is_database(location))
		return &db_pg_engine;
	return &db_sqlite_engine;
}

int store_open(struct store **out, const char *path, enum store_sync sync)
{
	struct store *store = calloc(1, sizeof(*store));
	int result;
	/* store_errmsg(NULL) says "out of memory". */
	*out = store;
	if (!store)
		return STORE_NOMEM;
	store->opening = true;
	store->engine = engine_for(path);
	if ((result = store->engine->open(store, path, sync == STORE_SYNC_FULL)))
		return result;
	if (store->engine->dialect == DB_POSTGRES) {
		if ((result = check_version(store)) || (result = migrate_postgres(store)))
			return result;
		store->opening = false;
		return STORE_OK;
	}
	/* Refuse a newer schema before changing anything in the file (even its journal mode). */
	if ((result = check_version(store)) ||
	    (result = store_exec(store, "PRAGMA journal_mode = WAL")) ||
	    (result = store_exec(store, sync == STORE_SYNC_FULL ? "PRAGMA synchronous = FULL"
							       : "PRAGMA synchronous = NORMAL")) ||
	    (result = store_exec(store, "PRAGMA foreign_keys = ON")) ||
	    (result = migrate_sqlite(store)) || (result = store_convert_pending(store)))
		return result;
	store->opening = false;
	return STORE_OK;
}

int store_exists(bool *out, char *err, size_t errlen, const char *path)
{
	struct store *store;
	struct stat st;
	int version = 0;
	int result;
	*out = false;
	if (!store_path_is_database(path)) {
		*out = stat(path, &st) == 0;
		return STORE_OK;
	}
	if (!(store = calloc(1, sizeof(*store)))) {
		snprintf(err, errlen, "out of memory");
		return STORE_NOMEM;
	}
	/* Connected, but nothing created: a database without benchfs's schema is no store yet. */
	store->opening = true;
	store->engine = engine_for(path);
	if (!(result = store->engine->open(store, path, false)) &&
	    !(result = user_version(store, &version)))
		*out = version > 0;
	if (result)
		snprintf(err, errlen, "store %s: %s", path, store_errmsg(store));
	store_free(store);
	return result;
}

void store_free(struct store *store)
{
	if (!store)
		return;
	if (store->conn)
		store->engine->close(store);
	free(store);
}

int store_errno(int store_code)
{
	switch (store_code) {
	case STORE_OK:
		return 0;
	case STORE_NOTFOUND:
		return -ENOENT;
	case STORE_FULL:
		return -EAGAIN;
	case STORE_VERSION:
		return -EPROTONOSUPPORT;
	case STORE_NOSPACE:
		return -ENOSPC;
	case STORE_NOMEM:
		return -ENOMEM;
	case STORE_BUSY:
		return -EBUSY;
	case STORE_ERROR:
		return -EIO;
	}
	/* A callback's negative errno, passed through the store unchanged. */
	return store_code < 0 && store_code >= -4095 ? store_code : -EIO;
}

const char *store_errmsg(const struct store *store)
{
	return store ? store->errmsg : "out of memory";
}

const char *run_state_name(enum run_state state)
{
	static const char *const names[] = {"queued", "building", "running", "done", "failed"};
	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

const char *store_sqlite_version(void)
{
	return db_sqlite_engine.version();
}
