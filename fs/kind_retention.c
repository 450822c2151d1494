/* The retention file (internal_kinds.h): the pruning policy and what the
 * last pass kept and freed (views/retention_file.h). A pass may change it
 * at any moment, so, like queue, it gets a new inode at every lookup:
 * known only while kept, no node handler. */
#include <errno.h>

#include "fs/internal_kinds.h"
#include "util/clock.h"
#include "views/retention_file.h"

static int retention_named(const struct fs_ctx *ctx, struct node *out)
{
	const struct config *config = ctx->view.config;
	char *text;
	int rc;
	if ((rc = retention_file_render(&text, ctx->view.store, config ? config->retain : NULL)))
		return rc;
	return fill_file(out, inode_make_bits(KIND_RETENTION, fs_serial(ctx)), text, now_real_ns(),
			 0);
}

const struct kind_ops kind_retention = {
	.named = retention_named,
};
