/* Deterministic pseudo-random generator (xoshiro256**, seeded through
 * splitmix64). Integer arithmetic only, so results are identical everywhere. */
#include "stats/internal.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void stats__rng_seed(struct stats__rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t stats__rng_next(struct stats__rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t stats__rng_below(struct stats__rng *r, uint64_t bound)
{
	/* rejection: accept values below the largest multiple of bound */
	uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
	for (;;) {
		uint64_t x = stats__rng_next(r);
		if (x < limit)
			return x % bound;
	}
}
