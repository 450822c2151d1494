/* Reading measurements back for the computed views (compare, history, regressions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/array.h"

int store_done_run_row(struct store *store, void *row, struct db_stmt *stmt)
{
	struct store_done_run *r = row;
	const unsigned char *commit = db_column_text(stmt, 1);
	const unsigned char *build_id = db_column_text(stmt, 4);
	(void)store;
	r->id = db_column_int64(stmt, 0);
	snprintf(r->commit, sizeof(r->commit), "%s", commit ? (const char *)commit : "");
	r->finished_ns = db_column_int64(stmt, 2);
	r->pair_id = db_column_int64(stmt, 3);
	snprintf(r->build_id, sizeof(r->build_id), "%s", build_id ? (const char *)build_id : "");
	return STORE_OK;
}

int store_done_runs(struct store *store, struct store_done_run **runs, size_t *n,
		    const char *host)
{
	/* Two statements: an "?1 IS NULL OR" would keep SQLite off the host index. */
	struct db_stmt *stmt = store_prepare(
		store, host ? "SELECT id, commit_sha, finished_ns, pair_id, build_id FROM runs"
			      " WHERE host = ?1 AND state = 'done'"
			      " AND id NOT IN (SELECT run_id FROM exclusions) ORDER BY id"
			    : "SELECT id, commit_sha, finished_ns, pair_id, build_id FROM runs"
			      " WHERE state = 'done'"
			      " AND id NOT IN (SELECT run_id FROM exclusions) ORDER BY id");
	*runs = NULL;
	*n = 0;
	if (stmt && host)
		db_bind_text(stmt, 1, host, -1);
	return store_rows_collect(store, runs, n, sizeof(**runs), stmt, store_done_run_row, NULL,
				  "list done runs");
}

int store_prepare_for_runs(struct db_stmt **out, struct store *store, char **ids, const char *sql,
			   const int64_t *run_ids, size_t nruns)
{
	if (!(*ids = store_ids_json(run_ids, nruns)))
		return store_nomem(store);
	if (!(*out = store_prepare(store, sql))) {
		free(*ids);
		*ids = NULL;
		return STORE_ERROR;
	}
	db_bind_text(*out, 1, *ids, -1);
	return STORE_OK;
}

/* Step stmt to the end, calling row for each row; what names the step. */
static int step_rows(struct store *store, struct db_stmt *stmt, char *ids,
		     int (*row)(struct db_stmt *stmt, void *ctx), void *ctx, const char *what)
{
	int rc, result = STORE_OK;
	while ((rc = db_step(stmt)) == DB_ROW)
		if ((result = row(stmt, ctx)))
			break;
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, what);
	db_finalize(stmt);
	free(ids);
	return result;
}

struct sample_walk {
	store_sample_fn fn;
	store_sum_fn sum_fn;
	void *ctx;
};

static const char *column_name(struct db_stmt *stmt)
{
	const unsigned char *name = db_column_text(stmt, 0);
	return name ? (const char *)name : "";
}

static int sample_row(struct db_stmt *stmt, void *ctx)
{
	struct sample_walk *w = ctx;
	return w->fn(w->ctx, column_name(stmt), db_column_int64(stmt, 1),
		     db_column_double(stmt, 2));
}

static int sum_row(struct db_stmt *stmt, void *ctx)
{
	struct sample_walk *w = ctx;
	return w->sum_fn(w->ctx, column_name(stmt), db_column_int64(stmt, 1),
			 db_column_int64(stmt, 2), db_column_int64(stmt, 3),
			 db_column_int64(stmt, 4));
}

/* Where a metric's values are: wall times, a built-in column of the
 * samples, the per-run metrics table, or either that or a declared
 * metric's rows (the statement looks the name up). */
enum sample_source {
	SOURCE_WALL,
	SOURCE_CPU,
	SOURCE_MEMORY,
	SOURCE_PER_RUN,
	SOURCE_EITHER
};

static enum sample_source sample_source(const char *metric)
{
	if (!metric)
		return SOURCE_WALL;
	if (!strcmp(metric, STORE_METRIC_CPU))
		return SOURCE_CPU;
	if (!strcmp(metric, STORE_METRIC_MEMORY))
		return SOURCE_MEMORY;
	/* A reserved name ("instructions") is never declared. */
	return store_metric_name_reserved(metric) ? SOURCE_PER_RUN : SOURCE_EITHER;
}

