/* Unit tests for runner/result.h: result.json in hyperfine's export format
 * plus benchfs's fields, checked by parsing the output with json-c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "runner/result.h"
#include "util/runid.h"

#define COMMIT "0123456789abcdef0123456789abcdef01234567"
#define HOST "{\"hostname\":\"box\",\"cpu\":{\"model\":\"Test CPU\",\"cores\":8},\"kernel\":\"6.1\"}"
#define EPS 1.5e-9 /* output has nanosecond resolution */

static char *argv_sort[] = {"./sort", "-n", "x y", "it's", NULL};

/* ---- helpers ---- */

static json_object *get(json_object *obj, const char *key, enum json_type type)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		fail_msg("key \"%s\" is missing", key);
	if (!json_object_is_type(v, type))
		fail_msg("key \"%s\" has type %s, wanted %s", key,
			 json_type_to_name(json_object_get_type(v)), json_type_to_name(type));
	return v;
}

static void assert_seconds(json_object *obj, const char *key, double want)
{
	json_object *v = get(obj, key, json_type_double);
	double got = json_object_get_double(v);
	if (fabs(got - want) > EPS)
		fail_msg("\"%s\" is %.12f, wanted %.12f", key, got, want);
}

static void assert_string_key(json_object *obj, const char *key, const char *want)
{
	assert_string_equal(json_object_get_string(get(obj, key, json_type_string)), want);
}

static void assert_int_key(json_object *obj, const char *key, int64_t want)
{
	assert_int_equal(json_object_get_int64(get(obj, key, json_type_int)), want);
}

static json_object *parse(const char *text)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root;
	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (!root || json_tokener_get_error(tok) != json_tokener_success)
		fail_msg("result is not JSON: %s", text);
	/* the whole text is the one document (json-c may or may not consume the final newline) */
	assert_true(strspn(text + json_tokener_get_parse_end(tok), "\n") ==
		    strlen(text) - json_tokener_get_parse_end(tok));
	json_tokener_free(tok);
	return root;
}

static char *render(const struct result_input *in)
{
	char err[256] = "";
	char *text = result_render(in, err, sizeof(err));
	if (!text)
		fail_msg("result_render failed: %s", err);
	return text;
}

