/* Unit tests for views/render_svg.h: the history plot.
 *
 * Every rendered picture is also written to a temporary directory; the last
 * test parses all of them with python3's xml.etree (and first checks that the
 * checker rejects a malformed file, so it cannot pass by not looking). */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/fixture/tmpdir.h"
#include "views/render_svg.h"

#define MAX_TICKS 64

static char out_dir[PATH_MAX / 2];
static int files_written;

static int group_setup(void **state)
{
	(void)state;
	return test_tmpdir_make(out_dir, sizeof(out_dir), "svg");
}

static int group_teardown(void **state)
{
	(void)state;
	test_tmpdir_remove(out_dir);
	return 0;
}

static void write_file(const char *name, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Render, check the invariants every picture has, and keep a copy for the
 * XML check. The caller frees the text. */
static char *render(const char *name, const struct svg_series *s)
{
	size_t len = 0;
	char *svg = svg_render(s, &len), *again;
	size_t len2 = 0;
	char file[128];
	assert_non_null(svg);
	assert_int_equal(strlen(svg), len);
	assert_true(strncmp(svg, "<?xml", 5) == 0);
	assert_non_null(strstr(svg, "viewBox=\"0 0 960 480\""));
	assert_true(len > 7 && strcmp(svg + len - 7, "</svg>\n") == 0);
	/* The test titles and labels hold neither word, so any hit is a number. */
	assert_null(strcasestr(svg, "nan"));
	assert_null(strcasestr(svg, "inf"));
	/* Deterministic: the same input, the same bytes. */
	assert_non_null(again = svg_render(s, &len2));
	assert_int_equal(len2, len);
	assert_memory_equal(again, svg, len);
	free(again);
	snprintf(file, sizeof(file), "%s.svg", name);
	write_file(file, svg, len);
	files_written++;
	return svg;
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The y tick labels: the texts inside the y-axis group anchored at the end. */
static size_t y_ticks(const char *svg, double *ticks, size_t max)
{
	const char *p = strstr(svg, "<g class=\"y-axis\">");
	const char *end = p ? strstr(p, "</g>") : NULL;
	size_t n = 0;
	assert_non_null(end);
	while ((p = strstr(p, "text-anchor=\"end\"")) && p < end && n < max) {
		char *after;
		p = strchr(p, '>') + 1;
		ticks[n++] = strtod(p, &after);
		assert_true(after > p);
		assert_true(strncmp(after, "</text>", 7) == 0);
	}
	return n;
}

static bool is_125(double step)
{
	double e = floor(log10(step) + 1e-9), m = step / pow(10.0, e);
	return fabs(m - 1.0) < 1e-6 || fabs(m - 2.0) < 1e-6 || fabs(m - 5.0) < 1e-6;
}

/* Ticks are evenly spaced on a 1-2-5 step and cover [lo, hi] (in the unit),
 * with at most pad (the renderer's margin) and one step more on either side. */
static void check_ticks(const char *svg, double lo, double hi, double pad)
{
	double t[MAX_TICKS], step;
	size_t n = y_ticks(svg, t, MAX_TICKS);
	assert_in_range(n, 4, 12);
	step = t[1] - t[0];
	assert_true(step > 0.0);
	assert_true(is_125(step));
	for (size_t i = 2; i < n; i++)
		assert_true(fabs((t[i] - t[i - 1]) - step) <= step * 1e-6);
	assert_true(t[0] <= lo + step * 1e-6);
	assert_true(t[n - 1] >= hi - step * 1e-6);
	assert_true(t[0] >= lo - pad - step * (1 + 1e-6) || t[0] == 0.0);
	assert_true(t[n - 1] <= hi + pad + step * (1 + 1e-6));
}

/* n points around base seconds with a +-spread band; labels "c0000", ... */
struct fixture_series {
	struct svg_point *points;
	char (*labels)[24];
	struct svg_series series;
};

static void series_make(struct fixture_series *fs, size_t n, double base, double spread)
{
	assert_non_null(fs->points = calloc(n ? n : 1, sizeof(*fs->points)));
	assert_non_null(fs->labels = calloc(n ? n : 1, sizeof(*fs->labels)));
	for (size_t i = 0; i < n; i++) {
		snprintf(fs->labels[i], sizeof(fs->labels[i]), "c%04zu", i);
		/* A small deterministic wiggle so the line is not flat. */
		double m = base * (1.0 + 0.01 * (double)((i * 7) % 5) / 4.0);
		fs->points[i] = (struct svg_point){fs->labels[i], m, m - spread, m + spread, 30};
	}
	fs->series = (struct svg_series){"bench: wall time, branch main (host box1)", fs->points,
					 n, NULL, 0};
}

static void series_free(struct fixture_series *fs)
{
	free(fs->points);
	free(fs->labels);
}

static void test_no_points(void **state)
{
	struct svg_series s = {"empty: wall time", NULL, 0, NULL, 0};
	char *svg = render("empty", &s);
	(void)state;
	assert_non_null(strstr(svg, ">no data</text>"));
	assert_non_null(strstr(svg, ">empty: wall time</text>"));
	assert_null(strstr(svg, "<polyline"));
	free(svg);
}

static void test_one_point(void **state)
{
	struct svg_point p = {"abc1234", 0.0123, 0.0120, 0.0126, 30};
	struct svg_series s = {"one", &p, 1, NULL, 0};
	char *svg = render("one", &s);
	(void)state;
	assert_non_null(strstr(svg, "time (ms)"));
	assert_non_null(strstr(svg, ">abc1234</text>"));
	assert_null(strstr(svg, "<polygon")); /* an error bar, not a band */
	assert_int_equal(count_of(svg, "<circle"), 1);
	assert_non_null(strstr(svg, "1 commit, 30 samples<"));
	check_ticks(svg, 12.0, 12.6, 0.05 * 0.6);
	free(svg);
}

static void test_units(void **state)
{
	static const struct {
		double base;
		const char *unit;
	} cases[] = {
		{300e-9, "time (ns)"}, {40e-6, "time (\xc2\xb5s)"}, {12e-3, "time (ms)"},
		{0.3, "time (ms)"},    {3.0, "time (s)"},           {250.0, "time (s)"},
	};
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct fixture_series fs;
		char name[32], *svg;
		double lo, hi, scale = strstr(cases[c].unit, "(ns)")   ? 1e-9
			       : strstr(cases[c].unit, "(ms)") ? 1e-3
			       : strstr(cases[c].unit, "(s)")  ? 1.0
							       : 1e-6;
		series_make(&fs, 12, cases[c].base, cases[c].base * 0.03);
		snprintf(name, sizeof(name), "unit-%zu", c);
		svg = render(name, &fs.series);
		assert_non_null(strstr(svg, cases[c].unit));
		/* The band spans base*0.97 .. base*1.01*1.03. */
		lo = cases[c].base * 0.97 / scale;
		hi = cases[c].base * 1.0401 / scale;
		check_ticks(svg, lo, hi, 0.05 * (hi - lo));
		assert_int_equal(count_of(svg, "<circle"), 12);
		assert_non_null(strstr(svg, "12 commits, 30 samples each"));
		free(svg);
		series_free(&fs);
	}
}

static void test_all_equal(void **state)
{
	struct svg_point p[5];
	struct svg_series s = {"flat", p, 5, NULL, 0};
	char *svg;
	(void)state;
	for (size_t i = 0; i < 5; i++)
		p[i] = (struct svg_point){"h", 0.005, 0.005, 0.005, 10};
	svg = render("flat", &s);
	assert_non_null(strstr(svg, "time (ms)"));
	check_ticks(svg, 5.0, 5.0, 0.5);
	free(svg);
	for (size_t i = 0; i < 5; i++)
		p[i] = (struct svg_point){"z", 0.0, 0.0, 0.0, 10};
	svg = render("zero", &s);
	check_ticks(svg, 0.0, 0.0, 1.0); /* 0 to 1 ns */
	assert_non_null(strstr(svg, "time (ns)"));
	free(svg);
}

static void test_magnitudes(void **state)
{
	static const double bases[] = {1e-15, 1e-12, 1e-300, 1e-320, 1e6, 1e12, 1e300, 1e308};
	(void)state;
	for (size_t c = 0; c < sizeof(bases) / sizeof(bases[0]); c++) {
		struct fixture_series fs;
		char name[32], *svg;
		double t[MAX_TICKS];
		size_t n;
		series_make(&fs, 8, bases[c], bases[c] * 0.1);
		snprintf(name, sizeof(name), "magnitude-%zu", c);
		svg = render(name, &fs.series);
		n = y_ticks(svg, t, MAX_TICKS);
		assert_in_range(n, 2, 12);
		for (size_t i = 1; i < n; i++)
			assert_true(t[i] > t[i - 1]); /* distinct and in order */
		free(svg);
		series_free(&fs);
	}
}

static void test_not_finite(void **state)
{
	struct svg_point p[6] = {
		{"a", 0.010, 0.009, 0.011, 5},  {"b", NAN, 0.0, 1.0, 5},
		{"c", 0.010, -INFINITY, NAN, 5}, {"d", INFINITY, 0.0, 0.0, 0},
		{"e", 0.011, 0.010, INFINITY, 5}, {"f", 0.012, 0.011, 0.013, 5},
	};
	size_t changes[] = {4};
	struct svg_series s = {"holes", p, 6, changes, 1};
	struct svg_point all_nan[2] = {{"x", NAN, NAN, NAN, 1}, {"y", NAN, NAN, NAN, 1}};
	struct svg_series s2 = {"all-holes", all_nan, 2, NULL, 0};
	char *svg;
	(void)state;
	svg = render("holes", &s);
	/* Drawable runs: a, c, then e-f (b and d are holes): one band and line, two bars. */
	assert_int_equal(count_of(svg, "<polyline"), 1);
	assert_non_null(strstr(svg, ">b</text>")); /* the slot keeps its label */
	free(svg);
	svg = render("all-holes", &s2);
	assert_non_null(strstr(svg, "no finite measurements"));
	free(svg);
}

static void test_escaping(void **state)
{
	struct svg_point p[2] = {
		{"<x>&\"'", 0.001, 0.001, 0.001, 3},
		{"bad\xff\xc3(\x01)\xed\xa0\x80\xef\xbf\xbe-\xc3\xa9", 0.002, 0.002, 0.002, 3},
	};
	struct svg_series s = {"a<b & \"c\" 'd' > \xe2\x9c\x93", p, 2, NULL, 0};
	char *svg;
	(void)state;
	svg = render("escaping", &s);
	assert_non_null(strstr(svg, "a&lt;b &amp; &quot;c&quot; &#39;d&#39; &gt; \xe2\x9c\x93"));
	assert_non_null(strstr(svg, ">&lt;x&gt;&amp;&quot;&#39;</text>"));
	assert_null(strstr(svg, "<x>"));
	/* Invalid UTF-8, a control byte, a surrogate and U+FFFE each become U+FFFD. */
	assert_non_null(strstr(svg, ">bad\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd)\xef\xbf\xbd\xef\xbf\xbd"
				    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd-\xc3\xa9</text>"));
	free(svg);
	s.title = NULL;
	p[0].label = NULL;
	svg = render("null-text", &s);
	free(svg);
}

static void test_long_title(void **state)
{
	char title[400];
	struct svg_point p = {"h", 1.0, 1.0, 1.0, 1};
	struct svg_series s = {title, &p, 1, NULL, 0};
	char *svg;
	(void)state;
	memset(title, 'w', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	svg = render("long-title", &s);
	assert_non_null(strstr(svg, "textLength=\"928\""));
	free(svg);
}

/* Tag names as labels: up to 8 characters the plot keeps its size; longer
 * ones raise its bottom, and over 16 show head and tail around an ellipsis
 * (whole characters), the whole name as a tooltip. */
static void test_long_labels(void **state)
{
	struct svg_point p[5] = {
		{"v1.0", 0.010, 0.009, 0.011, 5},
		{"abcdef12", 0.010, 0.009, 0.011, 5},
		{"release-2024.01", 0.011, 0.010, 0.012, 5},
		{"myproject-v1.2.3-rc1", 0.012, 0.011, 0.013, 5},
		{"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\xc3\xa9", 0.012, 0.011,
		 0.013, 5},
	};
	struct svg_series s = {"labels", p, 2, NULL, 0};
	char *svg;
	(void)state;
	/* Hashes and short tags: the x axis stays at 384. */
	svg = render("labels-short", &s);
	assert_non_null(strstr(svg, "<g class=\"x-axis\">\n<line x1=\"84.0\" y1=\"384.0\""));
	assert_non_null(strstr(svg, ">v1.0</text>"));
	assert_non_null(strstr(svg, ">abcdef12</text>"));
	free(svg);
	/* 15 characters: 7 over the fit, 7 x 4.7 px higher. */
	s.npoints = 3;
	svg = render("labels-15", &s);
	assert_non_null(strstr(svg, "<g class=\"x-axis\">\n<line x1=\"84.0\" y1=\"351.1\""));
	assert_non_null(strstr(svg, ">release-2024.01</text>"));
	assert_null(strstr(svg, "\xe2\x80\xa6"));
	free(svg);
	s.npoints = 5;
	svg = render("labels-long", &s);
	/* 16 characters at most: 8 x 4.7 px higher, and no further. */
	assert_non_null(strstr(svg, "<g class=\"x-axis\">\n<line x1=\"84.0\" y1=\"346.4\""));
	assert_non_null(strstr(svg, ">myproje\xe2\x80\xa6.2.3-rc1<title>myproject-v1.2.3-rc1</title></text>"));
	assert_non_null(strstr(svg, ">\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6"
				    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x\xc3\xa9<title>"));
	/* The markers' tooltips name the whole label. */
	assert_non_null(strstr(svg, "<title>myproject-v1.2.3-rc1: "));
	/* The plot shrank with the axis: no point below it. */
	assert_null(strstr(svg, "y1=\"384.0\""));
	free(svg);
}

static void test_change_points(void **state)
{
	struct fixture_series fs;
	/* Duplicates, out of order and out of range indices are tolerated. */
	size_t changes[] = {30, 10, 0, 40, 10, 999};
	char *svg;
	(void)state;
	series_make(&fs, 40, 0.001, 0.00001);
	for (size_t i = 0; i < 40; i++) {
		double m = i < 10 ? 0.001 : i < 30 ? 0.00125 : 0.001;
		fs.points[i].mean = m;
		fs.points[i].lo = m * 0.99;
		fs.points[i].hi = m * 1.01;
	}
	fs.series.changes = changes;
	fs.series.nchanges = sizeof(changes) / sizeof(changes[0]);
	svg = render("changes", &fs.series);
	/* Two change lines plus the legend's sample. */
	assert_int_equal(count_of(svg, "stroke-dasharray=\"5 4\""), 3);
	assert_non_null(strstr(svg, ">+25.0%</text>"));
	assert_non_null(strstr(svg, ">-20.0%</text>"));
	assert_non_null(strstr(svg, "stroke=\"#c62828\" stroke-width=\"1.5\" stroke-dasharray"));
	assert_non_null(strstr(svg, "stroke=\"#2e7d32\" stroke-width=\"1.5\" stroke-dasharray"));
	/* The legend's sample is neutral: the colours above are the lines'. */
	assert_int_equal(count_of(svg, "stroke=\"#c62828\""), 1);
	assert_int_equal(count_of(svg, "stroke=\"#2e7d32\""), 1);
	free(svg);
	/* No valid index: only the legend's dashed sample. */
	changes[0] = 0;
	fs.series.nchanges = 1;
	svg = render("no-changes", &fs.series);
	assert_int_equal(count_of(svg, "stroke-dasharray=\"5 4\""), 1);
	free(svg);
	series_free(&fs);
}

static void test_many_points(void **state)
{
	struct fixture_series fs;
	size_t changes[] = {1200};
	struct timespec t0, t1;
	size_t labels, rounds = 20;
	char *svg;
	double ms;
	(void)state;
	series_make(&fs, 2000, 0.004, 0.0001);
	for (size_t i = 1200; i < 2000; i++) {
		fs.points[i].mean *= 1.1;
		fs.points[i].lo *= 1.1;
		fs.points[i].hi *= 1.1;
	}
	fs.series.changes = changes;
	fs.series.nchanges = 1;
	svg = render("many", &fs.series);
	labels = count_of(svg, "rotate(-45)");
	assert_in_range(labels, 20, 48);
	assert_non_null(strstr(svg, ">c0000</text>"));
	assert_non_null(strstr(svg, ">c1950</text>")); /* every 50th */
	assert_null(strstr(svg, ">c1951</text>"));
	assert_int_equal(count_of(svg, "<circle"), 0);
	assert_int_equal(count_of(svg, "<polygon"), 1);
	assert_non_null(strstr(svg, "2000 commits, 30 samples each"));
	free(svg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t r = 0; r < rounds; r++) {
		size_t len;
		free(svg_render(&fs.series, &len));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) /
	     (double)rounds;
	printf("svg_render, 2000 points: %.3f ms per picture\n", ms);
	series_free(&fs);
}

static const char checker[] =
	"import os, re, sys, xml.etree.ElementTree as ET\n"
	"bad = 0\n"
	"names = sorted(n for n in os.listdir(sys.argv[1]) if n.endswith('.svg'))\n"
	"for name in names:\n"
	"    try:\n"
	"        root = ET.parse(os.path.join(sys.argv[1], name)).getroot()\n"
	"    except ET.ParseError as e:\n"
	"        print('%s: %s' % (name, e)); bad += 1; continue\n"
	"    if root.tag != '{http://www.w3.org/2000/svg}svg':\n"
	"        print('%s: root is %s' % (name, root.tag)); bad += 1\n"
	"    for el in root.iter():\n"
	"        for k, v in el.attrib.items():\n"
	"            if k != 'font-family' and re.search('nan|inf', v, re.I):\n"
	"                print('%s: %s=%r' % (name, k, v)); bad += 1\n"
	"print('checked %d files, %d problems' % (len(names), bad))\n"
	"sys.exit(1 if bad or not names else 0)\n";

/* Exit status of the checker over dir. */
static int run_checker(const char *dir)
{
	char cmd[PATH_MAX * 2 + 64];
	int status;
	/* Paths from mkdtemp under TMPDIR: quoted for the shell all the same. */
	assert_null(strchr(out_dir, '\''));
	snprintf(cmd, sizeof(cmd), "python3 '%s/check.py' '%s'", out_dir, dir);
	status = system(cmd);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_well_formed(void **state)
{
	char bad_dir[PATH_MAX], path[PATH_MAX + 16];
	FILE *f;
	(void)state;
	write_file("check.py", checker, sizeof(checker) - 1);
	/* The checker must see a broken file as broken. */
	snprintf(bad_dir, sizeof(bad_dir), "%s/bad", out_dir);
	assert_int_equal(mkdir(bad_dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/broken.svg", bad_dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a & b</text></svg>\n", f);
	fclose(f);
	assert_int_not_equal(run_checker(bad_dir), 0);
	unlink(path);
	rmdir(bad_dir);
	assert_true(files_written >= 20);
	assert_int_equal(run_checker(out_dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_points),     cmocka_unit_test(test_one_point),
		cmocka_unit_test(test_units),         cmocka_unit_test(test_all_equal),
		cmocka_unit_test(test_magnitudes),    cmocka_unit_test(test_not_finite),
		cmocka_unit_test(test_escaping),      cmocka_unit_test(test_long_title),
		cmocka_unit_test(test_long_labels),
		cmocka_unit_test(test_change_points), cmocka_unit_test(test_many_points),
		/* Last: it parses every picture the tests above wrote. */
		cmocka_unit_test(test_well_formed),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
