/* Unit tests for fs/snapshot.h and fs/names.h: the nodes kept for the inodes
 * the kernel holds, their keys, and which names the file system asks the
 * kernel to drop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/inode.h"
#include "fs/names.h"
#include "fs/snapshot.h"

#define DIR_INO 77

/* A computed file named name (droppable when parent is set), size bytes. */
static struct node file(uint64_t ino, const char *name, size_t size, uint64_t parent)
{
	struct node n = {.ino = ino, .type = NODE_FILE, .perm = 0444, .nlink = 1,
			 .size = size, .parent = parent};
	n.content = calloc(1, size + 1);
	assert_non_null(n.content);
	assert_true(asprintf(&n.key, "c\t%s\tmore\tfields", name) > 0);
	return n;
}

static void ref(struct snapshots *s, uint64_t ino, const char *name, size_t size,
		uint64_t parent)
{
	struct node n = file(ino, name, size, parent);
	assert_int_equal(snapshots_ref(s, &n), 0);
	/* The caller's copy owns nothing afterwards. */
	assert_null(n.content);
	assert_null(n.key);
	assert_int_equal(n.ino, ino);
}

struct dropped {
	char names[16][64];
	size_t n, fail_after;
};

static int drop(void *ctx, uint64_t parent, const char *name)
{
	struct dropped *d = ctx;
	assert_int_equal(parent, DIR_INO);
	if (d->n >= d->fail_after)
		return -1;
	snprintf(d->names[d->n++], sizeof(d->names[0]), "%s", name);
	return 0;
}

static void test_key_name(void **state)
{
	char buf[16];
	(void)state;
	assert_string_equal(node_key_name(buf, sizeof(buf), "c\ta..b.md\tx\ty"), "a..b.md");
	assert_string_equal(node_key_name(buf, sizeof(buf), "b\tbase"), "base");
	assert_null(node_key_name(buf, sizeof(buf), "r"));
	assert_null(node_key_name(buf, sizeof(buf), NULL));
	assert_null(node_key_name(buf, sizeof(buf), "c\t\tx"));
	assert_null(node_key_name(buf, 4, "c\tlong-name\tx"));
}

static void test_held(void **state)
{
	struct snapshots *s = snapshots_new();
	struct node n;
	(void)state;
	ref(s, 10, "a", 5, 0);
	assert_int_equal(snapshots_held(s, 10, "c\ta\tmore\tfields"), 1);
	assert_int_equal(snapshots_held(s, 10, "c\tb\tmore\tfields"), -1);
	assert_int_equal(snapshots_held(s, 11, "c\ta\tmore\tfields"), 0);
	/* A second reference to a kept inode: a view of the kept node. */
	n = file(10, "ignored", 3, 0);
	assert_int_equal(snapshots_ref(s, &n), 0);
	assert_int_equal(n.size, 5);
	assert_null(n.content);
	/* Two references: the first forget keeps it, the second frees it. */
	snapshots_forget(s, 10, 1);
	assert_non_null(snapshots_get(s, 10));
	snapshots_forget(s, 10, 1);
	assert_null(snapshots_get(s, 10));
	assert_int_equal(snapshots_held(s, 10, "c\ta\tmore\tfields"), 0);
	snapshots_forget(s, 12345, 1); /* unknown: nothing */
	snapshots_free(s);
}

