/* Unit tests for views/render_svg.h at length: a long history drawn in
 * buckets (their count bounded by the plot's width, never across a change
 * mark, baselines' commits alone), pinned baselines marked, and a short
 * series rendered byte for byte as before buckets existed.
 *
 * The pinned hashes of short series were taken from the renderer before
 * buckets and baselines: build this file with -DSVG_GOLDEN_PRINT (and
 * without cmocka's main) to print them again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/fixture/tmpdir.h"
#include "views/render_svg.h"

/* The plot's geometry (render_svg.c): where commit i of n sits. */
#define PLOT_LEFT 84.0
#define PLOT_WIDTH 852.0
#define LONG 20000

static double x_of(size_t i, size_t n)
{
	return PLOT_LEFT + PLOT_WIDTH * ((double)i + 0.5) / (double)n;
}

/* FNV-1a, 64 bits: a short series' picture pinned as its hash. */
static uint64_t fnv1a(const char *text, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A series of n points around 4 ms: a step up at n / 3 and back at 2n / 3,
 * a spike every 997th commit; variant 1 leaves holes (nan means), variant
 * 2 names commits with long tag names, variant 3 varies the samples. */
struct fixture {
	struct svg_point *points;
	char (*labels)[48];
	size_t changes[3];
	struct svg_series series;
};

static void fixture_make(struct fixture *f, size_t n, unsigned variant)
{
	f->points = calloc(n ? n : 1, sizeof(*f->points));
	f->labels = calloc(n ? n : 1, sizeof(*f->labels));
	if (!f->points || !f->labels)
		abort();
	for (size_t i = 0; i < n; i++) {
		double m = 0.004 * (1.0 + 0.03 * (double)((i * 7919 + variant) % 101) / 100.0);
		if (i >= n / 3 && i < 2 * n / 3)
			m *= 1.2;
		if (i % 997 == 3)
			m *= 1.15;
		if (variant == 2)
			snprintf(f->labels[i], sizeof(f->labels[i]), "myproject-v1.%zu.0-rc1", i);
		else
			snprintf(f->labels[i], sizeof(f->labels[i]), "c%05zu", i);
		f->points[i] = (struct svg_point){f->labels[i], m, m * 0.98, m * 1.02,
						  variant == 3 ? 10 + i % 21 : 30};
		if (variant == 1 && i % 13 == 5)
			f->points[i].mean = NAN;
	}
	f->changes[0] = n / 3;
	f->changes[1] = 2 * n / 3;
	f->changes[2] = 0; /* out of range: ignored */
	f->series = (struct svg_series){"hash-1m: wall time per iteration, branch main (host box1)",
					f->points, n, f->changes, 3};
}

static void fixture_free(struct fixture *f)
{
	free(f->points);
	free(f->labels);
}

/* The short series pinned, and their pictures' hashes before buckets. */
static const size_t golden_sizes[] = {1, 2, 12, 60, 61, 301, SVG_SLOTS};
#define NGOLDEN (sizeof(golden_sizes) / sizeof(golden_sizes[0]) * 4)

#ifdef SVG_GOLDEN_PRINT
int main(void)
{
	for (size_t s = 0; s < sizeof(golden_sizes) / sizeof(golden_sizes[0]); s++) {
		for (unsigned v = 0; v < 4; v++) {
			struct fixture f;
			size_t len;
			char *svg;
			fixture_make(&f, golden_sizes[s], v);
			svg = svg_render(&f.series, &len);
			printf("\t0x%016llxull, /* %zu points, variant %u */\n",
			       (unsigned long long)fnv1a(svg, len), golden_sizes[s], v);
			free(svg);
			fixture_free(&f);
		}
	}
	return 0;
}
#else

static const uint64_t golden[NGOLDEN] = {
	0x9613901d92cd7cacull, /* 1 points, variant 0 */
	0x1b3f9fd9c60c7db8ull, /* 1 points, variant 1 */
	0xe7430e5f41da0862ull, /* 1 points, variant 2 */
	0x7f128661870948d6ull, /* 1 points, variant 3 */
	0xcb3e15deca395f9full, /* 2 points, variant 0 */
	0x2f291516062badceull, /* 2 points, variant 1 */
	0x4c0436b63b8e9162ull, /* 2 points, variant 2 */
	0xc6b45483387064c5ull, /* 2 points, variant 3 */
	0xb68871a8f4a2e4f6ull, /* 12 points, variant 0 */
	0x15139853b8bd6431ull, /* 12 points, variant 1 */
	0x3f8ad2e018c5eeb8ull, /* 12 points, variant 2 */
	0xb12aa32879195668ull, /* 12 points, variant 3 */
	0x212b2aa3d0281554ull, /* 60 points, variant 0 */
	0x7b23f0aa6745d637ull, /* 60 points, variant 1 */
	0x9e2985ce8be2f779ull, /* 60 points, variant 2 */
	0xe7bd95d13ffbb611ull, /* 60 points, variant 3 */
	0x997dabe5fbefd20aull, /* 61 points, variant 0 */
	0x322f39cbca3188dfull, /* 61 points, variant 1 */
	0x9d40c20bd62aff02ull, /* 61 points, variant 2 */
	0x0c67056673ffbdf5ull, /* 61 points, variant 3 */
	0x381dc74ae8c3f714ull, /* 301 points, variant 0 */
	0x69df1ccb4245468cull, /* 301 points, variant 1 */
	0xe2a8412e1b8b20a1ull, /* 301 points, variant 2 */
	0xc2a151150b113227ull, /* 301 points, variant 3 */
	0xa6426c4c112d1e04ull, /* 568 points, variant 0 */
	0xac91634ccf4abe07ull, /* 568 points, variant 1 */
	0x445700b2c390842aull, /* 568 points, variant 2 */
	0x296085151485c171ull, /* 568 points, variant 3 */
};

static char out_dir[PATH_MAX / 2];

static int group_setup(void **state)
{
	(void)state;
	return test_tmpdir_make(out_dir, sizeof(out_dir), "svgbuckets");
}

static int group_teardown(void **state)
{
	(void)state;
	test_tmpdir_remove(out_dir);
	return 0;
}

/* Whether xmllint reads the picture as well-formed XML. */
static bool well_formed(const char *name, const char *text, size_t len)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64];
	FILE *f;
	int status;
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	/* Paths from mkdtemp under TMPDIR: quoted for the shell all the same. */
	assert_null(strchr(path, '\''));
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	status = system(cmd);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static size_t count_of(const char *from, const char *to, const char *needle)
{
	size_t n = 0;
	for (const char *p = from; (p = strstr(p, needle)) && (!to || p < to); p += strlen(needle))
		n++;
	return n;
}

