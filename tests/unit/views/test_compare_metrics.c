/* compare/ over metrics besides wall time, against a store filled through
 * the store API: a throughput that drops is "worse" and one that rises
 * "better" (higher is better), a doubled peak memory "worse", by separate
 * runs and by an interleaved A/B job alike; a store whose runs recorded no
 * memory or CPU time shows no table of them; and wall time's verdicts and
 * figures are the very same bytes whether or not the runs have metrics.
 * Then the metrics' other consumers: a throughput floor of "slo", and the
 * exports (Bencher's measures, github-action-benchmark's two directions). */
#include <errno.h>
#include <json-c/json.h>
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
#include "tests/unit/views/views_fixture.h"
#include "views/compare.h"
#include "views/export.h"
#include "views/sides.h"
#include "views/slo.h"

#define ITERATIONS 20
#define MIB (1024.0 * 1024.0)

struct fixture {
	struct vfix *f;      /* runs with metrics */
	struct vfix *plain;  /* the same runs' wall times only */
	char c1[41], c2[41], c3[41], c4[41];
};

static unsigned long long seed;

/* Uniform in [-0.5, 0.5): a repeatable jitter. */
static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

static const struct store_metric_def throughput = {
	.name = "throughput", .unit = "MiB/s", .higher_is_better = true};

/* One benchmark's iterations of a run: wall time around wall, peak RSS
 * around rss and a throughput around tput (with metrics only), each within
 * +-0.5%. */
static void iterations(struct vfix *f, int64_t run, const char *bench, double wall, double rss,
		       double tput, bool metrics)
{
	struct store_iteration its[ITERATIONS];
	struct store_metric_sample ms[ITERATIONS];
	for (int i = 0; i < ITERATIONS; i++) {
		double w = wall * (1 + 0.01 * jitter()), r = rss * (1 + 0.01 * jitter());
		double t = tput * (1 + 0.01 * jitter());
		its[i] = (struct store_iteration){.benchmark = bench,
						  .iteration = i + 1,
						  .wall_ns = (int64_t)(w * 1e9 + 0.5)};
		if (metrics) {
			its[i].user_ns = (int64_t)(w * 0.9e9);
			its[i].sys_ns = (int64_t)(w * 0.05e9);
			its[i].maxrss_bytes = (int64_t)r;
		}
		ms[i] = (struct store_metric_sample){
			.benchmark = bench, .metric = "throughput", .iteration = i + 1, .value = t};
	}
	assert_int_equal(store_iterations_add(f->store, run, its, ITERATIONS), STORE_OK);
	if (metrics)
		assert_int_equal(store_metric_samples_add(f->store, run, &throughput, 1, ms,
							  ITERATIONS),
				 STORE_OK);
}

/* A run's two benchmarks: "down" loses a fifth of its throughput and
 * doubles its memory on the second side, "up" gains a fifth; their wall
 * times do not move. */
static void side_run(struct vfix *f, int64_t run, bool second, double factor, bool metrics)
{
	iterations(f, run, "down", 0.10 * factor, (second ? 128 : 64) * MIB,
		   (second ? 80 : 100) * factor, metrics);
	iterations(f, run, "up", 0.05 * factor, 32 * MIB, (second ? 120 : 100) * factor, metrics);
}

/* A run finished done with a result.json the exports read (figures of
 * wall time; the metrics come from the store). */
static void done(struct vfix *f, int64_t run)
{
	static const char result[] =
		"{\"results\": ["
		"{\"name\": \"down\", \"mean\": 0.1, \"stddev\": 0.001, \"median\": 0.1,"
		" \"user\": 0.09, \"system\": 0.005, \"min\": 0.099, \"max\": 0.101,"
		" \"times\": [0.1, 0.1]},"
		"{\"name\": \"up\", \"mean\": 0.05, \"stddev\": 0.001, \"median\": 0.05,"
		" \"user\": 0.045, \"system\": 0.002, \"min\": 0.049, \"max\": 0.051,"
		" \"times\": [0.05, 0.05]}]}";
	assert_int_equal(store_run_finish(f->store, run, RUN_DONE, "", result), STORE_OK);
}

