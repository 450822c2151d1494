/* Baselines: names pinned to a commit, and every pin and unpin of a name
 * with its provenance (baseline_events). Every change bumps the change
 * number, so the views that show baselines are recomputed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/array.h"
#include "util/clock.h"

/* The run a pin refers to, read inside the pin's transaction so that a run
 * finishing meanwhile cannot split the commit from its run. */
struct pin_run {
	int64_t id; /* 0: none */
	char commit[STORE_HASH_LEN + 1];
	char *cc, *libc;
};

/* A column as a malloc'd string, NULL when SQL NULL; *failed on no memory. */
static char *column_dup(struct db_stmt *stmt, int col, bool *failed)
{
	const unsigned char *text = db_column_text(stmt, col);
	char *copy;
	if (!text)
		return NULL;
	if (!(copy = strdup((const char *)text)))
		*failed = true;
	return copy;
}

/* system.json's toolchain, when the run recorded it (json_extract fails on
 * text that is not JSON, hence json_valid first). */
#define TOOLCHAIN_COLUMNS                                                                \
	" CASE WHEN json_valid(system) THEN json_extract(system, '$.toolchain.cc') END," \
	" CASE WHEN json_valid(system) THEN json_extract(system, '$.toolchain.libc') END"

static int pin_run_find(struct store *store, struct pin_run *out, const struct store_pin *pin)
{
	struct db_stmt *stmt;
	bool failed = false;
	int rc, result = STORE_OK;
	memset(out, 0, sizeof(*out));
	if (pin->commit) {
		stmt = store_prepare(store, "SELECT id, commit_sha," TOOLCHAIN_COLUMNS
					    " FROM runs WHERE commit_sha = ?1 AND state = 'done'"
					    " AND (CAST(?2 AS TEXT) IS NULL OR host = ?2)"
					    " AND id NOT IN (SELECT run_id FROM exclusions)"
					    " ORDER BY id DESC LIMIT 1");
		if (stmt) {
			db_bind_text(stmt, 1, pin->commit, -1);
			if (pin->host)
				db_bind_text(stmt, 2, pin->host, -1);
		}
	} else {
		/* As the views' latest: the newest done run of any host. */
		stmt = store_prepare(store, "SELECT id, commit_sha," TOOLCHAIN_COLUMNS
					    " FROM runs WHERE state = 'done'"
					    " AND id NOT IN (SELECT run_id FROM exclusions)"
					    " ORDER BY id DESC LIMIT 1");
	}
	if (!stmt)
		return STORE_ERROR;
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		const unsigned char *commit = db_column_text(stmt, 1);
		out->id = db_column_int64(stmt, 0);
		snprintf(out->commit, sizeof(out->commit), "%s", commit ? (const char *)commit : "");
		out->cc = column_dup(stmt, 2, &failed);
		out->libc = column_dup(stmt, 3, &failed);
		if (failed)
			result = store_nomem(store);
	} else if (rc == DB_DONE) {
		if (pin->commit)
			snprintf(out->commit, sizeof(out->commit), "%s", pin->commit);
		else
			result = STORE_NOTFOUND;
	} else {
		result = store_fail(store, "find the run of a baseline");
	}
	db_finalize(stmt);
	if (result) {
		free(out->cc);
		free(out->libc);
	}
	return result;
}

static void bind_text_or_null(struct db_stmt *stmt, int col, const char *text)
{
	if (text)
		db_bind_text(stmt, col, text, -1);
	else
		db_bind_null(stmt, col);
}

static void bind_int_or_null(struct db_stmt *stmt, int col, int64_t value)
{
	if (value >= 0)
		db_bind_int64(stmt, col, value);
	else
		db_bind_null(stmt, col);
}

/* One event row; its id in *id. */
static int event_insert(struct store *store, int64_t *id, const struct store_baseline_event *e)
{
	struct db_stmt *stmt = store_prepare(store, "INSERT INTO baseline_events (name, action,"
						  " revision, commit_sha, run_id, uid, host, cc,"
						  " libc, at_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, e->name, -1);
	db_bind_text(stmt, 2, e->unpin ? "unpin" : "pin", -1);
	bind_text_or_null(stmt, 3, e->revision);
	db_bind_text(stmt, 4, e->commit, -1);
	bind_int_or_null(stmt, 5, e->run_id);
	bind_int_or_null(stmt, 6, e->uid);
	bind_text_or_null(stmt, 7, e->host);
	bind_text_or_null(stmt, 8, e->cc);
	bind_text_or_null(stmt, 9, e->libc);
	db_bind_int64(stmt, 10, e->at_ns);
	if (db_step(stmt) != DB_ROW)
		result = store_fail(store, "record a baseline's history");
	else
		*id = db_column_int64(stmt, 0);
	db_finalize(stmt);
	return result;
}

/* One statement on baselines (name first), in the caller's transaction. */
static int baselines_exec(struct store *store, const char *sql, const char *what,
			  const struct store_baseline_event *e, int64_t event_id)
{
	struct db_stmt *stmt = store_prepare(store, sql);
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, e->name, -1);
	if (!e->unpin) {
		db_bind_text(stmt, 2, e->revision, -1);
		db_bind_text(stmt, 3, e->commit, -1);
		db_bind_int64(stmt, 4, e->at_ns);
		db_bind_int64(stmt, 5, event_id);
	}
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, what);
	db_finalize(stmt);
	return result;
}

