/* Unit tests for the lookups of one host's done runs (store.h,
 * store/run_lookup.c): on a store of runs of three hosts, some of them A/B
 * jobs, excluded, a bisection's, failed or still queued, each lookup gives
 * what a scan of store_done_runs(host) gives, the way compare used to find
 * its runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"

#define CONFIG "{\"runs\": 1}"
#define NCOMMITS 12
#define NROUNDS 300

static const char *const hosts[] = {"h", "o", ""};
#define NHOSTS (sizeof(hosts) / sizeof(*hosts))

struct fixture {
	char dir[PATH_MAX / 2];
	char location[PATH_MAX];
	struct store *store;
	char commits[NCOMMITS][41];
	int64_t max_id;
};

static unsigned long long seed = 11;

static unsigned pick(unsigned n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((seed >> 33) % n);
}

static void started(struct store *s, int64_t id, const char *host)
{
	char system[64];
	snprintf(system, sizeof(system), "{\"hostname\": \"%s\"}", host);
	assert_int_equal(store_run_progress(s, id, RUN_RUNNING, "", system), STORE_OK);
}

/* Runs of random commits and hosts: most done, some failed or left queued;
 * every fifth round an A/B job; some bisections' runs and exclusions. */
static void fill(struct fixture *f)
{
	for (unsigned i = 0; i < NROUNDS; i++) {
		const char *a = f->commits[pick(NCOMMITS)], *b = f->commits[pick(NCOMMITS)];
		const char *host = hosts[pick(NHOSTS)];
		bool paired = i % 5 == 0;
		char revision[32];
		struct store_new_run r[2] = {
			{.revision = a, .commit = a, .config = CONFIG, .paired_with_next = paired},
			{.revision = b, .commit = b, .config = CONFIG},
		};
		unsigned fate = pick(10);
		int64_t ids[2];
		if (!paired && pick(8) == 0) {
			snprintf(revision, sizeof(revision), "bisect/%u", 1 + pick(3));
			r[0].revision = revision;
		}
		assert_int_equal(store_runs_queue(f->store, ids, r, paired ? 2 : 1, (size_t)-1),
				 STORE_OK);
		if (fate == 0)
			continue; /* left queued */
		for (size_t k = 0; k < (paired ? 2u : 1u); k++) {
			started(f->store, ids[k], host);
			assert_int_equal(store_run_finish(f->store, ids[k],
							  fate == 1 ? RUN_FAILED : RUN_DONE, "",
							  fate == 1 ? NULL : "{}"),
					 STORE_OK);
		}
		if (fate != 1 && pick(7) == 0)
			assert_int_equal(store_run_exclude(f->store, ids[0], "test"), STORE_OK);
		f->max_id = ids[paired ? 1 : 0];
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	/* Set first: a failure below still reaches the group's teardown, which drops the store. */
	*state = f;
	assert_int_equal(test_tmpdir_make(f->dir, sizeof(f->dir), "run_lookup"), 0);
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	assert_int_equal(store_open(&f->store, f->location, STORE_SYNC_NORMAL), STORE_OK);
	for (unsigned c = 0; c < NCOMMITS; c++)
		snprintf(f->commits[c], sizeof(f->commits[c]), "%040x", 0xc0ffee00u + c);
	fill(f);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_free(f->store);
	test_store_location_drop(f->location);
	test_tmpdir_remove(f->dir);
	free(f);
	return 0;
}

struct catalog {
	struct store_done_run *runs;
	size_t n;
};

static void catalog_load(struct catalog *cat, struct fixture *f, const char *host)
{
	assert_int_equal(store_done_runs(f->store, &cat->runs, &cat->n, host), STORE_OK);
}

static const struct store_done_run *catalog_find(const struct catalog *cat, int64_t id)
{
	for (size_t i = 0; i < cat->n; i++)
		if (cat->runs[i].id == id)
			return &cat->runs[i];
	return NULL;
}

static void test_commit_runs(void **state)
{
	struct fixture *f = *state;
	for (size_t h = 0; h < NHOSTS + 1; h++) {
		const char *host = h < NHOSTS ? hosts[h] : "nosuch";
		struct catalog cat;
		catalog_load(&cat, f, host);
		for (unsigned c = 0; c < NCOMMITS; c++) {
			int64_t *ids = NULL;
			size_t n = 0, k = 0;
			assert_int_equal(store_host_commit_runs(f->store, &ids, &n, f->commits[c], host),
					 STORE_OK);
			for (size_t i = 0; i < cat.n; i++)
				if (strcmp(cat.runs[i].commit, f->commits[c]) == 0) {
					assert_true(k < n);
					assert_int_equal(ids[k++], cat.runs[i].id);
				}
			assert_int_equal(k, n);
			free(ids);
		}
		free(cat.runs);
	}
}

static void test_newest_pair(void **state)
{
	struct fixture *f = *state;
	size_t found = 0;
	for (size_t h = 0; h < NHOSTS; h++) {
		struct catalog cat;
		catalog_load(&cat, f, hosts[h]);
		for (unsigned a = 0; a < NCOMMITS; a++) {
			for (unsigned b = 0; b < NCOMMITS; b++) {
				int64_t want[2] = {0, 0}, got[2] = {0, 0};
				int rc = store_host_newest_pair(f->store, got, f->commits[a],
								f->commits[b], hosts[h]);
				for (size_t i = cat.n; i-- > 0;) {
					const struct store_done_run *p;
					if (!cat.runs[i].pair_id ||
					    strcmp(cat.runs[i].commit, f->commits[a]) != 0 ||
					    !(p = catalog_find(&cat, cat.runs[i].pair_id)) ||
					    strcmp(p->commit, f->commits[b]) != 0)
						continue;
					want[0] = cat.runs[i].id;
					want[1] = p->id;
					break;
				}
				if (!want[0]) {
					assert_int_equal(rc, STORE_NOTFOUND);
					continue;
				}
				found++;
				assert_int_equal(rc, STORE_OK);
				assert_int_equal(got[0], want[0]);
				assert_int_equal(got[1], want[1]);
			}
		}
		free(cat.runs);
	}
	/* The store holds some, or the test tests little. */
	assert_true(found > 5);
}

static void test_done_runs_get(void **state)
{
	struct fixture *f = *state;
	size_t n = (size_t)f->max_id + 2;
	int64_t *ids = malloc(n * sizeof(*ids));
	bool *found = malloc(n * sizeof(*found));
	struct store_done_run *runs = calloc(n, sizeof(*runs));
	assert_non_null(ids);
	assert_non_null(found);
	assert_non_null(runs);
	/* Newest first, and ids that are no run at all. */
	for (size_t i = 0; i < n; i++)
		ids[i] = (int64_t)(n - 1 - i);
	for (size_t h = 0; h < NHOSTS; h++) {
		struct catalog cat;
		catalog_load(&cat, f, hosts[h]);
		assert_int_equal(store_host_done_runs_get(f->store, runs, found, ids, n, hosts[h]),
				 STORE_OK);
		for (size_t i = 0; i < n; i++) {
			const struct store_done_run *want = catalog_find(&cat, ids[i]);
			assert_int_equal(found[i], want != NULL);
			if (!want)
				continue;
			assert_int_equal(runs[i].id, want->id);
			assert_string_equal(runs[i].commit, want->commit);
			assert_int_equal(runs[i].finished_ns, want->finished_ns);
			assert_int_equal(runs[i].pair_id, want->pair_id);
			assert_string_equal(runs[i].build_id, want->build_id);
		}
		free(cat.runs);
	}
	free(ids);
	free(found);
	free(runs);
}

static void test_solo_runs(void **state)
{
	struct fixture *f = *state;
	const size_t maxes[] = {0, 1, 5, 40, 100000};
	for (size_t h = 0; h < NHOSTS; h++) {
		struct catalog cat;
		size_t nsolo = 0;
		catalog_load(&cat, f, hosts[h]);
		for (size_t i = 0; i < cat.n; i++)
			if (!cat.runs[i].pair_id)
				cat.runs[nsolo++] = cat.runs[i];
		assert_int_equal(store_done_runs_drop_bisect(f->store, cat.runs, &nsolo), STORE_OK);
		for (size_t m = 0; m < sizeof(maxes) / sizeof(*maxes); m++) {
			size_t from = nsolo > maxes[m] ? nsolo - maxes[m] : 0, n = 0;
			int64_t *ids = NULL;
			assert_int_equal(store_host_solo_runs(f->store, &ids, &n, maxes[m], hosts[h]),
					 STORE_OK);
			assert_int_equal(n, nsolo - from);
			for (size_t i = 0; i < n; i++)
				assert_int_equal(ids[i], cat.runs[from + i].id);
			free(ids);
		}
		free(cat.runs);
	}
}

/* All hosts is store_done_runs' question, not theirs. */
static void test_no_host(void **state)
{
	struct fixture *f = *state;
	int64_t *ids = NULL, pair[2];
	size_t n = 0;
	assert_int_equal(store_host_commit_runs(f->store, &ids, &n, f->commits[0], NULL),
			 STORE_ERROR);
	assert_int_equal(store_host_solo_runs(f->store, &ids, &n, 10, NULL), STORE_ERROR);
	assert_int_equal(store_host_newest_pair(f->store, pair, f->commits[0], f->commits[1], NULL),
			 STORE_ERROR);
	assert_null(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_runs),
		cmocka_unit_test(test_newest_pair),
		cmocka_unit_test(test_done_runs_get),
		cmocka_unit_test(test_solo_runs),
		cmocka_unit_test(test_no_host),
	};
	return cmocka_run_group_tests_name("run_lookup", tests, setup, teardown);
}
