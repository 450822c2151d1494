/* The statement interface the store's files use, implemented by each engine
 * (db_sqlite.c, db_pg.c): prepare, bind, step, read columns, finalize. The
 * store's files say what to read and write; only the engine knows how it is
 * sent. Where the two engines' SQL differs, a file picks its text with
 * store_sql(). */
#ifndef BENCHFS_STORE_DB_H
#define BENCHFS_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct db_stmt;

/* What db_step returns besides an error (any other value: the error is
 * recorded for store_fail). */
#define DB_ROW 100
#define DB_DONE 101

enum db_dialect { DB_SQLITE, DB_POSTGRES };

/* One engine: every operation of the interface below, for its own
 * statements and connection. */
struct db_engine {
	enum db_dialect dialect;
	const char *name;
	/* Connect to location (a file path, a postgresql:// URI) and set the
	 * connection up; sync says how durable a commit must be. On failure the
	 * message is recorded (store_fail) and a store code returned. */
	int (*open)(struct store *store, const char *location, bool sync_full);
	void (*close)(struct store *store);
	struct db_stmt *(*prepare)(struct store *store, const char *sql);
	/* Run one or more statements without results. */
	int (*exec)(struct store *store, const char *sql);
	int (*step)(struct db_stmt *stmt);
	/* Ready to step again from the start, bindings kept. */
	void (*reset)(struct db_stmt *stmt);
	void (*finalize)(struct db_stmt *stmt);
	int (*bind_int64)(struct db_stmt *stmt, int i, int64_t value);
	int (*bind_double)(struct db_stmt *stmt, int i, double value);
	/* len < 0: up to the NUL. The text is copied. */
	int (*bind_text)(struct db_stmt *stmt, int i, const char *text, int len);
	/* Not copied: it must stay until the statement is stepped to its end or reset. */
	int (*bind_blob)(struct db_stmt *stmt, int i, const void *blob, size_t len);
	int (*bind_null)(struct db_stmt *stmt, int i);
	int (*bind_parameter_count)(struct db_stmt *stmt);
	int64_t (*column_int64)(struct db_stmt *stmt, int col);
	double (*column_double)(struct db_stmt *stmt, int col);
	/* NULL for SQL NULL; valid until the next step, reset or finalize. */
	const unsigned char *(*column_text)(struct db_stmt *stmt, int col);
	const void *(*column_blob)(struct db_stmt *stmt, int col);
	size_t (*column_bytes)(struct db_stmt *stmt, int col);
	bool (*column_is_null)(struct db_stmt *stmt, int col);
	/* Rows changed by the connection's last statement. */
	int64_t (*changes)(struct store *store);
	/* The last error as text, and whether it was a full disk. */
	const char *(*errmsg)(struct store *store);
	bool (*error_is_full)(struct store *store);
	/* The engine's version, as its library reports it. */
	const char *(*version)(void);
	/* Notifications (NULL where the engine has none): listen on channel,
	 * then wait up to timeout_ms for one (STORE_OK, or STORE_NOTFOUND on
	 * timeout; notifications that came meanwhile are all consumed). */
	int (*listen)(struct store *store, const char *channel);
	int (*wait)(struct store *store, int timeout_ms);
};

extern const struct db_engine db_sqlite_engine;
extern const struct db_engine db_pg_engine;

/* Each statement starts with its engine, so the calls below reach it. */
struct db_stmt {
	const struct db_engine *engine;
};

static inline int db_step(struct db_stmt *s) { return s->engine->step(s); }
static inline void db_reset(struct db_stmt *s) { s->engine->reset(s); }
static inline void db_finalize(struct db_stmt *s) { if (s) s->engine->finalize(s); }
static inline int db_bind_int64(struct db_stmt *s, int i, int64_t v) { return s->engine->bind_int64(s, i, v); }
static inline int db_bind_int(struct db_stmt *s, int i, int v) { return s->engine->bind_int64(s, i, v); }
static inline int db_bind_double(struct db_stmt *s, int i, double v) { return s->engine->bind_double(s, i, v); }
static inline int db_bind_text(struct db_stmt *s, int i, const char *t, int len) { return s->engine->bind_text(s, i, t, len); }
static inline int db_bind_blob(struct db_stmt *s, int i, const void *b, size_t len) { return s->engine->bind_blob(s, i, b, len); }
static inline int db_bind_null(struct db_stmt *s, int i) { return s->engine->bind_null(s, i); }
static inline int db_bind_parameter_count(struct db_stmt *s) { return s->engine->bind_parameter_count(s); }
static inline int64_t db_column_int64(struct db_stmt *s, int c) { return s->engine->column_int64(s, c); }
static inline int db_column_int(struct db_stmt *s, int c) { return (int)s->engine->column_int64(s, c); }
static inline double db_column_double(struct db_stmt *s, int c) { return s->engine->column_double(s, c); }
static inline const unsigned char *db_column_text(struct db_stmt *s, int c) { return s->engine->column_text(s, c); }
static inline const void *db_column_blob(struct db_stmt *s, int c) { return s->engine->column_blob(s, c); }
static inline size_t db_column_bytes(struct db_stmt *s, int c) { return s->engine->column_bytes(s, c); }
static inline bool db_column_is_null(struct db_stmt *s, int c) { return s->engine->column_is_null(s, c); }

#endif
