/* Retention: collapsing old runs' iterations into per-run statistics, and
 * the record of the last pruning pass (store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/run_files.h"
#include "util/array.h"
#include "util/clock.h"

int store_retain_runs(struct store *store, struct store_retain_run **runs, size_t *n)
{
	struct db_stmt *stmt = store_prepare(
		store, "SELECT r.id, r.commit_sha, r.state, r.finished_ns, r.pair_id,"
		       " s.run_id IS NOT NULL, e.run_id IS NOT NULL FROM runs r"
		       " LEFT JOIN summarized s ON s.run_id = r.id"
		       " LEFT JOIN exclusions e ON e.run_id = r.id"
		       " WHERE r.state IN ('done', 'failed') ORDER BY r.id");
	struct store_retain_run *list = NULL;
	size_t count = 0, cap = 0;
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	while ((rc = db_step(stmt)) == DB_ROW) {
		const unsigned char *commit = db_column_text(stmt, 1);
		const unsigned char *state = db_column_text(stmt, 2);
		struct store_retain_run *r;
		if (ALLOC_GROW(list, count + 1, cap)) {
			result = store_nomem(store);
			break;
		}
		r = &list[count++];
		r->id = db_column_int64(stmt, 0);
		snprintf(r->commit, sizeof(r->commit), "%s", commit ? (const char *)commit : "");
		r->state = state && strcmp((const char *)state, "done") == 0 ? RUN_DONE : RUN_FAILED;
		r->finished_ns = db_column_int64(stmt, 3);
		r->pair_id = db_column_int64(stmt, 4);
		r->summarized = db_column_int(stmt, 5) != 0;
		r->excluded = db_column_int(stmt, 6) != 0;
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "list finished runs");
	db_finalize(stmt);
	if (result) {
		free(list);
		return result;
	}
	*runs = list;
	*n = count;
	return STORE_OK;
}

/* One run inside the transaction: its summaries, its iterations deleted
 * (as many as the summaries count), its mark. */
static int summarize_one(struct store *store, int64_t *samples, const struct store_summarize *run,
			 struct db_stmt *ins, struct db_stmt *del, struct db_stmt *mark)
{
	int64_t expected = 0, deleted;
	int result;
	for (size_t i = 0; i < run->nsums; i++) {
		const struct store_run_summary *s = &run->sums[i];
		db_reset(ins);
		db_bind_int64(ins, 1, run->run_id);
		db_bind_text(ins, 2, s->benchmark, -1);
		db_bind_int64(ins, 3, s->n);
		db_bind_double(ins, 4, s->mean);
		db_bind_double(ins, 5, s->stddev);
		db_bind_double(ins, 6, s->median);
		db_bind_double(ins, 7, s->min);
		db_bind_double(ins, 8, s->max);
		if (db_step(ins) != DB_DONE)
			return store_fail(store, "write a run's summary");
		expected += s->n;
	}
	/* result.json stops referring to the samples about to go. */
	if ((result = store_result_detach(store, run->run_id)))
		return result;
	db_reset(del);
	db_bind_int64(del, 1, run->run_id);
	if (db_step(del) != DB_DONE)
		return store_fail(store, "delete a run's iterations");
	deleted = store_changes(store);
	if (deleted != expected)
		return store_refuse(store, STORE_ERROR,
				    "run %lld has %lld iterations, its summaries count %lld",
				    (long long)run->run_id, (long long)deleted, (long long)expected);
	db_reset(mark);
	db_bind_int64(mark, 1, run->run_id);
	db_bind_int64(mark, 2, deleted);
	db_bind_int64(mark, 3, now_real_ns());
	if (db_step(mark) != DB_DONE)
		return store_fail(store, "mark a run summarized");
	*samples += deleted;
	return STORE_OK;
}

int store_runs_summarize(struct store *store, int64_t *samples, const struct store_summarize *runs,
			 size_t n)
{
	struct db_stmt *ins = NULL, *del = NULL, *mark = NULL, *done = NULL;
	int64_t seq, count = 0;
	int result;
	*samples = 0;
	if (n == 0)
		return STORE_OK;
	if ((result = store_begin(store)))
		return result;
	if (!(ins = store_prepare(store, "INSERT INTO run_summaries (run_id, benchmark, n, mean,"
					 " stddev, median, min, max) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
					 " ?7, ?8)")) ||
	    !(del = store_prepare(store, "DELETE FROM samples WHERE run_id = ?1")) ||
	    !(mark = store_prepare(store, "INSERT INTO summarized (run_id, summarized_ns, samples)"
					  " VALUES (?1, ?3, ?2)")) ||
	    !(done = store_prepare(store, "SELECT 1 FROM summarized WHERE run_id = ?1"))) {
		result = STORE_ERROR;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		int step;
		db_reset(done);
		db_bind_int64(done, 1, runs[i].run_id);
		if ((step = db_step(done)) == DB_ROW)
			continue;
		if (step != DB_DONE) {
			result = store_fail(store, "read whether a run is summarized");
			goto fail;
		}
		if ((result = summarize_one(store, &count, &runs[i], ins, del, mark)) ||
		    (result = store_run_files_delete(store, runs[i].run_id)))
			goto fail;
	}
	if ((result = store_bump_seq(store, &seq)) ||
	    (result = store_mark_results_changed(store, seq)) || (result = store_commit(store)))
		goto fail;
	db_finalize(ins);
	db_finalize(del);
	db_finalize(mark);
	db_finalize(done);
	*samples = count;
	return STORE_OK;
fail:
	db_finalize(ins);
	db_finalize(del);
	db_finalize(mark);
	db_finalize(done);
	store_rollback(store);
	return result;
}

