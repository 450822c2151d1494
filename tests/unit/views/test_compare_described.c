/* compare/ and slo read a run's mean cpu and memory from what the keeper
 * described (run_stats), and only the other runs' from their samples: on a
 * history whose runs are partly described (the keeper's pass, then runs
 * that finished after it, and a run retention summarized since), each
 * run's log mean of cpu, memory and a declared metric is the very double
 * its samples give, and compare's Markdown and JSON and slo's results are
 * the very bytes a store with nothing described gives. And the described
 * means are what is read: a described mean changed behind the views' back
 * shows. */
#include <json-c/json.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "repo/repo.h"
#include "service/keeper.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/views/views_fixture.h"
#include "views/compare.h"
#include "views/history.h"
#include "views/sides.h"
#include "views/slo.h"

#define BENCHES 3
#define ITERATIONS 9
#define COMMITS 12

static const char *const bench_names[BENCHES] = {"alpha", "beta", "gamma"};
static const char *const metrics[] = {STORE_METRIC_CPU, STORE_METRIC_MEMORY, "throughput"};
static const struct store_metric_def throughput = {
	.name = "throughput", .unit = "ops/s", .higher_is_better = true};

struct world {
	struct vfix *f;
	unsigned long long seed;
	char commits[COMMITS + 1][41];
	int64_t pair[2];     /* the A/B job of the last two commits */
	int64_t late[2];     /* runs finished after the keeper's pass */
	int64_t summarized;  /* an early run retention summarized */
};

static double uniform(struct world *w)
{
	w->seed = w->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(w->seed >> 11) / 9007199254740992.0;
}

static void sql(struct world *w, const char *text)
{
	assert_int_equal(test_store_exec(w->f->location, text), 0);
}

/* One run's iterations of every benchmark: cpu with digits enough that a
 * plain sum and the keeper's compensated one may differ in the last bit;
 * gamma's memory not recorded (0) in every run; beta's throughput declared. */
static void measure(struct world *w, int64_t id, int commit)
{
	for (int b = 0; b < BENCHES; b++) {
		struct store_iteration its[ITERATIONS];
		struct store_metric_sample ms[ITERATIONS];
		double level = 0.01 * (b + 1) * (commit >= COMMITS - 1 && b == 0 ? 1.2 : 1);
		for (int k = 0; k < ITERATIONS; k++) {
			double v = level * (1 + 0.02 * (uniform(w) - 0.5));
			its[k] = (struct store_iteration){
				.benchmark = bench_names[b],
				.iteration = k + 1,
				.wall_ns = (int64_t)(v * 1e9 + 0.5),
				.user_ns = (int64_t)(v * 0.8e9 * (1 + 0.1 * uniform(w))),
				.sys_ns = (int64_t)(v * 0.1e9 * uniform(w)),
				.maxrss_bytes = b == 2 ? 0 : (int64_t)((24 + b) << 20) + 4096 * (k % 3)};
			ms[k] = (struct store_metric_sample){.benchmark = bench_names[b],
							     .metric = "throughput",
							     .iteration = k + 1,
							     .value = 1000 / v};
		}
		assert_int_equal(store_iterations_add(w->f->store, id, its, ITERATIONS), STORE_OK);
		if (b == 1)
			assert_int_equal(store_metric_samples_add(w->f->store, id, &throughput, 1,
								  ms, ITERATIONS),
					 STORE_OK);
	}
}

static int64_t add_run(struct world *w, int commit)
{
	int64_t id = vfix_start(w->f, w->commits[commit]);
	measure(w, id, commit);
	vfix_done(w->f, id);
	return id;
}

/* Retention's collapse of a run: its iterations go (the summaries' figures
 * do not matter here, their counts must match). */
