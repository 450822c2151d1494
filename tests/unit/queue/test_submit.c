/* queue/submit.h and queue/baselines.h against a repository the git command
 * builds and a temporary store, no mount: what a write to /queue or to
 * baselines/<name> queues or pins, and what it refuses (nothing queued or
 * pinned then). */
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

#include "queue/baselines.h"
#include "queue/queueline.h"
#include "queue/submit.h"
#include "repo/repo.h"
#include "store/fleet.h"
#include "store/store.h"
#include "tests/unit/fixture/git.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"
#include "util/rmtree.h"

struct fixture {
	char dir[PATH_MAX / 2], repo[PATH_MAX];
	struct store *store;
	struct repo *r;
	char c1[41], c2[41];
	char location[PATH_MAX];
};

#define GIT(...) assert_int_equal(test_git(NULL, 0, f->repo, __VA_ARGS__, (char *)NULL), 0)

static void commit(struct fixture *f, char out[41], const char *msg)
{
	assert_int_equal(test_git_commit(out, f->repo, msg), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "queue-submit"))
		return -1;
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->repo), 0);
	commit(f, f->c1, "c1");
	GIT("tag", "v1");
	commit(f, f->c2, "c2");
	GIT("branch", "release", f->c1);
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(repo_open(&f->r, f->repo, NULL, 0), 0);
	*state = f;
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

static size_t run_count(struct fixture *f)
{
	size_t n = 99;
	assert_int_equal(store_run_count(f->store, &n), STORE_OK);
	return n;
}

static int submit(struct fixture *f, struct queue_run **runs, size_t *n, const char *text,
		  char *err, size_t errsize)
{
	return queue_submit(runs, n, f->store, f->r, "{}", text, strlen(text), err, errsize);
}

