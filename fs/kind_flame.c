/* File kinds of profiles (internal_kinds.h): runs/<id>/flame.svg and
 * compare/<a>..<b>.flame.svg, computed files (views/flame.h), and the
 * trees a run keeps of its benchmarks, runs/<id>/profiles/ (what a
 * profiler command wrote) and runs/<id>/artifacts/ (the files kept from
 * the checkout), served from the run's artifacts directory on disk with
 * their true sizes. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/internal_kinds.h"
#include "fs/names.h"
#include "fs/snapshot.h"
#include "store/paths.h"
#include "views/compare.h"
#include "views/flame.h"
#include "views/run_files.h"

#define FLAME_NAME "flame.svg"
#define KEY_RUN_FLAME 'F'  /* F <run> <folded files' sizes and times> */
#define KEY_DIFF_FLAME 'D' /* D <name> <run a> <run b> */
#define KEY_TREE 't'       /* t <relative path in the run's artifacts directory> */

static const char *const tree_roots[] = {"profiles", "artifacts"};

bool run_extra_name(const char *name)
{
	if (strcmp(name, FLAME_NAME) == 0)
		return true;
	for (size_t i = 0; i < sizeof(tree_roots) / sizeof(*tree_roots); i++)
		if (strcmp(name, tree_roots[i]) == 0)
			return true;
	return false;
}

/* The run's artifacts directory as this machine reads it: its own, or
 * its copy of another machine's run's from the store (run_files_place). */
static int artifacts_dir(char *buf, size_t size, const struct fs_ctx *ctx, int64_t run_id)
{
	struct run_files_place place;
	int rc = run_files_place(&place, &ctx->view, run_id);
	if (rc)
		return rc;
	return snprintf(buf, size, "%s", place.dir) < (int)size ? 0 : -ENAMETOOLONG;
}

/* A stamp of the run's folded files: a new one (a benchmark's profile
 * added while the run goes) is a new file. */
static int folded_stamp(char *buf, size_t size, const struct fs_ctx *ctx, int64_t run_id)
{
	char dir[4096];
	struct dirent **ents = NULL;
	unsigned long long h = 0;
	int count;

	if (artifacts_dir(dir, sizeof(dir), ctx, run_id) ||
	    (count = scandir(dir, &ents, NULL, alphasort)) < 0)
		return -ENOENT;
	for (int i = 0; i < count; i++) {
		char path[4400];
		struct stat st;
		size_t len = strlen(ents[i]->d_name);

		if (len > 7 && strcmp(ents[i]->d_name + len - 7, ".folded") == 0 &&
		    snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name) < (int)sizeof(path) &&
		    stat(path, &st) == 0)
			h = h * 1000003 ^ names_hash(ents[i]->d_name, (uint64_t)st.st_size ^
						     (uint64_t)st.st_mtim.tv_nsec);
		free(ents[i]);
	}
	free(ents);
	snprintf(buf, size, "%016llx", h);
	return 0;
}

static int run_flame_lookup(const struct fs_ctx *ctx, struct node *out, int64_t run_id,
			    uint64_t parent)
{
	struct computed_version v;
	char stamp[32], key[96];
	int rc;

	if (!flame_run_has(&ctx->view, run_id))
		return -ENOENT;
	if ((rc = folded_stamp(stamp, sizeof(stamp), ctx, run_id)) ||
	    (rc = computed_version(ctx, &v)))
		return rc;
	snprintf(key, sizeof(key), "%c\t%lld\t%s", KEY_RUN_FLAME, (long long)run_id, stamp);
	return computed_file_node(ctx, out, KIND_FLAME, key, &v, parent);
}

int flame_compare_lookup(const struct fs_ctx *ctx, struct node *out, const char *name)
{
	char *stem = NULL, *a = NULL, *b = NULL, *key = NULL;
	enum compare_format format;
	struct computed_version v;
	int64_t ra, rb;
	int rc;

	if ((rc = flame_compare_name(&stem, name)))
		return rc;
	if ((rc = compare_parse_name(&a, &b, &format, stem)) ||
	    (rc = flame_compare_runs(&ra, &rb, &ctx->view, a, b)) ||
	    (rc = computed_version(ctx, &v)))
		goto done;
	if (asprintf(&key, "%c\t%s\t%lld\t%lld", KEY_DIFF_FLAME, name, (long long)ra,
		     (long long)rb) < 0) {
		key = NULL;
		rc = -ENOMEM;
		goto done;
	}
	rc = computed_file_node(ctx, out, KIND_FLAME, key, &v, inode_make(KIND_COMPARE_DIR, 0, 0));
done:
	free(stem);
	free(a);
	free(b);
	free(key);
	return rc;
}

