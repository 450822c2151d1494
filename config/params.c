/* "parameters": parsing the value lists and expanding a benchmark into one
 * per combination (name[k=v,...], {k} substituted in its commands). */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/internal.h"
#include "config/service.h"
#include "util/array.h"
#include "util/strbuf.h"

#define PARAMS_MAX 16
#define PARAM_NAME_MAX 32
#define PARAM_VALUES_MAX 1000
#define BENCHMARKS_MAX 1000 /* after expansion */

static bool param_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > PARAM_NAME_MAX || (*name >= '0' && *name <= '9'))
		return false;
	for (const char *c = name; *c; c++)
		if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9')))
			return false;
	return true;
}

/* A value becomes part of the benchmark's name, so the name's rules apply
 * (no ':' among them), and it must not break the "[k=v,...]" suffix or form
 * another {placeholder}. */
static bool param_value_valid(const char *value)
{
	if (*value == '\0' || strlen(value) > CONFIG_NAME_MAX)
		return false;
	for (const char *c = value; *c; c++)
		if (*c <= ' ' || *c > '~' || strchr("/\\,=[]{}:", *c))
			return false;
	return true;
}

/* "parameters": {"size": ["1k", "10k"], "threads": [1, 2]}; null or {} is none. */
int config_parse_params(struct config_param **out, size_t *nout, json_object *value,
			const char *where, char *err, size_t errsize)
{
	struct config_param *params = NULL;
	size_t n = 0;
	int result;
	*out = NULL;
	*nout = 0;
	if (json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize,
			    "%s%s\"parameters\" must be an object such as {\"size\": [\"1k\", \"10k\"]}",
			    AT(where));
	if (json_object_object_length(value) > PARAMS_MAX)
		return config_fail(err, errsize, "%s%s\"parameters\": at most %d parameters", AT(where),
			    PARAMS_MAX);
	if (!(params = calloc((size_t)json_object_object_length(value) + 1, sizeof(*params))))
		return config_nomem(err, errsize);
	json_object_object_foreach(value, key, list) {
		struct config_param *p = &params[n++];
		size_t nv;
		if (!param_name_valid(key)) {
			result = config_fail(err, errsize,
			     "%s%s\"parameters\": the name \"%.40s\" must be 1 to %d letters, digits"
			     " or underscores, not starting with a digit",
			     AT(where), key, PARAM_NAME_MAX);
			goto done;
		}
		if (!(p->name = strdup(key))) {
			result = config_nomem(err, errsize);
			goto done;
		}
		if (!json_object_is_type(list, json_type_array) ||
		    (nv = json_object_array_length(list)) == 0 || nv > PARAM_VALUES_MAX) {
			result = config_fail(err, errsize,
			     "%s%s\"parameters\": \"%s\" must be an array of 1 to %d values",
			     AT(where), key, PARAM_VALUES_MAX);
			goto done;
		}
		if (!(p->values = calloc(nv, sizeof(char *)))) {
			result = config_nomem(err, errsize);
			goto done;
		}
		for (size_t i = 0; i < nv; i++) {
			json_object *v = json_object_array_get_idx(list, i);
			char text[32];
			const char *s = text;
			if (json_object_is_type(v, json_type_int))
				snprintf(text, sizeof(text), "%lld", (long long)json_object_get_int64(v));
			else if (json_object_is_type(v, json_type_string))
				s = json_object_get_string(v);
			else {
				result = config_fail(err, errsize,
				     "%s%s\"parameters\": \"%s\"[%zu] must be a string or an integer",
				     AT(where), key, i);
				goto done;
			}
			if (!param_value_valid(s) ||
			    (s != text && strlen(s) != (size_t)json_object_get_string_len(v))) {
				result = config_fail(err, errsize,
				     "%s%s\"parameters\": \"%s\"[%zu] must be 1 to %d printable"
				     " characters without spaces or any of / \\ , = [ ] { } :",
				     AT(where), key, i, CONFIG_NAME_MAX);
				goto done;
			}
			for (size_t k = 0; k < i; k++)
				if (strcmp(p->values[k], s) == 0) {
					result = config_fail(err, errsize,
					     "%s%s\"parameters\": \"%s\" lists \"%s\" twice", AT(where),
					     key, s);
					goto done;
				}
			if (!(p->values[i] = strdup(s))) {
				result = config_nomem(err, errsize);
				goto done;
			}
			p->nvalues = i + 1;
		}
	}
	*out = params;
	*nout = n;
	params = NULL;
	result = 0;
done:
	config_params_free(params, n);
	return result;
}

/* text with every {name} of params replaced by its value; NULL stays NULL.
 * 0 or -ENOMEM (text unchanged). */
static int substitute(char **text, const struct bench_param *params, size_t n)
{
	struct strbuf out = STRBUF_INIT;
	char *src = *text, *done;
	if (!src || n == 0)
		return 0;
	for (const char *c = src; *c;) {
		bool replaced = false;
		for (size_t i = 0; *c == '{' && i < n && !replaced; i++) {
			size_t nl = strlen(params[i].name);
			if (strncmp(c + 1, params[i].name, nl) == 0 && c[1 + nl] == '}') {
				strbuf_addstr(&out, params[i].value);
				c += nl + 2;
				replaced = true;
			}
		}
		if (!replaced)
			strbuf_addch(&out, *c++);
	}
	if (!(done = strbuf_detach(&out, NULL)))
		return -ENOMEM;
	free(src);
	*text = done;
	return 0;
}

