/* Per-iteration metrics: the figures a benchmark reports (BENCHFS_METRICS,
 * "bytes", a service's, a load generator's) stored beside its wall times,
 * and the two every benchmark has, cpu and memory, read from the samples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/array.h"

bool store_metric_gates(const char *metric)
{
	return strcmp(metric, STORE_METRIC_CPU) != 0 && strcmp(metric, STORE_METRIC_MEMORY) != 0;
}

static const struct store_metric_def builtin_defs[] = {
	{.name = STORE_METRIC_CPU, .unit = "s", .higher_is_better = false},
	{.name = STORE_METRIC_MEMORY, .unit = "bytes", .higher_is_better = false},
};

bool store_metric_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > STORE_METRIC_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

bool store_metric_name_reserved(const char *name)
{
	return !strcmp(name, "wall") || !strcmp(name, STORE_METRIC_CPU) ||
	       !strcmp(name, STORE_METRIC_MEMORY) || !strcmp(name, "instructions");
}

static const struct store_metric_def *builtin_def(const char *name)
{
	for (size_t i = 0; i < sizeof(builtin_defs) / sizeof(builtin_defs[0]); i++)
		if (!strcmp(builtin_defs[i].name, name))
			return &builtin_defs[i];
	return NULL;
}

static int def_put(struct store *store, const struct store_metric_def *d)
{
	struct db_stmt *stmt;
	int result = STORE_OK;
	size_t unit_len = strnlen(d->unit, sizeof(d->unit));
	if (!store_metric_name_valid(d->name) || store_metric_name_reserved(d->name))
		return store_refuse(store, STORE_ERROR, "metric name '%s' is invalid or reserved",
				    d->name);
	if (unit_len == 0 || unit_len > STORE_METRIC_UNIT_MAX)
		return store_refuse(store, STORE_ERROR, "metric '%s': a unit of 1 to %d bytes",
				    d->name, STORE_METRIC_UNIT_MAX);
	/* An upsert keeps the id, which samples already written refer to. */
	if (!(stmt = store_prepare(store, "INSERT INTO metric_defs (name, unit, higher)"
					  " VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE"
					  " SET unit = excluded.unit, higher = excluded.higher")))
		return STORE_ERROR;
	db_bind_text(stmt, 1, d->name, -1);
	db_bind_text(stmt, 2, d->unit, (int)unit_len);
	db_bind_int(stmt, 3, d->higher_is_better ? 1 : 0);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "record a metric's definition");
	db_finalize(stmt);
	return result;
}

/* The id of a declared metric: STORE_NOTFOUND when it has no definition. */
static int def_id(struct store *store, int64_t *id, const char *name)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT id FROM metric_defs WHERE name = ?1");
	int rc, result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, name, -1);
	rc = db_step(stmt);
	if (rc == DB_ROW)
		*id = db_column_int64(stmt, 0);
	else if (rc == DB_DONE)
		result = STORE_NOTFOUND;
	else
		result = store_fail(store, "find a metric");
	db_finalize(stmt);
	return result;
}

int store_metric_samples_add(struct store *store, int64_t run_id,
			     const struct store_metric_def *defs, size_t ndefs,
			     const struct store_metric_sample *samples, size_t n)
{
	struct db_stmt *stmt = NULL;
	const char *bench = NULL, *metric = NULL;
	int64_t bench_id = 0, metric_id = 0;
	int result;
	if (ndefs == 0 && n == 0)
		return STORE_OK;
	if ((result = store_begin(store)))
		return result;
	for (size_t i = 0; i < ndefs; i++)
		if ((result = def_put(store, &defs[i])))
			goto fail;
	if (n && !(stmt = store_prepare(store, "INSERT INTO metric_samples"
					       " (run_id, bench_id, metric_id, iteration, value)"
					       " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, bench_id,"
					       " metric_id, iteration) DO UPDATE SET value = excluded.value"))) {
		result = STORE_ERROR;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_metric_sample *s = &samples[i];
		/* Samples come grouped by benchmark and metric: one lookup each. */
		if ((!bench || strcmp(bench, s->benchmark)) &&
		    (result = store_bench_id(store, &bench_id, s->benchmark)))
			goto fail;
		bench = s->benchmark;
		if (!metric || strcmp(metric, s->metric)) {
			result = def_id(store, &metric_id, s->metric);
			if (result == STORE_NOTFOUND)
				result = store_refuse(store, STORE_ERROR,
						      "run %lld: a value of metric '%s' which has"
						      " no definition", (long long)run_id, s->metric);
			if (result)
				goto fail;
			metric = s->metric;
		}
		db_bind_int64(stmt, 1, run_id);
		db_bind_int64(stmt, 2, bench_id);
		db_bind_int64(stmt, 3, metric_id);
		db_bind_int(stmt, 4, s->iteration);
		db_bind_double(stmt, 5, s->value);
		if (db_step(stmt) != DB_DONE) {
			result = store_fail(store, "add metric samples");
			goto fail;
		}
		db_reset(stmt);
	}
	db_finalize(stmt);
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	return result;
}

