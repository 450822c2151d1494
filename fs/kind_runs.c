/* File kinds of runs/: the directory of runs, each run's directory, its
 * files (config, status, debug.log, system.json, result.json, summary) and
 * its artifacts (internal_kinds.h). A run file's inode number carries the
 * run's version of it, so a changed file is a new inode; a finished run's
 * files are cached for good.
 *
 * Excluding a run (store_run_exclude): a write to runs/<id>/exclude (the
 * reason), or removing the run with rm -r, whose unlinks and rmdir delete
 * nothing and exclude it instead. The directory stays, with exclude listed
 * in it while the run is excluded; rm runs/<id>/exclude includes it again. */
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
#include "util/log.h"
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
	fill_dir(out, inode_make(KIND_RUNS, 0, 0), 2 + (unsigned)nruns, ctx->view.mount_ns,
		 TIMEOUT_FOREVER);
	out->perm = 0755; /* rm -r runs/<id> excludes the run (the kernel checks the mode) */
	return 0;
}

static int runs_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino, const char *key)
{
	(void)ino, (void)key;
	return runs_named(ctx, out);
}

/* A run directory's node: what a lookup and a listing of runs/ give. Only
 * the run's id, state and creation time count (store_run_entry's columns). */
static int run_dir_fill(struct node *out, const struct store_run *run)
{
	fill_dir(out, inode_make(KIND_RUN_DIR, run->id, 0), 2, run->created_ns,
		 run_finished(run) ? TIMEOUT_FOREVER : 0);
	/* A finished run's files may be removed: that excludes it. */
	if (run_finished(run))
		out->perm = 0755;
	return 0;
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

/* Each run with its directory's node, from one query: `ls -l runs/` gets
 * every entry's attributes with the listing (readdirplus), as a lookup of
 * the name would give them. */
static int runs_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	struct store_run_entry *runs = NULL;
	size_t n = 0;
	int rc = 0;
	(void)ino;
	if (store_run_listing(ctx->view.store, &runs, &n))
		return -EIO;
	for (size_t i = 0; i < n && !rc; i++) {
		struct store_run run = {
			.id = runs[i].id,
			.state = runs[i].state,
			.created_ns = runs[i].created_ns,
		};
		struct node node;
		char name[32];
		runid_dir_name(name, sizeof(name), run.id);
		if (!(rc = run_dir_fill(&node, &run)))
			rc = entries_add_node(out, name, &node);
	}
	free(runs);
	return rc;
}

/* Runs are only added, each with a larger id: their count and the largest
 * id change together with the listing. */
static int runs_list_version(const struct fs_ctx *ctx, uint64_t ino, uint64_t *version)
{
	int64_t count, max_id;
	(void)ino;
	if (store_run_listing_span(ctx->view.store, &count, &max_id))
		return -EIO;
	*version = (uint64_t)max_id << 32 ^ (uint64_t)count;
	return 0;
}

static int runs_rmdir(const struct fs_ctx *ctx, uint64_t parent, const char *name);