int store_runs_summarized(struct store *store, bool *out, const int64_t *run_ids, size_t n)
{
	/* One statement for all the runs (a round trip each to a server): the
	 * few summarized among them. PostgreSQL gets them as an array, seeks
	 * of the key, where it may join an IN (SELECT ...) to a scan. */
	struct db_stmt *stmt = NULL;
	char *ids = NULL;
	int rc, result;
	for (size_t i = 0; i < n; i++)
		out[i] = false;
	if (n == 0)
		return STORE_OK;
	if ((result = store_prepare_for_runs(
		     &stmt, store, &ids,
		     store_sql(store,
			       "SELECT run_id FROM summarized"
			       " WHERE run_id IN (SELECT value FROM json_each(?1))",
			       "SELECT run_id FROM summarized"
			       " WHERE run_id = ANY (ARRAY(SELECT value FROM json_each(?1)))"),
		     run_ids, n)))
		return result;
	while ((rc = db_step(stmt)) == DB_ROW) {
		int64_t id = db_column_int64(stmt, 0);
		/* Rows are the summarized runs only: usually none. */
		for (size_t i = 0; i < n; i++)
			if (run_ids[i] == id)
				out[i] = true;
	}
	if (rc != DB_DONE)
		result = store_fail(store, "read whether runs are summarized");
	db_finalize(stmt);
	free(ids);
	return result;
}

int store_summaries_of_runs(struct store *store, const int64_t *run_ids, size_t nruns,
			    const char *benchmark, store_summary_fn fn, void *ctx)
{
	static const char *const sql[2] = {
		"SELECT benchmark, run_id, n, mean, stddev, median, min, max FROM run_summaries"
		" WHERE run_id IN (SELECT value FROM json_each(?1)) ORDER BY benchmark, run_id",
		"SELECT benchmark, run_id, n, mean, stddev, median, min, max FROM run_summaries"
		" WHERE benchmark = ?2 AND run_id IN (SELECT value FROM json_each(?1))"
		" ORDER BY run_id",
	};
	struct db_stmt *stmt = NULL;
	char *ids = NULL;
	int rc, result;
	if (nruns == 0)
		return STORE_OK;
	if ((result = store_prepare_for_runs(&stmt, store, &ids, sql[benchmark != NULL], run_ids,
					     nruns)))
		return result;
	if (benchmark)
		db_bind_text(stmt, 2, benchmark, -1);
	while ((rc = db_step(stmt)) == DB_ROW) {
		const unsigned char *name = db_column_text(stmt, 0);
		struct store_run_summary s = {
			.benchmark = name ? (const char *)name : "",
			.n = db_column_int64(stmt, 2),
			.mean = db_column_double(stmt, 3),
			.stddev = db_column_double(stmt, 4),
			.median = db_column_double(stmt, 5),
			.min = db_column_double(stmt, 6),
			.max = db_column_double(stmt, 7),
		};
		if ((result = fn(ctx, db_column_int64(stmt, 1), &s)))
			break;
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "read run summaries");
	db_finalize(stmt);
	free(ids);
	return result;
}

/* The report's fields as meta keys: integers, like the rest of meta. */
#define REPORT_FIELDS(X)                                                                   \
	X(started_ns) X(finished_ns) X(kept_recent) X(kept_per_commit) X(kept_baseline)     \
	X(kept_regressions) X(kept_paired) X(kept_excluded) X(summarized_before)            \
	X(summarized) X(samples) X(bytes) X(left)

int store_retain_report_get(struct store *store, struct store_retain_report *out)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT value FROM meta WHERE key = ?1");
	int result = STORE_OK;
	memset(out, 0, sizeof(*out));
	if (!stmt)
		return STORE_ERROR;
#define GET(f)                                                                              \
	if (result == STORE_OK) {                                                           \
		int rc;                                                                     \
		db_reset(stmt);                                                        \
		db_bind_text(stmt, 1, "retain." #f, -1);                \
		if ((rc = db_step(stmt)) == DB_ROW)                                \
			out->f = db_column_int64(stmt, 0);                             \
		else if (rc != DB_DONE)                                                 \
			result = store_fail(store, "read the retention report");            \
	}
	REPORT_FIELDS(GET)
#undef GET
	db_finalize(stmt);
	return result;
}

int store_retain_report_set(struct store *store, const struct store_retain_report *r)
{
	struct db_stmt *stmt;
	int result;
	if ((result = store_begin(store)))
		return result;
	if (!(stmt = store_prepare(store, "INSERT INTO meta (key, value) VALUES (?1, ?2)"
				    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"))) {
		store_rollback(store);
		return STORE_ERROR;
	}
#define SET(f)                                                                              \
	if (result == STORE_OK) {                                                           \
		db_reset(stmt);                                                        \
		db_bind_text(stmt, 1, "retain." #f, -1);                \
		db_bind_int64(stmt, 2, r->f);                                          \
		if (db_step(stmt) != DB_DONE)                                      \
			result = store_fail(store, "write the retention report");           \
	}
	REPORT_FIELDS(SET)
#undef SET
	db_finalize(stmt);
	if (result == STORE_OK)
		result = store_commit(store);
	if (result)
		store_rollback(store);
	return result;
}

int store_retain_totals(struct store *store, int64_t *runs, int64_t *samples)
{
	int result = store_select_int64(store, runs, "SELECT count(*) FROM summarized",
					"count summarized runs");
	if (result == STORE_OK)
		result = store_select_int64(store, samples,
					    "SELECT coalesce(sum(samples), 0) FROM summarized",
					    "count pruned samples");
	return result;
}
