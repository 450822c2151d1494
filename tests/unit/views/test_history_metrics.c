/* The history's views over metrics besides wall time, against a temporary
 * store and repository, no mount: regressions tests every metric's series
 * in its own direction (a throughput's drop is a line, its rise none; a
 * memory step of 64 MiB is one; a flat cpu none), each metric its own
 * family so wall time's lines are those of a store without metrics;
 * history/<bench>:<metric>.csv and .svg give the metric's values in its
 * unit, marked in its bad direction; history/ lists every benchmark's
 * cpu and memory and the declared metrics it has. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/views/views_fixture.h"
#include "views/alerts.h"
#include "views/history.h"
#include "views/listings.h"
#include "views/regressions.h"

#define COMMITS 12
#define RUNS 2
#define ITERATIONS 10
#define MIB (1024.0 * 1024.0)

static unsigned long long seed = 11;

static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

/* What each commit plants. */
struct plan {
	double work_throughput, other_throughput; /* MiB/s */
	double work_memory;                       /* bytes */
};

/* work's throughput drops by 20% at commit 7; other's rises by 25% at
 * commit 5; work allocates 64 MiB more from commit 9 on. Wall time and cpu
 * never move. */
static struct plan plan_of(int i)
{
	return (struct plan){.work_throughput = i >= 7 ? 80 : 100,
			     .other_throughput = i >= 5 ? 125 : 100,
			     .work_memory = (i >= 9 ? 64 * MIB : 0) + 20 * MIB};
}

/* One benchmark's iterations with wall, cpu and memory (each run within 1%). */
static void samples(struct vfix *f, int64_t run, const char *bench, double wall, double cpu,
		    double rss)
{
	struct store_iteration its[ITERATIONS];
	double r = 1 + 0.01 * jitter();
	for (int k = 0; k < ITERATIONS; k++)
		its[k] = (struct store_iteration){
			.benchmark = bench,
			.iteration = k + 1,
			.wall_ns = (int64_t)(wall * r * (1 + 0.002 * jitter()) * 1e9),
			.user_ns = (int64_t)(cpu * 0.9 * r * (1 + 0.002 * jitter()) * 1e9),
			.sys_ns = (int64_t)(cpu * 0.1 * r * 1e9),
			/* Pages: a peak RSS moves by a few. */
			.maxrss_bytes = (int64_t)rss + 4096 * (int64_t)(4 * (jitter() + 0.5))};
	assert_int_equal(store_iterations_add(f->store, run, its, ITERATIONS), STORE_OK);
}

static const struct store_metric_def throughput = {
	.name = "throughput", .unit = "MiB/s", .higher_is_better = true};

static void declared(struct vfix *f, int64_t run, double work, double other)
{
	struct store_metric_sample s[2 * ITERATIONS];
	double r = 1 + 0.01 * jitter();
	for (int k = 0; k < ITERATIONS; k++) {
		s[k] = (struct store_metric_sample){.benchmark = "other", .metric = "throughput",
						    .iteration = k + 1,
						    .value = other * r * (1 + 0.002 * jitter())};
		s[ITERATIONS + k] = (struct store_metric_sample){
			.benchmark = "work", .metric = "throughput", .iteration = k + 1,
			.value = work * r * (1 + 0.002 * jitter())};
	}
	assert_int_equal(store_metric_samples_add(f->store, run, &throughput, 1, s, 2 * ITERATIONS),
			 STORE_OK);
}

/* A branch of COMMITS commits, RUNS runs each of "work", "other" (both with
 * a throughput) and "plain" (wall, cpu and memory only). */
static struct vfix *branch(char c[COMMITS][41], bool metrics)
{
	struct vfix *f = vfix_new("history_metrics");
	for (int i = 0; i < COMMITS; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "c%d", i);
		vfix_commit(f, c[i], msg);
	}
	for (int i = 0; i < COMMITS; i++) {
		struct plan p = plan_of(i);
		for (int r = 0; r < RUNS; r++) {
			int64_t id = vfix_start(f, c[i]);
			samples(f, id, "other", 0.02, metrics ? 0.019 : 0, metrics ? 10 * MIB : 0);
			samples(f, id, "plain", 0.05, metrics ? 0.049 : 0, metrics ? 30 * MIB : 0);
			samples(f, id, "work", 0.1, metrics ? 0.09 : 0, metrics ? p.work_memory : 0);
			if (metrics)
				declared(f, id, p.work_throughput, p.other_throughput);
			vfix_done(f, id);
		}
	}
	return f;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

