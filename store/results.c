/* How runs' large texts are kept: benchmark names and configurations once
 * each (by id), result.json packed (result_pack.h) in runs.result_z, and the
 * conversion of rows written before that (meta 'pack_pending'). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/result_pack.h"
#include "util/array.h"

/* Rows converted per transaction at store_open: short enough that a writer
 * waiting for the lock is not held up for long. */
#define CONVERT_BATCH 64

/* SELECT id ... ; else INSERT ... RETURNING id: sql_find binds ?1 (and ?2). */
static int find_or_insert(struct store *store, int64_t *id, const char *sql_find,
			  const char *sql_insert, const char *text, int64_t hash, const char *what)
{
	for (int pass = 0; pass < 2; pass++) {
		struct db_stmt *stmt = store_prepare(store, pass ? sql_insert : sql_find);
		int rc;
		if (!stmt)
			return STORE_ERROR;
		db_bind_text(stmt, 1, text, -1);
		db_bind_int64(stmt, 2, hash);
		rc = db_step(stmt);
		if (rc == DB_ROW) {
			*id = db_column_int64(stmt, 0);
			db_finalize(stmt);
			return STORE_OK;
		}
		db_finalize(stmt);
		if (rc != DB_DONE)
			return store_fail(store, what);
	}
	return store_fail(store, what);
}

int store_bench_id(struct store *store, int64_t *id, const char *name)
{
	return find_or_insert(store, id, "SELECT id FROM benchmarks WHERE name = ?1",
			      "INSERT INTO benchmarks (name) VALUES (?1) RETURNING id", name, 0,
			      "benchmark id");
}

/* FNV-1a, 64 bits: only to find a text's row; the text itself is compared. */
static int64_t text_hash(const char *text)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (int64_t)h;
}

int store_config_id(struct store *store, int64_t *id, const char *text)
{
	return find_or_insert(store, id, "SELECT id FROM configs WHERE hash = ?2 AND body = ?1",
			      "INSERT INTO configs (body, hash) VALUES (?1, ?2) RETURNING id",
			      text ? text : "", text_hash(text ? text : ""), "configuration id");
}

/* A run's iterations grouped per benchmark, as result_pack takes them. */
struct run_series {
	struct result_pack_series *series;
	size_t n, cap;
	struct store_iteration *its;
	size_t nits, itcap;
	char **names;
};

static void run_series_clear(struct run_series *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->names[i]);
	free(rs->names);
	free(rs->series);
	free(rs->its);
	memset(rs, 0, sizeof(*rs));
}

static int run_series_load(struct store *store, struct run_series *rs, int64_t run_id)
{
	/* In primary key order: no sort. */
	struct db_stmt *stmt = store_prepare(store,
		"SELECT s.bench_id, b.name, s.iteration, s.wall_ns, s.user_ns, s.sys_ns,"
		" s.maxrss_bytes, s.exit_code, s.term_signal FROM samples s"
		" JOIN benchmarks b ON b.id = s.bench_id WHERE s.run_id = ?1"
		" ORDER BY s.run_id, s.bench_id, s.iteration");
	int64_t bench = -1;
	size_t namecap = 0;
	int rc, result = STORE_OK;
	memset(rs, 0, sizeof(*rs));
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, run_id);
	while ((rc = db_step(stmt)) == DB_ROW) {
		if (ALLOC_GROW(rs->its, rs->nits + 1, rs->itcap)) {
			result = store_nomem(store);
			break;
		}
		if (rs->n == 0 || db_column_int64(stmt, 0) != bench) {
			const unsigned char *name = db_column_text(stmt, 1);
			if (ALLOC_GROW(rs->series, rs->n + 1, rs->cap) ||
			    ALLOC_GROW(rs->names, rs->n + 1, namecap) ||
			    !(rs->names[rs->n] = strdup(name ? (const char *)name : ""))) {
				result = store_nomem(store);
				break;
			}
			bench = db_column_int64(stmt, 0);
			/* its may move while it grows: .n holds the series' first
			 * index until the end. */
			rs->series[rs->n] = (struct result_pack_series){
				.benchmark = rs->names[rs->n], .its = NULL, .n = rs->nits};
			rs->n++;
		}
		rs->its[rs->nits++] = (struct store_iteration){
			.benchmark = rs->series[rs->n - 1].benchmark,
			.iteration = db_column_int(stmt, 2),
			.wall_ns = db_column_int64(stmt, 3),
			.user_ns = db_column_int64(stmt, 4),
			.sys_ns = db_column_int64(stmt, 5),
			.maxrss_bytes = db_column_int64(stmt, 6),
			.exit_code = db_column_int(stmt, 7),
			.term_signal = db_column_int(stmt, 8),
		};
	}
	if (result == STORE_OK && rc != DB_DONE)
		result = store_fail(store, "read a run's iterations");
	db_finalize(stmt);
	if (result) {
		run_series_clear(rs);
		return result;
	}
	/* From the last series back, so that each next one's start is still there. */
	for (size_t i = rs->n; i-- > 0;) {
		size_t start = rs->series[i].n;
		size_t end = i + 1 < rs->n ? (size_t)(rs->series[i + 1].its - rs->its) : rs->nits;
		rs->series[i].its = rs->its + start;
		rs->series[i].n = end - start;
	}
	return STORE_OK;
}

