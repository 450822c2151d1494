/* A fixture for the computed views' unit tests, no mount: a temporary
 * directory holding a git repository (commits on main, with fixed dates so
 * that hashes and times repeat) and a store, and the view context over them.
 * Runs are planted through store/store.h as the runner records them: queued,
 * started on host "h", iterations, finished done. Failures abort the test. */
#ifndef BENCHFS_TESTS_UNIT_VIEWS_VIEWS_FIXTURE_H
#define BENCHFS_TESTS_UNIT_VIEWS_VIEWS_FIXTURE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "repo/repo.h"
#include "store/store.h"
#include "views/context.h"

#define VFIX_HOST "h"

struct vfix {
	char dir[PATH_MAX / 2], repo[PATH_MAX];
	/* The store's file or database (tests/unit/fixture/store_location.h). */
	char location[PATH_MAX];
	struct store *store;
	struct repo *r;
	struct view_ctx ctx;
	long long clock; /* seconds after the epoch of the next commit */
};

/* A fresh fixture (name: part of the directory's name): an empty repository
 * with branch main, an empty store (a database of its own when the tests run
 * against PostgreSQL), ctx tracking refs/heads/main on host "h"
 * with alpha 0.05 and a fixed threshold of 5%, confirm off. */
struct vfix *vfix_new(const char *name);
void vfix_free(struct vfix *f);

/* A new commit on main, its hash into out. */
void vfix_commit(struct vfix *f, char out[41], const char *msg);

/* A run of commit started on host "h": its id. vfix_samples adds one
 * benchmark's iterations (wall times in seconds); vfix_done finishes it. */
int64_t vfix_start(struct vfix *f, const char *commit);
void vfix_samples(struct vfix *f, int64_t run, const char *bench, const double *seconds,
		  size_t n);
void vfix_done(struct vfix *f, int64_t run);

/* A finished run of commit with one benchmark's n wall times. */
int64_t vfix_run(struct vfix *f, const char *commit, const char *bench, const double *seconds,
		 size_t n);

/* An interleaved A/B job of a against b, started: the two runs' ids (a's
 * first). Add samples to both, then vfix_done both. */
void vfix_start_pair(struct vfix *f, int64_t ids[2], const char *a, const char *b);

#endif
