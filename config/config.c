/* Configuration parsing with json-c. Every error names the key at fault,
 * because a typo in a key must not silently fall back to a default.
 *
 * Per-benchmark keys may also be given at the top level as defaults; a
 * benchmark starts from a copy of the defaults and overrides what it sets.
 * "parameters" then expands a benchmark into one entry per combination.
 *
 * This file reads the document: its top-level keys, each benchmark's name
 * and command, "compare", "artifacts", "branch"; the keys of a level's
 * settings are settings.c, "parameters" params.c. */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/internal.h"
#include "config/retain.h"
#include "config/watch.h"
#include "config/alerts.h"
#include "config/pulls.h"
#include "config/profiling.h"
#include "config/bisect.h"
#include "config/metrics.h"
#include "config/slo_metrics.h"
#include "stats/hypothesis.h" /* stats/: the verdict's default alpha and threshold */
#include "util/labels.h"
#include "util/log.h"
#include "util/strbuf.h"

/* The keys every level accepts (the top level holds their defaults). */
#define SETTING_KEYS                                                                       \
	"warmup", "runs", "min_runs", "max_runs", "min_time", "timeout", "prepare", "conclude", \
		"setup", "cleanup", "parameters", "output", "ignore_failure", "randomize_env",  \
		"cpus", "profile", "metrics", "slo", "keep", "bytes", "service", "parse", "category"

/* Messages quote keys, values and paths from the user: escaped, they stay one
 * line and cannot drive the terminal. */
int config_error(int code, char *err, size_t errsize, const char *fmt, ...)
{
	struct strbuf raw = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&raw, fmt, ap);
	va_end(ap);
	log_escape(err, errsize, strbuf_error(&raw) ? "out of memory" : raw.buf);
	strbuf_release(&raw);
	return code;
}

void config_strv_free(char **v)
{
	if (!v)
		return;
	for (char **a = v; *a; a++)
		free(*a);
	free(v);
}

void config_params_free(struct config_param *params, size_t n)
{
	for (size_t i = 0; params && i < n; i++) {
		free(params[i].name);
		for (size_t k = 0; k < params[i].nvalues; k++)
			free(params[i].values[k]);
		free(params[i].values);
	}
	free(params);
}

static void bench_clear(struct bench_config *b)
{
	free(b->name);
	free(b->base_name);
	free(b->shell);
	config_strv_free(b->argv);
	free(b->prepare);
	free(b->conclude);
	free(b->setup);
	free(b->cleanup);
	free(b->category);
	for (size_t i = 0; i < b->nparams; i++) {
		free(b->params[i].name);
		free(b->params[i].value);
	}
	free(b->params);
	free(b->cpus);
	free(b->slo.baseline);
	config_slo_metrics_clear(&b->slo);
	profiling_free(b->profiling);
	config_metrics_clear(b);
	service_config_free(b->service);
	memset(b, 0, sizeof(*b));
}

void config_free(struct config *config)
{
	if (!config)
		return;
	for (size_t i = 0; i < config->nbenchmarks; i++)
		bench_clear(&config->benchmarks[i]);
	free(config->benchmarks);
	bench_clear(&config->defaults);
	config_params_free(config->params, config->nparams);
	free(config->build);
	free(config->branch);
	for (size_t i = 0; i < config->nartifacts; i++)
		free(config->artifacts[i]);
	free(config->artifacts);
	for (size_t i = 0; i < config->nprofiles; i++)
		free(config->profiles[i]);
	free(config->profiles);
	retain_config_free(config->retain);
	watch_config_free(config->watch);
	alerts_config_free(config->on_alert);
	pulls_free(config->pulls);
	bisect_config_free(config->bisect);
	free(config);
}

size_t config_drop_services(struct config *config)
{
	size_t kept = 0, dropped = 0;
	for (size_t i = 0; i < config->nbenchmarks; i++) {
		if (config->benchmarks[i].service) {
			bench_clear(&config->benchmarks[i]);
			dropped++;
		} else {
			config->benchmarks[kept++] = config->benchmarks[i];
		}
	}
	config->nbenchmarks = kept;
	return dropped;
}