static int dup_or_null(char **out, const char *text)
{
	*out = NULL;
	return text && !(*out = strdup(text)) ? -1 : 0;
}

int store_baseline_pin(struct store *store, struct store_baseline_event *out,
		       const struct store_pin *pin)
{
	struct store_baseline_event e = {.uid = pin->uid < 0 ? -1 : pin->uid};
	struct pin_run run = {0};
	int64_t seq = 0, event_id = 0;
	int result;
	if (out)
		memset(out, 0, sizeof(*out));
	if (strlen(pin->name) > STORE_BASELINE_NAME_MAX)
		return store_refuse(store, STORE_ERROR, "baseline name too long");
	if (pin->commit && strlen(pin->commit) != STORE_HASH_LEN)
		return store_refuse(store, STORE_ERROR, "baseline commit is not a full hash");
	if ((result = store_begin(store)))
		return result;
	if ((result = store_bump_seq(store, &seq)) || (result = pin_run_find(store, &run, pin)))
		goto fail;
	snprintf(e.name, sizeof(e.name), "%s", pin->name);
	memcpy(e.commit, run.commit, sizeof(e.commit));
	e.revision = (char *)pin->revision;
	e.run_id = run.id;
	e.host = (char *)pin->host;
	e.cc = run.cc;
	e.libc = run.libc;
	e.at_ns = now_real_ns();
	if ((result = event_insert(store, &event_id, &e)) ||
	    (result = baselines_exec(store,
				     "INSERT INTO baselines (name, revision, commit_sha,"
				     " created_ns, event_id) VALUES (?, ?, ?, ?, ?)"
				     " ON CONFLICT (name) DO UPDATE SET revision = excluded.revision,"
				     " commit_sha = excluded.commit_sha, created_ns = excluded.created_ns,"
				     " event_id = excluded.event_id",
				     "pin baseline", &e, event_id)) ||
	    (result = store_mark_results_changed(store, seq)) || (result = store_commit(store)))
		goto fail;
	if (out) {
		*out = e;
		out->id = event_id;
		out->cc = run.cc;
		out->libc = run.libc;
		out->revision = out->host = NULL;
		if (dup_or_null(&out->revision, pin->revision) || dup_or_null(&out->host, pin->host)) {
			store_baseline_event_clear(out);
			return store_nomem(store);
		}
		return STORE_OK;
	}
	free(run.cc);
	free(run.libc);
	return STORE_OK;
fail:
	free(run.cc);
	free(run.libc);
	store_rollback(store);
	return result;
}

int store_baseline_set(struct store *store, const char *name, const char *revision,
		       const char *commit)
{
	struct store_pin pin = {.name = name, .revision = revision, .commit = commit, .uid = -1};
	return store_baseline_pin(store, NULL, &pin);
}

int store_baseline_unpin(struct store *store, const char *name, int64_t uid, const char *host)
{
	struct store_baseline e = {0};
	struct store_baseline_event ev = {.unpin = true, .uid = uid < 0 ? -1 : uid};
	int64_t seq = 0, event_id = 0;
	int result;
	if ((result = store_begin(store)))
		return result;
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	if ((result = store_baseline_get(store, &e, name))) {
		if (result == STORE_NOTFOUND)
			store_refuse(store, STORE_NOTFOUND, "no baseline %s", name);
		goto fail;
	}
	snprintf(ev.name, sizeof(ev.name), "%s", name);
	memcpy(ev.commit, e.commit, sizeof(ev.commit));
	ev.host = (char *)host;
	ev.at_ns = now_real_ns();
	if ((result = event_insert(store, &event_id, &ev)) ||
	    (result = baselines_exec(store, "DELETE FROM baselines WHERE name = ?",
				     "unpin baseline", &ev, 0)) ||
	    (result = store_mark_results_changed(store, seq)))
		goto fail;
	return store_commit(store);
fail:
	store_rollback(store);
	return result;
}

int store_baseline_delete(struct store *store, const char *name)
{
	return store_baseline_unpin(store, name, -1, NULL);
}

static void baseline_from_row(struct store_baseline *b, struct db_stmt *stmt)
{
	const unsigned char *name = db_column_text(stmt, 0);
	const unsigned char *commit = db_column_text(stmt, 1);
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name ? (const char *)name : "");
	snprintf(b->commit, sizeof(b->commit), "%s", commit ? (const char *)commit : "");
	b->created_ns = db_column_int64(stmt, 2);
}

int store_baseline_get(struct store *store, struct store_baseline *out, const char *name)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT name, commit_sha, created_ns"
						  " FROM baselines WHERE name = ?");
	int rc, result;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, name, -1);
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		baseline_from_row(out, stmt);
		result = STORE_OK;
	} else if (rc == DB_DONE) {
		result = STORE_NOTFOUND;
	} else {
		result = store_fail(store, "get baseline");
	}
	db_finalize(stmt);
	return result;
}