/* The line of bench in text, or NULL. */
static const char *find_line(char *out, size_t size, const char *text, const char *bench)
{
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n'), *tab = strchr(p, '\t');
		assert_non_null(end);
		if (tab && tab < end && strncmp(tab + 1, bench, strlen(bench)) == 0 &&
		    tab[1 + strlen(bench)] == '\t') {
			snprintf(out, size, "%.*s", (int)(end - p), p);
			return out;
		}
		p = end + 1;
	}
	return NULL;
}

static size_t count_fields(const char *line)
{
	size_t n = 1;
	for (const char *p = line; (p = strchr(p, '\t')); p++)
		n++;
	return n;
}

/* Field 5 of a line, the relative change ("-20.0%"), within [lo, hi]. */
static void assert_change(const char *line, double lo, double hi)
{
	const char *p = line;
	double pct = 0;
	for (int k = 0; k < 4; k++)
		p = strchr(p, '\t') + 1;
	assert_int_equal(sscanf(p, "%lf%%", &pct), 1);
	assert_true(pct / 100 >= lo && pct / 100 <= hi);
}

static void test_regressions(void **state)
{
	char c[COMMITS][41], tip[41], *text = NULL, line[1024], want[256], id[ALERT_ID_LEN + 1];
	struct vfix *f = branch(c, true);
	(void)state;
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	assert_int_equal(regressions_render(&text, &f->ctx, tip), 0);
	/* The throughput's drop: a regression, read as one. */
	assert_non_null(find_line(line, sizeof(line), text, "work:throughput"));
	snprintf(want, sizeof(want), "%s\twork:throughput\t", c[7]);
	assert_true(strncmp(line, want, strlen(want)) == 0);
	assert_change(line, -0.21, -0.19);
	assert_non_null(strstr(line, "\t5%\tfixed\truns\t-\t"));
	assert_int_equal(count_fields(line), 14);
	alert_id(id, c[7], "work:throughput");
	snprintf(want, sizeof(want), "\t%s\tnew\t-", id);
	assert_non_null(strstr(line, want));
	/* before and after in MiB/s. */
	{
		double before = 0, after = 0;
		assert_int_equal(sscanf(strchr(strchr(line, '\t') + 1, '\t') + 1, "%lf\t%lf", &before,
					&after),
				 2);
		assert_true(before > 98 && before < 102);
		assert_true(after > 78 && after < 82);
	}
	/* The memory step: 64 MiB more from commit 9. */
	assert_non_null(find_line(line, sizeof(line), text, "work:memory"));
	snprintf(want, sizeof(want), "%s\twork:memory\t", c[9]);
	assert_true(strncmp(line, want, strlen(want)) == 0);
	assert_change(line, 3.15, 3.25);
	assert_int_equal(count_fields(line), 14);
	/* other's throughput rose: better, no line; nothing else moved. */
	assert_null(find_line(line, sizeof(line), text, "other:throughput"));
	assert_int_equal(count_lines(text), 2);
	free(text);
	vfix_free(f);
}

/* Wall time's lines do not depend on the metrics beside it (each metric is
 * its own family): a wall step's line is the same with and without them. */
static double wall_step(int i)
{
	return i >= 6 ? 0.13 : 0.1;
}

static struct vfix *wall_branch(char c[COMMITS][41], bool metrics)
{
	struct vfix *f = vfix_new("history_metrics_wall");
	seed = 5;
	for (int i = 0; i < COMMITS; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "c%d", i);
		vfix_commit(f, c[i], msg);
	}
	for (int i = 0; i < COMMITS; i++) {
		for (int r = 0; r < RUNS; r++) {
			int64_t id = vfix_start(f, c[i]);
			unsigned long long keep;
			/* The same draws either way; with metrics, cpu steps with the
			 * wall time, and a flat throughput is declared. */
			samples(f, id, "work", wall_step(i), metrics ? 0.9 * wall_step(i) : 0,
				metrics ? 20 * MIB : 0);
			keep = seed;
			if (metrics)
				declared(f, id, 100, 100);
			seed = keep;
			vfix_done(f, id);
		}
	}
	return f;
}

