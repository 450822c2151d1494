/* Importing measurements made elsewhere (import.h): parse, validate, then
 * one call of the store that writes every run or none. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue/import.h"
#include "repo/revparse.h"
#include "runner/hostinfo.h"
#include "runner/result.h"
#include "util/array.h"
#include "util/hash.h"
#include "util/runid.h"
#include "util/strbuf.h"

/* Longer than any benchmark runs; keeps seconds * 1e9 within int64. */
#define TIME_MAX_S 1e7
#define ITERATIONS_MAX 10000000

struct bench_in {
	char *name;
	size_t n;
	struct store_iteration *its; /* n, benchmark pointing at name */
};

/* One run to import, parsed and checked. */
struct run_in {
	bool hyperfine;
	char commit[STORE_HASH_LEN + 1];
	char *revision, *config_json, *system_json, *key, *detail, *from, *host;
	json_object *result; /* benchfs: the result.json as measured, rewritten at import */
	struct config *config; /* hyperfine: the configuration its result.json is rendered with */
	struct bench_in *benches;
	size_t nbenches;
	struct store_import_metric *metrics;
	size_t nmetrics, cap_metrics;
	int64_t orig_id, orig_pair; /* benchfs: the run it was, and its A/B partner (0: none) */
};

struct job {
	struct run_in *runs;
	size_t n, cap;
	char *err;
	size_t errsize;
	const char *source;
};

static int fail(struct job *job, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct job *job, int rc, const char *fmt, ...)
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

/* ---- reading JSON ---- */

static int parse_json(json_object **out, struct job *job, const char *what, const char *text,
		      size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;
	if (!tok)
		return -ENOMEM;
	if (len > INT_MAX)
		return fail(job, -EINVAL, "%s: too large", what);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		json_object_put(o);
		json_tokener_free(tok);
		if (e == json_tokener_continue || e == json_tokener_success)
			return fail(job, -EINVAL, "%s is truncated (its JSON ends early)", what);
		return fail(job, -EINVAL, "%s is not valid JSON (%s at byte %zu)", what,
			    json_tokener_error_desc(e), end);
	}
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (end < len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return fail(job, -EINVAL, "%s: %s", what,
			    end < len ? "more after the JSON value" : "not a JSON object");
	}
	*out = o;
	return 0;
}

static bool is_number(json_object *v)
{
	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

/* A duration in seconds at path: a finite number from 0 to TIME_MAX_S. */
static int seconds_at(double *out, struct job *job, json_object *v, const char *path)
{
	double x;
	if (!is_number(v))
		return fail(job, -EINVAL, "%s: %s, not a number", path,
			    v ? json_type_to_name(json_object_get_type(v)) : "missing");
	x = json_object_get_double(v);
	if (!isfinite(x) || x < 0 || x > TIME_MAX_S)
		return fail(job, -EINVAL, "%s: %g is not a duration in seconds", path, x);
	*out = x;
	return 0;
}

static int64_t to_ns(double seconds)
{
	return (int64_t)llround(seconds * 1e9);
}

/* An array at key of o with exactly n elements (n == 0: any non-empty
 * length, into *n). NULL when absent and optional. */
static int array_at(json_object **out, struct job *job, json_object *o, const char *key,
		    const char *where, size_t *n, bool required)
{
	json_object *v = NULL;
	size_t len;
	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		if (!required)
			return 0;
		return fail(job, -EINVAL, "%s: no \"%s\"", where, key);
	}
	if (!json_object_is_type(v, json_type_array))
		return fail(job, -EINVAL, "%s.%s: %s, not an array", where, key,
			    json_type_to_name(json_object_get_type(v)));
	len = json_object_array_length(v);
	if (*n == 0) {
		if (len == 0)
			return fail(job, -EINVAL, "%s.%s: empty", where, key);
		if (len > ITERATIONS_MAX)
			return fail(job, -EINVAL, "%s.%s: more than %d iterations", where, key,
				    ITERATIONS_MAX);
		*n = len;
	} else if (len != *n) {
		return fail(job, -EINVAL, "%s.%s: %zu values for %zu times (a partial file?)", where,
			    key, len, *n);
	}
	*out = v;
	return 0;
}