int store_baselines_list(struct store *store, struct store_baseline **out, size_t *n)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT name, commit_sha, created_ns"
						  " FROM baselines ORDER BY name");
	struct store_baseline *list = NULL;
	size_t count = 0, cap = 0;
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	while ((rc = db_step(stmt)) == DB_ROW) {
		if (ALLOC_GROW(list, count + 1, cap)) {
			result = store_nomem(store);
			break;
		}
		baseline_from_row(&list[count++], stmt);
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "list baselines");
	db_finalize(stmt);
	if (result) {
		free(list);
		return result;
	}
	*out = list;
	*n = count;
	return STORE_OK;
}

#define EVENT_COLUMNS                                                                    \
	"SELECT e.id, e.name, e.action, e.revision, e.commit_sha, e.run_id, e.uid, e.host," \
	" e.cc, e.libc, e.at_ns FROM baseline_events e"

/* A NULL column is unknown: -1 for the numbers. */
static int64_t column_int_or_unknown(struct db_stmt *stmt, int col)
{
	return db_column_is_null(stmt, col) ? -1 : db_column_int64(stmt, col);
}

static int event_from_row(struct store_baseline_event *e, struct db_stmt *stmt)
{
	const unsigned char *name = db_column_text(stmt, 1);
	const unsigned char *action = db_column_text(stmt, 2);
	const unsigned char *commit = db_column_text(stmt, 4);
	bool failed = false;
	memset(e, 0, sizeof(*e));
	e->id = db_column_int64(stmt, 0);
	snprintf(e->name, sizeof(e->name), "%s", name ? (const char *)name : "");
	e->unpin = action && strcmp((const char *)action, "unpin") == 0;
	e->revision = column_dup(stmt, 3, &failed);
	snprintf(e->commit, sizeof(e->commit), "%s", commit ? (const char *)commit : "");
	e->run_id = column_int_or_unknown(stmt, 5);
	e->uid = column_int_or_unknown(stmt, 6);
	e->host = column_dup(stmt, 7, &failed);
	e->cc = column_dup(stmt, 8, &failed);
	e->libc = column_dup(stmt, 9, &failed);
	e->at_ns = db_column_int64(stmt, 10);
	if (!failed)
		return 0;
	store_baseline_event_clear(e);
	return -1;
}

int store_baseline_current(struct store *store, struct store_baseline_event *out,
			   const char *name)
{
	struct db_stmt *stmt = store_prepare(store, EVENT_COLUMNS " JOIN baselines b"
							       " ON b.event_id = e.id WHERE b.name = ?");
	int rc, result = STORE_OK;
	memset(out, 0, sizeof(*out));
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, name, -1);
	rc = db_step(stmt);
	if (rc == DB_ROW)
		result = event_from_row(out, stmt) ? store_nomem(store) : STORE_OK;
	else if (rc == DB_DONE)
		result = STORE_NOTFOUND;
	else
		result = store_fail(store, "get a baseline's pin");
	db_finalize(stmt);
	return result;
}

int store_baseline_history(struct store *store, struct store_baseline_event **out, size_t *n,
			   const char *name)
{
	struct db_stmt *stmt = store_prepare(store, EVENT_COLUMNS " WHERE e.name = ?"
							       " ORDER BY e.id DESC");
	struct store_baseline_event *list = NULL;
	size_t count = 0, cap = 0;
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, name, -1);
	while ((rc = db_step(stmt)) == DB_ROW) {
		if (ALLOC_GROW(list, count + 1, cap) || event_from_row(&list[count], stmt)) {
			result = store_nomem(store);
			break;
		}
		count++;
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "read a baseline's history");
	db_finalize(stmt);
	if (result) {
		store_baseline_events_free(list, count);
		return result;
	}
	*out = list;
	*n = count;
	return STORE_OK;
}

int store_baseline_history_names(struct store *store, char ***names, size_t *n)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT DISTINCT name FROM baseline_events"
						  " ORDER BY name");
	char **list = NULL;
	size_t count = 0, cap = 0;
	bool failed = false;
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	while ((rc = db_step(stmt)) == DB_ROW) {
		if (ALLOC_GROW(list, count + 1, cap) || !(list[count] = column_dup(stmt, 0, &failed)) ||
		    failed) {
			result = store_nomem(store);
			break;
		}
		count++;
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "list baselines' histories");
	db_finalize(stmt);
	if (result) {
		store_names_free(list, count);
		return result;
	}
	*names = list;
	*n = count;
	return STORE_OK;
}

void store_baseline_event_clear(struct store_baseline_event *event)
{
	free(event->revision);
	free(event->host);
	free(event->cc);
	free(event->libc);
	event->revision = event->host = event->cc = event->libc = NULL;
}

void store_baseline_events_free(struct store_baseline_event *events, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_baseline_event_clear(&events[i]);
	free(events);
}
