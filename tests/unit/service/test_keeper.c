/* service/keeper: what the keeper keeps reads the same as what is computed
 * from scratch. On random histories (runs of three benchmarks with steps
 * planted at random commits, some commits measured twice or not at all),
 * after each change of the kind the daemon sees (a run finishing, a run
 * excluded, a baseline pinned, new commits on the branch), a keeper pass
 * describes the new runs (wall time, cpu and memory) and keeps the
 * regressions file and the plots' marks; the regressions file and every
 * history/<bench>.csv and .svg, and <bench>:cpu's and <bench>:memory's, read
 * then must equal, byte for byte, what the same store gives with nothing
 * kept and nothing described. And the reads do use what was kept: a kept
 * text, a described run's figures or the kept list of the branch's commits
 * changed behind the views' back show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "repo/repo.h"
#include "service/keeper.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/views/views_fixture.h"
#include "views/history.h"
#include "views/regressions.h"

#define BENCHES 3
#define ITERATIONS 8
#define MAX_COMMITS 64

static const char *const bench_names[BENCHES] = {"alpha", "beta", "gamma"};

struct world {
	struct vfix *f;
	unsigned long long seed;
	char commits[MAX_COMMITS][41];
	int ncommits;
	int step_at[BENCHES];     /* the first commit of each benchmark's step */
	double step_size[BENCHES]; /* its factor */
};

static double uniform(struct world *w)
{
	w->seed = w->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(w->seed >> 11) / 9007199254740992.0;
}

/* Around the store, straight through its engine (the store stays open). */
static void sql(struct world *w, const char *text)
{
	assert_int_equal(test_store_exec(w->f->location, text), 0);
}

static int64_t sql_int(struct world *w, const char *text)
{
	int64_t v = 0;
	assert_int_equal(test_store_int64(&v, w->f->location, text), 0);
	return v;
}

/* A run of commit i: every benchmark around its level at i, the run's own
 * offset (a busy or quiet spell) on all its iterations. */
static void add_run(struct world *w, int i)
{
	int64_t id = vfix_start(w->f, w->commits[i]);
	double run = 1 + 0.03 * (uniform(w) - 0.5);
	for (int b = 0; b < BENCHES; b++) {
		double v[ITERATIONS], level = 0.01 * (b + 1) * (i >= w->step_at[b] ? w->step_size[b] : 1);
		struct store_iteration its[ITERATIONS];
		for (int k = 0; k < ITERATIONS; k++)
			v[k] = level * run * (1 + 0.01 * (uniform(w) - 0.5));
		/* cpu follows the wall time; memory steps at the next benchmark's
		 * commit, by a few pages from iteration to iteration. */
		for (int k = 0; k < ITERATIONS; k++)
			its[k] = (struct store_iteration){
				.benchmark = bench_names[b],
				.iteration = k + 1,
				.wall_ns = (int64_t)(v[k] * 1e9 + 0.5),
				.user_ns = (int64_t)(v[k] * 0.8e9),
				.sys_ns = (int64_t)(v[k] * 0.1e9),
				.maxrss_bytes = ((i >= w->step_at[(b + 1) % BENCHES] ? 48 : 32) << 20) +
						4096 * ((k * 7 + i) % 5)};
		assert_int_equal(store_iterations_add(w->f->store, id, its, ITERATIONS), STORE_OK);
	}
	vfix_done(w->f, id);
}

static void add_commits(struct world *w, int n)
{
	for (int k = 0; k < n && w->ncommits < MAX_COMMITS; k++) {
		int i = w->ncommits++;
		double u = uniform(w);
		char msg[16];
		snprintf(msg, sizeof(msg), "c%d", i);
		vfix_commit(w->f, w->commits[i], msg);
		/* Most commits once, some twice, some never (the first always). */
		if (i == 0 || u < 0.85)
			add_run(w, i);
		if (u > 0.75)
			add_run(w, i);
	}
}

/* Everything the history views give, concatenated with separators: each
 * benchmark's wall time, cpu and memory. */
static char *all_views(struct world *w)
{
	static const char *const suffix[] = {"", ":cpu", ":memory"};
	char tip[41], *text = NULL, *out = NULL, name[64];
	size_t len = 0, total;
	assert_int_equal(history_tip(tip, &w->f->ctx), 0);
	assert_int_equal(regressions_render(&out, &w->f->ctx, tip), 0);
	for (int b = 0; b < BENCHES; b++) {
		for (size_t m = 0; m < sizeof(suffix) / sizeof(suffix[0]); m++) {
			snprintf(name, sizeof(name), "%s%s", bench_names[b], suffix[m]);
			for (int format = 0; format < 2; format++) {
				assert_int_equal(history_render(&text, &len, &w->f->ctx, tip, name,
								format ? HISTORY_SVG : HISTORY_CSV),
						 0);
				total = strlen(out) + len + 64;
				assert_non_null(out = realloc(out, total));
				snprintf(out + strlen(out), total - strlen(out), "\n--- %s %s\n%s",
					 name, format ? "svg" : "csv", text);
				free(text);
			}
		}
	}
	return out;
}