static const char *string_at(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int required_string(const char **out, struct job *job, json_object *o, const char *key,
			   const char *where)
{
	if (!(*out = string_at(o, key)))
		return fail(job, -EINVAL, "%s: no \"%s\" string", where, key);
	return 0;
}

/* The iterations of one result: wall times from times[], user and system
 * from user_times[]/system_times[] or the means user/system, exit codes and
 * memory when present. */
static int read_iterations(struct job *job, struct bench_in *b, json_object *res,
			   const char *where, bool benchfs)
{
	json_object *times, *user_t, *sys_t, *codes, *mem, *v;
	double user_mean = 0, sys_mean = 0, x;
	size_t n = 0;
	char path[256];
	int rc;
	if ((rc = array_at(&times, job, res, "times", where, &n, true)) ||
	    (rc = array_at(&user_t, job, res, "user_times", where, &n, benchfs)) ||
	    (rc = array_at(&sys_t, job, res, "system_times", where, &n, benchfs)) ||
	    (rc = array_at(&codes, job, res, "exit_codes", where, &n, benchfs)) ||
	    (rc = array_at(&mem, job, res, "memory_usage_byte", where, &n, benchfs)))
		return rc;
	if (json_object_object_get_ex(res, "user", &v) && !json_object_is_type(v, json_type_null)) {
		snprintf(path, sizeof(path), "%s.user", where);
		if ((rc = seconds_at(&user_mean, job, v, path)))
			return rc;
	}
	if (json_object_object_get_ex(res, "system", &v) && !json_object_is_type(v, json_type_null)) {
		snprintf(path, sizeof(path), "%s.system", where);
		if ((rc = seconds_at(&sys_mean, job, v, path)))
			return rc;
	}
	/* hyperfine's summary figures: present, they must be numbers. */
	for (const char *const *k = (const char *const[]){"mean", "stddev", "median", "min", "max",
							   NULL};
	     *k; k++)
		if (json_object_object_get_ex(res, *k, &v) && !json_object_is_type(v, json_type_null)) {
			snprintf(path, sizeof(path), "%s.%s", where, *k);
			if ((rc = seconds_at(&x, job, v, path)))
				return rc;
		}
	if (!(b->its = calloc(n, sizeof(*b->its))))
		return -ENOMEM;
	b->n = n;
	for (size_t i = 0; i < n; i++) {
		struct store_iteration *it = &b->its[i];
		it->benchmark = b->name;
		it->iteration = (int)i + 1;
		snprintf(path, sizeof(path), "%s.times[%zu]", where, i);
		if ((rc = seconds_at(&x, job, json_object_array_get_idx(times, i), path)))
			return rc;
		it->wall_ns = to_ns(x);
		x = user_mean;
		snprintf(path, sizeof(path), "%s.user_times[%zu]", where, i);
		if (user_t && (rc = seconds_at(&x, job, json_object_array_get_idx(user_t, i), path)))
			return rc;
		it->user_ns = to_ns(x);
		x = sys_mean;
		snprintf(path, sizeof(path), "%s.system_times[%zu]", where, i);
		if (sys_t && (rc = seconds_at(&x, job, json_object_array_get_idx(sys_t, i), path)))
			return rc;
		it->sys_ns = to_ns(x);
		if (codes) {
			v = json_object_array_get_idx(codes, i);
			if (json_object_is_type(v, json_type_null) && !benchfs)
				it->exit_code = -1;
			else if (json_object_is_type(v, json_type_int) &&
				 json_object_get_int64(v) >= INT_MIN && json_object_get_int64(v) <= INT_MAX)
				it->exit_code = json_object_get_int(v);
			else
				return fail(job, -EINVAL, "%s.exit_codes[%zu]: not an exit code", where, i);
		}
		if (mem) {
			v = json_object_array_get_idx(mem, i);
			if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
				return fail(job, -EINVAL, "%s.memory_usage_byte[%zu]: not a byte count",
					    where, i);
			it->maxrss_bytes = json_object_get_int64(v);
		}
	}
	return 0;
}

static bool name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > CONFIG_NAME_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == '/' || *p == 0x7f)
			return false;
	return true;
}

static int add_metric(struct run_in *r, const char *bench, const char *name, double value)
{
	if (ALLOC_GROW(r->metrics, r->nmetrics + 1, r->cap_metrics))
		return -ENOMEM;
	r->metrics[r->nmetrics++] = (struct store_import_metric){bench, name, value};
	return 0;
}

