/* benchfs run: queue, build and measure without a mount. The revisions are
 * queued exactly as a write to the mount's queue would queue them
 * (queue/submit.h). When no daemon holds the data directory, this process
 * runs the jobs itself; when one does, it hands them over and waits, because
 * two processes measuring at once would ruin both measurements. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/datadir.h"
#include "cli/internal.h"
#include "queue/submit.h"
#include "runner/runner.h"
#include "spawner/spawner.h"
#include "store/fleet.h"
#include "store/paths.h"
#include "util/clock.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/run_files.h"
#include "views/session.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* What the wait loop knows of one of the queued runs. */
struct watched {
	struct queue_run *run;
	int64_t seq;      /* the store change number last shown */
	bool finished;
	enum run_state state;
	char bench[256];  /* the benchmark being measured */
	int64_t bench_ns; /* when it started */
};

/* "sort 3/10" -> bench "sort", done 3, total 10. */
static bool parse_detail(char *bench, size_t size, long *done, long *total, const char *detail)
{
	const char *sp = detail ? strrchr(detail, ' ') : NULL;
	if (!sp || (size_t)(sp - detail) >= size || sscanf(sp + 1, "%ld/%ld", done, total) != 2)
		return false;
	memcpy(bench, detail, (size_t)(sp - detail));
	bench[sp - detail] = '\0';
	return true;
}

/* One progress line: the run, its status, and while measuring an estimate
 * of the benchmark's time left from its iterations so far. */
static void progress_line(struct strbuf *out, struct watched *w, const struct store_run *run)
{
	char *status = run_status_text(run), bench[256];
	long done = 0, total = 0;
	size_t len = status ? strlen(status) : 0;
	if (len && status[len - 1] == '\n')
		status[--len] = '\0';
	strbuf_addf(out, "run " RUNID_DIR_FMT " %.12s: %s", (long long)run->id, run->commit,
		    status ? status : "?");
	if (run->state == RUN_RUNNING &&
	    parse_detail(bench, sizeof(bench), &done, &total, run->detail)) {
		int64_t now = now_mono_ns();
		if (strcmp(bench, w->bench) != 0) {
			snprintf(w->bench, sizeof(w->bench), "%s", bench);
			w->bench_ns = now;
		} else if (done > 0 && total > done) {
			double per = (double)(now - w->bench_ns) / 1e9 / (double)done;
			strbuf_addf(out, ", about %.0f s left", per * (double)(total - done) + 0.5);
		}
	}
	free(status);
}

/* Wait until every run is done or failed, showing progress on standard
 * error: one line rewritten in place on a terminal, else a line whenever a
 * run's state or benchmark changes. daemon: 0 when this process measures,
 * else the daemon the jobs were handed to (its pid, or -1 when unknown); the
 * wait ends if that daemon does. Returns the exit status. */