static void summarize(struct world *w, int64_t id)
{
	struct store_run_summary sums[BENCHES];
	struct store_summarize s = {.run_id = id, .sums = sums, .nsums = BENCHES};
	int64_t deleted = 0;
	for (int b = 0; b < BENCHES; b++)
		sums[b] = (struct store_run_summary){
			.benchmark = bench_names[b], .n = ITERATIONS, .mean = 0.01};
	assert_int_equal(store_runs_summarize(w->f->store, &deleted, &s, 1), STORE_OK);
	assert_int_equal(deleted, BENCHES * ITERATIONS);
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	char tip[41];
	assert_non_null(w);
	w->f = vfix_new("cmpdescribed");
	w->seed = 7;
	for (int i = 0; i < COMMITS; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "c%d", i);
		vfix_commit(w->f, w->commits[i], msg);
	}
	/* Every commit but the last two measured, some twice; those two by an
	 * A/B job. */
	for (int i = 0; i < COMMITS - 2; i++) {
		add_run(w, i);
		if (i % 3 == 1)
			add_run(w, i);
	}
	vfix_start_pair(w->f, w->pair, w->commits[COMMITS - 2], w->commits[COMMITS - 1]);
	measure(w, w->pair[0], COMMITS - 2);
	measure(w, w->pair[1], COMMITS - 1);
	vfix_done(w->f, w->pair[0]);
	vfix_done(w->f, w->pair[1]);
	/* The keeper's pass describes every run so far. */
	assert_int_equal(history_tip(tip, &w->f->ctx), 0);
	assert_int_equal(keeper_pass(&w->f->ctx, tip), 0);
	/* Then: runs that finished after it, and an early run summarized. */
	w->late[0] = add_run(w, COMMITS - 1);
	vfix_commit(w->f, w->commits[COMMITS], "late");
	w->late[1] = add_run(w, COMMITS);
	w->summarized = 1;
	summarize(w, w->summarized);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	vfix_free(w->f);
	free(w);
	return 0;
}

static int64_t count(struct world *w, const char *text)
{
	int64_t v = -1;
	assert_int_equal(test_store_int64(&v, w->f->location, text), 0);
	return v;
}

static char *render(struct world *w, const char *a, const char *b, enum compare_format format)
{
	struct side_ref ra, rb;
	char *text = NULL;
	assert_int_equal(side_resolve(&ra, &w->f->ctx, a), 0);
	assert_int_equal(side_resolve(&rb, &w->f->ctx, b), 0);
	assert_int_equal(compare_render(&text, &w->f->ctx, a, &ra, b, &rb, format), 0);
	assert_non_null(text);
	return text;
}

static struct config *config_of(const char *json)
{
	struct config *c = NULL;
	char err[512];
	if (config_parse(&c, json, err, sizeof(err)))
		fail_msg("config: %s", err);
	return c;
}

/* Every reading the test compares, concatenated: compare's Markdown and
 * JSON of separate runs (two commits, a run against a commit), of the A/B
 * job, and slo's results with a cpu ceiling and a throughput floor. */
static char *readings(struct world *w)
{
	char names[4][2][64], *out = NULL, *text;
	size_t len = 0;
	FILE *all = open_memstream(&out, &len);
	struct config *c = config_of(
		"{\"benchmarks\": [{\"name\": \"beta\", \"command\": \"true\", \"slo\": {\"metrics\":"
		" {\"throughput\": {\"min\": 40000}, \"cpu\": {\"max\": 0.03}}}}]}");
	struct slo_result *r = NULL;
	size_t n = 0;
	assert_non_null(all);
	snprintf(names[0][0], 64, "%s", w->commits[2]);
	snprintf(names[0][1], 64, "%s", w->commits[COMMITS]);
	snprintf(names[1][0], 64, "%s", w->commits[4]);
	snprintf(names[1][1], 64, "run-%lld", (long long)w->late[0]);
	snprintf(names[2][0], 64, "%s", w->commits[COMMITS - 2]);
	snprintf(names[2][1], 64, "%s", w->commits[COMMITS - 1]);
	snprintf(names[3][0], 64, "%s", w->commits[1]);
	snprintf(names[3][1], 64, "%s", w->commits[7]);
	for (int i = 0; i < 4; i++)
		for (int format = 0; format < 2; format++) {
			text = render(w, names[i][0], names[i][1], format ? COMPARE_JSON : COMPARE_MD);
			fprintf(all, "--- %s..%s\n%s\n", names[i][0], names[i][1], text);
			free(text);
		}
	assert_int_equal(slo_evaluate(&r, &n, &w->f->ctx, c, w->commits[COMMITS]), 0);
	assert_true(n >= 2);
	assert_non_null(text = slo_results_text(r, n));
	fprintf(all, "--- slo\n%s", text);
	free(text);
	slo_results_free(r, n);
	config_free(c);
	assert_int_equal(fclose(all), 0);
	return out;
}

