/* The end of a job that measured every benchmark: the conditions each was
 * measured under, result.json and the runs' ends in the store and their
 * logs; and the close of each run's log, after which, on a store shared by
 * a fleet, the files of each run that ended are copied into it
 * (store/run_files.h) so that every machine's mount shows them.
 * Part of the job loop (runner.c); the job's state is runner/internal.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/interference.h"
#include "runner/internal.h"
#include "runner/result.h"
#include "runner/runlog.h"
#include "store/fleet.h"
#include "store/paths.h"
#include "store/run_files.h"
#include "store/store.h"
#include "util/array.h"
#include "util/log.h"
#include "util/runid.h"

/* What a run may keep in the store, all its files together: those past it
 * stay on the machine that ran it, named in its debug.log. */
#define RUN_FILES_STORE_MAX ((int64_t)256 << 20)

/* One file found for the store: its name there, its path here. */
struct found_file {
	char *name, *path;
	int64_t size, mtime_ns;
};

struct found_files {
	struct found_file *items;
	size_t n, cap;
};

static void found_free(struct found_files *ff)
{
	for (size_t i = 0; i < ff->n; i++) {
		free(ff->items[i].name);
		free(ff->items[i].path);
	}
	free(ff->items);
}

static int found_add(struct found_files *ff, const char *name, const char *path,
		     const struct stat *st)
{
	struct found_file f = {
		.name = strdup(name),
		.path = strdup(path),
		.size = (int64_t)st->st_size,
		.mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
	};
	if (!f.name || !f.path || ALLOC_GROW(ff->items, ff->n + 1, ff->cap)) {
		free(f.name);
		free(f.path);
		return -ENOMEM;
	}
	ff->items[ff->n++] = f;
	return 0;
}

/* Every regular file under dir/rel, named by its path from dir, in name
 * order; hidden names (a file still being written) and anything but
 * directories and regular files (a planted symlink) are left out, as the
 * mount leaves them out. */
static int find_files(struct found_files *ff, const char *dir, const char *rel)
{
	struct dirent **ents = NULL;
	char *path = NULL;
	int count, rc = 0;
	if (asprintf(&path, "%s%s%s", dir, *rel ? "/" : "", rel) < 0)
		return -ENOMEM;
	count = scandir(path, &ents, NULL, alphasort);
	for (int i = 0; i < count; i++) {
		char *sub = NULL, *full = NULL;
		struct stat st;
		if (!rc && ents[i]->d_name[0] != '.' &&
		    asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", ents[i]->d_name) >= 0) {
			if (asprintf(&full, "%s/%s", path, ents[i]->d_name) < 0)
				rc = -ENOMEM;
			else if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
				rc = find_files(ff, dir, sub);
			else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode))
				rc = found_add(ff, sub, full, &st);
		} else if (!rc && ents[i]->d_name[0] != '.') {
			rc = -ENOMEM;
		}
		free(sub);
		free(full);
		free(ents[i]);
	}
	free(ents);
	free(path);
	return count < 0 && errno != ENOENT ? -errno : rc;
}

/* The whole file into a malloc'd buffer of exactly size bytes (it may not
 * grow meanwhile: it is copied as it was found). */