static void test_lines(void **state)
{
	struct fixture *f = *state;
	struct queue_run *runs = NULL;
	struct store_run run;
	size_t n = 0;
	char err[256] = "";
	assert_int_equal(submit(f, &runs, &n, "v1\n\n  main  \nHEAD~1", err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(runs[0].revision, "v1");
	assert_string_equal(runs[0].commit, f->c1);
	assert_string_equal(runs[1].revision, "main");
	assert_string_equal(runs[1].commit, f->c2);
	assert_string_equal(runs[2].commit, f->c1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(runs[i].side, QUEUE_SIDE_NONE);
	assert_int_equal(store_run_get(f->store, &run, runs[1].id), STORE_OK);
	assert_string_equal(run.revision, "main");
	assert_string_equal(run.commit, f->c2);
	assert_string_equal(run.config, "{}");
	assert_int_equal(run.pair_id, 0);
	store_run_clear(&run);
	queue_runs_free(runs, n);
	/* Only blank lines: nothing, and no failure. */
	assert_int_equal(submit(f, &runs, &n, "\n  \n", err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_null(runs);
	assert_int_equal(run_count(f), 3);
}

static void test_ab_pair(void **state)
{
	struct fixture *f = *state;
	struct queue_run *runs = NULL;
	struct store_run a, b;
	size_t n = 0;
	char err[256] = "";
	assert_int_equal(submit(f, &runs, &n, "v1 .. main\n", err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(runs[0].side, QUEUE_SIDE_A);
	assert_int_equal(runs[1].side, QUEUE_SIDE_B);
	assert_string_equal(runs[0].revision, "v1");
	assert_string_equal(runs[1].revision, "main");
	assert_string_equal(queue_side_note(runs[0].side), ", side A of an A/B job");
	assert_string_equal(queue_side_note(runs[1].side), ", side B");
	assert_int_equal(store_run_get(f->store, &a, runs[0].id), STORE_OK);
	assert_int_equal(store_run_get(f->store, &b, runs[1].id), STORE_OK);
	/* Two runs, each the other's pair. */
	assert_int_equal(a.pair_id, b.id);
	assert_int_equal(b.pair_id, a.id);
	assert_string_equal(a.commit, f->c1);
	assert_string_equal(b.commit, f->c2);
	store_run_clear(&a);
	store_run_clear(&b);
	queue_runs_free(runs, n);
}

/* "a...b" is the A/B job of the merge base of a and b against b, as
 * compare/ reads three dots: side A is named by the merge base's full hash. */
static void test_merge_base_pair(void **state)
{
	struct fixture *f = *state;
	struct queue_run *runs = NULL;
	struct store_run a, b;
	char c3[41], err[256] = "";
	size_t n = 0;
	/* feature forks from c1 (v1); main has moved on to c2 since. */
	GIT("checkout", "-q", "-b", "feature", f->c1);
	commit(f, c3, "c3");
	assert_int_equal(submit(f, &runs, &n, "main...feature\nfeature ... main\n", err,
				sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(runs[0].side, QUEUE_SIDE_A);
	assert_int_equal(runs[1].side, QUEUE_SIDE_B);
	assert_string_equal(runs[0].commit, f->c1);
	assert_string_equal(runs[0].revision, f->c1);
	assert_string_equal(runs[1].commit, c3);
	assert_string_equal(runs[1].revision, "feature");
	assert_string_equal(runs[2].commit, f->c1);
	assert_string_equal(runs[3].commit, f->c2);
	assert_string_equal(runs[3].revision, "main");
	assert_int_equal(store_run_get(f->store, &a, runs[0].id), STORE_OK);
	assert_int_equal(store_run_get(f->store, &b, runs[1].id), STORE_OK);
	assert_int_equal(a.pair_id, b.id);
	assert_int_equal(b.pair_id, a.id);
	assert_string_equal(a.commit, f->c1);
	assert_string_equal(a.revision, f->c1);
	assert_string_equal(b.commit, c3);
	store_run_clear(&a);
	store_run_clear(&b);
	queue_runs_free(runs, n);
	assert_int_equal(run_count(f), 4);
}

/* A bad line anywhere refuses the whole write: nothing queued. */
static void test_refused(void **state)
{
	struct fixture *f = *state;
	struct queue_run *runs = NULL;
	size_t n = 0;
	char err[256] = "", *long_line;
	assert_int_equal(submit(f, &runs, &n, "main\nno-such-rev\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no-such-rev"));
	assert_int_equal(submit(f, &runs, &n, "main\nv1..nothing\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(submit(f, &runs, &n, "v1....main\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(submit(f, &runs, &n, "main\n...main\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"...main\": an A/B line needs a revision on each side"));
	assert_int_equal(submit(f, &runs, &n, "v1...main..v1\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(submit(f, &runs, &n, "v1...nothing\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(submit(f, &runs, &n, "main\n\x01\n", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "control character"));
	assert_non_null(long_line = malloc(QUEUELINE_MAX + 2));
	memset(long_line, 'a', QUEUELINE_MAX + 1);
	long_line[QUEUELINE_MAX + 1] = '\0';
	assert_int_equal(submit(f, &runs, &n, long_line, err, sizeof(err)), -EMSGSIZE);
	free(long_line);
	assert_null(runs);
	assert_int_equal(n, 0);
	assert_int_equal(run_count(f), 0);
}

/* The pending cap: a write that would pass it is refused with EAGAIN, all of it. */
static void test_cap(void **state)
{
	struct fixture *f = *state;
	struct queue_run *runs = NULL;
	size_t n = 0, len = strlen("main\n");
	char err[256] = "", *text = malloc(QUEUE_PENDING_MAX * len + 1);
	assert_non_null(text);
	for (size_t i = 0; i < QUEUE_PENDING_MAX - 1; i++)
		memcpy(text + i * len, "main\n", len);
	text[(QUEUE_PENDING_MAX - 1) * len] = '\0';
	assert_int_equal(submit(f, &runs, &n, text, err, sizeof(err)), 0);
	assert_int_equal(n, QUEUE_PENDING_MAX - 1);
	queue_runs_free(runs, n);
	/* Two more (an A/B pair) pass it: neither side is queued. */
	assert_int_equal(submit(f, &runs, &n, "v1..main", err, sizeof(err)), -EAGAIN);
	assert_non_null(strstr(err, "pending"));
	assert_null(runs);
	assert_int_equal(run_count(f), QUEUE_PENDING_MAX - 1);
	/* One more reaches it. */
	assert_int_equal(submit(f, &runs, &n, "v1", err, sizeof(err)), 0);
	queue_runs_free(runs, n);
	assert_int_equal(submit(f, &runs, &n, "v1", err, sizeof(err)), -EAGAIN);
	assert_int_equal(run_count(f), QUEUE_PENDING_MAX);
	free(text);
}

static void test_baseline_pin_unpin(void **state)
{
	struct fixture *f = *state;
	struct store_baseline b;
	char commit[STORE_HASH_LEN + 1], err[256] = "", *rev = NULL;
	assert_int_equal(baseline_pin(commit, &rev, f->store, f->r, "base", " v1 \n", 5, err,
				      sizeof(err)), 0);
	assert_string_equal(commit, f->c1);
	assert_string_equal(rev, "v1");
	free(rev);
	assert_int_equal(store_baseline_get(f->store, &b, "base"), STORE_OK);
	assert_string_equal(b.commit, f->c1);
	/* Moved. */
	assert_int_equal(baseline_pin(commit, &rev, f->store, f->r, "base", "main", 4, err,
				      sizeof(err)), 0);
	free(rev);
	assert_int_equal(store_baseline_get(f->store, &b, "base"), STORE_OK);
	assert_string_equal(b.commit, f->c2);
	/* Not exactly one revision, or a bad one: the pin stays. */
	assert_int_equal(baseline_pin(commit, &rev, f->store, f->r, "base", "v1\nmain\n", 8, err,
				      sizeof(err)), -EINVAL);
	assert_string_equal(err, "write exactly one revision");
	assert_int_equal(baseline_pin(commit, &rev, f->store, f->r, "base", "\n", 1, err,
				      sizeof(err)), -EINVAL);
	assert_int_equal(baseline_pin(commit, &rev, f->store, f->r, "base", "nope", 4, err,
				      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nope"));
	assert_int_equal(store_baseline_get(f->store, &b, "base"), STORE_OK);
	assert_string_equal(b.commit, f->c2);
	/* Unpinned, then gone. */
	assert_int_equal(baseline_unpin(f->store, "base", err, sizeof(err)), 0);
	assert_int_equal(store_baseline_get(f->store, &b, "base"), STORE_NOTFOUND);
	assert_int_equal(baseline_unpin(f->store, "base", err, sizeof(err)), -ENOENT);
	assert_int_equal(baseline_unpin(f->store, "../x", err, sizeof(err)), -ENOENT);
}

static void test_baseline_names(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"", ".hidden", "latest", "123", "run-7", "a/b", "a b",
					  "\xc3\xa9t\xc3\xa9", "a\tb"};
	char commit[STORE_HASH_LEN + 1], err[256] = "", *rev = NULL, longname[80];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(baseline_name_valid(bad[i]));
		assert_int_equal(baseline_name_check(bad[i], err, sizeof(err)), -EINVAL);
		assert_int_equal(baseline_pin(commit, &rev, f->store, f->r, bad[i], "v1", 2, err,
					      sizeof(err)), -EINVAL);
	}
	assert_non_null(strstr(err, "a name is 1 to 63"));
	memset(longname, 'x', 64);
	longname[64] = '\0';
	assert_false(baseline_name_valid(longname));
	longname[63] = '\0';
	assert_true(baseline_name_valid(longname));
	assert_true(baseline_name_valid("run-7a"));
	assert_true(baseline_name_valid("v1.0_rc-2"));
	/* Names the repository resolves (a branch, a tag, a hash) would hide that
	 * revision in a compare name: EEXIST, nothing pinned. */
	static const char *const shadowing[] = {"release", "v1", "main"};
	for (size_t i = 0; i < sizeof(shadowing) / sizeof(shadowing[0]); i++) {
		assert_int_equal(baseline_pin(commit, &rev, f->store, f->r, shadowing[i], "v1", 2,
					      err, sizeof(err)), -EEXIST);
		assert_non_null(strstr(err, "already has a revision of that name"));
	}
	char shorthash[12];
	snprintf(shorthash, sizeof(shorthash), "%.8s", f->c2);
	if (strspn(shorthash, "0123456789") != strlen(shorthash))
		assert_int_equal(baseline_pin(commit, &rev, f->store, f->r, shorthash, "v1", 2, err,
					      sizeof(err)), -EEXIST);
	{
		struct store_baseline *list = NULL;
		assert_int_equal(store_baselines_list(f->store, &list, &n), STORE_OK);
		assert_int_equal(n, 0);
		free(list);
	}
}

/* A line's @profile= labels reach the store; a configuration's "profiles"
 * make a line without its own one job per profile (an A/B line one pair
 * per profile), and a line with its own @profile= only that one. */
static void test_profiles(void **state)
{
	struct fixture *f = *state;
	const char *config = "{\"profiles\": [\"arm,bare\", \"x86-big\"]}";
	const char *text = "v1 @profile=solo\nmain\nv1..main\n";
	struct queue_run *runs = NULL;
	struct store_run run;
	size_t n = 0;
	char err[256] = "";
	assert_int_equal(queue_submit(&runs, &n, f->store, f->r, config, text, strlen(text), err,
				      sizeof(err)),
			 0);
	if (!store_shared(f->store)) {
		/* One machine's store: profiles are a fleet's, the lines queue as written. */
		assert_int_equal(n, 1 + 1 + 2);
		assert_string_equal(runs[0].labels, "solo");
		assert_string_equal(runs[1].labels, "");
		assert_string_equal(runs[3].labels, "");
		queue_runs_free(runs, n);
		return;
	}
	/* solo; main for each profile; the pair for each profile. */
	assert_int_equal(n, 1 + 2 + 4);
	assert_string_equal(runs[0].labels, "solo");
	assert_string_equal(runs[1].labels, "arm,bare");
	assert_string_equal(runs[2].labels, "x86-big");
	assert_string_equal(runs[1].revision, "main");
	assert_string_equal(runs[2].revision, "main");
	assert_int_equal(runs[3].side, QUEUE_SIDE_A);
	assert_int_equal(runs[4].side, QUEUE_SIDE_B);
	assert_string_equal(runs[3].labels, "arm,bare");
	assert_string_equal(runs[4].labels, "arm,bare");
	assert_int_equal(runs[5].side, QUEUE_SIDE_A);
	assert_string_equal(runs[5].labels, "x86-big");
	assert_string_equal(runs[6].labels, "x86-big");
	assert_int_equal(store_run_get(f->store, &run, runs[6].id), STORE_OK);
	assert_string_equal(run.labels, "x86-big");
	assert_int_equal(run.pair_id, runs[5].id);
	store_run_clear(&run);
	queue_runs_free(runs, n);
	/* A bad label refuses the whole write. */
	assert_int_equal(submit(f, &runs, &n, "main\nv1 @profile=a;b\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(run_count(f), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ab_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_base_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baseline_pin_unpin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baseline_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