static int parse_command(struct bench_config *b, json_object *cmd, const char *where, char *err,
			 size_t errsize)
{
	if (json_object_is_type(cmd, json_type_string)) {
		if (json_object_get_string_len(cmd) == 0)
			return config_fail(err, errsize, "%s: \"command\" is empty", where);
		if (strlen(json_object_get_string(cmd)) != (size_t)json_object_get_string_len(cmd))
			return config_fail(err, errsize, "%s: \"command\" contains a NUL byte", where);
		return (b->shell = strdup(json_object_get_string(cmd))) ? 0
			: config_nomem(err, errsize);
	}
	if (json_object_is_type(cmd, json_type_array)) {
		size_t n = json_object_array_length(cmd);
		if (n == 0)
			return config_fail(err, errsize, "%s: \"command\" is an empty array", where);
		if (!(b->argv = calloc(n + 1, sizeof(char *))))
			return config_nomem(err, errsize);
		for (size_t i = 0; i < n; i++) {
			json_object *arg = json_object_array_get_idx(cmd, i);
			if (!json_object_is_type(arg, json_type_string))
				return config_fail(err, errsize, "%s: \"command\"[%zu] must be a string", where,
					    i);
			if (strlen(json_object_get_string(arg)) !=
			    (size_t)json_object_get_string_len(arg))
				return config_fail(err, errsize, "%s: \"command\"[%zu] contains a NUL byte",
					    where, i);
			if (!(b->argv[i] = strdup(json_object_get_string(arg))))
				return config_nomem(err, errsize);
		}
		if (b->argv[0][0] == '\0')
			return config_fail(err, errsize, "%s: \"command\"[0] is empty", where);
		return 0;
	}
	return config_fail(err, errsize, "%s: \"command\" must be a string or an array of strings", where);
}

static int parse_benchmark(struct config *config, size_t index, json_object *obj, char *err,
			   size_t errsize)
{
	static const char *const keys[] = {"name", "command", SETTING_KEYS, NULL};
	struct bench_config proto = {0};
	struct config_param *own = NULL;
	size_t nown = 0;
	json_object *name, *cmd, *params;
	char where[48];
	int result;
	snprintf(where, sizeof(where), "benchmarks[%zu]", index);
	if (!json_object_is_type(obj, json_type_object))
		return config_fail(err, errsize, "%s must be an object", where);
	if ((result = config_check_keys(obj, keys, where, err, errsize)))
		return result;
	if (!json_object_object_get_ex(obj, "name", &name) ||
	    !json_object_is_type(name, json_type_string))
		return config_fail(err, errsize, "%s: \"name\" is missing or not a string", where);
	if (!config_name_valid(json_object_get_string(name)))
		return config_fail(err, errsize,
			    "%s: \"name\" must be 1 to %d printable characters without spaces,"
			    " slashes or colons, not starting with a dot",
			    where, CONFIG_NAME_MAX);
	if (!(proto.name = strdup(json_object_get_string(name)))) {
		result = config_nomem(err, errsize);
		goto done;
	}
	if (!json_object_object_get_ex(obj, "command", &cmd)) {
		result = config_fail(err, errsize, "%s (%s): \"command\" is missing", where,
				     proto.name);
		goto done;
	}
	if ((result = parse_command(&proto, cmd, where, err, errsize)))
		goto done;
	if ((result = config_settings_copy(&proto, &config->defaults))) {
		config_nomem(err, errsize);
		goto done;
	}
	if ((result = config_parse_settings(&proto, obj, where, err, errsize)))
		goto done;
	if (json_object_object_get_ex(obj, "parameters", &params)) {
		if ((result = config_parse_params(&own, &nown, params, where, err, errsize)))
			goto done;
		result = config_expand(config, &proto, own, nown, where, err, errsize);
	} else {
		result = config_expand(config, &proto, config->params, config->nparams, where, err,
				errsize);
	}
done:
	bench_clear(&proto);
	config_params_free(own, nown);
	return result;
}

/* "compare": {"alpha": 0.01, "threshold": 0.02 or "auto", "max_pairs": 320,
 * "confirm": true} for the verdicts. */