const struct kind_ops kind_runs = {
	.named = runs_named,
	.lookup = runs_lookup,
	.node = runs_node,
	.list = runs_list,
	.list_version = runs_list_version,
	.rmdir_in = runs_rmdir,
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
 * run goes (every stat must ask: tail -f polls it); another machine's run's
 * from this machine's copy of what its runner put in the store
 * (run_files_place), asked again until it is there. */
static int log_fill(const struct fs_ctx *ctx, struct node *out, const struct store_run *run,
		    double timeout)
{
	struct run_files_place place;
	struct stat st;
	const char *path = place.log;
	int rc;
	if ((rc = run_files_place(&place, &ctx->view, run->id)))
		return rc;
	if (!place.settled)
		timeout = 0;
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

/* 0 for a run not excluded, else a number of its exclusion (its time). */
static int64_t exclusion_version(const struct store_run *run)
{
	if (!run->excluded_ns)
		return 0;
	return 1 + (int64_t)((uint64_t)(run->excluded_ns / 1000) % INODE_VERSION_MASK);
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
	case RUN_FILE_RESULT:
		/* Fixed once done, but for the exclusion in its benchfs section:
		 * each exclusion is a version of its own. */
		return fill_file(out, inode_make(kind, run->id, exclusion_version(run)), text,
				 run->finished_ns, TIMEOUT_FOREVER);
	default:
		/* summary: there once the run is done, and then fixed. */
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
	struct run_files_place place;
	char *path = NULL;
	struct store_run run;
	struct stat st;
	int rc;
	if ((rc = run_files_place(&place, &ctx->view, run_id)))
		return rc;
	if (asprintf(&path, "%s/%s", place.dir, name) < 0)
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
	struct run_files_place place;
	struct dirent **names = NULL;
	int count, rc = 0;
	if ((rc = run_files_place(&place, &ctx->view, run_id)))
		return rc;
	/* Sorted, so a listing is the same every time. */
	if ((count = scandir(place.dir, &names, NULL, alphasort)) < 0)
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

/* ---- a run's exclude file ---- */

/* The control file is numbered as its run directory with a version other
 * than 0 (the directory's), the run's change number: an exclusion or
 * inclusion moves it, so a reader never sees a stale reason. */
#define EXCLUDE_NAME "exclude"
#define EXCLUDE_REASON_MAX 1024

static bool is_exclude_ino(uint64_t ino)
{
	return inode_version(ino) != 0;
}

static int exclude_fill(struct node *out, const struct store_run *run)
{
	char *text = NULL;
	uint64_t version = 1 + (uint64_t)run->seq % (INODE_VERSION_MASK - 1);
	if (run->excluded_ns && asprintf(&text, "%s\n", run->excluded_reason) < 0)
		return -ENOMEM;
	if (!text && !(text = strdup("")))
		return -ENOMEM;
	fill_file(out, inode_make(KIND_RUN_DIR, run->id, (int64_t)version), text,
		  run->excluded_ns ? run->excluded_ns : run->updated_ns, 0);
	out->perm = 0644; /* echo reason > exclude */
	return 0;
}

/* The kernel keeps a finished run's status and result.json for good: after
 * an exclusion changed them, it must look their names up again. now: the
 * caller holds no lock of the run directory (a write to exclude); else (an
 * unlink or rmdir in it) the dropper asks, later. */
static void exclusion_forget(const struct fs_ctx *ctx, int64_t id, bool now)
{
	static const char *const names[] = {"status", "result.json", EXCLUDE_NAME};
	uint64_t dir = inode_make(KIND_RUN_DIR, id, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (now)
			fuse_lowlevel_notify_inval_entry(ctx->fs->se, dir, names[i],
							 strlen(names[i]));
		else
			dropper_push(&ctx->fs->dropper, dir, names[i]);
	}
}

/* Exclude (reason not NULL) or include run id, and its A/B other side with
 * it (the store does both); keep: an excluded run keeps its reason. */
static int exclusion_change(const struct fs_ctx *ctx, int64_t id, const char *reason, bool keep,
			    bool now)
{
	struct store_run run;
	int rc;
	if ((rc = store_run_get_light(ctx->view.store, &run, id)))
		return store_errno(rc);
	if (keep && run.excluded_ns) {
		store_run_clear(&run);
		return 0;
	}
	store_run_clear(&run);
	rc = reason ? store_run_exclude(ctx->view.store, id, reason)
		    : store_run_include(ctx->view.store, id);
	if (rc == STORE_BUSY)
		return log_error(-EBUSY, "run %06lld is queued or running: not excluded",
				 (long long)id);
	if (rc)
		return store_errno(rc);
	if (reason)
		log_notice("run %06lld excluded%s%s", (long long)id, *reason ? ": " : "", reason);
	else
		log_notice("run %06lld included again", (long long)id);
	/* Its other side changed with it: the full row knows which. */
	if (store_run_get(ctx->view.store, &run, id) == STORE_OK) {
		if (run.pair_id)
			exclusion_forget(ctx, run.pair_id, now);
		store_run_clear(&run);
	}
	exclusion_forget(ctx, id, now);
	return 0;
}

/* echo reason > runs/<id>/exclude: the first line written is the reason. */
static int exclude_write(const struct fs_ctx *ctx, uint64_t ino, const char *buf, size_t size,
			 off_t off)
{
	char reason[EXCLUDE_REASON_MAX + 1];
	size_t len = 0;
	if (!is_exclude_ino(ino))
		return -EISDIR;
	if (off != 0)
		return log_error(-EINVAL, "run %06lld: exclude: write the reason at once",
				 (long long)inode_id(ino));
	while (len < size && buf[len] != '\n')
		len++;
	if (len > EXCLUDE_REASON_MAX)
		return log_error(-EMSGSIZE, "run %06lld: exclude: a reason longer than %d bytes",
				 (long long)inode_id(ino), EXCLUDE_REASON_MAX);
	memcpy(reason, buf, len);
	reason[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)reason[i] < ' ' && reason[i] != '\t')
			return log_error(-EINVAL, "run %06lld: exclude: a control character in the"
					 " reason", (long long)inode_id(ino));
	return exclusion_change(ctx, inode_id(ino), reason, false, true);
}

/* ---- a run's directory: its files, then its artifacts ---- */

/* rm runs/<id>/exclude includes the run again; rm of any other of its
 * files (rm -r's unlinks) excludes it, keeping a reason given before.
 * Nothing is deleted. */
static int run_dir_unlink(const struct fs_ctx *ctx, uint64_t parent, const char *name)
{
	if (strcmp(name, EXCLUDE_NAME) == 0)
		return exclusion_change(ctx, inode_id(parent), NULL, false, false);
	return exclusion_change(ctx, inode_id(parent), "removed with rm", true, false);
}

/* rmdir runs/<id> (rm -r's last step) excludes the run; its directory stays. */
static int runs_rmdir(const struct fs_ctx *ctx, uint64_t parent, const char *name)
{
	int64_t id;
	(void)parent;
	if ((id = view_parse_run_name(name)) < 0 || id > INODE_ID_MAX)
		return -ENOENT;
	return exclusion_change(ctx, id, "removed with rm", true, false);
}

static int run_dir_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			  const char *name)
{
	struct store_run run;
	int rc, file;
	if (strcmp(name, EXCLUDE_NAME) == 0) {
		/* There to be written even when the run is not excluded (not listed then). */
		if ((rc = store_run_get_light(ctx->view.store, &run, inode_id(parent))))
			return store_errno(rc);
		rc = exclude_fill(out, &run);
		store_run_clear(&run);
		return rc;
	}
	if (run_extra_name(name)) /* flame.svg, profiles/, artifacts/: kind_flame.c */
		return run_extra_lookup(ctx, out, inode_id(parent), name);
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
	rc = is_exclude_ino(ino) ? exclude_fill(out, &run) : run_dir_fill(out, &run);
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
	/* The mark of an excluded run. rm -r of an excluded run unlinks it too
	 * (including the run for a moment), then its rmdir excludes the run
	 * again, with rm's reason. */
	if (!rc)
		rc = artifact_list(ctx, out, run.id);
	if (!rc)
		rc = run_extra_list(ctx, out, run.id);
	if (!rc && run.excluded_ns)
		rc = entries_add(out, EXCLUDE_NAME, inode_make(KIND_RUN_DIR, run.id, 1), NODE_FILE);
	store_run_clear(&run);
	return rc;
}

const struct kind_ops kind_run_dir = {
	.lookup = run_dir_lookup,
	.node = run_dir_node,
	.list = run_dir_list,
	/* The run's exclude file, numbered as its directory (is_exclude_ino). */
	.write = exclude_write,
	.truncatable = true,
	.unlink_in = run_dir_unlink,
};
