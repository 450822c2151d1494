/* A string hash for identities that must not change between runs: the same
 * string and salt give the same 64 bits in every process and build (FNV-1a,
 * finished with splitmix64's mixer, whose high bits mix well). Not for
 * anything an attacker chooses to collide: the users (inode numbers of
 * computed files, the stamp of a repository's tags) move past a collision. */
#ifndef BENCHFS_UTIL_HASH_H
#define BENCHFS_UTIL_HASH_H

#include <stdint.h>

/* 64 bits of s mixed with salt (a version). */
uint64_t hash_string(const char *s, uint64_t salt);

#endif
