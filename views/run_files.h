/* The files of a run directory (runs/<id>/): which a run has, and the text of
 * each that is computed from the store. debug.log and artifacts are files of
 * the data directory; their paths come from the runner's layout. */
#ifndef BENCHFS_VIEWS_RUN_FILES_H
#define BENCHFS_VIEWS_RUN_FILES_H

#include <stdbool.h>

#include "store/store.h"
#include "views/context.h"

enum run_file {
	RUN_FILE_CONFIG,  /* config.json: fixed when the run is queued */
	RUN_FILE_STATUS,  /* status: one line, changes as the run goes */
	RUN_FILE_LOG,     /* debug.log: on disk, growing while the run goes */
	RUN_FILE_SYSTEM,  /* system.json: once the run has started */
	RUN_FILE_RESULT,  /* result.json: once done, then fixed */
	RUN_FILE_SUMMARY, /* summary: once done, then fixed */
	RUN_FILE_COUNT
};

/* The file's name in the run directory. */
const char *run_file_name(enum run_file file);
/* The file called name, or -1 when a run directory has no such file. */
int run_file_parse(const char *name);

/* Done or failed: nothing of the run changes any more. */
bool run_finished(const struct store_run *run);
/* Whether the run has the file now (debug.log: always, empty until it starts). */
bool run_file_exists(const struct store_run *run, enum run_file file);
/* The text of a computed file (not RUN_FILE_LOG), malloc'd in *out: 0,
 * -ENOENT when the run does not have it (yet), -ENOMEM, or -EIO when a stored
 * result cannot be read. */
int run_file_text(char **out, const struct store_run *run, enum run_file file);

/* Whether a file in the run's artifacts directory (store/paths.h) is shown
 * in the run directory: not a hidden name (a file still being written,
 * renamed when complete), no tab or newline, and not the name of a file of
 * benchfs's own, which wins. */
bool run_artifact_shown(const char *name);

/* Where this machine reads a run's debug.log and extra files (its
 * artifacts directory's: perf.data, perf.folded, profiles/, artifacts/).
 * A run this machine ran (its debug.log is here) is read from the data
 * directory, live while it goes, unless the store holds another debug.log
 * of it (another runner measured it again after this one lost its lease).
 * Any other run's files are those its
 * runner copied into a shared store at its end: copied once into
 * <data>/store-files/<id>/ (debug.log beside the rest), whole, by ranged
 * reads of the store, and read from there. */
struct run_files_place {
	char log[4096]; /* debug.log (may not exist: an empty log) */
	char dir[4096]; /* the artifacts directory (may not exist: none) */
	/* The files are all there for good (a copy from the store) or the
	 * run's own machine has them: false while another machine's run has
	 * not put its files in the store yet (ask again). */
	bool settled;
};

/* 0, or a negative errno when the store's copy could not be read or written. */
int run_files_place(struct run_files_place *out, const struct view_ctx *ctx, int64_t run_id);
/* The directory of those copies, <data>/store-files: one directory per
 * run, named by its id. */
int run_files_cache_root(char *buf, size_t size, const char *data_dir);

/* The status line: "queued\n", "running sort 3/10\n", "done (...)\n", ... */
char *run_status_text(const struct store_run *run);

#endif
