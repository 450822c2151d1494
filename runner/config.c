/* Configuration parsing with json-c. Every error names the key at fault,
 * because a typo in a key must not silently fall back to a default. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define RUNS_MAX 100000
#define WARMUP_MAX 10000
#define TIMEOUT_MAX 86400.0

static int fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -1;
}

void config_free(struct config *config)
{
	if (!config)
		return;
	for (size_t i = 0; i < config->nbenchmarks; i++) {
		struct bench_config *b = &config->benchmarks[i];
		free(b->name);
		free(b->shell);
		if (b->argv)
			for (char **a = b->argv; *a; a++)
				free(*a);
		free(b->argv);
	}
	free(config->benchmarks);
	free(config->build);
	free(config);
}

static bool key_allowed(const char *key, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(key, *allowed) == 0)
			return true;
	return false;
}

/* where is "" at top level or "benchmarks[3]" inside a benchmark. */
static int check_keys(json_object *obj, const char *const *allowed, const char *where, char *err,
		      size_t errsize)
{
	json_object_object_foreach(obj, key, value) {
		(void)value;
		if (!key_allowed(key, allowed))
			return fail(err, errsize, "%s%sunknown key \"%s\"", where, *where ? ": " : "",
				    key);
	}
	return 0;
}

static int get_int(int *out, json_object *obj, const char *key, int min, int max,
		   const char *where, char *err, size_t errsize)
{
	json_object *value;
	int64_t v;
	if (!json_object_object_get_ex(obj, key, &value))
		return 0;
	if (!json_object_is_type(value, json_type_int))
		return fail(err, errsize, "%s%s\"%s\" must be an integer", where, *where ? ": " : "",
			    key);
	errno = 0;
	v = json_object_get_int64(value);
	if (errno || v < min || v > max)
		return fail(err, errsize, "%s%s\"%s\" must be from %d to %d", where,
			    *where ? ": " : "", key, min, max);
	*out = (int)v;
	return 0;
}

static int get_seconds(double *out, json_object *obj, const char *key, const char *where, char *err,
		       size_t errsize)
{
	json_object *value;
	double v;
	if (!json_object_object_get_ex(obj, key, &value))
		return 0;
	if (!json_object_is_type(value, json_type_int) && !json_object_is_type(value, json_type_double))
		return fail(err, errsize, "%s%s\"%s\" must be a number of seconds", where,
			    *where ? ": " : "", key);
	v = json_object_get_double(value);
	if (!isfinite(v) || v <= 0 || v > TIMEOUT_MAX)
		return fail(err, errsize, "%s%s\"%s\" must be more than 0 and at most %g seconds",
			    where, *where ? ": " : "", key, TIMEOUT_MAX);
	*out = v;
	return 0;
}

/* A benchmark name becomes a file name (history/<name>.csv) and a log tag. */
static bool name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > CONFIG_NAME_MAX || name[0] == '.')
		return false;
	for (const char *c = name; *c; c++)
		if (*c <= ' ' || *c > '~' || *c == '/' || *c == '\\')
			return false;
	return true;
}

static int parse_command(struct bench_config *b, json_object *cmd, const char *where, char *err,
			 size_t errsize)
{
	if (json_object_is_type(cmd, json_type_string)) {
		if (json_object_get_string_len(cmd) == 0)
			return fail(err, errsize, "%s: \"command\" is empty", where);
		if (strlen(json_object_get_string(cmd)) != (size_t)json_object_get_string_len(cmd))
			return fail(err, errsize, "%s: \"command\" contains a NUL byte", where);
		return (b->shell = strdup(json_object_get_string(cmd))) ? 0
			: fail(err, errsize, "out of memory");
	}
	if (json_object_is_type(cmd, json_type_array)) {
		size_t n = json_object_array_length(cmd);
		if (n == 0)
			return fail(err, errsize, "%s: \"command\" is an empty array", where);
		if (!(b->argv = calloc(n + 1, sizeof(char *))))
			return fail(err, errsize, "out of memory");
		for (size_t i = 0; i < n; i++) {
			json_object *arg = json_object_array_get_idx(cmd, i);
			if (!json_object_is_type(arg, json_type_string))
				return fail(err, errsize, "%s: \"command\"[%zu] must be a string", where,
					    i);
			if (strlen(json_object_get_string(arg)) !=
			    (size_t)json_object_get_string_len(arg))
				return fail(err, errsize, "%s: \"command\"[%zu] contains a NUL byte",
					    where, i);
			if (!(b->argv[i] = strdup(json_object_get_string(arg))))
				return fail(err, errsize, "out of memory");
		}
		if (b->argv[0][0] == '\0')
			return fail(err, errsize, "%s: \"command\"[0] is empty", where);
		return 0;
	}
	return fail(err, errsize, "%s: \"command\" must be a string or an array of strings", where);
}

