/* Unit tests for fs/'s table of file kinds (internal_kinds.h), without a
 * mount: every kind has handlers, only directories list and look up, only
 * the queue and baselines are written, the root's entries and what its
 * names give, computed files known only while kept, and a baseline created
 * by a shell. Against a temporary store; no repository (no branch). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/inode.h"
#include "fs/internal.h"
#include "fs/internal_kinds.h"
#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"
#include "util/rmtree.h"

struct fixture {
	char dir[PATH_MAX / 2];
	struct fs fs;
	struct store *store;
	char location[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "fs-kinds") ||
	    test_store_location(f->location, sizeof(f->location), f->dir))
		return -1;
	if (store_open(&f->store, f->location, STORE_SYNC_NORMAL))
		return -1;
	pthread_mutex_init(&f->fs.lock, NULL);
	f->fs.snaps = snapshots_new();
	f->fs.ctx = (struct fs_ctx){
		.view = {.store = f->store, .data_dir = f->dir, .mount_ns = 42, .host = ""},
		.fs = &f->fs,
	};
	*state = f;
	return f->fs.snaps ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	snapshots_free(f->fs.snaps);
	pthread_mutex_destroy(&f->fs.lock);
	store_free(f->store);
	test_store_location_drop(f->location);
	rmtree(f->dir);
	free(f);
	return 0;
}

static bool is_dir(enum node_kind k)
{
	return k == KIND_ROOT || k == KIND_ALERTS_DIR || k == KIND_BISECT_DIR ||
	       k == KIND_RUNS || k == KIND_COMMITS || k == KIND_RUN_DIR ||
	       k == KIND_COMPARE_DIR || k == KIND_HISTORY_DIR || k == KIND_BASELINES_DIR ||
	       k == KIND_EXPORT_DIR || k == KIND_IMPORT_DIR ||
	       k == KIND_AUDIT_DIR || k == KIND_BASELINE_HISTORY_DIR ||
	       k == KIND_RUN_TREE || k == KIND_COMPARE_VARIANTS_DIR;
}

static void test_table(void **state)
{
	(void)state;
	for (int k = 0; k < KIND_COUNT; k++) {
		const struct kind_ops *ops = kind_ops((enum node_kind)k);
		/* A run directory's exclude file is numbered as the directory. */
		bool writable = k == KIND_QUEUE || k == KIND_ALERT ||
				k == KIND_BASELINE || k == KIND_RUN_DIR ||
				k == KIND_IMPORT;
		bool computed = k == KIND_COMPARE || k == KIND_ALERT || k == KIND_BISECT ||
				k == KIND_HISTORY || k == KIND_REGRESSIONS ||
				k == KIND_BASELINE || k == KIND_SLO || k == KIND_EXPORT ||
				k == KIND_AUDIT ||
				k == KIND_FLAME ||
				k == KIND_DASHBOARD ||
				k == KIND_BASELINE_HISTORY;
		assert_non_null(ops);
		assert_int_equal(ops->lookup != NULL, is_dir((enum node_kind)k));
		assert_int_equal(ops->list != NULL, is_dir((enum node_kind)k));
		assert_int_equal(ops->write != NULL, writable);
		assert_int_equal(ops->truncatable, writable);
		assert_int_equal(ops->create != NULL, k == KIND_ALERTS_DIR ||
							 k == KIND_BASELINES_DIR || k == KIND_IMPORT_DIR);
		assert_int_equal(ops->unlink_in != NULL, k == KIND_RUN_DIR);
		assert_int_equal(ops->rmdir_in != NULL, k == KIND_RUNS);
		assert_int_equal(ops->remove != NULL, k == KIND_BASELINES_DIR);
		assert_int_equal(ops->render != NULL, computed);
		/* Known only by their kept node (numbered per lookup or by a hash). */
		assert_int_equal(ops->node == NULL, computed || k == KIND_QUEUE || k == KIND_IMPORT ||
				 k == KIND_WATCH || k == KIND_RETENTION || k == KIND_RUNNERS);
	}
	/* A number of no kind is the root's. */
	assert_ptr_equal(kind_ops(inode_kind(0xff00000000000001ULL)), &kind_root);
}