/* c1 and c2: three separate runs each; c3 and c4: one A/B job. */
static struct vfix *build(struct fixture *x, bool metrics)
{
	const double run_factor[3] = {1.0, 1.01, 0.99};
	struct vfix *f = vfix_new(metrics ? "cmpmetrics" : "cmpplain");
	int64_t ids[2];
	seed = 42;
	vfix_commit(f, x->c1, "c1");
	vfix_commit(f, x->c2, "c2");
	vfix_commit(f, x->c3, "c3");
	vfix_commit(f, x->c4, "c4");
	for (int side = 0; side < 2; side++)
		for (int r = 0; r < 3; r++) {
			int64_t id = vfix_start(f, side ? x->c2 : x->c1);
			side_run(f, id, side, run_factor[r], metrics);
			done(f, id);
		}
	vfix_start_pair(f, ids, x->c3, x->c4);
	side_run(f, ids[0], false, 1, metrics);
	side_run(f, ids[1], true, 1, metrics);
	done(f, ids[0]);
	done(f, ids[1]);
	return f;
}

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->f = build(x, true);
	x->plain = build(x, false);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	vfix_free(x->f);
	vfix_free(x->plain);
	free(x);
	return 0;
}

static char *render(struct vfix *f, const char *a, const char *b, enum compare_format format)
{
	struct side_ref ra, rb;
	char *text = NULL;
	assert_int_equal(side_resolve(&ra, &f->ctx, a), 0);
	assert_int_equal(side_resolve(&rb, &f->ctx, b), 0);
	assert_int_equal(compare_render(&text, &f->ctx, a, &ra, b, &rb, format), 0);
	assert_non_null(text);
	return text;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;
	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static json_object *bench_of(json_object *root, const char *bench)
{
	json_object *list = member(root, "benchmarks");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *b = json_object_array_get_idx(list, i);
		if (strcmp(json_object_get_string(member(b, "name")), bench) == 0)
			return b;
	}
	fail_msg("no benchmark %s", bench);
	return NULL;
}

static const char *metric_verdict(json_object *root, const char *bench, const char *metric)
{
	json_object *m = member(member(bench_of(root, bench), "metrics"), metric);
	return json_object_get_string(member(m, "verdict"));
}

/* The verdict cell of bench's row in the Markdown table of metric. */
static void md_metric_verdict(char *out, size_t size, const char *md, const char *metric,
			      const char *bench)
{
	char head[128], key[64];
	const char *table, *row, *end, *cell;
	snprintf(head, sizeof(head), "\n### `%s` (", metric);
	assert_non_null(table = strstr(md, head));
	snprintf(key, sizeof(key), "\n| %s | ", bench);
	assert_non_null(row = strstr(table, key));
	row++;
	assert_non_null(end = strchr(row, '\n'));
	end -= 2; /* " |" */
	for (cell = end; cell > row && cell[-1] != '|'; cell--)
		;
	while (*cell == ' ')
		cell++;
	snprintf(out, size, "%.*s", (int)(end - cell), cell);
}

