/* Unit tests for checkout_artifacts_id (repo/checkout.h): a build's identity
 * from the bytes of the files its globs match.
 *
 * Every test builds small trees in its own mkdtemp directory, removed again
 * in the teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "repo/checkout.h"
#include "util/rmtree.h"
#include "tests/unit/fixture/tmpdir.h"

struct fixture {
	char dir[PATH_MAX / 2];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "checkout")) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	rmtree(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---- */

/* Write text to dir/rel, making the directories on the way. */
static void put(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *file;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*slash = '/';
	}
	assert_non_null(file = fopen(path, "w"));
	assert_int_equal(fputs(text, file) >= 0, 1);
	assert_int_equal(fclose(file), 0);
}

static void del(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(unlink(path), 0);
}

/* A subdirectory of the fixture's directory (made). */
static void subdir(char *out, size_t size, const struct fixture *f, const char *name)
{
	snprintf(out, size, "%s/%s", f->dir, name);
	assert_int_equal(mkdir(out, 0755), 0);
}

/* checkout_artifacts_id that must succeed. */
static void id_of(char out[41], const char *dir, char *const *globs, size_t nglobs)
{
	char err[256] = "";
	int rc = checkout_artifacts_id(out, NULL, dir, globs, nglobs, err, sizeof(err));
	if (rc)
		fprintf(stderr, "checkout_artifacts_id: %s\n", err);
	assert_int_equal(rc, 0);
}

static void assert_hex40(const char *id)
{
	assert_int_equal(strlen(id), 40);
	assert_int_equal(strspn(id, "0123456789abcdef"), 40);
}

/* ---- tests ---- */

/* The value computed independently of libgit2 (git's blob hash is
 * sha1("blob <size>\0" + bytes)):
 *   python3 -c 'import hashlib
 *   def blob(b): return hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()
 *   files = {"a": b"hello\n", "lib/b.so": b"x"}
 *   print(blob(b"".join(blob(files[p]).encode() + b" " + p.encode() + b"\0"
 *                       for p in sorted(files))))'
 * and `printf 'hello\n' | git hash-object --stdin` gives the first blob id,
 * ce013625030ba8dba906f756967f9e9ca394464a. */
static void test_reference_value(void **state)
{
	struct fixture *f = *state;
	char *globs[] = {"lib/*.so", "a"};
	char id[41];
	put(f->dir, "a", "hello\n");
	put(f->dir, "lib/b.so", "x");
	put(f->dir, "lib/c.txt", "not matched");
	id_of(id, f->dir, globs, 2);
	assert_string_equal(id, "40a8c0d05fbe4bfbb10e6ea2b4f083e97245938e");
}

static void test_identical_bytes_identical_ids(void **state)
{
	struct fixture *f = *state;
	char *globs[] = {"bin/*", "lib/libx.so*"};
	char one[PATH_MAX], two[PATH_MAX], id1[41], id2[41];
	subdir(one, sizeof(one), f, "one");
	subdir(two, sizeof(two), f, "two");
	/* Written in different orders, with different unmatched files and times. */
	put(one, "bin/sorter", "\x7f" "ELF sorter");
	put(one, "lib/libx.so.1", "library");
	put(one, "README", "one");
	put(two, "lib/libx.so.1", "library");
	put(two, "bin/sorter", "\x7f" "ELF sorter");
	put(two, "src/main.c", "int main(void) { return 0; }");
	id_of(id1, one, globs, 2);
	id_of(id2, two, globs, 2);
	assert_hex40(id1);
	assert_string_equal(id1, id2);

	/* A trailing slash on the directory changes nothing. */
	strcat(two, "/");
	id_of(id2, two, globs, 2);
	assert_string_equal(id1, id2);
}

