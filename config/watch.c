/* "watch" (watch.h): parsed and validated here, one-line messages naming the
 * key. */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "config/watch.h"

/* A week: a longer "every" is a typo, or "at" in disguise. */
#define WATCH_EVERY_MAX_S (7 * 24 * 3600)
#define WATCH_COUNT_MAX 1000

void watch_config_free(struct watch_config *w)
{
	if (!w)
		return;
	free(w->remote);
	for (size_t i = 0; i < w->nbranches; i++)
		free(w->branches[i]);
	free(w->branches);
	free(w);
}

/* A URL's user information with a password in it ("https://u:p@host/"):
 * paths and scp-like user@host:path have none. */
static bool url_has_password(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *auth, *end, *at = NULL;
	if (!scheme)
		return false;
	auth = scheme + 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	return at && memchr(auth, ':', (size_t)(at - auth)) != NULL;
}

static bool printable(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x21 || *c == 0x7f)
			return false;
	return *s != '\0';
}

/* What git accepts as a branch name, less what a refspec would misread: no
 * "..", "@{", a leading '-' or '/', a trailing '/' or ".lock", none of
 * ~^:?*[\ and no control character or space. */
static bool branch_valid(const char *name)
{
	size_t len = strlen(name);
	if (!printable(name) || name[0] == '-' || name[0] == '/' || name[len - 1] == '/' ||
	    name[len - 1] == '.' || strstr(name, "..") || strstr(name, "@{") || strstr(name, "//") ||
	    (len >= 5 && strcmp(name + len - 5, ".lock") == 0) || strcmp(name, "@") == 0 ||
	    strncmp(name, "refs/", 5) == 0 || strpbrk(name, "~^:?*[\\"))
		return false;
	return true;
}

static const char *string_of(json_object *v)
{
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return NULL;
	return json_object_get_string(v);
}

/* "30s", "30m", "2h": seconds, or -1. */
static int64_t parse_every(const char *text)
{
	char *end;
	long long n;
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno || end[0] == '\0' || end[1] != '\0' || n <= 0 || n > WATCH_EVERY_MAX_S)
		return -1;
	switch (end[0]) {
	case 's': return n;
	case 'm': return n <= WATCH_EVERY_MAX_S / 60 ? n * 60 : -1;
	case 'h': return n <= WATCH_EVERY_MAX_S / 3600 ? n * 3600 : -1;
	default: return -1;
	}
}

/* "02:00": minutes after midnight, or -1. */
static int parse_at(const char *text)
{
	int h, m;
	char tail;
	if (strlen(text) != 5 || text[2] != ':' || sscanf(text, "%2d:%2d%c", &h, &m, &tail) != 2 ||
	    text[0] < '0' || text[0] > '2' || text[3] < '0' || text[3] > '5' || h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

static int parse_count(int *out, json_object *obj, const char *key, char *err, size_t errsize)
{
	json_object *v;
	int64_t n;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < 1 || n > WATCH_COUNT_MAX)
		return config_fail(err, errsize, "\"watch\": \"%s\" must be an integer from 1 to %d",
				   key, WATCH_COUNT_MAX);
	*out = (int)n;
	return 0;
}

static int parse_branches(struct watch_config *w, json_object *obj, char *err, size_t errsize)
{
	json_object *v;
	size_t n;
	if (!json_object_object_get_ex(obj, "branches", &v) || json_object_is_type(v, json_type_null))
		return config_fail(err, errsize, "\"watch\": \"branches\" is missing: name the"
						 " branches to watch, such as [\"main\"]");
	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) == 0)
		return config_fail(err, errsize, "\"watch\": \"branches\" must be a non-empty array"
						 " of branch names");
	if (!(w->branches = calloc(n, sizeof(*w->branches))))
		return config_nomem(err, errsize);
	for (size_t i = 0; i < n; i++) {
		const char *name = string_of(json_object_array_get_idx(v, i));
		if (!name || !branch_valid(name))
			return config_fail(err, errsize, "\"watch\": \"branches\"[%zu] must be a branch"
							 " name such as \"main\"", i);
		for (size_t k = 0; k < i; k++)
			if (strcmp(w->branches[k], name) == 0)
				return config_fail(err, errsize, "\"watch\": \"branches\" names %s twice",
						   name);
		if (!(w->branches[i] = strdup(name)))
			return config_nomem(err, errsize);
		w->nbranches = i + 1;
	}
	return 0;
}

