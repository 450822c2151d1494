/* Unit tests for checkout_artifacts_id (repo/checkout.h): a build's identity
 * from the bytes of the files its globs match; and checkout_update: a kept
 * work tree brought from one commit to another.
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
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "repo/checkout.h"
#include "repo/repo.h"
#include "util/rmtree.h"
#include "tests/unit/fixture/git.h"
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

/* ---- checkout_update ---- */

static void git_ok(const char *repo, const char *a, const char *b, const char *c)
{
	assert_int_equal(test_git(NULL, 0, repo, a, b, c, NULL), 0);
}

static char *slurp(const char *dir, const char *rel)
{
	static char buf[256];
	char path[PATH_MAX];
	FILE *file;
	size_t n;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (!(file = fopen(path, "r")))
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, file);
	buf[n] = '\0';
	fclose(file);
	return buf;
}

static struct stat stat_of(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(lstat(path, &st), 0);
	return st;
}

static bool exists(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

/* An old mtime: a file checkout_update writes again gets a new one. */
static void age(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	struct timeval old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(lutimes(path, old), 0);
}

static void update_ok(struct checkout_counts *counts, struct repo *r, const char *from,
		      const char *to, const char *dir)
{
	char err[512] = "";
	int rc = checkout_update(counts, r, from, to, dir, err, sizeof(err));
	if (rc)
		fprintf(stderr, "checkout_update: %s\n", err);
	assert_int_equal(rc, 0);
}

/* Every tracked file as a clean checkout of the same commit has it. */
static void assert_same_tracked(const char *a, const char *b)
{
	static char *const globs[] = {"*", "*/*", "*/*/*", ".*"};
	char id_a[41], id_b[41];
	id_of(id_a, a, globs, 4);
	id_of(id_b, b, globs, 4);
	assert_string_equal(id_a, id_b);
}

static void test_update(void **state)
{
	struct fixture *f = *state;
	char repo[PATH_MAX / 2 + 8], work[PATH_MAX / 2 + 8], clean[PATH_MAX / 2 + 8];
	char path[PATH_MAX], c1[41], c2[41];
	struct checkout_counts n;
	struct repo *r = NULL;
	snprintf(repo, sizeof(repo), "%s/repo", f->dir);
	snprintf(work, sizeof(work), "%s/work", f->dir);
	snprintf(clean, sizeof(clean), "%s/clean", f->dir);
	assert_int_equal(test_git_repo(f->dir, repo), 0);
	/* c1: files, a link, an executable, a directory. */
	put(repo, "a.txt", "one\n");
	put(repo, "keep.txt", "same in both\n");
	put(repo, "src/b.c", "int b;\n");
	put(repo, "gone.txt", "deleted by c2\n");
	put(repo, "run.sh", "#!/bin/sh\n");
	snprintf(path, sizeof(path), "%s/run.sh", repo);
	assert_int_equal(chmod(path, 0755), 0);
	put(repo, "dir/file", "a file in a directory\n");
	snprintf(path, sizeof(path), "%s/link", repo);
	assert_int_equal(symlink("a.txt", path), 0);
	git_ok(repo, "add", "-A", ".");
	git_ok(repo, "commit", "-qm", "c1");
	assert_int_equal(test_git(c1, sizeof(c1), repo, "rev-parse", "HEAD", NULL), 0);
	/* c2: a change, a deletion, a mode change, a directory become a file, a
	 * new deep file. */
	put(repo, "a.txt", "two\n");
	del(repo, "gone.txt");
	snprintf(path, sizeof(path), "%s/run.sh", repo);
	assert_int_equal(chmod(path, 0644), 0);
	del(repo, "dir/file");
	snprintf(path, sizeof(path), "%s/dir", repo);
	assert_int_equal(rmdir(path), 0);
	put(repo, "dir", "now a file\n");
	put(repo, "new/deep/c.txt", "new\n");
	git_ok(repo, "add", "-A", ".");
	git_ok(repo, "commit", "-qm", "c2");
	assert_int_equal(test_git(c2, sizeof(c2), repo, "rev-parse", "HEAD", NULL), 0);
	assert_int_equal(repo_open(&r, repo, NULL, 0), 0);

	/* No previous commit: a clean checkout. */
	update_ok(&n, r, NULL, c1, work);
	assert_int_equal(n.written, 7);
	assert_string_equal(slurp(work, "a.txt"), "one\n");
	assert_true(S_ISLNK(stat_of(work, "link").st_mode));
	assert_true(stat_of(work, "run.sh").st_mode & S_IXUSR);

	/* What a build does: outputs, a tracked file modified; old times. */
	put(work, "out.o", "object");
	put(work, "dir/out.o", "object in a tracked directory");
	put(work, "src/b.c", "int b; /* changed by the build */\n");
	age(work, "keep.txt");
	age(work, "a.txt");
	age(work, "src/b.c");
	age(work, "link");

	update_ok(&n, r, c1, c2, work);
	assert_string_equal(slurp(work, "a.txt"), "two\n");
	assert_true(stat_of(work, "a.txt").st_mtime != 1000);
	assert_string_equal(slurp(work, "src/b.c"), "int b;\n"); /* restored */
	assert_true(stat_of(work, "src/b.c").st_mtime != 1000);
	assert_int_equal(stat_of(work, "keep.txt").st_mtime, 1000); /* untouched */
	assert_int_equal(stat_of(work, "link").st_mtime, 1000);
	assert_false(exists(work, "gone.txt"));
	assert_false(stat_of(work, "run.sh").st_mode & S_IXUSR);
	assert_true(S_ISREG(stat_of(work, "dir").st_mode)); /* its output went with it */
	assert_string_equal(slurp(work, "new/deep/c.txt"), "new\n");
	assert_string_equal(slurp(work, "out.o"), "object"); /* untracked: kept */
	/* a.txt, src/b.c, run.sh, dir, new/deep/c.txt; gone.txt, dir/file */
	assert_int_equal(n.written, 5);
	assert_int_equal(n.removed, 2);
	assert_int_equal(n.kept, 2);
	update_ok(NULL, r, NULL, c2, clean);
	del(work, "out.o"); /* the only file a clean tree lacks */
	assert_same_tracked(work, clean);

	/* And back: the directory again, the deleted file again. */
	put(work, "out.o", "object");
	update_ok(&n, r, c2, c1, work);
	assert_string_equal(slurp(work, "dir/file"), "a file in a directory\n");
	assert_string_equal(slurp(work, "gone.txt"), "deleted by c2\n");
	assert_false(exists(work, "new"));
	assert_true(stat_of(work, "run.sh").st_mode & S_IXUSR);
	update_ok(NULL, r, NULL, c1, clean);
	del(work, "out.o");
	assert_same_tracked(work, clean);

	/* A bad commit fails with a message. */
	{
		char err[512] = "";
		assert_int_equal(checkout_update(NULL, r, c1, "0123456789012345678901234567890123456789",
						 work, err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "cannot read commit"));
	}
	repo_free(r);
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
		T(test_update),
	};
#undef T
	int failed;
	repo_lib_init();
	failed = cmocka_run_group_tests_name("checkout", tests, NULL, NULL);
	repo_lib_shutdown();
	return failed;
}
