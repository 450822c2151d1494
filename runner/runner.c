/* The runner (see runner.h): its worker thread, the job loop that takes
 * queued runs one at a time, and what it does when a job is interrupted or
 * a previous daemon left runs unfinished. A job's steps (build, benchmarks)
 * are job_steps.c, its end (result.json, the store) job_record.c; the
 * state they share is runner/internal.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "repo/checkout.h"
#include "repo/repo.h"
#include "runner/hostinfo.h"
#include "runner/internal.h"
#include "runner/measure.h"
#include "runner/runlog.h"
#include "runner/runner.h"
#include "spawner/spawner.h"
#include "store/fleet.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/runid.h"

void runner_notify(struct runner *r, int64_t run_id)
{
	if (r->opts.on_change)
		r->opts.on_change(r->opts.ctx, run_id);
}

bool runner_stopping(struct runner *r)
{
	bool stop;
	pthread_mutex_lock(&r->lock);
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/* The other side of an A/B run, when it is queued and comes after this
 * one; else the run is measured alone (said in its log). */
static size_t find_pair(struct runner *r, const struct store_run *run, struct store_run *other,
			struct runlog *log)
{
	int rc;
	if (run->pair_id <= 0)
		return 1;
	rc = store_run_get(r->store, other, run->pair_id);
	if (rc == STORE_OK && other->state == RUN_QUEUED && other->id > run->id)
		return 2;
	runlog_printf(log, "benchfs",
		      "its A/B partner, run " RUNID_DIR_FMT ", is %s: this run is measured alone",
		      (long long)run->pair_id,
		      rc == STORE_OK ? run_state_name(other->state) : "missing");
	if (rc == STORE_OK)
		store_run_clear(other);
	return 1;
}

/* The side's debug.log. 0; or, when it cannot be opened, the run fails
 * without it: 1 when the store recorded that, -EIO when it could not (the
 * run must be queued again). */
static int open_log(struct runner *r, struct side *sd)
{
	char path[4096], dir[RUNID_NAME_MAX];
	int rc;
	store_path_log(path, sizeof(path), r->data_dir, sd->run->id);
	if ((rc = runlog_open(&sd->log, path))) {
		char msg[4400];
		runid_dir_name(dir, sizeof(dir), sd->run->id);
		/* ELOOP, EINVAL, EMLINK: a symlink, a FIFO or a hard link where the
		 * log belongs, planted by someone: never written through. */
		if (rc == -ELOOP || rc == -EINVAL || rc == -EMLINK)
			snprintf(msg, sizeof(msg),
				 "cannot open %s: not a file of benchfs's own (a symlink, FIFO or"
				 " hard link put in the data directory): refused",
				 path);
		else
			snprintf(msg, sizeof(msg), "cannot open %s: %s", path, strerror(-rc));
		log_error(rc, "run %s: %s", dir, msg);
		if (store_run_finish(r->store, sd->run->id, RUN_FAILED, msg, NULL)) {
			/* The store logged why. */
			return log_error(-EIO, "run %s: cannot record its end", dir);
		}
		runner_notify(r, sd->run->id);
		return 1;
	}
	return 0;
}

/* An interleaved A/B job cannot measure a benchmark with a service (both
 * commits' servers would want one port at once): the job leaves it out, as
 * the daemon's own A/B jobs do, and each side's log says so. */
static void leave_out_services(struct job *job)
{
	const struct config *c = job->config;
	for (size_t i = 0; i < c->nbenchmarks; i++) {
		if (!c->benchmarks[i].service)
			continue;
		for (size_t s = 0; s < job->nsides; s++)
			runlog_printf(job->sides[s].log, "benchfs",
				      "%s: left out of this A/B job: it has a service, and the"
				      " two commits' servers would need the same port at once;"
				      " queue each commit alone (echo <rev> > queue) to measure it",
				      c->benchmarks[i].name);
	}
	config_drop_services(job->config);
}

static bool nap(struct runner *r, int seconds);

/* Whether run id was cancelled (benchfs cancel) rather than taken back by
 * the store when the lease ran out. */
static bool was_cancelled(struct runner *r, int64_t id)
{
	struct store_run cur;
	bool cancelled;
	if (store_run_get_light(r->store, &cur, id))
		return false;
	cancelled = cur.state == RUN_FAILED && strcmp(cur.detail, "cancelled") == 0;
	store_run_clear(&cur);
	return cancelled;
}

