/* Shared by the PostgreSQL engine's files (db_pg.c, db_pg_sql.c,
 * db_pg_notify.c); not part of the store's interface. */
#ifndef BENCHFS_STORE_DB_PG_INTERNAL_H
#define BENCHFS_STORE_DB_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

struct store;

/* SQLite's limit on a parameter's number (SQLITE_MAX_VARIABLE_NUMBER). */
#define PG_MAX_PARAMS 32766

/* What a failed call returns (step, bind): neither DB_ROW nor DB_DONE. */
#define PG_FAIL 1

/* store->conn: the connection and what the store asks of it afterwards. */
struct pg_conn {
	PGconn *pg;
	/* The last error, and its SQLSTATE ("" when libpq gave none). */
	char err[512];
	char sqlstate[6];
	/* Rows changed by the last INSERT, UPDATE, DELETE or MERGE. */
	int64_t changes;
};

#define CONN(store) ((struct pg_conn *)(store)->conn)

/* Records msg as the connection's error, on one line. */
void pg_set_error(struct pg_conn *c, const char *msg, const char *sqlstate);
/* The error of a failed result, or of the connection when there is none. */
void pg_set_result_error(struct pg_conn *c, const PGresult *res);

/* db_pg_sql.c: sql with its placeholders as $N into *out (malloc'd), and
 * the largest number into *count. ?N is parameter N; a bare ? is one above
 * the largest so far (SQLite's rule); $N stays as it is. 0, -ENOMEM, or
 * -EINVAL for a number outside 1 to PG_MAX_PARAMS. */
int pg_translate(char **out, int *count, const char *sql);
/* Sets used[n - 1] for each $n (n at most count) the translated text
 * refers to: SQLite lets a number go unused, and PostgreSQL cannot type a
 * parameter it never sees. */
void pg_mark_used(bool *used, int count, const char *sql);

/* db_pg_notify.c: the engine's listen and wait (store/db.h). */
int pg_listen(struct store *store, const char *channel);
int pg_wait(struct store *store, int timeout_ms);

#endif