static int parse_benchmark(struct config *config, size_t index, json_object *obj, char *err,
			   size_t errsize)
{
	static const char *const keys[] = {"name", "command", "warmup", "runs", "timeout", NULL};
	struct bench_config *b = &config->benchmarks[index];
	json_object *name, *cmd;
	char where[48];
	snprintf(where, sizeof(where), "benchmarks[%zu]", index);
	b->warmup = config->warmup;
	b->runs = config->runs;
	b->timeout = config->timeout;
	if (!json_object_is_type(obj, json_type_object))
		return fail(err, errsize, "%s must be an object", where);
	if (check_keys(obj, keys, where, err, errsize))
		return -1;
	if (!json_object_object_get_ex(obj, "name", &name) ||
	    !json_object_is_type(name, json_type_string))
		return fail(err, errsize, "%s: \"name\" is missing or not a string", where);
	if (!name_valid(json_object_get_string(name)))
		return fail(err, errsize,
			    "%s: \"name\" must be 1 to %d printable characters without spaces or"
			    " slashes, not starting with a dot",
			    where, CONFIG_NAME_MAX);
	for (size_t i = 0; i < index; i++)
		if (strcmp(config->benchmarks[i].name, json_object_get_string(name)) == 0)
			return fail(err, errsize, "%s: the name \"%s\" is used twice", where,
				    json_object_get_string(name));
	if (!(b->name = strdup(json_object_get_string(name))))
		return fail(err, errsize, "out of memory");
	if (!json_object_object_get_ex(obj, "command", &cmd))
		return fail(err, errsize, "%s (%s): \"command\" is missing", where, b->name);
	if (parse_command(b, cmd, where, err, errsize) ||
	    get_int(&b->warmup, obj, "warmup", 0, WARMUP_MAX, where, err, errsize) ||
	    get_int(&b->runs, obj, "runs", 1, RUNS_MAX, where, err, errsize) ||
	    get_seconds(&b->timeout, obj, "timeout", where, err, errsize))
		return -1;
	return 0;
}

static int parse_object(struct config *config, json_object *root, char *err, size_t errsize)
{
	static const char *const keys[] = {"build", "warmup", "runs", "timeout", "benchmarks", NULL};
	json_object *build, *benchmarks;
	size_t n;
	if (!json_object_is_type(root, json_type_object))
		return fail(err, errsize, "the configuration must be a JSON object");
	if (check_keys(root, keys, "", err, errsize))
		return -1;
	if (json_object_object_get_ex(root, "build", &build) &&
	    !json_object_is_type(build, json_type_null)) {
		if (!json_object_is_type(build, json_type_string))
			return fail(err, errsize, "\"build\" must be a string (a shell command)");
		if (json_object_get_string_len(build) > 0 &&
		    !(config->build = strdup(json_object_get_string(build))))
			return fail(err, errsize, "out of memory");
	}
	if (get_int(&config->warmup, root, "warmup", 0, WARMUP_MAX, "", err, errsize) ||
	    get_int(&config->runs, root, "runs", 1, RUNS_MAX, "", err, errsize) ||
	    get_seconds(&config->timeout, root, "timeout", "", err, errsize))
		return -1;
	if (!json_object_object_get_ex(root, "benchmarks", &benchmarks))
		return fail(err, errsize, "\"benchmarks\" is missing");
	if (!json_object_is_type(benchmarks, json_type_array))
		return fail(err, errsize, "\"benchmarks\" must be an array");
	if ((n = json_object_array_length(benchmarks)) == 0)
		return fail(err, errsize, "\"benchmarks\" is empty: nothing to measure");
	if (!(config->benchmarks = calloc(n, sizeof(*config->benchmarks))))
		return fail(err, errsize, "out of memory");
	for (size_t i = 0; i < n; i++) {
		config->nbenchmarks = i + 1; /* so config_free sees what was allocated */
		if (parse_benchmark(config, i, json_object_array_get_idx(benchmarks, i), err,
				    errsize))
			return -1;
	}
	return 0;
}