static void test_wall_unmoved(void **state)
{
	char c[COMMITS][41], tip[41], *with = NULL, *without = NULL, line[1024], wline[1024];
	struct vfix *f;
	(void)state;
	f = wall_branch(c, false);
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	assert_int_equal(regressions_render(&without, &f->ctx, tip), 0);
	vfix_free(f);
	f = wall_branch(c, true);
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	assert_int_equal(regressions_render(&with, &f->ctx, tip), 0);
	vfix_free(f);
	assert_non_null(find_line(line, sizeof(line), without, "work"));
	assert_non_null(find_line(wline, sizeof(wline), with, "work"));
	assert_string_equal(line, wline);
	/* and cpu's own step beside it, in its own family. */
	assert_non_null(find_line(line, sizeof(line), with, "work:cpu"));
	assert_int_equal(count_lines(with), 2);
	assert_int_equal(count_lines(without), 1);
	free(with);
	free(without);
}

static void test_csv(void **state)
{
	char c[COMMITS][41], tip[41], *text = NULL;
	struct vfix *f = branch(c, true);
	size_t len = 0, rows = 0;
	(void)state;
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	assert_int_equal(history_render(&text, &len, &f->ctx, tip, "work:throughput", HISTORY_CSV),
			 0);
	assert_int_equal(strlen(text), len);
	assert_true(strncmp(text,
			    "commit,commit_time,runs,n,mean (MiB/s),stddev (MiB/s),median (MiB/s),"
			    "min (MiB/s),max (MiB/s)\n",
			    strlen("commit,commit_time,runs,n,mean (MiB/s),stddev (MiB/s),"
				   "median (MiB/s),min (MiB/s),max (MiB/s)\n")) == 0);
	for (char *p = strchr(text, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
		char commit[41];
		size_t runs, n;
		double mean;
		assert_int_equal(sscanf(p, "%40[0-9a-f],%*[^,],%zu,%zu,%lf,", commit, &runs, &n, &mean),
				 4);
		assert_string_equal(commit, c[rows]);
		assert_int_equal(runs, RUNS);
		assert_int_equal(n, RUNS * ITERATIONS);
		assert_true(rows >= 7 ? mean > 78 && mean < 82 : mean > 98 && mean < 102);
		rows++;
	}
	assert_int_equal(rows, COMMITS);
	free(text);
	/* memory in bytes. */
	assert_int_equal(history_render(&text, &len, &f->ctx, tip, "work:memory", HISTORY_CSV), 0);
	assert_non_null(strstr(text, ",mean (bytes),"));
	{
		char *last = text + len - 2;
		double mean = 0;
		while (*last != '\n')
			last--;
		assert_int_equal(sscanf(last + 1, "%*[^,],%*[^,],%*[^,],%*[^,],%lf,", &mean), 1);
		assert_true(mean > 84 * MIB && mean < 84 * MIB + 32768);
	}
	free(text);
	/* cpu in seconds; wall time's header as it always was. */
	assert_int_equal(history_render(&text, &len, &f->ctx, tip, "plain:cpu", HISTORY_CSV), 0);
	assert_non_null(strstr(text, ",mean (s),"));
	free(text);
	assert_int_equal(history_render(&text, &len, &f->ctx, tip, "work", HISTORY_CSV), 0);
	assert_true(strncmp(text, "commit,commit_time,runs,n,mean,stddev,median,min,max\n", 53) == 0);
	free(text);
	vfix_free(f);
}

static void test_svg(void **state)
{
	char c[COMMITS][41], tip[41], *text = NULL;
	struct vfix *f = branch(c, true);
	size_t len = 0;
	(void)state;
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	/* A reader before regressions is kept (marks computed for the
	 * benchmark), then after (marks read from what regressions kept). */
	for (int kept = 0; kept < 2; kept++) {
		if (kept) {
			char *reg = NULL;
			assert_int_equal(regressions_render(&reg, &f->ctx, tip), 0);
			free(reg);
		}
		assert_int_equal(history_render(&text, &len, &f->ctx, tip, "work:throughput",
						HISTORY_SVG),
				 0);
		assert_non_null(strstr(text, ">throughput (MiB/s)</text>"));
		assert_non_null(strstr(text, "work: throughput per iteration (MiB/s, higher is better)"));
		/* The drop marked as a regression (red), nothing green. */
		assert_non_null(strstr(text, "stroke=\"#c62828\" stroke-width=\"1.5\""));
		assert_null(strstr(text, "stroke=\"#2e7d32\" stroke-width=\"1.5\""));
		free(text);
		/* The rise of other's marked as an improvement (green). */
		assert_int_equal(history_render(&text, &len, &f->ctx, tip, "other:throughput",
						HISTORY_SVG),
				 0);
		assert_non_null(strstr(text, "stroke=\"#2e7d32\" stroke-width=\"1.5\""));
		assert_null(strstr(text, "stroke=\"#c62828\" stroke-width=\"1.5\""));
		free(text);
		/* memory's rise: red, on an axis in bytes. */
		assert_int_equal(history_render(&text, &len, &f->ctx, tip, "work:memory", HISTORY_SVG),
				 0);
		assert_non_null(strstr(text, ">memory (bytes)</text>"));
		assert_non_null(strstr(text, "stroke=\"#c62828\" stroke-width=\"1.5\""));
		free(text);
	}
	vfix_free(f);
}

static void test_listing(void **state)
{
	static const char *const want[] = {
		"other.csv",     "other.svg",      "other:cpu.csv",        "other:cpu.svg",
		"other:memory.csv", "other:memory.svg", "other:throughput.csv", "other:throughput.svg",
		"plain.csv",     "plain.svg",      "plain:cpu.csv",        "plain:cpu.svg",
		"plain:memory.csv", "plain:memory.svg", "work.csv",         "work.svg",
		"work:cpu.csv",  "work:cpu.svg",   "work:memory.csv",      "work:memory.svg",
		"work:throughput.csv", "work:throughput.svg"};
	char c[COMMITS][41], **names = NULL;
	struct vfix *f = branch(c, true);
	size_t n = 0;
	bool found;
	(void)state;
	assert_int_equal(listing_history(&names, &n, &f->ctx), 0);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(names[i], want[i]);
	listing_free(names, n);
	/* The names a lookup finds. */
	assert_int_equal(history_name_exists(&found, &f->ctx, "work:throughput"), 0);
	assert_true(found);
	assert_int_equal(history_name_exists(&found, &f->ctx, "plain:memory"), 0);
	assert_true(found);
	assert_int_equal(history_name_exists(&found, &f->ctx, "work"), 0);
	assert_true(found);
	assert_int_equal(history_name_exists(&found, &f->ctx, "work:nope"), 0);
	assert_false(found);
	assert_int_equal(history_name_exists(&found, &f->ctx, "nope:cpu"), 0);
	assert_false(found);
	vfix_free(f);
}

/* A benchmark named with a colon stays one while no metric has the name
 * after it. */
static void test_names(void **state)
{
	struct vfix *f = vfix_new("history_names");
	struct history_name hn;
	(void)state;
	assert_int_equal(history_name_parse(&hn, &f->ctx, "parse:json"), 0);
	assert_false(hn.metric);
	assert_string_equal(hn.bench, "parse:json");
	history_name_clear(&hn);
	assert_int_equal(history_name_parse(&hn, &f->ctx, "a:b:memory"), 0);
	assert_true(hn.metric);
	assert_string_equal(hn.bench, "a:b");
	assert_string_equal(hn.def.unit, "bytes");
	history_name_clear(&hn);
	assert_int_equal(history_name_parse(&hn, &f->ctx, "w:instructions"), 0);
	assert_false(hn.metric);
	history_name_clear(&hn);
	vfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regressions), cmocka_unit_test(test_wall_unmoved),
		cmocka_unit_test(test_csv),         cmocka_unit_test(test_svg),
		cmocka_unit_test(test_listing),     cmocka_unit_test(test_names),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("history_metrics", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
