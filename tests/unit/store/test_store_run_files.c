/* Unit tests for a run's files in the store (store.h, "a run's files"):
 * put, list, stat, whole and ranged reads (binary bodies, ranges past the
 * end), replacement of a run's set in one transaction, deletion, and names
 * that are no relative path refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/run_files.h"
#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CONFIG "{\"benchmarks\":[{\"name\":\"x\",\"command\":\"true\"}]}"

struct fixture {
	char dir[PATH_MAX / 2];
	char location[PATH_MAX];
	struct store *store;
	int64_t run, other;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_new_run runs[2] = {{HASH_A, HASH_A, CONFIG, false, NULL},
					{HASH_A, HASH_A, CONFIG, false, NULL}};
	int64_t ids[2];
	if (!f)
		return -1;
	if (test_tmpdir_make(f->dir, sizeof(f->dir), "store_run_files")) {
		free(f);
		return -1;
	}
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	if (store_open(&f->store, f->location, STORE_SYNC_NORMAL) != STORE_OK) {
		fprintf(stderr, "store_open: %s\n", store_errmsg(f->store));
		return -1;
	}
	assert_int_equal(store_runs_queue(f->store, ids, runs, 2, 100), STORE_OK);
	f->run = ids[0];
	f->other = ids[1];
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_free(f->store);
	test_store_location_drop(f->location);
	test_tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static void put(struct store *s, int64_t run, const char *name, const void *body, size_t size,
		int64_t mtime_ns)
{
	struct store_run_file_body b = {name, body, size, mtime_ns};
	assert_int_equal(store_run_file_put(s, run, &b), STORE_OK);
}

/* Every byte value, NULs included, comes back as it went in. */
static void test_put_list_read(void **state)
{
	struct fixture *f = *state;
	unsigned char body[3000], buf[4096];
	struct store_run_file *files = NULL, one;
	size_t n = 0, got = 0;
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (unsigned char)(i * 7);
	put(f->store, f->run, "perf.data", body, sizeof(body), 1234567890123LL);
	put(f->store, f->run, "debug.log", "line 1\nline 2\n", 14, 42);
	put(f->store, f->run, "profiles/sort/out.svg", "<svg/>", 6, 7);
	put(f->store, f->run, "empty", NULL, 0, 8);
	put(f->store, f->other, "debug.log", "other\n", 6, 9);

	assert_int_equal(store_run_files_list(f->store, &files, &n, f->run), STORE_OK);
	assert_int_equal(n, 4);
	assert_string_equal(files[0].name, "debug.log");
	assert_int_equal(files[0].size, 14);
	assert_int_equal(files[0].mtime_ns, 42);
	assert_string_equal(files[1].name, "empty");
	assert_int_equal(files[1].size, 0);
	assert_string_equal(files[2].name, "perf.data");
	assert_int_equal(files[2].size, sizeof(body));
	assert_int_equal(files[2].mtime_ns, 1234567890123LL);
	assert_string_equal(files[3].name, "profiles/sort/out.svg");
	store_run_files_free(files, n);

	assert_int_equal(store_run_file_stat(f->store, &one, f->run, "perf.data"), STORE_OK);
	assert_int_equal(one.size, sizeof(body));
	store_run_file_clear(&one);
	assert_int_equal(store_run_file_stat(f->store, &one, f->run, "nope"), STORE_NOTFOUND);

	/* Whole. */
	assert_int_equal(store_run_file_read(f->store, &got, buf, f->run, "perf.data", 0,
					     sizeof(buf)),
			 STORE_OK);
	assert_int_equal(got, sizeof(body));
	assert_memory_equal(buf, body, sizeof(body));
	/* A range in the middle, one reaching past the end, one past it. */
	assert_int_equal(store_run_file_read(f->store, &got, buf, f->run, "perf.data", 1000, 100),
			 STORE_OK);
	assert_int_equal(got, 100);
	assert_memory_equal(buf, body + 1000, 100);
	assert_int_equal(store_run_file_read(f->store, &got, buf, f->run, "perf.data", 2950, 100),
			 STORE_OK);
	assert_int_equal(got, 50);
	assert_memory_equal(buf, body + 2950, 50);
	assert_int_equal(store_run_file_read(f->store, &got, buf, f->run, "perf.data", 3000, 100),
			 STORE_OK);
	assert_int_equal(got, 0);
	assert_int_equal(store_run_file_read(f->store, &got, buf, f->run, "empty", 0, 100),
			 STORE_OK);
	assert_int_equal(got, 0);
	assert_int_equal(store_run_file_read(f->store, &got, buf, f->run, "nope", 0, 100),
			 STORE_NOTFOUND);
	/* The other run's file of the same name is its own. */
	assert_int_equal(store_run_file_read(f->store, &got, buf, f->other, "debug.log", 0, 100),
			 STORE_OK);
	assert_int_equal(got, 6);
	assert_memory_equal(buf, "other\n", 6);
}

/* A put of a name there already replaces it. */
static void test_put_replaces(void **state)
{
	struct fixture *f = *state;
	char buf[64];
	size_t got = 0;
	struct store_run_file one;
	put(f->store, f->run, "debug.log", "first\n", 6, 1);
	put(f->store, f->run, "debug.log", "second, longer\n", 15, 2);
	assert_int_equal(store_run_file_stat(f->store, &one, f->run, "debug.log"), STORE_OK);
	assert_int_equal(one.size, 15);
	assert_int_equal(one.mtime_ns, 2);
	store_run_file_clear(&one);
	assert_int_equal(store_run_file_read(f->store, &got, buf, f->run, "debug.log", 0,
					     sizeof(buf)),
			 STORE_OK);
	assert_int_equal(got, 15);
	assert_memory_equal(buf, "second, longer\n", 15);
}

/* replace: the new set whole, the old one gone; a refused name leaves the
 * old set as it was. delete: none left, the other run's kept. */
static void test_replace_delete(void **state)
{
	struct fixture *f = *state;
	struct store_run_file_body set[] = {{"debug.log", "new\n", 4, 1}, {"perf.data", "P", 1, 2}};
	struct store_run_file_body bad[] = {{"debug.log", "x", 1, 1}, {"../etc/passwd", "x", 1, 1}};
	struct store_run_file *files = NULL;
	size_t n = 0;
	put(f->store, f->run, "old", "o", 1, 1);
	put(f->store, f->other, "debug.log", "other\n", 6, 9);
	assert_int_equal(store_run_files_replace(f->store, f->run, set, 2), STORE_OK);
	assert_int_equal(store_run_files_list(f->store, &files, &n, f->run), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(files[0].name, "debug.log");
	assert_string_equal(files[1].name, "perf.data");
	store_run_files_free(files, n);

	assert_int_equal(store_run_files_replace(f->store, f->run, bad, 2), STORE_ERROR);
	assert_int_equal(store_run_files_list(f->store, &files, &n, f->run), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(files[0].size, 4);
	store_run_files_free(files, n);

	assert_int_equal(store_run_files_delete(f->store, f->run), STORE_OK);
	assert_int_equal(store_run_files_list(f->store, &files, &n, f->run), STORE_OK);
	assert_int_equal(n, 0);
	store_run_files_free(files, n);
	assert_int_equal(store_run_files_list(f->store, &files, &n, f->other), STORE_OK);
	assert_int_equal(n, 1);
	store_run_files_free(files, n);
}

static void test_names_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = {"", "/abs", "a//b", "a/./b", "..", "a/../b", "dir/", "."};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct store_run_file_body b = {names[i], "x", 1, 1};
		assert_int_equal(store_run_file_put(f->store, f->run, &b), STORE_ERROR);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_list_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
