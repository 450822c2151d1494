/* Reading the files benchfs import takes (internal_import.h): hyperfine's
 * JSON export and benchfs's result.json, checked whole before anything is
 * written. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/internal_import.h"
#include "runner/hostinfo.h"
#include "util/array.h"
#include "util/hash.h"
#include "util/runid.h"

/* ---- reading JSON ---- */

int import_parse_json(json_object **out, struct job *job, const char *what, const char *text,
		      size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;
	if (!tok)
		return -ENOMEM;
	if (len > INT_MAX)
		return import_fail(job, -EINVAL, "%s: too large", what);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		json_object_put(o);
		json_tokener_free(tok);
		if (e == json_tokener_continue || e == json_tokener_success)
			return import_fail(job, -EINVAL, "%s is truncated (its JSON ends early)", what);
		return import_fail(job, -EINVAL, "%s is not valid JSON (%s at byte %zu)", what,
			    json_tokener_error_desc(e), end);
	}
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (end < len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return import_fail(job, -EINVAL, "%s: %s", what,
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
		return import_fail(job, -EINVAL, "%s: %s, not a number", path,
			    v ? json_type_to_name(json_object_get_type(v)) : "missing");
	x = json_object_get_double(v);
	if (!isfinite(x) || x < 0 || x > TIME_MAX_S)
		return import_fail(job, -EINVAL, "%s: %g is not a duration in seconds", path, x);
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
		return import_fail(job, -EINVAL, "%s: no \"%s\"", where, key);
	}
	if (!json_object_is_type(v, json_type_array))
		return import_fail(job, -EINVAL, "%s.%s: %s, not an array", where, key,
			    json_type_to_name(json_object_get_type(v)));
	len = json_object_array_length(v);
	if (*n == 0) {
		if (len == 0)
			return import_fail(job, -EINVAL, "%s.%s: empty", where, key);
		if (len > ITERATIONS_MAX)
			return import_fail(job, -EINVAL, "%s.%s: more than %d iterations", where, key,
				    ITERATIONS_MAX);
		*n = len;
	} else if (len != *n) {
		return import_fail(job, -EINVAL, "%s.%s: %zu values for %zu times (a partial file?)", where,
			    key, len, *n);
	}
	*out = v;
	return 0;
}

const char *import_string_at(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int import_required_string(const char **out, struct job *job, json_object *o, const char *key,
			   const char *where)
{
	if (!(*out = import_string_at(o, key)))
		return import_fail(job, -EINVAL, "%s: no \"%s\" string", where, key);
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
				return import_fail(job, -EINVAL, "%s.exit_codes[%zu]: not an exit code", where, i);
		}
		if (mem) {
			v = json_object_array_get_idx(mem, i);
			if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
				return import_fail(job, -EINVAL, "%s.memory_usage_byte[%zu]: not a byte count",
					    where, i);
			it->maxrss_bytes = json_object_get_int64(v);
		}
	}
	return 0;
}

/* A benchmark name, as the configuration's but for what imports carried
 * before: no ':' either (history/<bench>:<metric> names a benchmark's
 * metric with it). */
static bool name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > CONFIG_NAME_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == '/' || *p == ':' || *p == 0x7f)
			return false;
	return true;
}

int import_add_metric(struct run_in *r, const char *bench, const char *name, double value)
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
		const char *command = import_string_at(json_object_array_get_idx(results, i), "command");
		json_object_array_add(benches, b);
		json_object_object_add(b, "name", json_object_new_string(r->benches[i].name));
		json_object_object_add(b, "command", json_object_new_string(command));
		json_object_object_add(b, "runs", json_object_new_int64((int64_t)r->benches[i].n));
	}
	if ((rc = config_parse(&r->config, json_object_to_json_string(cfg), msg, sizeof(msg)))) {
		rc = rc == -ENOMEM ? rc : import_fail(job, -EINVAL, "%s", msg);
		goto done;
	}
	rc = (r->config_json = config_to_json(r->config)) ? 0 : -ENOMEM;
