/* File kinds of baselines/: the directory (pin with a write to a new name,
 * unpin with rm) and each baseline's file (internal_kinds.h). The policy,
 * names and pins, is queue/baselines.h's; the text of a file is
 * views/baseline_file.h's. A baseline's file gets a new inode at every
 * lookup, as the queue does (inode.h): a writer's O_TRUNC must not empty what
 * a reader holds.
 * baselines/.history/<name> is a name's history: a directory whose name no
 * baseline can have (names never start with a dot), so no pin is ever
 * hidden by it, `ls baselines` lists the pins alone, and find, grep -r and
 * tar still walk into it. Who pins or unpins is the request's uid
 * (fs_request_uid, set by ops.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "queue/baselines.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/runid.h"
#include "views/baseline_file.h"

#define KEY_BASELINE 'b' /* b <name> (kind_computed.c's keys) */
#define KEY_HISTORY 'h'  /* h <name>: the history of name */
#define HISTORY_DIR ".history"
#define HISTORY_DIR_INO inode_make(KIND_BASELINE_HISTORY_DIR, 0, 0)

const char *baseline_key_name(const char *key)
{
	if (!key || key[0] != KEY_BASELINE || key[1] != '\t')
		return NULL;
	return key + 2;
}

/* ---- baselines/ ---- */

static int baselines_dir_named(const struct fs_ctx *ctx, struct node *out)
{
	/* The directory itself never changes; its entries are looked up each time. */
	fill_dir(out, inode_make(KIND_BASELINES_DIR, 0, 0), 2, ctx->view.mount_ns,
		 TIMEOUT_FOREVER);
	out->perm = 0755; /* pin with a write, unpin with rm */
	return 0;
}

static int baselines_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			      const char *key)
{
	(void)ino, (void)key;
	return baselines_dir_named(ctx, out);
}

static int history_dir_node(const struct fs_ctx *ctx, struct node *out)
{
	/* Written by pins, never by hand: fill_dir's read-only mode. */
	int rc = fill_dir(out, HISTORY_DIR_INO, 2, ctx->view.mount_ns, TIMEOUT_FOREVER);
	out->parent = inode_make(KIND_BASELINES_DIR, 0, 0);
	return rc;
}

static int baselines_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			    const char *name)
{
	struct store_baseline b;
	struct computed_version v;
	char key[STORE_BASELINE_NAME_MAX + 8];
	int rc;
	(void)parent;
	if (strcmp(name, HISTORY_DIR) == 0)
		return history_dir_node(ctx, out);
	if (!baseline_name_valid(name))
		return -ENOENT;
	if ((rc = store_baseline_get(ctx->view.store, &b, name)))
		return store_errno(rc);
	if ((rc = computed_version(ctx, &v)))
		return rc;
	snprintf(key, sizeof(key), "%c\t%s", KEY_BASELINE, name);
	return computed_file_node(ctx, out, KIND_BASELINE, key, &v, 0);
}

static int baselines_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	struct store_baseline *b = NULL;
	size_t n = 0;
	int rc = 0;
	(void)ino;
	if (store_baselines_list(ctx->view.store, &b, &n))
		return -EIO;
	rc = entries_add(out, HISTORY_DIR, HISTORY_DIR_INO, NODE_DIR);
	for (size_t i = 0; i < n && !rc; i++)
		rc = entries_add(out, b[i].name, inode_make(KIND_BASELINE, 0, 0), NODE_FILE);
	free(b);
	return rc;
}

/* A shell's `> baselines/<name>` of a new name creates it first; the file
 * holds nothing until the write that follows pins a revision (a failed write
 * leaves no baseline behind). */
