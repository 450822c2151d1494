/* Importing measurements made elsewhere (import.h): parse, validate, then
 * one call of the store that writes every run or none. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue/import.h"
#include "queue/internal_import.h"
#include "repo/revparse.h"
#include "runner/result.h"
#include "util/runid.h"
#include "util/strbuf.h"

int import_fail(struct job *job, int rc, const char *fmt, ...)
{
	va_list ap;
	int len = snprintf(job->err, job->errsize, "%s: ", job->source);
	va_start(ap, fmt);
	if (len >= 0 && (size_t)len < job->errsize)
		vsnprintf(job->err + len, job->errsize - (size_t)len, fmt, ap);
	va_end(ap);
	return rc;
}

static void run_clear(struct run_in *r)
{
	for (size_t i = 0; i < r->nbenches; i++) {
		free(r->benches[i].name);
		free(r->benches[i].its);
	}
	free(r->benches);
	free(r->metrics);
	free(r->revision);
	free(r->config_json);
	free(r->system_json);
	free(r->key);
	free(r->detail);
	free(r->from);
	free(r->host);
	json_object_put(r->result);
	config_free(r->config);
	memset(r, 0, sizeof(*r));
}

static void job_clear(struct job *job)
{
	for (size_t i = 0; i < job->n; i++)
		run_clear(&job->runs[i]);
	free(job->runs);
	job->runs = NULL;
	job->n = job->cap = 0;
}

void import_result_clear(struct import_result *result)
{
	for (size_t i = 0; result->runs && i < result->n; i++) {
		free(result->runs[i].host);
		free(result->runs[i].from);
	}
	free(result->runs);
	memset(result, 0, sizeof(*result));
}

/* ---- writing ---- */

static char *json_text(json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = NULL;
	if (!text || asprintf(&out, "%s\n", text) < 0)
		return NULL;
	return out;
}

/* result.json of a benchfs run, as measured, naming its new run (and its
 * A/B partner's, else no partner) and its host as imported. */
static int benchfs_result(char **out, const struct run_in *r, int64_t id, int64_t pair_id,
			  const char *pair_commit)
{
	json_object *root = NULL, *results, *info, *host;
	char name[RUNID_NAME_MAX];
	if (json_object_deep_copy(r->result, &root, NULL))
		return -ENOMEM;
	runid_dir_name(name, sizeof(name), id);
	json_object_object_get_ex(root, "results", &results);
	for (size_t i = 0; i < json_object_array_length(results); i++)
		json_object_object_add(json_object_array_get_idx(results, i), "run",
				       json_object_new_string(name));
	json_object_object_get_ex(root, "benchfs", &info);
	json_object_object_add(info, "run", json_object_new_string(name));
	if (pair_id > 0) {
		json_object *pair = json_object_new_object();
		char other[RUNID_NAME_MAX];
		runid_dir_name(other, sizeof(other), pair_id);
		json_object_object_add(pair, "run", json_object_new_string(other));
		json_object_object_add(pair, "commit", json_object_new_string(pair_commit));
		json_object_object_add(info, "interleaved_with", pair);
	} else {
		json_object_object_del(info, "interleaved_with");
	}
	host = json_tokener_parse(r->system_json);
	json_object_object_add(info, "host", host);
	*out = json_text(root);
	json_object_put(root);
	return *out ? 0 : -ENOMEM;
}

static int hyperfine_benches(struct result_bench **out, const struct run_in *r)
{
	struct result_bench *rb = calloc(r->nbenches, sizeof(*rb));
	if (!rb)
		return -ENOMEM;
	for (size_t i = 0; i < r->nbenches; i++) {
		rb[i].bench = &r->config->benchmarks[i];
		rb[i].iterations = r->benches[i].its;
		rb[i].n = r->benches[i].n;
		result_bench_check_stability(&rb[i]);
	}
	*out = rb;
	return 0;
}

struct render_ctx {
	struct job *job;
	char err[256];
};

static int render_result(void *vctx, char **out, size_t index, int64_t id, int64_t pair_id)
{
	struct render_ctx *ctx = vctx;
	const struct run_in *r = &ctx->job->runs[index];
	struct result_bench *rb = NULL;
	struct result_input in;
	int rc;
	if (!r->hyperfine) {
		const char *pair_commit = "";
		for (size_t k = 0; pair_id && k < ctx->job->n; k++)
			if (ctx->job->runs[k].orig_id == r->orig_pair)
				pair_commit = ctx->job->runs[k].commit;
		return benchfs_result(out, r, id, pair_id, pair_commit);
	}
	if ((rc = hyperfine_benches(&rb, r)))
		return rc;
	in = (struct result_input){.run_id = id,
				   .commit = r->commit,
				   .revision = r->revision,
				   .host_json = r->system_json,
				   .benches = rb,
				   .nbenches = r->nbenches};
	*out = result_render(&in, ctx->err, sizeof(ctx->err));
	free(rb);
	return *out ? 0 : -EINVAL;
}

