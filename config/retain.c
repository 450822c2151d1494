/* "retain": {"days", "per_commit", "every", "batch"} (retain.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "config/retain.h"

#define DAYS_MAX 36500
#define PER_COMMIT_MAX 100000
#define EVERY_MAX_S (366 * 86400)
#define BATCH_MAX 100000

/* "30s", "90m", "1h", "2d" or a number of seconds: seconds, or -1. */
static int64_t parse_every(json_object *v)
{
	const char *text, *end;
	int64_t n = 0, unit = 1;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_string))
		return -1;
	text = json_object_get_string(v);
	for (end = text; *end >= '0' && *end <= '9' && end - text < 9; end++)
		n = n * 10 + (*end - '0');
	if (end == text)
		return -1;
	if (strcmp(end, "s") == 0 || !*end)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else
		return -1;
	return n * unit;
}

static int get_count(int *out, json_object *obj, const char *key, int min, int max, char *err,
		     size_t errsize)
{
	json_object *v;
	int64_t n;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < min || n > max)
		return config_fail(err, errsize, "\"retain\": \"%s\" must be an integer from %d to %d",
				   key, min, max);
	*out = (int)n;
	return 0;
}

int retain_config_parse(struct retain_config **out, json_object *root, char *err, size_t errsize)
{
	static const char *const keys[] = {"days", "per_commit", "every", "batch", NULL};
	struct retain_config *r;
	json_object *value, *v;
	int rc;
	*out = NULL;
	if (!json_object_object_get_ex(root, "retain", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "\"retain\" must be an object such as"
						 " {\"days\": 90, \"per_commit\": 10}");
	if ((rc = config_check_keys(value, keys, "\"retain\"", err, errsize)))
		return rc;
	if (!(r = calloc(1, sizeof(*r))))
		return config_nomem(err, errsize);
	*r = (struct retain_config){.days = RETAIN_DEFAULT_DAYS,
				    .per_commit = RETAIN_DEFAULT_PER_COMMIT,
				    .every_s = RETAIN_DEFAULT_EVERY_S,
				    .batch = RETAIN_DEFAULT_BATCH};
	if ((rc = get_count(&r->days, value, "days", 0, DAYS_MAX, err, errsize)) ||
	    (rc = get_count(&r->per_commit, value, "per_commit", 0, PER_COMMIT_MAX, err, errsize)) ||
	    (rc = get_count(&r->batch, value, "batch", 1, BATCH_MAX, err, errsize))) {
		free(r);
		return rc;
	}
	if (json_object_object_get_ex(value, "every", &v) && !json_object_is_type(v, json_type_null)) {
		int64_t s = parse_every(v);
		if (s < 1 || s > EVERY_MAX_S) {
			free(r);
			return config_fail(err, errsize,
					   "\"retain\": \"every\" must be a duration such as \"1h\","
					   " \"30m\", \"2s\" or \"1d\" (1 s to 366 d)");
		}
		r->every_s = s;
	}
	*out = r;
	return 0;
}

json_object *retain_config_to_json(const struct retain_config *r)
{
	json_object *o = json_object_new_object();
	char every[32];
	if (!o)
		return NULL;
	snprintf(every, sizeof(every), "%llds", (long long)r->every_s);
	json_object_object_add(o, "days", json_object_new_int(r->days));
	json_object_object_add(o, "per_commit", json_object_new_int(r->per_commit));
	json_object_object_add(o, "every", json_object_new_string(every));
	json_object_object_add(o, "batch", json_object_new_int(r->batch));
	return o;
}

void retain_config_free(struct retain_config *r)
{
	free(r);
}
