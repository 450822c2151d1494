/* The computed views: compare/, regressions, history/ and baselines/. Their
 * files are rendered from the store when looked up, once per change of what
 * they show (inode.h: the version is the store's views change number). */
#ifndef BENCHFS_FS_COMPUTED_H
#define BENCHFS_FS_COMPUTED_H

#include "fs/node.h"
#include "fs/views.h"

/* Whether a root entry name is a computed view; its node in *out. */
int computed_root_lookup(const struct view_ctx *ctx, struct node *out, const char *name);
/* Root entries of the computed views, for the root listing. */
int computed_root_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n,
		       size_t *cap);
/* Lookup inside compare/, history/, baselines/. */
int computed_lookup(const struct view_ctx *ctx, struct node *out, uint64_t parent,
		    const char *name);
/* The node of a computed directory; -ENOENT for a computed file, which is
 * known only by its kept node. */
int computed_node(const struct view_ctx *ctx, struct node *out, uint64_t ino);
int computed_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n, size_t *cap,
		  uint64_t ino);

/* The inode a shell's create of baselines/<name> gets before its write pins it. */
int computed_baseline_pending(const struct view_ctx *ctx, struct node *out, const char *name);
/* The baseline name in the key of a baseline inode's node, or NULL. */
const char *computed_baseline_name(const char *key);

#endif
