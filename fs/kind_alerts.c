/* File kinds of alerts/ (internal_kinds.h): the directory lists the alert
 * ids of the regressions file's entries (views/alerts.h), and alerts/<id>
 * shows one; a write of ack, ignore, fixed <rev> or new to it sets the
 * alert's state, which the store keeps. Like a baseline's file, an alert's
 * gets a new inode at every lookup: a writer's O_TRUNC must not empty what
 * a reader holds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "util/log.h"
#include "views/alerts.h"

#define KEY_ALERT 'a' /* a <id> (kind_computed.c's keys) */

_Thread_local int64_t fs_request_uid = -1;

static const char *alert_key_id(const char *key)
{
	if (!key || key[0] != KEY_ALERT || key[1] != '\t')
		return NULL;
	return key + 2;
}

/* ---- alerts/ ---- */

static int alerts_dir_named(const struct fs_ctx *ctx, struct node *out)
{
	return fill_dir(out, inode_make(KIND_ALERTS_DIR, 0, 0), 2, ctx->view.mount_ns,
			TIMEOUT_FOREVER);
}

static int alerts_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			   const char *key)
{
	(void)ino, (void)key;
	return alerts_dir_named(ctx, out);
}

static int alerts_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			 const char *name)
{
	struct computed_version v;
	char key[ALERT_ID_LEN + 4], *text = NULL;
	int rc;
	(void)parent;
	if (!alert_id_valid(name))
		return -ENOENT;
	if ((rc = computed_version(ctx, &v)))
		return rc;
	if ((rc = alert_render(&text, &ctx->view, name)))
		return rc;
	snprintf(key, sizeof(key), "%c\t%s", KEY_ALERT, name);
	/* Entry timeout 0: the state may change at any write. */
	if ((rc = fill_file(out, inode_make_bits(KIND_ALERT, fs_serial(ctx)), text, v.changed_ns,
			    0)))
		return rc;
	out->perm = 0644; /* triaged with a write */
	if (!(out->key = strdup(key))) {
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

static int alerts_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	(void)ino;
	if ((rc = alert_list(&names, &n, &ctx->view)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++)
		rc = entries_add(out, names[i], inode_make(KIND_ALERT, 0, 0), NODE_FILE);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* A shell's `>` of a name that is no alert: nothing to triage. */
static int alerts_create(const struct fs_ctx *ctx, struct node *out, const char *name)
{
	(void)ctx, (void)out;
	return log_error(-ENOENT, "alerts/%s: refused: no such alert (ls alerts)", name);
}

const struct kind_ops kind_alerts_dir = {
	.named = alerts_dir_named,
	.lookup = alerts_lookup,
	.node = alerts_dir_node,
	.list = alerts_list,
	.create = alerts_create,
};

/* ---- alerts/<id> ---- */

static int alert_render_key(char **text, size_t *len, const struct view_ctx *view,
			    const char *key)
{
	const char *id = alert_key_id(key);
	int rc = id ? alert_render(text, view, id) : -EIO;
	if (rc == 0)
		*len = strlen(*text);
	return rc;
}

/* `echo ack > alerts/<id>`: the state is set inside the write, so a bad
 * word or revision is an error at the writer's shell. */
static int alert_write(const struct fs_ctx *ctx, uint64_t ino, const char *buf, size_t size,
		       off_t off)
{
	struct fs *fs = ctx->fs;
	const struct node *kept;
	const char *id;
	char msg[512], *key = NULL;
	int rc;
	(void)off;
	pthread_mutex_lock(&fs->lock);
	if ((kept = snapshots_get(fs->snaps, ino)) && kept->key)
		key = strdup(kept->key);
	pthread_mutex_unlock(&fs->lock);
	if (!(id = alert_key_id(key))) {
		free(key);
		return -EIO;
	}
	rc = alert_triage(&ctx->view, id, buf, size, fs_request_uid, msg, sizeof(msg));
	if (rc)
		log_error(rc, "alerts/%s: refused: %s", id, msg);
	else
		log_notice("%s (uid %lld)", msg, (long long)fs_request_uid);
	free(key);
	return rc;
}

const struct kind_ops kind_alert = {
	.render = alert_render_key,
	.write = alert_write,
	.truncatable = true,
};
