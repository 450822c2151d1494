/* result.json packed for storage (store/result_pack.h), on texts rendered by
 * runner/result.c: the arrays the iterations give are cut out and come back
 * byte for byte; whatever does not match stays as it is. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runner/result.h"
#include "store/result_pack.h"

#define NBENCH 3
#define NITS 30

struct rendered {
	char *argv[2];
	struct bench_config benches[NBENCH];
	struct store_iteration its[NBENCH][NITS];
	struct result_bench rb[NBENCH];
	struct result_pack_series series[NBENCH];
	char *text;
};

static const char *const names[NBENCH] = {"parse-json", "sort[size=1k,threads=2]", "zz-long"};

/* Three benchmarks with varied iterations (a signal, a failure, seconds
 * long and sub-microsecond times), rendered as the runner does. */
static void render(struct rendered *r, const char *host_json)
{
	struct result_input in = {.run_id = 42, .commit = "0123456789abcdef0123456789abcdef01234567",
				  .revision = "main", .host_json = host_json};
	char err[256];
	memset(r, 0, sizeof(*r));
	r->argv[0] = "true";
	for (int b = 0; b < NBENCH; b++) {
		r->benches[b] = (struct bench_config){.name = (char *)names[b],
						      .base_name = (char *)names[b],
						      .argv = r->argv, .runs = NITS, .min_runs = NITS,
						      .max_runs = NITS};
		for (int i = 0; i < NITS; i++)
			r->its[b][i] = (struct store_iteration){
				.benchmark = names[b], .iteration = i + 1,
				.wall_ns = b == 2 ? 3000000000LL + 987654321LL * i : 1000 + 7919 * i * (b + 1),
				.user_ns = 911 * i + b, .sys_ns = b == 1 ? 0 : 123456789LL * i,
				.maxrss_bytes = 4194304 + 4096LL * i * b,
				.exit_code = i == 3 ? 1 : 0, .term_signal = i == 5 && b == 0 ? 9 : 0};
		r->rb[b] = (struct result_bench){.bench = &r->benches[b], .iterations = r->its[b],
						  .n = NITS};
		r->series[b] = (struct result_pack_series){.benchmark = names[b], .its = r->its[b],
							   .n = NITS};
	}
	in.benches = r->rb;
	in.nbenches = NBENCH;
	r->text = result_render(&in, err, sizeof(err));
	assert_non_null(r->text);
}

/* pack, then unpack with the same series: the same bytes. Returns the blob's kind. */
static char round_trip(const char *text, size_t len, const struct result_pack_series *series,
		       size_t nseries, size_t *blob_len)
{
	unsigned char *blob = NULL;
	char *back = NULL, kind;
	size_t n = 0, back_len = 0;
	assert_int_equal(result_pack(&blob, &n, text, len, series, nseries), 0);
	assert_int_equal(result_unpack(&back, &back_len, blob, n, series, nseries), 0);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, text, len);
	assert_int_equal(back[len], '\0');
	kind = (char)blob[0];
	assert_int_equal(result_pack_uses_series(blob, n), kind == 'P');
	if (blob_len)
		*blob_len = n;
	free(blob);
	free(back);
	return kind;
}

static void test_rendered_packs(void **state)
{
	struct rendered r;
	size_t blob_len = 0;
	(void)state;
	render(&r, "{\"hostname\": \"h\", \"cpus\": 2}");
	assert_int_equal(round_trip(r.text, strlen(r.text), r.series, NBENCH, &blob_len), 'P');
	/* Every array went: 5 per benchmark. */
	{
		unsigned char *blob = NULL;
		char *tmpl = NULL;
		size_t n = 0;
		struct result_pack_series none[1] = {{.benchmark = "other"}};
		assert_int_equal(result_pack(&blob, &n, r.text, strlen(r.text), r.series, NBENCH), 0);
		/* Without the series it cannot be read back. */
		assert_int_equal(result_unpack(&tmpl, NULL, blob, n, none, 1), -EINVAL);
		assert_null(tmpl);
		free(blob);
	}
	assert_true(blob_len * 10 < strlen(r.text));
	/* Each of the five arrays of each benchmark was cut out: unpacked
	 * against other values of that field, that benchmark's text changes. */
	for (int b = 0; b < NBENCH; b++)
		for (int field = 0; field < 5; field++) {
			unsigned char *blob = NULL;
			char *back = NULL;
			size_t n = 0;
			struct store_iteration *it = &r.its[b][NITS / 2], keep = *it;
			assert_int_equal(result_pack(&blob, &n, r.text, strlen(r.text), r.series, NBENCH), 0);
			switch (field) {
			case 0: it->wall_ns += 1000; break;
			case 1: it->user_ns += 1000; break;
			case 2: it->sys_ns += 1000; break;
			case 3: it->maxrss_bytes += 1; break;
			default: it->exit_code += 1; break;
			}
			assert_int_equal(result_unpack(&back, NULL, blob, n, r.series, NBENCH), 0);
			if (strcmp(back, r.text) == 0)
				fail_msg("benchmark %d field %d was not cut out", b, field);
			*it = keep;
			free(back);
			free(blob);
		}
	free(r.text);
}

