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
	/* Owned; what names a computed file or an artifact, "<letter>\t<name>[\t...]"
	 * (kind_computed.c, kind_runs.c): the kept node answers for its inode by it. NULL
	 * for files whose inode number says all. */
	char *key;
	/* The directory the name is in when the kernel may be asked to drop the
	 * name (computed files, any spelling a reader invents); 0 otherwise. */
	uint64_t parent;
};

/* The name field of a key ("c\tname\t..." -> "name"), copied into buf;
 * NULL when key has none or it does not fit. */
const char *node_key_name(char *buf, size_t size, const char *key);

void node_clear(struct node *node);

#endif
