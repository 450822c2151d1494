/* The Slurm dispatcher (see dispatch_slurm.h). A job is held in the store
 * as "slurm-submit:<pid>" while sbatch runs, then as "slurm:<jobid>": the
 * name `benchfs run --job` takes in that Slurm job, so it claims the job
 * and renews its lease as a runner would. Until then the dispatcher renews
 * the lease of every job Slurm still has. A cancelled job is held by
 * "cancelled:slurm:<jobid>" (store_run_cancel); after scancel by
 * "scancelled:slurm:<jobid>". Slurm forgets finished jobs after minutes:
 * every state that matters is in the store. */
#include "service/dispatch_slurm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service/slurm_nodes.h"
#include "store/fleet.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/labels.h"
#include "util/log.h"
#include "util/runid.h"
#include "util/strbuf.h"

extern char **environ;

/* A submitted job's lease, renewed at each look while Slurm has the job: it
 * may wait in Slurm's queue for long, and no runner may take it meanwhile. */
#define DISPATCH_LEASE_NS (600LL * 1000000000LL)
/* How often the dispatcher looks at the queue and at Slurm. */
#define DISPATCH_PERIOD_MS 2000

struct dispatch_slurm {
	struct dispatch_slurm_options opts;
	char *repo_path, *config_path, *data_dir;
	char exe[PATH_MAX];    /* this benchfs, which the jobs run */
	char script[PATH_MAX]; /* slurm/benchfs-job.sh: exec "$@" */
	char submit[64];       /* the holder while sbatch runs */
	struct store *store;   /* the thread's connection */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool nodes_warned; /* scontrol's failure was said */
	/* Jobs said to be left queued for a runner (said once each). */
	int64_t *noted;
	size_t noted_nr, noted_alloc;
};

