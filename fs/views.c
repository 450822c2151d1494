#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/computed.h"
#include "fs/inode.h"
#include "fs/internal_views.h"
#include "fs/names.h"
#include "fs/views.h"
#include "runner/result.h"
#include "store/paths.h"
#include "util/clock.h"
#include "util/runid.h"
#include "views/format.h"
#include "views/mount_readme.h"
#include "views/queue_list.h"
#include "views/run_files.h"

int view_fill_file(struct node *out, uint64_t ino, char *content, int64_t mtime_ns,
		     double timeout)
{
	if (!content)
		return -ENOMEM;
	*out = (struct node){
		.ino = ino,
		.type = NODE_FILE,
		.perm = 0444,
		.nlink = 1,
		.mtime_ns = mtime_ns,
		.timeout = timeout,
		.content = content,
		.size = strlen(content),
	};
	return 0;
}

int view_fill_dir(struct node *out, uint64_t ino, unsigned nlink, int64_t mtime_ns,
		    double timeout)
{
	*out = (struct node){
		.ino = ino,
		.type = NODE_DIR,
		.perm = 0555,
		.nlink = nlink,
		.mtime_ns = mtime_ns,
		.timeout = timeout,
	};
	return 0;
}

static int fill_link(struct node *out, uint64_t ino, const char *prefix, int64_t run_id,
		     int64_t mtime_ns)
{
	char name[32], *target = NULL;
	runid_dir_name(name, sizeof(name), run_id);
	if (asprintf(&target, "%sruns/%s", prefix, name) < 0)
		return -ENOMEM;
	*out = (struct node){
		.ino = ino,
		.type = NODE_LINK,
		.perm = 0777,
		.nlink = 1,
		.mtime_ns = mtime_ns,
		.timeout = 0, /* it points elsewhere as soon as a newer run finishes */
		.content = target,
		.size = strlen(target),
	};
	return 0;
}

