/* The doubling design with linear alpha spending; see sequential.h. */
#include "stats/sequential.h"

#include <math.h>

int stats_sequential_init(struct stats_sequential *out, size_t first, size_t cap, double alpha)
{
	if (!out || first < 1 || cap < first || !(alpha > 0.0 && alpha < 1.0))
		return STATS_EINVAL;
	struct stats_sequential s = {.alpha = alpha};
	size_t n = first;
	for (;;) {
		if (s.looks == STATS_SEQUENTIAL_LOOKS_MAX)
			return STATS_EINVAL;
		if (n >= cap) {
			s.size[s.looks++] = cap;
			break;
		}
		s.size[s.looks++] = n;
		n = n > cap / 2 ? cap : 2 * n;
	}
	/* alpha times the fraction of the pairs each look adds: the fraction is at
	 * most 1, so no level exceeds alpha by rounding (a single look is alpha) */
	size_t prev = 0;
	for (size_t k = 0; k < s.looks; k++) {
		s.level[k] = alpha * ((double)(s.size[k] - prev) / (double)cap);
		prev = s.size[k];
	}
	*out = s;
	return STATS_OK;
}

long stats_sequential_look(const struct stats_sequential *s, size_t n)
{
	if (!s)
		return -1;
	for (size_t k = 0; k < s->looks && k < STATS_SEQUENTIAL_LOOKS_MAX; k++)
		if (s->size[k] == n)
			return (long)k;
	return -1;
}