/* The status flags and stability metric of a hyperfine run, as the runner
 * records them. */
static int hyperfine_flags(struct run_in *r)
{
	struct result_bench *rb = NULL;
	struct result_input in = {.commit = r->commit, .revision = r->revision};
	char flags[1024];
	int rc;
	if ((rc = hyperfine_benches(&rb, r)))
		return rc;
	in.benches = rb;
	in.nbenches = r->nbenches;
	result_flags_text(flags, sizeof(flags), &in);
	for (size_t i = 0; i < r->nbenches && !rc; i++)
		if (rb[i].stability.unstable >= 0)
			rc = import_add_metric(r, r->benches[i].name, STORE_METRIC_UNSTABLE,
					rb[i].stability.unstable);
	free(rb);
	if (!rc && !(r->detail = strdup(flags)))
		rc = -ENOMEM;
	return rc;
}

static int job_store(struct import_result *out, struct job *job, struct store *store,
		     struct repo *repo)
{
	struct store_import *imps = calloc(job->n + 1, sizeof(*imps));
	struct store_iteration **its = calloc(job->n + 1, sizeof(*its));
	int64_t *ids = calloc(job->n + 1, sizeof(*ids)), dup = 0;
	struct render_ctx ctx = {.job = job};
	size_t dup_index = 0;
	char check[REPO_HEX_SIZE], msg[256];
	int rc = -ENOMEM, src;
	if (!imps || !its || !ids)
		goto done;
	for (size_t i = 0; i < job->n; i++) {
		struct run_in *r = &job->runs[i];
		size_t total = 0, k = 0;
		/* The history places a run by its commit: it must be this repository's. */
		if (revparse_commit(check, repo, r->commit, msg, sizeof(msg))) {
			rc = import_fail(job, -EINVAL, "commit %s (%s) is not in this repository: fetch it first",
				  r->commit, r->from);
			goto done;
		}
		if (r->hyperfine && (rc = hyperfine_flags(r)))
			goto done;
		for (size_t b = 0; b < r->nbenches; b++)
			total += r->benches[b].n;
		if (!(its[i] = calloc(total + 1, sizeof(**its)))) {
			rc = -ENOMEM;
			goto done;
		}
		for (size_t b = 0; b < r->nbenches; b++)
			for (size_t j = 0; j < r->benches[b].n; j++)
				its[i][k++] = r->benches[b].its[j];
		imps[i] = (struct store_import){.revision = r->revision,
						.commit = r->commit,
						.config = r->config_json,
						.system = r->system_json,
						.key = r->key,
						.detail = r->detail ? r->detail : "",
						.iterations = its[i],
						.niterations = total,
						.metrics = r->metrics,
						.nmetrics = r->nmetrics,
						.pair_index = -1};
		for (size_t k2 = 0; r->orig_pair && k2 < job->n; k2++)
			if (k2 != i && job->runs[k2].orig_id == r->orig_pair &&
			    job->runs[k2].orig_pair == r->orig_id)
				imps[i].pair_index = (long)k2;
	}
	src = store_runs_import(store, ids, &dup, &dup_index, imps, job->n, render_result, &ctx);
	if (src == -EINVAL) {
		rc = import_fail(job, -EINVAL, "result.json: %s", ctx.err);
		goto done;
	}
	if (src) {
		rc = store_errno(src);
		if (rc != -ENOMEM)
			import_fail(job, rc, "the store cannot record the import");
		goto done;
	}
	if (dup) {
		char name[RUNID_NAME_MAX];
		runid_dir_name(name, sizeof(name), dup);
		rc = import_fail(job, -EEXIST, "%s of commit %.12s measured on %s was imported already, as"
					" run %s: nothing imported",
			  job->runs[dup_index].from, job->runs[dup_index].commit,
			  job->runs[dup_index].host, name);
		goto done;
	}
	if (!(out->runs = calloc(job->n, sizeof(*out->runs))))
		goto done; /* imported; only the report is short of memory */
	for (size_t i = 0; i < job->n; i++) {
		struct import_run *ir = &out->runs[out->n++];
		ir->id = ids[i];
		memcpy(ir->commit, job->runs[i].commit, sizeof(ir->commit));
		ir->host = job->runs[i].host;
		ir->from = job->runs[i].from;
		ir->nbenchmarks = job->runs[i].nbenches;
		job->runs[i].host = job->runs[i].from = NULL;
	}
	rc = 0;
done:
	for (size_t i = 0; its && i < job->n; i++)
		free(its[i]);
	free(its);
	free(imps);
	free(ids);
	return rc;
}

