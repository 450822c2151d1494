/* The sweep of views/regressions, against a temporary store and repository,
 * no mount: with confirm on, the A/B jobs regressions_next_job asks for are
 * played as the daemon would queue them (their samples drawn from planted
 * true times), until it asks for none. The separate runs of the history show
 * no step at all (as under a load that hides a 10% step in one run per
 * commit), so only the sweep can find the planted steps: each must be named
 * at its own commit, nothing else, and no job asked for twice. A user's A/B
 * job of two neighbouring commits counts as the end of a bisection. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/views/views_fixture.h"
#include "views/history.h"
#include "views/regressions.h"

#define COMMITS 40
#define PAIRS 12
#define MAX_JOBS 60

static unsigned long long seed = 11;

static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

struct step {
	const char *bench;
	int at;       /* the first commit with the step */
	double ratio; /* its factor on the time */
};

/* The true time of bench at commit i. */
static double truth(const struct step *steps, size_t nsteps, const char *bench, int i)
{
	double t = strcmp(bench, "work") == 0 ? 0.010 : 0.020;
	for (size_t k = 0; k < nsteps; k++)
		if (strcmp(steps[k].bench, bench) == 0 && i >= steps[k].at)
			t *= steps[k].ratio;
	return t;
}

static const char *const benches[] = {"work", "other"};

/* A declared throughput (higher is better) of bench at commit i: 100 MiB/s,
 * work's 80 from commit drop_at on; n samples of it into run, a little
 * noise on each. drop_at < 0: no metric at all. */
static void metric_samples(struct vfix *f, int64_t run, const char *bench, int i, int drop_at,
			   size_t n)
{
	static const struct store_metric_def def = {.name = "throughput", .unit = "MiB/s",
						    .higher_is_better = true};
	struct store_metric_sample s[PAIRS];
	double v = strcmp(bench, "work") == 0 && i >= drop_at ? 80 : 100;
	if (drop_at < 0)
		return;
	for (size_t k = 0; k < n; k++)
		s[k] = (struct store_metric_sample){.benchmark = bench, .metric = "throughput",
						    .iteration = (int)k + 1,
						    .value = v * (1 + 0.004 * jitter())};
	assert_int_equal(store_metric_samples_add(f->store, run, &def, 1, s, n), STORE_OK);
}

/* Plays the daemon on a branch of COMMITS commits with one flat run each:
 * queue what regressions_next_job asks for, measure it from the truth, until
 * it asks for nothing. Returns the regressions file; *jobs the count. */
/* An A/B job of commits ia and ib measured from the truth (with the
 * throughput of metric_samples). */
static void measure_job(struct vfix *f, char c[COMMITS][41], const struct step *steps,
			size_t nsteps, int ia, int ib, int drop_at)
{
	int64_t ids[2];
	vfix_start_pair(f, ids, c[ia], c[ib]);
	for (size_t k = 0; k < 2; k++) {
		double va[PAIRS], vb[PAIRS];
		for (int s = 0; s < PAIRS; s++) {
			/* A drift both sides of a pair share, as pairing cancels. */
			double drift = 1 + 0.2 * jitter();
			va[s] = truth(steps, nsteps, benches[k], ia) * drift * (1 + 0.004 * jitter());
			vb[s] = truth(steps, nsteps, benches[k], ib) * drift * (1 + 0.004 * jitter());
		}
		vfix_samples(f, ids[0], benches[k], va, PAIRS);
		vfix_samples(f, ids[1], benches[k], vb, PAIRS);
		metric_samples(f, ids[0], benches[k], ia, drop_at, PAIRS);
		metric_samples(f, ids[1], benches[k], ib, drop_at, PAIRS);
	}
	vfix_done(f, ids[0]);
	vfix_done(f, ids[1]);
}

static char *play_with(char c[COMMITS][41], size_t *jobs, const struct step *steps,
		       size_t nsteps, int user_a, int user_b, int drop_at);

static char *play(char c[COMMITS][41], size_t *jobs, const struct step *steps, size_t nsteps)
{
	return play_with(c, jobs, steps, nsteps, -1, -1, -1);
}

/* play, with a user's A/B job of commits user_a and user_b (-1: none)
 * measured before the daemon's, and every run with the throughput of
 * metric_samples (drop_at -1: none). */
static char *play_with(char c[COMMITS][41], size_t *jobs, const struct step *steps,
		       size_t nsteps, int user_a, int user_b, int drop_at)
{
	struct vfix *f = vfix_new("sweep");
	char tip[41], a[41], b[41], *text = NULL;
	char asked[MAX_JOBS][84];
	int rc;
	*jobs = 0;
	for (int i = 0; i < COMMITS; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "c%d", i);
		vfix_commit(f, c[i], msg);
	}
	for (int i = 0; i < COMMITS; i++) {
		int64_t id = vfix_start(f, c[i]);
		for (size_t k = 0; k < 2; k++) {
			double v[5];
			for (int s = 0; s < 5; s++)
				v[s] = (k ? 0.020 : 0.010) * (1 + 0.002 * jitter());
			vfix_samples(f, id, benches[k], v, 5);
			metric_samples(f, id, benches[k], i, drop_at, 5);
		}
		vfix_done(f, id);
	}
	if (user_a >= 0)
		measure_job(f, c, steps, nsteps, user_a, user_b, drop_at);
	f->ctx.confirm = true;
	assert_int_equal(history_tip(tip, &f->ctx), 0);
	while ((rc = regressions_next_job(a, b, &f->ctx, tip)) == 0) {
		int ia = -1, ib = -1;
		assert_true(*jobs < MAX_JOBS);
		snprintf(asked[*jobs], sizeof(asked[0]), "%s..%s", a, b);
		for (size_t k = 0; k < *jobs; k++)
			assert_string_not_equal(asked[k], asked[*jobs]);
		(*jobs)++;
		for (int i = 0; i < COMMITS; i++) {
			ia = strcmp(c[i], a) == 0 ? i : ia;
			ib = strcmp(c[i], b) == 0 ? i : ib;
		}
		assert_true(ia >= 0 && ia < ib);
		measure_job(f, c, steps, nsteps, ia, ib, drop_at);
	}
	assert_int_equal(rc, -ENOENT);
	assert_int_equal(regressions_render(&text, &f->ctx, tip), 0);
	vfix_free(f);
	return text;
}

