#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "inode.h"
#include "names.h"

struct names {
	char **keys;       /* keys[id - 1] */
	size_t count, cap;
	uint32_t *slots;   /* open addressing: id, 0 = empty */
	size_t nslots;     /* a power of two, at least twice count */
};

static uint64_t hash_key(const char *key)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h;
}

struct names *names_new(void)
{
	struct names *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->nslots = 256;
	if (!(n->slots = calloc(n->nslots, sizeof(*n->slots)))) {
		free(n);
		return NULL;
	}
	return n;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->count; i++)
		free(n->keys[i]);
	free(n->keys);
	free(n->slots);
	free(n);
}

static size_t probe(const struct names *n, const char *key, bool *found)
{
	size_t mask = n->nslots - 1, i = (size_t)hash_key(key) & mask;
	for (; n->slots[i]; i = (i + 1) & mask)
		if (strcmp(n->keys[n->slots[i] - 1], key) == 0) {
			*found = true;
			return i;
		}
	*found = false;
	return i;
}

static int grow_slots(struct names *n)
{
	size_t nslots = n->nslots * 2;
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t id = 1; id <= n->count; id++) {
		size_t i = (size_t)hash_key(n->keys[id - 1]) & (nslots - 1);
		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = (uint32_t)id;
	}
	free(n->slots);
	n->slots = slots;
	n->nslots = nslots;
	return 0;
}

int64_t names_intern(struct names *n, const char *key)
{
	bool found;
	size_t slot = probe(n, key, &found);
	char *copy;
	if (found)
		return n->slots[slot];
	if (n->count >= (size_t)INODE_ID_MAX)
		return -1;
	if (n->count == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 64;
		char **keys = realloc(n->keys, cap * sizeof(*keys));
		if (!keys)
			return -1;
		n->keys = keys;
		n->cap = cap;
	}
	if (!(copy = strdup(key)))
		return -1;
	n->keys[n->count++] = copy;
	n->slots[slot] = (uint32_t)n->count;
	if (n->count * 2 > n->nslots && grow_slots(n)) {
		/* The table stays consistent at its old size; only this key is lost. */
		n->slots[slot] = 0;
		free(n->keys[--n->count]);
		return -1;
	}
	return (int64_t)n->count;
}

const char *names_key(const struct names *n, int64_t id)
{
	if (id < 1 || (size_t)id > n->count)
		return NULL;
	return n->keys[id - 1];
}