static double mean_of(const double *x, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_of(const double *x, size_t n)
{
	double *s = malloc(n * sizeof(*s)), m;
	assert_non_null(s);
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

static double stddev_of(const double *x, size_t n)
{
	double m = mean_of(x, n), q = 0;
	for (size_t i = 0; i < n; i++)
		q += (x[i] - m) * (x[i] - m);
	return sqrt(q / (double)(n - 1));
}

/* ---- a two-benchmark fixture ---- */

#define N_A 5
#define N_B 20
#define OUTLIER_AT 13

struct fixture {
	struct bench_config bench_a, bench_b;
	struct store_iteration it_a[N_A], it_b[N_B];
	struct result_bench benches[2];
	struct result_input in;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->bench_a = (struct bench_config){.name = "sort", .argv = argv_sort, .warmup = 2, .runs = N_A,
					   .timeout = 10};
	f->bench_b = (struct bench_config){.name = "grep.big", .shell = "grep -c x < big.txt | wc -l",
					   .warmup = 0, .runs = N_B, .timeout = 10};
	/* sort: 5 hand-made iterations */
	static const int64_t wall_a[N_A] = {120000000, 100000000, 110000000, 130000001, 105000000};
	for (int i = 0; i < N_A; i++)
		f->it_a[i] = (struct store_iteration){
			.benchmark = "sort",
			.iteration = i + 1,
			.wall_ns = wall_a[i],
			.user_ns = 80000000 + i * 1000000,
			.sys_ns = 10000000 + i * 500000,
			.maxrss_bytes = (int64_t)(4 + i) << 20,
			.exit_code = i == 3 ? 2 : 0,
		};
	/* grep.big: 20 values around 50 ms and one gross outlier */
	for (int i = 0; i < N_B; i++)
		f->it_b[i] = (struct store_iteration){
			.benchmark = "grep.big",
			.iteration = i + 1,
			.wall_ns = i == OUTLIER_AT ? 5000000000 : 50000000 + (i % 5) * 100000,
			.user_ns = 40000000,
			.sys_ns = 2000000 + i,
			.maxrss_bytes = 1 << 20,
			.exit_code = 0,
		};
	f->benches[0] = (struct result_bench){.bench = &f->bench_a, .iterations = f->it_a, .n = N_A};
	f->benches[1] = (struct result_bench){.bench = &f->bench_b, .iterations = f->it_b, .n = N_B};
	f->in = (struct result_input){
		.run_id = 7,
		.commit = COMMIT,
		.revision = "main",
		.host_json = HOST,
		.benches = f->benches,
		.nbenches = 2,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void walls_of(double *out, const struct store_iteration *it, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (double)it[i].wall_ns / 1e9;
}

/* ---- tests ---- */

static void test_top_level(void **state)
{
	struct fixture *f = *state;
	char *text = render(&f->in);
	json_object *root = parse(text), *results, *info, *host;
	int keys = 0;
	results = get(root, "results", json_type_array);
	assert_int_equal(json_object_array_length(results), 2);
	info = get(root, "benchfs", json_type_object);
	assert_string_key(info, "run", "000007");
	assert_string_key(info, "commit", COMMIT);
	assert_string_key(info, "revision", "main");
	host = get(info, "host", json_type_object);
	assert_string_key(host, "hostname", "box");
	assert_string_key(get(host, "cpu", json_type_object), "model", "Test CPU");
	assert_int_key(get(host, "cpu", json_type_object), "cores", 8);
	assert_string_key(host, "kernel", "6.1");
	json_object_object_foreach(root, key, value) {
		(void)key;
		(void)value;
		keys++;
	}
	assert_int_equal(keys, 2);
	json_object_put(root);
	free(text);
}

static void test_ends_with_newline(void **state)
{
	struct fixture *f = *state;
	char *text = render(&f->in);
	size_t len = strlen(text);
	assert_true(len > 2);
	assert_int_equal(text[len - 1], '\n');
	assert_true(text[len - 2] != '\n');
	assert_int_equal(text[0], '{');
	free(text);
}

static void test_deterministic(void **state)
{
	struct fixture *f = *state;
	char *a = render(&f->in), *b = render(&f->in);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_hyperfine_fields(void **state)
{
	struct fixture *f = *state;
	char *text = render(&f->in);
	json_object *root = parse(text), *r, *times, *mem, *codes;
	double wall[N_A], user[N_A], sys[N_A];
	walls_of(wall, f->it_a, N_A);
	for (int i = 0; i < N_A; i++) {
		user[i] = (double)f->it_a[i].user_ns / 1e9;
		sys[i] = (double)f->it_a[i].sys_ns / 1e9;
	}
	r = json_object_array_get_idx(get(root, "results", json_type_array), 0);
	assert_true(json_object_is_type(r, json_type_object));
	assert_string_key(r, "command", "./sort -n 'x y' 'it'\\''s'");
	assert_seconds(r, "mean", mean_of(wall, N_A));
	assert_seconds(r, "stddev", stddev_of(wall, N_A));
	assert_seconds(r, "median", 0.110000000);
	assert_seconds(r, "median", median_of(wall, N_A));
	assert_seconds(r, "min", 0.100000000);
	assert_seconds(r, "max", 0.130000001);
	assert_seconds(r, "user", mean_of(user, N_A));
	assert_seconds(r, "system", mean_of(sys, N_A));

	times = get(r, "times", json_type_array);
	assert_int_equal(json_object_array_length(times), N_A);
	for (int i = 0; i < N_A; i++) {
		json_object *t = json_object_array_get_idx(times, i);
		assert_true(json_object_is_type(t, json_type_double));
		assert_true(fabs(json_object_get_double(t) - wall[i]) <= EPS);
	}
	mem = get(r, "memory_usage_byte", json_type_array);
	codes = get(r, "exit_codes", json_type_array);
	assert_int_equal(json_object_array_length(mem), N_A);
	assert_int_equal(json_object_array_length(codes), N_A);
	for (int i = 0; i < N_A; i++) {
		json_object *m = json_object_array_get_idx(mem, i), *c = json_object_array_get_idx(codes, i);
		assert_true(json_object_is_type(m, json_type_int));
		assert_true(json_object_is_type(c, json_type_int));
		assert_int_equal(json_object_get_int64(m), (int64_t)(4 + i) << 20);
		assert_int_equal(json_object_get_int(c), i == 3 ? 2 : 0);
	}
	/* nanosecond resolution is written as such, not as 0.13000000099999999 */
	assert_non_null(strstr(text, "0.130000001"));
	assert_null(strstr(text, "0.1300000009"));
	json_object_put(root);
	free(text);
}

static void test_hyperfine_field_order(void **state)
{
	static const char *const order[] = {"command", "mean", "stddev", "median", "user", "system",
					    "min", "max", "times", "memory_usage_byte", "exit_codes"};
	struct fixture *f = *state;
	char *text = render(&f->in);
	json_object *root = parse(text);
	json_object *r = json_object_array_get_idx(get(root, "results", json_type_array), 0);
	size_t i = 0;
	json_object_object_foreach(r, key, value) {
		(void)value;
		if (i < sizeof(order) / sizeof(order[0]))
			assert_string_equal(key, order[i]);
		i++;
	}
	assert_true(i > sizeof(order) / sizeof(order[0]));
	json_object_put(root);
	free(text);
}

static void test_benchfs_fields(void **state)
{
	struct fixture *f = *state;
	char *text = render(&f->in);
	json_object *root = parse(text), *results = get(root, "results", json_type_array);
	json_object *a = json_object_array_get_idx(results, 0), *b = json_object_array_get_idx(results, 1);
	json_object *ut, *st, *outl;

	assert_string_key(a, "name", "sort");
	assert_string_key(a, "commit", COMMIT);
	assert_string_key(a, "run", "000007");
	assert_int_key(a, "runs", N_A);
	assert_int_key(a, "warmup", 2);
	ut = get(a, "user_times", json_type_array);
	st = get(a, "system_times", json_type_array);
	assert_int_equal(json_object_array_length(ut), N_A);
	assert_int_equal(json_object_array_length(st), N_A);
	for (int i = 0; i < N_A; i++) {
		assert_true(fabs(json_object_get_double(json_object_array_get_idx(ut, i)) -
				 (double)f->it_a[i].user_ns / 1e9) <= EPS);
		assert_true(fabs(json_object_get_double(json_object_array_get_idx(st, i)) -
				 (double)f->it_a[i].sys_ns / 1e9) <= EPS);
	}
	outl = get(a, "outliers", json_type_object);
	assert_int_key(outl, "count", 0);
	assert_int_equal(json_object_array_length(get(outl, "indices", json_type_array)), 0);
	assert_true(json_object_get_double(get(outl, "threshold", json_type_double)) == 14.826);
	assert_non_null(strstr(json_object_get_string(get(outl, "method", json_type_string)), "MAD"));

	/* the shell command is shown verbatim */
	assert_string_key(b, "command", "grep -c x < big.txt | wc -l");
	assert_string_key(b, "name", "grep.big");
	assert_string_key(b, "run", "000007");
	assert_int_key(b, "runs", N_B);
	assert_int_key(b, "warmup", 0);
	json_object_put(root);
	free(text);
}

static void test_outlier_flagged(void **state)
{
	struct fixture *f = *state;
	char *text = render(&f->in);
	json_object *root = parse(text);
	json_object *b = json_object_array_get_idx(get(root, "results", json_type_array), 1);
	json_object *outl = get(b, "outliers", json_type_object), *idx;
	double wall[N_B];
	walls_of(wall, f->it_b, N_B);
	assert_int_key(outl, "count", 1);
	idx = get(outl, "indices", json_type_array);
	assert_int_equal(json_object_array_length(idx), 1);
	assert_true(json_object_is_type(json_object_array_get_idx(idx, 0), json_type_int));
	assert_int_equal(json_object_get_int(json_object_array_get_idx(idx, 0)), OUTLIER_AT);
	/* reported, not removed: every statistic still includes it */
	assert_int_equal(json_object_array_length(get(b, "times", json_type_array)), N_B);
	assert_seconds(b, "max", 5.0);
	assert_seconds(b, "mean", mean_of(wall, N_B));
	assert_seconds(b, "median", median_of(wall, N_B));
	assert_seconds(b, "stddev", stddev_of(wall, N_B));
	json_object_put(root);
	free(text);
}

static void test_two_outliers_indices_ascending(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root, *b, *idx;
	f->it_b[2].wall_ns = 9000000000;
	f->it_b[17].wall_ns = 1000; /* far below as well */
	text = render(&f->in);
	root = parse(text);
	b = json_object_array_get_idx(get(root, "results", json_type_array), 1);
	idx = get(get(b, "outliers", json_type_object), "indices", json_type_array);
	assert_int_equal(json_object_array_length(idx), 3);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(idx, 0)), 2);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(idx, 1)), OUTLIER_AT);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(idx, 2)), 17);
	assert_int_key(get(b, "outliers", json_type_object), "count", 3);
	json_object_put(root);
	free(text);
}

