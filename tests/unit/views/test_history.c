/* views/history and views/regressions against a temporary store and
 * repository, no mount: history/<bench>.csv has one row per benchmarked
 * commit of the branch, oldest first; the regressions file of a flat history
 * is empty, and with confirm off a planted step in wall time (and one in
 * instruction counts) is listed at the commit that made it. */
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
#include "views/regressions.h"

#define COMMITS 12
#define RUNS 2
#define ITERATIONS 10
#define CSV_HEADER "commit,commit_time,runs,n,mean,stddev,median,min,max\n"

static unsigned long long seed = 7;

static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

/* A branch of COMMITS commits; commit 2 has no runs, the others RUNS runs
 * of "work" and of "other" around mean(i) (each run within 1%). */
static struct vfix *branch(char c[COMMITS][41], double (*mean)(int i), double (*count)(int i))
{
	struct vfix *f = vfix_new("history");
	for (int i = 0; i < COMMITS; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "c%d", i);
		vfix_commit(f, c[i], msg);
	}
	for (int i = 0; i < COMMITS; i++) {
		if (i == 2)
			continue;
		for (int r = 0; r < RUNS; r++) {
			int64_t id = vfix_start(f, c[i]);
			double v[ITERATIONS], w[ITERATIONS], run = 1 + 0.01 * jitter();
			for (int k = 0; k < ITERATIONS; k++) {
				v[k] = mean(i) * run * (1 + 0.002 * jitter());
				w[k] = 0.02 * run * (1 + 0.002 * jitter());
			}
			vfix_samples(f, id, "work", v, ITERATIONS);
			vfix_samples(f, id, "other", w, ITERATIONS);
			if (count)
				assert_int_equal(store_metric_add(f->store, id, "work", "instructions",
								  count(i)),
						 STORE_OK);
			vfix_done(f, id);
		}
	}
	return f;
}

static double flat(int i)
{
	(void)i;
	return 0.1;
}

/* 30% slower from commit 7 on. */
static double step(int i)
{
	return i >= 7 ? 0.13 : 0.1;
}

static double flat_count(int i)
{
	(void)i;
	return 1e6;
}

/* Twice the instructions from commit 9 on. */
static double step_count(int i)
{
	return i >= 9 ? 2e6 : 1e6;
}

static void test_csv(void **state)
{
	char c[COMMITS][41], tip[41], *text = NULL, *line, *save = NULL;
	struct vfix *f = branch(c, step, NULL);
	size_t len = 0, rows = 0;
	(void)state;
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	assert_string_equal(tip, c[COMMITS - 1]);
	assert_int_equal(history_render(&text, &len, &f->ctx, tip, "work", HISTORY_CSV), 0);
	assert_int_equal(strlen(text), len);
	assert_true(strncmp(text, CSV_HEADER, strlen(CSV_HEADER)) == 0);
	/* One row per benchmarked commit, oldest first (commit 2 has no runs). */
	for (line = strtok_r(text + strlen(CSV_HEADER), "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int i = (int)rows + (rows >= 2), runs = 0, n = 0;
		char commit[41] = "", when[32] = "";
		double mean = 0;
		char want_when[32];
		assert_true(i < COMMITS);
		assert_int_equal(sscanf(line, "%40[0-9a-f],%31[^,],%d,%d,%lf", commit, when, &runs,
					&n, &mean),
				 5);
		assert_string_equal(commit, c[i]);
		/* The fixture's commits are a minute apart from 1600000060. */
		snprintf(want_when, sizeof(want_when), "2020-09-13T12:%02d:40Z", 27 + i);
		assert_string_equal(when, want_when);
		assert_int_equal(runs, RUNS);
		assert_int_equal(n, RUNS * ITERATIONS);
		assert_true(mean > step(i) * 0.98 && mean < step(i) * 1.02);
		rows++;
	}
	assert_int_equal(rows, COMMITS - 1);
	free(text);

	/* A benchmark no commit has, and no branch: the header alone. */
	assert_int_equal(history_render(&text, &len, &f->ctx, tip, "nope", HISTORY_CSV), 0);
	assert_string_equal(text, CSV_HEADER);
	free(text);
	assert_int_equal(history_render(&text, &len, &f->ctx, NULL, "work", HISTORY_CSV), 0);
	assert_string_equal(text, CSV_HEADER);
	free(text);
	vfix_free(f);
}

/* No tracked branch at all (a detached HEAD and none configured): the SVG is
 * an empty plot that says so; it once dereferenced the missing branch. */
static void test_svg_without_branch(void **state)
{
	char c[COMMITS][41], *text = NULL;
	struct vfix *f = branch(c, step, NULL);
	size_t len = 0;
	(void)state;
	f->ctx.branch = NULL;
	assert_int_equal(history_render(&text, &len, &f->ctx, NULL, "work", HISTORY_SVG), 0);
	assert_int_equal(strlen(text), len);
	assert_non_null(strstr(text, "<svg"));
	assert_non_null(strstr(text, "branch (none)"));
	free(text);
	vfix_free(f);
}

static void test_flat(void **state)
{
	char c[COMMITS][41], tip[41], *text = NULL;
	struct vfix *f = branch(c, flat, flat_count);
	(void)state;
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	assert_int_equal(regressions_render(&text, &f->ctx, tip), 0);
	assert_string_equal(text, "");
	free(text);
	vfix_free(f);
}

/* The line of bench in text, which must be there. */
static char *line_of(char *out, size_t size, const char *text, const char *bench)
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
	fail_msg("no line of %s in:\n%s", bench, text);
	return NULL;
}

static void test_step(void **state)
{
	char c[COMMITS][41], tip[41], *text = NULL, line[512], want[160];
	struct vfix *f = branch(c, step, step_count);
	size_t lines = 0;
	(void)state;
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	assert_int_equal(regressions_render(&text, &f->ctx, tip), 0);
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 2);
	/* The wall time step: at commit 7, about +30%, decided by the runs. */
	line_of(line, sizeof(line), text, "work");
	snprintf(want, sizeof(want), "%s\twork\t", c[7]);
	assert_true(strncmp(line, want, strlen(want)) == 0);
	assert_non_null(strstr(line, "\t+3"));
	assert_non_null(strstr(line, "\tfixed\truns\t-"));
	/* The instruction counts' step: at commit 9, +100%. */
	line_of(line, sizeof(line), text, "work:instructions");
	snprintf(want, sizeof(want), "%s\twork:instructions\t1000000\t2000000\t+100.0%%\t-\t",
		 c[9]);
	assert_true(strncmp(line, want, strlen(want)) == 0);
	/* With a wall time line's 11 fields: the threshold, the method and the
	 * two commits the counts step between; then the alert's id and state,
	 * and the culprit of a bisection (none). */
	snprintf(want, sizeof(want), "\t5%%\tfixed\tcount\t%s..%s\t", c[8], c[9]);
	assert_non_null(strstr(line, want));
	{
		char id[ALERT_ID_LEN + 1], tail[256];
		alert_id(id, c[9], "work:instructions");
		snprintf(tail, sizeof(tail), "%s%s\tnew\t-", want, id);
		assert_string_equal(strstr(line, want), tail);
	}
	/* "other" never moved. */
	assert_null(strstr(text, "\tother"));
	free(text);
	vfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_svg_without_branch),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_step),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("history", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