static void check_metrics(struct fixture *x, const char *a, const char *b, const char *method)
{
	char *md = render(x->f, a, b, COMPARE_MD), *js = render(x->f, a, b, COMPARE_JSON);
	json_object *root = json_tokener_parse(js), *families;
	char verdict[64];
	assert_non_null(root);
	assert_string_equal(json_object_get_string(member(root, "method")), method);
	/* Higher is better: a drop is worse, a rise better, never "slower". */
	assert_string_equal(metric_verdict(root, "down", "throughput"), "worse");
	assert_string_equal(metric_verdict(root, "up", "throughput"), "better");
	/* Lower is better: twice the memory is worse. */
	assert_string_equal(metric_verdict(root, "down", "memory"), "worse");
	assert_string_equal(json_object_get_string(member(
				    member(member(bench_of(root, "down"), "metrics"), "throughput"),
				    "unit")),
			    "MiB/s");
	/* cpu and memory first, then the declared ones by name. */
	families = member(root, "metrics");
	assert_int_equal(json_object_array_length(families), 3);
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(families, 0),
							  "name")),
			    "cpu");
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(families, 2),
							  "name")),
			    "throughput");
	assert_int_equal(json_object_get_int(member(member(json_object_array_get_idx(families, 2),
							   "verdicts"),
						    "worse")),
			 1);

	md_metric_verdict(verdict, sizeof(verdict), md, "throughput", "down");
	assert_string_equal(verdict, "worse");
	md_metric_verdict(verdict, sizeof(verdict), md, "throughput", "up");
	assert_string_equal(verdict, "better");
	md_metric_verdict(verdict, sizeof(verdict), md, "memory", "down");
	assert_string_equal(verdict, "worse");
	assert_non_null(strstr(md, "\n### `throughput` (MiB/s, higher is better): 1 worse, 1 better"));
	/* The headline names the declared metric that got worse, not memory. */
	assert_non_null(strstr(md, " Worse: `down` throughput -20."));
	assert_null(strstr(md, "` memory +"));
	/* Values in the metric's unit: bytes as MiB, the throughput as is. */
	assert_non_null(strstr(md, " MiB ± 0."));
	assert_non_null(strstr(md, " | 12"));
	assert_non_null(strstr(md, " MiB/s ± 0."));
	/* The tables come after wall time's, before the folded statistics. */
	assert_true(strstr(md, "\n## Metrics\n") > strstr(md, "| benchmark | change | interval"));
	assert_true(strstr(md, "\n## Metrics\n") < strstr(md, "<summary>Statistics"));
	json_object_put(root);
	free(md);
	free(js);
}

static void test_runs(void **state)
{
	struct fixture *x = *state;
	check_metrics(x, x->c1, x->c2, "runs");
}

static void test_paired(void **state)
{
	struct fixture *x = *state;
	check_metrics(x, x->c3, x->c4, "paired");
}

/* Everything but the metrics: wall time's rows, summary, noise model. */
static void drop_metrics(json_object *root)
{
	json_object *list = member(root, "benchmarks");
	json_object_object_del(root, "metrics");
	for (size_t i = 0; i < json_object_array_length(list); i++)
		json_object_object_del(json_object_array_get_idx(list, i), "metrics");
}

/* Adding metrics moves no wall time verdict, figure or correction: each
 * metric is a family of its own. */
static void test_wall_unchanged(void **state)
{
	struct fixture *x = *state;
	const char *pairs[2][2] = {{x->c1, x->c2}, {x->c3, x->c4}};
	for (int i = 0; i < 2; i++) {
		char *with = render(x->f, pairs[i][0], pairs[i][1], COMPARE_JSON);
		char *plain = render(x->plain, pairs[i][0], pairs[i][1], COMPARE_JSON);
		char *mdw = render(x->f, pairs[i][0], pairs[i][1], COMPARE_MD);
		char *mdp = render(x->plain, pairs[i][0], pairs[i][1], COMPARE_MD);
		json_object *a = json_tokener_parse(with), *b = json_tokener_parse(plain);
		char *cut, *worse, *end;
		assert_non_null(a);
		assert_non_null(b);
		drop_metrics(a);
		drop_metrics(b);
		assert_string_equal(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
				    json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
		/* The Markdown: the plain one's bytes with the metrics section
		 * added, and the headline's sentence naming the worse throughput. */
		assert_null(strstr(mdp, "## Metrics"));
		assert_non_null(worse = strstr(mdw, " Worse: `down` throughput "));
		assert_non_null(end = strstr(worse, ".\n\n"));
		memmove(worse, end + 1, strlen(end + 1) + 1);
		assert_non_null(cut = strstr(mdw, "## Metrics\n"));
		assert_memory_equal(mdw, mdp, (size_t)(cut - mdw));
		assert_non_null(strstr(mdp, strstr(cut, "<details><summary>Statistics")));
		json_object_put(a);
		json_object_put(b);
		free(with);
		free(plain);
		free(mdw);
		free(mdp);
	}
}

static struct config *config_of(const char *json)
{
	struct config *c = NULL;
	char err[512];
	if (config_parse(&c, json, err, sizeof(err)))
		fail_msg("config: %s", err);
	return c;
}

/* A throughput floor: c2's 80 MiB/s breaches 90, c1's 100 holds; a
 * ceiling of memory likewise. */
static void test_slo_floor(void **state)
{
	struct fixture *x = *state;
	struct config *c = config_of(
		"{\"benchmarks\": [{\"name\": \"down\", \"command\": \"true\", \"slo\": {\"metrics\":"
		" {\"throughput\": {\"min\": 90}, \"memory\": {\"max\": 100000000}}}}]}");
	struct slo_result *r = NULL;
	size_t n = 0;
	char *text;
	assert_int_equal(slo_evaluate(&r, &n, &x->f->ctx, c, x->c2), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].kind, SLO_MIN);
	assert_string_equal(r[0].metric, "throughput");
	assert_int_equal(r[0].verdict, SLO_BREACHED);
	assert_int_equal(r[1].kind, SLO_MAX);
	assert_int_equal(r[1].verdict, SLO_BREACHED);
	assert_non_null(text = slo_results_text(r, n));
	assert_non_null(strstr(text, "down:throughput\tmin\t90 MiB/s mean\t"));
	free(text);
	slo_results_free(r, n);
	assert_int_equal(slo_evaluate(&r, &n, &x->f->ctx, c, x->c1), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].verdict, SLO_HOLDS);
	assert_int_equal(r[1].verdict, SLO_HOLDS);
	slo_results_free(r, n);
	/* The bounds read back from the normalised configuration. */
	assert_non_null(text = config_to_json(c));
	assert_non_null(strstr(text, "\"metrics\": {"));
	config_free(c);
	c = config_of(text);
	free(text);
	assert_int_equal(c->benchmarks[0].slo.nmetrics, 2);
	config_free(c);
}

