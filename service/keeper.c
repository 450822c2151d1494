#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/idle.h"
#include "service/keeper.h"
#include "stats/describe.h"
#include "store/store.h"
#include "util/array.h"
#include "util/log.h"
#include "views/history.h"
#include "views/regressions.h"
#include "views/session.h"

struct keeper {
	/* The results change number and tip last kept (-1: none yet). */
	int64_t kept_seq;
	char kept_tip[STORE_HASH_LEN + 1];
	struct view_session *session;
};

int keeper_open(struct keeper **out, const struct view_settings *settings, char *err,
		size_t errsize)
{
	struct keeper *k = calloc(1, sizeof(*k));
	*out = NULL;
	if (!k) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	if (view_session_open(&k->session, settings, err, errsize)) {
		free(k);
		return -1;
	}
	k->kept_seq = -1;
	*out = k;
	return 0;
}

void keeper_free(struct keeper *k)
{
	if (!k)
		return;
	view_session_free(k->session);
	free(k);
}

/* Runs described per store call: a backfill of a long history stops between
 * batches when a job is queued. */
#define DESCRIBE_BATCH 64

/* One run's wall times, benchmark after benchmark (as the store gives
 * them), with the built-in metrics of the same iterations: cpu (user +
 * system, seconds) and memory (peak RSS, bytes). */
enum { TIMES_WALL, TIMES_CPU, TIMES_MEMORY, TIMES_N };

struct run_times {
	struct store_run_summary *sums;
	char **names;
	size_t nsums, sums_alloc, names_alloc;
	double *values[TIMES_N], *scratch;
	size_t n, alloc[TIMES_N];
	char *bench;
	int rc;
};

/* One figure's statistics, under name (taken over by t). */
static int times_push(struct run_times *t, char *name, const double *values)
{
	struct stats_summary d;
	int rc;
	/* Seconds scaled as the history's series are, so that the figures are
	 * the ones its samples give. */
	if (stats_describe(&d, values, t->n, t->scratch)) {
		free(name);
		return -EIO;
	}
	if ((rc = ALLOC_GROW(t->sums, t->nsums + 1, t->sums_alloc)) ||
	    (rc = ALLOC_GROW(t->names, t->nsums + 1, t->names_alloc))) {
		free(name);
		return rc;
	}
	t->names[t->nsums] = name;
	t->sums[t->nsums++] = (struct store_run_summary){
		.benchmark = name, .n = (int64_t)d.n, .mean = d.mean, .stddev = d.stddev,
		.median = d.median, .min = d.min, .max = d.max};
	return 0;
}

static int times_flush(struct run_times *t)
{
	static const char *const metric[TIMES_N] = {NULL, STORE_METRIC_CPU, STORE_METRIC_MEMORY};
	int rc = 0;
	if (!t->bench)
		return 0;
	if (!(t->scratch = realloc(t->scratch, (t->n + 1) * sizeof(*t->scratch))))
		return -ENOMEM;
	/* The wall time's under the benchmark's name, each metric's under
	 * "<bench>:<metric>", the name the views give it. */
	for (int k = TIMES_CPU; k < TIMES_N && rc == 0; k++) {
		char *name;
		if (asprintf(&name, "%s:%s", t->bench, metric[k]) < 0)
			return -ENOMEM;
		rc = times_push(t, name, t->values[k]);
	}
	if (rc == 0)
		rc = times_push(t, t->bench, t->values[TIMES_WALL]);
	else
		free(t->bench);
	t->bench = NULL;
	t->n = 0;
	return rc;
}

static int times_add(void *ctx, const struct store_iteration *it)
{
	struct run_times *t = ctx;
	int rc;
	if (!t->bench || strcmp(t->bench, it->benchmark) != 0) {
		if ((rc = times_flush(t)))
			return rc;
		if (!(t->bench = strdup(it->benchmark)))
			return -ENOMEM;
	}
	for (int k = 0; k < TIMES_N; k++)
		if ((rc = ALLOC_GROW(t->values[k], t->n + 1, t->alloc[k])))
			return rc;
	t->values[TIMES_WALL][t->n] = (double)it->wall_ns * 1e-9;
	/* As store_samples_of_runs gives them: (user + sys) / 1e9, the bytes. */
	t->values[TIMES_CPU][t->n] = (double)(it->user_ns + it->sys_ns) / 1e9;
	t->values[TIMES_MEMORY][t->n] = (double)it->maxrss_bytes;
	t->n++;
	return 0;
}

static int describe_run(struct store *store, int64_t id)
{
	struct run_times t = {0};
	int rc = store_errno(store_iterations_of_run(store, id, times_add, &t));
	if (rc == 0)
		rc = times_flush(&t);
	if (rc == 0)
		rc = store_errno(store_run_describe(store, id, t.sums, t.nsums));
	for (size_t i = 0; i < t.nsums; i++)
		free(t.names[i]);
	free(t.names);
	free(t.sums);
	free(t.bench);
	for (int k = 0; k < TIMES_N; k++)
		free(t.values[k]);
	free(t.scratch);
	return rc;
}

/* Describe the runs finished since the last pass (after an upgrade, every
 * run of the history, a batch at a time): 0, 1 when it stopped for a queued
 * job, or a negative errno. */
static int describe_new_runs(struct store *store)
{
	for (;;) {
		int64_t *ids = NULL;
		size_t n = 0;
		int rc = store_errno(store_runs_undescribed(store, &ids, &n, DESCRIBE_BATCH));
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = describe_run(store, ids[i]);
		free(ids);
		if (rc || n < DESCRIBE_BATCH)
			return rc;
		if (idle_jobs_waiting(store))
			return 1;
	}
}

int keeper_pass(const struct view_ctx *view, const char *tip)
{
	char *text = NULL;
	int rc = describe_new_runs(view->store);
	if (rc)
		return rc; /* a queued job first; the rest at the next idle moment */
	/* Finds it kept when a reader or another service computed it first. */
	if ((rc = regressions_render(&text, view, tip)))
		return rc;
	free(text);
	return 0;
}

size_t keeper_next(void *ctx)
{
	struct keeper *k = ctx;
	char tip[STORE_HASH_LEN + 1];
	int64_t seq = -1;
	int rc;
	/* No branch: nothing of the history to keep. */
	if (!k || history_tip(tip, &k->session->view) < 0)
		return 0;
	/* Every idle wake-up costs one read of the change number. */
	if (store_results_seq(k->session->store, &seq, NULL) != STORE_OK ||
	    (seq == k->kept_seq && strcmp(tip, k->kept_tip) == 0))
		return 0;
	if ((rc = keeper_pass(&k->session->view, tip)) < 0)
		log_error(rc, "keeping the views of the history: %s", strerror(-rc));
	if (rc == 0) {
		k->kept_seq = seq;
		memcpy(k->kept_tip, tip, sizeof(tip));
	}
	return 0;
}