int store_samples_of_runs(struct store *store, const int64_t *run_ids, size_t nruns,
			  const char *metric, const char *benchmark, store_sample_fn fn,
			  void *ctx)
{
	/* One statement per case: an "?2 IS NULL OR" would keep SQLite from
	 * seeking the primary key (run, benchmark id) for each run. Benchmarks
	 * in name order outside (CROSS JOIN keeps them there), runs inside: no
	 * sort of the samples. %s is the value the samples give. */
	static const char *const of_samples[2] = {
		"SELECT b.name, s.run_id, %s FROM benchmarks b CROSS JOIN samples s"
		" WHERE s.bench_id = b.id AND s.run_id IN (SELECT value FROM json_each(?1))"
		" ORDER BY b.name, s.run_id, s.iteration",
		"SELECT b.name, s.run_id, %s FROM benchmarks b, samples s"
		" WHERE b.name = ?2 AND s.bench_id = b.id"
		" AND s.run_id IN (SELECT value FROM json_each(?1))"
		" ORDER BY s.run_id, s.iteration",
	};
	static const char *const column[] = {
		[SOURCE_WALL] = "s.wall_ns",
		[SOURCE_CPU] = "(s.user_ns + s.sys_ns) / 1e9",
		[SOURCE_MEMORY] = "s.maxrss_bytes",
	};
	/* Instructions, a reserved name, are per-run figures only (never a
	 * declared metric). */
	static const char *const per_run[2] = {
		"SELECT benchmark, run_id, value FROM metrics"
		" WHERE run_id IN (SELECT value FROM json_each(?1)) AND name = ?3"
		" ORDER BY benchmark, run_id",
		"SELECT benchmark, run_id, value FROM metrics"
		" WHERE benchmark = ?2 AND run_id IN (SELECT value FROM json_each(?1))"
		" AND name = ?3 ORDER BY run_id",
	};
	/* Any other name: a declared metric's name reads its declared values,
	 * never the per-run table's (the runner's unstable, other_cpus), and
	 * an undeclared one the per-run table's; one of the two branches is
	 * empty, and one statement asks both (a round trip to a server). The
	 * declared branch keeps its order from the index (SQLite merges the
	 * two), the per-run branch's 0 sorts as iterations do. */
	static const char *const either[2] = {
		"SELECT benchmark, run_id, value, 0 FROM metrics"
		" WHERE run_id IN (SELECT value FROM json_each(?1)) AND name = ?3"
		" AND NOT EXISTS (SELECT 1 FROM metric_defs WHERE name = ?3)"
		" UNION ALL SELECT b.name, m.run_id, m.value, m.iteration"
		" FROM benchmarks b CROSS JOIN metric_samples m"
		" WHERE m.bench_id = b.id AND m.run_id IN (SELECT value FROM json_each(?1))"
		" AND m.metric_id = (SELECT id FROM metric_defs WHERE name = ?3)"
		" ORDER BY 1, 2, 4",
		"SELECT benchmark, run_id, value, 0 FROM metrics"
		" WHERE benchmark = ?2 AND run_id IN (SELECT value FROM json_each(?1))"
		" AND name = ?3 AND NOT EXISTS (SELECT 1 FROM metric_defs WHERE name = ?3)"
		" UNION ALL SELECT b.name, m.run_id, m.value, m.iteration"
		" FROM benchmarks b, metric_samples m"
		" WHERE b.name = ?2 AND m.bench_id = b.id"
		" AND m.run_id IN (SELECT value FROM json_each(?1))"
		" AND m.metric_id = (SELECT id FROM metric_defs WHERE name = ?3)"
		" ORDER BY 2, 4",
	};
	struct sample_walk w = {.fn = fn, .ctx = ctx};
	enum sample_source source = sample_source(metric);
	char *ids = NULL, buf[512];
	const char *sql = buf;
	struct db_stmt *stmt = NULL;
	int result;
	if (nruns == 0)
		return STORE_OK;
	if (source == SOURCE_PER_RUN)
		sql = per_run[benchmark != NULL];
	else if (source == SOURCE_EITHER)
		sql = either[benchmark != NULL];
	else
		snprintf(buf, sizeof(buf), of_samples[benchmark != NULL], column[source]);
	if ((result = store_prepare_for_runs(&stmt, store, &ids, sql, run_ids, nruns)))
		return result;
	if (benchmark)
		db_bind_text(stmt, 2, benchmark, -1);
	if (source >= SOURCE_PER_RUN)
		db_bind_text(stmt, 3, metric, -1);
	return step_rows(store, stmt, ids, sample_row, &w, "read samples");
}

