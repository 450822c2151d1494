/* queue/import.h against a repository the git command builds and a
 * temporary store, no mount: what an import of hyperfine's JSON or a benchfs
 * result.json writes, and what it refuses (nothing written then). */
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

#include "queue/import.h"
#include "repo/repo.h"
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

static const char hyperfine[] =
	"{\"results\": [{\"command\": \"sleep 0.01\", \"mean\": 0.02, \"stddev\": 0.001,"
	" \"median\": 0.02, \"user\": 0.001, \"system\": 0.002, \"min\": 0.019, \"max\": 0.021,"
	" \"times\": [0.019, 0.02, 0.021], \"exit_codes\": [0, 0, null]},"
	" {\"command\": \"quick\", \"mean\": 0.001, \"times\": [0.001, 0.0011]}]}\n";

static const struct import_name names[] = {{"sleep 0.01", "sleep"}};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "queue-import"))
		return -1;
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->repo), 0);
	assert_int_equal(test_git_commit(f->c1, f->repo, "c1"), 0);
	assert_int_equal(test_git_commit(f->c2, f->repo, "c2"), 0);
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

static int import(struct fixture *f, struct import_result *out, const char *rev, const char *text,
		  char *err)
{
	struct import_options o = {.rev = rev, .names = names, .nnames = 1, .host = "elsewhere",
				   .source = "h.json"};
	return import_text(out, f->store, f->r, &o, text, strlen(text), err, 512);
}

/* benchfs's files name their benchmarks and host themselves. */
static int import_benchfs(struct fixture *f, struct import_result *out, const char *text,
			  char *err)
{
	struct import_options o = {.source = "result.json"};
	return import_text(out, f->store, f->r, &o, text, strlen(text), err, 512);
}

static int wall_sum(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	(void)benchmark, (void)run_id;
	*(double *)ctx += value;
	return 0;
}

static void test_hyperfine(void **state)
{
	struct fixture *f = *state;
	struct import_result res;
	struct store_run run;
	char err[512] = "";
	char **benches = NULL;
	size_t nb = 0;
	double sum = 0;
	assert_int_equal(import(f, &res, "HEAD~1", hyperfine, err), 0);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.runs[0].commit, f->c1);
	assert_string_equal(res.runs[0].host, "elsewhere");
	assert_int_equal(res.runs[0].nbenchmarks, 2);
	assert_int_equal(store_run_get(f->store, &run, res.runs[0].id), STORE_OK);
	assert_int_equal(run.state, RUN_DONE);
	assert_string_equal(run.host, "elsewhere");
	assert_string_equal(run.revision, "HEAD~1");
	assert_non_null(strstr(run.system, "\"imported\""));
	assert_non_null(strstr(run.result, "\"name\": \"sleep\""));
	assert_non_null(strstr(run.result, "\"name\": \"quick\""));
	store_run_clear(&run);
	assert_int_equal(store_benchmark_names(f->store, &benches, &nb), STORE_OK);
	assert_int_equal(nb, 2);
	store_names_free(benches, nb);
	assert_int_equal(store_samples_of_runs(f->store, &res.runs[0].id, 1, NULL, "sleep", wall_sum,
					       &sum),
			 STORE_OK);
	assert_true(sum > 0.0599e9 && sum < 0.0601e9);
	import_result_clear(&res);

	/* The same file for the same commit again: refused, nothing written. */
	assert_int_equal(import(f, &res, f->c1, hyperfine, err), -EEXIST);
	assert_non_null(strstr(err, "imported already"));
	assert_int_equal(run_count(f), 1);
	/* For another commit it is another import. */
	assert_int_equal(import(f, &res, f->c2, hyperfine, err), 0);
	import_result_clear(&res);
	assert_int_equal(run_count(f), 2);
}