/* ---- parameters, offsets, shell, pairs, counts ---- */

/* Without parameters, shell, offsets, pair or count: the fields say so. */
static void test_loop_fields_defaults(void **state)
{
	struct fixture *f = *state;
	char *text = render(&f->in);
	json_object *root = parse(text), *a, *v = (json_object *)0x1;
	a = json_object_array_get_idx(get(root, "results", json_type_array), 0);
	assert_false(json_object_object_get_ex(a, "parameters", NULL)); /* as hyperfine: absent */
	assert_false(json_object_object_get_ex(a, "env_offsets", NULL));
	assert_false(json_object_object_get_ex(a, "adaptive", NULL));
	assert_true(json_object_object_get_ex(a, "shell_spawning", &v));
	assert_null(v);
	v = (json_object *)0x1;
	assert_true(json_object_object_get_ex(a, "instructions", &v));
	assert_null(v);
	assert_false(json_object_object_get_ex(get(root, "benchfs", json_type_object),
					       "interleaved_with", NULL));
	json_object_put(root);
	free(text);
}

static void test_loop_fields(void **state)
{
	struct fixture *f = *state;
	struct bench_param params[] = {{"size", "1k"}, {"threads", "2"}};
	int offsets[N_A] = {0, 4095, 17, 3, 1000};
	char *text;
	json_object *root, *a, *b, *shell, *p, *info;
	f->bench_a.params = params;
	f->bench_a.nparams = 2;
	f->bench_a.min_time = 1.5;
	f->bench_a.min_runs = 3;
	f->bench_a.max_runs = 40;
	f->benches[0].env_offsets = offsets;
	f->benches[0].has_instructions = true;
	f->benches[0].instructions = 123456789.0;
	f->benches[1].shell_runs = 50;
	f->benches[1].shell_wall = 0.00125;
	f->benches[1].shell_user = 0.0005;
	f->benches[1].shell_sys = 0.00025;
	f->it_a[2].term_signal = 9;
	f->it_a[2].exit_code = -1;
	f->in.pair_run_id = 8;
	f->in.pair_commit = "ffffffffffffffffffffffffffffffffffffffff";
	text = render(&f->in);
	root = parse(text);
	a = json_object_array_get_idx(get(root, "results", json_type_array), 0);
	b = json_object_array_get_idx(get(root, "results", json_type_array), 1);
	p = get(a, "parameters", json_type_object);
	assert_string_key(p, "size", "1k");
	assert_string_key(p, "threads", "2");
	assert_int_equal(json_object_object_length(p), 2);
	/* a signal is hyperfine's 128 + signal */
	assert_int_equal(json_object_get_int(json_object_array_get_idx(get(a, "exit_codes",
									   json_type_array), 2)), 137);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(get(a, "exit_codes",
									   json_type_array), 3)), 2);
	assert_int_equal(json_object_array_length(get(a, "env_offsets", json_type_array)), N_A);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(get(a, "env_offsets",
									   json_type_array), 1)), 4095);
	assert_true(json_object_get_int64(get(a, "instructions", json_type_int)) == 123456789);
	assert_seconds(get(a, "adaptive", json_type_object), "min_time", 1.5);
	assert_int_key(get(a, "adaptive", json_type_object), "max_runs", 40);
	shell = get(b, "shell_spawning", json_type_object);
	assert_int_key(shell, "runs", 50);
	assert_seconds(shell, "mean", 0.00125);
	assert_seconds(shell, "user", 0.0005);
	assert_seconds(shell, "system", 0.00025);
	assert_true(json_object_get_boolean(get(shell, "subtracted", json_type_boolean)));
	info = get(get(root, "benchfs", json_type_object), "interleaved_with", json_type_object);
	assert_string_key(info, "run", "000008");
	assert_string_key(info, "commit", "ffffffffffffffffffffffffffffffffffffffff");
	json_object_put(root);
	free(text);
}

