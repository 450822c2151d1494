/* File kinds of runs/: the directory of runs, each run's directory, its
 * files (config, status, debug.log, system.json, result.json, summary) and
 * its artifacts (internal_kinds.h). A run file's inode number carries the
 * run's version of it, so a changed file is a new inode; a finished run's
 * files are cached for good. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/internal_kinds.h"
#include "fs/names.h"
#include "runner/result.h"
#include "store/paths.h"
#include "util/runid.h"
#include "views/run_files.h"

/* A versioned inode that is no longer current has no content to give. */
static int current_only(struct node *out, uint64_t ino, int rc)
{
	if (rc == 0 && out->ino != ino) {
		node_clear(out);
		return -ENOENT;
	}
	return rc;
}

/* ---- runs/ ---- */

static int runs_named(const struct fs_ctx *ctx, struct node *out)
{
	size_t nruns;
	if (store_run_count(ctx->view.store, &nruns))
		return -EIO;
	/* Its link count counts the runs: the file system invalidates it when a
	 * job is queued. */
	return fill_dir(out, inode_make(KIND_RUNS, 0, 0), 2 + (unsigned)nruns, ctx->view.mount_ns,
			TIMEOUT_FOREVER);
}

static int runs_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino, const char *key)
{
	(void)ino, (void)key;
	return runs_named(ctx, out);
}

static int run_dir_fill(struct node *out, const struct store_run *run)
{
	return fill_dir(out, inode_make(KIND_RUN_DIR, run->id, 0), 2, run->created_ns,
			run_finished(run) ? TIMEOUT_FOREVER : 0);
}

static int runs_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
		       const char *name)
{
	struct store_run run;
	int64_t id;
	int rc;
	(void)parent;
	/* A run id wider than the inode's id field names no run here. */
	if ((id = view_parse_run_name(name)) < 0 || id > INODE_ID_MAX)
		return -ENOENT;
	if ((rc = store_run_get_light(ctx->view.store, &run, id)))
		return store_errno(rc);
	rc = run_dir_fill(out, &run);
	store_run_clear(&run);
	return rc;
}

static int runs_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = 0;
	(void)ino;
	if (store_run_ids(ctx->view.store, &ids, &n))
		return -EIO;
	for (size_t i = 0; i < n && !rc; i++) {
		char name[32];
		runid_dir_name(name, sizeof(name), ids[i]);
		rc = entries_add(out, name, inode_make(KIND_RUN_DIR, ids[i], 0), NODE_DIR);
	}
	free(ids);
	return rc;
}

const struct kind_ops kind_runs = {
	.named = runs_named,
	.lookup = runs_lookup,
	.node = runs_node,
	.list = runs_list,
};

/* ---- a run's files ---- */

/* Each file of a run directory and its node kind. */
static const struct {
	enum run_file file;
	enum node_kind kind;
} run_files[] = {
	{RUN_FILE_CONFIG, KIND_CONFIG}, {RUN_FILE_STATUS, KIND_STATUS},
	{RUN_FILE_LOG, KIND_LOG},       {RUN_FILE_SYSTEM, KIND_SYSTEM},
	{RUN_FILE_RESULT, KIND_RESULT}, {RUN_FILE_SUMMARY, KIND_SUMMARY},
};

static enum run_file run_file_of(enum node_kind kind)
{
	for (size_t i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++)
		if (run_files[i].kind == kind)
			return run_files[i].file;
	return RUN_FILE_COUNT;
}

static enum node_kind kind_of(enum run_file file)
{
	for (size_t i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++)
		if (run_files[i].file == file)
			return run_files[i].kind;
	return KIND_COUNT;
}

/* debug.log: the runner's file on disk, read from there, growing while the
 * run goes (every stat must ask: tail -f polls it). */
static int log_fill(const struct fs_ctx *ctx, struct node *out, const struct store_run *run,
		    double timeout)
{
	struct stat st;
	char path[4096];
	store_path_log(path, sizeof(path), ctx->view.data_dir, run->id);
	*out = (struct node){
		.ino = inode_make(KIND_LOG, run->id, 0),
		.type = NODE_FILE,
		.perm = 0444,
		.nlink = 1,
		.mtime_ns = run->created_ns,
		.timeout = timeout,
	};
	/* A planted symlink or FIFO is no log of benchfs's: its size is not shown. */
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		out->size = (size_t)st.st_size;
		out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
	return (out->disk_path = strdup(path)) ? 0 : -ENOMEM;
}

/* A run's file of the given kind, or -ENOENT when the run does not have it (yet). */
static int run_file_fill(const struct fs_ctx *ctx, struct node *out,
			 const struct store_run *run, enum node_kind kind)
{
	double timeout = run_finished(run) ? TIMEOUT_FOREVER : 0;
	enum run_file file = run_file_of(kind);
	char *text = NULL;
	int rc;
	if (file == RUN_FILE_LOG)
		return log_fill(ctx, out, run, timeout);
	if ((rc = run_file_text(&text, run, file)))
		return rc;
	switch (file) {
	case RUN_FILE_CONFIG:
		/* Fixed when the run is queued. */
		return fill_file(out, inode_make(kind, run->id, 0), text, run->created_ns,
				 TIMEOUT_FOREVER);
	case RUN_FILE_STATUS:
		return fill_file(out, inode_make(kind, run->id, run->seq), text, run->updated_ns,
				 timeout);
	case RUN_FILE_SYSTEM:
		return fill_file(out, inode_make(kind, run->id, run->attempts), text,
				 run->started_ns, timeout);
	default:
		/* result.json and summary: there once the run is done, and then fixed. */
		return fill_file(out, inode_make(kind, run->id, 0), text, run->finished_ns,
				 TIMEOUT_FOREVER);
	}
}

