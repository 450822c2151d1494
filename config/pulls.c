/* "pull_requests": {"remote": "origin", "ref": "refs/pull/{n}/head",
 * "remote_branches": true}. */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "config/pulls.h"

static const struct pulls_config defaults = {
	.remote = PULLS_DEFAULT_REMOTE,
	.ref = PULLS_DEFAULT_REF,
	.remote_branches = true,
};

const struct pulls_config *pulls_or_default(const struct pulls_config *pulls)
{
	return pulls ? pulls : &defaults;
}

void pulls_free(struct pulls_config *pulls)
{
	if (!pulls)
		return;
	free(pulls->remote);
	free(pulls->ref);
	free(pulls);
}

/* A string without control characters, spaces or NUL bytes; NULL if not. */
static const char *plain_string(json_object *v)
{
	const char *text;
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	text = json_object_get_string(v);
	if (!*text || strlen(text) != (size_t)json_object_get_string_len(v))
		return NULL;
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return NULL;
	return text;
}

/* A ref the remote can have: under refs/, "{n}" exactly once, and nothing
 * git's ref names refuse ("..", "~^:?*[\", "@{", a trailing '/' or '.'). */
static bool ref_pattern_valid(const char *ref)
{
	const char *n = strstr(ref, "{n}");
	size_t len = strlen(ref);
	if (strncmp(ref, "refs/", 5) != 0 || !n || strstr(n + 3, "{n}"))
		return false;
	if (strstr(ref, "..") || strstr(ref, "//") || strstr(ref, "@{") || ref[len - 1] == '/' ||
	    ref[len - 1] == '.')
		return false;
	for (const char *c = ref; *c; c++) {
		if (c >= n && c < n + 3)
			continue;
		if (strchr("~^:?*[\\{}", *c))
			return false;
	}
	return true;
}

int pulls_parse(struct pulls_config **out, json_object *root, char *err, size_t errsize)
{
	static const char *const keys[] = {"remote", "ref", "remote_branches", NULL};
	struct pulls_config *p;
	json_object *value, *v;
	const char *remote = PULLS_DEFAULT_REMOTE, *ref = PULLS_DEFAULT_REF;
	int rc;
	*out = NULL;
	if (!json_object_object_get_ex(root, "pull_requests", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "\"pull_requests\" must be an object such as"
			    " {\"remote\": \"origin\", \"ref\": \"refs/pull/{n}/head\"}");
	if ((rc = config_check_keys(value, keys, "\"pull_requests\"", err, errsize)))
		return rc;
	if (json_object_object_get_ex(value, "remote", &v) && !(remote = plain_string(v)))
		return config_fail(err, errsize, "\"pull_requests\": \"remote\" must be the name of a"
			    " remote of the repository or a URL, without spaces");
	if (json_object_object_get_ex(value, "ref", &v) &&
	    (!(ref = plain_string(v)) || !ref_pattern_valid(ref)))
		return config_fail(err, errsize, "\"pull_requests\": \"ref\" must be a ref name under"
			    " refs/ with {n} once for the number, such as \"refs/pull/{n}/head\"");
	if (!(p = calloc(1, sizeof(*p))))
		return config_nomem(err, errsize);
	p->remote_branches = true;
	if (json_object_object_get_ex(value, "remote_branches", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			pulls_free(p);
			return config_fail(err, errsize,
				    "\"pull_requests\": \"remote_branches\" must be true or false");
		}
		p->remote_branches = json_object_get_boolean(v);
	}
	if (!(p->remote = strdup(remote)) || !(p->ref = strdup(ref))) {
		pulls_free(p);
		return config_nomem(err, errsize);
	}
	*out = p;
	return 0;
}

json_object *pulls_to_json(const struct pulls_config *pulls)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "remote", json_object_new_string(pulls->remote));
	json_object_object_add(o, "ref", json_object_new_string(pulls->ref));
	json_object_object_add(o, "remote_branches",
			       json_object_new_boolean(pulls->remote_branches));
	return o;
}
