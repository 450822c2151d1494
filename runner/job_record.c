/* The end of a job that measured every benchmark: the conditions each was
 * measured under, result.json and the runs' ends in the store and their
 * logs. Part of the job loop (runner.c); the job's state is
 * runner/internal.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "runner/interference.h"
#include "runner/internal.h"
#include "runner/result.h"
#include "runner/runlog.h"
#include "store/store.h"
#include "util/log.h"
#include "util/runid.h"

/* The run's end in the store and its log. 0, or -1 when the store could
 * not record it (the run is left building or running there, and must be
 * queued again once the store takes writes: its status must not stay). */
int job_finish(struct job *job, size_t s, enum run_state state, const char *detail,
	       const char *result_json)
{
	struct runner *r = job->runner;
	struct side *sd = &job->sides[s];
	if (store_run_finish(r->store, sd->run->id, state, detail, result_json)) {
		/* The store logged why. */
		log_error(-EIO, "run " RUNID_DIR_FMT ": cannot record its end", (long long)sd->run->id);
		runlog_printf(sd->log, "benchfs", "%s%s%s, but the store cannot record it: %s",
			      state == RUN_DONE ? "done" : "failed: ",
			      state == RUN_DONE && *detail ? ": " : "", detail,
			      store_errmsg(r->store));
		return -1;
	}
	sd->ended = true;
	if (state == RUN_DONE)
		runlog_printf(sd->log, "benchfs", "done%s%s", *detail ? ": " : "", detail);
	else
		runlog_printf(sd->log, "benchfs", "failed: %s", detail);
	runner_notify(r, sd->run->id);
	return 0;
}

/* What each benchmark was measured under, for the views: whether its times
 * stepped or drifted (logged when they did), and what else the machine did
 * meanwhile. 0, or -1 with the job failed. */
static int record_conditions(struct job *job)
{
	struct store *st = job->runner->store;
	for (size_t s = 0; s < job->nsides; s++) {
		struct side *sd = &job->sides[s];
		for (size_t i = 0; i < job->config->nbenchmarks; i++) {
			struct result_bench *rb = &sd->benches[i];
			const char *name = job->config->benchmarks[i].name;
			size_t at = 0;
			double change = 0, p = 1;
			int unstable;
			/* Once here; result.json and the status flags read the answer. */
			result_bench_check_stability(rb);
			unstable = result_bench_unstable(rb, &at, &change, &p);
			if (unstable == 1)
				runlog_printf(sd->log, "benchfs",
					      "%s: unstable: its times stepped by %+.0f%% at iteration %d"
					      " of %zu (p=%.2g); the machine changed while it was measured",
					      name, 100.0 * change,
					      /* at: 1-based, the first iteration after the step */
					      at >= 1 && at <= rb->n ? rb->iterations[at - 1].iteration
								    : (int)at,
					      rb->n, p);
			if ((unstable >= 0 &&
			     store_metric_add(st, sd->run->id, name, STORE_METRIC_UNSTABLE, unstable)) ||
			    (rb->interference.spans > 0 &&
			     (store_metric_add(st, sd->run->id, name, STORE_METRIC_OTHER_CPUS,
					       interference_other_cpus(&rb->interference)) ||
			      store_metric_add(st, sd->run->id, name, STORE_METRIC_STEAL,
					       interference_steal(&rb->interference))))) {
				job_interrupt(job, s, "store: %s", store_errmsg(st));
				return -1;
			}
		}
	}
	return 0;
}

/* result.json of every side, then done; the flags (outliers, a slow first
 * iteration) become the status detail. A side whose result cannot be
 * rendered fails the job. 0 when every end is recorded; -1 when the job
 * failed (nothing recorded: the caller records the failure); 1 when the
 * store could not record an end. */
int job_finish_done(struct job *job)
{
	char *texts[2] = {NULL, NULL}, flags[2][1024];
	size_t s;
	int rc = 0;
	if (record_conditions(job))
		return -1;
	for (s = 0; s < job->nsides; s++) {
		struct side *sd = &job->sides[s];
		const struct side *other = job->nsides == 2 ? &job->sides[1 - s] : NULL;
		struct result_input in = {
			.run_id = sd->run->id,
			.commit = sd->run->commit,
			.revision = sd->run->revision,
			.host_json = job->host_json,
			.benches = sd->benches,
			.nbenches = job->config->nbenchmarks,
			.pair_run_id = other ? other->run->id : 0,
			.pair_commit = other ? other->run->commit : NULL,
		};
		char err[512];
		if (!(texts[s] = result_render(&in, err, sizeof(err)))) {
			job_fail(job, s, "result.json: %s", err);
			break;
		}
		result_flags_text(flags[s], sizeof(flags[s]), &in);
	}
	for (size_t k = 0; k < job->nsides; k++) {
		if (s < job->nsides)
			rc = -1;
		else if (job_finish(job, k, RUN_DONE, flags[k], texts[k]))
			rc = 1;
		free(texts[k]);
	}
	return rc;
}