int store_sums_of_runs(struct store *store, const int64_t *run_ids, size_t nruns,
		       store_sum_fn fn, void *ctx)
{
	struct sample_walk w = {.sum_fn = fn, .ctx = ctx};
	char *ids = NULL;
	struct db_stmt *stmt = NULL;
	int result;
	if (nruns == 0)
		return STORE_OK;
	/* PostgreSQL joins an IN (SELECT ...) to a scan of the whole table, as
	 * long as the history; the runs as an array are seeks of its key. */
	if ((result = store_prepare_for_runs(
		     &stmt, store, &ids,
		     store_sql(store,
			       "SELECT benchmark, run_id, n, sum_wall_ns, min_wall_ns"
			       " FROM run_sums WHERE run_id IN (SELECT value FROM json_each(?1))"
			       " ORDER BY benchmark, run_id",
			       "SELECT benchmark, run_id, n, sum_wall_ns, min_wall_ns FROM run_sums"
			       " WHERE run_id = ANY (ARRAY(SELECT value FROM json_each(?1)))"
			       " ORDER BY benchmark, run_id"),
		     run_ids, nruns)))
		return result;
	return step_rows(store, stmt, ids, sum_row, &w, "read sums");
}

int store_metric_means_described(struct store *store, const int64_t *run_ids, size_t nruns,
				 const char *metric, store_sample_fn fn, void *ctx)
{
	/* The keeper's rows are keyed "<bench>:<metric>": a seek of each
	 * benchmark's key and run. SQLite: benchmarks in name order outside, as
	 * the samples' statements have them. PostgreSQL, which has no
	 * statistics of the small benchmarks table until it is analyzed,
	 * would hash-join a scan of the whole run_stats table: the keys and
	 * the runs go to one index scan as two arrays. A summarized run keeps
	 * its rows but lost the samples they stand for, which
	 * store_samples_of_runs no longer gives. */
	static const char sqlite[] =
		"SELECT b.name, r.run_id, r.mean FROM benchmarks b CROSS JOIN run_stats r"
		" WHERE r.benchmark = b.name || ?2"
		" AND r.run_id IN (SELECT value FROM json_each(?1))"
		" AND r.run_id IN (SELECT run_id FROM described)"
		" AND r.run_id NOT IN (SELECT run_id FROM summarized)"
		" ORDER BY b.name, r.run_id";
	static const char postgres[] =
		"SELECT substr(r.benchmark, 1, length(r.benchmark) - length(CAST(?2 AS text))),"
		" r.run_id, r.mean FROM run_stats r"
		" WHERE r.benchmark = ANY (ARRAY(SELECT name || CAST(?2 AS text) FROM benchmarks))"
		" AND r.run_id = ANY (ARRAY(SELECT d.run_id FROM described d"
		" WHERE d.run_id IN (SELECT value FROM json_each(?1))"
		" AND d.run_id NOT IN (SELECT run_id FROM summarized)))"
		" ORDER BY 1, 2";
	struct sample_walk w = {.fn = fn, .ctx = ctx};
	char *ids = NULL, key[STORE_METRIC_NAME_MAX + 2];
	struct db_stmt *stmt = NULL;
	int result;
	if (nruns == 0 || (strcmp(metric, STORE_METRIC_CPU) && strcmp(metric, STORE_METRIC_MEMORY)))
		return STORE_OK;
	if ((result = store_prepare_for_runs(&stmt, store, &ids, store_sql(store, sqlite, postgres),
				       run_ids, nruns)))
		return result;
	snprintf(key, sizeof(key), ":%s", metric);
	db_bind_text(stmt, 2, key, -1);
	return step_rows(store, stmt, ids, sample_row, &w, "read described means");
}

int store_benchmark_names(struct store *store, char ***names, size_t *n)
{
	/* One seek per benchmark in the partial index of first iterations: a
	 * name whose samples are all gone is not listed. */
	struct db_stmt *stmt = store_prepare(store,
		"SELECT name FROM benchmarks b WHERE EXISTS"
		" (SELECT 1 FROM samples s WHERE s.bench_id = b.id AND s.iteration = 1)"
		/* A benchmark whose every run retention summarized has no
		 * iterations left, but history/ still shows it. */
		" UNION SELECT benchmark FROM run_summaries ORDER BY 1");
	char **list = NULL;
	size_t count = 0, cap = 0;
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	while ((rc = db_step(stmt)) == DB_ROW) {
		const unsigned char *text = db_column_text(stmt, 0);
		if (ALLOC_GROW(list, count + 1, cap)) {
			result = store_nomem(store);
			break;
		}
		if (!(list[count] = strdup(text ? (const char *)text : ""))) {
			result = store_nomem(store);
			break;
		}
		count++;
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "list benchmarks");
	db_finalize(stmt);
	if (result) {
		store_names_free(list, count);
		return result;
	}
	*names = list;
	*n = count;
	return STORE_OK;
}

void store_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
