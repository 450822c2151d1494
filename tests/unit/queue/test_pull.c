/* queue/pull.h and config/pulls.h: what a queue line "pr/<n>" or
 * "<remote>/<branch>" means, compare/'s names for them, the
 * "pull_requests" section, and one fetch from a bare repository standing in
 * for the remote. */
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

#include "config/config.h"
#include "config/pulls.h"
#include "queue/pull.h"
#include "queue/submit.h"
#include "repo/repo.h"
#include "tests/unit/fixture/git.h"
#include "tests/unit/fixture/tmpdir.h"
#include "util/rmtree.h"

static void expect_request(const char *line, int want_rc, long want_n)
{
	char err[256] = "";
	long n = -1;
	int rc = pull_parse_request(&n, line, err, sizeof(err));
	if (rc != want_rc)
		fail_msg("pull_parse_request(\"%s\") = %d, wanted %d (%s)", line, rc, want_rc, err);
	if (rc == 1)
		assert_int_equal(n, want_n);
	if (rc < 0)
		assert_non_null(strstr(err, line));
}

static void test_request(void **state)
{
	(void)state;
	expect_request("pr/7", 1, 7);
	expect_request("pr/123", 1, 123);
	expect_request("pr/2147483647", 1, 2147483647L);
	expect_request("pr/2147483648", -EINVAL, 0);
	expect_request("pr/99999999999999999999", -EINVAL, 0);
	expect_request("pr/0", -EINVAL, 0);
	expect_request("pr/07", -EINVAL, 0);
	expect_request("pr/abc", -EINVAL, 0);
	expect_request("pr/-1", -EINVAL, 0);
	expect_request("pr/+1", -EINVAL, 0);
	expect_request("pr/", -EINVAL, 0);
	expect_request("pr/7x", -EINVAL, 0);
	expect_request("pr/7~1", -EINVAL, 0);
	expect_request("pr/7/x", -EINVAL, 0);
	/* Not a request at all: revisions for the caller. */
	expect_request("main", 0, 0);
	expect_request("pr", 0, 0);
	expect_request("prx/7", 0, 0);
	expect_request("PR/7", 0, 0);
	expect_request("refs/pull/7/head", 0, 0);
}

static void test_branch_names(void **state)
{
	(void)state;
	assert_true(pull_branch_name_valid("origin/feature"));
	assert_true(pull_branch_name_valid("origin/feature/x-1.2"));
	assert_true(pull_branch_name_valid("up@stream/b"));
	assert_false(pull_branch_name_valid(""));
	assert_false(pull_branch_name_valid("@"));
	assert_false(pull_branch_name_valid("origin/a..b"));
	assert_false(pull_branch_name_valid("origin//b"));
	assert_false(pull_branch_name_valid("origin/b/"));
	assert_false(pull_branch_name_valid("origin/b."));
	assert_false(pull_branch_name_valid("origin/.b"));
	assert_false(pull_branch_name_valid("origin/b.lock"));
	assert_false(pull_branch_name_valid("origin/b~1"));
	assert_false(pull_branch_name_valid("origin/b^"));
	assert_false(pull_branch_name_valid("origin/b:c"));
	assert_false(pull_branch_name_valid("origin/b@{1}"));
	assert_false(pull_branch_name_valid("origin/b c"));
	assert_false(pull_branch_name_valid("origin/b*"));
}

static void expect_split(const char *line, const char *want_remote, const char *want_branch)
{
	char *remote = (char *)"x", *branch = (char *)"x";
	int rc = pull_split_branch(&remote, &branch, line);
	if (!want_remote) {
		if (rc != 0)
			fail_msg("\"%s\" split as a remote branch", line);
		return;
	}
	if (rc != 1)
		fail_msg("\"%s\" not split (%d)", line, rc);
	assert_string_equal(remote, want_remote);
	assert_string_equal(branch, want_branch);
	free(remote);
	free(branch);
}

static void test_split(void **state)
{
	(void)state;
	expect_split("origin/feature", "origin", "feature");
	expect_split("origin/feature/x", "origin", "feature/x");
	expect_split("fork/main", "fork", "main");
	expect_split("main", NULL, NULL);
	expect_split("HEAD~1", NULL, NULL);
	expect_split("origin/feature~2", NULL, NULL);
	expect_split("origin/feature^{commit}", NULL, NULL);
	expect_split("refs/remotes/origin/feature", NULL, NULL);
	expect_split("remotes/origin/feature", NULL, NULL);
	expect_split("/feature", NULL, NULL);
	expect_split("origin/", NULL, NULL);
}

static void expect_stem(const char *stem, const char *want)
{
	char *line = NULL;
	int rc = pull_line_of_stem(&line, stem);
	if (!want) {
		if (rc != 0)
			fail_msg("stem \"%s\" read as \"%s\"", stem, line ? line : "?");
		assert_null(line);
		return;
	}
	if (rc != 1)
		fail_msg("stem \"%s\" not read (%d)", stem, rc);
	assert_string_equal(line, want);
	free(line);
}

