/* Packing an inode number: its kind, a run id and a version, or a kind and
 * 56 bits of a hash or serial number (inode.h). */
#include "fs/inode.h"

/* kind: bits 56-63, id: bits 32-55, version: bits 0-31. Version wrap-around
 * only matters if the kernel still holds an inode 2^32 versions old. */
uint64_t inode_make(enum node_kind kind, int64_t id, int64_t version)
{
	if (kind == KIND_ROOT)
		return INODE_ROOT;
	return ((uint64_t)kind << 56) | (((uint64_t)id & INODE_ID_MAX) << 32) |
	       ((uint64_t)version & 0xffffffffu);
}

uint64_t inode_make_bits(enum node_kind kind, uint64_t bits)
{
	/* Never the root's number, and never 0 (FUSE's "no inode"). */
	bits &= INODE_BITS_MASK;
	return ((uint64_t)kind << 56) | (bits ? bits : 1);
}

uint64_t inode_next(uint64_t ino, uint64_t mask)
{
	uint64_t next = (ino & ~mask) | ((ino + 1) & mask);
	return (next & mask) ? next : next + 1;
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
