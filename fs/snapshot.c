#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

struct entry {
	struct node node;
	uint64_t nlookup;
	struct entry *next;
};

struct snapshots {
	struct entry **buckets;
	size_t nbuckets, count;
};

void node_clear(struct node *node)
{
	free(node->content);
	free(node->disk_path);
	memset(node, 0, sizeof(*node));
}

static size_t bucket_of(const struct snapshots *s, uint64_t ino)
{
	/* Inode numbers share their low bits a lot; mix them (splitmix64 finaliser). */
	ino ^= ino >> 33;
	ino *= 0xff51afd7ed558ccdULL;
	ino ^= ino >> 33;
	return (size_t)(ino & (s->nbuckets - 1));
}

struct snapshots *snapshots_new(void)
{
	struct snapshots *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->nbuckets = 1024;
	if (!(s->buckets = calloc(s->nbuckets, sizeof(*s->buckets)))) {
		free(s);
		return NULL;
	}
	return s;
}

void snapshots_free(struct snapshots *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct entry *e = s->buckets[i], *next; e; e = next) {
			next = e->next;
			node_clear(&e->node);
			free(e);
		}
	free(s->buckets);
	free(s);
}

static struct entry *find(const struct snapshots *s, uint64_t ino)
{
	for (struct entry *e = s->buckets[bucket_of(s, ino)]; e; e = e->next)
		if (e->node.ino == ino)
			return e;
	return NULL;
}

static void grow(struct snapshots *s)
{
	size_t old_n = s->nbuckets;
	struct entry **old = s->buckets, **fresh = calloc(old_n * 2, sizeof(*fresh));
	if (!fresh)
		return; /* longer chains, still correct */
	s->buckets = fresh;
	s->nbuckets = old_n * 2;
	for (size_t i = 0; i < old_n; i++)
		for (struct entry *e = old[i], *next; e; e = next) {
			size_t b = bucket_of(s, e->node.ino);
			next = e->next;
			e->next = fresh[b];
			fresh[b] = e;
		}
	free(old);
}

int snapshots_ref(struct snapshots *s, struct node *node)
{
	struct entry *e = find(s, node->ino);
	if (e) {
		node_clear(node);
		e->nlookup++;
		*node = e->node;
		node->content = NULL; /* the caller's copy owns nothing */
		node->disk_path = NULL;
		return 0;
	}
	if (!(e = calloc(1, sizeof(*e))))
		return -1;
	e->node = *node;
	e->nlookup = 1;
	memset(node, 0, sizeof(*node));
	*node = e->node;
	node->content = NULL;
	node->disk_path = NULL;
	if (s->count + 1 > s->nbuckets)
		grow(s);
	{
		size_t b = bucket_of(s, e->node.ino);
		e->next = s->buckets[b];
		s->buckets[b] = e;
	}
	s->count++;
	return 0;
}

const struct node *snapshots_get(struct snapshots *s, uint64_t ino)
{
	struct entry *e = find(s, ino);
	return e ? &e->node : NULL;
}

void snapshots_forget(struct snapshots *s, uint64_t ino, uint64_t nlookup)
{
	struct entry **link = &s->buckets[bucket_of(s, ino)];
	for (; *link; link = &(*link)->next) {
		struct entry *e = *link;
		if (e->node.ino != ino)
			continue;
		if (e->nlookup > nlookup) {
			e->nlookup -= nlookup;
			return;
		}
		*link = e->next;
		node_clear(&e->node);
		free(e);
		s->count--;
		return;
	}
}