int config_parse(struct config **out, const char *json_text, char *err, size_t errsize)
{
	struct json_tokener *tok = json_tokener_new();
	struct config *config = calloc(1, sizeof(*config));
	json_object *root = NULL;
	size_t len = strlen(json_text);
	int result = -1;
	if (!tok || !config) {
		fail(err, errsize, "out of memory");
		goto done;
	}
	config->warmup = CONFIG_DEFAULT_WARMUP;
	config->runs = CONFIG_DEFAULT_RUNS;
	config->timeout = CONFIG_DEFAULT_TIMEOUT;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* Parsing through the terminating NUL makes trailing text an error too. */
	root = json_tokener_parse_ex(tok, json_text, (int)len + 1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		fail(err, errsize, "invalid JSON near byte %zu: %s", json_tokener_get_parse_end(tok),
		     json_tokener_error_desc(json_tokener_get_error(tok)));
		goto done;
	}
	/* A valid "null" document parses to NULL: parse_object names it as not an object. */
	if (parse_object(config, root, err, errsize))
		goto done;
	*out = config;
	config = NULL;
	result = 0;
done:
	json_object_put(root);
	json_tokener_free(tok);
	config_free(config);
	return result;
}

int config_load(struct config **out, const char *path, char *err, size_t errsize)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	int result = -1;
	if (!f)
		return fail(err, errsize, "cannot read configuration %s: %s", path, strerror(errno));
	{
		FILE *mem = open_memstream(&text, &len);
		char buf[8192];
		size_t got;
		if (!mem) {
			fclose(f);
			return fail(err, errsize, "out of memory");
		}
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, got, mem);
		fclose(mem);
	}
	if (ferror(f)) {
		fail(err, errsize, "cannot read configuration %s: %s", path, strerror(errno));
	} else if (strlen(text) != len) {
		fail(err, errsize, "configuration %s: contains a NUL byte", path);
	} else {
		char inner[512];
		result = config_parse(out, text, inner, sizeof(inner));
		if (result)
			fail(err, errsize, "configuration %s: %s", path, inner);
	}
	fclose(f);
	free(text);
	return result;
}

static json_object *command_json(const struct bench_config *b)
{
	json_object *arr;
	if (b->shell)
		return json_object_new_string(b->shell);
	arr = json_object_new_array();
	for (char **a = b->argv; arr && *a; a++)
		json_object_array_add(arr, json_object_new_string(*a));
	return arr;
}

char *config_to_json(const struct config *config)
{
	json_object *root = json_object_new_object(), *benches = json_object_new_array();
	char *text = NULL;
	if (!root || !benches) {
		json_object_put(root);
		json_object_put(benches);
		return NULL;
	}
	json_object_object_add(root, "build",
			       config->build ? json_object_new_string(config->build) : NULL);
	json_object_object_add(root, "warmup", json_object_new_int(config->warmup));
	json_object_object_add(root, "runs", json_object_new_int(config->runs));
	json_object_object_add(root, "timeout", json_object_new_double(config->timeout));
	for (size_t i = 0; i < config->nbenchmarks; i++) {
		const struct bench_config *b = &config->benchmarks[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(b->name));
		json_object_object_add(o, "command", command_json(b));
		json_object_object_add(o, "warmup", json_object_new_int(b->warmup));
		json_object_object_add(o, "runs", json_object_new_int(b->runs));
		json_object_object_add(o, "timeout", json_object_new_double(b->timeout));
		json_object_array_add(benches, o);
	}
	json_object_object_add(root, "benchmarks", benches);
	text = strdup(json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return text;
}

/* Quote an argument the way a POSIX shell would need it, for display only. */
static void append_quoted(FILE *out, const char *arg)
{
	bool plain = *arg != '\0';
	for (const char *c = arg; *c && plain; c++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			       "-_./=:,+@%", *c) != NULL;
	if (plain) {
		fputs(arg, out);
		return;
	}
	fputc('\'', out);
	for (const char *c = arg; *c; c++)
		*c == '\'' ? fputs("'\\''", out) : fputc(*c, out);
	fputc('\'', out);
}

char *bench_config_command_text(const struct bench_config *bench)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	if (bench->shell)
		return strdup(bench->shell);
	if (!(out = open_memstream(&text, &len)))
		return NULL;
	for (char **a = bench->argv; *a; a++) {
		if (a != bench->argv)
			fputc(' ', out);
		append_quoted(out, *a);
	}
	fclose(out);
	return text;
}
