/* PostgreSQL's notifications: a runner LISTENs on the queue's channel and
 * sleeps on its connection's socket until a NOTIFY comes (a job queued on
 * any machine) or its time is up; no polling of the store. A connection
 * made again after a loss LISTENs again (db_pg.c's session). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_pg_internal.h"
#include "store/internal.h"
#include "util/clock.h"

/* Whether list ("LISTEN a; LISTEN b") holds the command sql. */
static bool listed(const char *list, const char *sql)
{
	size_t n = strlen(sql);
	for (const char *p = list; p && (p = strstr(p, sql)); p += n) {
		if ((p == list || p[-1] == ' ') && (p[n] == ';' || !p[n]))
			return true;
	}
	return false;
}

int pg_listen(struct store *store, const char *channel)
{
	struct pg_conn *c = CONN(store);
	char *name = PQescapeIdentifier(c->pg, channel, strlen(channel));
	char sql[160];
	size_t had;
	char *more;
	if (!name) {
		pg_set_error(c, PQerrorMessage(c->pg), NULL);
		return store_fail(store, "listen");
	}
	snprintf(sql, sizeof(sql), "LISTEN %s", name);
	PQfreemem(name);
	if (db_pg_engine.exec(store, sql) != STORE_OK)
		return store_fail(store, "listen");
	if (listed(c->listens, sql))
		return STORE_OK;
	/* Kept for a new connection after a loss: "LISTEN a; LISTEN b". */
	had = c->listens ? strlen(c->listens) : 0;
	if (!(more = realloc(c->listens, had + strlen(sql) + 3)))
		return store_nomem(store);
	snprintf(more + had, strlen(sql) + 3, "%s%s", had ? "; " : "", sql);
	c->listens = more;
	return STORE_OK;
}

/* Takes every notification libpq holds: true when there was one. */
static bool drain(PGconn *pg)
{
	bool any = false;
	PGnotify *n;
	while ((n = PQnotifies(pg))) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

int pg_wait(struct store *store, int timeout_ms)
{
	struct pg_conn *c = CONN(store);
	int64_t deadline = now_mono_ns() + (int64_t)(timeout_ms < 0 ? 0 : timeout_ms) * 1000000;
	struct pollfd p = {.events = POLLIN};
	int rc;
	if (!pg_ready(c))
		goto down;
	/* Made again after a loss: jobs may have been queued meanwhile. */
	if (c->missed) {
		c->missed = false;
		return STORE_OK;
	}
	/* Some may have come with the replies of earlier statements. */
	if (!PQconsumeInput(c->pg))
		goto lost;
	if (drain(c->pg))
		return STORE_OK;
	if ((p.fd = PQsocket(c->pg)) < 0)
		goto lost;
	rc = poll(&p, 1, timeout_ms_until(deadline, now_mono_ns()));
	if (rc < 0 && errno != EINTR) {
		pg_set_error(c, strerror(errno), NULL);
		return store_fail(store, "wait for the queue");
	}
	if (rc <= 0)
		return STORE_NOTFOUND;
	if (!PQconsumeInput(c->pg))
		goto lost;
	return drain(c->pg) ? STORE_OK : STORE_NOTFOUND;
lost:
	pg_set_error(c, PQerrorMessage(c->pg), NULL);
	pg_lost(c);
	/* Back at once (a session terminated on a running server): the waiter
	 * looks, as notifications may have been missed. */
	if (pg_ready(c)) {
		c->missed = false;
		return STORE_OK;
	}
down:
	/* The server is not back: the wait still takes its time, so that a
	 * caller looping on it never spins; its next statements say why. */
	poll(NULL, 0, timeout_ms_until(deadline, now_mono_ns()));
	return STORE_NOTFOUND;
}