/* The lines of text as "<commit index> <bench> <range lo index>..<hi index>". */
static void lines_of(char *out, size_t size, const char *text, char c[COMMITS][41])
{
	size_t used = 0;
	out[0] = '\0';
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		char commit[41], bench[64], lo[41], hi[41];
		int ic = -1, ilo = -1, ihi = -1;
		assert_non_null(end);
		assert_int_equal(sscanf(p, "%40[0-9a-f]\t%63[^\t]\t%*s\t%*s\t%*s\t%*s\t%*s\t%*s\t%*s\t"
					   "paired\t%40[0-9a-f]..%40[0-9a-f]",
					commit, bench, lo, hi),
				 4);
		for (int i = 0; i < COMMITS; i++) {
			ic = strcmp(c[i], commit) == 0 ? i : ic;
			ilo = strcmp(c[i], lo) == 0 ? i : ilo;
			ihi = strcmp(c[i], hi) == 0 ? i : ihi;
		}
		used += (size_t)snprintf(out + used, size - used, "%d %s %d..%d\n", ic, bench, ilo,
					 ihi);
		assert_true(used < size);
		p = end + 1;
	}
}

/* Two steps of one benchmark in the first segment, one of the other in the
 * second: each is named at its commit, with the job against its
 * predecessor. */
static void test_steps_found(void **state)
{
	static const struct step steps[] = {
		{"work", 13, 1.3}, {"work", 27, 1.25}, {"other", 36, 1.3}};
	char c[COMMITS][41], got[512], *text;
	size_t jobs;
	(void)state;
	text = play(c, &jobs, steps, 3);
	lines_of(got, sizeof(got), text, c);
	assert_string_equal(got, "13 work 12..13\n27 work 26..27\n36 other 35..36\n");
	/* Bisection: fewer jobs than commits, even with the history's suspects
	 * that the jobs' own runs raise (28 when written). */
	assert_true(jobs < COMMITS);
	free(text);
}

/* No step: the sweep's jobs of each segment find nothing, and nothing is
 * listed. */
static void test_flat(void **state)
{
	char c[COMMITS][41], *text;
	size_t jobs;
	(void)state;
	text = play(c, &jobs, NULL, 0);
	assert_string_equal(text, "");
	/* One job a segment of 32 commits. */
	assert_int_equal(jobs, 2);
	free(text);
}

/* A step up and back down within a segment: the segment's ends measure the
 * same, so the sweep does not see it; a step the ends do see is found. */
static void test_step_down_masks(void **state)
{
	static const struct step steps[] = {
		{"work", 5, 1.3}, {"work", 9, 1 / 1.3}, {"other", 20, 1.3}};
	char c[COMMITS][41], got[512], *text;
	size_t jobs;
	(void)state;
	text = play(c, &jobs, steps, 3);
	lines_of(got, sizeof(got), text, c);
	assert_string_equal(got, "20 other 19..20\n");
	free(text);
}

/* The same masked step, with a user's A/B job of the commit against its
 * predecessor (echo c19..c20 > queue): that job's slower verdict is what the
 * sweep's bisection would end with, so the step is listed; the daemon queues
 * nothing more for it. */
static void test_neighbours_job(void **state)
{
	static const struct step steps[] = {{"work", 5, 0.5}, {"work", 20, 1.3}};
	char c[COMMITS][41], got[512], *text;
	size_t jobs;
	(void)state;
	text = play_with(c, &jobs, steps, 2, -1, -1, -1);
	assert_string_equal(text, "");
	free(text);
	text = play_with(c, &jobs, steps, 2, 19, 20, -1);
	lines_of(got, sizeof(got), text, c);
	assert_string_equal(got, "20 work 19..20\n");
	free(text);
}

/* A declared throughput that drops by 20% at commit 13 while wall time
 * stays flat: the jobs settle it as they settle a wall time step, and the
 * line names the metric, "work:throughput", at its commit; other's flat
 * throughput and the wall times get none. */
static void test_metric_step(void **state)
{
	char c[COMMITS][41], got[512], *text;
	size_t jobs;
	(void)state;
	text = play_with(c, &jobs, NULL, 0, -1, -1, 13);
	lines_of(got, sizeof(got), text, c);
	assert_string_equal(got, "13 work:throughput 12..13\n");
	assert_true(jobs < COMMITS);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steps_found),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_step_down_masks),
		cmocka_unit_test(test_neighbours_job),
		cmocka_unit_test(test_metric_step),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("sweep", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