static char *hex_key(const char *prefix, const char *text)
{
	char *key = NULL;
	if (asprintf(&key, "%s:%016llx%016llx", prefix,
		     (unsigned long long)hash_string(text, 1), (unsigned long long)hash_string(text, 2)) < 0)
		return NULL;
	return key;
}

/* system.json of the host that measured, with "imported": what it came
 * from and the import's key. */
static int system_with_import(struct run_in *r, json_object *system, const char *format,
			      const char *source)
{
	json_object *imp = json_object_new_object();
	const char *text;
	if (!imp)
		return -ENOMEM;
	json_object_object_add(imp, "format", json_object_new_string(format));
	json_object_object_add(imp, "source", json_object_new_string(source));
	json_object_object_add(imp, "from", json_object_new_string(r->from));
	json_object_object_add(imp, "key", json_object_new_string(r->key));
	json_object_object_add(system, "imported", imp);
	text = json_object_to_json_string_ext(system, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_SPACED |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || asprintf(&r->system_json, "%s\n", text) < 0) {
		r->system_json = NULL;
		return -ENOMEM;
	}
	return 0;
}

static struct run_in *job_add(struct job *job)
{
	if (ALLOC_GROW(job->runs, job->n + 1, job->cap))
		return NULL;
	memset(&job->runs[job->n], 0, sizeof(job->runs[0]));
	return &job->runs[job->n++];
}

/* ---- hyperfine's JSON ---- */

static const char *hyperfine_name(const struct import_options *opts, const char *command,
				  char **owned)
{
	for (size_t i = 0; i < opts->nnames; i++)
		if (strcmp(opts->names[i].command, command) == 0)
			return opts->names[i].name;
	for (size_t i = 0; opts->config && i < opts->config->nbenchmarks; i++) {
		char *text = bench_config_command_text(&opts->config->benchmarks[i]);
		bool same = text && strcmp(text, command) == 0;
		free(text);
		if (same)
			return *owned = strdup(opts->config->benchmarks[i].name);
	}
	return command;
}

/* The configuration a hyperfine import keeps (config.json), one benchmark
 * per result, which result.json is rendered from. */
static int hyperfine_config(struct job *job, struct run_in *r, json_object *results)
{
	json_object *cfg = json_object_new_object(), *benches = json_object_new_array();
	char msg[512];
	int rc = -ENOMEM;
	if (!cfg || !benches)
		goto done;
	json_object_object_add(cfg, "benchmarks", benches);
	for (size_t i = 0; i < r->nbenches; i++) {
		json_object *b = json_object_new_object();
		const char *command = string_at(json_object_array_get_idx(results, i), "command");
		json_object_array_add(benches, b);
		json_object_object_add(b, "name", json_object_new_string(r->benches[i].name));
		json_object_object_add(b, "command", json_object_new_string(command));
		json_object_object_add(b, "runs", json_object_new_int64((int64_t)r->benches[i].n));
	}
	if ((rc = config_parse(&r->config, json_object_to_json_string(cfg), msg, sizeof(msg)))) {
		rc = rc == -ENOMEM ? rc : fail(job, -EINVAL, "%s", msg);
		goto done;
	}
	rc = (r->config_json = config_to_json(r->config)) ? 0 : -ENOMEM;
done:
	json_object_put(cfg);
	return rc;
}