/* ---- front doors ---- */

static int resolve_rev(char *commit, struct job *job, struct repo *repo,
		       const struct import_options *opts)
{
	char msg[512];
	if (!opts->rev)
		return 0;
	if (revparse_commit(commit, repo, opts->rev, msg, sizeof(msg)))
		return import_fail(job, -EINVAL, "--commit: %s", msg);
	return 1;
}

/* One file's text, either format, added to job. */
static int parse_file(struct job *job, const struct import_options *opts, const char *commit,
		      const char *text, size_t len)
{
	json_object *root = NULL, *info;
	int rc;
	if (memchr(text, '\0', len))
		return import_fail(job, -EINVAL, "a NUL byte: not a JSON file");
	if ((rc = import_parse_json(&root, job, "the file", text, len)))
		return rc;
	if (json_object_object_get_ex(root, "benchfs", &info))
		rc = import_parse_benchfs(job, opts, root, commit, text, NULL, NULL, NULL);
	else
		rc = import_parse_hyperfine(job, opts, root, commit, text);
	json_object_put(root);
	return rc;
}

int import_text(struct import_result *out, struct store *store, struct repo *repo,
		const struct import_options *opts, const char *text, size_t len, char *err,
		size_t errsize)
{
	struct job job = {.err = err, .errsize = errsize,
			  .source = opts->source ? opts->source : "import"};
	char commit[REPO_HEX_SIZE], *copy;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = resolve_rev(commit, &job, repo, opts)) < 0)
		return rc;
	/* The hash of the text is taken as a C string. */
	if (!(copy = strndup(text, len)))
		return -ENOMEM;
	rc = parse_file(&job, opts, rc ? commit : NULL, copy, len);
	if (!rc)
		rc = job_store(out, &job, store, repo);
	free(copy);
	job_clear(&job);
	return rc;
}

/* The whole of a file at dir/name (dir NULL: name is the path), at most
 * IMPORT_FILE_MAX bytes; -ENOENT passed on for the caller to word. */