/* hyperfine's "slow initial run": the first time is an outlier above the median. */
static void test_slow_first_and_flags(void **state)
{
	struct fixture *f = *state;
	char text_flags[256], *text;
	json_object *root, *b;
	size_t outliers = 9;
	bool slow = true;
	assert_int_equal(result_bench_flags(&outliers, &slow, &f->benches[1]), 0);
	assert_int_equal(outliers, 1);
	assert_false(slow); /* the outlier is iteration 14, not the first */
	result_flags_text(text_flags, sizeof(text_flags), &f->in);
	assert_string_equal(text_flags, "grep.big: 1 outlier");
	f->it_b[0].wall_ns = 4000000000;
	assert_int_equal(result_bench_flags(&outliers, &slow, &f->benches[1]), 0);
	assert_int_equal(outliers, 2);
	assert_true(slow);
	result_flags_text(text_flags, sizeof(text_flags), &f->in);
	assert_string_equal(text_flags, "grep.big: slow first iteration (and 1 more outlier)");
	text = render(&f->in);
	root = parse(text);
	b = json_object_array_get_idx(get(root, "results", json_type_array), 1);
	assert_true(json_object_get_boolean(get(get(b, "outliers", json_type_object), "slow_first",
						json_type_boolean)));
	json_object_put(root);
	free(text);
	/* a fast first one is an outlier but no first-run effect */
	f->it_b[0].wall_ns = 1000;
	f->it_b[OUTLIER_AT].wall_ns = 50000000;
	assert_int_equal(result_bench_flags(&outliers, &slow, &f->benches[1]), 0);
	assert_int_equal(outliers, 1);
	assert_false(slow);
	/* nothing to flag: empty */
	f->it_b[0].wall_ns = 50000000;
	result_flags_text(text_flags, sizeof(text_flags), &f->in);
	assert_string_equal(text_flags, "");
}