static void test_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"",
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1, 0.2",  /* truncated */
		"{\"results\": []}",                                            /* no results */
		"{\"results\": [{\"command\": \"quick\"}]}",                   /* no times */
		"{\"results\": [{\"command\": \"quick\", \"times\": []}]}",    /* empty */
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1, -0.1]}]}",
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1, NaN]}]}",
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1, 1e400]}]}",
		"{\"results\": [{\"command\": \"quick\", \"times\": \"0.1\"}]}",
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1, \"0.2\"]}]}",
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1], \"exit_codes\": [0, 0]}]}",
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1], \"user\": -1}]}",
		"{\"results\": [{\"command\": 3, \"times\": [0.1]}]}",
		"{\"results\": [{\"command\": \"no name\", \"times\": [0.1]}]}",
		"{\"results\": [{\"command\": \"a:cpu\", \"times\": [0.1]}]}", /* a colon */
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1]},"
		" {\"command\": \"quick\", \"times\": [0.1]}]}",                /* twice */
		"{\"results\": [{\"command\": \"quick\", \"times\": [0.1]}]} {}", /* more after it */

		"[1, 2]",
		/* benchfs's result.json of another commit than --commit */
		"{\"results\": [], \"benchfs\": {\"run\": \"000001\", \"commit\":"
		" \"0000000000000000000000000000000000000000\"}}",
	};
	struct import_options plain = {.rev = "HEAD", .source = "h.json"};
	struct import_result res;
	char err[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(import_text(&res, f->store, f->r, &plain, bad[i], strlen(bad[i]), err,
					     sizeof(err)),
				 -EINVAL);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
		assert_int_equal(run_count(f), 0);
	}
	/* --name 'sleep 0.01=sleep' names no command of this file: a typo. */
	assert_int_equal(import(f, &res, "HEAD", "{\"results\": [{\"command\": \"quick\","
						 " \"times\": [0.1]}]}", err),
			 -EINVAL);
	assert_non_null(strstr(err, "no result has that command"));
	/* A bad revision, and hyperfine's JSON without one. */
	assert_int_equal(import(f, &res, "no-such-rev", hyperfine, err), -EINVAL);
	assert_non_null(strstr(err, "no-such-rev"));
	assert_int_equal(import(f, &res, NULL, hyperfine, err), -EINVAL);
	assert_non_null(strstr(err, "--commit"));
	assert_int_equal(run_count(f), 0);
}

/* A benchfs result.json imported alone takes its commit and host from
 * itself; a commit this repository lacks is refused. */
static void test_benchfs_result(void **state)
{
	struct fixture *f = *state;
	struct import_result res;
	struct store_run run;
	char err[512] = "", *text = NULL;
	const char *fmt =
		"{\"results\": [{\"command\": \"./prog\", \"name\": \"prog\", \"commit\": \"%s\","
		" \"run\": \"000007\", \"runs\": 2, \"times\": [0.1, 0.2], \"user_times\": [0.01, 0.02],"
		" \"system_times\": [0, 0], \"memory_usage_byte\": [100, 200], \"exit_codes\": [0, 0],"
		" \"unstable\": null, \"interference\": null, \"instructions\": null}],"
		" \"benchfs\": {\"run\": \"000007\", \"commit\": \"%s\", \"revision\": \"main\","
		" \"host\": {\"hostname\": \"ci-runner\"}}}";
	assert_true(asprintf(&text, fmt, f->c2, f->c2) > 0);
	/* --host and --name are hyperfine's: refused here. */
	assert_int_equal(import(f, &res, NULL, text, err), -EINVAL);
	assert_non_null(strstr(err, "--host"));
	assert_int_equal(import_benchfs(f, &res, text, err), 0);
	assert_int_equal(res.n, 1);
	assert_string_equal(res.runs[0].host, "ci-runner");
	assert_int_equal(store_run_get(f->store, &run, res.runs[0].id), STORE_OK);
	assert_string_equal(run.commit, f->c2);
	assert_string_equal(run.revision, "main");
	assert_non_null(strstr(run.result, "\"run\": \"000001\""));
	assert_null(strstr(run.result, "\"run\": \"000007\""));
	store_run_clear(&run);
	import_result_clear(&res);
	assert_int_equal(import_benchfs(f, &res, text, err), -EEXIST);
	free(text);
	assert_true(asprintf(&text, fmt, "1111111111111111111111111111111111111111",
			     "1111111111111111111111111111111111111111") > 0);
	assert_int_equal(import_benchfs(f, &res, text, err), -EINVAL);
	assert_non_null(strstr(err, "not in this repository"));
	free(text);
	assert_int_equal(run_count(f), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hyperfine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_benchfs_result, setup, teardown),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
