/* A run's files kept in the store (store.h, "a run's files"): its
 * debug.log and the extra files its runner left (perf.data, profiles/,
 * artifacts/), copied there when the run ends on a shared store so that a
 * mount on any machine shows them. A read takes a range of the blob in SQL,
 * so a reader of 4 KiB never fetches a file of 100 MB. */
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/run_files.h"

void store_run_file_clear(struct store_run_file *file)
{
	if (!file)
		return;
	free(file->name);
	memset(file, 0, sizeof(*file));
}

void store_run_files_free(struct store_run_file *files, size_t n)
{
	for (size_t i = 0; files && i < n; i++)
		store_run_file_clear(&files[i]);
	free(files);
}

/* A name is a relative path without empty, "." or ".." components: it
 * becomes a path under a directory of the reader's. */
static bool name_ok(const char *name)
{
	const char *p = name;
	if (!name || !*name || strlen(name) > 4000)
		return false;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len;
		if (*p == '/' && !*++p)
			return false;
	}
	return true;
}

static int file_row(struct store *store, void *row, struct db_stmt *stmt)
{
	struct store_run_file *f = row;
	const unsigned char *name = db_column_text(stmt, 0);
	if (!(f->name = strdup(name ? (const char *)name : "")))
		return store_nomem(store);
	f->size = db_column_int64(stmt, 1);
	f->mtime_ns = db_column_int64(stmt, 2);
	return STORE_OK;
}

static void file_row_clear(void *row)
{
	store_run_file_clear(row);
}

int store_run_files_list(struct store *store, struct store_run_file **files, size_t *n,
			 int64_t run_id)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT name, size, mtime_ns FROM run_files"
						    " WHERE run_id = ?1 ORDER BY name");
	if (stmt)
		db_bind_int64(stmt, 1, run_id);
	return store_rows_collect(store, files, n, sizeof(**files), stmt, file_row, file_row_clear,
				  "list a run's files");
}

int store_run_file_stat(struct store *store, struct store_run_file *out, int64_t run_id,
			const char *name)
{
	struct db_stmt *stmt = store_prepare(store, "SELECT name, size, mtime_ns FROM run_files"
						    " WHERE run_id = ?1 AND name = ?2");
	int rc, result;
	memset(out, 0, sizeof(*out));
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, run_id);
	db_bind_text(stmt, 2, name, -1);
	rc = db_step(stmt);
	if (rc == DB_ROW)
		result = file_row(store, out, stmt);
	else
		result = rc == DB_DONE ? STORE_NOTFOUND : store_fail(store, "read a run's file");
	db_finalize(stmt);
	return result;
}

int store_run_file_read(struct store *store, size_t *got, void *buf, int64_t run_id,
			const char *name, int64_t offset, size_t len)
{
	/* 1-based starts; a range past the end gives an empty blob. The length
	 * is capped to what a blob can hold (1 GiB in PostgreSQL). */
	struct db_stmt *stmt = store_prepare(
		store, store_sql(store, "SELECT substr(body, ?3, ?4) FROM run_files"
					" WHERE run_id = ?1 AND name = ?2",
				 "SELECT substring(body from CAST(?3 AS integer) for CAST(?4 AS integer))"
				 " FROM run_files WHERE run_id = ?1 AND name = ?2"));
	size_t want = len > (size_t)INT32_MAX ? (size_t)INT32_MAX : len;
	int rc, result = STORE_OK;
	*got = 0;
	if (!stmt)
		return STORE_ERROR;
	if (offset < 0 || offset >= INT32_MAX) {
		db_finalize(stmt);
		/* Past the end of any blob the store holds. */
		return offset < 0 ? store_refuse(store, STORE_ERROR, "a negative offset") : STORE_OK;
	}
	db_bind_int64(stmt, 1, run_id);
	db_bind_text(stmt, 2, name, -1);
	db_bind_int64(stmt, 3, offset + 1);
	db_bind_int64(stmt, 4, (int64_t)want);
	rc = db_step(stmt);
	if (rc == DB_ROW) {
		size_t n = db_column_bytes(stmt, 0);
		const void *body = n ? db_column_blob(stmt, 0) : NULL;
		if (n > want)
			n = want;
		if (n && !body)
			result = store_nomem(store);
		else if (n)
			memcpy(buf, body, n);
		*got = result == STORE_OK ? n : 0;
	} else {
		result = rc == DB_DONE ? STORE_NOTFOUND : store_fail(store, "read a run's file");
	}
	db_finalize(stmt);
	return result;
}

/* Inside a transaction: insert or replace one file. */
static int put_one(struct store *store, int64_t run_id, const struct store_run_file_body *f)
{
	struct db_stmt *stmt;
	int result = STORE_OK;
	if (!name_ok(f->name))
		return store_refuse(store, STORE_ERROR, "a run's file named \"%s\": not a relative path",
				    f->name ? f->name : "");
	stmt = store_prepare(store, "INSERT INTO run_files (run_id, name, size, mtime_ns, body)"
				    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, name) DO UPDATE"
				    " SET size = excluded.size, mtime_ns = excluded.mtime_ns,"
				    " body = excluded.body");
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, run_id);
	db_bind_text(stmt, 2, f->name, -1);
	db_bind_int64(stmt, 3, (int64_t)f->size);
	db_bind_int64(stmt, 4, f->mtime_ns);
	/* An empty file is an empty blob, not NULL (the column is NOT NULL). */
	db_bind_blob(stmt, 5, f->size ? f->body : "", f->size);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "store a run's file");
	db_finalize(stmt);
	return result;
}

static int delete_all(struct store *store, int64_t run_id)
{
	struct db_stmt *stmt = store_prepare(store, "DELETE FROM run_files WHERE run_id = ?1");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_int64(stmt, 1, run_id);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "delete a run's files");
	db_finalize(stmt);
	return result;
}

/* The files as one transaction; replace: the run's other files go. */
static int put_files(struct store *store, int64_t run_id, const struct store_run_file_body *files,
		     size_t n, bool replace)
{
	int result = store_begin(store);
	if (result)
		return result;
	if (replace)
		result = delete_all(store, run_id);
	for (size_t i = 0; i < n && result == STORE_OK; i++)
		result = put_one(store, run_id, &files[i]);
	if (result) {
		store_rollback(store);
		return result;
	}
	return store_commit(store);
}

int store_run_file_put(struct store *store, int64_t run_id, const struct store_run_file_body *file)
{
	return put_files(store, run_id, file, 1, false);
}

int store_run_files_replace(struct store *store, int64_t run_id,
			    const struct store_run_file_body *files, size_t n)
{
	return put_files(store, run_id, files, n, true);
}

int store_run_files_delete(struct store *store, int64_t run_id)
{
	return delete_all(store, run_id);
}
