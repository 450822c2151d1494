/* "bisect": {"enabled": true, "max_runs": 12} (bisect.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>

#include "config/bisect.h"
#include "config/internal.h"

/* More runs than this for one step is a runaway, not a bisection: 2^20
 * commits take 20 midpoints. */
#define BISECT_MAX_RUNS_LIMIT 1000

int bisect_config_parse(struct bisect_config **out, json_object *root, char *err, size_t errsize)
{
	static const char *const keys[] = {"enabled", "max_runs", NULL};
	struct bisect_config *b;
	json_object *value, *v;
	int rc;
	*out = NULL;
	if (!json_object_object_get_ex(root, "bisect", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "\"bisect\" must be an object such as"
						 " {\"enabled\": true, \"max_runs\": 12}");
	if ((rc = config_check_keys(value, keys, "\"bisect\"", err, errsize)))
		return rc;
	if (!(b = calloc(1, sizeof(*b))))
		return config_nomem(err, errsize);
	b->max_runs = BISECT_DEFAULT_MAX_RUNS;
	if (json_object_object_get_ex(value, "enabled", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			free(b);
			return config_fail(err, errsize, "\"bisect\": \"enabled\" must be true or false");
		}
		b->enabled = json_object_get_boolean(v);
		b->enabled_set = true;
	}
	if (json_object_object_get_ex(value, "max_runs", &v) && !json_object_is_type(v, json_type_null)) {
		int64_t n = json_object_get_int64(v);
		if (!json_object_is_type(v, json_type_int) || n < 1 || n > BISECT_MAX_RUNS_LIMIT) {
			free(b);
			return config_fail(err, errsize,
					   "\"bisect\": \"max_runs\" must be an integer from 1 to %d",
					   BISECT_MAX_RUNS_LIMIT);
		}
		b->max_runs = (int)n;
	}
	*out = b;
	return 0;
}

json_object *bisect_config_to_json(const struct bisect_config *b)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	if (b->enabled_set)
		json_object_object_add(o, "enabled", json_object_new_boolean(b->enabled));
	json_object_object_add(o, "max_runs", json_object_new_int(b->max_runs));
	return o;
}

bool bisect_enabled(const struct config *config)
{
	if (config->bisect && config->bisect->enabled_set)
		return config->bisect->enabled;
	return config->compare_confirm;
}

int bisect_max_runs(const struct config *config)
{
	return config->bisect ? config->bisect->max_runs : BISECT_DEFAULT_MAX_RUNS;
}

void bisect_config_free(struct bisect_config *b)
{
	free(b);
}
