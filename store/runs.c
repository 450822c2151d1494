/* Runs: the queue, their progress, and how they finished. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/fleet.h"
#include "util/array.h"
#include "util/clock.h"

#define RUN_COLUMNS                                                                        \
	"id, revision, commit_sha, state, detail, seq, created_ns, updated_ns, started_ns," \
	" finished_ns, attempts, " STORE_RUN_CONFIG_SQL ", system, result, host, pair_id,"  \
	EXCLUSION_COLUMNS ", result_z, labels, runner, lease_ns"

/* A run's exclusion (NULL and 0 when none), read with every run. */
#define EXCLUSION_COLUMNS                                                     \
	" (SELECT reason FROM exclusions WHERE run_id = runs.id),"          \
	" coalesce((SELECT excluded_ns FROM exclusions WHERE run_id = runs.id), 0)"

static const char *const state_sql[] = {"queued", "building", "running", "done", "failed"};

enum run_state store_run_state_parse(const unsigned char *text)
{
	for (size_t i = 0; i < sizeof(state_sql) / sizeof(state_sql[0]); i++)
		if (text && strcmp((const char *)text, state_sql[i]) == 0)
			return (enum run_state)i;
	return RUN_FAILED;
}

static char *column_strdup(struct db_stmt *stmt, int col)
{
	const unsigned char *text = db_column_text(stmt, col);
	return text ? strdup((const char *)text) : NULL;
}

/* Fill *run from a row selected with RUN_COLUMNS. */
static int run_from_row(struct store *store, struct store_run *run, struct db_stmt *stmt)
{
	const unsigned char *commit = db_column_text(stmt, 2);
	memset(run, 0, sizeof(*run));
	run->id = db_column_int64(stmt, 0);
	run->revision = column_strdup(stmt, 1);
	if (commit)
		snprintf(run->commit, sizeof(run->commit), "%s", (const char *)commit);
	run->state = store_run_state_parse(db_column_text(stmt, 3));
	run->detail = column_strdup(stmt, 4);
	run->seq = db_column_int64(stmt, 5);
	run->created_ns = db_column_int64(stmt, 6);
	run->updated_ns = db_column_int64(stmt, 7);
	run->started_ns = db_column_int64(stmt, 8);
	run->finished_ns = db_column_int64(stmt, 9);
	run->attempts = db_column_int(stmt, 10);
	run->config = column_strdup(stmt, 11);
	run->system = column_strdup(stmt, 12);
	run->result = column_strdup(stmt, 13);
	/* Packed (result_z) unless written before migration 12 and not yet converted. */
	if (db_column_is_null(stmt, 13) &&
	    !db_column_is_null(stmt, 18)) {
		int result = store_result_read(store, &run->result, run->id,
					       db_column_blob(stmt, 18),
					       (size_t)db_column_bytes(stmt, 18));
		if (result) {
			run->result = NULL;
			store_run_clear(run);
			return result;
		}
	}
	run->host = column_strdup(stmt, 14);
	run->pair_id = db_column_int64(stmt, 15);
	run->excluded_reason = column_strdup(stmt, 16);
	run->excluded_ns = db_column_int64(stmt, 17);
	run->labels = column_strdup(stmt, 19);
	run->runner = column_strdup(stmt, 20);
	run->lease_ns = db_column_int64(stmt, 21);
	if (!run->revision || !run->detail || !run->config || !run->host || !run->labels ||
	    !run->runner ||
	    (!db_column_is_null(stmt, 16) && !run->excluded_reason) ||
	    (!db_column_is_null(stmt, 12) && !run->system) ||
	    (!db_column_is_null(stmt, 13) && !run->result)) {
		store_run_clear(run);
		return store_nomem(store);
	}
	return STORE_OK;
}

void store_run_clear(struct store_run *run)
{
	if (!run)
		return;
	free(run->revision);
	free(run->detail);
	free(run->config);
	free(run->system);
	free(run->result);
	free(run->host);
	free(run->excluded_reason);
	free(run->labels);
	free(run->runner);
	memset(run, 0, sizeof(*run));
}

void store_runs_free(struct store_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_run_clear(&runs[i]);
	free(runs);
}

static int count_pending(struct store *store, size_t *out)
{
	int64_t count = 0;
	int result = store_select_int64(
		store, &count,
		"SELECT count(*) FROM runs WHERE state IN ('queued','building','running')",
		"count pending runs");
	*out = (size_t)count;
	return result;
}