static void test_evict_oldest_first(void **state)
{
	struct snapshots *s = snapshots_new();
	struct dropped d = {.fail_after = 16};
	size_t kept, droppable;
	(void)state;
	ref(s, 1, "one", 10, DIR_INO);
	ref(s, 2, "two", 10, DIR_INO);
	ref(s, 3, "fixed", 10, 0); /* not droppable: never named */
	ref(s, 4, "four", 10, DIR_INO);
	ref(s, 1, "one", 10, DIR_INO); /* looked up again: the newest */
	snapshots_count(s, &kept, &droppable);
	assert_int_equal(kept, 4);
	assert_int_equal(droppable, 3);
	/* Within bounds: nothing. */
	assert_int_equal(snapshots_evict(s, 3, 1000, drop, &d), 0);
	/* Beyond two: the least recently looked up, "two". */
	assert_int_equal(snapshots_evict(s, 2, 1000, drop, &d), 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.names[0], "two");
	/* Asked once: it stays kept (the kernel has not forgotten it), but it is
	 * not asked for again. */
	assert_non_null(snapshots_get(s, 2));
	assert_int_equal(snapshots_evict(s, 2, 1000, drop, &d), 0);
	/* By bytes: 20 bytes of droppable content, at most 10 allowed. */
	assert_int_equal(snapshots_evict(s, 100, 10, drop, &d), 1);
	assert_string_equal(d.names[1], "four");
	/* A new lookup of a name asked for makes it droppable again. */
	ref(s, 2, "two", 10, DIR_INO);
	assert_int_equal(snapshots_evict(s, 1, 1000, drop, &d), 1);
	assert_string_equal(d.names[2], "one");
	/* Forgotten nodes leave the order. */
	snapshots_forget(s, 2, 2);
	snapshots_count(s, &kept, &droppable);
	assert_int_equal(kept, 3);
	assert_int_equal(droppable, 0);
	snapshots_free(s);
}

static void test_evict_stops_when_drop_fails(void **state)
{
	struct snapshots *s = snapshots_new();
	struct dropped d = {.fail_after = 1};
	size_t kept, droppable;
	(void)state;
	for (uint64_t i = 1; i <= 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%llu", (unsigned long long)i);
		ref(s, i, name, 1, DIR_INO);
	}
	/* Three beyond the bound, but the queue takes one: the others stay in
	 * the order for the next call. */
	assert_int_equal(snapshots_evict(s, 2, 1000, drop, &d), 1);
	assert_string_equal(d.names[0], "n1");
	snapshots_count(s, &kept, &droppable);
	assert_int_equal(droppable, 4);
	d.fail_after = 16;
	assert_int_equal(snapshots_evict(s, 2, 1000, drop, &d), 2);
	assert_string_equal(d.names[1], "n2");
	assert_string_equal(d.names[2], "n3");
	snapshots_free(s);
}

/* Many inodes: the table grows, every one is found and freed. */
static void test_many(void **state)
{
	struct snapshots *s = snapshots_new();
	size_t kept, droppable;
	(void)state;
	for (uint64_t i = 1; i <= 5000; i++)
		ref(s, inode_make_bits(KIND_COMPARE, names_hash("k", i)), "x", 1, 0);
	snapshots_count(s, &kept, &droppable);
	assert_int_equal(kept, 5000);
	for (uint64_t i = 1; i <= 5000; i++) {
		uint64_t ino = inode_make_bits(KIND_COMPARE, names_hash("k", i));
		assert_non_null(snapshots_get(s, ino));
		snapshots_forget(s, ino, 1);
	}
	snapshots_count(s, &kept, &droppable);
	assert_int_equal(kept, 0);
	snapshots_free(s);
}

static void test_inode_bits(void **state)
{
	uint64_t a, b;
	(void)state;
	a = inode_make_bits(KIND_COMPARE, names_hash("c\tx..y.md", 3));
	b = inode_make_bits(KIND_COMPARE, names_hash("c\tx..y.md", 4));
	assert_int_equal(inode_kind(a), KIND_COMPARE);
	assert_true(a != b); /* a new version is a new inode */
	assert_int_equal(a, inode_make_bits(KIND_COMPARE, names_hash("c\tx..y.md", 3)));
	/* Never 0 bits (never the root, never FUSE's "no inode"). */
	assert_int_equal(inode_make_bits(KIND_QUEUE, 0), inode_make_bits(KIND_QUEUE, 1));
	/* Probing stays within its mask and kind. */
	assert_int_equal(inode_next(inode_make(KIND_ARTIFACT, 7, 0xffffffffLL), INODE_VERSION_MASK),
			 inode_make(KIND_ARTIFACT, 7, 1));
	assert_int_equal(inode_kind(inode_next(inode_make_bits(KIND_COMPARE, INODE_BITS_MASK),
					       INODE_BITS_MASK)),
			 KIND_COMPARE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_name),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_evict_oldest_first),
		cmocka_unit_test(test_evict_stops_when_drop_fails),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_inode_bits),
	};
	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