static int read_file(char **text, size_t *len, struct job *job, const char *dir, const char *name)
{
	char path[PATH_MAX + 512];
	struct strbuf sb = STRBUF_INIT;
	int fd, rc = 0;
	ssize_t n;
	snprintf(path, sizeof(path), "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? -ENOENT : import_fail(job, -EINVAL, "%s: %s", path, strerror(errno));
	for (;;) {
		if (strbuf_grow(&sb, 65536)) {
			rc = -ENOMEM;
			break;
		}
		if ((n = read(fd, sb.buf + sb.len, strbuf_avail(&sb))) <= 0) {
			if (n < 0)
				rc = import_fail(job, -EINVAL, "%s: %s", path, strerror(errno));
			break;
		}
		strbuf_setlen(&sb, sb.len + (size_t)n);
		if (sb.len > IMPORT_FILE_MAX) {
			rc = import_fail(job, -EINVAL, "%s: larger than %d MiB", path, IMPORT_FILE_MAX >> 20);
			break;
		}
	}
	close(fd);
	if (!rc && strbuf_error(&sb))
		rc = -ENOMEM;
	if (rc) {
		strbuf_release(&sb);
		return rc;
	}
	*text = strbuf_detach(&sb, len);
	return *text ? 0 : -ENOMEM;
}

/* One run directory (runs/<id>/ of an --out tree). 1 when it is not done
 * (skipped in a tree; refused alone). */
static int parse_run_dir(struct job *job, const struct import_options *opts, const char *commit,
			 const char *dir)
{
	static const char *const files[] = {"result.json", "config.json", "system.json"};
	char *texts[3] = {NULL, NULL, NULL}, *status = NULL;
	size_t lens[3], slen = 0;
	json_object *docs[3] = {NULL, NULL, NULL}, *configuration;
	const char *ccommit;
	int rc = read_file(&status, &slen, job, dir, "status");
	if (rc && rc != -ENOENT)
		return rc;
	if (status && strncmp(status, "done", 4) != 0) {
		rc = import_fail(job, 1, "not done: %.*s", (int)strcspn(status, "\n"), status);
		goto done;
	}
	for (int f = 0; f < 3; f++) {
		char what[32];
		if ((rc = read_file(&texts[f], &lens[f], job, dir, files[f]))) {
			if (rc == -ENOENT)
				rc = import_fail(job, f == 0 && !status ? 1 : -EINVAL, "no %s%s", files[f],
					  f == 0 ? " (the run is not done)" : "");
			goto done;
		}
		snprintf(what, sizeof(what), "%s", files[f]);
		if (memchr(texts[f], '\0', lens[f])) {
			rc = import_fail(job, -EINVAL, "%s: a NUL byte", what);
			goto done;
		}
		if ((rc = import_parse_json(&docs[f], job, what, texts[f], lens[f])))
			goto done;
	}
	if ((rc = import_required_string(&ccommit, job, docs[1], "commit", "config.json")))
		goto done;
	if (!json_object_object_get_ex(docs[1], "configuration", &configuration) ||
	    !json_object_is_type(configuration, json_type_object)) {
		rc = import_fail(job, -EINVAL, "config.json: no \"configuration\" object");
		goto done;
	}
	if (commit && strcmp(commit, ccommit) != 0) {
		rc = import_fail(job, -EINVAL, "the run measured commit %.12s, not %.12s as given", ccommit,
			  commit);
		goto done;
	}
	rc = import_parse_benchfs(job, opts, docs[0], ccommit, texts[0], configuration, docs[2],
			   import_string_at(docs[1], "revision"));
	if (!rc && strcmp(job->runs[job->n - 1].commit, ccommit) != 0)
		rc = import_fail(job, -EINVAL, "result.json measured %.12s, config.json says %.12s",
			  job->runs[job->n - 1].commit, ccommit);
done:
	for (int f = 0; f < 3; f++) {
		free(texts[f]);
		json_object_put(docs[f]);
	}
	free(status);
	return rc;
}

static int filter_run(const struct dirent *d)
{
	int64_t id;
	return runid_parse_dir(&id, d->d_name) == 0;
}

int import_path(struct import_result *out, struct store *store, struct repo *repo,
		const struct import_options *opts, const char *path, char *err, size_t errsize)
{
	struct job job = {.err = err, .errsize = errsize, .source = path};
	struct import_options o = *opts;
	char commit[REPO_HEX_SIZE], runs[PATH_MAX];
	const char *c = NULL;
	struct stat st;
	int rc;
	memset(out, 0, sizeof(*out));
	if (!o.source)
		o.source = path;
	if ((rc = resolve_rev(commit, &job, repo, &o)) < 0)
		return rc;
	if (rc)
		c = commit;
	if (stat(path, &st))
		return import_fail(&job, -EINVAL, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		char *text = NULL;
		size_t len = 0;
		if ((rc = read_file(&text, &len, &job, NULL, path)))
			return rc == -ENOENT ? import_fail(&job, -EINVAL, "%s", strerror(ENOENT)) : rc;
		rc = parse_file(&job, &o, c, text, len);
		free(text);
	} else if (snprintf(runs, sizeof(runs), "%s/runs", path) > 0 && !stat(runs, &st) &&
		   S_ISDIR(st.st_mode)) {
		struct dirent **names = NULL;
		int count = scandir(runs, &names, filter_run, alphasort);
		if (count < 0)
			return import_fail(&job, -EINVAL, "%s: %s", runs, strerror(errno));
		for (int i = 0; i < count; i++) {
			char dir[PATH_MAX + 256];
			snprintf(dir, sizeof(dir), "%s/%s", runs, names[i]->d_name);
			if (!rc) {
				job.source = dir;
				rc = parse_run_dir(&job, &o, c, dir);
				job.source = path;
				if (rc == 1) {
					out->skipped++;
					rc = 0;
				}
			}
			free(names[i]);
		}
		free(names);
		if (!rc && job.n == 0)
			rc = import_fail(&job, -EINVAL, "no done run in %s", runs);
	} else {
		char result[PATH_MAX], config[PATH_MAX];
		snprintf(result, sizeof(result), "%s/result.json", path);
		snprintf(config, sizeof(config), "%s/config.json", path);
		if (access(result, F_OK) && access(config, F_OK))
			return import_fail(&job, -EINVAL, "neither a JSON file, a run directory (with"
						   " result.json, config.json, system.json) nor a"
						   " benchfs run --out tree (with runs/)");
		rc = parse_run_dir(&job, &o, c, path);
		if (rc == 1)
			rc = -EINVAL;
	}
	if (!rc)
		rc = job_store(out, &job, store, repo);
	job_clear(&job);
	return rc;
}
