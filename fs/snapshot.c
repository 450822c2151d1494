/* The nodes kept while the kernel holds their inodes: a hash table by
 * inode number, and the droppable ones in least recently looked up order
 * (snapshot.h). node_clear and node_key_name (node.h) live here too. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fs/snapshot.h"

struct entry {
	struct node node;
	uint64_t nlookup;
	struct entry *next;             /* bucket chain */
	struct entry *newer, *older;    /* droppable order, while in it */
	bool in_order;
};

struct snapshots {
	struct entry **buckets;
	size_t nbuckets, count;
	struct entry *newest, *oldest;  /* droppable nodes, by their last lookup */
	size_t ndroppable, droppable_bytes;
};

void node_clear(struct node *node)
{
	free(node->content);
	free(node->disk_path);
	free(node->key);
	memset(node, 0, sizeof(*node));
}

const char *node_key_name(char *buf, size_t size, const char *key)
{
	const char *name = key ? strchr(key, '\t') : NULL, *end;
	size_t len;
	if (!name)
		return NULL;
	name++;
	end = strchr(name, '\t');
	len = end ? (size_t)(end - name) : strlen(name);
	if (len == 0 || len >= size)
		return NULL;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return buf;
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

static void order_unlink(struct snapshots *s, struct entry *e)
{
	if (!e->in_order)
		return;
	if (e->newer)
		e->newer->older = e->older;
	else
		s->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		s->oldest = e->newer;
	e->newer = e->older = NULL;
	e->in_order = false;
	s->ndroppable--;
	s->droppable_bytes -= e->node.size;
}

/* Most recently looked up: first to keep. */
static void order_push(struct snapshots *s, struct entry *e)
{
	if (!e->node.parent)
		return;
	order_unlink(s, e);
	e->older = s->newest;
	e->newer = NULL;
	if (s->newest)
		s->newest->newer = e;
	else
		s->oldest = e;
	s->newest = e;
	e->in_order = true;
	s->ndroppable++;
	s->droppable_bytes += e->node.size;
}

/* What a caller may hold of a kept node: everything but what it owns. */
static void view_of(struct node *out, const struct entry *e)
{
	*out = e->node;
	out->content = NULL;
	out->disk_path = NULL;
	out->key = NULL;
}

int snapshots_ref(struct snapshots *s, struct node *node)
{
	struct entry *e = find(s, node->ino);
	if (e) {
		node_clear(node);
		e->nlookup++;
		order_push(s, e);
		view_of(node, e);
		return 0;
	}
	/* Not rendered because it was kept, and forgotten since (another thread). */
	if (node->cached)
		return 1;
	if (!(e = calloc(1, sizeof(*e))))
		return -1;
	e->node = *node;
	e->nlookup = 1;
	view_of(node, e);
	if (s->count + 1 > s->nbuckets)
		grow(s);
	{
		size_t b = bucket_of(s, e->node.ino);
		e->next = s->buckets[b];
		s->buckets[b] = e;
	}
	s->count++;
	order_push(s, e);
	return 0;
}

const struct node *snapshots_get(struct snapshots *s, uint64_t ino)
{
	struct entry *e = find(s, ino);
	return e ? &e->node : NULL;
}

int snapshots_held(struct snapshots *s, uint64_t ino, const char *key)
{
	struct entry *e = find(s, ino);
	if (!e)
		return 0;
	return e->node.key && key && strcmp(e->node.key, key) == 0 ? 1 : -1;
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
		order_unlink(s, e);
		node_clear(&e->node);
		free(e);
		s->count--;
		return;
	}
}

size_t snapshots_evict(struct snapshots *s, size_t max_count, size_t max_bytes,
		       int (*drop)(void *ctx, uint64_t parent, const char *name), void *ctx)
{
	size_t done = 0;
	while (s->oldest && (s->ndroppable > max_count || s->droppable_bytes > max_bytes)) {
		struct entry *e = s->oldest;
		char name[256];
		/* A node without a usable name cannot be dropped by name: it leaves
		 * the order and waits for the kernel's own forget. */
		if (node_key_name(name, sizeof(name), e->node.key) &&
		    drop(ctx, e->node.parent, name) != 0)
			break;
		order_unlink(s, e);
		done++;
	}
	return done;
}

void snapshots_count(const struct snapshots *s, size_t *kept, size_t *droppable)
{
	*kept = s->count;
	*droppable = s->ndroppable;
}
