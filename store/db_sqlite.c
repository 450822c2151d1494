/* The SQLite engine of the store (store/db.h): a file in the data directory,
 * for one machine. Each call is SQLite's own, so the store costs what it
 * did before the interface. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "store/internal.h"

struct sqlite_stmt {
	struct db_stmt base;
	sqlite3_stmt *stmt;
};

#define S(s) (((struct sqlite_stmt *)(s))->stmt)
#define DB(store) ((sqlite3 *)(store)->conn)

static int sqlite_open(struct store *store, const char *location, bool sync_full)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(location, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	/* Even a failed open gives a handle that holds the message. */
	store->conn = db;
	if (rc != SQLITE_OK)
		return store_fail(store, "open");
	/* Another thread or process may hold the write lock briefly. */
	sqlite3_busy_timeout(db, 10000);
	(void)sync_full;
	return STORE_OK;
}

static void sqlite_close(struct store *store)
{
	sqlite3_close(DB(store));
	store->conn = NULL;
}

static const struct db_engine *engine(void);

static struct db_stmt *sqlite_prepare(struct store *store, const char *sql)
{
	struct sqlite_stmt *s = malloc(sizeof(*s));
	if (!s) {
		store_nomem(store);
		return NULL;
	}
	s->base.engine = engine();
	if (sqlite3_prepare_v2(DB(store), sql, -1, &s->stmt, NULL) != SQLITE_OK) {
		sqlite3_finalize(s->stmt);
		free(s);
		store_fail(store, "prepare");
		return NULL;
	}
	return &s->base;
}

static int sqlite_exec(struct store *store, const char *sql)
{
	return sqlite3_exec(DB(store), sql, NULL, NULL, NULL) == SQLITE_OK ? STORE_OK : STORE_ERROR;
}

static int sqlite_step(struct db_stmt *s)
{
	int rc = sqlite3_step(S(s));
	return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : rc;
}

static void sqlite_reset(struct db_stmt *s)
{
	sqlite3_reset(S(s));
}

static void sqlite_finalize(struct db_stmt *s)
{
	sqlite3_finalize(S(s));
	free(s);
}

static int sqlite_bind_int64(struct db_stmt *s, int i, int64_t value)
{
	return sqlite3_bind_int64(S(s), i, value);
}

static int sqlite_bind_double(struct db_stmt *s, int i, double value)
{
	return sqlite3_bind_double(S(s), i, value);
}

static int sqlite_bind_text(struct db_stmt *s, int i, const char *text, int len)
{
	return sqlite3_bind_text(S(s), i, text, len, SQLITE_TRANSIENT);
}

static int sqlite_bind_blob(struct db_stmt *s, int i, const void *blob, size_t len)
{
	return sqlite3_bind_blob64(S(s), i, blob, len, SQLITE_STATIC);
}

static int sqlite_bind_null(struct db_stmt *s, int i)
{
	return sqlite3_bind_null(S(s), i);
}

static int sqlite_bind_parameter_count(struct db_stmt *s)
{
	return sqlite3_bind_parameter_count(S(s));
}

static int64_t sqlite_column_int64(struct db_stmt *s, int col)
{
	return sqlite3_column_int64(S(s), col);
}

static double sqlite_column_double(struct db_stmt *s, int col)
{
	return sqlite3_column_double(S(s), col);
}

static const unsigned char *sqlite_column_text(struct db_stmt *s, int col)
{
	return sqlite3_column_text(S(s), col);
}

static const void *sqlite_column_blob(struct db_stmt *s, int col)
{
	return sqlite3_column_blob(S(s), col);
}

static size_t sqlite_column_bytes(struct db_stmt *s, int col)
{
	return (size_t)sqlite3_column_bytes(S(s), col);
}

static bool sqlite_column_is_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(S(s), col) == SQLITE_NULL;
}

static int64_t sqlite_changes(struct store *store)
{
	return sqlite3_changes64(DB(store));
}

static const char *sqlite_errmsg(struct store *store)
{
	return DB(store) ? sqlite3_errmsg(DB(store)) : "out of memory";
}

static bool sqlite_error_is_full(struct store *store)
{
	int code = DB(store) ? sqlite3_errcode(DB(store)) : SQLITE_NOMEM;
	int sys = DB(store) ? sqlite3_system_errno(DB(store)) : 0;
	return code == SQLITE_FULL || (code == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT));
}

static const char *sqlite_version(void)
{
	return sqlite3_libversion();
}

const struct db_engine db_sqlite_engine = {
	.dialect = DB_SQLITE,
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.prepare = sqlite_prepare,
	.exec = sqlite_exec,
	.step = sqlite_step,
	.reset = sqlite_reset,
	.finalize = sqlite_finalize,
	.bind_int64 = sqlite_bind_int64,
	.bind_double = sqlite_bind_double,
	.bind_text = sqlite_bind_text,
	.bind_blob = sqlite_bind_blob,
	.bind_null = sqlite_bind_null,
	.bind_parameter_count = sqlite_bind_parameter_count,
	.column_int64 = sqlite_column_int64,
	.column_double = sqlite_column_double,
	.column_text = sqlite_column_text,
	.column_blob = sqlite_column_blob,
	.column_bytes = sqlite_column_bytes,
	.column_is_null = sqlite_column_is_null,
	.changes = sqlite_changes,
	.errmsg = sqlite_errmsg,
	.error_is_full = sqlite_error_is_full,
	.version = sqlite_version,
};

static const struct db_engine *engine(void)
{
	return &db_sqlite_engine;
}