/* Inside store_runs_queue's transaction: each A/B pair points at its other side. */
static int link_pairs(struct store *store, const int64_t *ids, const struct store_new_run *runs,
		      size_t n)
{
	struct db_stmt *stmt = NULL;
	int result = STORE_OK;
	for (size_t i = 0; i < n; i++) {
		if (!runs[i].paired_with_next)
			continue;
		if (i + 1 >= n || runs[i + 1].paired_with_next) {
			result = store_refuse(store, STORE_ERROR, "an A/B pair needs two runs");
			break;
		}
		if (!stmt && !(stmt = store_prepare(store, "UPDATE runs SET pair_id = ? WHERE id = ?"))) {
			result = STORE_ERROR;
			break;
		}
		for (int side = 0; side < 2 && result == STORE_OK; side++) {
			db_bind_int64(stmt, 1, ids[i + 1 - side]);
			db_bind_int64(stmt, 2, ids[i + side]);
			if (db_step(stmt) != DB_DONE)
				result = store_fail(store, "link A/B runs");
			db_reset(stmt);
		}
		i++;
	}
	db_finalize(stmt);
	return result;
}

/* Inside store_runs_queue's transaction: a job's labels, one row each
 * (labels is "a,b", checked by the caller), so a claim matches them. */
static int add_labels(struct store *store, int64_t id, const char *labels)
{
	struct db_stmt *stmt;
	int result = STORE_OK;
	if (!labels || !*labels)
		return STORE_OK;
	if (!(stmt = store_prepare(store, "INSERT INTO run_labels (run_id, label) VALUES (?1, ?2)"
					  " ON CONFLICT DO NOTHING")))
		return STORE_ERROR;
	for (const char *p = labels; *p && result == STORE_OK;) {
		size_t len = strcspn(p, ",");
		db_bind_int64(stmt, 1, id);
		db_bind_text(stmt, 2, p, (int)len);
		if (db_step(stmt) != DB_DONE)
			result = store_fail(store, "label a job");
		db_reset(stmt);
		p += len + (p[len] == ',');
	}
	db_finalize(stmt);
	return result;
}

int store_runs_queue(struct store *store, int64_t *ids_out, const struct store_new_run *runs,
		     size_t n, size_t max_pending)
{
	struct db_stmt *stmt = NULL;
	size_t pending = 0;
	int64_t seq = 0, now = now_real_ns();
	int result;
	if (n == 0)
		return STORE_OK; /* nothing changes, so no new change number */
	if ((result = store_begin(store)))
		return result;
	if ((result = count_pending(store, &pending)))
		goto fail;
	if (pending + n > max_pending) {
		result = store_refuse(store, STORE_FULL, "%zu jobs are pending; the limit is %zu",
				      pending, max_pending);
		goto fail;
	}
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	stmt = store_prepare(store,
		"INSERT INTO runs (revision, commit_sha, state, seq, created_ns, updated_ns, config,"
		" config_id, labels) VALUES (?, ?, 'queued', ?, ?, ?, '', ?, ?) RETURNING id");
	if (!stmt) {
		result = STORE_ERROR;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t config_id = 0;
		if ((result = store_config_id(store, &config_id, runs[i].config)))
			goto fail;
		db_bind_text(stmt, 1, runs[i].revision, -1);
		db_bind_text(stmt, 2, runs[i].commit, -1);
		db_bind_int64(stmt, 3, seq);
		db_bind_int64(stmt, 4, now);
		db_bind_int64(stmt, 5, now);
		db_bind_int64(stmt, 6, config_id);
		db_bind_text(stmt, 7, runs[i].labels ? runs[i].labels : "", -1);
		if (db_step(stmt) != DB_ROW) {
			result = store_fail(store, "queue run");
			goto fail;
		}
		ids_out[i] = db_column_int64(stmt, 0);
		db_reset(stmt);
		if ((result = add_labels(store, ids_out[i], runs[i].labels)))
			goto fail;
	}
	db_finalize(stmt);
	stmt = NULL;
	if ((result = link_pairs(store, ids_out, runs, n)) || (result = store_notify_queue(store)))
		goto fail;
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	return result;
}

static int run_row(struct store *store, void *row, struct db_stmt *stmt)
{
	return run_from_row(store, row, stmt);
}

static void run_row_clear(void *row)
{
	store_run_clear(row);
}

/* Run a query selecting RUN_COLUMNS with one optional text parameter and
 * collect every row. */