/* The text of the group <g class="name" ...> ... </g>: [*start, *end). */
static void group_of(const char *svg, const char *name, const char **start, const char **end)
{
	char open[64];
	snprintf(open, sizeof(open), "<g class=\"%s\"", name);
	assert_non_null(*start = strstr(svg, open));
	assert_non_null(*end = strstr(*start, "</g>"));
}

/* Each bucket's first and last commit index, from its tooltip (labels
 * "c%05zu"): "<title>cA to cB, K commits: ..." or "<title>cA: ..."; the
 * count of them. */
static size_t bucket_ranges(const char *svg, size_t (*range)[2], size_t max)
{
	const char *g, *end, *p;
	size_t n = 0;
	group_of(svg, "buckets", &g, &end);
	for (p = g; (p = strstr(p, "<rect ")) && p < end; p++) {
		unsigned long a, b, k;
		const char *t = strstr(p, "<title>c");
		assert_non_null(t);
		assert_true(n < max);
		if (sscanf(t, "<title>c%lu to c%lu, %lu commits:", &a, &b, &k) == 3) {
			assert_int_equal(k, b - a + 1);
		} else {
			assert_int_equal(sscanf(t, "<title>c%lu: ", &a), 1);
			b = a;
		}
		range[n][0] = a;
		range[n][1] = b;
		n++;
	}
	return n;
}

static void test_short_unchanged(void **state)
{
	size_t g = 0;
	(void)state;
	for (size_t s = 0; s < sizeof(golden_sizes) / sizeof(golden_sizes[0]); s++) {
		for (unsigned v = 0; v < 4; v++, g++) {
			struct fixture f;
			size_t len, len2;
			char *svg, *again;
			fixture_make(&f, golden_sizes[s], v);
			assert_non_null(svg = svg_render(&f.series, &len));
			if (fnv1a(svg, len) != golden[g])
				fail_msg("%zu points, variant %u: the picture changed", golden_sizes[s], v);
			assert_null(strstr(svg, "class=\"buckets\""));
			/* No baseline on a point of the series: the same bytes. */
			assert_non_null(again = svg_render_baselines(
						&f.series, &(struct svg_baseline){"gone", golden_sizes[s]}, 1,
						&len2));
			assert_int_equal(len2, len);
			assert_memory_equal(again, svg, len);
			free(again);
			free(svg);
			fixture_free(&f);
		}
	}
}