static void test_single_iteration(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root, *r, *stddev = (json_object *)0x1;
	f->benches[0].n = 1;
	text = render(&f->in);
	root = parse(text);
	r = json_object_array_get_idx(get(root, "results", json_type_array), 0);
	/* hyperfine writes null for a standard deviation of one sample */
	assert_true(json_object_object_get_ex(r, "stddev", &stddev));
	assert_null(stddev);
	assert_seconds(r, "mean", 0.12);
	assert_seconds(r, "median", 0.12);
	assert_seconds(r, "min", 0.12);
	assert_seconds(r, "max", 0.12);
	assert_seconds(r, "user", 0.08);
	assert_seconds(r, "system", 0.01);
	assert_int_equal(json_object_array_length(get(r, "times", json_type_array)), 1);
	assert_int_equal(json_object_array_length(get(r, "memory_usage_byte", json_type_array)), 1);
	assert_int_equal(json_object_array_length(get(r, "exit_codes", json_type_array)), 1);
	assert_int_key(r, "runs", 1);
	assert_int_key(get(r, "outliers", json_type_object), "count", 0);
	json_object_put(root);
	free(text);
}

static void test_identical_times_no_outliers(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root, *b;
	for (int i = 0; i < N_B; i++)
		f->it_b[i].wall_ns = 42000000;
	text = render(&f->in);
	root = parse(text);
	b = json_object_array_get_idx(get(root, "results", json_type_array), 1);
	assert_seconds(b, "stddev", 0);
	assert_seconds(b, "mean", 0.042);
	assert_int_key(get(b, "outliers", json_type_object), "count", 0);
	json_object_put(root);
	free(text);
}

static void test_host_null_or_invalid(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root, *host = (json_object *)0x1;
	f->in.host_json = NULL;
	text = render(&f->in);
	root = parse(text);
	assert_true(json_object_object_get_ex(get(root, "benchfs", json_type_object), "host", &host));
	assert_null(host);
	json_object_put(root);
	free(text);

	f->in.host_json = "{not json";
	text = render(&f->in);
	root = parse(text);
	host = (json_object *)0x1;
	assert_true(json_object_object_get_ex(get(root, "benchfs", json_type_object), "host", &host));
	assert_null(host);
	json_object_put(root);
	free(text);
}

static void test_run_id_in_fields(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root;
	f->in.run_id = 1234567;
	text = render(&f->in);
	root = parse(text);
	assert_string_key(get(root, "benchfs", json_type_object), "run", "1234567");
	assert_string_key(json_object_array_get_idx(get(root, "results", json_type_array), 1), "run",
			  "1234567");
	json_object_put(root);
	free(text);
}

static void test_no_benchmarks(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root;
	f->in.nbenches = 0;
	text = render(&f->in);
	root = parse(text);
	assert_int_equal(json_object_array_length(get(root, "results", json_type_array)), 0);
	assert_string_key(get(root, "benchfs", json_type_object), "commit", COMMIT);
	json_object_put(root);
	free(text);
}

static void test_zero_iterations_is_an_error(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	f->benches[1].n = 0;
	assert_null(result_render(&f->in, err, sizeof(err)));
	assert_non_null(strstr(err, "grep.big"));
	assert_true(strlen(err) > strlen("grep.big"));
}

static void test_special_characters_escaped(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root, *r;
	f->bench_b.shell = "printf '%s\\n' \"a/b\" \x01";
	f->in.revision = "feature/\"quoted\"";
	text = render(&f->in);
	root = parse(text);
	r = json_object_array_get_idx(get(root, "results", json_type_array), 1);
	assert_string_key(r, "command", "printf '%s\\n' \"a/b\" \x01");
	assert_string_key(get(root, "benchfs", json_type_object), "revision", "feature/\"quoted\"");
	assert_null(strstr(text, "\\/")); /* slashes are not escaped */
	json_object_put(root);
	free(text);
}

static void test_runid_dir_name_of_results(void **state)
{
	char buf[32];
	(void)state;
	runid_dir_name(buf, sizeof(buf), 7);
	assert_string_equal(buf, "000007");
	runid_dir_name(buf, sizeof(buf), 0);
	assert_string_equal(buf, "000000");
	runid_dir_name(buf, sizeof(buf), 123456);
	assert_string_equal(buf, "123456");
	runid_dir_name(buf, sizeof(buf), 1234567);
	assert_string_equal(buf, "1234567");
	runid_dir_name(buf, sizeof(buf), INT64_MAX);
	assert_string_equal(buf, "9223372036854775807");
	/* truncated but terminated in a small buffer */
	memset(buf, 'x', sizeof(buf));
	runid_dir_name(buf, 4, 42);
	assert_string_equal(buf, "000");
	assert_int_equal(buf[4], 'x');
}

/* cmocka 1.1's assert_float_equal compares as float: this one as double. */
#define assert_near(a, b, eps) assert_near_((a), (b), (eps), #a, #b)
static void assert_near_(double a, double b, double eps, const char *an, const char *bn)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("%s = %.17g, %s = %.17g: more than %g apart", an, a, bn, b, eps);
}

/* ---- stationarity, interference and extra rounds ---- */