static int parse_compare(struct config *config, json_object *root, char *err, size_t errsize)
{
	static const char *const keys[] = {"alpha", "threshold", "max_pairs", "confirm", NULL};
	json_object *value, *v;
	double d;
	int rc;
	if (!json_object_object_get_ex(root, "compare", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "\"compare\" must be an object such as {\"alpha\": 0.01,"
			    " \"threshold\": 0.02}");
	if ((rc = config_check_keys(value, keys, "\"compare\"", err, errsize)))
		return rc;
	if (json_object_object_get_ex(value, "alpha", &v)) {
		d = json_object_get_double(v);
		if ((!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) ||
		    !(d > 0 && d <= 0.5))
			return config_fail(err, errsize, "\"compare\": \"alpha\" must be a number more than 0"
				    " and at most 0.5");
		config->compare_alpha = d;
	}
	if (json_object_object_get_ex(value, "threshold", &v)) {
		d = json_object_get_double(v);
		if (json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), "auto") == 0)
			config->compare_threshold_auto = true;
		else if ((!json_object_is_type(v, json_type_double) &&
			  !json_object_is_type(v, json_type_int)) || !(d >= 0 && d < 1))
			return config_fail(err, errsize, "\"compare\": \"threshold\" must be \"auto\" or a"
				    " number from 0 to less than 1");
		else
			config->compare_threshold = d;
	}
	if (json_object_object_get_ex(value, "max_pairs", &v)) {
		int64_t n = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || n < 2 || n > CONFIG_MAX_PAIRS_LIMIT)
			return config_fail(err, errsize, "\"compare\": \"max_pairs\" must be an integer from 2"
				    " to %d", CONFIG_MAX_PAIRS_LIMIT);
		config->compare_max_pairs = (int)n;
	}
	if (json_object_object_get_ex(value, "confirm", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return config_fail(err, errsize, "\"compare\": \"confirm\" must be true or false");
		config->compare_confirm = json_object_get_boolean(v);
	}
	return 0;
}

/* "artifacts": ["sorter", "lib/libx.so*"], globs relative to the checkout. */
static int parse_artifacts(struct config *config, json_object *root, char *err, size_t errsize)
{
	json_object *value;
	size_t n;
	if (!json_object_object_get_ex(root, "artifacts", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_array) ||
	    (n = json_object_array_length(value)) == 0)
		return config_fail(err, errsize, "\"artifacts\" must be a non-empty array of paths or"
			    " globs in the checkout, such as [\"sorter\", \"lib/*.so\"]");
	if (!(config->artifacts = calloc(n, sizeof(char *))))
		return config_nomem(err, errsize);
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(value, i);
		const char *text = json_object_is_type(item, json_type_string)
					   ? json_object_get_string(item) : NULL;
		if (!text || !*text || *text == '/' ||
		    strlen(text) != (size_t)json_object_get_string_len(item) ||
		    strcmp(text, "..") == 0 || strncmp(text, "../", 3) == 0 || strstr(text, "/../") ||
		    (strlen(text) >= 3 && strcmp(text + strlen(text) - 3, "/..") == 0))
			return config_fail(err, errsize, "\"artifacts\": entry %zu must be a relative path or"
				    " glob inside the checkout (no \"..\")", i + 1);
		if (!(config->artifacts[i] = strdup(text)))
			return config_nomem(err, errsize);
		config->nartifacts = i + 1;
	}
	return 0;
}

/* "profiles": ["x86-big", "arm,bare"], each the labels one job needs. */
static int parse_profiles(struct config *config, json_object *root, char *err, size_t errsize)
{
	json_object *value;
	size_t n;
	if (!json_object_object_get_ex(root, "profiles", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_array) ||
	    (n = json_object_array_length(value)) == 0)
		return config_fail(err, errsize, "\"profiles\" must be a non-empty array of label lists,"
			    " such as [\"x86-big\", \"arm,bare\"]");
	if (!(config->profiles = calloc(n, sizeof(char *))))
		return config_nomem(err, errsize);
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(value, i);
		char labels[LABELS_MAX], why[256];
		const char *text = json_object_is_type(item, json_type_string)
					   ? json_object_get_string(item) : NULL;
		if (!text || strlen(text) != (size_t)json_object_get_string_len(item) ||
		    labels_normalize(labels, sizeof(labels), text, why, sizeof(why)) || !labels[0])
			return config_fail(err, errsize, "\"profiles\": entry %zu must be labels such as"
				    " \"x86-big\" or \"arm,bare\"%s%s", i + 1, text ? ": " : "",
				    text ? why : "");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(config->profiles[j], labels))
				return config_fail(err, errsize, "\"profiles\": entry %zu repeats entry %zu",
						   i + 1, j + 1);
		if (!(config->profiles[i] = strdup(labels)))
			return config_nomem(err, errsize);
		config->nprofiles = i + 1;
	}
	return 0;
}

