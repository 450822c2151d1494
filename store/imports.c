/* Imports: runs measured elsewhere, written as done runs in one transaction
 * (store.h). */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/clock.h"

/* The id of the run imported under key, or 0. */
static int find_key(struct store *store, int64_t *id, const char *key)
{
	struct db_stmt *stmt = store_prepare(store,
		"SELECT id FROM runs WHERE system IS NOT NULL AND json_valid(system)"
		" AND json_extract(system, '$.imported.key') = ?1 ORDER BY id LIMIT 1");
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, key, -1);
	*id = 0;
	rc = db_step(stmt);
	if (rc == DB_ROW)
		*id = db_column_int64(stmt, 0);
	else if (rc != DB_DONE)
		result = store_fail(store, "find an imported run");
	db_finalize(stmt);
	return result;
}

/* Run a statement whose parameters bind already; what names it in errors. */
static int step_done(struct store *store, struct db_stmt *stmt, const char *what)
{
	int result = db_step(stmt) == DB_DONE ? STORE_OK : store_fail(store, what);
	db_reset(stmt);
	return result;
}

static int insert_run(struct store *store, int64_t *id, const struct store_import *imp,
		      int64_t seq, int64_t now)
{
	struct db_stmt *stmt = store_prepare(store,
		"INSERT INTO runs (revision, commit_sha, state, detail, seq, created_ns, updated_ns,"
		" started_ns, finished_ns, attempts, config, config_id, system, host)"
		" VALUES (?1, ?2, 'done', ?3, ?4, ?5, ?5, ?6, ?6, 1, '', ?7, ?8,"
		" coalesce(json_extract(?8, '$.hostname'), '')) RETURNING id");
	int64_t config_id = 0;
	int result;
	if (!stmt)
		return STORE_ERROR;
	if ((result = store_config_id(store, &config_id, imp->config))) {
		db_finalize(stmt);
		return result;
	}
	db_bind_text(stmt, 1, imp->revision, -1);
	db_bind_text(stmt, 2, imp->commit, -1);
	db_bind_text(stmt, 3, imp->detail ? imp->detail : "", -1);
	db_bind_int64(stmt, 4, seq);
	db_bind_int64(stmt, 5, now);
	db_bind_int64(stmt, 6, imp->measured_ns > 0 ? imp->measured_ns : now);
	db_bind_int64(stmt, 7, config_id);
	db_bind_text(stmt, 8, imp->system, -1);
	if (db_step(stmt) == DB_ROW)
		*id = db_column_int64(stmt, 0);
	else
		result = store_fail(store, "import run");
	db_finalize(stmt);
	return result;
}

static int insert_measurements(struct store *store, int64_t id, const struct store_import *imp)
{
	struct db_stmt *it = store_prepare(store,
		"INSERT INTO samples (run_id, bench_id, iteration, wall_ns, user_ns, sys_ns,"
		" maxrss_bytes, exit_code, term_signal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	struct db_stmt *metric = it ? store_prepare(store,
		"INSERT INTO metrics (run_id, benchmark, name, value) VALUES (?, ?, ?, ?)"
		" ON CONFLICT (run_id, benchmark, name) DO UPDATE SET value = excluded.value")
				  : NULL;
	int result = it && metric ? STORE_OK : STORE_ERROR;
	const char *name = NULL;
	int64_t bench_id = 0;
	for (size_t i = 0; i < imp->niterations && result == STORE_OK; i++) {
		const struct store_iteration *x = &imp->iterations[i];
		if ((!name || strcmp(name, x->benchmark) != 0) &&
		    (result = store_bench_id(store, &bench_id, x->benchmark)))
			break;
		name = x->benchmark;
		db_bind_int64(it, 1, id);
		db_bind_int64(it, 2, bench_id);
		db_bind_int(it, 3, x->iteration);
		db_bind_int64(it, 4, x->wall_ns);
		db_bind_int64(it, 5, x->user_ns);
		db_bind_int64(it, 6, x->sys_ns);
		db_bind_int64(it, 7, x->maxrss_bytes);
		db_bind_int(it, 8, x->exit_code);
		db_bind_int(it, 9, x->term_signal);
		result = step_done(store, it, "import iterations");
	}
	for (size_t i = 0; i < imp->nmetrics && result == STORE_OK; i++) {
		db_bind_int64(metric, 1, id);
		db_bind_text(metric, 2, imp->metrics[i].benchmark, -1);
		db_bind_text(metric, 3, imp->metrics[i].name, -1);
		db_bind_double(metric, 4, imp->metrics[i].value);
		result = step_done(store, metric, "import metrics");
	}
	db_finalize(it);
	db_finalize(metric);
	return result;
}