/* Runs one job. Returns false, or true when the store holds runs of it
 * still building or running that must be queued again (why says why): it
 * was interrupted by a failure of benchfs's own, or its end could not be
 * recorded. */
static bool lease_was_lost(struct runner *r)
{
	bool lost;
	pthread_mutex_lock(&r->lock);
	lost = r->lease_lost;
	pthread_mutex_unlock(&r->lock);
	return lost;
}

static bool execute_run(struct runner *r, const struct store_run *run, char *why, size_t whysize)
{
	struct job job = {.runner = r, .nsides = 1};
	struct store_run other = {0};
	char dir[RUNID_NAME_MAX], err[512], *host = NULL;
	bool requeue = false;
	int rc;
	job.sides[0].run = run;
	if ((rc = open_log(r, &job.sides[0]))) {
		snprintf(why, whysize, "the store could not record that its log cannot be opened: %s",
			 store_errmsg(r->store));
		return rc < 0;
	}
	job.nsides = find_pair(r, run, &other, job.sides[0].log);
	if (job.nsides == 2) {
		job.sides[1].run = &other;
		if (open_log(r, &job.sides[1])) {
			job.nsides = 1;
			runlog_printf(job.sides[0].log, "benchfs",
				      "its A/B partner's log cannot be opened: measured alone");
		}
	}
	host = hostinfo_json();
	job.host_json = host ? host : "{}";
	for (size_t s = 0; s < job.nsides; s++) {
		struct side *sd = &job.sides[s];
		runid_dir_name(dir, sizeof(dir), sd->run->id);
		runlog_printf(sd->log, "benchfs", "run %s: revision %s, commit %s, attempt %d", dir,
			      sd->run->revision, sd->run->commit, sd->run->attempts + 1);
		if (job.nsides == 2)
			runlog_printf(sd->log, "benchfs",
				      "interleaved A/B job: this run is side %c, run " RUNID_DIR_FMT
				      " (%s, commit"
				      " %s) is side %c; both are built, then their iterations"
				      " alternate",
				      s == 0 ? 'A' : 'B', (long long)job.sides[1 - s].run->id,
				      job.sides[1 - s].run->revision, job.sides[1 - s].run->commit,
				      s == 0 ? 'B' : 'A');
		if (store_run_progress(r->store, sd->run->id, RUN_BUILDING, "", job.host_json)) {
			/* The store logged why; the run's log is told too. */
			runlog_printf(sd->log, "benchfs", "store: %s", store_errmsg(r->store));
			snprintf(why, whysize, "the store could not record its start: %s",
				 store_errmsg(r->store));
			requeue = true;
			goto out;
		}
		runner_notify(r, sd->run->id);
	}
	if (config_parse(&job.config, run->config, err, sizeof(err))) {
		job_fail(&job, 0, "invalid configuration: %s", err);
		goto failed;
	}
	if (job.nsides == 2 && strcmp(run->config, other.config) != 0) {
		job_fail(&job, 1, "the two sides of this A/B job have different configurations");
		goto failed;
	}
	if (job.nsides == 2)
		leave_out_services(&job);
	for (size_t s = 0; s < job.nsides; s++) {
		struct side *sd = &job.sides[s];
		if (!(sd->envp = make_env(sd->run->commit))) {
			job_fail(&job, s, "out of memory");
			goto failed;
		}
		/* An incremental build brings its kept tree to the commit itself
		 * (runner/job_steps.c); a checkout here would be wasted. */
		if (job.config->build && job.config->build_mode == BUILD_MODE_INCREMENTAL)
			continue;
		store_path_workdir(sd->workdir, sizeof(sd->workdir), r->data_dir,
			 job.nsides == 1 ? "work" : s == 0 ? "work-a" : "work-b");
		runlog_printf(sd->log, "benchfs", "checkout into %s", sd->workdir);
		if (checkout_commit(r->repo, sd->run->commit, sd->workdir, err, sizeof(err))) {
			job_fail(&job, s, "checkout: %s", err);
			goto failed;
		}
	}
	for (size_t s = 0; s < job.nsides; s++)
		if (do_build(&job, s) || build_identity(&job, s))
			goto failed;
	if (do_benchmarks(&job))
		goto failed;
	if ((rc = job_finish_done(&job)) == 0)
		goto out;
	if (rc > 0) {
		/* Measured, but the store refused the result: queued again like any
		 * store failure (a full disk), failed at the last attempt (a result
		 * it can never take). */
		for (size_t s = 0; s < job.nsides; s++)
			if (!job.sides[s].ended)
				snprintf(job.sides[s].failure, sizeof(job.sides[s].failure),
					 "its end could not be recorded: store: %s", store_errmsg(r->store));
		job.interrupted = true;
	}
failed:
	/* Under a dispatcher a scancel kills the benchmark and signals benchfs
	 * at once: a failure that comes with a stop is the stop's, not the
	 * commit's. */
	if (!job.cancelled && r->opts.name && nap(r, 1))
		job.cancelled = true;
	if (job.cancelled && lease_was_lost(r)) {
		/* Another runner may be running it already, or it was cancelled:
		 * nothing of it is ours to record. */
		bool cancelled = was_cancelled(r, run->id);
		for (size_t s = 0; s < job.nsides; s++) {
			runlog_printf(job.sides[s].log, "benchfs", "%s",
				      cancelled ? "interrupted: the job was cancelled (benchfs cancel);"
						  " it stays failed, nothing more of it is recorded"
						: "interrupted: this runner's lease ran out (the store did"
						  " not hear from it in time), so the job was queued"
						  " again for any runner");
			/* Changed by another process: the mount's cached files go. */
			runner_notify(r, job.sides[s].run->id);
		}
		goto out;
	}
	if (job.cancelled) {
		/* The daemon is stopping: the run goes back to the queue, whole;
		 * a dispatched one's end is its dispatcher's to record. */
		for (size_t s = 0; s < job.nsides; s++)
			runlog_printf(job.sides[s].log, "benchfs", "%s",
				      r->opts.name ? "interrupted: benchfs was stopped (its Slurm job"
						     " ended?); the dispatcher records how the job ended"
						   : "interrupted: benchfs is shutting down; the run is"
						     " queued again");
		goto out;
	}
	if (job.interrupted) {
		/* Not the commit's doing: measured again from scratch, as after a
		 * crash of the daemon; unless benchfs failed it every time. */
		size_t at = 0;
		int attempt = run->attempts + 1;
		while (at + 1 < job.nsides && (job.sides[at].ended ||
					       strncmp(job.sides[at].failure, "the other side", 14) == 0))
			at++;
		if (attempt < RUNNER_ATTEMPTS_MAX) {
			snprintf(why, whysize, "%s", job.sides[at].failure);
			requeue = true;
			goto out;
		}
		for (size_t s = 0; s < job.nsides; s++) {
			struct side *sd = &job.sides[s];
			size_t len = strlen(sd->failure);
			if (sd->ended)
				continue;
			snprintf(sd->failure + len, sizeof(sd->failure) - len,
				 " (attempt %d of %d: not queued again)", attempt, RUNNER_ATTEMPTS_MAX);
		}
	}
	for (size_t s = 0; s < job.nsides; s++)
		if (!job.sides[s].ended &&
		    job_finish(&job, s, RUN_FAILED, job.sides[s].failure, NULL)) {
			snprintf(why, whysize, "its end (failed: %.300s) could not be recorded: %s",
				 job.sides[s].failure, store_errmsg(r->store));
			requeue = true;
		}
out:
	for (size_t s = 0; s < job.nsides; s++) {
		struct side *sd = &job.sides[s];
		for (size_t i = 0; sd->benches && job.config && i < job.config->nbenchmarks; i++) {
			struct measure_side ms = {.result = sd->benches[i]};
			measure_side_clear(&ms);
		}
		free(sd->benches);
		free(sd->cals);
		free_env(sd->envp);
		/* Last: its files go to a shared store once nothing more is logged. */
		job_close_log(&job, s);
	}
	if (other.id)
		store_run_clear(&other);
	free(host);
	config_free(job.config);
	return requeue;
}