/* substitute() on every string of v (NULL-terminated; NULL is none). */
static int substitute_strv(char **v, const struct bench_param *params, size_t n)
{
	for (char **a = v; a && *a; a++)
		if (substitute(a, params, n))
			return -ENOMEM;
	return 0;
}

static char **strv_dup(char *const *v)
{
	size_t n = 0;
	char **copy;
	while (v[n])
		n++;
	if (!(copy = calloc(n + 1, sizeof(char *))))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(v[i]))) {
			config_strv_free(copy);
			return NULL;
		}
	return copy;
}

/* "base[k1=v1,k2=v2]"; NULL when out of memory. */
static char *expanded_name(const char *base, const struct bench_param *params, size_t n)
{
	struct strbuf name = STRBUF_INIT;
	strbuf_addstr(&name, base);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&name, "%c%s=%s", i ? ',' : '[', params[i].name, params[i].value);
	if (n > 0)
		strbuf_addch(&name, ']');
	return strbuf_detach(&name, NULL);
}

/* One entry of config->benchmarks from the prototype and one combination of
 * parameter values (idx[i] indexes lists[i].values). 0 or -ENOMEM: nothing
 * else can fail. */
static int instantiate(struct bench_config *b, const struct bench_config *proto,
		       const struct config_param *lists, size_t nlists, const size_t *idx)
{
	if (config_settings_copy(b, proto) || !(b->base_name = strdup(proto->name)))
		return -ENOMEM;
	if (proto->shell ? !(b->shell = strdup(proto->shell)) : !(b->argv = strv_dup(proto->argv)))
		return -ENOMEM;
	if (nlists > 0 && !(b->params = calloc(nlists, sizeof(*b->params))))
		return -ENOMEM;
	for (size_t i = 0; i < nlists; i++) {
		b->params[i].name = strdup(lists[i].name);
		b->params[i].value = strdup(lists[i].values[idx[i]]);
		b->nparams = i + 1;
		if (!b->params[i].name || !b->params[i].value)
			return -ENOMEM;
	}
	if (!(b->name = expanded_name(b->base_name, b->params, b->nparams)))
		return -ENOMEM;
	if (substitute(&b->shell, b->params, b->nparams) ||
	    substitute(&b->prepare, b->params, b->nparams) ||
	    substitute(&b->conclude, b->params, b->nparams) ||
	    substitute(&b->setup, b->params, b->nparams) ||
	    substitute(&b->cleanup, b->params, b->nparams))
		return -ENOMEM;
	if (substitute_strv(b->argv, b->params, b->nparams))
		return -ENOMEM;
	/* Each variant's service is its own: a server started with {threads}
	 * or on {port} must get this variant's value, and so must its ready
	 * probe ("tcp": "{port}", or a URL: service_config_resolve reads them
	 * once substituted). */
	if (b->service && (substitute(&b->service->shell, b->params, b->nparams) ||
			   substitute_strv(b->service->argv, b->params, b->nparams) ||
			   substitute(&b->service->http_url, b->params, b->nparams) ||
			   substitute(&b->service->tcp_text, b->params, b->nparams)))
		return -ENOMEM;
	return 0;
}

/* One benchmark per combination of the lists' values, the first parameter
 * varying slowest. */
int config_expand(struct config *config, const struct bench_config *proto,
		  const struct config_param *lists, size_t nlists, const char *where, char *err,
		  size_t errsize)
{
	size_t idx[PARAMS_MAX] = {0};
	int rc;
	for (;;) {
		struct bench_config *b;
		size_t i;
		if (config->nbenchmarks >= BENCHMARKS_MAX)
			return config_fail(err, errsize, "%s: more than %d benchmarks after expanding"
				    " \"parameters\"", where, BENCHMARKS_MAX);
		if (REALLOC_ARRAY(config->benchmarks, config->nbenchmarks + 1))
			return config_nomem(err, errsize);
		b = &config->benchmarks[config->nbenchmarks++]; /* so config_free sees it */
		memset(b, 0, sizeof(*b));
		if (instantiate(b, proto, lists, nlists, idx))
			return config_nomem(err, errsize);
		if (b->service && (rc = service_config_resolve(b->service, where, b->name, err,
							       errsize)))
			return rc;
		if (!config_name_valid(b->name))
			return config_fail(err, errsize,
				    "%s: the name \"%.60s...\" with its parameters is longer than %d"
				    " characters", where, b->name, CONFIG_NAME_MAX);
		for (size_t k = 0; k + 1 < config->nbenchmarks; k++)
			if (strcmp(config->benchmarks[k].name, b->name) == 0)
				return config_fail(err, errsize, "%s: the name \"%s\" is used twice", where,
					    b->name);
		for (i = nlists; i > 0; i--) {
			if (++idx[i - 1] < lists[i - 1].nvalues)
				break;
			idx[i - 1] = 0;
		}
		if (i == 0)
			return 0;
	}
}