static int parse_hyperfine(struct job *job, const struct import_options *opts, json_object *root,
			   const char *commit, const char *text)
{
	json_object *results, *system;
	size_t n = 0;
	struct run_in *r;
	int rc;
	if ((rc = array_at(&results, job, root, "results", "hyperfine's JSON", &n, true)))
		return rc;
	if (!commit)
		return fail(job, -EINVAL, "hyperfine's JSON says nothing of the commit it measured:"
					  " give it (--commit REV)");
	if (!(r = job_add(job)))
		return -ENOMEM;
	snprintf(r->commit, sizeof(r->commit), "%s", commit);
	r->hyperfine = true;
	if (!(r->benches = calloc(n, sizeof(*r->benches))) || !(r->revision = strdup(opts->rev)) ||
	    !(r->from = strdup("hyperfine")))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *res = json_object_array_get_idx(results, i);
		const char *command, *name;
		char where[64], *owned = NULL;
		snprintf(where, sizeof(where), "results[%zu]", i);
		if (!json_object_is_type(res, json_type_object))
			return fail(job, -EINVAL, "%s: not an object", where);
		if ((rc = required_string(&command, job, res, "command", where)))
			return rc;
		name = hyperfine_name(opts, command, &owned);
		if (!name_valid(name)) {
			free(owned);
			return fail(job, -EINVAL,
				    "%s: the command \"%.80s\" is no benchmark name (no spaces or"
				    " slashes): name it with --name '%.80s=NAME', or hyperfine's"
				    " --command-name",
				    where, command, command);
		}
		r->benches[i].name = owned ? owned : strdup(name);
		if (!r->benches[i].name)
			return -ENOMEM;
		r->nbenches++;
		for (size_t k = 0; k < i; k++)
			if (strcmp(r->benches[k].name, name) == 0)
				return fail(job, -EINVAL, "%s: a second benchmark named %s", where, name);
		if ((rc = read_iterations(job, &r->benches[i], res, where, false)))
			return rc;
	}
	/* A --name that names no command is a typo: the result would be
	 * imported under another name. */
	for (size_t k = 0; k < opts->nnames; k++) {
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = !strcmp(string_at(json_object_array_get_idx(results, i), "command"),
				       opts->names[k].command);
		if (!used)
			return fail(job, -EINVAL, "--name '%.80s=%.80s': no result has that command",
				    opts->names[k].command, opts->names[k].name);
	}
	if ((rc = hyperfine_config(job, r, results)))
		return rc;
	{
		char *keytext = NULL;
		if (asprintf(&keytext, "%s\n%s", commit, text) < 0)
			return -ENOMEM;
		r->key = hex_key("hyperfine", keytext);
		free(keytext);
		if (!r->key)
			return -ENOMEM;
	}
	if (opts->host) {
		/* Another machine measured: what the runner records of a host,
		 * as unknown (system.json's own "unknown" values). */
		system = json_object_new_object();
		json_object_object_add(system, "hostname", json_object_new_string(opts->host));
		json_object_object_add(system, "kernel", json_object_new_string(""));
		json_object_object_add(system, "cpu_model", NULL);
		json_object_object_add(system, "cores", json_object_new_int(0));
		json_object_object_add(system, "memory_bytes", json_object_new_int(0));
		json_object_object_add(system, "governor", NULL);
		json_object_object_add(system, "load_average", NULL);
		json_object_object_add(system, "benchfs_version", json_object_new_string(BENCHFS_VERSION));
	} else {
		char *host = hostinfo_json();
		system = host ? json_tokener_parse(host) : NULL;
		free(host);
	}
	if (!system)
		return -ENOMEM;
	r->host = strdup(string_at(system, "hostname") ? string_at(system, "hostname") : "");
	rc = r->host ? system_with_import(r, system, "hyperfine", opts->source) : -ENOMEM;
	json_object_put(system);
	return rc;
}

/* ---- benchfs's result.json and run directories ---- */

