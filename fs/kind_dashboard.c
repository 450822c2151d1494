/* index.html (internal_kinds.h): the dashboard of views/dashboard.h, a
 * computed file of the root. It shows runs as they go and the queue besides
 * the results, so its key holds the store's change number (which every
 * change to any run moves, a queued one included), with the branch's tip
 * and the tags' stamp (commits are named by their tags): any of them moving
 * makes it a new file, rendered once and kept with its inode while the
 * kernel holds it, its size true. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "util/clock.h"
#include "views/commit_names.h"
#include "views/dashboard.h"
#include "views/history.h"

#define KEY_DASHBOARD 'i' /* i <tip or -> <tags stamp> <store change number> */

static int dashboard_named(const struct fs_ctx *ctx, struct node *out)
{
	char tip[STORE_HASH_LEN + 1], key[128];
	struct computed_version v;
	int64_t seq = 0;
	int rc;
	if ((rc = computed_version(ctx, &v)))
		return rc;
	if (store_seq(ctx->view.store, &seq))
		return -EIO;
	if ((rc = history_tip(tip, &ctx->view)) == -ENOENT)
		snprintf(tip, sizeof(tip), "-");
	else if (rc)
		return rc;
	snprintf(key, sizeof(key), "%c\t%s\t%016llx\t%lld", KEY_DASHBOARD, tip,
		 ctx->view.repo ? (unsigned long long)commit_names_stamp(&ctx->view) : 0ULL,
		 (long long)seq);
	/* Its mtime: when this version was first rendered, at or after the
	 * change it shows (a queued run moves no results change time). */
	v.changed_ns = now_real_ns();
	return computed_file_node(ctx, out, KIND_DASHBOARD, key, &v, 0);
}

static int dashboard_render_key(char **text, size_t *len, const struct view_ctx *view,
				const char *key)
{
	char tip[STORE_HASH_LEN + 1];
	size_t n;
	if (strlen(key) < 3 || key[0] != KEY_DASHBOARD || key[1] != '\t')
		return -EIO;
	n = strcspn(key + 2, "\t");
	if (n >= sizeof(tip))
		return -EIO;
	memcpy(tip, key + 2, n);
	tip[n] = '\0';
	return dashboard_render(text, len, view, strcmp(tip, "-") ? tip : NULL);
}

const struct kind_ops kind_dashboard = {
	.named = dashboard_named,
	.render = dashboard_render_key,
};