static int flame_render_key(char **text, size_t *len, const struct view_ctx *view,
			    const char *key_text)
{
	char *key = strdup(key_text), *f[4], *save = NULL, *stem = NULL, *a = NULL, *b = NULL;
	enum compare_format format;
	size_t n = 0;
	int rc;

	if (!key)
		return -ENOMEM;
	for (char *p = strtok_r(key, "\t", &save); p && n < 4; p = strtok_r(NULL, "\t", &save))
		f[n++] = p;
	if (n >= 2 && f[0][0] == KEY_RUN_FLAME) {
		rc = flame_run_render(text, len, view, strtoll(f[1], NULL, 10));
	} else if (n == 4 && f[0][0] == KEY_DIFF_FLAME) {
		if (!(rc = flame_compare_name(&stem, f[1])) &&
		    !(rc = compare_parse_name(&a, &b, &format, stem)))
			rc = flame_compare_render(text, len, view, a, strtoll(f[2], NULL, 10), b,
						  strtoll(f[3], NULL, 10));
	} else {
		rc = -EIO;
	}
	free(stem);
	free(a);
	free(b);
	free(key);
	return rc;
}

/* Known only by its kept node, like a compare file. */
const struct kind_ops kind_flame = {
	.render = flame_render_key,
};

/* ---- profiles/ and artifacts/: the run's files on disk ---- */

/* rel: a path in the run's artifacts directory; every component is a name
 * the mount shows (no hidden names: files still being written). */