/* Every run's log mean of each metric, as one set per metric. */
static void load_means(struct world *w, struct run_values out[3])
{
	int64_t ids[64];
	size_t n = 0;
	for (int64_t id = 1; id <= w->late[1]; id++)
		ids[n++] = id;
	for (int m = 0; m < 3; m++)
		assert_int_equal(run_values_load_metric_log_means(&out[m], &w->f->ctx, ids, n,
								  metrics[m]),
				 0);
}

/* The means read now (runs partly described) are the very doubles the
 * samples give, for every run and benchmark. */
static void test_means_bit_for_bit(void **state)
{
	struct world *w = *state;
	struct run_values now[3], scratch[3];
	/* The keeper described every run but the late ones and the summarized. */
	assert_int_equal(count(w, "SELECT count(*) FROM described"), w->late[0] - 1);
	load_means(w, now);
	sql(w, "DELETE FROM described");
	load_means(w, scratch);
	for (int m = 0; m < 3; m++) {
		/* gamma recorded no memory: no log mean in any run. */
		assert_int_equal(now[m].n, m == 1 ? BENCHES - 1 : m == 2 ? 1 : BENCHES);
		assert_int_equal(now[m].n, scratch[m].n);
		for (size_t b = 0; b < now[m].n; b++) {
			const struct run_value_bench *x = &now[m].benches[b], *y = &scratch[m].benches[b];
			assert_string_equal(x->name, y->name);
			/* Every run but the summarized one, whose iterations are
			 * gone (a declared metric's values stay). */
			assert_int_equal(x->n, w->late[1] - (m < 2));
			assert_int_equal(x->n, y->n);
			for (size_t i = 0; i < x->n; i++) {
				assert_int_equal(x->runs[i], y->runs[i]);
				assert_true(m == 2 || x->runs[i] != w->summarized);
				assert_memory_equal(&x->values[i], &y->values[i], sizeof(double));
				assert_true(isfinite(x->values[i]));
			}
		}
		run_values_clear(&now[m]);
		run_values_clear(&scratch[m]);
	}
}

/* compare's and slo's bytes: the same partly described and from scratch;
 * a described mean changed shows, so it is what was read. */
static void test_readings(void **state)
{
	struct world *w = *state;
	char tip[41], text[128], *described, *scratch, *changed;
	/* Described again (but the summarized run), as the keeper's next pass
	 * leaves it; then the late runs not described. */
	assert_int_equal(history_tip(tip, &w->f->ctx), 0);
	assert_int_equal(keeper_pass(&w->f->ctx, tip), 0);
	snprintf(text, sizeof(text), "DELETE FROM described WHERE run_id >= %lld",
		 (long long)w->late[0]);
	sql(w, text);
	assert_int_equal(count(w, "SELECT count(*) FROM described"), w->late[1] - 3);
	described = readings(w);
	sql(w, "DELETE FROM described");
	scratch = readings(w);
	assert_string_equal(described, scratch);
	/* Every other run's cpu means changed: the history's noise moves. */
	assert_int_equal(keeper_pass(&w->f->ctx, tip), 0);
	sql(w, "UPDATE run_stats SET mean = mean * 1.5 WHERE benchmark LIKE '%:cpu'"
	       " AND run_id % 2 = 0");
	changed = readings(w);
	assert_string_not_equal(changed, scratch);
	free(described);
	free(scratch);
	free(changed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_means_bit_for_bit),
		cmocka_unit_test(test_readings),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