static void check_long(size_t n, unsigned variant)
{
	struct fixture f;
	/* Out of order: the picture sorts them by commit, then name. */
	struct svg_baseline bl[] = {{"nightly", n - 1}, {"v2", n / 5}, {"release", n / 5}};
	static size_t range[2 * SVG_SLOTS][2];
	const char *g, *end;
	size_t len, nb, next = 0;
	char *svg, name[64], mark[160];
	fixture_make(&f, n, variant);
	assert_non_null(svg = svg_render_baselines(&f.series, bl, 3, &len));
	snprintf(name, sizeof(name), "long-%zu-%u.svg", n, variant);
	assert_true(well_formed(name, svg, len));

	/* At most SVG_SLOTS buckets, each one column with its tooltip; the
	 * band and line have a vertex per bucket at most. */
	nb = bucket_ranges(svg, range, 2 * SVG_SLOTS);
	assert_in_range(nb, SVG_SLOTS / 2, SVG_SLOTS);
	group_of(svg, "series", &g, &end);
	assert_int_equal(count_of(g, end, "<circle"), 0);
	assert_true(count_of(g, end, ",") <= 3 * nb); /* x,y pairs of polygons and polylines */
	assert_int_equal(count_of(svg, NULL, "<title>"), 1 + nb + 2); /* + the baselines' */
	/* The buckets cover every commit once, in order; none straddles a change. */
	for (size_t i = 0; i < nb; i++) {
		assert_int_equal(range[i][0], next);
		next = range[i][1] + 1;
		for (size_t c = 0; c < 2; c++)
			assert_false(range[i][0] < f.changes[c] && f.changes[c] <= range[i][1]);
	}
	assert_int_equal(next, n);
	/* Both sides of each change and each baseline's commit: buckets of one. */
	for (size_t c = 0; c < 2; c++) {
		snprintf(mark, sizeof(mark), "<title>c%05zu: ", f.changes[c] - 1);
		assert_non_null(strstr(svg, mark));
		snprintf(mark, sizeof(mark), "<title>c%05zu: ", f.changes[c]);
		assert_non_null(strstr(svg, mark));
		/* The dashed line between them. */
		snprintf(mark, sizeof(mark), "<line x1=\"%.1f\" y1=\"64.0\" x2=\"%.1f\"",
			 (x_of(f.changes[c] - 1, n) + x_of(f.changes[c], n)) / 2.0,
			 (x_of(f.changes[c] - 1, n) + x_of(f.changes[c], n)) / 2.0);
		assert_non_null(strstr(svg, mark));
	}
	group_of(svg, "changes", &g, &end);
	assert_int_equal(count_of(g, end, "<line"), 2);
	assert_non_null(strstr(g, ">+20.0%</text>"));
	group_of(svg, "baselines", &g, &end);
	assert_int_equal(count_of(g, end, "<line"), 2); /* release and v2 share a commit */
	for (size_t i = 0; i < 2; i++) {
		snprintf(mark, sizeof(mark), "<line x1=\"%.1f\" y1=\"64.0\" x2=\"%.1f\"",
			 x_of(bl[i].point, n), x_of(bl[i].point, n));
		assert_non_null(strstr(g, mark));
		snprintf(mark, sizeof(mark), "<title>c%05zu: ", bl[i].point);
		assert_non_null(strstr(svg, mark));
	}
	assert_non_null(strstr(g, ">release, v2<title>baselines release, v2: c04000</title>"));
	assert_non_null(strstr(g, ">nightly<title>baseline nightly: c19999</title>"));
	assert_non_null(strstr(svg, ">pinned baseline</text>"));
	free(svg);
	fixture_free(&f);
}

static void test_long(void **state)
{
	static const unsigned variants[] = {0, 1, 3}; /* plain, holes, samples vary */
	(void)state;
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++)
		check_long(LONG, variants[v]);
}