static void test_changes_change_the_id(void **state)
{
	struct fixture *f = *state;
	char *globs[] = {"build/*"};
	char base[41], id[41];
	put(f->dir, "build/app", "abcdef");
	put(f->dir, "build/data", "123");
	id_of(base, f->dir, globs, 1);
	assert_hex40(base);

	/* One byte changed (same size). */
	put(f->dir, "build/app", "abcdeF");
	id_of(id, f->dir, globs, 1);
	assert_string_not_equal(id, base);
	put(f->dir, "build/app", "abcdef");
	id_of(id, f->dir, globs, 1);
	assert_string_equal(id, base);

	/* A file added, then removed again. */
	put(f->dir, "build/extra", "");
	id_of(id, f->dir, globs, 1);
	assert_string_not_equal(id, base);
	del(f->dir, "build/extra");
	id_of(id, f->dir, globs, 1);
	assert_string_equal(id, base);

	/* A file removed. */
	del(f->dir, "build/data");
	id_of(id, f->dir, globs, 1);
	assert_string_not_equal(id, base);
	put(f->dir, "build/data", "123");

	/* The same bytes under another name. */
	del(f->dir, "build/data");
	put(f->dir, "build/data2", "123");
	id_of(id, f->dir, globs, 1);
	assert_string_not_equal(id, base);
	del(f->dir, "build/data2");
	put(f->dir, "build/data", "123");

	/* Contents moved between files (each file's bytes count, not their sum). */
	put(f->dir, "build/app", "123");
	put(f->dir, "build/data", "abcdef");
	id_of(id, f->dir, globs, 1);
	assert_string_not_equal(id, base);
	put(f->dir, "build/app", "abcdef");
	put(f->dir, "build/data", "123");

	/* A file no glob matches changes nothing; neither does a file's mode. */
	put(f->dir, "other", "x");
	put(f->dir, "build/.hidden", "x"); /* "*" skips a leading dot, as a shell does */
	{
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/build/app", f->dir);
		assert_int_equal(chmod(path, 0755), 0);
	}
	id_of(id, f->dir, globs, 1);
	assert_string_equal(id, base);
}

static void test_each_file_once_in_path_order(void **state)
{
	struct fixture *f = *state;
	char *overlapping[] = {"b*", "*", "a", "b"};
	char *plain[] = {"a", "b"};
	char *reversed[] = {"b", "a"};
	char id1[41], id2[41], id3[41];
	put(f->dir, "a", "1");
	put(f->dir, "b", "2");
	id_of(id1, f->dir, overlapping, 4);
	id_of(id2, f->dir, plain, 2);
	id_of(id3, f->dir, reversed, 2);
	assert_string_equal(id1, id2);
	assert_string_equal(id1, id3);
}

static void test_no_match_is_empty(void **state)
{
	struct fixture *f = *state;
	char *globs[] = {"build/*.so", "missing/dir/*", "nothing"};
	char *dirs_only[] = {"build"};
	char id[41] = "x", err[256] = "";
	size_t n = 7;
	put(f->dir, "build/app", "x");
	assert_int_equal(checkout_artifacts_id(id, &n, f->dir, globs, 3, err, sizeof(err)), 0);
	assert_string_equal(id, "");
	assert_int_equal(n, 0);
	/* A matched directory is no file. */
	strcpy(id, "x");
	assert_int_equal(checkout_artifacts_id(id, &n, f->dir, dirs_only, 1, err, sizeof(err)), 0);
	assert_string_equal(id, "");
	/* No globs at all. */
	strcpy(id, "x");
	assert_int_equal(checkout_artifacts_id(id, &n, f->dir, NULL, 0, err, sizeof(err)), 0);
	assert_string_equal(id, "");
	/* The count of files hashed: each once, however many globs match it. */
	put(f->dir, "build/lib.so", "y");
	{
		char *two[] = {"build/*", "build/app", "missing"};
		assert_int_equal(checkout_artifacts_id(id, &n, f->dir, two, 3, err, sizeof(err)), 0);
		assert_hex40(id);
		assert_int_equal(n, 2);
	}
}

static void test_symlinks(void **state)
{
	struct fixture *f = *state;
	char *globs[] = {"lib/*"};
	char link[PATH_MAX], base[41], id[41];
	put(f->dir, "lib/libx.so.1", "library");
	id_of(base, f->dir, globs, 1);

	/* A dangling link is no file. */
	snprintf(link, sizeof(link), "%s/lib/dangling", f->dir);
	assert_int_equal(symlink("nowhere", link), 0);
	id_of(id, f->dir, globs, 1);
	assert_string_equal(id, base);

	/* A link to a file counts with the file's bytes. */
	snprintf(link, sizeof(link), "%s/lib/libx.so", f->dir);
	assert_int_equal(symlink("libx.so.1", link), 0);
	id_of(id, f->dir, globs, 1);
	assert_string_not_equal(id, base);
	{
		char copy[41], *globs2[] = {"lib/*"};
		char other[PATH_MAX];
		subdir(other, sizeof(other), f, "copy");
		put(other, "lib/libx.so.1", "library");
		put(other, "lib/libx.so", "library");
		id_of(copy, other, globs2, 1);
		assert_string_equal(id, copy);
	}
}