int store_metric_def_get(struct store *store, struct store_metric_def *out, const char *name)
{
	const struct store_metric_def *b = builtin_def(name);
	struct db_stmt *stmt;
	int rc, result = STORE_OK;
	if (b) {
		*out = *b;
		return STORE_OK;
	}
	if (!(stmt = store_prepare(store, "SELECT unit, higher FROM metric_defs WHERE name = ?1")))
		return STORE_ERROR;
	db_bind_text(stmt, 1, name, -1);
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		const unsigned char *unit = db_column_text(stmt, 0);
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "%s", name);
		snprintf(out->unit, sizeof(out->unit), "%s", unit ? (const char *)unit : "");
		out->higher_is_better = db_column_int(stmt, 1) != 0;
	} else if (rc == DB_DONE) {
		result = STORE_NOTFOUND;
	} else {
		result = store_fail(store, "read a metric's definition");
	}
	db_finalize(stmt);
	return result;
}

static int defs_push(struct store *store, struct store_metric_def **list, size_t *n, size_t *cap,
		     const struct store_metric_def *d)
{
	if (ALLOC_GROW(*list, *n + 1, *cap))
		return store_nomem(store);
	(*list)[(*n)++] = *d;
	return STORE_OK;
}

int store_metrics_of_runs(struct store *store, struct store_metric_def **defs, size_t *n,
			  const int64_t *run_ids, size_t nruns, const char *benchmark)
{
	/* One statement (a round trip to a server): a first row (0) when the
	 * runs have samples, then the declared metrics they have values of
	 * (1), by name. Two texts, as store_samples_of_runs: an "?2 IS NULL OR"
	 * would keep SQLite from seeking (run, benchmark). */
	static const char *const sql[2] = {
		"SELECT 0, '', '', 0 WHERE EXISTS (SELECT 1 FROM samples"
		" WHERE run_id IN (SELECT value FROM json_each(?1)))"
		" UNION ALL SELECT 1, name, unit, higher FROM metric_defs d WHERE EXISTS (SELECT 1"
		" FROM metric_samples m WHERE m.metric_id = d.id"
		" AND m.run_id IN (SELECT value FROM json_each(?1))) ORDER BY 1, 2",
		"SELECT 0, '', '', 0 WHERE EXISTS (SELECT 1 FROM samples s, benchmarks b"
		" WHERE b.name = ?2 AND s.bench_id = b.id"
		" AND s.run_id IN (SELECT value FROM json_each(?1)))"
		" UNION ALL SELECT 1, name, unit, higher FROM metric_defs d WHERE EXISTS (SELECT 1"
		" FROM metric_samples m, benchmarks b WHERE b.name = ?2 AND m.bench_id = b.id"
		" AND m.metric_id = d.id AND m.run_id IN (SELECT value FROM json_each(?1)))"
		" ORDER BY 1, 2",
	};
	struct store_metric_def *list = NULL;
	size_t count = 0, cap = 0;
	char *ids = NULL;
	struct db_stmt *stmt = NULL;
	int rc, result;
	*defs = NULL;
	*n = 0;
	if (nruns == 0)
		return STORE_OK;
	if ((result = store_prepare_for_runs(&stmt, store, &ids, sql[benchmark != NULL], run_ids,
					     nruns)))
		return result;
	if (benchmark)
		db_bind_text(stmt, 2, benchmark, -1);
	while ((rc = db_step(stmt)) == DB_ROW && result == STORE_OK) {
		struct store_metric_def d = {0};
		const unsigned char *text;
		/* Samples: every one has cpu and memory. */
		if (db_column_int(stmt, 0) == 0) {
			for (size_t i = 0; i < 2 && result == STORE_OK; i++)
				result = defs_push(store, &list, &count, &cap, &builtin_defs[i]);
			continue;
		}
		text = db_column_text(stmt, 1);
		snprintf(d.name, sizeof(d.name), "%s", text ? (const char *)text : "");
		text = db_column_text(stmt, 2);
		snprintf(d.unit, sizeof(d.unit), "%s", text ? (const char *)text : "");
		d.higher_is_better = db_column_int(stmt, 3) != 0;
		result = defs_push(store, &list, &count, &cap, &d);
	}
	if (result == STORE_OK && rc != DB_DONE && rc != DB_ROW)
		result = store_fail(store, "list metrics");
	db_finalize(stmt);
	free(ids);
	if (result) {
		free(list);
		return result;
	}
	*defs = list;
	*n = count;
	return STORE_OK;
}
