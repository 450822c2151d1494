/* The views' unit test fixture (views_fixture.h). */
#include "tests/unit/views/views_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/fixture/git.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"
#include "util/rmtree.h"

#define CONFIG "{\"runs\": 1}"
#define SYSTEM "{\"hostname\": \"" VFIX_HOST "\"}"

struct vfix *vfix_new(const char *name)
{
	struct vfix *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(test_tmpdir_make(f->dir, sizeof(f->dir), name), 0);
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->repo), 0);
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	f->ctx = (struct view_ctx){.store = f->store,
				   .data_dir = f->dir,
				   .host = VFIX_HOST,
				   .branch = "refs/heads/main",
				   .alpha = 0.05,
				   .threshold = 0.05};
	return f;
}

void vfix_free(struct vfix *f)
{
	if (!f)
		return;
	repo_free(f->r);
	store_free(f->store);
	test_store_location_drop(f->location);
	rmtree(f->dir);
	free(f);
}

void vfix_commit(struct vfix *f, char out[41], const char *msg)
{
	test_git_date(1600000000LL + ++f->clock * 60);
	assert_int_equal(test_git_commit(out, f->repo, msg), 0);
	/* The repository is opened once it has a commit, and again after each
	 * one, so that the branch's tip is read afresh. */
	repo_free(f->r);
	f->r = NULL;
	assert_int_equal(repo_open(&f->r, f->repo, NULL, 0), 0);
	f->ctx.repo = f->r;
}

static void started(struct vfix *f, int64_t id)
{
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "", SYSTEM), STORE_OK);
}

int64_t vfix_start(struct vfix *f, const char *commit)
{
	struct store_new_run r = {.revision = commit, .commit = commit, .config = CONFIG};
	int64_t id = 0;
	assert_int_equal(store_runs_queue(f->store, &id, &r, 1, 100000), STORE_OK);
	started(f, id);
	return id;
}

void vfix_start_pair(struct vfix *f, int64_t ids[2], const char *a, const char *b)
{
	struct store_new_run r[2] = {
		{.revision = a, .commit = a, .config = CONFIG, .paired_with_next = true},
		{.revision = b, .commit = b, .config = CONFIG},
	};
	assert_int_equal(store_runs_queue(f->store, ids, r, 2, 100000), STORE_OK);
	started(f, ids[0]);
	started(f, ids[1]);
}

void vfix_samples(struct vfix *f, int64_t run, const char *bench, const double *seconds,
		  size_t n)
{
	struct store_iteration *its = calloc(n + 1, sizeof(*its));
	assert_non_null(its);
	for (size_t i = 0; i < n; i++)
		its[i] = (struct store_iteration){.benchmark = bench,
						  .iteration = (int)i + 1,
						  .wall_ns = (int64_t)(seconds[i] * 1e9 + 0.5)};
	assert_int_equal(store_iterations_add(f->store, run, its, n), STORE_OK);
	free(its);
}

void vfix_done(struct vfix *f, int64_t run)
{
	assert_int_equal(store_run_finish(f->store, run, RUN_DONE, "", "{\"results\": []}"),
			 STORE_OK);
}

int64_t vfix_run(struct vfix *f, const char *commit, const char *bench, const double *seconds,
		 size_t n)
{
	int64_t id = vfix_start(f, commit);
	vfix_samples(f, id, bench, seconds, n);
	vfix_done(f, id);
	return id;
}