static int run_file_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			 const char *key)
{
	struct store_run run;
	int rc;
	(void)key;
	if ((rc = store_run_get(ctx->view.store, &run, inode_id(ino))))
		return store_errno(rc);
	rc = run_file_fill(ctx, out, &run, inode_kind(ino));
	store_run_clear(&run);
	return current_only(out, ino, rc);
}

const struct kind_ops kind_run_file = {
	.node = run_file_node,
};

/* ---- artifacts: complete files the runner left for a run (perf.data) ---- */

static int artifact_stat(const struct fs_ctx *ctx, struct node *out, int64_t run_id,
			 const char *name, uint64_t ino)
{
	char dir[4096], *path = NULL;
	struct store_run run;
	struct stat st;
	int rc;
	store_path_artifacts(dir, sizeof(dir), ctx->view.data_dir, run_id);
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(path);
		return -ENOENT;
	}
	if ((rc = store_run_get(ctx->view.store, &run, run_id))) {
		free(path);
		return store_errno(rc);
	}
	*out = (struct node){
		.ino = ino,
		.type = NODE_FILE,
		.perm = 0444,
		.nlink = 1,
		.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
		/* Complete when it appears (written under a hidden name, then renamed). */
		.timeout = run_finished(&run) ? TIMEOUT_FOREVER : 0,
		.size = (size_t)st.st_size,
		.disk_path = path,
	};
	store_run_clear(&run);
	if (asprintf(&out->key, "a\t%s", name) < 0) {
		out->key = NULL;
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

/* A missing name costs nothing: the file is looked for first, and its inode
 * number comes from its name (names.h), kept only with the node. */
static int artifact_lookup(const struct fs_ctx *ctx, struct node *out, int64_t run_id,
			   const char *name)
{
	char key[300];
	uint64_t ino;
	int rc;
	if (!run_artifact_shown(name) || strlen(name) > 255)
		return -ENOENT;
	snprintf(key, sizeof(key), "a\t%s", name);
	ino = inode_make(KIND_ARTIFACT, run_id, (int64_t)(names_hash(key, 0) & INODE_VERSION_MASK));
	if ((rc = artifact_stat(ctx, out, run_id, name, ino)))
		return rc;
	if ((rc = fs_claim(ctx, &ino, INODE_VERSION_MASK, key)) < 0) {
		node_clear(out);
		return rc;
	}
	out->ino = ino;
	return 0;
}

static int artifact_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			 const char *key)
{
	if (!key || key[0] != 'a' || key[1] != '\t')
		return -ENOENT;
	return artifact_stat(ctx, out, inode_id(ino), key + 2, ino);
}

static int artifact_list(const struct fs_ctx *ctx, struct entries *out, int64_t run_id)
{
	char dir[4096];
	struct dirent **names = NULL;
	int count, rc = 0;
	store_path_artifacts(dir, sizeof(dir), ctx->view.data_dir, run_id);
	/* Sorted, so a listing is the same every time. */
	if ((count = scandir(dir, &names, NULL, alphasort)) < 0)
		return errno == ENOENT ? 0 : -EIO;
	for (int i = 0; i < count; i++) {
		if (!rc && names[i]->d_type == DT_REG && run_artifact_shown(names[i]->d_name))
			rc = entries_add(out, names[i]->d_name, inode_make(KIND_ARTIFACT, run_id, 0),
					 NODE_FILE);
		free(names[i]);
	}
	free(names);
	return rc;
}

const struct kind_ops kind_artifact = {
	.node = artifact_node,
};

/* ---- a run's directory: its files, then its artifacts ---- */

static int run_dir_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			  const char *name)
{
	struct store_run run;
	int rc, file;
	if ((file = run_file_parse(name)) < 0)
		return artifact_lookup(ctx, out, inode_id(parent), name);
	if ((rc = store_run_get(ctx->view.store, &run, inode_id(parent))))
		return store_errno(rc);
	rc = run_file_fill(ctx, out, &run, kind_of((enum run_file)file));
	store_run_clear(&run);
	return rc;
}

static int run_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			const char *key)
{
	struct store_run run;
	int rc;
	(void)key;
	if ((rc = store_run_get_light(ctx->view.store, &run, inode_id(ino))))
		return store_errno(rc);
	rc = run_dir_fill(out, &run);
	store_run_clear(&run);
	return current_only(out, ino, rc);
}

static int run_dir_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	struct store_run run;
	int rc;
	if ((rc = store_run_get(ctx->view.store, &run, inode_id(ino))))
		return store_errno(rc);
	for (size_t i = 0; i < sizeof(run_files) / sizeof(run_files[0]) && !rc; i++)
		if (run_file_exists(&run, run_files[i].file))
			rc = entries_add(out, run_file_name(run_files[i].file),
					 inode_make(run_files[i].kind, run.id, 0), NODE_FILE);
	if (!rc)
		rc = artifact_list(ctx, out, run.id);
	store_run_clear(&run);
	return rc;
}

const struct kind_ops kind_run_dir = {
	.lookup = run_dir_lookup,
	.node = run_dir_node,
	.list = run_dir_list,
};
