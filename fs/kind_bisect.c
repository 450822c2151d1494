/* File kinds of bisect/ (internal_kinds.h): the directory lists the ids of
 * the daemon's bisections (views/bisect.h), and bisect/<id> shows one, its
 * steps and its result. A bisection moves with every run it measures, so
 * its file gets a new inode at every lookup, with no entry timeout, as an
 * alert's does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "views/bisect.h"
#include "views/listings.h"

#define KEY_BISECT 'B' /* B <id> (kind_computed.c's keys) */

static int64_t bisect_key_id(const char *key)
{
	if (!key || key[0] != KEY_BISECT || key[1] != '\t')
		return -1;
	return bisect_parse_name(key + 2);
}

/* ---- bisect/ ---- */

static int bisect_dir_named(const struct fs_ctx *ctx, struct node *out)
{
	return fill_dir(out, inode_make(KIND_BISECT_DIR, 0, 0), 2, ctx->view.mount_ns,
			TIMEOUT_FOREVER);
}

static int bisect_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			   const char *key)
{
	(void)ino, (void)key;
	return bisect_dir_named(ctx, out);
}

static int bisect_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			 const char *name)
{
	struct computed_version v;
	char key[32], *text = NULL;
	int64_t id = bisect_parse_name(name);
	int rc;
	(void)parent;
	if (id < 0)
		return -ENOENT;
	if ((rc = computed_version(ctx, &v)) || (rc = bisect_render(&text, &ctx->view, id)))
		return rc;
	snprintf(key, sizeof(key), "%c\t%lld", KEY_BISECT, (long long)id);
	if ((rc = fill_file(out, inode_make_bits(KIND_BISECT, fs_serial(ctx)), text, v.changed_ns,
			    0)))
		return rc;
	if (!(out->key = strdup(key))) {
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

static int bisect_dir_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	(void)ino;
	if ((rc = bisect_listing(&names, &n, &ctx->view)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++)
		rc = entries_add(out, names[i], inode_make(KIND_BISECT, 0, 0), NODE_FILE);
	listing_free(names, n);
	return rc;
}

const struct kind_ops kind_bisect_dir = {
	.named = bisect_dir_named,
	.lookup = bisect_lookup,
	.node = bisect_dir_node,
	.list = bisect_dir_list,
};

/* ---- bisect/<id> ---- */

static int bisect_render_key(char **text, size_t *len, const struct view_ctx *view,
			     const char *key)
{
	int64_t id = bisect_key_id(key);
	int rc = id > 0 ? bisect_render(text, view, id) : -EIO;
	if (rc == 0)
		*len = strlen(*text);
	return rc;
}

const struct kind_ops kind_bisect = {
	.render = bisect_render_key,
};