static void test_stems(void **state)
{
	(void)state;
	expect_stem("pr-7", "pr/7");
	expect_stem("pr-123", "pr/123");
	expect_stem("origin:feature", "origin/feature");
	expect_stem("origin:feature:x", "origin/feature/x");
	expect_stem("pr-0", NULL);
	expect_stem("pr-abc", NULL);
	expect_stem("pr-7:x", NULL);
	expect_stem("pr:7", NULL); /* the line pr/7 is a request: pr-7 */
	expect_stem("main", NULL);
	expect_stem("origin:", NULL);
	expect_stem(":x", NULL);
	expect_stem("origin:a~1", NULL);
}

static void test_job_revisions(void **state)
{
	char *a;
	(void)state;
	assert_non_null(a = pull_base_revision("refs/heads/main", "pr/7"));
	assert_string_equal(a, "main...pr/7");
	assert_true(pull_job_matches(a, "pr/7", "pr/7"));
	assert_false(pull_job_matches(a, "pr/7", "pr/17"));
	assert_false(pull_job_matches(a, "pr/17", "pr/17"));
	free(a);
	assert_non_null(a = pull_base_revision("refs/remotes/origin/main", "origin/feature"));
	assert_string_equal(a, "origin/main...origin/feature");
	assert_true(pull_job_matches(a, "origin/feature", "origin/feature"));
	free(a);
	/* A user's "main..origin/feature" or a full hash is no pull job. */
	assert_false(pull_job_matches("main", "origin/feature", "origin/feature"));
	assert_false(pull_job_matches("0123456789012345678901234567890123456789", "pr/7", "pr/7"));
}

#define CONFIG_HEAD "{\"benchmarks\": [{\"name\": \"b\", \"command\": [\"true\"]}]"

static int parse(struct config **c, const char *section, char *err, size_t errsize)
{
	char text[1024];
	snprintf(text, sizeof(text), CONFIG_HEAD "%s%s}", section ? ", " : "",
		 section ? section : "");
	return config_parse(c, text, err, errsize);
}

static void expect_config_error(const char *section, const char *needle)
{
	struct config *c = NULL;
	char err[512] = "";
	assert_int_equal(parse(&c, section, err, sizeof(err)), -EINVAL);
	assert_null(c);
	if (!strstr(err, needle))
		fail_msg("%s: message \"%s\" lacks \"%s\"", section, err, needle);
	assert_null(strchr(err, '\n'));
}

static void test_config(void **state)
{
	struct config *c = NULL, *back = NULL;
	const struct pulls_config *p;
	char err[512] = "", *json;
	(void)state;
	/* Absent: the defaults, and no section in the normalised JSON. */
	assert_int_equal(parse(&c, NULL, err, sizeof(err)), 0);
	assert_null(c->pulls);
	p = pulls_or_default(c->pulls);
	assert_string_equal(p->remote, "origin");
	assert_string_equal(p->ref, "refs/pull/{n}/head");
	assert_true(p->remote_branches);
	assert_non_null(json = config_to_json(c));
	assert_null(strstr(json, "pull_requests"));
	free(json);
	config_free(c);

	assert_int_equal(parse(&c, "\"pull_requests\": {\"remote\": \"upstream\", \"ref\":"
				   " \"refs/merge-requests/{n}/head\", \"remote_branches\": false}",
			       err, sizeof(err)),
			 0);
	assert_non_null(c->pulls);
	assert_string_equal(c->pulls->remote, "upstream");
	assert_string_equal(c->pulls->ref, "refs/merge-requests/{n}/head");
	assert_false(c->pulls->remote_branches);
	assert_non_null(json = config_to_json(c));
	assert_int_equal(config_parse(&back, json, err, sizeof(err)), 0);
	assert_non_null(back->pulls);
	assert_string_equal(back->pulls->remote, "upstream");
	assert_string_equal(back->pulls->ref, "refs/merge-requests/{n}/head");
	assert_false(back->pulls->remote_branches);
	free(json);
	config_free(back);
	config_free(c);

	/* An empty section is the defaults, written out. */
	assert_int_equal(parse(&c, "\"pull_requests\": {}", err, sizeof(err)), 0);
	assert_string_equal(c->pulls->remote, "origin");
	assert_true(c->pulls->remote_branches);
	config_free(c);

	expect_config_error("\"pull_requests\": {\"remtoe\": \"x\"}", "remtoe");
	expect_config_error("\"pull_requests\": 7", "\"pull_requests\" must be an object");
	expect_config_error("\"pull_requests\": {\"remote\": \"\"}", "\"remote\"");
	expect_config_error("\"pull_requests\": {\"remote\": \"a b\"}", "\"remote\"");
	expect_config_error("\"pull_requests\": {\"ref\": \"refs/pull/head\"}", "{n}");
	expect_config_error("\"pull_requests\": {\"ref\": \"pull/{n}/head\"}", "\"ref\"");
	expect_config_error("\"pull_requests\": {\"ref\": \"refs/pull/{n}/{n}\"}", "\"ref\"");
	expect_config_error("\"pull_requests\": {\"ref\": \"refs/pull/{n}/h~1\"}", "\"ref\"");
	expect_config_error("\"pull_requests\": {\"remote_branches\": 1}", "remote_branches");
}

