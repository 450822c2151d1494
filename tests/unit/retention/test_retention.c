/* Unit tests for retention's pieces below the daemon: the "retain" section
 * (config/retain.h: defaults, errors naming the key, the JSON round trip,
 * absent means none) and the store's summarizing (store.h: all or none, a
 * count that does not match refused, the summaries read back, the report
 * kept). */
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

#include "config/config.h"
#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"

#define BENCH "\"benchmarks\": [{\"name\": \"a\", \"command\": \"true\"}]"

static struct config *parse(const char *text, int want, const char *needle)
{
	struct config *c = NULL;
	char err[512] = "";
	assert_int_equal(config_parse(&c, text, err, sizeof(err)), want);
	if (needle && !strstr(err, needle))
		fail_msg("message '%s' lacks '%s'", err, needle);
	return c;
}

static void test_config(void **state)
{
	struct config *c, *back;
	char *json;
	(void)state;
	c = parse("{" BENCH "}", 0, NULL);
	assert_null(c->retain); /* absent: nothing is ever pruned */
	json = config_to_json(c);
	assert_null(strstr(json, "retain"));
	free(json);
	config_free(c);

	c = parse("{\"retain\": {}, " BENCH "}", 0, NULL);
	assert_non_null(c->retain);
	assert_int_equal(c->retain->days, 90);
	assert_int_equal(c->retain->per_commit, 10);
	assert_int_equal(c->retain->every_s, 3600);
	assert_int_equal(c->retain->batch, 50);
	config_free(c);

	c = parse("{\"retain\": {\"days\": 0, \"per_commit\": 3, \"every\": \"2s\", \"batch\": 7}, " BENCH
		  "}", 0, NULL);
	assert_int_equal(c->retain->days, 0);
	assert_int_equal(c->retain->every_s, 2);
	json = config_to_json(c);
	back = parse(json, 0, NULL);
	assert_int_equal(back->retain->days, 0);
	assert_int_equal(back->retain->per_commit, 3);
	assert_int_equal(back->retain->every_s, 2);
	assert_int_equal(back->retain->batch, 7);
	free(json);
	config_free(back);
	config_free(c);
	c = parse("{\"retain\": {\"every\": \"90m\"}, " BENCH "}", 0, NULL);
	assert_int_equal(c->retain->every_s, 5400);
	config_free(c);
	c = parse("{\"retain\": {\"every\": 30}, " BENCH "}", 0, NULL);
	assert_int_equal(c->retain->every_s, 30);
	config_free(c);

	parse("{\"retain\": {\"keep\": 1}, " BENCH "}", -EINVAL, "unknown key \"keep\"");
	parse("{\"retain\": {\"days\": -1}, " BENCH "}", -EINVAL, "\"days\"");
	parse("{\"retain\": {\"per_commit\": \"x\"}, " BENCH "}", -EINVAL, "\"per_commit\"");
	parse("{\"retain\": {\"batch\": 0}, " BENCH "}", -EINVAL, "\"batch\"");
	parse("{\"retain\": {\"every\": \"soon\"}, " BENCH "}", -EINVAL, "\"every\"");
	parse("{\"retain\": {\"every\": \"0s\"}, " BENCH "}", -EINVAL, "\"every\"");
	parse("{\"retain\": 5, " BENCH "}", -EINVAL, "\"retain\" must be an object");
}

#define HASH "0123456789abcdef0123456789abcdef01234567"

