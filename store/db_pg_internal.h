/* Shared by the PostgreSQL engine's files (db_pg.c, db_pg_conn.c,
 * db_pg_sql.c, db_pg_notify.c); not part of the store's interface. */
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
	/* What a new connection is set up with after losing one: the commit's
	 * durability (pg_open) and the LISTEN commands run so far ("" or
	 * "LISTEN a; LISTEN b", malloc'd). */
	bool sync_full;
	char *listens;
	/* Lost and not made again yet: since when (now_mono_ns), why, and the
	 * earliest time of the next try (at most one a second: never a spin). */
	bool down;
	int64_t lost_ns, retry_ns;
	char why[256];
	/* The server's last FATAL, sent as it ended the session (a restart): the
	 * reason it was lost, when libpq only saw the socket close. */
	char fatal[256];
	/* Lost inside a transaction: every statement fails until the caller's
	 * ROLLBACK (or COMMIT, which fails), never run outside it on a new one. */
	bool tx_lost;
	/* Notifications may have come while the connection was down: the next
	 * wait returns at once, so that the waiter looks for itself. */
	bool missed;
};

#define CONN(store) ((struct pg_conn *)(store)->conn)

/* Records msg as the connection's error, on one line. */
void pg_set_error(struct pg_conn *c, const char *msg, const char *sqlstate);
/* The error of a failed result, or of the connection when there is none. */
void pg_set_result_error(struct pg_conn *c, const PGresult *res);

/* db_pg_conn.c: the session's settings, at the first connection and on
 * each new one after a loss (c->sync_full, c->listens). False (error
 * recorded) on failure. */
bool pg_session(struct pg_conn *c);
/* One statement's sending: PQexec or PQexecParams with what arg holds. */
typedef PGresult *(*pg_send_fn)(PGconn *pg, const void *arg);
/* Sends a statement, connecting again first when the connection was lost,
 * and returns its result when it succeeded; NULL with the error recorded
 * otherwise. One that fails because the connection is gone is sent once
 * more on a new connection, when no transaction was open; inside one it
 * fails (the transaction is lost with the session) and so does every
 * statement after it until the caller's ROLLBACK. */
PGresult *pg_run(struct pg_conn *c, pg_send_fn send, const void *arg);
/* Before waiting on the socket: false (error recorded) when the connection
 * is down and could not be made again (tried at most once a second). */
bool pg_ready(struct pg_conn *c);
/* The connection was found closed outside a statement (while waiting):
 * logged once, made again at the next pg_ready. */
void pg_lost(struct pg_conn *c);

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