/* Sleeps up to seconds, or until the runner stops (true) or is woken. */
static bool nap(struct runner *r, int seconds)
{
	bool stop;
	struct timespec ts;
	pthread_mutex_lock(&r->lock);
	if (!r->wake && !r->stop) {
		timespec_real_after(&ts, (int64_t)seconds * 1000);
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	}
	r->wake = false;
	stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop;
}

/* One line of the daemon's in a run's debug.log (none when it cannot be opened). */
static void log_line(struct runner *r, int64_t id, const char *line)
{
	char path[4096];
	struct runlog *log;
	store_path_log(path, sizeof(path), r->data_dir, id);
	if (runlog_open(&log, path) == 0) {
		runlog_printf(log, "benchfs", "%s", line);
		runlog_free(log);
	}
}

/* After a job the store still shows building or running (execute_run said
 * why): every such run goes back to the queue, its partial measurements
 * dropped, as after a crash, and its log says why. The store may refuse
 * writes for a while (a full disk): this waits until it takes them again,
 * so a status never stays "running" once it can be corrected, and no run
 * is started meanwhile (it could not be recorded either). Only the runs this
 * runner holds go back: the store may hold other runners' too. */
static void requeue_interrupted(struct runner *r, const char *why)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int wait_s = 1;
	char line[2048]; /* the reason (at most 1,200 bytes) and the sentence around it */
	while (store_runs_recover(r->store, r->name, &ids, &n)) {
		/* The store logged why. */
		log_warning("runner: cannot queue an interrupted run again (%s); retrying in %d s",
			    why, wait_s);
		if (nap(r, wait_s))
			return; /* runner_stop queues it again */
		wait_s = wait_s < 5 ? 2 * wait_s : 10;
	}
	snprintf(line, sizeof(line),
		 "interrupted: %s; its partial measurements are discarded and it is queued again",
		 why);
	for (size_t i = 0; i < n; i++) {
		log_line(r, ids[i], line);
		log_notice("run " RUNID_DIR_FMT " queued again: %s", (long long)ids[i], why);
		runner_notify(r, ids[i]);
	}
	free(ids);
}

