/* Names as numbers: the identity of a computed file or an artifact (its key:
 * its name and what the name resolved to) hashed into the bits of its inode
 * number (inode.h). The same key always gives the same number, so the
 * kernel's cached pages stay valid for as long as the content does, and no
 * table grows with the names readers invent: a key lives only in the kept
 * node of an inode the kernel holds (snapshot.h). Two keys may hash alike;
 * the file system then moves the newcomer to the next free number. */
#ifndef BENCHFS_FS_NAMES_H
#define BENCHFS_FS_NAMES_H

#include <stdint.h>

/* 64 bits of key mixed with salt (a version): util/hash.h's string hash,
 * so a key gives the same number in every process. */
uint64_t names_hash(const char *key, uint64_t salt);

#endif
