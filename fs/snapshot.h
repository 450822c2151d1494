/* The nodes the kernel holds references to (lookup counts), keyed by inode.
 * A generated file is rendered once at lookup; getattr and every read of that
 * inode are then served from the same bytes, until the kernel forgets it. */
#ifndef BENCHFS_FS_SNAPSHOT_H
#define BENCHFS_FS_SNAPSHOT_H

#include <stdint.h>

#include "node.h"

struct snapshots;

struct snapshots *snapshots_new(void);
void snapshots_free(struct snapshots *snaps);
/* Count one more kernel reference to node->ino. When the inode is new, the
 * table takes node's content (node is cleared); when it is known, node is
 * replaced by a view of the stored one (content not owned by the caller). */
int snapshots_ref(struct snapshots *snaps, struct node *node);
/* The stored node, or NULL. Valid until the next call that changes the table. */
const struct node *snapshots_get(struct snapshots *snaps, uint64_t ino);
void snapshots_forget(struct snapshots *snaps, uint64_t ino, uint64_t nlookup);

#endif