static int parse_branch(struct config *config, json_object *root, char *err, size_t errsize)
{
	json_object *value;
	const char *text;
	if (!json_object_object_get_ex(root, "branch", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	text = json_object_is_type(value, json_type_string) ? json_object_get_string(value) : "";
	if (*text == '\0' || strlen(text) != (size_t)json_object_get_string_len(value))
		return config_fail(err, errsize, "\"branch\" must be a branch name or null");
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == ' ')
			return config_fail(err, errsize, "\"branch\" must be a branch name or null");
	return (config->branch = strdup(text)) ? 0 : config_nomem(err, errsize);
}

static int parse_object(struct config *config, json_object *root, char *err, size_t errsize)
{
	static const char *const keys[] = {"build",  "benchmarks", "compare", "branch", "build_mode",
					   "artifacts", "profiles", "watch", "on_alert", "pull_requests", "bisect", "retain", "keep_max_bytes", SETTING_KEYS, NULL};
	json_object *build, *benchmarks, *params;
	size_t n;
	int rc;
	if (!json_object_is_type(root, json_type_object))
		return config_fail(err, errsize, "the configuration must be a JSON object");
	if ((rc = config_check_keys(root, keys, "", err, errsize)))
		return rc;
	if (json_object_object_get_ex(root, "build", &build) &&
	    !json_object_is_type(build, json_type_null)) {
		if (!json_object_is_type(build, json_type_string))
			return config_fail(err, errsize, "\"build\" must be a string (a shell command)");
		if (strlen(json_object_get_string(build)) != (size_t)json_object_get_string_len(build))
			return config_fail(err, errsize, "\"build\" contains a NUL byte");
		if (json_object_get_string_len(build) > 0 &&
		    !(config->build = strdup(json_object_get_string(build))))
			return config_nomem(err, errsize);
	}
	if ((rc = config_parse_settings(&config->defaults, root, "", err, errsize)))
		return rc;
	if (json_object_object_get_ex(root, "parameters", &params) &&
	    (rc = config_parse_params(&config->params, &config->nparams, params, "", err, errsize)))
		return rc;
	if ((rc = parse_compare(config, root, err, errsize)) ||
	    (rc = parse_branch(config, root, err, errsize)) ||
	    (rc = config_parse_build_mode(&config->build_mode, root, err, errsize)) ||
	    (rc = parse_artifacts(config, root, err, errsize)) ||
	    (rc = parse_profiles(config, root, err, errsize)) ||
	    (rc = retain_config_parse(&config->retain, root, err, errsize)) ||
	    (rc = watch_config_parse(&config->watch, root, err, errsize)) ||
	    (rc = pulls_parse(&config->pulls, root, err, errsize)) ||
	    (rc = profiling_parse_top(config, root, err, errsize)) ||
	    (rc = bisect_config_parse(&config->bisect, root, err, errsize)))
		return rc;
	if ((rc = alerts_config_parse(&config->on_alert, root, err, errsize)))
		return rc;
	config->warmup = config->defaults.warmup;
	config->runs = config->defaults.runs;
	config->timeout = config->defaults.timeout;
	if (!json_object_object_get_ex(root, "benchmarks", &benchmarks))
		return config_fail(err, errsize, "\"benchmarks\" is missing");
	if (!json_object_is_type(benchmarks, json_type_array))
		return config_fail(err, errsize, "\"benchmarks\" must be an array");
	if ((n = json_object_array_length(benchmarks)) == 0)
		return config_fail(err, errsize, "\"benchmarks\" is empty: nothing to measure");
	for (size_t i = 0; i < n; i++)
		if ((rc = parse_benchmark(config, i, json_object_array_get_idx(benchmarks, i), err,
					  errsize)))
			return rc;
	return 0;
}

/* json-c cuts keys at a \u0000 and callers read values as C strings, so
 * "runs\u0000junk" would read as "runs" and "true\u0000; rm -rf /" as "true":
 * any escaped NUL in a string of valid JSON is refused, before the keys are
 * read (a cut key would otherwise be reported as another one). Returns the
 * offset of that string's opening quote and its length with both quotes in
 * *len, or -1. */
static long nul_escape_string(size_t *len, const char *text)
{
	const char *start = NULL;
	bool nul = false;
	for (const char *c = text; *c; c++) {
		if (*c == '"' && !start) {
			start = c;
		} else if (*c == '"') {
			if (nul) {
				*len = (size_t)(c - start) + 1;
				return start - text;
			}
			start = NULL;
		} else if (start && *c == '\\' && c[1]) {
			nul |= c[1] == 'u' && strncmp(c + 2, "0000", 4) == 0;
			c++; /* an escaped character cannot end the string */
		}
	}
	return -1;
}

int config_parse(struct config **out, const char *json_text, char *err, size_t errsize)
{
	struct json_tokener *tok = json_tokener_new();
	struct config *config = calloc(1, sizeof(*config));
	json_object *root = NULL;
	size_t len = strlen(json_text), nul_len = 0;
	long nul;
	int result;
	if (!tok || !config) {
		result = config_nomem(err, errsize);
		goto done;
	}
	config->defaults = (struct bench_config){
		.warmup = CONFIG_DEFAULT_WARMUP,
		.runs = CONFIG_DEFAULT_RUNS,
		.min_runs = CONFIG_DEFAULT_RUNS,
		.max_runs = CONFIG_DEFAULT_RUNS,
		.timeout = CONFIG_DEFAULT_TIMEOUT,
		.perf_frequency = CONFIG_DEFAULT_PERF_FREQUENCY,
	};
	config->compare_alpha = STATS_DEFAULT_ALPHA;
	config->compare_threshold = STATS_DEFAULT_THRESHOLD;
	config->compare_max_pairs = CONFIG_DEFAULT_MAX_PAIRS;
	config->compare_confirm = true;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* Parsing through the terminating NUL makes trailing text an error too. */
	root = json_tokener_parse_ex(tok, json_text, (int)len + 1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		result = config_fail(err, errsize, "invalid JSON near byte %zu: %s", json_tokener_get_parse_end(tok),
		     json_tokener_error_desc(json_tokener_get_error(tok)));
		goto done;
	}
	if ((nul = nul_escape_string(&nul_len, json_text)) >= 0) {
		result = config_fail(err, errsize, "the string %.*s%s at byte %ld contains \\u0000 (NUL),"
			    " which would cut it short", nul_len > 60 ? 60 : (int)nul_len,
			    json_text + nul, nul_len > 60 ? "..." : "", nul);
		goto done;
	}
	/* A valid "null" document parses to NULL: parse_object names it as not an object. */
	if ((result = parse_object(config, root, err, errsize)))
		goto done;
	*out = config;
	config = NULL;
done:
	json_object_put(root);
	json_tokener_free(tok);
	config_free(config);
	return result;
}

int config_load(struct config **out, const char *path, char *err, size_t errsize)
{
	struct strbuf text = STRBUF_INIT;
	FILE *f = fopen(path, "re");
	char inner[512];
	size_t got;
	int result;
	if (!f)
		return config_error(-errno, err, errsize, "cannot read configuration %s: %s", path,
				    strerror(errno));
	do {
		if ((result = strbuf_grow(&text, 8192)))
			break;
		got = fread(text.buf + text.len, 1, strbuf_avail(&text), f);
		strbuf_setlen(&text, text.len + got);
	} while (got > 0);
	if (result)
		result = config_nomem(err, errsize);
	else if (ferror(f))
		result = config_error(errno ? -errno : -EIO, err, errsize,
				      "cannot read configuration %s: %s", path, strerror(errno));
	else if (strlen(text.buf) != text.len)
		result = config_fail(err, errsize, "configuration %s: contains a NUL byte", path);
	else if ((result = config_parse(out, text.buf, inner, sizeof(inner))))
		config_error(result, err, errsize, "configuration %s: %s", path, inner);
	fclose(f);
	strbuf_release(&text);
	return result;
}