/* A bucket's tooltip: the median, min and max of its commits' means. */
static void test_bucket_values(void **state)
{
	struct fixture f;
	static size_t range[2 * SVG_SLOTS][2];
	size_t len, nb, checked = 0;
	char *svg;
	(void)state;
	fixture_make(&f, LONG, 0);
	assert_non_null(svg = svg_render(&f.series, &len));
	assert_non_null(strstr(svg, "20000 commits, 30 samples each; "));
	assert_non_null(strstr(svg, ">median</text>"));
	assert_non_null(strstr(svg, ">min to max of the means</text>"));
	nb = bucket_ranges(svg, range, 2 * SVG_SLOTS);
	for (size_t i = 0; i < nb; i += 37) {
		size_t a = range[i][0], b = range[i][1], m = b - a + 1;
		double v[64], med, lo, hi, got[3];
		char head[64];
		const char *t;
		if (m < 2)
			continue;
		assert_true(m <= 64);
		for (size_t k = 0; k < m; k++)
			v[k] = f.points[a + k].mean * 1e3;
		/* Sorted by insertion: a few dozen values. */
		for (size_t k = 1; k < m; k++)
			for (size_t j = k; j > 0 && v[j - 1] > v[j]; j--) {
				double x = v[j];
				v[j] = v[j - 1];
				v[j - 1] = x;
			}
		med = m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2.0;
		lo = v[0];
		hi = v[m - 1];
		snprintf(head, sizeof(head), "<title>c%05zu to c%05zu, %zu commits: median ", a, b, m);
		assert_non_null(t = strstr(svg, head));
		assert_int_equal(sscanf(t + strlen(head), "%lf ms (means %lf to %lf), n = ", &got[0],
					&got[1], &got[2]), 3);
		assert_true(fabs(got[0] - med) < 1e-3);
		assert_true(fabs(got[1] - lo) < 1e-3);
		assert_true(fabs(got[2] - hi) < 1e-3);
		checked++;
	}
	assert_true(checked > 5);
	free(svg);
	fixture_free(&f);
}

/* The labels a caller must fill: a long series' drawn with only those set
 * (the others NULL) names every bucket's ends. */
static void test_labels_used(void **state)
{
	struct fixture f;
	struct svg_baseline bl = {"release", 4000};
	bool *used = calloc(LONG, sizeof(*used));
	size_t nused = 0, len;
	char *svg;
	(void)state;
	assert_non_null(used);
	fixture_make(&f, LONG, 0);
	assert_int_equal(svg_labels_used(used, &f.series, &bl, 1), 0);
	for (size_t i = 0; i < LONG; i++) {
		nused += used[i];
		if (!used[i])
			f.points[i].label = NULL;
	}
	assert_true(used[0] && used[LONG - 1] && used[4000]);
	assert_true(used[f.changes[0] - 1] && used[f.changes[0]]);
	assert_in_range(nused, SVG_SLOTS, 2 * SVG_SLOTS + 48);
	assert_non_null(svg = svg_render_baselines(&f.series, &bl, 1, &len));
	/* A NULL label would be an empty name. */
	assert_null(strstr(svg, "<title> to "));
	assert_null(strstr(svg, " to , "));
	assert_null(strstr(svg, "<title>: "));
	assert_null(strstr(svg, "rotate(-45)\" text-anchor=\"end\" font-family=\"Menlo, Consolas, "
				"monospace\" font-size=\"11\" fill=\"#333333\"></text>"));
	free(svg);
	/* A short series: the axis labels of today (all of them up to 60). */
	memset(used, 0, LONG * sizeof(*used));
	f.series.npoints = 40;
	assert_int_equal(svg_labels_used(used, &f.series, NULL, 0), 0);
	for (size_t i = 0; i < 40; i++)
		assert_true(used[i]);
	free(used);
	fixture_free(&f);
}

/* Pictures of 2,000 and 20,000 points: about the same size (the buckets'
 * count, not the points', sets it), and the time each takes, printed
 * (timings on a shared machine are not asserted). */
static void test_cost(void **state)
{
	static const size_t sizes[] = {2000, LONG};
	size_t bytes[2];
	double ms[2];
	(void)state;
	for (size_t s = 0; s < 2; s++) {
		struct fixture f;
		struct timespec t0, t1;
		size_t rounds = 20, len = 0;
		fixture_make(&f, sizes[s], 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t r = 0; r < rounds; r++) {
			char *svg = svg_render(&f.series, &len);
			assert_non_null(svg);
			free(svg);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms[s] = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / (double)rounds;
		bytes[s] = len;
		fixture_free(&f);
	}
	printf("svg_render: 2000 points %.3f ms, %zu bytes; 20000 points %.3f ms, %zu bytes\n",
	       ms[0], bytes[0], ms[1], bytes[1]);
	assert_true(bytes[1] < bytes[0] * 3 / 2);
	assert_true(bytes[1] < 200000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_unchanged), cmocka_unit_test(test_long),
		cmocka_unit_test(test_bucket_values),   cmocka_unit_test(test_labels_used),
		cmocka_unit_test(test_cost),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
#endif
