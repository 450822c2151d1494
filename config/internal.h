/* Private to config/: shared by config.c, settings.c and params.c; not part
 * of the interface. */
#ifndef BENCHFS_CONFIG_INTERNAL_H
#define BENCHFS_CONFIG_INTERNAL_H

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* "where: " before a message, or nothing at the top level. */
#define AT(where) (where), (*(where) ? ": " : "")

/* Writes the message into err, escaped (log_escape), and returns code: a
 * negative errno. */
int config_error(int code, char *err, size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The configuration is wrong: the message and -EINVAL. */
#define config_fail(err, errsize, ...) config_error(-EINVAL, (err), (errsize), __VA_ARGS__)
/* Out of memory: "out of memory" and -ENOMEM. */
#define config_nomem(err, errsize) config_error(-ENOMEM, (err), (errsize), "out of memory")
void config_strv_free(char **v);
void config_params_free(struct config_param *params, size_t n);
/* A benchmark name becomes a file name (history/<name>.csv) and a log tag. */
bool config_name_valid(const char *name);
/* Every key of obj is one of allowed (NULL-terminated): 0, or -EINVAL with
 * the message in err. where is "" at top level or "benchmarks[3]" inside a
 * benchmark (settings.c). */
int config_check_keys(json_object *obj, const char *const *allowed, const char *where, char *err,
		      size_t errsize);
/* Every per-benchmark key that the level obj sets, over what b inherited
 * (settings.c). 0, or -EINVAL or -ENOMEM with the message in err. */
int config_parse_settings(struct bench_config *b, json_object *obj, const char *where, char *err,
			  size_t errsize);
/* Deep copy of the settings of src (not name, command or parameters). 0 or
 * -ENOMEM. */
int config_settings_copy(struct bench_config *dst, const struct bench_config *src);

/* "parameters": {"size": ["1k", "10k"], "threads": [1, 2]} into *out; null or
 * {} is none. where names the level in messages. 0, or -EINVAL or -ENOMEM
 * with the message in err. */
int config_parse_params(struct config_param **out, size_t *nout, json_object *value,
			const char *where, char *err, size_t errsize);
/* Appends one benchmark per combination of the lists' values to config,
 * the first parameter varying slowest; names must be valid and unique. 0, or
 * -EINVAL or -ENOMEM with the message in err. */
int config_expand(struct config *config, const struct bench_config *proto,
		  const struct config_param *lists, size_t nlists, const char *where, char *err,
		  size_t errsize);

#endif
