/* Helpers shared by the view files (views.c, computed.c); private to fs/, and not for fs.c. */
#ifndef BENCHFS_FS_INTERNAL_VIEWS_H
#define BENCHFS_FS_INTERNAL_VIEWS_H

#include "fs/node.h"
#include "fs/views.h"

/* A finished run never changes: the kernel may keep what it learnt for good. */
#define TIMEOUT_FOREVER (365.0 * 86400)

/* A read-only file node owning content (-ENOMEM when content is NULL). */
int view_fill_file(struct node *out, uint64_t ino, char *content, int64_t mtime_ns,
		   double timeout);
int view_fill_dir(struct node *out, uint64_t ino, unsigned nlink, int64_t mtime_ns,
		  double timeout);
int view_add_entry(struct dir_entry **list, size_t *n, size_t *cap, const char *name,
		   uint64_t ino, enum node_type type);

#endif
