/* views/commit_names against a repository the git command builds and a
 * temporary store, no mount: which tag names a commit (annotated before
 * lightweight, then the newest tagger date, then the name), the tags that
 * never do (names read as runs or paths, a pinned baseline's name, a name
 * that means another commit or nothing), the short hash otherwise, and the
 * stamp that moves when a tag is added. */
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

#include "repo/repo.h"
#include "store/store.h"
#include "tests/unit/fixture/git.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"
#include "util/rmtree.h"
#include "views/commit_names.h"

struct fixture {
	char dir[PATH_MAX / 2], repo[PATH_MAX];
	struct store *store;
	struct repo *r;
	struct view_ctx ctx;
	char c1[41], c2[41], c3[41];
	char location[PATH_MAX];
};

#define GIT(...) assert_int_equal(test_git(NULL, 0, f->repo, __VA_ARGS__, (char *)NULL), 0)

/* Both dates of the next commit or tag, seconds after a fixed time. */
static void at(long long seconds)
{
	test_git_date(1600000000LL + seconds);
}

static void commit(struct fixture *f, char out[41], const char *msg)
{
	assert_int_equal(test_git_commit(out, f->repo, msg), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[PATH_MAX + 64];
	FILE *file;
	if (!f)
		return -1;
	/* Set first: a failure below still reaches the group's teardown, which drops the store. */
	*state = f;
	if (test_tmpdir_make(f->dir, sizeof(f->dir), "commit-names"))
		return -1;
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->repo), 0);
	at(1);
	commit(f, f->c1, "c1");
	at(2);
	commit(f, f->c2, "c2");
	at(3);
	commit(f, f->c3, "c3");
	/* c1: annotated tags win over a lightweight one, the newer of them. */
	GIT("tag", "a-light", f->c1);
	at(100);
	GIT("tag", "-a", "-m", "old", "rel-old", f->c1);
	at(200);
	GIT("tag", "-a", "-m", "new", "rel-new", f->c1);
	/* c2: the newest is a baseline's name, so the first of two lightweight
	 * tags by name serves. */
	at(300);
	GIT("tag", "-a", "-m", "pinned", "pinned", f->c2);
	GIT("tag", "zeta", f->c2);
	GIT("tag", "alpha", f->c2);
	/* c3: none serves. */
	GIT("tag", "12345", f->c3);         /* a run's directory name */
	GIT("tag", "latest", f->c3);        /* the newest run */
	GIT("tag", "run-7", f->c3);         /* a run's name */
	GIT("tag", "rel/1", f->c3);         /* not one path component */
	GIT("tag", f->c1, f->c3);           /* means c1, written in a compare name */
	GIT("tag", "weird", f->c3);         /* refused: a ref-like file of that name */
	snprintf(path, sizeof(path), "%s/.git/weird", f->repo);
	assert_non_null(file = fopen(path, "w"));
	fprintf(file, "%s\n", f->c2);
	assert_int_equal(fclose(file), 0);
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(store_baseline_set(f->store, "pinned", "main", f->c3), STORE_OK);
	assert_int_equal(repo_open(&f->r, f->repo, NULL, 0), 0);
	f->ctx = (struct view_ctx){.store = f->store, .data_dir = f->dir, .repo = f->r,
				   .host = "", .branch = "refs/heads/main"};
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	repo_free(f->r);
	store_free(f->store);
	test_store_location_drop(f->location);
	rmtree(f->dir);
	free(f);
	return 0;
}

static void expect_name(struct commit_names *names, const char *commit, const char *want)
{
	char out[COMMIT_NAME_SIZE];
	assert_int_equal(commit_names_get(out, sizeof(out), names, commit), 0);
	assert_string_equal(out, want);
}

static void test_tags_and_hashes(void **state)
{
	struct fixture *f = *state;
	struct commit_names *names = NULL;
	char want[64], out[COMMIT_NAME_SIZE], zeros[41];
	size_t len = 7;
	assert_int_equal(commit_names_load(&names, &f->ctx), 0);
	expect_name(names, f->c1, "rel-new");
	expect_name(names, f->c2, "alpha");
	/* git's short hash, lengthened while it is all digits. */
	assert_int_equal(test_git(want, sizeof(want), f->repo, "rev-parse", "--short", f->c3,
				  (char *)NULL), 0);
	while (strspn(f->c3, "0123456789") >= len)
		len++;
	if (len > strlen(want))
		snprintf(want, sizeof(want), "%.*s", (int)len, f->c3);
	expect_name(names, f->c3, want);
	memset(zeros, '0', 40);
	zeros[40] = '\0';
	assert_int_equal(commit_names_get(out, sizeof(out), names, zeros), -ENOENT);
	commit_names_free(names);
}

/* Without the baseline, its name is a tag like any other: the annotated
 * one wins. */
static void test_baseline_name(void **state)
{
	struct fixture *f = *state;
	struct commit_names *names = NULL;
	assert_int_equal(store_baseline_delete(f->store, "pinned"), STORE_OK);
	assert_int_equal(commit_names_load(&names, &f->ctx), 0);
	expect_name(names, f->c2, "pinned");
	commit_names_free(names);
	assert_int_equal(store_baseline_set(f->store, "pinned", "main", f->c3), STORE_OK);
}

static void test_stamp(void **state)
{
	struct fixture *f = *state;
	uint64_t before = commit_names_stamp(&f->ctx);
	struct commit_names *names = NULL;
	assert_true(commit_names_stamp(&f->ctx) == before);
	GIT("tag", "-a", "-m", "newest", "v9", f->c3);
	assert_true(commit_names_stamp(&f->ctx) != before);
	assert_int_equal(commit_names_load(&names, &f->ctx), 0);
	expect_name(names, f->c3, "v9");
	commit_names_free(names);
	GIT("tag", "-d", "v9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags_and_hashes),
		cmocka_unit_test(test_baseline_name),
		cmocka_unit_test(test_stamp),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("commit_names", tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