/* The kept answers against the ones computed from scratch. */
static void check(struct world *w)
{
	char tip[41], *kept, *scratch, *text = NULL;
	size_t len;
	assert_int_equal(history_tip(tip, &w->f->ctx), 0);
	assert_int_equal(keeper_pass(&w->f->ctx, tip), 0);
	/* Every done run is described, the file and the marks are kept. */
	assert_int_equal(sql_int(w, "SELECT count(*) FROM described"),
			 sql_int(w, "SELECT count(*) FROM runs WHERE state = 'done'"));
	assert_int_equal(sql_int(w, "SELECT count(*) FROM kept_views"), 3);
	kept = all_views(w);
	sql(w, "DELETE FROM kept_views; DELETE FROM run_stats; DELETE FROM described;");
	scratch = all_views(w);
	assert_string_equal(kept, scratch);
	free(kept);
	free(scratch);

	/* The reads use what is kept: changed behind their back, it shows. */
	assert_int_equal(keeper_pass(&w->f->ctx, tip), 0);
	/* body is a BLOB in SQLite, bytea in PostgreSQL. */
	sql(w, test_store_is_pg()
		       ? "UPDATE kept_views SET body = convert_to('kept', 'UTF8')"
			 " WHERE key LIKE 'regressions%'"
		       : "UPDATE kept_views SET body = CAST('kept' AS BLOB)"
			 " WHERE key LIKE 'regressions%'");
	assert_int_equal(regressions_render(&text, &w->f->ctx, tip), 0);
	assert_string_equal(text, "kept");
	free(text);
	sql(w, "UPDATE run_stats SET mean = 123.5 WHERE benchmark = 'alpha'"
	       " AND run_id = (SELECT max(run_id) FROM run_stats)");
	assert_int_equal(history_render(&text, &len, &w->f->ctx, tip, "alpha", HISTORY_CSV), 0);
	/* Unless that run's commit was measured twice (then its samples are read). */
	if (sql_int(w, "SELECT count(*) FROM runs WHERE state = 'done' AND commit_sha ="
		       " (SELECT commit_sha FROM runs WHERE id = (SELECT max(run_id) FROM run_stats))") ==
	    1)
		assert_non_null(strstr(text, ",123.5,"));
	free(text);
	/* A metric's described figures too (the daemon describes cpu and memory). */
	sql(w, "UPDATE run_stats SET mean = 4321.5 WHERE benchmark = 'alpha:memory'"
	       " AND run_id = (SELECT max(run_id) FROM run_stats)");
	assert_int_equal(history_render(&text, &len, &w->f->ctx, tip, "alpha:memory", HISTORY_CSV),
			 0);
	if (sql_int(w, "SELECT count(*) FROM runs WHERE state = 'done' AND commit_sha ="
		       " (SELECT commit_sha FROM runs WHERE id = (SELECT max(run_id) FROM run_stats))") ==
	    1)
		assert_non_null(strstr(text, ",4321.5,"));
	free(text);
	/* The kept list of commits stands for the walk of the branch: cut to
	 * its oldest commit, the history has one row. */
	sql(w, "DELETE FROM kept_views WHERE key NOT LIKE 'points%'");
	sql(w, test_store_is_pg()
		       ? "UPDATE kept_views SET body = substring(body from 1 for"
			 " position(convert_to(chr(10), 'UTF8') in body)) WHERE key LIKE 'points%'"
		       : "UPDATE kept_views SET body = CAST(substr(CAST(body AS TEXT), 1,"
			 " instr(CAST(body AS TEXT), char(10))) AS BLOB) WHERE key LIKE 'points%'");
	assert_int_equal(history_render(&text, &len, &w->f->ctx, tip, "alpha", HISTORY_CSV), 0);
	assert_non_null(strchr(text, '\n'));
	assert_non_null(strchr(strchr(text, '\n') + 1, '\n'));
	assert_null(strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n'));
	free(text);
	/* Back to what the samples say, for the next round. */
	sql(w, "DELETE FROM kept_views; DELETE FROM run_stats; DELETE FROM described;");
}

static void one_world(unsigned long long seed)
{
	struct world w = {.seed = seed};
	int64_t *ids = NULL;
	size_t n = 0;
	w.f = vfix_new("keeper");
	for (int b = 0; b < BENCHES; b++) {
		double u = uniform(&w);
		w.step_at[b] = 3 + (int)(uniform(&w) * 30);
		w.step_size[b] = u < 0.35 ? 1 : u < 0.7 ? 1.2 : 0.85;
	}
	w.f->ctx.threshold_auto = seed % 2;
	add_commits(&w, 24);
	check(&w);
	/* A run finishing. */
	add_run(&w, (int)(uniform(&w) * w.ncommits));
	check(&w);
	/* A run excluded. */
	assert_int_equal(store_run_ids(w.f->store, &ids, &n), STORE_OK);
	assert_int_equal(store_run_exclude(w.f->store, ids[(size_t)(uniform(&w) * (double)n)],
					   "noisy"),
			 STORE_OK);
	free(ids);
	check(&w);
	/* A baseline pinned. */
	assert_int_equal(store_baseline_set(w.f->store, "v1", "v1", w.commits[5]), STORE_OK);
	check(&w);
	/* The branch moves on. */
	add_commits(&w, 12);
	check(&w);
	vfix_free(w.f);
}

static void test_random_histories(void **state)
{
	(void)state;
	for (unsigned long long seed = 1; seed <= 4; seed++)
		one_world(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_histories),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("keeper", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