static bool stopping(struct dispatch_slurm *d)
{
	bool stop;
	pthread_mutex_lock(&d->lock);
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

static void changed(struct dispatch_slurm *d, const int64_t *ids, size_t n)
{
	for (size_t i = 0; d->opts.on_change && i < n; i++)
		d->opts.on_change(d->opts.ctx, ids[i]);
}

/* Runs argv (a Slurm command, found on PATH) with no shell, its standard
 * output and error in out (reset first, trailing blanks cut): its exit
 * status, or a negative errno when it could not run. */
static int command(struct strbuf *out, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int fds[2], status = 0, rc;
	pid_t pid;
	strbuf_reset(out);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return -rc;
	}
	for (;;) {
		char buf[4096];
		ssize_t got = read(fds[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		/* Past a failed add the rest is drained: the command must not block. */
		(void)strbuf_add(out, buf, (size_t)got);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (strbuf_error(out))
		return strbuf_error(out);
	while (out->len && (out->buf[out->len - 1] == '\n' || out->buf[out->len - 1] == ' '))
		strbuf_setlen(out, out->len - 1);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Submits job id, asking Slurm with where (slurm_labels_args' options, NULL
 * for any node): 0 with the Slurm job id in jobid, or -1 with why in err. */
static int submit(struct dispatch_slurm *d, int64_t id, char *const *where, char *jobid,
		  size_t jobsize, char *err, size_t errsize)
{
	char name[64], output[PATH_MAX + 64], data[PATH_MAX + 64], idtext[32];
	struct strbuf out = STRBUF_INIT;
	const char *store = getenv("BENCHFS_STORE");
	char *argv[32];
	size_t a = 0;
	int rc, result = 0;
	snprintf(name, sizeof(name), "--job-name=benchfs-%lld", (long long)id);
	snprintf(output, sizeof(output), "--output=%s/slurm/%lld.out", d->data_dir, (long long)id);
	/* A data directory per job: jobs on several nodes never share one. */
	snprintf(data, sizeof(data), "%s/slurm/job-%lld", d->data_dir, (long long)id);
	snprintf(idtext, sizeof(idtext), "%lld", (long long)id);
	argv[a++] = "sbatch";
	argv[a++] = "--parsable";
	argv[a++] = "--exclusive";
	for (size_t i = 0; where && where[i]; i++)
		argv[a++] = where[i];
	argv[a++] = name;
	argv[a++] = output;
	argv[a++] = d->script;
	argv[a++] = d->exe;
	argv[a++] = "run";
	argv[a++] = "--job";
	argv[a++] = idtext;
	argv[a++] = "--repo";
	argv[a++] = d->repo_path;
	if (d->config_path) {
		argv[a++] = "--config";
		argv[a++] = d->config_path;
	}
	argv[a++] = "--data";
	argv[a++] = data;
	if (store && *store) {
		argv[a++] = "--store";
		argv[a++] = (char *)store;
	}
	argv[a] = NULL;
	rc = command(&out, argv);
	/* --parsable: "jobid" or "jobid;cluster". */
	strbuf_setlen(&out, strcspn(out.buf, ";\n"));
	if (rc < 0) {
		snprintf(err, errsize, "sbatch: %s", strerror(-rc));
		result = -1;
	} else if (rc != 0 || !out.len || strspn(out.buf, "0123456789") != out.len) {
		snprintf(err, errsize, "sbatch failed (status %d): %.400s", rc, out.buf);
		result = -1;
	} else {
		snprintf(jobid, jobsize, "%.*s", (int)(jobsize - 1), out.buf);
	}
	strbuf_release(&out);
	return result;
}

/* The nodes as Slurm lists them now, or NULL when scontrol could not say
 * (the controller is down: nothing is concluded; said once until it
 * answers again). */
static struct slurm_nodes *nodes_now(struct dispatch_slurm *d)
{
	char *argv[] = {"scontrol", "--oneliner", "show", "node", NULL};
	struct slurm_nodes *nodes = NULL;
	struct strbuf out = STRBUF_INIT;
	char err[256];
	int rc = command(&out, argv);
	if (rc == 0 && slurm_nodes_parse(&nodes, out.buf, err, sizeof(err)) == 0) {
		d->nodes_warned = false;
	} else if (!d->nodes_warned) {
		log_warning("queued jobs wait: scontrol show node: %s",
			    rc < 0 ? strerror(-rc) : rc ? out.buf : err);
		d->nodes_warned = true;
	}
	strbuf_release(&out);
	return nodes;
}

/* Whether a registered runner has every label of labels: a job no Slurm
 * node can run is then left queued for it. */
static bool runner_matches(struct dispatch_slurm *d, const char *labels, char *who, size_t size)
{
	struct store_runner *runners = NULL;
	size_t n = 0;
	bool found = false;
	if (store_runners_list(d->store, &runners, &n)) {
		/* Logged by the store: failing the job could be wrong. */
		snprintf(who, size, "maybe one: the store did not list them");
		return true;
	}
	for (size_t i = 0; i < n && !found; i++)
		if ((found = labels_include(runners[i].labels, labels)))
			snprintf(who, size, "%s", runners[i].name);
	store_runners_free(runners, n);
	return found;
}

/* Whether job id was already said to be left to the runners; remembers it. */
static bool noted(struct dispatch_slurm *d, int64_t id)
{
	for (size_t i = 0; i < d->noted_nr; i++)
		if (d->noted[i] == id)
			return true;
	if (!ALLOC_GROW(d->noted, d->noted_nr + 1, d->noted_alloc))
		d->noted[d->noted_nr++] = id;
	return false;
}

/* One queued job no one holds: submitted with what its labels ask of
 * Slurm; failed, saying why, when no Slurm node and no runner has them
 * all. False when it is left queued for a runner that has them. */
static bool dispatch_one(struct dispatch_slurm *d, const struct store_run *run,
			 const struct slurm_nodes *nodes)
{
	char jobid[64], holder[80], err[600], who[512];
	const char *labels = run->labels ? run->labels : "";
	char **where = NULL;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = slurm_labels_args(&where, nodes, labels, err, sizeof(err));
	if (rc == -ENOMEM)
		return true; /* tried again at the next look */
	if (rc && runner_matches(d, labels, who, sizeof(who))) {
		if (!noted(d, run->id))
			log_notice("run " RUNID_DIR_FMT " stays queued for a runner (%s has its"
				   " labels %s): %s", (long long)run->id, who, labels, err);
		return false;
	}
	if (store_run_hold(d->store, run->id, d->submit, DISPATCH_LEASE_NS)) {
		slurm_args_free(where);
		return true; /* a runner took it first, or logged by the store */
	}
	if (!rc && submit(d, run->id, where, jobid, sizeof(jobid), err, sizeof(err)) == 0) {
		snprintf(holder, sizeof(holder), "slurm:%s", jobid);
		if (store_holder_rename(d->store, d->submit, holder) == STORE_OK)
			log_notice("run " RUNID_DIR_FMT " submitted to Slurm as job %s",
				   (long long)run->id, jobid);
	} else {
		log_warning("run " RUNID_DIR_FMT ": %s", (long long)run->id, err);
		if (store_holder_fail(d->store, d->submit, err, &ids, &n) == STORE_OK)
			changed(d, ids, n);
		free(ids);
	}
	slurm_args_free(where);
	return true;
}

/* Hands every queued job no one holds to Slurm: how many there were that
 * are Slurm's (none: the dispatcher may be idle; a store failure counts
 * one). */
static size_t dispatch_queued(struct dispatch_slurm *d)
{
	struct store_run *runs = NULL;
	struct slurm_nodes *nodes = NULL;
	size_t n = 0, mine = 0;
	if (store_runs_pending(d->store, &runs, &n))
		return 1; /* logged by the store; tried again at the next look */
	for (size_t i = 0; i < n && !stopping(d); i++) {
		const struct store_run *run = &runs[i];
		/* An A/B job is held and submitted by its first side. */
		if (run->state != RUN_QUEUED || (run->runner && *run->runner) ||
		    (run->pair_id && run->pair_id < run->id))
			continue;
		if (!nodes && !(nodes = nodes_now(d))) {
			mine++; /* waiting for Slurm to answer */
			break;
		}
		mine += dispatch_one(d, run, nodes);
	}
	slurm_nodes_free(nodes);
	store_runs_free(runs, n);
	return mine;
}

/* Whether a job in this squeue state is over. */
static bool slurm_ended(const char *state)
{
	static const char *const ended[] = {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT",
					    "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
					    "OUT_OF_MEMORY", "SPECIAL_EXIT", NULL};
	for (size_t i = 0; ended[i]; i++)
		if (!strcmp(state, ended[i]))
			return true;
	return false;
}

/* The job's state as squeue shows it: 1 with it in state, 0 when Slurm no
 * longer knows the job, -1 when squeue could not say (the controller is
 * down: nothing is concluded). */
static int slurm_state(const char *jobid, char *state, size_t size)
{
	char jobs[80];
	struct strbuf out = STRBUF_INIT;
	/* --states=all: a job that ended is shown with how, while Slurm remembers it. */
	char *argv[] = {"squeue", "--noheader", "--format=%i,%T", "--states=all", jobs, NULL};
	size_t len = strlen(jobid);
	int rc, result = 0;
	snprintf(jobs, sizeof(jobs), "--jobs=%s", jobid);
	rc = command(&out, argv);
	if (rc == 0) {
		for (const char *line = out.buf; line && !result; line = strchr(line, '\n')) {
			line += *line == '\n';
			if (!strncmp(line, jobid, len) && line[len] == ',') {
				snprintf(state, size, "%.*s", (int)strcspn(line + len + 1, "\n"),
					 line + len + 1);
				result = 1;
			}
		}
	} else if (!(rc > 0 && strstr(out.buf, "Invalid job id"))) {
		log_warning("squeue --jobs=%s: %s", jobid, rc < 0 ? strerror(-rc) : out.buf);
		result = -1;
	}
	strbuf_release(&out);
	return result;
}

/* Every job Slurm has or had for us: its lease renewed while Slurm has it;
 * its runs failed, saying so, when it ended before they did. How many are
 * still under way (or may be: squeue could not say). */
static size_t watch_jobs(struct dispatch_slurm *d)
{
	char **holders = NULL;
	size_t n = 0, busy = 0;
	if (store_holders_list(d->store, &holders, &n, "slurm:%", true))
		return 1; /* logged by the store: not idle */
	for (size_t i = 0; i < n; i++) {
		const char *jobid = holders[i] + strlen("slurm:");
		char state[64] = "", detail[256];
		int64_t *ids = NULL;
		size_t nids = 0;
		int known = slurm_state(jobid, state, sizeof(state));
		if (known < 0) {
			busy++;
			continue;
		}
		if (known && !slurm_ended(state)) {
			(void)store_runner_heartbeat(d->store, holders[i], 0, DISPATCH_LEASE_NS);
			busy++;
			continue;
		}
		snprintf(detail, sizeof(detail), "slurm job %s ended before the run finished (%s)",
			 jobid, known ? state : "no longer known to Slurm");
		if (store_holder_fail(d->store, holders[i], detail, &ids, &nids) == STORE_OK) {
			for (size_t k = 0; k < nids; k++)
				log_warning("run " RUNID_DIR_FMT ": %s", (long long)ids[k], detail);
			changed(d, ids, nids);
		}
		free(ids);
	}
	store_holders_free(holders, n);
	return busy;
}

/* Jobs cancelled in benchfs that Slurm may still run or hold: scancel. */
static void cancel_jobs(struct dispatch_slurm *d)
{
	struct strbuf out = STRBUF_INIT;
	char **holders = NULL;
	size_t n = 0;
	if (store_holders_list(d->store, &holders, &n, "cancelled:slurm:%", false))
		return;
	for (size_t i = 0; i < n; i++) {
		char jobid[64], done[96];
		char *argv[] = {"scancel", jobid, NULL};
		int rc;
		snprintf(jobid, sizeof(jobid), "%s", holders[i] + strlen("cancelled:slurm:"));
		rc = command(&out, argv);
		/* A job Slurm forgot already needs no scancel either. */
		if (rc != 0 && !(rc > 0 && strstr(out.buf, "Invalid job id"))) {
			log_warning("scancel %s: %s", jobid, rc < 0 ? strerror(-rc) : out.buf);
			continue;
		}
		log_notice("Slurm job %s cancelled: its benchfs job was", jobid);
		snprintf(done, sizeof(done), "s%s", holders[i]);
		(void)store_holder_rename(d->store, holders[i], done);
	}
	strbuf_release(&out);
	store_holders_free(holders, n);
}

/* Jobs whose lease ran out go back to the queue, as a runner's keeper
 * does: one left held while sbatch ran by a dispatcher that died, or one
 * held by a runner that did; a store with no runner has only us to do it. */
static void requeue_expired(struct dispatch_slurm *d)
{
	int64_t *ids = NULL;
	size_t n = 0;
	if (store_runs_recover(d->store, NULL, &ids, &n))
		return; /* logged by the store; tried again at the next look */
	for (size_t i = 0; i < n; i++)
		log_notice("run " RUNID_DIR_FMT " queued again: its holder's lease ran out",
			   (long long)ids[i]);
	changed(d, ids, n);
	free(ids);
}

static void *loop(void *arg)
{
	struct dispatch_slurm *d = arg;
	bool listening = !store_queue_listen(d->store);
	while (!stopping(d)) {
		int64_t next = now_mono_ns() + DISPATCH_PERIOD_MS * 1000000LL;
		size_t busy;
		cancel_jobs(d);
		busy = watch_jobs(d);
		requeue_expired(d);
		busy += dispatch_queued(d);
		/* Nothing queued for Slurm nor under way there: the daemon's idle
		 * work, as a runner's once its job is over (what a service queues
		 * may depend on the last job's result); what it queued is
		 * dispatched at once. */
		if (!busy && d->opts.on_idle && !stopping(d) && d->opts.on_idle(d->opts.idle_ctx) > 0)
			continue;
		/* Until the next look, or a job queued anywhere (LISTEN). */
		while (!stopping(d) && now_mono_ns() < next) {
			if (listening && store_queue_wait(d->store, 250) == STORE_OK)
				break;
			if (!listening) {
				struct timespec ts;
				pthread_mutex_lock(&d->lock);
				if (!d->stop) {
					timespec_real_after(&ts, 250);
					pthread_cond_timedwait(&d->cond, &d->lock, &ts);
				}
				pthread_mutex_unlock(&d->lock);
			}
		}
	}
	return NULL;
}

/* slurm/ and the script each job runs: exec "$@", its arguments passed as
 * they are, never through a shell's parsing. */
static int write_script(struct dispatch_slurm *d, char *err, size_t errsize)
{
	static const char text[] = "#!/bin/sh\n# Written by benchfs --dispatch slurm.\nexec \"$@\"\n";
	char dir[PATH_MAX - 32];
	FILE *f;
	snprintf(dir, sizeof(dir), "%s/slurm", d->data_dir);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		snprintf(err, errsize, "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	snprintf(d->script, sizeof(d->script), "%s/benchfs-job.sh", dir);
	if (!(f = fopen(d->script, "we")) || fputs(text, f) < 0 || fclose(f) ||
	    chmod(d->script, 0755)) {
		int rc = -errno;
		snprintf(err, errsize, "cannot write %s: %s", d->script, strerror(errno));
		return rc;
	}
	return 0;
}

int dispatch_slurm_start(struct dispatch_slurm **out, const struct dispatch_slurm_options *opts,
			 char *err, size_t errsize)
{
	struct dispatch_slurm *d = calloc(1, sizeof(*d));
	char path[4096];
	sigset_t all, old;
	ssize_t len;
	int rc;
	*out = NULL;
	if (!d || !(d->repo_path = strdup(opts->repo_path)) ||
	    !(d->data_dir = strdup(opts->data_dir)) ||
	    (opts->config_path && opts->config_path[0] == '/' &&
	     !(d->config_path = strdup(opts->config_path)))) {
		snprintf(err, errsize, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	d->opts = *opts;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	snprintf(d->submit, sizeof(d->submit), "slurm-submit:%ld", (long)getpid());
	if ((len = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1)) < 0) {
		rc = -errno;
		snprintf(err, errsize, "cannot find benchfs itself: %s", strerror(errno));
		goto fail;
	}
	d->exe[len] = '\0';
	if ((rc = write_script(d, err, errsize)))
		goto fail;
	store_path_db(path, sizeof(path), d->data_dir);
	if ((rc = store_open(&d->store, path, STORE_SYNC_NORMAL))) {
		snprintf(err, errsize, "store %s: %s", path, store_errmsg(d->store));
		rc = store_errno(rc);
		goto fail;
	}
	if (!store_shared(d->store)) {
		snprintf(err, errsize, "--dispatch slurm needs a store the nodes share: a PostgreSQL"
				       " store (--store postgresql://...)");
		rc = -EINVAL;
		goto fail;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&d->thread, NULL, loop, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errsize, "cannot start the dispatcher's thread: %s", strerror(rc));
		rc = -rc;
		goto fail;
	}
	*out = d;
	return 0;
fail:
	if (d) {
		store_free(d->store);
		free(d->repo_path);
		free(d->config_path);
		free(d->data_dir);
		free(d);
	}
	return rc;
}

void dispatch_slurm_stop(struct dispatch_slurm *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	store_free(d->store);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->repo_path);
	free(d->config_path);
	free(d->data_dir);
	free(d->noted);
	free(d);
}
