/* "on_alert": ["/path/to/notify", "arg", ...] (alerts.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "config/alerts.h"
#include "config/internal.h"

void alerts_config_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int alerts_config_parse(char ***out, json_object *root, char *err, size_t errsize)
{
	json_object *value;
	char **argv;
	size_t n;
	*out = NULL;
	if (!json_object_object_get_ex(root, "on_alert", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_array) ||
	    (n = json_object_array_length(value)) == 0 || n > ALERTS_ARGS_MAX)
		return config_fail(err, errsize, "\"on_alert\" must be a command and its arguments,"
						 " such as [\"/usr/local/bin/notify\", \"--channel\","
						 " \"perf\"] (at most %d strings; no shell)",
				   ALERTS_ARGS_MAX);
	if (!(argv = calloc(n + 1, sizeof(*argv))))
		return config_nomem(err, errsize);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(value, i);
		const char *text;
		if (!json_object_is_type(s, json_type_string) ||
		    strlen(text = json_object_get_string(s)) != (size_t)json_object_get_string_len(s)) {
			alerts_config_free(argv);
			return config_fail(err, errsize, "\"on_alert\"[%zu] must be a string", i);
		}
		/* Run without a shell or a search of PATH: the program by its path. */
		if (i == 0 && text[0] != '/') {
			alerts_config_free(argv);
			return config_fail(err, errsize, "\"on_alert\"[0] must be an absolute path"
							 " (the command is run without a shell)");
		}
		if (!(argv[i] = strdup(text))) {
			alerts_config_free(argv);
			return config_nomem(err, errsize);
		}
	}
	*out = argv;
	return 0;
}

json_object *alerts_config_to_json(char *const *argv)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && argv[i]; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	return a;
}
