/* "build_mode" of the configuration (config/build_mode.h). */
#include <json-c/json.h>
#include <string.h>

#include "config/build_mode.h"
#include "config/internal.h"

const char *build_mode_name(enum build_mode mode)
{
	return mode == BUILD_MODE_INCREMENTAL ? "incremental" : "clean";
}

int config_parse_build_mode(enum build_mode *out, struct json_object *root, char *err,
			    size_t errsize)
{
	json_object *value;
	const char *text;
	if (!json_object_object_get_ex(root, "build_mode", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	text = json_object_is_type(value, json_type_string) ? json_object_get_string(value) : "";
	if (strcmp(text, "clean") == 0)
		*out = BUILD_MODE_CLEAN;
	else if (strcmp(text, "incremental") == 0)
		*out = BUILD_MODE_INCREMENTAL;
	else
		return config_fail(err, errsize,
				   "\"build_mode\" must be \"clean\" or \"incremental\"");
	return 0;
}