#define N_STEP 20
#define STEP_AT 15 /* iterations before the step */

/* Deterministic noise: a multiplicative factor 1 + u, u uniform in [-half, half]. */
static double noise(uint64_t *state, double half)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return 1 + half * (2 * (double)(*state >> 11) / 9007199254740992.0 - 1);
}

/* sort's iterations: 100 ms with noise of +-half, times (1 + step) from STEP_AT on. */
static void plant_step_noise(struct fixture *f, struct store_iteration *it, size_t n, double step,
			     uint64_t seed, double half)
{
	for (size_t i = 0; i < n; i++)
		it[i] = (struct store_iteration){
			.benchmark = "sort",
			.iteration = (int)i + 1,
			.wall_ns = llround(1e8 * (i >= STEP_AT ? 1 + step : 1) * noise(&seed, half)),
			.user_ns = 1000,
			.sys_ns = 1000,
			.maxrss_bytes = 1 << 20,
		};
	f->benches[0].iterations = it;
	f->benches[0].n = n;
}

/* The same with 2% noise. */
static void plant_step(struct fixture *f, struct store_iteration *it, size_t n, double step,
		       uint64_t seed)
{
	plant_step_noise(f, it, n, step, seed, 0.02);
}

static json_object *result_of(json_object *root, size_t i)
{
	return json_object_array_get_idx(get(root, "results", json_type_array), i);
}

/* The key is there and null. */
static void assert_null_key(json_object *obj, const char *key)
{
	json_object *v = (json_object *)0x1;
	if (!json_object_object_get_ex(obj, key, &v))
		fail_msg("key \"%s\" is missing", key);
	assert_null(v);
}

static void test_unstable_planted_step(void **state)
{
	struct fixture *f = *state;
	struct store_iteration it[N_STEP];
	size_t at = 0;
	double change = 0, p = 1, wall[N_STEP];
	char *text;
	json_object *root, *u;
	plant_step(f, it, N_STEP, 0.40, 1);
	assert_int_equal(result_bench_unstable(&f->benches[0], &at, &change, &p), 1);
	assert_int_equal(at, STEP_AT + 1); /* 1-based: the first iteration after the step */
	walls_of(wall, it, N_STEP);
	assert_near(change,
			   median_of(wall + STEP_AT, N_STEP - STEP_AT) / median_of(wall, STEP_AT) - 1,
			   1e-9);
	assert_true(change > 0.35 && change < 0.45);
	assert_true(p < 0.01);
	/* Any out-parameter may be NULL. */
	assert_int_equal(result_bench_unstable(&f->benches[0], NULL, NULL, NULL), 1);

	text = render(&f->in);
	root = parse(text);
	u = get(result_of(root, 0), "unstable", json_type_object);
	assert_int_key(u, "at", STEP_AT + 1);
	assert_near(json_object_get_double(get(u, "change", json_type_double)), change,
			   0.5e-4);
	assert_near(json_object_get_double(get(u, "p", json_type_double)), p, p * 1e-3);
	/* grep.big (one outlier, no step) is steady. */
	assert_null_key(result_of(root, 1), "unstable");
	json_object_put(root);
	free(text);

	/* Checked once, the answer is kept: the same figures come back, and the
	 * readers no longer look at the times (flattened here to show it). */
	{
		size_t at2 = 0;
		double change2 = 0, p2 = 1;
		result_bench_check_stability(&f->benches[0]);
		for (size_t i = 0; i < N_STEP; i++)
			it[i].wall_ns = it[0].wall_ns;
		assert_int_equal(result_bench_unstable(&f->benches[0], &at2, &change2, &p2), 1);
		assert_int_equal(at2, at);
		assert_true(change2 == change && p2 == p);
		f->benches[0].stability.checked = false;
		assert_int_equal(result_bench_unstable(&f->benches[0], NULL, NULL, NULL), 0);
	}

	/* A step down is one too, negative. */
	plant_step(f, it, N_STEP, -0.40, 2);
	assert_int_equal(result_bench_unstable(&f->benches[0], &at, &change, &p), 1);
	assert_int_equal(at, STEP_AT + 1);
	assert_true(change < -0.35 && change > -0.45);
}

static void test_steady_noise_not_unstable(void **state)
{
	struct fixture *f = *state;
	struct store_iteration it[60];
	char *text;
	json_object *root;
	/* iid noise of +-2% and +-10%, short and long runs, many seeds. */
	for (uint64_t seed = 1; seed <= 40; seed++) {
		size_t n = seed % 2 ? N_STEP : 60;
		size_t at = 99;
		double change = 99, p = 0;
		uint64_t state_ = seed * 7919;
		for (size_t i = 0; i < n; i++)
			it[i] = (struct store_iteration){
				.benchmark = "sort",
				.iteration = (int)i + 1,
				.wall_ns = llround(1e8 * noise(&state_, seed % 4 < 2 ? 0.02 : 0.10)),
			};
		f->benches[0].iterations = it;
		f->benches[0].n = n;
		assert_int_equal(result_bench_unstable(&f->benches[0], &at, &change, &p), 0);
		/* Whatever small step it saw, it is not one of 5%. */
		assert_true(fabs(change) <= 0.05);
	}
	text = render(&f->in);
	root = parse(text);
	assert_null_key(result_of(root, 0), "unstable");
	json_object_put(root);
	free(text);
}

