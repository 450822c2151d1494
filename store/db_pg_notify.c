/* PostgreSQL's notifications: a runner LISTENs on the queue's channel and
 * sleeps on its connection's socket until a NOTIFY comes (a job queued on
 * any machine) or its time is up; no polling of the store. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "store/db_pg_internal.h"
#include "store/internal.h"

int pg_listen(struct store *store, const char *channel)
{
	struct pg_conn *c = CONN(store);
	char *name = PQescapeIdentifier(c->pg, channel, strlen(channel));
	char sql[160];
	PGresult *res;
	int result = STORE_OK;
	if (!name) {
		pg_set_error(c, PQerrorMessage(c->pg), NULL);
		return store_fail(store, "listen");
	}
	snprintf(sql, sizeof(sql), "LISTEN %s", name);
	PQfreemem(name);
	res = PQexec(c->pg, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_set_result_error(c, res);
		result = store_fail(store, "listen");
	}
	PQclear(res);
	return result;
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
	struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
	int rc;
	/* Some may have come with the replies of earlier statements. */
	if (!PQconsumeInput(c->pg))
		goto lost;
	if (drain(c->pg))
		return STORE_OK;
	if (p.fd < 0)
		goto lost;
	rc = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
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
	return store_fail(store, "wait for the queue");
}
