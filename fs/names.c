/* A computed file's key hashed into its inode number (names.h). */
#include "fs/names.h"
#include "util/hash.h"

uint64_t names_hash(const char *key, uint64_t salt)
{
	return hash_string(key, salt);
}