static void test_mismatch_stays(void **state)
{
	struct rendered r;
	(void)state;
	render(&r, NULL);
	/* The store's rows differ from what the text shows (as for a shell
	 * command's subtracted times): that array stays, the text reads back. */
	r.its[1][7].wall_ns += 1;
	r.its[0][2].maxrss_bytes = 1;
	assert_int_equal(round_trip(r.text, strlen(r.text), r.series, NBENCH, NULL), 'P');
	/* Fewer iterations than the text holds. */
	r.series[2].n = NITS - 1;
	assert_int_equal(round_trip(r.text, strlen(r.text), r.series, NBENCH, NULL), 'P');
	/* No series at all: the text as it is. */
	assert_int_equal(round_trip(r.text, strlen(r.text), NULL, 0, NULL), 'T');
	free(r.text);
}

static void test_foreign_texts(void **state)
{
	static const char compact[] =
		"{\"results\":[{\"times\":[0.000001000],\"name\":\"parse-json\"}]}";
	static const char odd[] = "{\n  \"times\": [\n    0.000001000\n  ],\n  \"name\": \"parse-json\"\n}\x01\x02";
	static const char escaped[] =
		"{\n  \"times\": [\n    0.000001000\n  ],\n  \"name\": \"a\\\"b\"\n}\n";
	static const char binary[] = {'a', '\0', 'b', '\x02'};
	struct store_iteration one = {.benchmark = "parse-json", .iteration = 1, .wall_ns = 1000};
	struct result_pack_series s = {.benchmark = "parse-json", .its = &one, .n = 1};
	struct store_iteration q = {.benchmark = "a\"b", .iteration = 1, .wall_ns = 1000};
	struct result_pack_series sq = {.benchmark = "a\"b", .its = &q, .n = 1};
	static const char minimal[] = "{\n  \"times\": [\n    0.000001000\n  ],\n  \"name\": \"parse-json\"\n}";
	(void)state;
	assert_int_equal(round_trip(compact, strlen(compact), &s, 1, NULL), 'T');
	assert_int_equal(round_trip(odd, strlen(odd), &s, 1, NULL), 'T');
	assert_int_equal(round_trip(escaped, strlen(escaped), &sq, 1, NULL), 'T');
	assert_int_equal(round_trip(binary, sizeof(binary), &s, 1, NULL), 'T');
	assert_int_equal(round_trip("", 0, &s, 1, NULL), 'T');
	assert_int_equal(round_trip(minimal, strlen(minimal), &s, 1, NULL), 'P');
}

static void test_malformed_blob(void **state)
{
	unsigned char bad[] = {'P', 9, 0, 0, 0, 1, 2, 3}, *blob = NULL;
	char *text = (char *)"x";
	size_t n = 0;
	(void)state;
	assert_int_equal(result_unpack(&text, NULL, bad, sizeof(bad), NULL, 0), -EINVAL);
	assert_null(text);
	assert_int_equal(result_unpack(&text, NULL, bad, 3, NULL, 0), -EINVAL);
	assert_false(result_pack_uses_series(bad, 3));
	/* A corrupted length. */
	assert_int_equal(result_pack(&blob, &n, "hello", 5, NULL, 0), 0);
	blob[1] = 4;
	assert_int_equal(result_unpack(&text, NULL, blob, n, NULL, 0), -EINVAL);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rendered_packs),
		cmocka_unit_test(test_mismatch_stays),
		cmocka_unit_test(test_foreign_texts),
		cmocka_unit_test(test_malformed_blob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
