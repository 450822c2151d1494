#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/result.h"
#include "runner/runner.h"
#include "store/fleet.h"
#include "store/paths.h"
#include "store/run_files.h"
#include "util/rmtree.h"
#include "util/runid.h"
#include "views/format.h"
#include "views/run_files.h"
#include "views/run_summary.h"

static const char *const names[RUN_FILE_COUNT] = {
	[RUN_FILE_CONFIG] = "config.json", [RUN_FILE_STATUS] = "status",
	[RUN_FILE_LOG] = "debug.log",      [RUN_FILE_SYSTEM] = "system.json",
	[RUN_FILE_RESULT] = "result.json", [RUN_FILE_SUMMARY] = "summary",
};

const char *run_file_name(enum run_file file)
{
	return file < RUN_FILE_COUNT ? names[file] : NULL;
}

int run_file_parse(const char *name)
{
	for (int f = 0; f < RUN_FILE_COUNT; f++)
		if (strcmp(name, names[f]) == 0)
			return f;
	return -1;
}

bool run_finished(const struct store_run *run)
{
	return run->state == RUN_DONE || run->state == RUN_FAILED;
}

/* A done run has result.json and summary; no other run has them. */
static bool has_result(const struct store_run *run)
{
	return run->state == RUN_DONE && run->result;
}

bool run_file_exists(const struct store_run *run, enum run_file file)
{
	switch (file) {
	case RUN_FILE_SYSTEM:
		return run->system != NULL;
	case RUN_FILE_RESULT:
	case RUN_FILE_SUMMARY:
		return has_result(run);
	default:
		return file < RUN_FILE_COUNT;
	}
}

char *run_status_text(const struct store_run *run)
{
	char *text = NULL;
	int rc;
	switch (run->state) {
	case RUN_RUNNING:
		rc = asprintf(&text, "running %s\n", run->detail);
		break;
	case RUN_FAILED:
		rc = asprintf(&text, "failed: %s%s\n", run->detail,
			      run->excluded_ns ? " (excluded)" : "");
		break;
	case RUN_DONE:
		/* Outliers and a slow first iteration, flagged (never dropped); an
		 * excluded run says so among them (its reason is in exclude). */
		rc = run->detail && *run->detail
			     ? asprintf(&text, "done (%s%s)\n", run->detail,
					run->excluded_ns ? ", excluded" : "")
			     : asprintf(&text, run->excluded_ns ? "done (excluded)\n" : "done\n");
		break;
	default:
		rc = asprintf(&text, "%s\n", run_state_name(run->state));
		break;
	}
	return rc < 0 ? NULL : text;
}