/* Glob characters in the directory's own name are not patterns. */
static void test_directory_name_is_literal(void **state)
{
	struct fixture *f = *state;
	char *globs[] = {"*.bin"};
	char odd[PATH_MAX], plain[PATH_MAX], decoy[PATH_MAX], id1[41], id2[41];
	subdir(odd, sizeof(odd), f, "we[ir]d*?\\dir");
	subdir(plain, sizeof(plain), f, "plain");
	/* "we[ir]d*?\dir" as a pattern would match this one too. */
	subdir(decoy, sizeof(decoy), f, "weidQdir");
	put(odd, "a.bin", "payload");
	put(plain, "a.bin", "payload");
	put(decoy, "b.bin", "decoy");
	id_of(id1, odd, globs, 1);
	id_of(id2, plain, globs, 1);
	assert_hex40(id1);
	assert_string_equal(id1, id2);
}

/* A pattern that reaches ".." through a bracket is refused, not followed. */
static void test_dot_dot_through_brackets_refused(void **state)
{
	struct fixture *f = *state;
	char *globs[] = {".[.]/outside"};
	char sub[PATH_MAX], id[41] = "x", err[256] = "";
	int rc;
	subdir(sub, sizeof(sub), f, "sub");
	put(f->dir, "outside", "secret");
	/* glibc's glob(3) returns "sub/../outside" for it. */
	rc = checkout_artifacts_id(id, NULL, sub, globs, 1, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(id, "");
	assert_non_null(strstr(err, "outside the checkout"));
}

/* ".*" matches "." and ".." too: those are directories, skipped; a hidden
 * file counts, and "./x" is not a second name of x. */
static void test_dot_star(void **state)
{
	struct fixture *f = *state;
	char *dot_star[] = {"build/.*", "build/.*/app"};
	char *hidden[] = {"build/.hidden"};
	char id1[41], id2[41];
	put(f->dir, "build/.hidden", "h");
	put(f->dir, "build/app", "a");
	id_of(id1, f->dir, dot_star, 2);
	id_of(id2, f->dir, hidden, 1);
	assert_hex40(id1);
	assert_string_equal(id1, id2);
}

/* Reading the files as a user who may not: the id cannot be computed. */
static int unreadable_case(const char *dir)
{
	char *globs[] = {"build/*"};
	char id[41] = "x", err[256] = "";
	int rc = checkout_artifacts_id(id, NULL, dir, globs, 1, err, sizeof(err));
	if (rc != -1 || id[0] != '\0' || !strstr(err, "build/secret"))
		fprintf(stderr, "rc %d, id \"%s\", err \"%s\"\n", rc, id, err);
	return rc == -1 && id[0] == '\0' && strstr(err, "build/secret") ? 0 : 1;
}

/* A directory the globs must list but cannot: an error, not "no match". */
static int unlistable_case(const char *dir)
{
	char *globs[] = {"locked/*"};
	char id[41] = "x", err[256] = "";
	int rc = checkout_artifacts_id(id, NULL, dir, globs, 1, err, sizeof(err));
	if (rc != -1 || id[0] != '\0' || !strstr(err, "Permission denied"))
		fprintf(stderr, "rc %d, id \"%s\", err \"%s\"\n", rc, id, err);
	return rc == -1 && id[0] == '\0' && strstr(err, "Permission denied") ? 0 : 1;
}

static void test_unreadable_file_fails(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];
	put(f->dir, "build/app", "ok");
	put(f->dir, "build/secret", "no");
	put(f->dir, "locked/app", "ok");
	snprintf(path, sizeof(path), "%s/build/secret", f->dir);
	assert_int_equal(chmod(path, 0), 0);
	snprintf(path, sizeof(path), "%s/locked", f->dir);
	assert_int_equal(chmod(path, 0), 0);
	if (geteuid() != 0) {
		assert_int_equal(unreadable_case(f->dir), 0);
		assert_int_equal(unlistable_case(f->dir), 0);
	} else {
		/* root reads anything: check as nobody, in a child. */
		int status = 0;
		pid_t pid;
		assert_int_equal(chmod(f->dir, 0755), 0);
		assert_true((pid = fork()) >= 0);
		if (pid == 0) {
			if (setgid(65534) || setuid(65534))
				_exit(2);
			_exit(unreadable_case(f->dir) | unlistable_case(f->dir));
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(chmod(path, 0755), 0); /* so the teardown can remove it */
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_reference_value),
		T(test_identical_bytes_identical_ids),
		T(test_changes_change_the_id),
		T(test_each_file_once_in_path_order),
		T(test_no_match_is_empty),
		T(test_symlinks),
		T(test_directory_name_is_literal),
		T(test_dot_dot_through_brackets_refused),
		T(test_dot_star),
		T(test_unreadable_file_fails),
	};
#undef T
	int failed;
	repo_lib_init();
	failed = cmocka_run_group_tests_name("checkout", tests, NULL, NULL);
	repo_lib_shutdown();
	return failed;
}
