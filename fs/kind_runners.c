/* The runners file (internal_kinds.h): the runners registered in the store
 * (views/runners_list.h). A heartbeat or a claim changes it at any moment,
 * so, like queue, it gets a new inode at every lookup, whose content is
 * fixed: stat's size is what that open reads. Known only while kept, no
 * node handler. */
#include "fs/internal_kinds.h"
#include "util/clock.h"
#include "views/runners_list.h"

static int runners_named(const struct fs_ctx *ctx, struct node *out)
{
	char *text;
	int rc;
	if ((rc = runners_list_text(&text, ctx->view.store)))
		return rc;
	return fill_file(out, inode_make_bits(KIND_RUNNERS, fs_serial(ctx)), text, now_real_ns(),
			 0);
}

const struct kind_ops kind_runners = {
	.named = runners_named,
};
