/* Runners and the jobs they claim: a job needs labels, a runner advertises
 * labels and claims the oldest queued job whose labels it has all of,
 * holds it under a lease it renews while it lives, and a job whose lease
 * ran out goes back to the queue for any matching runner. One machine
 * (SQLite) has one runner and the same rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/fleet.h"
#include "util/array.h"
#include "util/clock.h"

/* The queue's channel: a runner waiting on it wakes when a job is queued
 * or goes back to the queue. */
#define QUEUE_CHANNEL "benchfs_queue"

int store_notify_queue(struct store *store)
{
	if (store->engine->dialect != DB_POSTGRES)
		return STORE_OK;
	/* Inside a transaction, PostgreSQL delivers it at the commit. */
	return store_exec(store, "SELECT pg_notify('" QUEUE_CHANNEL "', '')");
}

int store_queue_listen(struct store *store)
{
	if (!store->engine->listen)
		return STORE_OK;
	return store->engine->listen(store, QUEUE_CHANNEL);
}

int store_queue_wait(struct store *store, int timeout_ms)
{
	if (!store->engine->wait)
		return STORE_NOTFOUND;
	return store->engine->wait(store, timeout_ms);
}

bool store_shared(const struct store *store)
{
	return store->engine->dialect == DB_POSTGRES;
}

void store_set_owner(struct store *store, const char *runner)
{
	snprintf(store->owner, sizeof(store->owner), "%s", runner ? runner : "");
}

/* The oldest queued job no runner holds whose labels are all in ?3
 * (",a,b,": a label is there when removing ",label," changes it), and
 * never the second side of an A/B pair: it goes with its first. LOCKING is
 * PostgreSQL's FOR UPDATE SKIP LOCKED: runners claiming at once each take
 * a different row instead of waiting on one another's. */
#define CLAIM_SQL(LOCKING)                                                                 \
	"WITH pick AS (SELECT id FROM runs r WHERE state = 'queued' AND runner = ''"       \
	" AND NOT (pair_id <> 0 AND pair_id < id) AND NOT EXISTS (SELECT 1 FROM"           \
	" run_labels l WHERE l.run_id = r.id AND replace(?3, ',' || l.label || ',', '') = ?3)" \
	" ORDER BY id LIMIT 1" LOCKING ")"                                                  \
	" UPDATE runs SET runner = ?1, lease_ns = ?2 WHERE state = 'queued' AND runner = ''" \
	" AND (id IN (SELECT id FROM pick) OR (pair_id IN (SELECT id FROM pick) AND id > pair_id))" \
	" RETURNING id"

int store_run_claim(struct store *store, struct store_run *out, const char *runner,
		    const char *labels, int64_t lease_ns)
{
	struct db_stmt *stmt;
	int64_t first = 0;
	int rc, result = STORE_OK;
	char *have = NULL;
	/* ",a,b,": every label between commas, so a match needs no parsing. */
	if (asprintf(&have, ",%s,", labels ? labels : "") < 0)
		return store_nomem(store);
	stmt = store_prepare(store, store_sql(store, CLAIM_SQL(""), CLAIM_SQL(" FOR UPDATE SKIP LOCKED")));
	if (!stmt) {
		free(have);
		return STORE_ERROR;
	}
	db_bind_text(stmt, 1, runner, -1);
	db_bind_int64(stmt, 2, now_real_ns() + lease_ns);
	db_bind_text(stmt, 3, have, -1);
	while ((rc = db_step(stmt)) == DB_ROW) {
		int64_t id = db_column_int64(stmt, 0);
		if (!first || id < first)
			first = id;
	}
	if (rc != DB_DONE)
		result = store_fail(store, "claim a job");
	db_finalize(stmt);
	free(have);
	if (result)
		return result;
	if (!first)
		return STORE_NOTFOUND;
	return store_run_get(store, out, first);
}

int store_runs_release(struct store *store, const char *runner)
{
	struct db_stmt *stmt = store_prepare(store, "UPDATE runs SET runner = '', lease_ns = 0"
						  " WHERE runner = ?1 AND state = 'queued'");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, runner, -1);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "release jobs");
	else if (store_changes(store) > 0)
		result = store_notify_queue(store);
	db_finalize(stmt);
	return result;
}

