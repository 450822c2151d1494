/* The PostgreSQL engine's connection over time: its session's settings,
 * and a session the server ended (a restart, a failover,
 * pg_terminate_backend) made again at the next statement (pg_run), its
 * settings and LISTENs with it, never inside a transaction. */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "store/db_pg_internal.h"
#include "util/clock.h"
#include "util/log.h"

/* A connection that could not be made again is tried again after this
 * long: the statements meanwhile fail at once, none waits nor spins. */
#define RETRY_NS 1000000000LL

/* Whether a result is a success: a command, rows, or nothing to run (an
 * empty text or only a comment, which SQLite runs as nothing too). */
static bool succeeded(const PGresult *res)
{
	ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ||
	       status == PGRES_EMPTY_QUERY;
}

/* Run one command of the session's setup; false (error recorded) on failure. */
static bool setup(struct pg_conn *c, const char *sql)
{
	PGresult *res = PQexec(c->pg, sql);
	bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		pg_set_result_error(c, res);
	PQclear(res);
	return ok;
}

/* libpq's notices go to stderr as its own receiver sends them, but for the
 * FATAL a server sends as it ends an idle session (a restart,
 * pg_terminate_backend): kept as the reason of the loss, logged once. */
static void notice(void *arg, const PGresult *res)
{
	struct pg_conn *c = arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorMessage(res);
	if (severity && (!strcmp(severity, "FATAL") || !strcmp(severity, "PANIC"))) {
		snprintf(c->fatal, sizeof(c->fatal), "%.*s", (int)strcspn(msg, "\n"), msg);
		return;
	}
	fputs(msg, stderr);
}

bool pg_session(struct pg_conn *c)
{
	/* One line per error (severity, text, position), as the store logs them. */
	PQsetErrorVerbosity(c->pg, PQERRORS_TERSE);
	PQsetNoticeReceiver(c->pg, notice, c);
	/* libpq prints every NOTICE on stderr (a DROP ... IF EXISTS of nothing,
	 * a truncated name): the daemon's log takes warnings and errors only.
	 * Whatever the database's or role's defaults: a double's text reads
	 * back as the same double (3: shortest exact since PostgreSQL 12, 17
	 * digits before), and a backslash in a literal is a backslash. */
	if (!setup(c, "SET client_min_messages = warning; SET extra_float_digits = 3;"
		      " SET standard_conforming_strings = on"))
		return false;
	/* SQLite's synchronous=NORMAL (the runner's connection): a commit may be
	 * lost to a crash of the machine but never half applied. PostgreSQL's
	 * synchronous_commit = off is that promise: the commit returns before
	 * its WAL is flushed, and a crash loses at most the last moments of
	 * commits, whole. */
	if (!c->sync_full && !setup(c, "SET synchronous_commit = off"))
		return false;
	/* A new session listens to nothing: the channels the old one did. */
	return !c->listens || !*c->listens || setup(c, c->listens);
}

/* Whether a statement failed because the session is gone: libpq found the
 * socket closed, or the server said it was ending it (class 08, connection
 * exception; 57P01 to 57P05: shut down, crashed, terminated by an
 * administrator, idle too long). */
static bool gone(struct pg_conn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (PQstatus(c->pg) == CONNECTION_BAD)
		return true;
	return state && (!strncmp(state, "08", 2) || !strncmp(state, "57P0", 4));
}

void pg_lost(struct pg_conn *c)
{
	if (c->down)
		return;
	c->down = true;
	c->lost_ns = now_mono_ns();
	/* The first try is at once: a terminated session's server is up. */
	c->retry_ns = 0;
	snprintf(c->why, sizeof(c->why), "%.255s", *c->fatal ? c->fatal : c->err);
	c->fatal[0] = '\0';
	log_warning("store: the connection to PostgreSQL was lost (%s): connecting again", c->why);
}

/* A new connection with the same parameters and session; false (error
 * recorded) when the server is not back, or it is too soon to ask. */