/* The per-benchmark sums the views read, pair links and result.json, once
 * every run has its id. */
static int finish_run(struct store *store, const int64_t *ids, size_t i,
		      const struct store_import *runs, size_t n, store_import_result_fn result_fn,
		      void *ctx)
{
	struct db_stmt *stmt = store_prepare(store,
		"INSERT INTO run_sums (run_id, benchmark, n, sum_wall_ns, min_wall_ns)"
		" SELECT s.run_id, b.name, count(*), sum(s.wall_ns), min(s.wall_ns) FROM samples s"
		" JOIN benchmarks b ON b.id = s.bench_id WHERE s.run_id = ? GROUP BY s.run_id, s.bench_id, b.name"
		" ON CONFLICT (run_id, benchmark) DO UPDATE SET n = excluded.n,"
		" sum_wall_ns = excluded.sum_wall_ns, min_wall_ns = excluded.min_wall_ns");
	int64_t pair = 0;
	char *result_json = NULL;
	int result, rc;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, ids[i]);
	result = step_done(store, stmt, "sum imported iterations");
	db_finalize(stmt);
	if (result)
		return result;
	if (runs[i].pair_index >= 0 && (size_t)runs[i].pair_index < n &&
	    (size_t)runs[i].pair_index != i)
		pair = ids[runs[i].pair_index];
	/* A negative errno passes through the store unchanged (store_errno). */
	if ((rc = result_fn(ctx, &result_json, i, ids[i], pair)))
		return rc;
	/* Packed against the iterations just written, as a run's own. */
	if ((result = store_result_write(store, ids[i], result_json, true))) {
		free(result_json);
		return result;
	}
	free(result_json);
	if (!(stmt = store_prepare(store, "UPDATE runs SET pair_id = ?1 WHERE id = ?2")))
		return STORE_ERROR;
	db_bind_int64(stmt, 1, pair);
	db_bind_int64(stmt, 2, ids[i]);
	result = step_done(store, stmt, "link imported runs");
	db_finalize(stmt);
	return result;
}

int store_runs_import(struct store *store, int64_t *ids_out, int64_t *dup_id, size_t *dup_index,
		      const struct store_import *runs, size_t n, store_import_result_fn result_fn,
		      void *ctx)
{
	int64_t seq = 0, now = now_real_ns();
	int result;
	*dup_id = 0;
	*dup_index = 0;
	if (n == 0)
		return STORE_OK;
	if ((result = store_begin(store)))
		return result;
	/* Checked inside the transaction: two imports of one file at once
	 * cannot both get in. */
	for (size_t i = 0; i < n; i++) {
		if ((result = find_key(store, dup_id, runs[i].key)))
			goto fail;
		if (*dup_id) {
			*dup_index = i;
			store_rollback(store);
			return STORE_OK;
		}
	}
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if ((result = insert_run(store, &ids_out[i], &runs[i], seq, now)) ||
		    (result = insert_measurements(store, ids_out[i], &runs[i])))
			goto fail;
	for (size_t i = 0; i < n; i++)
		if ((result = finish_run(store, ids_out, i, runs, n, result_fn, ctx)))
			goto fail;
	if ((result = store_mark_results_changed(store, seq)))
		goto fail;
	return store_commit(store);
fail:
	store_rollback(store);
	return result;
}