int store_runner_heartbeat(struct store *store, const char *runner, int64_t run_id,
			   int64_t lease_ns)
{
	struct db_stmt *stmt = NULL;
	int64_t now = now_real_ns();
	bool held = run_id == 0;
	int rc, result = store_begin(store);
	if (result)
		return result;
	if (!(stmt = store_prepare(store, "UPDATE runners SET heartbeat_ns = ?2, run_id = ?3"
					  " WHERE name = ?1"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_text(stmt, 1, runner, -1);
	db_bind_int64(stmt, 2, now);
	db_bind_int64(stmt, 3, run_id);
	if (db_step(stmt) != DB_DONE) {
		result = store_fail(store, "heartbeat");
		goto fail;
	}
	db_finalize(stmt);
	/* Every job the runner holds (a pair's two sides) lives on. */
	if (!(stmt = store_prepare(store, "UPDATE runs SET lease_ns = ?2 WHERE runner = ?1"
					  " AND state IN ('queued','building','running') RETURNING id"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_text(stmt, 1, runner, -1);
	db_bind_int64(stmt, 2, now + lease_ns);
	while ((rc = db_step(stmt)) == DB_ROW)
		held = held || db_column_int64(stmt, 0) == run_id;
	if (rc != DB_DONE) {
		result = store_fail(store, "renew a lease");
		goto fail;
	}
	db_finalize(stmt);
	stmt = NULL;
	if ((result = store_commit(store)))
		goto fail;
	return held ? STORE_OK
		    : store_refuse(store, STORE_NOTFOUND,
				   "run %lld is no longer held by %s: its lease ran out, or it was"
				   " cancelled",
				   (long long)run_id, runner);
fail:
	db_finalize(stmt);
	store_rollback(store);
	return result;
}

int store_runner_register(struct store *store, const struct store_runner *r)
{
	struct db_stmt *stmt = store_prepare(store,
		"INSERT INTO runners (name, labels, host, pid, run_id, started_ns, heartbeat_ns)"
		" VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5) ON CONFLICT (name) DO UPDATE SET"
		" labels = excluded.labels, host = excluded.host, pid = excluded.pid, run_id = 0,"
		" started_ns = excluded.started_ns, heartbeat_ns = excluded.heartbeat_ns");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, r->name, -1);
	db_bind_text(stmt, 2, r->labels ? r->labels : "", -1);
	db_bind_text(stmt, 3, r->host ? r->host : "", -1);
	db_bind_int64(stmt, 4, r->pid);
	db_bind_int64(stmt, 5, now_real_ns());
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "register a runner");
	db_finalize(stmt);
	return result;
}

int store_runner_unregister(struct store *store, const char *name)
{
	struct db_stmt *stmt = store_prepare(store, "DELETE FROM runners WHERE name = ?1");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, name, -1);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "remove a runner");
	db_finalize(stmt);
	return result;
}

static void runner_clear(void *row)
{
	struct store_runner *r = row;
	free(r->name);
	free(r->labels);
	free(r->host);
}

static int runner_row(struct store *store, void *row, struct db_stmt *stmt)
{
	struct store_runner *r = row;
	r->name = store_column_dup(stmt, 0);
	r->labels = store_column_dup(stmt, 1);
	r->host = store_column_dup(stmt, 2);
	r->pid = db_column_int64(stmt, 3);
	r->run_id = db_column_int64(stmt, 4);
	r->started_ns = db_column_int64(stmt, 5);
	r->heartbeat_ns = db_column_int64(stmt, 6);
	if (!r->name || !r->labels || !r->host) {
		runner_clear(r);
		return store_nomem(store);
	}
	return STORE_OK;
}

int store_runners_list(struct store *store, struct store_runner **out, size_t *n)
{
	return store_rows_collect(store, out, n, sizeof(**out),
				  store_prepare(store, "SELECT name, labels, host, pid, run_id,"
						       " started_ns, heartbeat_ns FROM runners"
						       " ORDER BY name"),
				  runner_row, runner_clear, "list runners");
}

void store_runners_free(struct store_runner *runners, size_t n)
{
	for (size_t i = 0; i < n; i++)
		runner_clear(&runners[i]);
	free(runners);
}

int store_run_holder(struct store *store, char **runner, int64_t id)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT runner FROM runs WHERE id = ?1");
	int rc, result = STORE_OK;
	*runner = NULL;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, id);
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		if (!(*runner = store_column_dup(stmt, 0)))
			result = store_nomem(store);
	} else {
		result = rc == DB_DONE ? STORE_NOTFOUND : store_fail(store, "read a run's runner");
	}
	db_finalize(stmt);
	return result;
}