static bool reconnect(struct pg_conn *c)
{
	char msg[sizeof(c->err)];
	if (now_mono_ns() < c->retry_ns) {
		snprintf(msg, sizeof(msg), "no connection to PostgreSQL (%s): tried again"
			 " at most once a second", c->why);
		pg_set_error(c, msg, "08006");
		return false;
	}
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK)
		pg_set_error(c, PQerrorMessage(c->pg), NULL);
	if (PQstatus(c->pg) != CONNECTION_OK || !pg_session(c)) {
		snprintf(c->why, sizeof(c->why), "connecting again failed: %.200s", c->err);
		snprintf(msg, sizeof(msg), "the connection to PostgreSQL was lost, and %s", c->why);
		pg_set_error(c, msg, "08006");
		c->retry_ns = now_mono_ns() + RETRY_NS;
		return false;
	}
	c->down = false;
	c->fatal[0] = '\0';
	/* Notifications sent meanwhile went nowhere: a waiter looks for itself. */
	c->missed = c->listens && *c->listens;
	log_notice("store: the connection to PostgreSQL is back, %.1f s after it was lost",
		   (double)(now_mono_ns() - c->lost_ns) / 1e9);
	return true;
}

/* A session the server ended while it sat idle (a restart, an idle
 * timeout) shows as its FATAL and the end of the stream, unread on the
 * socket: read them before a statement, so that the statement goes to a
 * new connection instead of failing on the old one. Notifications read on
 * the way stay queued in libpq for pg_wait. */
static void probe(struct pg_conn *c)
{
	struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
	/* Two reads take the FATAL, then the end; a few more notifications
	 * before them. PQisBusy parses what was read: the FATAL reaches notice(). */
	for (int i = 0; i < 4 && p.fd >= 0 && PQstatus(c->pg) == CONNECTION_OK &&
			poll(&p, 1, 0) > 0;
	     i++) {
		if (!PQconsumeInput(c->pg))
			break;
		PQisBusy(c->pg);
	}
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		pg_set_error(c, PQerrorMessage(c->pg), NULL);
		pg_lost(c);
	}
}

bool pg_ready(struct pg_conn *c)
{
	if (!c->down) {
		/* Inside a transaction a lost session fails the statement instead:
		 * nothing of the transaction may run on a new one. */
		if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
			return true;
		probe(c);
		if (!c->down)
			return true;
	}
	return reconnect(c);
}

PGresult *pg_run(struct pg_conn *c, pg_send_fn send, const void *arg)
{
	char msg[sizeof(c->err)];
	PGresult *res;
	bool in_tx;
	if (c->tx_lost) {
		pg_set_error(c, "the connection to PostgreSQL was lost inside this transaction,"
			     " and the transaction with it: roll it back", "08006");
		return NULL;
	}
	/* Known before sending: after a loss libpq's answer is "unknown". */
	in_tx = !c->down && PQstatus(c->pg) == CONNECTION_OK &&
		PQtransactionStatus(c->pg) != PQTRANS_IDLE;
	if (!in_tx && !pg_ready(c))
		return NULL;
	for (int attempt = 0;; attempt++) {
		res = send(c->pg, arg);
		if (succeeded(res))
			return res;
		pg_set_result_error(c, res);
		if (!gone(c, res)) {
			PQclear(res);
			return NULL;
		}
		PQclear(res);
		pg_lost(c);
		if (in_tx) {
			c->tx_lost = true;
			snprintf(msg, sizeof(msg), "%.440s (the open transaction is lost with the"
				 " connection)", c->err);
			pg_set_error(c, msg, "08006");
			return NULL;
		}
		/* Outside a transaction the statement is one of its own: sent
		 * once more on a new connection. Had the server committed it just
		 * before the session ended (its reply lost), it runs twice: the
		 * store's writes of several statements are transactions, never
		 * sent again, and its single ones are upserts, updates to a value
		 * or rows under a key, whose second run changes nothing or fails
		 * cleanly. */
		if (attempt || !pg_ready(c))
			return NULL;
	}
}