static void test_root(void **state)
{
	struct fixture *f = *state;
	static const char *const want[] = {"README",  "index.html", "queue", "runners", "runs",    "commits",
					   "compare", "regressions", "slo", "watch", "history",
					   "baselines", "export",     "import", "retention", "audit", "bisect",    "alerts"};
	struct dir_entry *entries = NULL;
	struct node node = {0};
	size_t n = 0;
	assert_int_equal(kind_list(&f->fs.ctx, &entries, &n, INODE_ROOT), 0);
	/* No run is done: no latest. */
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(entries[i].name, want[i]);
		assert_int_equal(kind_lookup(&f->fs.ctx, &node, INODE_ROOT, want[i]), 0);
		assert_int_equal(inode_kind(node.ino), inode_kind(entries[i].ino));
		assert_int_equal(node.type, entries[i].type);
		node_clear(&node);
	}
	free(entries);
	assert_int_equal(kind_lookup(&f->fs.ctx, &node, INODE_ROOT, "latest"), -ENOENT);
	assert_int_equal(kind_lookup(&f->fs.ctx, &node, INODE_ROOT, "nope"), -ENOENT);
	assert_int_equal(kind_node(&f->fs.ctx, &node, INODE_ROOT, NULL), 0);
	assert_int_equal(node.type, NODE_DIR);
	assert_int_equal(node.nlink, 12);
	assert_int_equal(node.mtime_ns, 42);
	node_clear(&node);
	/* Files are no directories. */
	assert_int_equal(kind_lookup(&f->fs.ctx, &node, inode_make(KIND_README, 0, 0), "x"),
			 -ENOTDIR);
	assert_int_equal(kind_list(&f->fs.ctx, &entries, &n, inode_make(KIND_README, 0, 0)),
			 -ENOTDIR);
}

static void test_writable(void **state)
{
	struct fixture *f = *state;
	struct node a = {0}, b = {0};
	/* The queue: a number of its own at every lookup, writable by its owner. */
	assert_int_equal(kind_lookup(&f->fs.ctx, &a, INODE_ROOT, "queue"), 0);
	assert_int_equal(kind_lookup(&f->fs.ctx, &b, INODE_ROOT, "queue"), 0);
	assert_int_not_equal(a.ino, b.ino);
	assert_int_equal(inode_kind(a.ino), KIND_QUEUE);
	assert_int_equal(a.perm, 0644);
	assert_int_equal(a.timeout, 0);
	assert_int_equal(kind_node(&f->fs.ctx, &a, a.ino, NULL) == -ENOENT, 1);
	node_clear(&a);
	node_clear(&b);
	/* baselines/: 0755; a shell's create of a good name gives an empty file
	 * that knows its name, a bad name is refused. */
	assert_int_equal(kind_lookup(&f->fs.ctx, &a, INODE_ROOT, "baselines"), 0);
	assert_int_equal(a.perm, 0755);
	node_clear(&a);
	assert_int_equal(kind_baselines_dir.create(&f->fs.ctx, &a, "base"), 0);
	assert_int_equal(inode_kind(a.ino), KIND_BASELINE);
	assert_int_equal(a.perm, 0644);
	assert_int_equal(a.size, 0);
	assert_string_equal(baseline_key_name(a.key), "base");
	node_clear(&a);
	assert_int_equal(kind_baselines_dir.create(&f->fs.ctx, &a, "latest"), -EINVAL);
	assert_int_equal(kind_baselines_dir.create(&f->fs.ctx, &a, ".x"), -EINVAL);
	/* Nothing was pinned: nothing to look up or remove. */
	assert_int_equal(kind_lookup(&f->fs.ctx, &a, inode_make(KIND_BASELINES_DIR, 0, 0), "base"),
			 -ENOENT);
	assert_int_equal(kind_baselines_dir.remove(&f->fs.ctx, "base"), -ENOENT);
}

static void test_computed(void **state)
{
	struct fixture *f = *state;
	struct node a = {0}, b = {0};
	/* No branch: regressions is empty, and the same inode until the views
	 * change; kept, it is not rendered again. */
	assert_int_equal(kind_lookup(&f->fs.ctx, &a, INODE_ROOT, "regressions"), 0);
	assert_false(a.cached);
	assert_int_equal(a.size, 0);
	assert_non_null(a.key);
	pthread_mutex_lock(&f->fs.lock);
	assert_int_equal(snapshots_ref(f->fs.snaps, &a), 0);
	pthread_mutex_unlock(&f->fs.lock);
	assert_int_equal(kind_lookup(&f->fs.ctx, &b, INODE_ROOT, "regressions"), 0);
	assert_true(b.cached);
	assert_int_equal(b.ino, a.ino);
	/* Known only while kept: no node of its own. */
	assert_int_equal(kind_node(&f->fs.ctx, &b, a.ino, NULL), -ENOENT);
	/* A name that is no comparison, a history of no benchmark. */
	assert_int_equal(kind_lookup(&f->fs.ctx, &b, inode_make(KIND_HISTORY_DIR, 0, 0), "x.csv"),
			 -ENOENT);
	assert_int_equal(kind_lookup(&f->fs.ctx, &b, inode_make(KIND_HISTORY_DIR, 0, 0), "x.txt"),
			 -ENOENT);
	/* No configuration and no run: slo is empty, a file of the root. */
	assert_int_equal(kind_lookup(&f->fs.ctx, &b, INODE_ROOT, "slo"), 0);
	assert_int_equal(inode_kind(b.ino), KIND_SLO);
	assert_int_equal(b.size, 0);
	node_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test_setup_teardown(test_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_computed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