done:
	json_object_put(cfg);
	return rc;
}

int import_parse_hyperfine(struct job *job, const struct import_options *opts, json_object *root,
			   const char *commit, const char *text)
{
	json_object *results, *system;
	size_t n = 0;
	struct run_in *r;
	int rc;
	if ((rc = array_at(&results, job, root, "results", "hyperfine's JSON", &n, true)))
		return rc;
	if (!commit)
		return import_fail(job, -EINVAL, "hyperfine's JSON says nothing of the commit it measured:"
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
			return import_fail(job, -EINVAL, "%s: not an object", where);
		if ((rc = import_required_string(&command, job, res, "command", where)))
			return rc;
		name = hyperfine_name(opts, command, &owned);
		if (!name_valid(name)) {
			free(owned);
			return import_fail(job, -EINVAL,
				    "%s: the command \"%.80s\" is no benchmark name (no spaces,"
				    " slashes or colons): name it with --name '%.80s=NAME', or hyperfine's"
				    " --command-name",
				    where, command, command);
		}
		r->benches[i].name = owned ? owned : strdup(name);
		if (!r->benches[i].name)
			return -ENOMEM;
		r->nbenches++;
		for (size_t k = 0; k < i; k++)
			if (strcmp(r->benches[k].name, name) == 0)
				return import_fail(job, -EINVAL, "%s: a second benchmark named %s", where, name);
		if ((rc = read_iterations(job, &r->benches[i], res, where, false)))
			return rc;
	}
	/* A --name that names no command is a typo: the result would be
	 * imported under another name. */
	for (size_t k = 0; k < opts->nnames; k++) {
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = !strcmp(import_string_at(json_object_array_get_idx(results, i), "command"),
				       opts->names[k].command);
		if (!used)
			return import_fail(job, -EINVAL, "--name '%.80s=%.80s': no result has that command",
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
	r->host = strdup(import_string_at(system, "hostname") ? import_string_at(system, "hostname") : "");
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
int import_parse_benchfs(struct job *job, const struct import_options *opts, json_object *root,
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
		return import_fail(job, -EINVAL, "result.json: no \"benchfs\" object");
	if ((rc = import_required_string(&rcommit, job, info, "commit", "result.json: benchfs")) ||
	    (rc = import_required_string(&run, job, info, "run", "result.json: benchfs")))
		return rc;
	if (!is_hash(rcommit))
		return import_fail(job, -EINVAL, "result.json: benchfs.commit: not a full commit hash");
	if (commit && strcmp(commit, rcommit) != 0)
		return import_fail(job, -EINVAL, "result.json measured commit %.12s, not %.12s as given",
			    rcommit, commit);
	if (opts->host || opts->nnames)
		return import_fail(job, -EINVAL, "%s is for hyperfine's JSON: a benchfs run names its host"
					  " and benchmarks itself",
			    opts->host ? "--host" : "--name");
	if (!(r = job_add(job)))
		return -ENOMEM;
	snprintf(r->commit, sizeof(r->commit), "%s", rcommit);
	if (runid_parse_dir(&r->orig_id, run) && runid_parse_run(&r->orig_id, run))
		return import_fail(job, -EINVAL, "result.json: benchfs.run: \"%.40s\" is no run", run);
	if (json_object_object_get_ex(info, "interleaved_with", &pair) &&
	    json_object_is_type(pair, json_type_object) && import_string_at(pair, "run"))
		runid_parse_dir(&r->orig_pair, import_string_at(pair, "run"));
	/* The host that measured: the run directory's system.json, which
	 * result.json embeds too. */
	host = json_object_object_get_ex(info, "host", &v) &&
			       json_object_is_type(v, json_type_object) ? v : NULL;
	if (!system)
		system = host;
	if (!system || !(hostname = import_string_at(system, "hostname")) || !*hostname)
		return import_fail(job, -EINVAL, "%s: no \"hostname\" of the host that measured",
			    host ? "system.json" : "result.json: benchfs.host");
	if (host && import_string_at(host, "hostname") &&
	    strcmp(import_string_at(host, "hostname"), hostname) != 0)
		return import_fail(job, -EINVAL, "system.json names host %s, result.json %s", hostname,
			    import_string_at(host, "hostname"));
	if (!(r->host = strdup(hostname)) || asprintf(&r->from, "run %s", run) < 0) {
		r->from = NULL;
		return -ENOMEM;
	}
	if (!revision)
		revision = import_string_at(info, "revision") ? import_string_at(info, "revision") : rcommit;
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
			return import_fail(job, -EINVAL, "%s: not an object", where);
		if ((rc = import_required_string(&name, job, res, "name", where)) ||
		    (rc = import_required_string(&c, job, res, "commit", where)))
			return rc;
		if (!name_valid(name))
			return import_fail(job, -EINVAL, "%s: \"%.80s\" is no benchmark name", where, name);
		if (strcmp(c, rcommit) != 0)
			return import_fail(job, -EINVAL, "%s: commit %.12s, not the run's %.12s", where, c,
				    rcommit);
		for (size_t k = 0; k < i; k++)
			if (strcmp(r->benches[k].name, name) == 0)
				return import_fail(job, -EINVAL, "%s: a second benchmark named %s", where, name);
		if (!(r->benches[i].name = strdup(name)))
			return -ENOMEM;
		r->nbenches++;
		if ((rc = read_iterations(job, &r->benches[i], res, where, true)))
			return rc;
		if (!json_object_object_get_ex(res, "runs", &runs) ||
		    !json_object_is_type(runs, json_type_int) ||
		    json_object_get_int64(runs) != (int64_t)r->benches[i].n)
			return import_fail(job, -EINVAL, "%s: \"runs\" is not the number of times (%zu)", where,
				    r->benches[i].n);
		/* The figures the views read as metrics, as the runner stores them. */
		if (json_object_object_get_ex(res, "unstable", &v) &&
		    (rc = import_add_metric(r, r->benches[i].name, STORE_METRIC_UNSTABLE,
				     json_object_is_type(v, json_type_object) ? 1 : 0)))
			return rc;
		if (json_object_object_get_ex(res, "interference", &v) &&
		    json_object_is_type(v, json_type_object)) {
			json_object *o, *s;
			if (!json_object_object_get_ex(v, "other_cpus", &o) || !is_number(o) ||
			    !json_object_object_get_ex(v, "steal", &s) || !is_number(s) ||
			    !isfinite(json_object_get_double(o)) || !isfinite(json_object_get_double(s)))
				return import_fail(job, -EINVAL, "%s.interference: no numbers other_cpus, steal",
					    where);
			if ((rc = import_add_metric(r, r->benches[i].name, STORE_METRIC_OTHER_CPUS,
					     json_object_get_double(o))) ||
			    (rc = import_add_metric(r, r->benches[i].name, STORE_METRIC_STEAL,
					     json_object_get_double(s))))
				return rc;
		}
		if (json_object_object_get_ex(res, "instructions", &v) &&
		    !json_object_is_type(v, json_type_null)) {
			if (!is_number(v) || !isfinite(json_object_get_double(v)) ||
			    json_object_get_double(v) < 0)
				return import_fail(job, -EINVAL, "%s.instructions: not a count", where);
			if ((rc = import_add_metric(r, r->benches[i].name, "instructions",
					     json_object_get_double(v))))
				return rc;
		}
		if (json_object_object_get_ex(res, "sequential_level", &v) && is_number(v) &&
		    (rc = import_add_metric(r, r->benches[i].name, STORE_METRIC_SEQUENTIAL_LEVEL,
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
			return import_fail(job, -EINVAL, "result.json has %zu benchmarks, config.json %zu",
				    r->nbenches, nb);
		for (size_t i = 0; i < nb; i++) {
			const char *name = import_string_at(json_object_array_get_idx(benches, i), "name");
			if (!name || strcmp(name, r->benches[i].name) != 0)
				return import_fail(job, -EINVAL,
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
			const char *command = import_string_at(json_object_array_get_idx(results, i), "command");
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