/* A repository with a bare one standing in for its remote. */
struct fixture {
	char dir[PATH_MAX / 2], repo[PATH_MAX], bare[PATH_MAX];
	struct repo *r;
	char base[41], head[41], other[41];
};

#define GIT(dir, ...) assert_int_equal(test_git(NULL, 0, dir, __VA_ARGS__, (char *)NULL), 0)

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char spec[128];
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "queue-pull"))
		return -1;
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	snprintf(f->bare, sizeof(f->bare), "%s/remote.git", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->repo), 0);
	assert_int_equal(test_git_commit(f->base, f->repo, "base"), 0);
	GIT(f->dir, "init", "-q", "--bare", f->bare);
	/* The request: a commit on top of base, only on the remote. */
	GIT(f->repo, "checkout", "-q", "-b", "feature");
	assert_int_equal(test_git_commit(f->head, f->repo, "head"), 0);
	snprintf(spec, sizeof(spec), "%s:refs/pull/7/head", f->head);
	GIT(f->repo, "push", "-q", f->bare, spec);
	snprintf(spec, sizeof(spec), "%s:refs/heads/topic", f->head);
	GIT(f->repo, "push", "-q", f->bare, spec);
	GIT(f->repo, "checkout", "-q", "main");
	GIT(f->repo, "branch", "-D", "-q", "feature");
	assert_int_equal(test_git_commit(f->other, f->repo, "main moves on"), 0);
	assert_int_equal(repo_open(&f->r, f->repo, NULL, 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	repo_free(f->r);
	rmtree(f->dir);
	free(f);
	return 0;
}

static void test_fetch(void **state)
{
	struct fixture *f = *state;
	struct queue_run runs[2];
	char err[1024] = "";
	size_t count = 0;
	memset(runs, 0, sizeof(runs));
	/* Without a remote named origin, "origin/topic" is a revision as before. */
	assert_int_equal(pull_add_line(runs, &count, f->r, "{}", "origin/topic", err,
				       sizeof(err)),
			 0);
	GIT(f->repo, "remote", "add", "origin", f->bare);
	assert_int_equal(pull_add_line(runs, &count, f->r, "{}", "pr/7", err, sizeof(err)), 1);
	assert_int_equal(count, 2);
	assert_string_equal(runs[0].revision, "main...pr/7");
	assert_string_equal(runs[0].commit, f->base);
	assert_int_equal(runs[0].side, QUEUE_SIDE_A);
	assert_string_equal(runs[1].revision, "pr/7");
	assert_string_equal(runs[1].commit, f->head);
	assert_int_equal(runs[1].side, QUEUE_SIDE_B);
	free(runs[0].revision);
	free(runs[1].revision);
	count = 0;
	/* A request the remote lacks: ENOENT, the line in the message, nothing added. */
	assert_int_equal(pull_add_line(runs, &count, f->r, "{}", "pr/999", err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(count, 0);
	assert_non_null(strstr(err, "pr/999"));
	assert_non_null(strstr(err, "refs/pull/999/head"));
	assert_int_equal(pull_add_line(runs, &count, f->r, "{}", "pr/abc", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(count, 0);
	/* A branch of that name is a revision, as it was. */
	GIT(f->repo, "branch", "pr/abc", f->base);
	assert_int_equal(pull_add_line(runs, &count, f->r, "{}", "pr/abc", err, sizeof(err)), 0);
	assert_int_equal(count, 0);
	/* A configured pattern: GitLab's, which this remote lacks. */
	assert_int_equal(pull_add_line(runs, &count, f->r,
				       "{\"pull_requests\": {\"ref\": \"refs/merge-requests/{n}/head\"}}",
				       "pr/7", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "refs/merge-requests/7/head"));
	/* A remote branch. */
	assert_int_equal(pull_add_line(runs, &count, f->r, "{}", "origin/topic", err, sizeof(err)),
			 1);
	assert_string_equal(runs[0].revision, "main...origin/topic");
	assert_string_equal(runs[0].commit, f->base);
	assert_string_equal(runs[1].revision, "origin/topic");
	assert_string_equal(runs[1].commit, f->head);
	free(runs[0].revision);
	free(runs[1].revision);
	count = 0;
	/* Switched off: the caller's revision again. */
	assert_int_equal(pull_add_line(runs, &count, f->r,
				       "{\"pull_requests\": {\"remote_branches\": false}}",
				       "origin/topic", err, sizeof(err)),
			 0);
	assert_int_equal(pull_add_line(runs, &count, f->r, "{}", "origin/nosuch", err,
				       sizeof(err)),
			 -ENOENT);
	/* The head on the tracked branch already: nothing to compare. */
	assert_int_equal(pull_add_line(runs, &count, f->r, "{\"branch\": \"origin/topic\"}",
				       "pr/7", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "nothing to compare"));
	assert_int_equal(count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_branch_names),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_stems),
		cmocka_unit_test(test_job_revisions),
		cmocka_unit_test(test_config),
		cmocka_unit_test_setup_teardown(test_fetch, setup, teardown),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("pull", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