static char *export_of(struct fixture *x, const char *what, enum export_format format)
{
	char *text = NULL, err[256];
	size_t len;
	assert_int_equal(export_render(&text, &len, &x->f->ctx, what, format, err, sizeof(err)), 0);
	return text;
}

/* Each metric exported in its unit: a Bencher measure per metric, and
 * github-action-benchmark's two directions in two files. */
static void test_exports(void **state)
{
	struct fixture *x = *state;
	char *bmf = export_of(x, x->c2, EXPORT_BMF), *gab = export_of(x, x->c2, EXPORT_GAB);
	char *bigger = export_of(x, x->c2, EXPORT_GAB_BIGGER);
	json_object *b = json_tokener_parse(bmf), *g = json_tokener_parse(gab);
	json_object *up = json_tokener_parse(bigger);
	double v;
	assert_non_null(b);
	v = json_object_get_double(member(member(member(b, "down"), "throughput"), "value"));
	assert_true(v > 75 && v < 85);
	v = json_object_get_double(member(member(member(b, "down"), "memory"), "value"));
	assert_true(v > 120 * MIB && v < 136 * MIB);
	assert_non_null(member(member(b, "down"), "latency"));
	assert_non_null(member(member(b, "down"), "cpu"));
	/* smaller is better: wall time, cpu, memory; bigger: the throughput. */
	assert_non_null(strstr(gab, "\"name\": \"down (memory)\",\n    \"unit\": \"bytes\""));
	assert_null(strstr(gab, "throughput"));
	assert_int_equal(json_object_array_length(up), 2);
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(up, 0), "name")),
			    "down (throughput)");
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(up, 0), "unit")),
			    "MiB/s");
	assert_non_null(g);
	json_object_put(b);
	json_object_put(g);
	json_object_put(up);
	free(bmf);
	free(gab);
	free(bigger);
}

/* Runs recorded without memory or CPU time (imported, or planted as here)
 * have no such table, and no metric at all means no Metrics section. */
static void test_unmeasured(void **state)
{
	struct fixture *x = *state;
	char *md = render(x->plain, x->c1, x->c2, COMPARE_MD);
	char *js = render(x->plain, x->c1, x->c2, COMPARE_JSON);
	assert_null(strstr(md, "### `cpu`"));
	assert_null(strstr(md, "## Metrics"));
	assert_non_null(strstr(js, "\"metrics\": [\n  ]"));
	free(md);
	free(js);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_paired),
		cmocka_unit_test(test_wall_unchanged),
		cmocka_unit_test(test_slo_floor),
		cmocka_unit_test(test_exports),
		cmocka_unit_test(test_unmeasured),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("compare_metrics", tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