/* The store code of a result_pack.h failure. */
static int pack_fail(struct store *store, int rc, int64_t run_id)
{
	if (rc == -ENOMEM)
		return store_nomem(store);
	return store_refuse(store, STORE_ERROR, "run %lld: result.json %s", (long long)run_id,
			    rc == -EOVERFLOW ? "too large" : "stored packed does not read back");
}

int store_result_write(struct store *store, int64_t run_id, const char *text, bool with_series)
{
	struct run_series rs = {0};
	struct db_stmt *stmt = NULL;
	unsigned char *blob = NULL;
	size_t len = 0;
	int rc, result = STORE_OK;
	if (text) {
		if (with_series && (result = run_series_load(store, &rs, run_id)))
			return result;
		rc = result_pack(&blob, &len, text, strlen(text), rs.series, rs.n);
		run_series_clear(&rs);
		if (rc)
			return pack_fail(store, rc, run_id);
	}
	if (!(stmt = store_prepare(store, "UPDATE runs SET result = NULL, result_z = ?1 WHERE id = ?2"))) {
		free(blob);
		return STORE_ERROR;
	}
	if (blob)
		db_bind_blob(stmt, 1, blob, len);
	db_bind_int64(stmt, 2, run_id);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "record result");
	db_finalize(stmt);
	free(blob);
	return result;
}

int store_result_read(struct store *store, char **text, int64_t run_id, const void *blob,
		      size_t len)
{
	struct run_series rs = {0};
	int rc, result;
	*text = NULL;
	if (result_pack_uses_series(blob, len) && (result = run_series_load(store, &rs, run_id)))
		return result;
	rc = result_unpack(text, NULL, blob, len, rs.series, rs.n);
	run_series_clear(&rs);
	return rc ? pack_fail(store, rc, run_id) : STORE_OK;
}

int store_result_detach(struct store *store, int64_t run_id)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT result_z FROM runs WHERE id = ?1");
	char *text = NULL;
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, run_id);
	if (db_step(stmt) == DB_ROW) {
		const void *blob = db_column_blob(stmt, 0);
		size_t len = (size_t)db_column_bytes(stmt, 0);
		if (blob && result_pack_uses_series(blob, len))
			result = store_result_read(store, &text, run_id, blob, len);
	}
	db_finalize(stmt);
	if (result == STORE_OK && text)
		result = store_result_write(store, run_id, text, false);
	free(text);
	return result;
}

/* One batch of rows from before migration 12, after id *from: their
 * configuration by id and their result packed. *done when none is left. */
static int convert_batch(struct store *store, int64_t *from, bool *done)
{
	struct db_stmt *sel = NULL, *upd = NULL;
	int64_t ids[CONVERT_BATCH];
	size_t n = 0;
	int rc, result = store_begin(store);
	if (result)
		return result;
	if (!(sel = store_prepare(store, "SELECT id FROM runs WHERE id > ?1"
					 " AND (config_id = 0 OR result IS NOT NULL) ORDER BY id LIMIT ?2"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_int64(sel, 1, *from);
	db_bind_int(sel, 2, CONVERT_BATCH);
	while ((rc = db_step(sel)) == DB_ROW)
		ids[n++] = db_column_int64(sel, 0);
	db_finalize(sel);
	sel = NULL;
	if (rc != DB_DONE) {
		result = store_fail(store, "find runs to convert");
		goto fail;
	}
	if (!(sel = store_prepare(store, "SELECT config, result FROM runs WHERE id = ?1")) ||
	    !(upd = store_prepare(store,
				  "UPDATE runs SET config = '', config_id = ?1 WHERE id = ?2"))) {
		result = STORE_ERROR;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t config_id = 0;
		char *config = NULL, *text = NULL;
		db_reset(sel);
		db_bind_int64(sel, 1, ids[i]);
		if (db_step(sel) != DB_ROW) {
			result = store_fail(store, "read a run to convert");
			goto fail;
		}
		config = strdup(db_column_text(sel, 0) ? (const char *)db_column_text(sel, 0)
							    : "");
		if (!db_column_is_null(sel, 1))
			text = strdup((const char *)db_column_text(sel, 1));
		if (!config || (!db_column_is_null(sel, 1) && !text)) {
			free(config);
			free(text);
			result = store_nomem(store);
			goto fail;
		}
		db_reset(sel);
		result = store_config_id(store, &config_id, config);
		if (result == STORE_OK && text)
			result = store_result_write(store, ids[i], text, true);
		free(config);
		free(text);
		if (result)
			goto fail;
		db_reset(upd);
		db_bind_int64(upd, 1, config_id);
		db_bind_int64(upd, 2, ids[i]);
		if (db_step(upd) != DB_DONE) {
			result = store_fail(store, "convert a run");
			goto fail;
		}
	}
	db_finalize(sel);
	db_finalize(upd);
	sel = upd = NULL;
	*done = n < CONVERT_BATCH;
	if (n)
		*from = ids[n - 1];
	if (*done && (result = store_exec(store, "UPDATE meta SET value = 0 WHERE key = 'pack_pending'")))
		goto fail;
	return store_commit(store);
fail:
	db_finalize(sel);
	db_finalize(upd);
	store_rollback(store);
	return result;
}

int store_convert_pending(struct store *store)
{
	int64_t pending = 0, from = 0;
	bool done = false;
	int result = store_select_int64(store, &pending,
					"SELECT coalesce((SELECT value FROM meta"
					" WHERE key = 'pack_pending'), 0)",
					"read conversion state");
	while (result == STORE_OK && pending && !done)
		result = convert_batch(store, &from, &done);
	return result;
}