/* A store with one done run of n iterations (wall times 1..n ms). */
static struct store *store_with_run(const char *location, int64_t *id, int n)
{
	struct store *s;
	struct store_new_run nr = {.revision = "v1", .commit = HASH, .config = "{}"};
	assert_int_equal(store_open(&s, location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(store_runs_queue(s, id, &nr, 1, 10), STORE_OK);
	assert_int_equal(store_run_progress(s, *id, RUN_RUNNING, "", "{}"), STORE_OK);
	for (int i = 1; i <= n; i++) {
		struct store_iteration it = {.benchmark = "a", .iteration = i, .wall_ns = i * 1000000};
		assert_int_equal(store_iteration_add(s, *id, &it), STORE_OK);
	}
	assert_int_equal(store_run_finish(s, *id, RUN_DONE, "", "{}"), STORE_OK);
	return s;
}

static int count_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	(void)benchmark, (void)run_id, (void)value;
	(*(int *)ctx)++;
	return 0;
}

static int read_summary(void *ctx, int64_t run_id, const struct store_run_summary *s)
{
	(void)run_id;
	*(struct store_run_summary *)ctx = *s;
	((struct store_run_summary *)ctx)->benchmark = NULL;
	return 0;
}

static void test_summarize(void **state)
{
	char dir[PATH_MAX / 2], location[PATH_MAX];
	struct store_run_summary sum = {.benchmark = "a", .n = 3, .mean = 0.002, .median = 0.002,
					.min = 0.001, .max = 0.003, .stddev = 0.001};
	struct store_summarize run = {.sums = &sum, .nsums = 1};
	struct store_retain_report rep = {.started_ns = 5, .summarized = 1, .bytes = 7}, back;
	struct store_run_summary got = {0};
	struct store_retain_run *runs;
	int64_t id, samples = -1, nruns, nsamples, seq0, seq1;
	int seen = 0;
	size_t n;
	bool gone;
	struct store *s;
	(void)state;
	assert_int_equal(test_tmpdir_make(dir, sizeof(dir), "retention"), 0);
	assert_int_equal(test_store_location(location, sizeof(location), dir), 0);
	s = store_with_run(location, &id, 3);
	run.run_id = id;
	/* Summaries of other iterations than the store holds: nothing written. */
	sum.n = 2;
	assert_int_equal(store_runs_summarize(s, &samples, &run, 1), STORE_ERROR);
	assert_int_equal(store_samples_of_runs(s, &id, 1, NULL, NULL, count_sample, &seen), STORE_OK);
	assert_int_equal(seen, 3);
	assert_int_equal(store_runs_summarized(s, &gone, &id, 1), STORE_OK);
	assert_false(gone);
	/* As many as there are: summarized, its iterations gone, its sums kept. */
	sum.n = 3;
	assert_int_equal(store_results_seq(s, &seq0, NULL), STORE_OK);
	assert_int_equal(store_runs_summarize(s, &samples, &run, 1), STORE_OK);
	assert_int_equal(samples, 3);
	assert_int_equal(store_results_seq(s, &seq1, NULL), STORE_OK);
	assert_true(seq1 > seq0); /* the views see the change */
	seen = 0;
	assert_int_equal(store_samples_of_runs(s, &id, 1, NULL, NULL, count_sample, &seen), STORE_OK);
	assert_int_equal(seen, 0);
	assert_int_equal(store_runs_summarized(s, &gone, &id, 1), STORE_OK);
	assert_true(gone);
	assert_int_equal(store_summaries_of_runs(s, &id, 1, "a", read_summary, &got), STORE_OK);
	assert_int_equal(got.n, 3);
	assert_true(got.max == 0.003 && got.min == 0.001 && got.mean == 0.002);
	{
		/* Its only run summarized, the benchmark is still named (history/). */
		char **names = NULL;
		size_t nn = 0;
		assert_int_equal(store_benchmark_names(s, &names, &nn), STORE_OK);
		assert_int_equal(nn, 1);
		assert_string_equal(names[0], "a");
		store_names_free(names, nn);
	}
	/* Again: left as it is. */
	assert_int_equal(store_runs_summarize(s, &samples, &run, 1), STORE_OK);
	assert_int_equal(samples, 0);
	assert_int_equal(store_retain_totals(s, &nruns, &nsamples), STORE_OK);
	assert_int_equal(nruns, 1);
	assert_int_equal(nsamples, 3);
	assert_int_equal(store_retain_runs(s, &runs, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_true(runs[0].summarized && runs[0].state == RUN_DONE && !runs[0].excluded);
	free(runs);
	/* The report survives the handle. */
	assert_int_equal(store_retain_report_set(s, &rep), STORE_OK);
	store_free(s);
	assert_int_equal(store_open(&s, location, STORE_SYNC_NORMAL), STORE_OK);
	assert_int_equal(store_retain_report_get(s, &back), STORE_OK);
	assert_int_equal(back.started_ns, 5);
	assert_int_equal(back.summarized, 1);
	assert_int_equal(back.bytes, 7);
	assert_int_equal(back.finished_ns, 0);
	store_free(s);
	test_store_location_drop(location);
	test_tmpdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_summarize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