static void test_unstable_short_or_unusable(void **state)
{
	struct fixture *f = *state;
	struct store_iteration it[N_STEP];
	size_t at = 9;
	double change = 9, p = 0;
	char *text;
	json_object *root;
	/* Fewer than 8 iterations are never flagged, even with a step. */
	plant_step(f, it, 7, 0.40, 3);
	for (size_t i = 4; i < 7; i++)
		it[i].wall_ns *= 2;
	assert_int_equal(result_bench_unstable(&f->benches[0], &at, &change, &p), 0);
	assert_int_equal(at, 0);
	assert_near(change, 0, 0);
	assert_near(p, 1, 0);
	/* A time of 0 (a shell command no slower than the shell) cannot be
	 * tested: -EINVAL, and result.json says null rather than failing. */
	plant_step(f, it, N_STEP, 0.40, 4);
	it[3].wall_ns = 0;
	assert_int_equal(result_bench_unstable(&f->benches[0], &at, &change, &p), -EINVAL);
	text = render(&f->in);
	root = parse(text);
	assert_null_key(result_of(root, 0), "unstable");
	json_object_put(root);
	free(text);
}

static void test_interference_rendered(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root, *o;
	/* 4 s measured in two spans; others used (6.8 - 2) / 4 = 1.2 CPUs. */
	f->benches[1].interference = (struct interference){
		.spans = 2, .wall_s = 4, .busy_s = 6.8, .steal_s = 0.4, .total_s = 8,
		.own_cpu_s = 2, .load_start = 0.25, .load_end = 2.5,
	};
	/* sort: measured quietly. */
	f->benches[0].interference = (struct interference){
		.spans = 1, .wall_s = 2, .busy_s = 1.1, .total_s = 4, .own_cpu_s = 1,
		.load_start = 1, .load_end = 1,
	};
	text = render(&f->in);
	root = parse(text);
	o = get(result_of(root, 1), "interference", json_type_object);
	assert_near(json_object_get_double(get(o, "other_cpus", json_type_double)), 1.2, 1e-12);
	assert_near(json_object_get_double(get(o, "steal", json_type_double)), 0.05, 1e-12);
	assert_near(json_object_get_double(get(o, "load_start", json_type_double)), 0.25,
			   1e-12);
	assert_near(json_object_get_double(get(o, "load_end", json_type_double)), 2.5, 1e-12);
	assert_true(json_object_get_boolean(get(o, "heavy", json_type_boolean)));
	o = get(result_of(root, 0), "interference", json_type_object);
	assert_near(json_object_get_double(get(o, "other_cpus", json_type_double)), 0.05,
			   1e-12);
	assert_false(json_object_get_boolean(get(o, "heavy", json_type_boolean)));
	/* Figures as written, not json-c's 17 digits. */
	assert_non_null(strstr(text, "\"other_cpus\": 1.200,"));
	assert_non_null(strstr(text, "\"steal\": 0.0500,"));
	json_object_put(root);
	free(text);

	/* Not recorded: null. */
	f->benches[1].interference.spans = 0;
	text = render(&f->in);
	root = parse(text);
	assert_null_key(result_of(root, 1), "interference");
	json_object_put(root);
	free(text);
}

static void test_rounds_only_when_added(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root, *b, *v;
	text = render(&f->in);
	root = parse(text);
	b = result_of(root, 1);
	assert_false(json_object_object_get_ex(b, "rounds", &v));
	assert_false(json_object_object_get_ex(b, "sequential_level", &v));
	json_object_put(root);
	free(text);

	f->benches[1].rounds = 3;
	f->benches[1].sequential_level = 0.0025;
	text = render(&f->in);
	root = parse(text);
	b = result_of(root, 1);
	assert_int_key(b, "rounds", 3);
	assert_near(json_object_get_double(get(b, "sequential_level", json_type_double)),
			   0.0025, 1e-15);
	assert_false(json_object_object_get_ex(result_of(root, 0), "rounds", &v));
	json_object_put(root);
	free(text);
}

/* Constants, settings and %g figures as a person writes them: 14.826 and 3,
 * never json-c's 14.826000000000001, 3.000000000 or an exponent. */