static int wait_runs(struct store *store, struct queue_run *runs, size_t n, pid_t daemon)
{
	bool handed_over = daemon != 0;
	struct watched *w = calloc(n, sizeof(*w));
	bool tty = isatty(STDERR_FILENO);
	size_t left = n;
	int status = EXIT_OK;
	if (!w)
		return setup_fail(EXIT_TOOL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		w[i].run = &runs[i];
		w[i].seq = -1;
	}
	while (left && !interrupted) {
		for (size_t i = 0; i < n; i++) {
			struct store_run run;
			struct strbuf line = STRBUF_INIT;
			int rc;
			if (w[i].finished)
				continue;
			rc = store_run_get_light(store, &run, runs[i].id);
			if (rc == STORE_NOTFOUND) {
				/* Removed from the queue (rm runs/<id> on a mount). */
				fprintf(stderr, "%srun " RUNID_DIR_FMT " was cancelled\n", tty ? "\r\033[K" : "",
					(long long)runs[i].id);
				w[i].finished = true;
				w[i].state = RUN_FAILED;
				left--;
				continue;
			}
			if (rc) {
				free(w);
				return setup_fail(EXIT_TOOL, "run: cannot read the store");
			}
			if (run.seq != w[i].seq) {
				char bench_before[256];
				snprintf(bench_before, sizeof(bench_before), "%s", w[i].bench);
				w[i].seq = run.seq;
				progress_line(&line, &w[i], &run);
				if (run_finished(&run)) {
					w[i].finished = true;
					w[i].state = run.state;
					left--;
					fprintf(stderr, "%s%s\n", tty ? "\r\033[K" : "", line.buf);
				} else if (tty) {
					fprintf(stderr, "\r\033[K%s", line.buf);
				} else if (w[i].state != run.state || strcmp(bench_before, w[i].bench)) {
					fprintf(stderr, "%s\n", line.buf);
				}
				w[i].state = run.state;
			}
			strbuf_release(&line);
			store_run_clear(&run);
		}
		if (left && daemon > 0 && kill(daemon, 0) && errno == ESRCH) {
			free(w);
			return setup_fail(EXIT_TOOL, "the benchfs (pid %ld) that measured the jobs has"
						     " ended; they stay queued for the next benchfs",
					  (long)daemon);
		}
		if (left) {
			struct timespec ts = {0, (handed_over ? 250 : 100) * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	if (interrupted) {
		fprintf(stderr, "%s", tty ? "\n" : "");
		status = setup_fail(130, handed_over ? "interrupted: the jobs stay queued in the daemon"
						     " that holds the data directory"
						   : "interrupted: the run in progress goes back to the"
						     " queue");
	}
	for (size_t i = 0; i < n && !interrupted; i++) {
		printf(RUNID_DIR_FMT "\t%s\t%s\n", (long long)runs[i].id, runs[i].commit,
		       w[i].state == RUN_DONE ? "done" : "failed");
		if (w[i].state != RUN_DONE)
			status = EXIT_TOOL;
	}
	free(w);
	fflush(stdout);
	return status;
}

/* Whether pid is a benchfs process (its command name): the lock file's pid is
 * only signalled when it still names one. */
static bool is_benchfs(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	if (!(f = fopen(path, "re")))
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strcmp(comm, "benchfs\n") == 0;
}

/* The queue text of the arguments: one line each, as a mount's queue takes them. */
static int queue_text(struct strbuf *text, const struct cli_args *args)
{
	for (size_t i = 0; i < args->nargs; i++) {
		if (strchr(args->args[i], '\n'))
			return setup_fail(EXIT_INVALID, "run: a revision holds a newline");
		strbuf_addstr(text, args->args[i]);
		strbuf_addch(text, '\n');
	}
	return strbuf_error(text) ? setup_fail(EXIT_TOOL, "out of memory") : 0;
}

/* The runner's name for run --job: under Slurm, the name the dispatcher
 * held the job under ("slurm:<jobid>"); else NULL (host:data directory). */
static const char *job_runner_name(char *buf, size_t size)
{
	const char *job = getenv("SLURM_JOB_ID");
	if (!job || !*job || strspn(job, "0123456789") != strlen(job))
		return NULL;
	snprintf(buf, size, "slurm:%s", job);
	return buf;
}

/* Why job id cannot be claimed by name, before a runner starts: 0, or an
 * exit status after a one-line message. */
static int job_claimable(struct store *store, int64_t id, const char *name)
{
	struct store_run run;
	int rc = store_run_get_light(store, &run, id), result = 0;
	if (rc == STORE_NOTFOUND)
		return setup_fail(EXIT_INVALID, "run --job: no run " RUNID_DIR_FMT, (long long)id);
	if (rc)
		return setup_fail(EXIT_TOOL, "run --job: store: %s", store_errmsg(store));
	if (run.state != RUN_QUEUED)
		result = setup_fail(EXIT_INVALID, "run --job: run " RUNID_DIR_FMT " is %s, not queued",
				    (long long)id, run_state_name(run.state));
	else if (run.pair_id > 0 && run.pair_id < run.id)
		result = setup_fail(EXIT_INVALID, "run --job: run " RUNID_DIR_FMT " is side B of an"
						  " A/B job: run --job " RUNID_DIR_FMT " measures both",
				    (long long)id, (long long)run.pair_id);
	else if (*run.runner && (!name || strcmp(run.runner, name) != 0))
		result = setup_fail(EXIT_INVALID, "run --job: run " RUNID_DIR_FMT " is held by %s",
				    (long long)id, run.runner);
	store_run_clear(&run);
	return result;
}

/* benchfs run --job ID: claims that job whatever its labels (a dispatcher
 * chose this machine), measures it as a daemon's runner would, and exits 0
 * when it is done, 1 when it failed, 2 when it cannot be claimed, 4 for a
 * failure of the tool's own. */
static int run_job(const struct cli_args *args)
{
	struct setup s = {0};
	struct datadir_lock lock = {.fd = -1};
	struct store *store = NULL;
	struct runner *runner = NULL;
	struct sigaction sa = {.sa_handler = on_interrupt};
	struct store_run run = {0};
	char path[4096], err[1024], namebuf[64], spawner[4096];
	const char *name = job_runner_name(namebuf, sizeof(namebuf));
	bool claimed = false;
	int64_t id;
	int rc;
	if (cli_job_id(&id, args->job))
		return setup_fail(EXIT_INVALID, "run --job: %s is not a run id", args->job);
	if (args->nargs)
		return setup_fail(EXIT_INVALID, "run --job measures a queued job: give no revisions");
	umask(0777 & ~DATA_MODE_DEFAULT);
	if ((rc = setup_open(&s, &args->paths)) ||
	    (rc = datadir_prepare(&lock, s.data_dir, DATA_MODE_DEFAULT, false)) ||
	    (rc = setup_data_absolute(&s)))
		goto out;
	if (lock.fd < 0) {
		rc = setup_fail(EXIT_TOOL, "run --job: another benchfs holds %s: give a data"
					   " directory of this process's own (--data)",
				s.data_dir);
		goto out;
	}
	if ((rc = spawner_locate(spawner, sizeof(spawner)))) {
		rc = setup_fail(EXIT_TOOL, "cannot use the helper %s: %s (it is built beside benchfs)",
				spawner, strerror(-rc));
		goto out;
	}
	store_path_db(path, sizeof(path), s.data_dir);
	if (store_open(&store, path, STORE_SYNC_FULL)) {
		rc = setup_fail(EXIT_TOOL, "store %s: %s", path, store_errmsg(store));
		goto out;
	}
	if ((rc = job_claimable(store, id, name)))
		goto out;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	{
		struct runner_options ro = {.repo_path = s.repo_path, .data_dir = s.data_dir,
					    .only = &id, .nonly = 1, .once = true, .name = name};
		if (runner_start(&runner, &ro, err, sizeof(err))) {
			rc = setup_fail(EXIT_TOOL, "%s", err);
			goto out;
		}
	}
	while (!interrupted && !runner_done(runner, &claimed, err, sizeof(err))) {
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
	/* Stopping interrupts the job when a signal came first. */
	runner_stop(runner);
	runner = NULL;
	if (interrupted) {
		rc = setup_fail(130, "run --job: interrupted: run " RUNID_DIR_FMT " %s", (long long)id,
				name ? "is left to its dispatcher" : "goes back to the queue");
		goto out;
	}
	if (!claimed) {
		rc = setup_fail(EXIT_INVALID, "run --job: %s", err);
		goto out;
	}
	if (store_run_get_light(store, &run, id)) {
		rc = setup_fail(EXIT_TOOL, "run --job: store: %s", store_errmsg(store));
		goto out;
	}
	printf(RUNID_DIR_FMT "\t%s\t%s%s%s\n", (long long)id, run.commit, run_state_name(run.state),
	       *run.detail ? ": " : "", run.detail);
	fflush(stdout);
	if (run.state == RUN_DONE)
		rc = EXIT_OK;
	else if (run.state == RUN_FAILED)
		rc = EXIT_FAILED;
	else
		rc = setup_fail(EXIT_TOOL, "run --job: run " RUNID_DIR_FMT " was not finished: it is"
					   " %s again",
				(long long)id, run_state_name(run.state));
out:
	runner_stop(runner);
	store_run_clear(&run);
	store_free(store);
	if (lock.fd >= 0)
		close(lock.fd);
	setup_clear(&s);
	return rc;
}

static int run_run(const struct cli_args *args)
{
	struct setup s;
	struct datadir_lock lock = {.fd = -1};
	struct strbuf text = STRBUF_INIT;
	struct store *store = NULL;
	struct runner *runner = NULL;
	struct queue_run *runs = NULL;
	struct sigaction sa = {.sa_handler = on_interrupt};
	char path[4096], err[1024];
	int64_t *only = NULL;
	size_t n = 0;
	int rc;
	if (args->job)
		return run_job(args);
	if (!args->nargs)
		return setup_fail(EXIT_INVALID, "run: give the revisions to measure (REV... or A..B)");
	if ((rc = queue_text(&text, args)) || (args->out && (rc = cli_out_usable(args->out))))
		goto out_text;
	/* Everything benchfs creates is no more open than the data directory. */
	umask(0777 & ~DATA_MODE_DEFAULT);
	if ((rc = setup_open(&s, &args->paths)) ||
	    (rc = datadir_prepare(&lock, s.data_dir, DATA_MODE_DEFAULT, false)) ||
	    (rc = setup_data_absolute(&s)))
		goto out;
	if (lock.fd >= 0) {
		char spawner[4096];
		int located = spawner_locate(spawner, sizeof(spawner));
		if (located) {
			rc = setup_fail(EXIT_TOOL, "cannot use the helper %s: %s (it is built beside"
						   " benchfs)",
					spawner, strerror(-located));
			goto out;
		}
	}
	store_path_db(path, sizeof(path), s.data_dir);
	if (store_open(&store, path, STORE_SYNC_FULL)) {
		rc = setup_fail(EXIT_TOOL, "store %s: %s", path, store_errmsg(store));
		goto out;
	}
	if ((rc = queue_submit(&runs, &n, store, s.repo, s.config_json, text.buf, text.len, err,
			       sizeof(err)))) {
		rc = setup_fail(rc == -EINVAL || rc == -EMSGSIZE ? EXIT_INVALID : EXIT_TOOL,
				"run: %s", err);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "benchfs: queued %s (%.12s%s) as run " RUNID_DIR_FMT "\n",
			runs[i].revision, runs[i].commit, queue_side_note(runs[i].side),
			(long long)runs[i].id);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (lock.fd < 0) {
		/* A daemon serves this data directory: it measures, we wait. */
		if (lock.holder > 0 && is_benchfs(lock.holder) && kill(lock.holder, SIGUSR1) == 0)
			fprintf(stderr, "benchfs: handed over to the benchfs (pid %ld) that holds %s\n",
				(long)lock.holder, s.data_dir);
		else
			fprintf(stderr, "benchfs: another benchfs holds %s: it takes the jobs up"
					" within a minute\n",
				s.data_dir);
		rc = wait_runs(store, runs, n, lock.holder > 0 ? lock.holder : -1);
		goto out_tree;
	}
	{
		struct runner_options ro = {.repo_path = s.repo_path, .data_dir = s.data_dir};
		int started;
		/* A shared store's queue holds others' jobs too: only ours. */
		if (store_shared(store)) {
			if (!(only = calloc(n, sizeof(*only)))) {
				rc = setup_fail(EXIT_TOOL, "out of memory");
				goto out;
			}
			for (size_t i = 0; i < n; i++)
				only[i] = runs[i].id;
			ro.only = only;
			ro.nonly = n;
		}
		started = runner_start(&runner, &ro, err, sizeof(err));
		if (started) {
			rc = setup_fail(EXIT_TOOL, "%s", err);
			goto out;
		}
	}
	runner_wake(runner);
	rc = wait_runs(store, runs, n, 0);
	runner_stop(runner);
	runner = NULL;
out_tree:
	/* The tree shows failed runs too: written whatever the runs' outcome. */
	if (args->out && (rc == EXIT_OK || rc == EXIT_TOOL)) {
		struct view_session *session = NULL;
		int written;
		if (view_session_open(&session, &s.settings, err, sizeof(err)))
			written = setup_fail(EXIT_TOOL, "%s", err);
		else
			written = cli_out_tree(&session->view, args->out);
		view_session_free(session);
		if (written)
			rc = written;
	}
out:
	/* Stopping puts a run in progress back in the queue. */
	runner_stop(runner);
	free(only);
	queue_runs_free(runs, n);
	store_free(store);
	if (lock.fd >= 0)
		close(lock.fd);
	setup_clear(&s);
out_text:
	strbuf_release(&text);
	return rc;
}

const struct cli_command cli_run = {
	.name = "run",
	.summary = "queue, build and measure revisions without a mount",
	.usage = "[options] [--out DIR] REV... | A..B | --job ID\n\n"
		 "  --job ID        measure queued job ID whatever its labels (a dispatcher such\n"
		 "                  as Slurm chose this machine); exit 0 done, 1 failed, 2 not\n"
		 "                  a queued job, 4 a failure of benchfs's own",
	.run = run_run,
};