static int runs_select(struct store *store, struct store_run **out, size_t *n, const char *sql,
		       const char *text_param)
{
	struct db_stmt *stmt = store_prepare(store, sql);
	if (stmt && text_param)
		db_bind_text(stmt, 1, text_param, -1);
	return store_rows_collect(store, out, n, sizeof(**out), stmt, run_row, run_row_clear,
				  "select runs");
}

/* One run by id through sql, which selects the columns run_from_row reads. */
static int run_get_by_id(struct store *store, struct store_run *out, int64_t id, const char *sql)
{
	struct db_stmt *stmt = store_prepare(store, sql);
	int rc, result;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, id);
	rc = db_step(stmt);
	if (rc == DB_ROW)
		result = run_from_row(store, out, stmt);
	else if (rc == DB_DONE)
		result = STORE_NOTFOUND;
	else
		result = store_fail(store, "get run");
	db_finalize(stmt);
	return result;
}

int store_run_get(struct store *store, struct store_run *out, int64_t id)
{
	return run_get_by_id(store, out, id, "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?");
}

int store_run_get_light(struct store *store, struct store_run *out, int64_t id)
{
	/* Only the columns stored before the large ones: reading a column after
	 * result would walk its overflow pages. */
	return run_get_by_id(store, out, id,
		"SELECT id, revision, commit_sha, state, detail, seq, created_ns, updated_ns,"
		" started_ns, finished_ns, attempts, '', NULL, NULL, '', 0," EXCLUSION_COLUMNS
		", NULL, labels, runner, lease_ns FROM runs WHERE id = ?");
}

int store_run_count(struct store *store, size_t *n)
{
	int64_t count = 0;
	int result = store_select_int64(store, &count, "SELECT count(*) FROM runs", "count runs");
	*n = (size_t)count;
	return result;
}

int store_pair_queued(struct store *store, bool *out, const char *commit_a, const char *commit_b)
{
	struct db_stmt *stmt = store_prepare(store,
		"SELECT EXISTS (SELECT 1 FROM runs a JOIN runs b ON b.id = a.pair_id"
		" WHERE a.commit_sha = ?1 AND b.commit_sha = ?2 AND a.id < b.id)");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, commit_a, -1);
	db_bind_text(stmt, 2, commit_b, -1);
	if (db_step(stmt) == DB_ROW)
		*out = db_column_int(stmt, 0) != 0;
	else
		result = store_fail(store, "find an A/B job");
	db_finalize(stmt);
	return result;
}

int store_run_ids(struct store *store, int64_t **ids, size_t *n)
{
	return store_rows_collect(store, ids, n, sizeof(**ids),
				  store_prepare(store, "SELECT id FROM runs ORDER BY id"), store_id_row,
				  NULL, "list runs");
}

int store_runs_pending(struct store *store, struct store_run **runs, size_t *n)
{
	return runs_select(store, runs, n,
			   "SELECT " RUN_COLUMNS " FROM runs"
			   " WHERE state IN ('queued','building','running') ORDER BY id",
			   NULL);
}

int store_runs_excluded(struct store *store, struct store_run **runs, size_t *n)
{
	return runs_select(store, runs, n,
			   "SELECT " RUN_COLUMNS " FROM runs JOIN exclusions e ON e.run_id = runs.id"
			   " ORDER BY e.excluded_ns DESC, runs.id DESC",
			   NULL);
}

int store_run_next(struct store *store, struct store_run *out)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT " RUN_COLUMNS " FROM runs"
						  " WHERE state = 'queued' ORDER BY id LIMIT 1");
	int rc, result;
	if (!stmt)
		return STORE_ERROR;
	rc = db_step(stmt);
	if (rc == DB_ROW)
		result = run_from_row(store, out, stmt);
	else if (rc == DB_DONE)
		result = STORE_NOTFOUND;
	else
		result = store_fail(store, "next run");
	db_finalize(stmt);
	return result;
}

/* Inside the transaction that finishes a run done: its per-benchmark sums. */
static int write_sums(struct store *store, int64_t id)
{
	struct db_stmt *stmt = store_prepare(store,
		"INSERT INTO run_sums (run_id, benchmark, n, sum_wall_ns, min_wall_ns)"
		" SELECT s.run_id, b.name, count(*), sum(s.wall_ns), min(s.wall_ns) FROM samples s"
		" JOIN benchmarks b ON b.id = s.bench_id WHERE s.run_id = ? GROUP BY s.run_id, s.bench_id, b.name"
		" ON CONFLICT (run_id, benchmark) DO UPDATE SET n = excluded.n,"
		" sum_wall_ns = excluded.sum_wall_ns, min_wall_ns = excluded.min_wall_ns");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, id);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "sum iterations");
	db_finalize(stmt);
	return result;
}

