/* Views: how each path of the mounted tree maps to data in the store.
 * No FUSE here: these functions produce nodes and directory listings. */
#ifndef BENCHFS_FS_VIEWS_H
#define BENCHFS_FS_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/node.h"
#include "store/store.h"
#include "views/context.h"

struct dir_entry {
	char name[256];
	uint64_t ino;
	enum node_type type;
};

/* The node called name inside directory parent; -ENOENT when there is none,
 * -EIO when the store fails. */
int view_lookup(const struct view_ctx *ctx, struct node *out, uint64_t parent, const char *name);
/* The current node of inode ino (for getattr when nothing is cached, and for
 * files read from disk and directories, whose attributes change): -ENOENT
 * when that inode's version is no longer current. key: the kept node's key
 * (artifacts are found by it), or NULL. */
int view_node(const struct view_ctx *ctx, struct node *out, uint64_t ino, const char *key);
/* Claim *ino (a number hashed from key) for key: 1 when the file system keeps
 * it for key already, 0 when it is free; a number kept for another key moves
 * *ino to the next one within mask. -ENFILE when no number is free nearby. */
int view_claim(const struct view_ctx *ctx, uint64_t *ino, uint64_t mask, const char *key);
/* A new serial number for a writable file's inode. */
uint64_t view_serial(const struct view_ctx *ctx);
/* The entries of directory ino (without . and ..), malloc'd. */
int view_list(const struct view_ctx *ctx, struct dir_entry **entries, size_t *n, uint64_t ino);

#endif
