/* Unit tests for the narrowing of views/bisect.h on repositories the git
 * command builds, with judges that know where the step is: the midpoint
 * choice, a skipped commit's neighbour, only skipped commits left, the
 * descent into what a merge brought in, and the regressions lines a
 * bisection starts from.
 *
 *   l0 - l1 - ... - l16                 (linear; the step at l11)
 *
 *   c0 - c1 - c2 - c3 - c4 - c5 - M - c6 - c7    (main)
 *                   \              /
 *                    s1 - s2 - s3               (side, merged by M) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "util/rmtree.h"
#include "views/bisect.h"
#include "tests/unit/fixture/git.h"
#include "tests/unit/fixture/tmpdir.h"

struct fixture {
	char dir[PATH_MAX / 2];
	char linear[PATH_MAX], merged[PATH_MAX];
	struct repo *rl, *rm;
	char l[17][41];
	char c[8][41], s[4][41], m[41];
};

#define GIT(repo, ...) assert_int_equal(test_git(NULL, 0, repo, __VA_ARGS__, (char *)NULL), 0)

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char name[8];
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "bisect")) {
		free(f);
		return -1;
	}
	snprintf(f->linear, sizeof(f->linear), "%s/linear", f->dir);
	snprintf(f->merged, sizeof(f->merged), "%s/merged", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->linear), 0);
	for (int i = 0; i < 17; i++) {
		test_git_date(1600000000LL + i);
		snprintf(name, sizeof(name), "l%d", i);
		assert_int_equal(test_git_commit(f->l[i], f->linear, name), 0);
	}
	assert_int_equal(test_git_repo(f->dir, f->merged), 0);
	for (int i = 0; i <= 5; i++) {
		test_git_date(1600000100LL + i);
		snprintf(name, sizeof(name), "c%d", i);
		assert_int_equal(test_git_commit(f->c[i], f->merged, name), 0);
		if (i == 3)
			GIT(f->merged, "branch", "side");
	}
	GIT(f->merged, "checkout", "-q", "side");
	for (int i = 1; i <= 3; i++) {
		test_git_date(1600000200LL + i);
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(test_git_commit(f->s[i], f->merged, name), 0);
	}
	GIT(f->merged, "checkout", "-q", "main");
	test_git_date(1600000300LL);
	GIT(f->merged, "merge", "-q", "--no-ff", "-m", "M", "side");
	assert_int_equal(test_git(f->m, sizeof(f->m), f->merged, "rev-parse", "HEAD", (char *)NULL), 0);
	for (int i = 6; i <= 7; i++) {
		test_git_date(1600000300LL + i);
		snprintf(name, sizeof(name), "c%d", i);
		assert_int_equal(test_git_commit(f->c[i], f->merged, name), 0);
	}
	assert_int_equal(repo_open(&f->rl, f->linear, NULL, 0), 0);
	assert_int_equal(repo_open(&f->rm, f->merged, NULL, 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	repo_free(f->rl);
	repo_free(f->rm);
	rmtree(f->dir);
	free(f);
	return 0;
}

/* A judge: bad the commits of bad[], skipped those of skip[], unknown
 * those of unknown[], good the rest; it records what it was asked. */
struct judge {
	const char *bad[8], *skip[8], *unknown[8];
	char asked[32][41]; /* copies: the search's lines are gone after it */
	size_t nasked;
};

static bool among(const char *const *list, const char *commit)
{
	for (size_t i = 0; i < 8 && list[i]; i++)
		if (strcmp(list[i], commit) == 0)
			return true;
	return false;
}

static int judge(void *arg, enum bisect_judgement *out, const char *commit)
{
	struct judge *j = arg;
	assert_true(j->nasked < 32);
	snprintf(j->asked[j->nasked++], 41, "%s", commit);
	*out = among(j->unknown, commit) ? BISECT_UNKNOWN
	       : among(j->skip, commit)  ? BISECT_SKIPPED
	       : among(j->bad, commit)   ? BISECT_BAD
					 : BISECT_GOOD;
	return 0;
}

/* The step at l11 of l0..l16: a bad list of l11..l15 (l16 is known bad). */
static void linear_bad(struct judge *j, const struct fixture *f)
{
	for (int i = 11; i <= 15; i++)
		j->bad[i - 11] = f->l[i];
}

static void test_midpoints(void **state)
{
	struct fixture *f = *state;
	struct bisect_search s;
	struct judge j = {0};
	linear_bad(&j, f);
	assert_int_equal(bisect_search(&s, f->rl, f->l[0], f->l[16], judge, &j), 0);
	assert_int_equal(s.found, BISECT_FIRST_BAD);
	assert_string_equal(s.culprit, f->l[11]);
	assert_string_equal(s.parent, f->l[10]);
	/* 16 steps: four halvings, each the middle of what is left. */
	assert_int_equal(j.nasked, 4);
	assert_string_equal(j.asked[0], f->l[8]);
	assert_string_equal(j.asked[1], f->l[12]);
	assert_string_equal(j.asked[2], f->l[10]);
	assert_string_equal(j.asked[3], f->l[11]);
	assert_int_equal(s.judged, 4);
}

static void test_unknown_stops(void **state)
{
	struct fixture *f = *state;
	struct bisect_search s;
	struct judge j = {0};
	linear_bad(&j, f);
	j.unknown[0] = f->l[12];
	assert_int_equal(bisect_search(&s, f->rl, f->l[0], f->l[16], judge, &j), 0);
	assert_int_equal(s.found, BISECT_NEED);
	assert_string_equal(s.need, f->l[12]);
	assert_int_equal(j.nasked, 2);
}