static bool tree_rel_ok(const char *rel)
{
	bool root = false;

	for (size_t i = 0; i < sizeof(tree_roots) / sizeof(*tree_roots); i++) {
		size_t n = strlen(tree_roots[i]);

		root |= strncmp(rel, tree_roots[i], n) == 0 && (rel[n] == '/' || rel[n] == '\0');
	}
	if (!root || strpbrk(rel, "\t\n"))
		return false;
	for (const char *p = rel; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (*p == '.' || *p == '/' || *p == '\0')
			return false;
	return true;
}

static int tree_stat(const struct fs_ctx *ctx, struct node *out, int64_t run_id, const char *rel,
		     uint64_t ino)
{
	char dir[4096], *path = NULL;
	struct stat st;

	int rc = artifacts_dir(dir, sizeof(dir), ctx, run_id);

	if (rc)
		return rc;
	if (asprintf(&path, "%s/%s", dir, rel) < 0)
		return -ENOMEM;
	/* Nothing but directories and regular files of benchfs's copies. */
	if (lstat(path, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		free(path);
		return -ENOENT;
	}
	*out = (struct node){
		.ino = ino,
		.type = S_ISDIR(st.st_mode) ? NODE_DIR : NODE_FILE,
		.perm = S_ISDIR(st.st_mode) ? 0555 : 0444,
		.nlink = S_ISDIR(st.st_mode) ? 2 : 1,
		.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
		/* Files appear complete (renamed into place); a directory may gain some. */
		.timeout = 0,
		.size = S_ISDIR(st.st_mode) ? 0 : (size_t)st.st_size,
		.disk_path = S_ISDIR(st.st_mode) ? NULL : path,
	};
	if (S_ISDIR(st.st_mode))
		free(path);
	if (asprintf(&out->key, "%c\t%s", KEY_TREE, rel) < 0) {
		out->key = NULL;
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

static int tree_lookup_rel(const struct fs_ctx *ctx, struct node *out, int64_t run_id,
			   const char *rel)
{
	char *key = NULL;
	uint64_t ino;
	int rc;

	if (!tree_rel_ok(rel) || strlen(rel) > 3000)
		return -ENOENT;
	if (asprintf(&key, "%c\t%s", KEY_TREE, rel) < 0)
		return -ENOMEM;
	ino = inode_make(KIND_RUN_TREE, run_id, (int64_t)(names_hash(key, 0) & INODE_VERSION_MASK));
	if ((rc = tree_stat(ctx, out, run_id, rel, ino)) == 0 &&
	    (rc = fs_claim(ctx, &ino, INODE_VERSION_MASK, key)) < 0)
		node_clear(out);
	else if (rc >= 0)
		out->ino = ino, rc = 0;
	free(key);
	return rc;
}

/* The relative path a tree inode stands for: its kept node's key. */
static char *tree_rel_of(const struct fs_ctx *ctx, uint64_t ino)
{
	const struct node *k;
	char *rel = NULL;

	pthread_mutex_lock(&ctx->fs->lock);
	k = snapshots_get(ctx->fs->snaps, ino);
	if (k && k->key && k->key[0] == KEY_TREE && k->key[1] == '\t')
		rel = strdup(k->key + 2);
	pthread_mutex_unlock(&ctx->fs->lock);
	return rel;
}

static int tree_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
		       const char *name)
{
	char *rel = tree_rel_of(ctx, parent), *path = NULL;
	int rc;

	if (!rel)
		return -ENOENT;
	if (asprintf(&path, "%s/%s", rel, name) < 0)
		rc = -ENOMEM;
	else
		rc = tree_lookup_rel(ctx, out, inode_id(parent), path);
	free(rel);
	free(path);
	return rc;
}

static int tree_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino, const char *key)
{
	if (!key || key[0] != KEY_TREE || key[1] != '\t')
		return -ENOENT;
	return tree_stat(ctx, out, inode_id(ino), key + 2, ino);
}

static int tree_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char dir[4096], *rel = tree_rel_of(ctx, ino), *path = NULL;
	struct dirent **ents = NULL;
	int count, rc = 0;

	if (!rel)
		return -ENOENT;
	if ((rc = artifacts_dir(dir, sizeof(dir), ctx, inode_id(ino)))) {
		free(rel);
		return rc;
	}
	if (asprintf(&path, "%s/%s", dir, rel) < 0) {
		free(rel);
		return -ENOMEM;
	}
	count = scandir(path, &ents, NULL, alphasort);
	for (int i = 0; i < count; i++) {
		const char *d = ents[i]->d_name;

		if (!rc && d[0] != '.' && !strpbrk(d, "\t\n") &&
		    (ents[i]->d_type == DT_REG || ents[i]->d_type == DT_DIR))
			rc = entries_add(out, d, inode_make(KIND_RUN_TREE, inode_id(ino), 0),
					 ents[i]->d_type == DT_DIR ? NODE_DIR : NODE_FILE);
		free(ents[i]);
	}
	free(ents);
	free(path);
	free(rel);
	return count < 0 ? -ENOENT : rc;
}

const struct kind_ops kind_run_tree = {
	.lookup = tree_lookup,
	.node = tree_node,
	.list = tree_list,
};

/* ---- in a run directory ---- */

int run_extra_lookup(const struct fs_ctx *ctx, struct node *out, int64_t run_id, const char *name)
{
	if (strcmp(name, FLAME_NAME) == 0)
		return run_flame_lookup(ctx, out, run_id, inode_make(KIND_RUN_DIR, run_id, 0));
	return tree_lookup_rel(ctx, out, run_id, name);
}

int run_extra_list(const struct fs_ctx *ctx, struct entries *out, int64_t run_id)
{
	char dir[4096], path[4200];
	struct stat st;
	int rc = 0;

	if (flame_run_has(&ctx->view, run_id))
		rc = entries_add(out, FLAME_NAME, inode_make(KIND_FLAME, 0, 0), NODE_FILE);
	if (!rc)
		rc = artifacts_dir(dir, sizeof(dir), ctx, run_id);
	for (size_t i = 0; !rc && i < sizeof(tree_roots) / sizeof(*tree_roots); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, tree_roots[i]);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rc = entries_add(out, tree_roots[i], inode_make(KIND_RUN_TREE, run_id, 0),
					 NODE_DIR);
	}
	return rc;
}