static char *config_text(const struct store_run *run)
{
	json_object *root = json_object_new_object();
	char name[32], queued[32], *text = NULL;
	runid_dir_name(name, sizeof(name), run->id);
	format_iso_time(queued, sizeof(queued), run->created_ns);
	json_object_object_add(root, "run", json_object_new_string(name));
	json_object_object_add(root, "revision", json_object_new_string(run->revision));
	json_object_object_add(root, "commit", json_object_new_string(run->commit));
	json_object_object_add(root, "queued_at", json_object_new_string(queued));
	json_object_object_add(root, "configuration", json_tokener_parse(run->config));
	if (asprintf(&text, "%s\n",
		     json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		text = NULL;
	json_object_put(root);
	return text;
}

/* result.json of an excluded run: the stored one with the exclusion in its
 * benchfs section, so a copy of the file carries the mark. */
static char *result_text(const struct store_run *run)
{
	json_object *root, *info, *ex;
	char at[32], *text = NULL;
	if (!run->excluded_ns)
		return strdup(run->result);
	if (!(root = json_tokener_parse(run->result)))
		return NULL;
	if (!json_object_object_get_ex(root, "benchfs", &info) ||
	    !json_object_is_type(info, json_type_object)) {
		info = json_object_new_object();
		json_object_object_add(root, "benchfs", info);
	}
	format_iso_time(at, sizeof(at), run->excluded_ns);
	ex = json_object_new_object();
	json_object_object_add(ex, "reason",
			       json_object_new_string(run->excluded_reason ? run->excluded_reason
									   : ""));
	json_object_object_add(ex, "at", json_object_new_string(at));
	json_object_object_add(info, "excluded", ex);
	if (asprintf(&text, "%s\n",
		     json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		text = NULL;
	json_object_put(root);
	return text;
}

int run_file_text(char **out, const struct store_run *run, enum run_file file)
{
	int rc;
	*out = NULL;
	if (file == RUN_FILE_LOG || !run_file_exists(run, file))
		return -ENOENT;
	switch (file) {
	case RUN_FILE_CONFIG:
		*out = config_text(run);
		break;
	case RUN_FILE_STATUS:
		*out = run_status_text(run);
		break;
	case RUN_FILE_SYSTEM:
		*out = strdup(run->system);
		break;
	case RUN_FILE_RESULT:
		*out = result_text(run);
		break;
	case RUN_FILE_SUMMARY:
		if ((rc = run_summary_text(out, run->result)))
			return rc == -ENOMEM ? -ENOMEM : -EIO;
		break;
	default:
		return -ENOENT;
	}
	return *out ? 0 : -ENOMEM;
}

bool run_artifact_shown(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 255 || name[0] == '.' || strchr(name, '\t') || strchr(name, '\n'))
		return false;
	return run_file_parse(name) < 0;
}

/* ---- where a run's files are read from ---- */

/* The chunk of a file read from the store at once: a file of any size is
 * copied with bounded memory. */
#define STORE_READ_CHUNK ((size_t)4 << 20)

int run_files_cache_root(char *buf, size_t size, const char *data_dir)
{
	return store_path_copies_root(buf, size, data_dir);
}

/* A name from the store is a path under a directory of ours only when it
 * is relative and goes nowhere above it (the store refuses others at put;
 * a row planted around it is skipped here). */
static bool stored_name_ok(const char *name)
{
	const char *p = name;
	if (!*name || *name == '/')
		return false;
	for (; *p; p += strcspn(p, "/"), p += *p == '/') {
		size_t len = strcspn(p, "/");
		if (len == 0 || (p[0] == '.' && (len == 1 || (len == 2 && p[1] == '.'))))
			return false;
	}
	return true;
}

/* Each directory of rel's path under dir (not rel's last component). */
static int make_parents(const char *dir, const char *rel)
{
	char path[4400];
	if (snprintf(path, sizeof(path), "%s/%s", dir, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* One of the run's files from the store into dir/<name>, with its time. */
static int copy_one(const struct view_ctx *ctx, const char *dir, int64_t run_id,
		    const struct store_run_file *f, void *buf)
{
	char path[4400];
	int64_t off = 0;
	int fd, rc;
	struct timespec times[2];
	if ((rc = make_parents(dir, f->name)))
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444)) < 0)
		return -errno;
	while (off < f->size && !rc) {
		size_t got = 0;
		if (store_run_file_read(ctx->store, &got, buf, run_id, f->name, off, STORE_READ_CHUNK))
			rc = -EIO;
		else if (got == 0)
			rc = -EIO; /* shorter than listed: replaced meanwhile */
		else if (write(fd, buf, got) != (ssize_t)got)
			rc = errno ? -errno : -EIO;
		off += (int64_t)got;
	}
	times[0] = times[1] = (struct timespec){.tv_sec = f->mtime_ns / 1000000000,
						.tv_nsec = f->mtime_ns % 1000000000};
	if (!rc && futimens(fd, times))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

/* The run's files from the store into cache, made whole in a directory of
 * its own and renamed into place: a reader sees all of them or none, and
 * of two threads copying at once, one copy stays. */
static int copy_from_store(const struct view_ctx *ctx, const char *cache, int64_t run_id,
			   const struct store_run_file *files, size_t n)
{
	char root[4096], tmp[4200];
	void *buf = NULL;
	int rc = 0;
	if ((rc = run_files_cache_root(root, sizeof(root), ctx->data_dir)))
		return rc;
	if (mkdir(root, 0755) && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s/." RUNID_DIR_FMT ".XXXXXX", root, (long long)run_id);
	if (!mkdtemp(tmp))
		return -errno;
	if (chmod(tmp, 0755) || !(buf = malloc(STORE_READ_CHUNK)))
		rc = buf ? -errno : -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++)
		if (stored_name_ok(files[i].name))
			rc = copy_one(ctx, tmp, run_id, &files[i], buf);
	free(buf);
	if (!rc && rename(tmp, cache)) {
		/* Another thread's copy is there: keep it. */
		if (errno != EEXIST && errno != ENOTEMPTY)
			rc = -errno;
	} else if (!rc) {
		return 0;
	}
	rmtree(tmp);
	return rc;
}

/* Whether another runner than this machine's holds or ended the run (it
 * measured the run again after this one lost it): its files are then the
 * store's, not the ones here. When the store cannot tell, the files here
 * are shown. */
static bool other_runners_end(const struct view_ctx *ctx, int64_t run_id)
{
	char self[4352], *holder = NULL;
	const char *name;
	bool other;
	if (store_run_holder(ctx->store, &holder, run_id))
		return false;
	/* A cancelled run keeps its holder's name after "cancelled:". */
	name = strncmp(holder, "cancelled:", 10) ? holder : holder + 10;
	runner_default_name(self, sizeof(self), ctx->data_dir);
	other = *name && strcmp(name, self) != 0;
	free(holder);
	return other;
}

int run_files_place(struct run_files_place *out, const struct view_ctx *ctx, int64_t run_id)
{
	struct store_run_file *files = NULL;
	char root[4096], cache[4200];
	struct stat st;
	size_t n = 0;
	int rc;
	memset(out, 0, sizeof(*out));
	store_path_log(out->log, sizeof(out->log), ctx->data_dir, run_id);
	store_path_artifacts(out->dir, sizeof(out->dir), ctx->data_dir, run_id);
	/* A store of one machine has nothing else. */
	if (!store_shared(ctx->store)) {
		out->settled = true;
		return 0;
	}
	/* Run here (or being run here): its live files; unless another runner
	 * measured it again after this one lost it (its lease ran out), whose
	 * debug.log in the store is not this machine's. */
	if (lstat(out->log, &st) == 0 && !other_runners_end(ctx, run_id)) {
		out->settled = true;
		return 0;
	}
	if ((rc = run_files_cache_root(root, sizeof(root), ctx->data_dir)))
		return rc;
	snprintf(cache, sizeof(cache), "%s/" RUNID_DIR_FMT, root, (long long)run_id);
	if (lstat(cache, &st) != 0) {
		if (store_run_files_list(ctx->store, &files, &n, run_id))
			return -EIO;
		/* None yet (its end is recorded just before its files are). */
		rc = n ? copy_from_store(ctx, cache, run_id, files, n) : 0;
		store_run_files_free(files, n);
		if (rc || n == 0)
			return rc;
	}
	if (snprintf(out->log, sizeof(out->log), "%s/debug.log", cache) >= (int)sizeof(out->log) ||
	    snprintf(out->dir, sizeof(out->dir), "%s", cache) >= (int)sizeof(out->dir))
		return -ENAMETOOLONG;
	out->settled = true;
	return 0;
}
