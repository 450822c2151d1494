/* result.json's "metrics": each declared metric with its unit, direction,
 * values and statistics, hyperfine's fields unchanged beside it, and the
 * store's packing still giving the text back byte for byte. */
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/result.h"
#include "store/result_pack.h"

#define NITS 4

struct fixture {
	char *argv[2];
	struct bench_config bench;
	struct store_iteration its[NITS];
	double tp[NITS], lat[1];
	int tp_its[NITS], lat_its[1];
	struct result_metric metrics[3];
	struct result_bench rb;
	struct result_input in;
};

static void fixture_init(struct fixture *f, size_t nmetrics)
{
	memset(f, 0, sizeof(*f));
	f->argv[0] = "true";
	f->bench = (struct bench_config){ .name = "copy", .base_name = "copy", .argv = f->argv,
					  .runs = NITS, .min_runs = NITS, .max_runs = NITS };
	for (int i = 0; i < NITS; i++) {
		f->its[i] = (struct store_iteration){ .benchmark = "copy", .iteration = i + 1,
						      .wall_ns = 1000000 + 1000 * i, .user_ns = 500,
						      .maxrss_bytes = 4096 };
		f->tp[i] = 100.25 + i;
		f->tp_its[i] = i + 1;
	}
	f->lat[0] = 0.0015;
	f->lat_its[0] = 2;
	f->metrics[0] = (struct result_metric){ .def = { "throughput", "MiB/s", true },
						.values = f->tp, .iterations = f->tp_its, .n = NITS };
	f->metrics[1] = (struct result_metric){ .def = { "latency_p99", "s", false },
						.values = f->lat, .iterations = f->lat_its, .n = 1 };
	f->metrics[2] = (struct result_metric){ .def = { "errors", "count", false } };
	f->rb = (struct result_bench){ .bench = &f->bench, .iterations = f->its, .n = NITS,
				       .metrics = nmetrics ? f->metrics : NULL, .nmetrics = nmetrics };
	f->in = (struct result_input){ .run_id = 7, .commit = "0123456789abcdef0123456789abcdef01234567",
				       .revision = "main", .benches = &f->rb, .nbenches = 1 };
}

static json_object *entry_of(json_object *root)
{
	json_object *results;

	assert_true(json_object_object_get_ex(root, "results", &results));
	return json_object_array_get_idx(results, 0);
}

static double num(json_object *o, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	assert_true(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int));
	return json_object_get_double(v);
}

static void test_metrics_rendered(void **state)
{
	struct fixture f;
	char err[256] = "", *text;
	json_object *root, *metrics, *m, *v;

	(void)state;
	fixture_init(&f, 3);
	text = result_render(&f.in, err, sizeof(err));
	assert_non_null(text);
	root = json_tokener_parse(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(entry_of(root), "metrics", &metrics));
	assert_int_equal(json_object_object_length(metrics), 3);
	assert_true(json_object_object_get_ex(metrics, "throughput", &m));
	assert_true(json_object_object_get_ex(m, "unit", &v));
	assert_string_equal(json_object_get_string(v), "MiB/s");
	assert_true(json_object_object_get_ex(m, "better", &v));
	assert_string_equal(json_object_get_string(v), "higher");
	assert_true(json_object_object_get_ex(m, "values", &v));
	assert_int_equal(json_object_array_length(v), NITS);
	assert_true(json_object_get_double(json_object_array_get_idx(v, 3)) == 103.25);
	assert_true(num(m, "mean") == 101.75);
	assert_true(num(m, "median") == 101.75);
	assert_true(num(m, "min") == 100.25 && num(m, "max") == 103.25);
	assert_true(num(m, "stddev") > 1.29 && num(m, "stddev") < 1.30);
	/* One value: no spread, as hyperfine's stddev for one run. */
	assert_true(json_object_object_get_ex(metrics, "latency_p99", &m));
	assert_true(json_object_object_get_ex(m, "better", &v));
	assert_string_equal(json_object_get_string(v), "lower");
	assert_true(num(m, "mean") == 0.0015);
	assert_true(json_object_object_get_ex(m, "stddev", &v));
	assert_null(v);
	/* None at all: nulls, not a failure. */
	assert_true(json_object_object_get_ex(metrics, "errors", &m));
	assert_true(json_object_object_get_ex(m, "values", &v));
	assert_int_equal(json_object_array_length(v), 0);
	assert_true(json_object_object_get_ex(m, "mean", &v));
	assert_null(v);
	json_object_put(root);
	free(text);
}

/* Without metrics the text is what it was: no "metrics" key, and adding
 * them changes nothing else (hyperfine's fields stay as they are). */
static void test_no_metrics_no_key(void **state)
{
	struct fixture f;
	char err[256] = "", *plain, *with;
	json_object *a, *b;

	(void)state;
	fixture_init(&f, 0);
	plain = result_render(&f.in, err, sizeof(err));
	assert_non_null(plain);
	assert_null(strstr(plain, "\"metrics\""));
	fixture_init(&f, 2);
	with = result_render(&f.in, err, sizeof(err));
	assert_non_null(with);
	a = json_tokener_parse(plain);
	b = json_tokener_parse(with);
	json_object_object_del(entry_of(b), "metrics");
	assert_true(json_object_equal(a, b));
	json_object_put(a);
	json_object_put(b);
	free(plain);
	free(with);
}

static void test_packs_back(void **state)
{
	struct fixture f;
	struct result_pack_series series = { "copy", f.its, NITS };
	char err[256] = "", *text, *back = NULL;
	unsigned char *blob = NULL;
	size_t n = 0, len;

	(void)state;
	fixture_init(&f, 3);
	series.its = f.its;
	text = result_render(&f.in, err, sizeof(err));
	assert_non_null(text);
	len = strlen(text);
	assert_int_equal(result_pack(&blob, &n, text, len, &series, 1), 0);
	assert_int_equal(blob[0], 'P'); /* the times' arrays still cut out */
	assert_int_equal(result_unpack(&back, &n, blob, n, &series, 1), 0);
	assert_int_equal(n, len);
	assert_memory_equal(back, text, len);
	free(blob);
	free(back);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_rendered),
		cmocka_unit_test(test_no_metrics_no_key),
		cmocka_unit_test(test_packs_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