/* Each file of a run directory, its node kind, and how its inode is numbered:
 * by the run's version of it, so a changed file is a new inode. */
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
static int log_node(const struct view_ctx *ctx, struct node *out, const struct store_run *run,
		    double timeout)
{
	struct stat st;
	char path[4096];
	store_path_log(path, sizeof(path), ctx->data_dir, run->id);
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
static int run_file(const struct view_ctx *ctx, struct node *out, const struct store_run *run,
		    enum node_kind kind)
{
	double timeout = run_finished(run) ? TIMEOUT_FOREVER : 0;
	enum run_file file = run_file_of(kind);
	char *text = NULL;
	int rc;
	if (file == RUN_FILE_LOG)
		return log_node(ctx, out, run, timeout);
	if ((rc = run_file_text(&text, run, file)))
		return rc;
	switch (file) {
	case RUN_FILE_CONFIG:
		/* Fixed when the run is queued. */
		return view_fill_file(out, inode_make(kind, run->id, 0), text, run->created_ns,
				      TIMEOUT_FOREVER);
	case RUN_FILE_STATUS:
		return view_fill_file(out, inode_make(kind, run->id, run->seq), text, run->updated_ns,
				      timeout);
	case RUN_FILE_SYSTEM:
		return view_fill_file(out, inode_make(kind, run->id, run->attempts), text,
				      run->started_ns, timeout);
	default:
		/* result.json and summary: there once the run is done, and then fixed. */
		return view_fill_file(out, inode_make(kind, run->id, 0), text, run->finished_ns,
				      TIMEOUT_FOREVER);
	}
}

static bool is_full_hash(const char *name)
{
	size_t i = 0;
	for (; name[i]; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return i == STORE_HASH_LEN;
}

static int run_dir_node(struct node *out, const struct store_run *run)
{
	return view_fill_dir(out, inode_make(KIND_RUN_DIR, run->id, 0), 2, run->created_ns,
			run_finished(run) ? TIMEOUT_FOREVER : 0);
}

/* The node of a top-level kind (not a run's). */
static int top_node(const struct view_ctx *ctx, struct node *out, enum node_kind kind)
{
	int64_t id;
	size_t nruns;
	int rc, err = 0;
	char *text;
	switch (kind) {
	/* Directories whose own attributes never change are cached for good, so
	 * walking a path costs no round trip per component; runs/ (its link count
	 * counts the runs) is invalidated by the file system when a job is queued. */
	case KIND_ROOT:
		/* runs, commits, compare, history, baselines */
		return view_fill_dir(out, INODE_ROOT, 2 + 5, ctx->mount_ns, TIMEOUT_FOREVER);
	case KIND_README:
		return view_fill_file(out, inode_make(kind, 0, 0), strdup(mount_readme_text),
				      ctx->mount_ns, TIMEOUT_FOREVER);
	case KIND_QUEUE:
		if ((err = queue_list_text(&text, ctx->store)))
			return err;
		/* A number of its own for every lookup: a writer's O_TRUNC empties
		 * what the kernel holds of the inode it opened, which no reader may
		 * share (inode.h). */
		rc = view_fill_file(out, inode_make_bits(kind, view_serial(ctx)), text,
				    now_real_ns(), 0);
		out->perm = 0644;
		return rc;
	case KIND_RUNS:
		if (store_run_count(ctx->store, &nruns))
			return -EIO;
		return view_fill_dir(out, inode_make(kind, 0, 0), 2 + (unsigned)nruns, ctx->mount_ns,
				     TIMEOUT_FOREVER);
	case KIND_COMMITS:
		return view_fill_dir(out, inode_make(kind, 0, 0), 2, ctx->mount_ns, TIMEOUT_FOREVER);
	case KIND_LATEST:
		if ((rc = store_latest_done(ctx->store, &id)))
			return store_errno(rc);
		return fill_link(out, inode_make(kind, id, 0), "", id, ctx->mount_ns);
	default:
		return -ENOENT;
	}
}

static const struct {
	const char *name;
	enum node_kind kind;
} top_entries[] = {
	{"README", KIND_README}, {"queue", KIND_QUEUE}, {"runs", KIND_RUNS},
	{"commits", KIND_COMMITS}, {"latest", KIND_LATEST},
};

/* ---- artifacts: complete files the runner left for a run (perf.data) ---- */

static bool artifact_name_valid(const char *name)
{
	size_t len = strlen(name);
	/* Hidden names are files still being written (renamed when complete). */
	if (len == 0 || name[0] == '.' || strchr(name, '\t') || strchr(name, '\n'))
		return false;
	/* A file of benchfs's own wins over an artifact of its name. */
	return run_file_parse(name) < 0;
}

static int artifact_stat(const struct view_ctx *ctx, struct node *out, int64_t run_id,
			 const char *name, uint64_t ino)
{
	char dir[4096], *path = NULL;
	struct store_run run;
	struct stat st;
	int rc;
	store_path_artifacts(dir, sizeof(dir), ctx->data_dir, run_id);
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(path);
		return -ENOENT;
	}
	if ((rc = store_run_get(ctx->store, &run, run_id))) {
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

uint64_t view_serial(const struct view_ctx *ctx)
{
	/* Request threads share the counter. */
	return __atomic_add_fetch(ctx->serial, 1, __ATOMIC_RELAXED);
}

int view_claim(const struct view_ctx *ctx, uint64_t *ino, uint64_t mask, const char *key)
{
	/* Bounded: every probe passes a number the kernel holds. */
	for (int i = 0; i < 1024; i++) {
		int held = ctx->held ? ctx->held(ctx->cache_ctx, *ino, key) : 0;
		if (held >= 0)
			return held;
		*ino = inode_next(*ino, mask);
	}
	return -ENFILE;
}

/* A missing name costs nothing: the file is looked for first, and its inode
 * number comes from its name (names.h), kept only with the node. */
static int artifact_lookup(const struct view_ctx *ctx, struct node *out, int64_t run_id,
			   const char *name)
{
	char key[300];
	uint64_t ino;
	int rc;
	if (!artifact_name_valid(name) || strlen(name) > 255)
		return -ENOENT;
	snprintf(key, sizeof(key), "a\t%s", name);
	ino = inode_make(KIND_ARTIFACT, run_id, (int64_t)(names_hash(key, 0) & INODE_VERSION_MASK));
	if ((rc = artifact_stat(ctx, out, run_id, name, ino)))
		return rc;
	if ((rc = view_claim(ctx, &ino, INODE_VERSION_MASK, key)) < 0) {
		node_clear(out);
		return rc;
	}
	out->ino = ino;
	return 0;
}

static int artifact_node(const struct view_ctx *ctx, struct node *out, uint64_t ino,
			 const char *key)
{
	if (!key || key[0] != 'a' || key[1] != '\t')
		return -ENOENT;
	return artifact_stat(ctx, out, inode_id(ino), key + 2, ino);
}

static int artifact_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n,
			 size_t *cap, int64_t run_id)
{
	char dir[4096];
	struct dirent **names = NULL;
	int count, rc = 0;
	store_path_artifacts(dir, sizeof(dir), ctx->data_dir, run_id);
	/* Sorted, so a listing is the same every time. */
	if ((count = scandir(dir, &names, NULL, alphasort)) < 0)
		return errno == ENOENT ? 0 : -EIO;
	for (int i = 0; i < count; i++) {
		if (!rc && names[i]->d_type == DT_REG && artifact_name_valid(names[i]->d_name))
			rc = view_add_entry(list, n, cap, names[i]->d_name,
					    inode_make(KIND_ARTIFACT, run_id, 0), NODE_FILE);
		free(names[i]);
	}
	free(names);
	return rc;
}

int view_lookup(const struct view_ctx *ctx, struct node *out, uint64_t parent, const char *name)
{
	struct store_run run;
	int64_t id;
	int rc, file;
	switch (inode_kind(parent)) {
	case KIND_ROOT:
		for (size_t i = 0; i < sizeof(top_entries) / sizeof(top_entries[0]); i++)
			if (strcmp(name, top_entries[i].name) == 0)
				return top_node(ctx, out, top_entries[i].kind);
		return computed_root_lookup(ctx, out, name);
	case KIND_COMPARE_DIR:
	case KIND_HISTORY_DIR:
	case KIND_BASELINES_DIR:
		return computed_lookup(ctx, out, parent, name);
	case KIND_RUNS:
		/* A run id wider than the inode's id field names no run here. */
		if ((id = view_parse_run_name(name)) < 0 || id > INODE_ID_MAX)
			return -ENOENT;
		if ((rc = store_run_get_light(ctx->store, &run, id)))
			return store_errno(rc);
		rc = run_dir_node(out, &run);
		store_run_clear(&run);
		return rc;
	case KIND_RUN_DIR:
		if ((file = run_file_parse(name)) < 0)
			return artifact_lookup(ctx, out, inode_id(parent), name);
		if ((rc = store_run_get(ctx->store, &run, inode_id(parent))))
			return store_errno(rc);
		rc = run_file(ctx, out, &run, kind_of((enum run_file)file));
		store_run_clear(&run);
		return rc;
	case KIND_COMMITS:
		if (!is_full_hash(name))
			return -ENOENT;
		if ((rc = store_commit_latest_done(ctx->store, &id, name)))
			return store_errno(rc);
		return fill_link(out, inode_make(KIND_COMMIT_LINK, id, 0), "../", id, ctx->mount_ns);
	default:
		return -ENOTDIR;
	}
}

int view_node(const struct view_ctx *ctx, struct node *out, uint64_t ino, const char *key)
{
	enum node_kind kind = inode_kind(ino);
	struct store_run run;
	int rc;
	switch (kind) {
	case KIND_ROOT:
	case KIND_README:
	case KIND_RUNS:
	case KIND_COMMITS:
		return top_node(ctx, out, kind);
	case KIND_QUEUE:
		/* Numbered per lookup: known only while kept (fs.c). */
		return -ENOENT;
	case KIND_LATEST:
		rc = top_node(ctx, out, kind);
		break;
	case KIND_COMMIT_LINK:
		return fill_link(out, ino, "../", inode_id(ino), ctx->mount_ns);
	case KIND_COMPARE_DIR:
	case KIND_HISTORY_DIR:
	case KIND_BASELINES_DIR:
	case KIND_COMPARE:
	case KIND_HISTORY:
	case KIND_BASELINE:
	case KIND_REGRESSIONS:
		return computed_node(ctx, out, ino);
	case KIND_ARTIFACT:
		return artifact_node(ctx, out, ino, key);
	default:
		rc = kind == KIND_RUN_DIR ? store_run_get_light(ctx->store, &run, inode_id(ino))
					  : store_run_get(ctx->store, &run, inode_id(ino));
		if (rc)
			return store_errno(rc);
		rc = kind == KIND_RUN_DIR ? run_dir_node(out, &run) : run_file(ctx, out, &run, kind);
		store_run_clear(&run);
		break;
	}
	/* A versioned inode that is no longer current has no content to give. */
	if (rc == 0 && out->ino != ino) {
		node_clear(out);
		return -ENOENT;
	}
	return rc;
}

int view_add_entry(struct dir_entry **list, size_t *n, size_t *cap, const char *name,
		     uint64_t ino, enum node_type type)
{
	if (*n == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 16;
		struct dir_entry *grown = realloc(*list, new_cap * sizeof(**list));
		if (!grown)
			return -ENOMEM;
		*list = grown;
		*cap = new_cap;
	}
	snprintf((*list)[*n].name, sizeof((*list)[*n].name), "%s", name);
	(*list)[*n].ino = ino;
	(*list)[*n].type = type;
	(*n)++;
	return 0;
}

int view_list(const struct view_ctx *ctx, struct dir_entry **entries, size_t *n, uint64_t ino)
{
	struct dir_entry *list = NULL;
	size_t count = 0, cap = 0;
	struct store_run run;
	int64_t *ids = NULL, id;
	char(*hashes)[STORE_HASH_LEN + 1] = NULL;
	size_t nids = 0;
	int rc = 0;
	switch (inode_kind(ino)) {
	case KIND_ROOT:
		for (size_t i = 0; i < sizeof(top_entries) / sizeof(top_entries[0]) && !rc; i++) {
			enum node_kind k = top_entries[i].kind;
			if (k == KIND_LATEST) {
				if ((rc = store_latest_done(ctx->store, &id)) == STORE_NOTFOUND) {
					rc = 0;
					continue;
				}
				if (rc) {
					rc = -EIO;
					break;
				}
				rc = view_add_entry(&list, &count, &cap, "latest", inode_make(k, id, 0),
					       NODE_LINK);
				continue;
			}
			rc = view_add_entry(&list, &count, &cap, top_entries[i].name, inode_make(k, 0, 0),
				       k == KIND_RUNS || k == KIND_COMMITS ? NODE_DIR : NODE_FILE);
		}
		if (!rc)
			rc = computed_root_list(ctx, &list, &count, &cap);
		break;
	case KIND_COMPARE_DIR:
	case KIND_HISTORY_DIR:
	case KIND_BASELINES_DIR:
		rc = computed_list(ctx, &list, &count, &cap, ino);
		break;
	case KIND_RUNS:
		if (store_run_ids(ctx->store, &ids, &nids)) {
			rc = -EIO;
			break;
		}
		for (size_t i = 0; i < nids && !rc; i++) {
			char name[32];
			runid_dir_name(name, sizeof(name), ids[i]);
			rc = view_add_entry(&list, &count, &cap, name, inode_make(KIND_RUN_DIR, ids[i], 0),
				       NODE_DIR);
		}
		break;
	case KIND_RUN_DIR:
		if ((rc = store_run_get(ctx->store, &run, inode_id(ino)))) {
			rc = store_errno(rc);
			break;
		}
		for (size_t i = 0; i < sizeof(run_files) / sizeof(run_files[0]) && !rc; i++)
			if (run_file_exists(&run, run_files[i].file))
				rc = view_add_entry(&list, &count, &cap,
						    run_file_name(run_files[i].file),
						    inode_make(run_files[i].kind, run.id, 0), NODE_FILE);
		if (!rc)
			rc = artifact_list(ctx, &list, &count, &cap, run.id);
		store_run_clear(&run);
		break;
	case KIND_COMMITS:
		if (store_done_commits(ctx->store, &hashes, &nids)) {
			rc = -EIO;
			break;
		}
		for (size_t i = 0; i < nids && !rc; i++)
			rc = view_add_entry(&list, &count, &cap, hashes[i],
				       inode_make(KIND_COMMIT_LINK, 0, i), NODE_LINK);
		break;
	default:
		rc = -ENOTDIR;
	}
	free(ids);
	free(hashes);
	if (rc) {
		free(list);
		return rc;
	}
	*entries = list;
	*n = count;
	return 0;
}
