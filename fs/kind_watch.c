/* The watch file (internal_kinds.h): the watched branches' fetches
 * (views/watch_file.h). The watcher may change it at any moment, so, like
 * queue, it gets a new inode at every lookup: known only while kept, no
 * node handler. */
#include <errno.h>

#include "fs/internal_kinds.h"
#include "util/clock.h"
#include "views/watch_file.h"

static int watch_named(const struct fs_ctx *ctx, struct node *out)
{
	const struct config *config = ctx->view.config;
	char *text;
	int rc;
	if ((rc = watch_file_render(&text, ctx->view.store, config ? config->watch : NULL)))
		return rc;
	return fill_file(out, inode_make_bits(KIND_WATCH, fs_serial(ctx)), text, now_real_ns(), 0);
}

const struct kind_ops kind_watch = {
	.named = watch_named,
};
