/* The nodes the kernel holds references to (lookup counts), keyed by inode.
 * A generated file is rendered once at lookup; getattr and every read of that
 * inode are then served from the same bytes, until the kernel forgets it.
 * Nodes whose names any reader can invent (computed files) are also kept in
 * least recently looked up order, so the file system can ask the kernel to
 * drop the oldest names and keep this table small (snapshots_evict). */
#ifndef BENCHFS_FS_SNAPSHOT_H
#define BENCHFS_FS_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "fs/node.h"

struct snapshots;

struct snapshots *snapshots_new(void);
void snapshots_free(struct snapshots *snaps);
/* Count one more kernel reference to node->ino. When the inode is new, the
 * table takes node's content, disk path and key (node keeps views of them);
 * when it is known, node is replaced by a view of the stored one. Either way
 * the caller's node owns nothing afterwards. 1 (node untouched) when node
 * was not rendered because its inode was kept (cached) and it is no longer:
 * render it again. */
int snapshots_ref(struct snapshots *snaps, struct node *node);
/* The stored node, or NULL. Valid until the next call that changes the table. */
const struct node *snapshots_get(struct snapshots *snaps, uint64_t ino);
void snapshots_forget(struct snapshots *snaps, uint64_t ino, uint64_t nlookup);
/* Whether ino is kept for key: 1 yes, 0 ino is not kept, -1 it is kept for
 * another key (a hash collision) or for none. */
int snapshots_held(struct snapshots *snaps, uint64_t ino, const char *key);
/* Beyond max_count droppable nodes (those with a parent) or max_bytes of
 * their content, call drop(ctx, parent, name) for the least recently looked
 * up ones, once each, until drop fails (returns non-zero). Such a node stays
 * kept until the kernel forgets it; a new lookup makes it droppable again.
 * Returns the number of drop calls that succeeded. */
size_t snapshots_evict(struct snapshots *snaps, size_t max_count, size_t max_bytes,
		       int (*drop)(void *ctx, uint64_t parent, const char *name), void *ctx);
/* Kept nodes and droppable ones (tests and logs). */
void snapshots_count(const struct snapshots *snaps, size_t *kept, size_t *droppable);

#endif