static int read_whole(void **out, const char *path, int64_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *buf = malloc(size > 0 ? (size_t)size : 1);
	int64_t done = 0;
	int rc = 0;
	if (fd < 0 || !buf) {
		rc = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while (done < size) {
		ssize_t n = read(fd, buf + done, (size_t)(size - done));
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		done += n;
	}
	/* Shorter than found: what is there. */
	memset(buf + done, 0, (size_t)(size - done));
out:
	if (fd >= 0)
		close(fd);
	if (rc) {
		free(buf);
		buf = NULL;
	}
	*out = buf;
	return rc;
}

/* A run's files on their way into the shared store: those of its artifacts
 * directory that fit, read while its debug.log is open, and the log itself
 * last, read once it is closed. */
struct upload {
	struct found_files ff;
	struct store_run_file_body *bodies; /* ff.n + 1: the files that fit, then debug.log */
	size_t n;
};

static void upload_free(struct upload *up)
{
	for (size_t i = 0; up->bodies && i <= up->ff.n; i++)
		free((void *)up->bodies[i].body);
	free(up->bodies);
	found_free(&up->ff);
}

/* Which files of the artifacts directory the store takes, read; each one
 * left out is named in debug.log (open still: the notes are in its copy).
 * 0 or -errno. */
static int upload_prepare(struct upload *up, struct job *job, size_t s)
{
	struct runner *r = job->runner;
	struct side *sd = &job->sides[s];
	char dir[4096], log_path[4096];
	int64_t total = 0;
	struct stat st;
	int rc;
	store_path_artifacts(dir, sizeof(dir), r->data_dir, sd->run->id);
	store_path_log(log_path, sizeof(log_path), r->data_dir, sd->run->id);
	if ((rc = find_files(&up->ff, dir, "")))
		return rc;
	if (!(up->bodies = calloc(up->ff.n + 1, sizeof(*up->bodies))))
		return -ENOMEM;
	/* debug.log's own room: what it is now, what its close adds (a capped
	 * log's kept tail) and the lines said below. */
	if (lstat(log_path, &st) == 0)
		total = (int64_t)st.st_size + runlog_pending(sd->log) + 64 * 1024;
	for (size_t i = 0; i < up->ff.n; i++) {
		struct found_file *f = &up->ff.items[i];
		struct store_run_file_body *b = &up->bodies[up->n];
		if (total + f->size > RUN_FILES_STORE_MAX) {
			runlog_printf(sd->log, "benchfs",
				      "%s (%lld bytes): not copied into the shared store (its files may"
				      " take %lld bytes in all): only this machine shows it",
				      f->name, (long long)f->size, (long long)RUN_FILES_STORE_MAX);
			continue;
		}
		if ((rc = read_whole((void **)&b->body, f->path, f->size))) {
			runlog_printf(sd->log, "benchfs", "%s: not copied into the shared store: %s",
				      f->name, strerror(-rc));
			continue;
		}
		b->name = f->name;
		b->size = (size_t)f->size;
		b->mtime_ns = f->mtime_ns;
		up->n++;
		total += f->size;
	}
	return 0;
}

/* debug.log, closed now, with the files prepared, in place of any the run
 * had (an earlier attempt's), in one transaction. 0 or -errno. */
static int upload_send(struct upload *up, struct runner *r, int64_t run_id)
{
	struct store_run_file_body *b = &up->bodies[up->n];
	char log_path[4096];
	struct stat st;
	int rc = 0;
	store_path_log(log_path, sizeof(log_path), r->data_dir, run_id);
	if (lstat(log_path, &st) == 0 && S_ISREG(st.st_mode) &&
	    !(rc = read_whole((void **)&b->body, log_path, (int64_t)st.st_size))) {
		b->name = "debug.log";
		b->size = (size_t)st.st_size;
		b->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		up->n++;
	}
	if (rc) /* the other files still go */
		log_error(rc, "run " RUNID_DIR_FMT ": its debug.log could not be copied into the store",
			  (long long)run_id);
	/* The store logged why. */
	return store_run_files_replace(r->store, run_id, up->bodies, up->n) ? -EIO : 0;
}

void job_close_log(struct job *job, size_t s)
{
	struct runner *r = job->runner;
	struct side *sd = &job->sides[s];
	struct upload up = {0};
	/* Ended: its end was recorded while the run was this runner's (one
	 * that lost its job records nothing of it). */
	bool copy = sd->ended && store_shared(r->store);
	int rc = copy ? upload_prepare(&up, job, s) : 0;
	runlog_free(sd->log);
	sd->log = NULL;
	if (copy && !rc)
		rc = upload_send(&up, r, sd->run->id);
	/* A failure only costs other machines the files. */
	if (rc)
		log_error(rc, "run " RUNID_DIR_FMT ": its files could not be copied into the store",
			  (long long)sd->run->id);
	upload_free(&up);
}

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
