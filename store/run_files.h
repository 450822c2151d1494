/* A run's files kept in the store (store/run_files.c). */
#ifndef BENCHFS_STORE_RUN_FILES_H
#define BENCHFS_STORE_RUN_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A run's files (store/run_files.c): its debug.log and the extra files
 * its runner left in its data directory (perf.data, profiles/...,
 * artifacts/...), copied into a shared store when the run ends so that
 * every machine's mount shows them. A name is a relative path ("debug.log",
 * "profiles/x.svg"); a file is stored whole, as it was. */
struct store_run_file {
	char *name;
	int64_t size;
	int64_t mtime_ns; /* the file's modification time (Unix ns) */
};

/* One file to store: size bytes at body (not copied; NULL when size is 0). */
struct store_run_file_body {
	const char *name;
	const void *body;
	size_t size;
	int64_t mtime_ns;
};

/* Store one file of the run, replacing one of the same name. A name that is
 * no relative path (empty, absolute, "." or ".." in it) is refused
 * (STORE_ERROR). */
int store_run_file_put(struct store *store, int64_t run_id, const struct store_run_file_body *file);
/* The run's files become files[0..n), all in one transaction: a reader sees
 * the old set or the new one, never a part. */
int store_run_files_replace(struct store *store, int64_t run_id,
			    const struct store_run_file_body *files, size_t n);
/* The run's files by name (no bodies): a malloc'd list, none when it has none. */
int store_run_files_list(struct store *store, struct store_run_file **files, size_t *n,
			 int64_t run_id);
void store_run_files_free(struct store_run_file *files, size_t n);
/* One file's size and time; STORE_NOTFOUND when the run has no such file. */
int store_run_file_stat(struct store *store, struct store_run_file *out, int64_t run_id,
			const char *name);
void store_run_file_clear(struct store_run_file *file);
/* Up to len bytes of the file from offset into buf, only those fetched
 * from the store; *got receives how many (0 at or past its end).
 * STORE_NOTFOUND when the run has no such file. */
int store_run_file_read(struct store *store, size_t *got, void *buf, int64_t run_id,
			const char *name, int64_t offset, size_t len);
/* Delete every file of the run. */
int store_run_files_delete(struct store *store, int64_t run_id);

#endif
