/* Parsing "profile"'s "command", "keep" and "keep_max_bytes"
 * (profiling.h). */
#include "config/profiling.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"

static struct bench_profiling *profiling_of(struct bench_config *b)
{
	if (!b->profiling)
		b->profiling = calloc(1, sizeof(*b->profiling));
	return b->profiling;
}

/* A non-empty array of strings without NUL bytes, as a NULL-terminated
 * vector; glob: each a relative path inside the checkout. */
static int strv_parse(char ***out, json_object *value, const char *where, const char *key,
		      bool glob, char *err, size_t errsize)
{
	size_t n;
	char **v;

	if (!json_object_is_type(value, json_type_array) || (n = json_object_array_length(value)) == 0)
		return config_fail(err, errsize, "%s%s\"%s\" must be a non-empty array of strings",
				   AT(where), key);
	if (!(v = calloc(n + 1, sizeof(*v))))
		return config_nomem(err, errsize);
	for (size_t i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(value, i);
		const char *text;

		if (!json_object_is_type(item, json_type_string) ||
		    json_object_get_string_len(item) == 0) {
			config_strv_free(v);
			return config_fail(err, errsize, "%s%s\"%s\"[%zu] must be a non-empty string",
					   AT(where), key, i);
		}
		text = json_object_get_string(item);
		if (strlen(text) != (size_t)json_object_get_string_len(item)) {
			config_strv_free(v);
			return config_fail(err, errsize, "%s%s\"%s\"[%zu] contains a NUL byte", AT(where),
					   key, i);
		}
		if (glob) {
			bool up = false;

			for (const char *p = text; *p && !up; p = strchr(p, '/') ? strchr(p, '/') + 1 : "")
				up = strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0');
			if (text[0] == '/' || up) {
				config_strv_free(v);
				return config_fail(err, errsize, "%s%s\"%s\"[%zu]: %s is not a path inside"
						   " the checkout (absolute, or with ..)", AT(where),
						   key, i, text);
			}
		}
		if (!(v[i] = strdup(text))) {
			config_strv_free(v);
			return config_nomem(err, errsize);
		}
	}
	*out = v;
	return 0;
}

int profiling_parse_command(struct bench_config *b, json_object *profile, const char *where,
			    char *err, size_t errsize)
{
	json_object *value;
	char **argv = NULL;
	int rc;

	if (b->profiling) {
		config_strv_free(b->profiling->command);
		b->profiling->command = NULL;
	}
	if (!json_object_object_get_ex(profile, "command", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if ((rc = strv_parse(&argv, value, where, "command", false, err, errsize)))
		return rc;
	if (!profiling_of(b)) {
		config_strv_free(argv);
		return config_nomem(err, errsize);
	}
	b->profiling->command = argv;
	return 0;
}

int profiling_parse_keep(struct bench_config *b, json_object *obj, const char *where, char *err,
			 size_t errsize)
{
	json_object *value;
	char **globs = NULL;
	int rc;

	if (!json_object_object_get_ex(obj, "keep", &value))
		return 0;
	if (b->profiling) {
		config_strv_free(b->profiling->keep);
		b->profiling->keep = NULL;
	}
	if (json_object_is_type(value, json_type_null))
		return 0;
	if ((rc = strv_parse(&globs, value, where, "keep", true, err, errsize)))
		return rc;
	if (!profiling_of(b)) {
		config_strv_free(globs);
		return config_nomem(err, errsize);
	}
	b->profiling->keep = globs;
	return 0;
}

int profiling_parse_top(struct config *config, json_object *root, char *err, size_t errsize)
{
	json_object *value;
	int64_t v;

	if (!json_object_object_get_ex(root, "keep_max_bytes", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_int))
		return config_fail(err, errsize, "\"keep_max_bytes\" must be an integer (bytes)");
	v = json_object_get_int64(value);
	if (v < 0)
		return config_fail(err, errsize, "\"keep_max_bytes\" must be 0 or more");
	config->keep_max_bytes = v;
	config->keep_max_set = true;
	return 0;
}

static char **strv_dup(char *const *v)
{
	size_t n = 0;
	char **out;

	while (v[n])
		n++;
	if (!(out = calloc(n + 1, sizeof(*out))))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!(out[i] = strdup(v[i]))) {
			config_strv_free(out);
			return NULL;
		}
	}
	return out;
}

int profiling_copy(struct bench_config *dst, const struct bench_config *src)
{
	const struct bench_profiling *p = src->profiling;

	dst->profiling = NULL;
	if (!p)
		return 0;
	if (!(dst->profiling = calloc(1, sizeof(*dst->profiling))))
		return -ENOMEM;
	if ((p->command && !(dst->profiling->command = strv_dup(p->command))) ||
	    (p->keep && !(dst->profiling->keep = strv_dup(p->keep))))
		return -ENOMEM;
	return 0;
}

void profiling_free(struct bench_profiling *p)
{
	if (!p)
		return;
	config_strv_free(p->command);
	config_strv_free(p->keep);
	free(p);
}

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

void profiling_to_json(json_object *o, json_object *profile, const struct bench_config *b)
{
	if (!b->profiling)
		return;
	if (profile && b->profiling->command)
		json_object_object_add(profile, "command", strv_json(b->profiling->command));
	/* null: none, over a default that has some (b had it and let it go) */
	json_object_object_add(o, "keep", b->profiling->keep ? strv_json(b->profiling->keep) : NULL);
}

void profiling_top_to_json(json_object *root, const struct config *config)
{
	if (config->keep_max_set)
		json_object_object_add(root, "keep_max_bytes",
				       json_object_new_int64(config->keep_max_bytes));
}

char *const *profiling_command(const struct bench_config *b)
{
	return b->profiling ? b->profiling->command : NULL;
}

char *const *profiling_keep(const struct bench_config *b)
{
	return b->profiling ? b->profiling->keep : NULL;
}

long long profiling_keep_max(const struct config *config)
{
	return config->keep_max_set ? config->keep_max_bytes : PROFILING_KEEP_MAX_DEFAULT;
}