/* The next job: the oldest queued one with our labels, or, for a runner of
 * given jobs, the first of them still queued for it. */
static int claim(struct runner *r, struct store_run *run)
{
	if (!r->opts.only)
		return store_run_claim(r->store, run, r->name, r->labels, r->lease_ns);
	for (size_t i = 0; i < r->opts.nonly; i++) {
		int rc = store_run_claim_held(r->store, run, r->opts.only[i], r->name, r->lease_ns);
		if (rc != STORE_NOTFOUND)
			return rc;
	}
	return STORE_NOTFOUND;
}

/* A once runner's end: whether it claimed its job, and when not why. */
static void once_done(struct runner *r, bool claimed, const char *why)
{
	pthread_mutex_lock(&r->lock);
	r->done = true;
	r->claimed = claimed;
	snprintf(r->claim_error, sizeof(r->claim_error), "%s", why ? why : "");
	pthread_mutex_unlock(&r->lock);
}

static void *worker(void *arg)
{
	struct runner *r = arg;
	while (!runner_stopping(r)) {
		struct store_run run;
		int rc = claim(r, &run);
		if (r->opts.once && rc != STORE_OK) {
			once_done(r, false, store_errmsg(r->store));
			break;
		}
		if (rc == STORE_OK) {
			char why[1200];
			int64_t id = run.id;
			bool requeue;
			pthread_mutex_lock(&r->lock);
			r->current = run.id;
			r->lease_lost = false;
			pthread_mutex_unlock(&r->lock);
			requeue = execute_run(r, &run, why, sizeof(why));
			store_run_clear(&run);
			/* A side claimed with the job and measured alone stays queued:
			 * any runner may take it (a failure is logged by the store). */
			(void)store_runs_release(r->store, r->name);
			pthread_mutex_lock(&r->lock);
			r->current = 0;
			if (r->lease_lost) {
				/* The keeper's interruption is spent: nothing of it may
				 * cancel the next job. */
				char drain[16];
				while (read(r->cancel_pipe[0], drain, sizeof(drain)) > 0)
					;
				r->lease_lost = false;
				requeue = false;
			}
			pthread_mutex_unlock(&r->lock);
			if (requeue && r->opts.name) {
				/* A dispatched job's: its Slurm job is ending (a scancel
				 * kills its processes too); the dispatcher records it. */
				char line[1400];
				snprintf(line, sizeof(line), "interrupted: %s; left to the job's"
					 " dispatcher", why);
				log_line(r, id, line);
			} else if (requeue) {
				requeue_interrupted(r, why);
			}
			if (r->opts.once) {
				once_done(r, true, NULL);
				break;
			}
			continue;
		}
		/* Another failure of the store was logged by it: retried below. */
		if (rc == STORE_NOTFOUND && r->opts.on_idle && !runner_stopping(r) &&
		    r->opts.on_idle(r->opts.idle_ctx) > 0)
			continue;
		pthread_mutex_lock(&r->lock);
		if (!r->wake && !r->stop) {
			/* Also wake up now and then: a store error may be passing. */
			struct timespec ts;
			timespec_real_after(&ts, rc == STORE_NOTFOUND ? 60000 : 1000);
			pthread_cond_timedwait(&r->cond, &r->lock, &ts);
		}
		r->wake = false;
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

/* Runs a previous daemon left building or running: say so in their logs and
 * queue them again. 0, or a negative errno with the message in err. */
static int recover(struct runner *r, char *err, size_t errsize)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc;
	if ((rc = store_runs_recover(r->store, r->name, &ids, &n))) {
		snprintf(err, errsize, "recovering interrupted runs: %s", store_errmsg(r->store));
		return store_errno(rc);
	}
	for (size_t i = 0; i < n; i++)
		log_line(r, ids[i],
			 "this run was interrupted: the daemon stopped while it ran (killed or"
			 " crashed); its partial measurements are discarded and it is queued again");
	free(ids);
	return 0;
}

int runner_start(struct runner **out, const struct runner_options *opts, char *err,
		 size_t errsize)
{
	struct runner *r = calloc(1, sizeof(*r));
	char path[4096], msg[512];
	sigset_t all, old;
	int rc;
	if (!r || !(r->repo_path = strdup(opts->repo_path)) ||
	    !(r->data_dir = strdup(opts->data_dir))) {
		snprintf(err, errsize, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	r->opts = *opts;
	r->cancel_pipe[0] = r->cancel_pipe[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if ((rc = runner_identity(r, opts->labels, err, errsize)))
		goto fail;
	store_path_db(path, sizeof(path), r->data_dir);
	if ((rc = store_open(&r->store, path, STORE_SYNC_NORMAL))) {
		snprintf(err, errsize, "store %s: %s", path, store_errmsg(r->store));
		rc = store_errno(rc);
		goto fail;
	}
	store_set_owner(r->store, r->name);
	if ((rc = repo_open(&r->repo, r->repo_path, msg, sizeof(msg)))) {
		snprintf(err, errsize, "repository %s: %s", r->repo_path, msg);
		rc = rc < 0 ? rc : -EIO;
		goto fail;
	}
	if (pipe2(r->cancel_pipe, O_CLOEXEC | O_NONBLOCK)) {
		rc = -errno;
		snprintf(err, errsize, "pipe: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = spawner_start(&r->spawner))) {
		snprintf(err, errsize, "cannot start benchfs-spawner: %s", strerror(-rc));
		goto fail;
	}
	/* Under a dispatcher's name, what it holds is the job to claim. */
	if ((!opts->name && (rc = recover(r, err, errsize))) ||
	    (rc = runner_keeper_start(r, err, errsize)))
		goto fail;
	/* Signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->thread, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errsize, "cannot start the runner thread: %s", strerror(rc));
		rc = -rc;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	if (r) {
		if (r->keeper_started) {
			pthread_mutex_lock(&r->lock);
			r->stop = true;
			pthread_mutex_unlock(&r->lock);
		}
		runner_keeper_stop(r);
		spawner_free(r->spawner);
		store_free(r->store);
		repo_free(r->repo);
		if (r->cancel_pipe[0] >= 0) {
			close(r->cancel_pipe[0]);
			close(r->cancel_pipe[1]);
		}
		free(r->repo_path);
		free(r->data_dir);
		free(r);
	}
	return rc;
}

const char *runner_name(const struct runner *r)
{
	return r->name;
}

bool runner_done(struct runner *r, bool *claimed, char *why, size_t whysize)
{
	bool done;
	pthread_mutex_lock(&r->lock);
	done = r->done;
	*claimed = r->claimed;
	snprintf(why, whysize, "%s", r->claim_error);
	pthread_mutex_unlock(&r->lock);
	return done;
}

void runner_wake(struct runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->wake = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void runner_stop(struct runner *r)
{
	int64_t *ids = NULL;
	size_t n = 0;
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (write(r->cancel_pipe[1], "x", 1) < 0)
		log_error_errno(-errno, "cannot interrupt the runner");
	pthread_join(r->thread, NULL);
	runner_keeper_stop(r);
	spawner_free(r->spawner);
	/* An interrupted run goes back to the queue now, so the next start sees
	 * a clean state (a failure is logged by the store); under a dispatcher's
	 * name it stays as it is, for the dispatcher to record how it ended. */
	if (!r->opts.name)
		(void)store_runs_recover(r->store, r->name, &ids, &n);
	free(ids);
	store_free(r->store);
	repo_free(r->repo);
	close(r->cancel_pipe[0]);
	close(r->cancel_pipe[1]);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r->repo_path);
	free(r->data_dir);
	free(r);
}