static void test_skip_tries_a_neighbour(void **state)
{
	struct fixture *f = *state;
	struct bisect_search s;
	struct judge j = {0};
	linear_bad(&j, f);
	j.skip[0] = f->l[8];
	assert_int_equal(bisect_search(&s, f->rl, f->l[0], f->l[16], judge, &j), 0);
	assert_int_equal(s.found, BISECT_FIRST_BAD);
	assert_string_equal(s.culprit, f->l[11]);
	assert_int_equal(j.nasked, 5);
	assert_string_equal(j.asked[0], f->l[8]);
	assert_string_equal(j.asked[1], f->l[7]); /* the nearer neighbour, the lower first */
	assert_string_equal(j.asked[2], f->l[11]);
}

static void test_only_skipped_left(void **state)
{
	struct fixture *f = *state;
	struct bisect_search s;
	struct judge j = {0};
	linear_bad(&j, f);
	j.skip[0] = f->l[10];
	assert_int_equal(bisect_search(&s, f->rl, f->l[0], f->l[16], judge, &j), 0);
	assert_int_equal(s.found, BISECT_ONLY_SKIPPED);
	assert_string_equal(s.parent, f->l[9]);
	assert_string_equal(s.culprit, f->l[11]);
}

static void test_merge_descent(void **state)
{
	struct fixture *f = *state;
	struct bisect_search s;
	struct judge j = {.bad = {f->s[2], f->s[3], f->m, f->c[6]}};
	assert_int_equal(bisect_search(&s, f->rm, f->c[0], f->c[7], judge, &j), 0);
	assert_int_equal(s.found, BISECT_FIRST_BAD);
	assert_string_equal(s.culprit, f->s[2]);
	assert_string_equal(s.parent, f->s[1]);
	/* Along main (c4 good, M bad, c5 good), then into side (s2 bad, s1 good). */
	assert_int_equal(j.nasked, 5);
	assert_string_equal(j.asked[0], f->c[4]);
	assert_string_equal(j.asked[1], f->m);
	assert_string_equal(j.asked[2], f->c[5]);
	assert_string_equal(j.asked[3], f->s[2]);
	assert_string_equal(j.asked[4], f->s[1]);
}

static void test_merge_itself(void **state)
{
	struct fixture *f = *state;
	struct bisect_search s;
	struct judge j = {.bad = {f->m, f->c[6]}};
	assert_int_equal(bisect_search(&s, f->rm, f->c[0], f->c[7], judge, &j), 0);
	assert_int_equal(s.found, BISECT_FIRST_BAD);
	/* Everything the merge brought in is good: the merge is the step. */
	assert_string_equal(s.culprit, f->m);
	assert_string_equal(s.parent, f->c[5]);
}

static void test_good_off_the_line(void **state)
{
	struct fixture *f = *state;
	struct bisect_search s;
	struct judge j = {0};
	assert_int_equal(bisect_search(&s, f->rm, f->s[1], f->c[7], judge, &j), -ENOENT);
}

static void test_line_parse(void **state)
{
	struct fixture *f = *state;
	struct bisect_line l;
	char line[1024];
	snprintf(line, sizeof(line),
		 "%s\tsort\t0.1\t0.2\t+100%%\t0.0001\t000003,000004\t2%%\tfixed\tpaired\t%s..%s\n",
		 f->l[16], f->l[0], f->l[16]);
	assert_int_equal(bisect_line_parse(&l, line), 0);
	assert_string_equal(l.bench, "sort");
	assert_string_equal(l.metric, "wall");
	assert_string_equal(l.good, f->l[0]);
	assert_string_equal(l.bad, f->l[16]);
	/* Fields after the range (alert, state, culprit) change nothing. */
	snprintf(line, sizeof(line),
		 "%s\tsort:instructions\t100\t200\t+100%%\t-\t000004\t2%%\tfixed\tcount\t%s..%s"
		 "\tabcdef012345\tnew\t-\n",
		 f->l[16], f->l[0], f->l[16]);
	assert_int_equal(bisect_line_parse(&l, line), 0);
	assert_string_equal(l.bench, "sort");
	assert_string_equal(l.metric, "instructions");
	/* A declared metric's confirmed step: paired, of the metric its name ends in. */
	snprintf(line, sizeof(line),
		 "%s\tsort:throughput\t100\t80\t-20%%\t0.0001\t000003,000004\t10%%\tfixed\tpaired\t"
		 "%s..%s\n",
		 f->l[16], f->l[0], f->l[16]);
	assert_int_equal(bisect_line_parse(&l, line), 0);
	assert_string_equal(l.bench, "sort");
	assert_string_equal(l.metric, "throughput");
	assert_string_equal(l.good, f->l[0]);
	/* The history's own lines (method runs, no range) start none. */
	snprintf(line, sizeof(line), "%s\tsort\t0.1\t0.2\t+100%%\t0.0001\t000004\t2%%\tfixed\truns\t-\n",
		 f->l[16]);
	assert_int_equal(bisect_line_parse(&l, line), -ENOENT);
	assert_int_equal(bisect_parse_name("12"), 12);
	assert_int_equal(bisect_parse_name("012"), -1);
	assert_int_equal(bisect_parse_name("x"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_midpoints),
		cmocka_unit_test(test_unknown_stops),
		cmocka_unit_test(test_skip_tries_a_neighbour),
		cmocka_unit_test(test_only_skipped_left),
		cmocka_unit_test(test_merge_descent),
		cmocka_unit_test(test_merge_itself),
		cmocka_unit_test(test_good_off_the_line),
		cmocka_unit_test(test_line_parse),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("bisect", tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