static int parse_remote(struct watch_config *w, json_object *obj, char *err, size_t errsize)
{
	json_object *v;
	const char *remote = WATCH_DEFAULT_REMOTE;
	if (json_object_object_get_ex(obj, "remote", &v) && !json_object_is_type(v, json_type_null)) {
		remote = string_of(v);
		if (!remote || !printable(remote) || remote[0] == '-')
			return config_fail(err, errsize, "\"watch\": \"remote\" must be the name of a"
							 " remote of the repository or a URL");
		if (url_has_password(remote))
			return config_fail(err, errsize, "\"watch\": \"remote\" holds a password: keep"
							 " it in the repository's remote configuration, an ssh"
							 " key or agent, not in the benchfs configuration");
	}
	return (w->remote = strdup(remote)) ? 0 : config_nomem(err, errsize);
}

static int parse_when(struct watch_config *w, json_object *obj, char *err, size_t errsize)
{
	json_object *every = NULL, *at = NULL;
	const char *text;
	bool has_every = json_object_object_get_ex(obj, "every", &every) &&
			 !json_object_is_type(every, json_type_null);
	bool has_at = json_object_object_get_ex(obj, "at", &at) &&
		      !json_object_is_type(at, json_type_null);
	if (has_every == has_at)
		return config_fail(err, errsize, "\"watch\" needs exactly one of \"every\" (such as"
						 " \"30m\") and \"at\" (a daily time such as \"02:00\")");
	w->at_minute = -1;
	if (has_every) {
		if (!(text = string_of(every)) || (w->every_s = parse_every(text)) < 0)
			return config_fail(err, errsize, "\"watch\": \"every\" must be a number and a"
							 " unit s, m or h, such as \"30m\", of at most 7 days");
		return 0;
	}
	if (!(text = string_of(at)) || (w->at_minute = parse_at(text)) < 0)
		return config_fail(err, errsize, "\"watch\": \"at\" must be a local time HH:MM,"
						 " such as \"02:00\"");
	return 0;
}

int watch_config_parse(struct watch_config **out, json_object *root, char *err, size_t errsize)
{
	static const char *const keys[] = {"remote", "branches", "every", "at", "max_per_fetch",
					   "every_nth", NULL};
	struct watch_config *w;
	json_object *value;
	int rc;
	*out = NULL;
	if (!json_object_object_get_ex(root, "watch", &value) ||
	    json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "\"watch\" must be an object such as {\"remote\":"
						 " \"origin\", \"branches\": [\"main\"], \"every\": \"30m\"}");
	if ((rc = config_check_keys(value, keys, "\"watch\"", err, errsize)))
		return rc;
	if (!(w = calloc(1, sizeof(*w))))
		return config_nomem(err, errsize);
	w->max_per_fetch = WATCH_DEFAULT_MAX_PER_FETCH;
	w->every_nth = WATCH_DEFAULT_EVERY_NTH;
	if ((rc = parse_remote(w, value, err, errsize)) ||
	    (rc = parse_branches(w, value, err, errsize)) ||
	    (rc = parse_when(w, value, err, errsize)) ||
	    (rc = parse_count(&w->max_per_fetch, value, "max_per_fetch", err, errsize)) ||
	    (rc = parse_count(&w->every_nth, value, "every_nth", err, errsize))) {
		watch_config_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

json_object *watch_config_to_json(const struct watch_config *w)
{
	json_object *o = json_object_new_object(), *branches = json_object_new_array();
	char text[32];
	if (!o || !branches) {
		json_object_put(o);
		json_object_put(branches);
		return NULL;
	}
	json_object_object_add(o, "remote", json_object_new_string(w->remote));
	for (size_t i = 0; i < w->nbranches; i++)
		json_object_array_add(branches, json_object_new_string(w->branches[i]));
	json_object_object_add(o, "branches", branches);
	if (w->at_minute >= 0) {
		snprintf(text, sizeof(text), "%02d:%02d", w->at_minute / 60, w->at_minute % 60);
		json_object_object_add(o, "at", json_object_new_string(text));
	} else {
		snprintf(text, sizeof(text), "%llds", (long long)w->every_s);
		json_object_object_add(o, "every", json_object_new_string(text));
	}
	json_object_object_add(o, "max_per_fetch", json_object_new_int(w->max_per_fetch));
	json_object_object_add(o, "every_nth", json_object_new_int(w->every_nth));
	return o;
}