static void test_numbers_shortest(void **state)
{
	struct fixture *f = *state;
	char *text;
	json_object *root, *a, *b;
	f->bench_a.min_time = 3;
	f->bench_a.min_runs = 2;
	f->bench_a.max_runs = 10;
	f->benches[1].rounds = 2;
	f->benches[1].sequential_level = 0.00001234;
	text = render(&f->in);
	root = parse(text);
	a = result_of(root, 0);
	b = result_of(root, 1);
	assert_non_null(strstr(text, "\"threshold\": 14.826,"));
	assert_true(json_object_get_double(get(get(a, "outliers", json_type_object), "threshold",
					       json_type_double)) == 14.826);
	assert_non_null(strstr(text, "\"min_time\": 3,"));
	assert_true(json_object_get_double(get(get(a, "adaptive", json_type_object), "min_time",
					       json_type_int)) == 3);
	assert_non_null(strstr(text, "\"sequential_level\": 0.00001234\n"));
	assert_true(json_object_get_double(get(b, "sequential_level", json_type_double)) ==
		    0.00001234);
	json_object_put(root);
	free(text);
}

/* hyperfine's fields stay first and in order, whatever benchfs adds. */
static void test_new_fields_after_hyperfines(void **state)
{
	struct fixture *f = *state;
	struct store_iteration it[N_STEP];
	char *text;
	json_object *root, *r;
	size_t i = 0, unstable_at = 0, instructions_at = 0;
	plant_step(f, it, N_STEP, 0.40, 1);
	f->benches[0].interference = (struct interference){.spans = 1, .wall_s = 1, .total_s = 2};
	f->benches[0].rounds = 2;
	text = render(&f->in);
	root = parse(text);
	r = result_of(root, 0);
	json_object_object_foreach(r, key, value) {
		(void)value;
		i++;
		if (strcmp(key, "unstable") == 0)
			unstable_at = i;
		if (strcmp(key, "instructions") == 0)
			instructions_at = i;
		if (i == 1)
			assert_string_equal(key, "command");
		if (i == 11)
			assert_string_equal(key, "exit_codes");
	}
	assert_true(unstable_at > instructions_at && instructions_at > 11);
	json_object_put(root);
	free(text);
}

static void test_flags_text_unstable_and_interference(void **state)
{
	struct fixture *f = *state;
	struct store_iteration it[N_STEP];
	char flags[512];
	size_t outliers = 0;
	bool slow = false;
	/* sort: a step up of 40% after 15 of 20 (its 5 slow iterations are
	 * outliers by the MAD too); grep.big: its outlier and heavy interference. */
	plant_step(f, it, N_STEP, 0.40, 1);
	assert_int_equal(result_bench_flags(&outliers, &slow, &f->benches[0]), 0);
	assert_int_equal(outliers, 5);
	f->benches[1].interference = (struct interference){
		.spans = 1, .wall_s = 4, .busy_s = 6.8, .total_s = 8, .own_cpu_s = 2,
	};
	result_flags_text(flags, sizeof(flags), &f->in);
	assert_string_equal(flags, "sort: 5 outliers, unstable (step of +40% at 16/20); "
				   "grep.big: 1 outlier, heavy interference (others used 1.2 CPUs)");

	/* Each flag alone (a step of 15% in noise of +-5% has no outliers). */
	plant_step_noise(f, it, N_STEP, -0.15, 5, 0.05);
	assert_int_equal(result_bench_flags(&outliers, &slow, &f->benches[0]), 0);
	assert_int_equal(outliers, 0);
	f->it_b[OUTLIER_AT].wall_ns = 50000000;
	f->benches[1].interference.busy_s = 2.4; /* 0.1 CPUs: not heavy */
	result_flags_text(flags, sizeof(flags), &f->in);
	/* The step of the medians, in this noise: -14%. */
	assert_string_equal(flags, "sort: unstable (step of -14% at 16/20)");
	plant_step(f, it, N_STEP, 0, 1);
	f->benches[1].interference.busy_s = 4.2; /* 0.55 CPUs */
	result_flags_text(flags, sizeof(flags), &f->in);
	assert_string_equal(flags, "grep.big: heavy interference (others used 0.6 CPUs)");

	/* A small buffer: truncated, terminated. */
	memset(flags, 'x', sizeof(flags));
	result_flags_text(flags, 12, &f->in);
	assert_string_equal(flags, "grep.big: h");
	assert_int_equal(flags[12], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_top_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unstable_planted_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_steady_noise_not_unstable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unstable_short_or_unusable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interference_rendered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rounds_only_when_added, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers_shortest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_fields_after_hyperfines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_text_unstable_and_interference, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ends_with_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hyperfine_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hyperfine_field_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_benchfs_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outlier_flagged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_outliers_indices_ascending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_iteration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identical_times_no_outliers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_null_or_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_id_in_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_benchmarks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_iterations_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_fields_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_first_and_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_special_characters_escaped, setup, teardown),
		cmocka_unit_test(test_runid_dir_name_of_results),
	};
	return cmocka_run_group_tests_name("result", tests, NULL, NULL);
}