static int baselines_create(const struct fs_ctx *ctx, struct node *out, const char *name)
{
	char key[STORE_BASELINE_NAME_MAX + 8], err[256];
	int rc;
	if ((rc = baseline_name_check(name, err, sizeof(err))))
		return log_error(rc, "baseline %s: refused: %s", name, err);
	snprintf(key, sizeof(key), "%c\t%s", KEY_BASELINE, name);
	*out = (struct node){.ino = inode_make_bits(KIND_BASELINE, fs_serial(ctx)),
			     .type = NODE_FILE,
			     .perm = 0644,
			     .nlink = 1,
			     .mtime_ns = now_real_ns(),
			     .content = strdup(""),
			     .key = strdup(key)};
	if (!out->content || !out->key) {
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

/* rm baselines/<name> unpins. */
static int baselines_remove(const struct fs_ctx *ctx, const char *name)
{
	char err[256];
	int rc = baseline_unpin_by(ctx->view.store, fs_request_uid, ctx->view.host, name, err,
				   sizeof(err));
	if (rc == 0)
		log_notice("baseline %s unpinned (uid %lld)", name, (long long)fs_request_uid);
	else if (rc != -ENOENT)
		log_error(rc, "baseline %s: %s", name, err);
	return rc;
}

const struct kind_ops kind_baselines_dir = {
	.named = baselines_dir_named,
	.lookup = baselines_lookup,
	.node = baselines_dir_node,
	.list = baselines_list,
	.create = baselines_create,
	.remove = baselines_remove,
};

/* ---- baselines/<name> ---- */

static int baseline_render(char **text, size_t *len, const struct view_ctx *view,
			   const char *key)
{
	const char *name = baseline_key_name(key);
	int rc = name ? baseline_file_render(text, view, name) : -EIO;
	if (rc == 0)
		*len = strlen(*text);
	return rc;
}

/* `echo <rev> > baselines/<name>`: one line, resolved to a commit inside the
 * write (a bad revision is EINVAL at the writer's shell), then pinned. */
static int baseline_write(const struct fs_ctx *ctx, uint64_t ino, const char *buf, size_t size,
			  off_t off)
{
	struct fs *fs = ctx->fs;
	const struct node *kept;
	const char *name;
	struct store_baseline_event e;
	char run[32] = "-", err[512], *key = NULL;
	int rc;
	(void)off;
	pthread_mutex_lock(&fs->lock);
	if ((kept = snapshots_get(fs->snaps, ino)) && kept->key)
		key = strdup(kept->key);
	pthread_mutex_unlock(&fs->lock);
	if (!(name = baseline_key_name(key))) {
		free(key);
		return -EIO;
	}
	rc = baseline_pin_by(&e, ctx->view.store, ctx->view.repo, fs_request_uid, ctx->view.host,
			     name, buf, size, err, sizeof(err));
	if (rc) {
		log_error(rc, "baseline %s: refused: %s", name, err);
	} else {
		if (e.run_id > 0)
			runid_dir_name(run, sizeof(run), e.run_id);
		log_notice("baseline %s pinned to %s (%s, run %s, uid %lld)", name, e.commit,
			   e.revision, run, (long long)fs_request_uid);
	}
	store_baseline_event_clear(&e);
	free(key);
	return rc;
}

const struct kind_ops kind_baseline = {
	.render = baseline_render,
	.write = baseline_write,
	.truncatable = true,
};

/* ---- baselines/.history/ and its files ---- */

static int history_dir_ino_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
				const char *key)
{
	(void)ino, (void)key;
	return history_dir_node(ctx, out);
}

/* A computed view: a new number when the views' change number moves. */
static int history_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			  const char *name)
{
	struct computed_version v;
	char key[STORE_BASELINE_NAME_MAX + 8];
	int rc;
	(void)parent;
	if (!baseline_name_valid(name))
		return -ENOENT;
	if ((rc = computed_version(ctx, &v)))
		return rc;
	snprintf(key, sizeof(key), "%c\t%s", KEY_HISTORY, name);
	return computed_file_node(ctx, out, KIND_BASELINE_HISTORY, key, &v, HISTORY_DIR_INO);
}

static int history_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	(void)ino;
	if (store_baseline_history_names(ctx->view.store, &names, &n))
		return -EIO;
	rc = entries_add_names(out, names, n, KIND_BASELINE_HISTORY, NODE_FILE);
	store_names_free(names, n);
	return rc;
}

const struct kind_ops kind_baseline_history_dir = {
	.lookup = history_lookup,
	.node = history_dir_ino_node,
	.list = history_list,
};

static int history_render(char **text, size_t *len, const struct view_ctx *view,
			  const char *key)
{
	int rc = key && key[0] == KEY_HISTORY && key[1] == '\t'
			 ? baseline_history_render(text, view, key + 2)
			 : -EIO;
	if (rc == 0)
		*len = strlen(*text);
	return rc;
}

const struct kind_ops kind_baseline_history = {
	.render = history_render,
};