static bool is_hash(const char *s)
{
	size_t i = 0;
	for (; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s && i == STORE_HASH_LEN;
}

/* A benchfs result.json: each result's iterations and figures, its
 * commit, host and run. config (config.json's "configuration"), system
 * (system.json): a run directory's, checked against it; NULL for a lone
 * result.json, whose embedded host and a configuration of its benchmarks
 * stand in. */
static int parse_benchfs(struct job *job, const struct import_options *opts, json_object *root,
			 const char *commit, const char *text, json_object *config,
			 json_object *system, const char *revision)
{
	json_object *results, *info, *host, *pair, *v;
	const char *rcommit, *run, *hostname;
	size_t n = 0;
	struct run_in *r;
	int rc;
	if (!json_object_object_get_ex(root, "benchfs", &info) ||
	    !json_object_is_type(info, json_type_object))
		return fail(job, -EINVAL, "result.json: no \"benchfs\" object");
	if ((rc = required_string(&rcommit, job, info, "commit", "result.json: benchfs")) ||
	    (rc = required_string(&run, job, info, "run", "result.json: benchfs")))
		return rc;
	if (!is_hash(rcommit))
		return fail(job, -EINVAL, "result.json: benchfs.commit: not a full commit hash");
	if (commit && strcmp(commit, rcommit) != 0)
		return fail(job, -EINVAL, "result.json measured commit %.12s, not %.12s as given",
			    rcommit, commit);
	if (opts->host || opts->nnames)
		return fail(job, -EINVAL, "%s is for hyperfine's JSON: a benchfs run names its host"
					  " and benchmarks itself",
			    opts->host ? "--host" : "--name");
	if (!(r = job_add(job)))
		return -ENOMEM;
	snprintf(r->commit, sizeof(r->commit), "%s", rcommit);
	if (runid_parse_dir(&r->orig_id, run) && runid_parse_run(&r->orig_id, run))
		return fail(job, -EINVAL, "result.json: benchfs.run: \"%.40s\" is no run", run);
	if (json_object_object_get_ex(info, "interleaved_with", &pair) &&
	    json_object_is_type(pair, json_type_object) && string_at(pair, "run"))
		runid_parse_dir(&r->orig_pair, string_at(pair, "run"));
	/* The host that measured: the run directory's system.json, which
	 * result.json embeds too. */
	host = json_object_object_get_ex(info, "host", &v) &&
			       json_object_is_type(v, json_type_object) ? v : NULL;
	if (!system)
		system = host;
	if (!system || !(hostname = string_at(system, "hostname")) || !*hostname)
		return fail(job, -EINVAL, "%s: no \"hostname\" of the host that measured",
			    host ? "system.json" : "result.json: benchfs.host");
	if (host && string_at(host, "hostname") &&
	    strcmp(string_at(host, "hostname"), hostname) != 0)
		return fail(job, -EINVAL, "system.json names host %s, result.json %s", hostname,
			    string_at(host, "hostname"));
	if (!(r->host = strdup(hostname)) || asprintf(&r->from, "run %s", run) < 0) {
		r->from = NULL;
		return -ENOMEM;
	}
	if (!revision)
		revision = string_at(info, "revision") ? string_at(info, "revision") : rcommit;
	if (!(r->revision = strdup(opts->rev ? opts->rev : revision)))
		return -ENOMEM;
	if ((rc = array_at(&results, job, root, "results", "result.json", &n, true)))
		return rc;
	if (!(r->benches = calloc(n, sizeof(*r->benches))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *res = json_object_array_get_idx(results, i);
		const char *name, *c;
		char where[64];
		json_object *runs;
		snprintf(where, sizeof(where), "result.json: results[%zu]", i);
		if (!json_object_is_type(res, json_type_object))
			return fail(job, -EINVAL, "%s: not an object", where);
		if ((rc = required_string(&name, job, res, "name", where)) ||
		    (rc = required_string(&c, job, res, "commit", where)))
			return rc;
		if (!name_valid(name))
			return fail(job, -EINVAL, "%s: \"%.80s\" is no benchmark name", where, name);
		if (strcmp(c, rcommit) != 0)
			return fail(job, -EINVAL, "%s: commit %.12s, not the run's %.12s", where, c,
				    rcommit);
		for (size_t k = 0; k < i; k++)
			if (strcmp(r->benches[k].name, name) == 0)
				return fail(job, -EINVAL, "%s: a second benchmark named %s", where, name);
		if (!(r->benches[i].name = strdup(name)))
			return -ENOMEM;
		r->nbenches++;
		if ((rc = read_iterations(job, &r->benches[i], res, where, true)))
			return rc;
		if (!json_object_object_get_ex(res, "runs", &runs) ||
		    !json_object_is_type(runs, json_type_int) ||
		    json_object_get_int64(runs) != (int64_t)r->benches[i].n)
			return fail(job, -EINVAL, "%s: \"runs\" is not the number of times (%zu)", where,
				    r->benches[i].n);
		/* The figures the views read as metrics, as the runner stores them. */
		if (json_object_object_get_ex(res, "unstable", &v) &&
		    (rc = add_metric(r, r->benches[i].name, STORE_METRIC_UNSTABLE,
				     json_object_is_type(v, json_type_object) ? 1 : 0)))
			return rc;
		if (json_object_object_get_ex(res, "interference", &v) &&
		    json_object_is_type(v, json_type_object)) {
			json_object *o, *s;
			if (!json_object_object_get_ex(v, "other_cpus", &o) || !is_number(o) ||
			    !json_object_object_get_ex(v, "steal", &s) || !is_number(s) ||
			    !isfinite(json_object_get_double(o)) || !isfinite(json_object_get_double(s)))
				return fail(job, -EINVAL, "%s.interference: no numbers other_cpus, steal",
					    where);
			if ((rc = add_metric(r, r->benches[i].name, STORE_METRIC_OTHER_CPUS,
					     json_object_get_double(o))) ||
			    (rc = add_metric(r, r->benches[i].name, STORE_METRIC_STEAL,
					     json_object_get_double(s))))
				return rc;
		}
		if (json_object_object_get_ex(res, "instructions", &v) &&
		    !json_object_is_type(v, json_type_null)) {
			if (!is_number(v) || !isfinite(json_object_get_double(v)) ||
			    json_object_get_double(v) < 0)
				return fail(job, -EINVAL, "%s.instructions: not a count", where);
			if ((rc = add_metric(r, r->benches[i].name, "instructions",
					     json_object_get_double(v))))
				return rc;
		}
		if (json_object_object_get_ex(res, "sequential_level", &v) && is_number(v) &&
		    (rc = add_metric(r, r->benches[i].name, STORE_METRIC_SEQUENTIAL_LEVEL,
				     json_object_get_double(v))))
			return rc;
	}
	/* A run directory: config.json's benchmarks are the result's. */
	if (config) {
		json_object *benches;
		size_t nb = 0;
		if ((rc = array_at(&benches, job, config, "benchmarks", "config.json: configuration",
				   &nb, true)))
			return rc;
		if (nb != r->nbenches)
			return fail(job, -EINVAL, "result.json has %zu benchmarks, config.json %zu",
				    r->nbenches, nb);
		for (size_t i = 0; i < nb; i++) {
			const char *name = string_at(json_object_array_get_idx(benches, i), "name");
			if (!name || strcmp(name, r->benches[i].name) != 0)
				return fail(job, -EINVAL,
					    "result.json's benchmark %zu is %s, config.json's %s",
					    i + 1, r->benches[i].name, name ? name : "unnamed");
		}
		if (!(r->config_json = strdup(json_object_to_json_string_ext(
			      config, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE))))
			return -ENOMEM;
	} else {
		/* A lone result.json: its benchmarks as a configuration, so that
		 * config.json says what was measured. */
		json_object *cfg = json_object_new_object(), *benches = json_object_new_array();
		json_object_object_add(cfg, "benchmarks", benches);
		for (size_t i = 0; i < r->nbenches; i++) {
			json_object *b = json_object_new_object();
			const char *command = string_at(json_object_array_get_idx(results, i), "command");
			json_object_object_add(b, "name", json_object_new_string(r->benches[i].name));
			json_object_object_add(b, "command",
					       json_object_new_string(command ? command : ""));
			json_object_array_add(benches, b);
		}
		r->config_json = strdup(json_object_to_json_string_ext(
			cfg, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(cfg);
		if (!r->config_json)
			return -ENOMEM;
	}
	{
		char *keytext = NULL, prefix[400];
		snprintf(prefix, sizeof(prefix), "benchfs:%s", run);
		if (asprintf(&keytext, "%s\n%s\n%s", rcommit, hostname, text) < 0)
			return -ENOMEM;
		r->key = hex_key(prefix, keytext);
		free(keytext);
		if (!r->key)
			return -ENOMEM;
	}
	r->result = json_object_get(root);
	{
		json_object *sys = NULL;
		if ((rc = json_object_deep_copy(system, &sys, NULL)))
			return -ENOMEM;
		rc = system_with_import(r, sys, "benchfs", opts->source);
		json_object_put(sys);
	}
	return rc;
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
			rc = add_metric(r, r->benches[i].name, STORE_METRIC_UNSTABLE,
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
			rc = fail(job, -EINVAL, "commit %s (%s) is not in this repository: fetch it first",
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
		rc = fail(job, -EINVAL, "result.json: %s", ctx.err);
		goto done;
	}
	if (src) {
		rc = store_errno(src);
		if (rc != -ENOMEM)
			fail(job, rc, "the store cannot record the import");
		goto done;
	}
	if (dup) {
		char name[RUNID_NAME_MAX];
		runid_dir_name(name, sizeof(name), dup);
		rc = fail(job, -EEXIST, "%s of commit %.12s measured on %s was imported already, as"
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
		return fail(job, -EINVAL, "--commit: %s", msg);
	return 1;
}

/* One file's text, either format, added to job. */
static int parse_file(struct job *job, const struct import_options *opts, const char *commit,
		      const char *text, size_t len)
{
	json_object *root = NULL, *info;
	int rc;
	if (memchr(text, '\0', len))
		return fail(job, -EINVAL, "a NUL byte: not a JSON file");
	if ((rc = parse_json(&root, job, "the file", text, len)))
		return rc;
	if (json_object_object_get_ex(root, "benchfs", &info))
		rc = parse_benchfs(job, opts, root, commit, text, NULL, NULL, NULL);
	else
		rc = parse_hyperfine(job, opts, root, commit, text);
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
		return errno == ENOENT ? -ENOENT : fail(job, -EINVAL, "%s: %s", path, strerror(errno));
	for (;;) {
		if (strbuf_grow(&sb, 65536)) {
			rc = -ENOMEM;
			break;
		}
		if ((n = read(fd, sb.buf + sb.len, strbuf_avail(&sb))) <= 0) {
			if (n < 0)
				rc = fail(job, -EINVAL, "%s: %s", path, strerror(errno));
			break;
		}
		strbuf_setlen(&sb, sb.len + (size_t)n);
		if (sb.len > IMPORT_FILE_MAX) {
			rc = fail(job, -EINVAL, "%s: larger than %d MiB", path, IMPORT_FILE_MAX >> 20);
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
		rc = fail(job, 1, "not done: %.*s", (int)strcspn(status, "\n"), status);
		goto done;
	}
	for (int f = 0; f < 3; f++) {
		char what[32];
		if ((rc = read_file(&texts[f], &lens[f], job, dir, files[f]))) {
			if (rc == -ENOENT)
				rc = fail(job, f == 0 && !status ? 1 : -EINVAL, "no %s%s", files[f],
					  f == 0 ? " (the run is not done)" : "");
			goto done;
		}
		snprintf(what, sizeof(what), "%s", files[f]);
		if (memchr(texts[f], '\0', lens[f])) {
			rc = fail(job, -EINVAL, "%s: a NUL byte", what);
			goto done;
		}
		if ((rc = parse_json(&docs[f], job, what, texts[f], lens[f])))
			goto done;
	}
	if ((rc = required_string(&ccommit, job, docs[1], "commit", "config.json")))
		goto done;
	if (!json_object_object_get_ex(docs[1], "configuration", &configuration) ||
	    !json_object_is_type(configuration, json_type_object)) {
		rc = fail(job, -EINVAL, "config.json: no \"configuration\" object");
		goto done;
	}
	if (commit && strcmp(commit, ccommit) != 0) {
		rc = fail(job, -EINVAL, "the run measured commit %.12s, not %.12s as given", ccommit,
			  commit);
		goto done;
	}
	rc = parse_benchfs(job, opts, docs[0], ccommit, texts[0], configuration, docs[2],
			   string_at(docs[1], "revision"));
	if (!rc && strcmp(job->runs[job->n - 1].commit, ccommit) != 0)
		rc = fail(job, -EINVAL, "result.json measured %.12s, config.json says %.12s",
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
		return fail(&job, -EINVAL, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		char *text = NULL;
		size_t len = 0;
		if ((rc = read_file(&text, &len, &job, NULL, path)))
			return rc == -ENOENT ? fail(&job, -EINVAL, "%s", strerror(ENOENT)) : rc;
		rc = parse_file(&job, &o, c, text, len);
		free(text);
	} else if (snprintf(runs, sizeof(runs), "%s/runs", path) > 0 && !stat(runs, &st) &&
		   S_ISDIR(st.st_mode)) {
		struct dirent **names = NULL;
		int count = scandir(runs, &names, filter_run, alphasort);
		if (count < 0)
			return fail(&job, -EINVAL, "%s: %s", runs, strerror(errno));
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
			rc = fail(&job, -EINVAL, "no done run in %s", runs);
	} else {
		char result[PATH_MAX], config[PATH_MAX];
		snprintf(result, sizeof(result), "%s/result.json", path);
		snprintf(config, sizeof(config), "%s/config.json", path);
		if (access(result, F_OK) && access(config, F_OK))
			return fail(&job, -EINVAL, "neither a JSON file, a run directory (with"
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
