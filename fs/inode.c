#include "inode.h"

/* kind: bits 56-63, id: bits 32-55, version: bits 0-31. Version wrap-around
 * only matters if the kernel still holds an inode 2^32 versions old. */
uint64_t inode_make(enum node_kind kind, int64_t id, int64_t version)
{
	if (kind == KIND_ROOT)
		return INODE_ROOT;
	return ((uint64_t)kind << 56) | (((uint64_t)id & INODE_ID_MAX) << 32) |
	       ((uint64_t)version & 0xffffffffu);
}

enum node_kind inode_kind(uint64_t ino)
{
	uint64_t kind = ino >> 56;
	if (ino == INODE_ROOT || kind == 0 || kind >= KIND_COUNT)
		return KIND_ROOT;
	return (enum node_kind)kind;
}

int64_t inode_id(uint64_t ino)
{
	return (int64_t)((ino >> 32) & INODE_ID_MAX);
}

uint32_t inode_version(uint64_t ino)
{
	return (uint32_t)(ino & 0xffffffffu);
}