/* One UPDATE of a run inside its own transaction, with a fresh change number. */
static int run_update(struct store *store, int64_t id, enum run_state state, const char *detail,
		      const char *json, const char *sql)
{
	struct db_stmt *stmt = NULL;
	int64_t seq = 0;
	int result = store_begin(store);
	if (result)
		return result;
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	if (!(stmt = store_prepare(store, sql))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_text(stmt, 1, state_sql[state], -1);
	db_bind_text(stmt, 2, detail ? detail : "", -1);
	db_bind_int64(stmt, 3, seq);
	db_bind_int64(stmt, 4, now_real_ns());
	db_bind_text(stmt, 5, json, -1);
	db_bind_int64(stmt, 6, id);
	db_bind_text(stmt, 7, store->owner, -1);
	if (db_step(stmt) != DB_DONE) {
		result = store_fail(store, "update run");
		goto fail;
	}
	if (store_changes(store) != 1) {
		result = store_refuse(store, STORE_NOTFOUND, "no run %lld held by %s", (long long)id,
				      *store->owner ? store->owner : "no runner");
		goto fail;
	}
	db_finalize(stmt);
	stmt = NULL;
	/* A finished run's result.json, packed against its iterations. */
	if ((state == RUN_DONE || state == RUN_FAILED) &&
	    (result = store_result_write(store, id, json, true)))
		goto fail;
	if (state == RUN_DONE &&
	    ((result = store_mark_results_changed(store, seq)) || (result = write_sums(store, id))))
		goto fail;
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	return result;
}

int store_run_progress(struct store *store, int64_t id, enum run_state state,
		       const char *detail, const char *system_json)
{
	if (state != RUN_BUILDING && state != RUN_RUNNING)
		return store_refuse(store, STORE_ERROR, "run %lld: progress to state %s",
				    (long long)id, run_state_name(state));
	/* The first step of an attempt records its start time, attempt and host. */
	return run_update(store, id, state, detail, system_json,
			  "UPDATE runs SET state = ?1, detail = ?2, seq = ?3, updated_ns = ?4,"
			  " system = coalesce(?5, system),"
			  " host = CASE WHEN json_valid(?5)"
			  "  THEN coalesce(json_extract(?5, '$.hostname'), '') ELSE host END,"
			  " started_ns = CASE WHEN ?5 IS NULL THEN started_ns ELSE ?4 END,"
			  " attempts = attempts + CASE WHEN ?5 IS NULL THEN 0 ELSE 1 END"
			  " WHERE id = ?6 AND runner IN ('', ?7)");
}

int store_run_finish(struct store *store, int64_t id, enum run_state state, const char *detail,
		     const char *result_json)
{
	if (state != RUN_DONE && state != RUN_FAILED)
		return store_refuse(store, STORE_ERROR, "run %lld: finish in state %s",
				    (long long)id, run_state_name(state));
	return run_update(store, id, state, detail, result_json,
			  "UPDATE runs SET state = ?1, detail = ?2, seq = ?3, updated_ns = ?4,"
			  " finished_ns = ?4, result = NULL, result_z = NULL, lease_ns = 0"
			  " WHERE id = ?6 AND runner IN ('', ?7)");
}

static int discard_partial(struct store *store, const int64_t *ids, size_t n)
{
	static const char *const sql[] = {"DELETE FROM samples WHERE run_id = ?",
					  "DELETE FROM metrics WHERE run_id = ?",
					  "DELETE FROM metric_samples WHERE run_id = ?"};
	for (size_t s = 0; s < sizeof(sql) / sizeof(sql[0]); s++) {
		struct db_stmt *stmt = store_prepare(store, sql[s]);
		if (!stmt)
			return STORE_ERROR;
		for (size_t i = 0; i < n; i++) {
			db_bind_int64(stmt, 1, ids[i]);
			if (db_step(stmt) != DB_DONE) {
				db_finalize(stmt);
				return store_fail(store, "discard partial measurements");
			}
			db_reset(stmt);
		}
		db_finalize(stmt);
	}
	return STORE_OK;
}

/* Which runs store_runs_recover takes: this runner's (it holds nothing
 * now), no runner's (building or running before runners held jobs), and
 * any whose lease ran out. ?2 is now, ?3 the runner. */
#define RECOVERABLE                                                                \
	" WHERE state IN ('queued','building','running') AND ((?3 <> '' AND runner = ?3)" \
	" OR (runner = '' AND state <> 'queued') OR (runner <> '' AND lease_ns < ?2))"

int store_runs_recover(struct store *store, const char *runner, int64_t **ids, size_t *n)
{
	struct db_stmt *stmt = NULL;
	int64_t *list = NULL, seq = 0, now = now_real_ns(), any = 0;
	size_t count = 0, cap = 0;
	int rc, result;
	*ids = NULL;
	*n = 0;
	/* Every runner asks often (its leases' heartbeat): a new change number
	 * only when something changes. */
	if (!(stmt = store_prepare(store, "SELECT EXISTS (SELECT 1 FROM runs" RECOVERABLE ")")))
		return STORE_ERROR;
	db_bind_int64(stmt, 2, now);
	db_bind_text(stmt, 3, runner ? runner : "", -1);
	rc = db_step(stmt);
	any = rc == DB_ROW ? db_column_int64(stmt, 0) : 0;
	db_finalize(stmt);
	stmt = NULL;
	if (rc != DB_ROW)
		return store_fail(store, "look for runs to recover");
	if (!any)
		return STORE_OK;
	if ((result = store_begin(store)))
		return result;
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	stmt = store_prepare(store, "UPDATE runs SET state = 'queued', detail = '', seq = ?1,"
				    " updated_ns = ?2, runner = '', lease_ns = 0" RECOVERABLE
				    " RETURNING id");
	if (!stmt) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_int64(stmt, 1, seq);
	db_bind_int64(stmt, 2, now);
	db_bind_text(stmt, 3, runner ? runner : "", -1);
	while ((rc = db_step(stmt)) == DB_ROW) {
		if (ALLOC_GROW(list, count + 1, cap)) {
			result = store_nomem(store);
			goto fail;
		}
		list[count++] = db_column_int64(stmt, 0);
	}
	if (rc != DB_DONE) {
		result = store_fail(store, "recover runs");
		goto fail;
	}
	db_finalize(stmt);
	stmt = NULL;
	/* A re-run measures from scratch: half a sample set would bias it. */
	if ((result = discard_partial(store, list, count)) ||
	    (count && (result = store_notify_queue(store))) || (result = store_commit(store)))
		goto fail;
	*ids = list;
	*n = count;
	return STORE_OK;
fail:
	db_finalize(stmt);
	store_rollback(store);
	free(list);
	return result;
}

/* 40 lowercase hex digits, or "": what checkout_artifacts_id writes. */
static bool build_id_valid(const char *build_id)
{
	size_t len = 0;
	for (; build_id[len]; len++)
		if (!((build_id[len] >= '0' && build_id[len] <= '9') ||
		      (build_id[len] >= 'a' && build_id[len] <= 'f')))
			return false;
	return len == 0 || len == STORE_HASH_LEN;
}

int store_run_set_build_id(struct store *store, int64_t id, const char *build_id)
{
	struct db_stmt *stmt = NULL;
	int64_t seq = 0;
	bool done = false, found = false;
	int rc, result;
	if (!build_id || !build_id_valid(build_id))
		return store_refuse(store, STORE_ERROR,
				    "a build id is 40 lowercase hex digits or empty, not \"%.64s\"",
				    build_id ? build_id : "(null)");
	if ((result = store_begin(store)))
		return result;
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	if (!(stmt = store_prepare(store, "UPDATE runs SET build_id = ?1, seq = ?2, updated_ns = ?3"
					  " WHERE id = ?4 RETURNING state = 'done'"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_text(stmt, 1, build_id, -1);
	db_bind_int64(stmt, 2, seq);
	db_bind_int64(stmt, 3, now_real_ns());
	db_bind_int64(stmt, 4, id);
	while ((rc = db_step(stmt)) == DB_ROW) {
		found = true;
		done = db_column_int(stmt, 0) != 0;
	}
	if (rc != DB_DONE) {
		result = store_fail(store, "set build id");
		goto fail;
	}
	db_finalize(stmt);
	stmt = NULL;
	if (!found) {
		result = store_refuse(store, STORE_NOTFOUND, "no run %lld", (long long)id);
		goto fail;
	}
	/* The views read build ids ("same build"): a done run's new one moves them. */
	if (done && (result = store_mark_results_changed(store, seq)))
		goto fail;
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	return result;
}
