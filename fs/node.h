/* What the file system knows of one inode: its attributes and, for files and
 * symlinks whose content is generated, that content, fixed once rendered. */
#ifndef BENCHFS_FS_NODE_H
#define BENCHFS_FS_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum node_type { NODE_DIR, NODE_FILE, NODE_LINK };

struct node {
	uint64_t ino;
	enum node_type type;
	mode_t perm;
	unsigned nlink;
	int64_t mtime_ns;
	double timeout;   /* entry and attribute timeout in seconds */
	char *content;    /* owned; generated file or link target; NULL otherwise */
	size_t size;
	char *disk_path;  /* owned; a file served from disk (debug.log); NULL otherwise */
	bool cached;      /* not rendered: the file system already holds this inode's content */
};

void node_clear(struct node *node);

#endif
