/* The string hash (hash.h). */
#include "util/hash.h"

uint64_t hash_string(const char *s, uint64_t salt)
{
	uint64_t h = 1469598103934665603ULL ^ salt; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	/* FNV's high bits mix poorly; finish with splitmix64's. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}
