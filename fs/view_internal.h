/* Helpers shared by the view files (views.c, computed.c); not for fs.c. */
#ifndef BENCHFS_FS_VIEW_INTERNAL_H
#define BENCHFS_FS_VIEW_INTERNAL_H

#include "node.h"
#include "views.h"

/* A finished run never changes: the kernel may keep what it learnt for good. */
#define TIMEOUT_FOREVER (365.0 * 86400)

/* A read-only file node owning content (-ENOMEM when content is NULL). */
int view_fill_file(struct node *out, uint64_t ino, char *content, int64_t mtime_ns,
		   double timeout);
int view_fill_dir(struct node *out, uint64_t ino, unsigned nlink, int64_t mtime_ns,
		  double timeout);
int view_add_entry(struct dir_entry **list, size_t *n, size_t *cap, const char *name,
		   uint64_t ino, enum node_type type);
/* The run id of a canonical run directory name ("000042"), -1 when it is not one. */
int64_t view_parse_run_name(const char *name);
/* -ENOENT for STORE_NOTFOUND, else -EIO. */
int view_store_errno(int rc);

#endif
