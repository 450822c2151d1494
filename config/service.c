/* "service" and "parse" (service.h): each key checked with a message naming
 * it, the copy a benchmark starts from, and the normalised JSON. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "config/service.h"

void service_config_free(struct service_config *service)
{
	if (!service)
		return;
	config_strv_free(service->argv);
	free(service->shell);
	free(service->http_url);
	free(service->http_path);
	free(service->tcp_text);
	free(service);
}

const char *bench_parse_name(enum bench_parse parse)
{
	return parse == BENCH_PARSE_WRK ? "wrk" : NULL;
}

/* A string without an embedded NUL (json-c would cut it short). */
static const char *plain_string(json_object *v)
{
	const char *text;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	text = json_object_get_string(v);
	return strlen(text) == (size_t)json_object_get_string_len(v) ? text : NULL;
}

static int parse_command(struct service_config *svc, json_object *value, bool shell,
			 const char *where, char *err, size_t errsize)
{
	const char *text;
	size_t n;

	if (shell || json_object_is_type(value, json_type_string)) {
		if (!(text = plain_string(value)) || !*text)
			return config_fail(err, errsize, "%s%s\"service\": \"%s\" must be a non-empty"
				    " string (a shell command)", AT(where), shell ? "shell" : "command");
		return (svc->shell = strdup(text)) ? 0 : config_nomem(err, errsize);
	}
	if (!json_object_is_type(value, json_type_array) || (n = json_object_array_length(value)) == 0)
		return config_fail(err, errsize, "%s%s\"service\": \"command\" must be a program and its"
			    " arguments, such as [\"./server\", \"8080\"]", AT(where));
	if (!(svc->argv = calloc(n + 1, sizeof(char *))))
		return config_nomem(err, errsize);
	for (size_t i = 0; i < n; i++) {
		if (!(text = plain_string(json_object_array_get_idx(value, i))) || (i == 0 && !*text))
			return config_fail(err, errsize, "%s%s\"service\": \"command\"[%zu] must be a"
				    " non-empty string", AT(where), i);
		if (!(svc->argv[i] = strdup(text)))
			return config_nomem(err, errsize);
	}
	return 0;
}

/* http://127.0.0.1[:port][/path] or http://localhost...: the probe speaks
 * plain HTTP to the loopback address only (the service runs here). */
static int parse_url(struct service_config *svc, const char *url, const char *where, char *err,
		     size_t errsize)
{
	static const char *const hosts[] = {"http://127.0.0.1", "http://localhost"};
	const char *rest = NULL, *path;
	long port = 80;

	for (size_t i = 0; i < 2 && !rest; i++)
		if (strncmp(url, hosts[i], strlen(hosts[i])) == 0)
			rest = url + strlen(hosts[i]);
	if (rest && *rest == ':') {
		char *end;
		errno = 0;
		port = strtol(rest + 1, &end, 10);
		if (end == rest + 1 || errno)
			rest = NULL;
		else
			rest = end;
	}
	if (!rest || (*rest && *rest != '/') || port < 1 || port > 65535)
		return config_fail(err, errsize, "%s%s\"service\": \"ready\": \"http\" must be a URL such"
			    " as \"http://127.0.0.1:8080/health\" (plain http to 127.0.0.1 or localhost)",
			    AT(where));
	path = *rest ? rest : "/";
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return config_fail(err, errsize, "%s%s\"service\": \"ready\": \"http\": the path"
				    " must not contain spaces or control characters", AT(where));
	svc->port = (int)port;
	if (!(svc->http_url = strdup(url)) || !(svc->http_path = strdup(path)))
		return config_nomem(err, errsize);
	return 0;
}

static int parse_ready(struct service_config *svc, json_object *value, const char *where,
		       char *err, size_t errsize)
{
	static const char *const keys[] = {"tcp", "http", NULL};
	json_object *tcp, *http;
	char at[80];
	int rc;

	snprintf(at, sizeof(at), "%s%s\"service\": \"ready\"", AT(where));
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "%s must be {\"tcp\": PORT} or {\"http\": URL}", at);
	if ((rc = config_check_keys(value, keys, at, err, errsize)))
		return rc;
	json_object_object_get_ex(value, "tcp", &tcp);
	json_object_object_get_ex(value, "http", &http);
	if (!tcp == !http)
		return config_fail(err, errsize, "%s must have one of \"tcp\" or \"http\"", at);
	if (http) {
		const char *url = plain_string(http);
		if (!url)
			return config_fail(err, errsize, "%s: \"http\" must be a URL string", at);
		/* a {param} (the port of a variant's server) is read once substituted */
		if (strchr(url, '{'))
			return (svc->http_url = strdup(url)) ? 0 : config_nomem(err, errsize);
		return parse_url(svc, url, where, err, errsize);
	}
	if (json_object_is_type(tcp, json_type_string)) {
		const char *text = plain_string(tcp);
		if (!text || !strchr(text, '{'))
			return config_fail(err, errsize, "%s: \"tcp\" must be a port number, or a"
				    " parameter such as \"{port}\"", at);
		return (svc->tcp_text = strdup(text)) ? 0 : config_nomem(err, errsize);
	}
	if (!json_object_is_type(tcp, json_type_int) || json_object_get_int64(tcp) < 1 ||
	    json_object_get_int64(tcp) > 65535)
		return config_fail(err, errsize, "%s: \"tcp\" must be a port number from 1 to 65535", at);
	svc->port = (int)json_object_get_int64(tcp);
	return 0;
}

int service_config_resolve(struct service_config *svc, const char *where, const char *name,
			   char *err, size_t errsize)
{
	char at[128], *url, *end;
	long port;
	int rc;

	snprintf(at, sizeof(at), "%s (%.60s)", where, name);
	if (svc->tcp_text) {
		errno = 0;
		port = strtol(svc->tcp_text, &end, 10);
		if (strchr(svc->tcp_text, '{'))
			return config_fail(err, errsize, "%s: \"service\": \"ready\": \"tcp\": \"%.40s\""
				    " names a parameter this benchmark does not have", at, svc->tcp_text);
		if (end == svc->tcp_text || *end || errno || port < 1 || port > 65535)
			return config_fail(err, errsize, "%s: \"service\": \"ready\": \"tcp\" is"
				    " \"%.40s\" with its parameters, not a port number from 1 to 65535",
				    at, svc->tcp_text);
		svc->port = (int)port;
		free(svc->tcp_text);
		svc->tcp_text = NULL;
	}
	if (!svc->http_url || svc->http_path)
		return 0;
	url = svc->http_url;
	svc->http_url = NULL;
	if (strchr(url, '{'))
		rc = config_fail(err, errsize, "%s: \"service\": \"ready\": \"http\": \"%.80s\""
				 " names a parameter this benchmark does not have", at, url);
	else
		rc = parse_url(svc, url, at, err, errsize);
	free(url);
	return rc;
}

static int parse_service(struct service_config **out, json_object *value, const char *where,
			 char *err, size_t errsize)
{
	static const char *const keys[] = {"command", "shell", "ready", "timeout", NULL};
	struct service_config *svc;
	json_object *command, *shell, *ready, *timeout;
	char at[64];
	int rc;

	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "%s%s\"service\" must be an object such as {\"command\":"
			    " [\"./server\"], \"ready\": {\"tcp\": 8080}} or null", AT(where));
	snprintf(at, sizeof(at), "%s%s\"service\"", AT(where));
	if ((rc = config_check_keys(value, keys, at, err, errsize)))
		return rc;
	json_object_object_get_ex(value, "command", &command);
	json_object_object_get_ex(value, "shell", &shell);
	json_object_object_get_ex(value, "ready", &ready);
	if (!command == !shell)
		return config_fail(err, errsize, "%s must have one of \"command\" or \"shell\"", at);
	if (!ready)
		return config_fail(err, errsize, "%s: \"ready\" is missing ({\"tcp\": PORT} or"
			    " {\"http\": URL}: when the measured iterations may start)", at);
	if (!(svc = calloc(1, sizeof(*svc))))
		return config_nomem(err, errsize);
	svc->timeout = SERVICE_DEFAULT_TIMEOUT;
	if ((rc = parse_command(svc, shell ? shell : command, shell != NULL, where, err, errsize)) ||
	    (rc = parse_ready(svc, ready, where, err, errsize)))
		goto fail;
	if (json_object_object_get_ex(value, "timeout", &timeout)) {
		double d = json_object_get_double(timeout);
		if ((!json_object_is_type(timeout, json_type_int) &&
		     !json_object_is_type(timeout, json_type_double)) ||
		    !isfinite(d) || d <= 0 || d > SERVICE_TIMEOUT_MAX) {
			rc = config_fail(err, errsize, "%s: \"timeout\" must be a number of seconds more"
					 " than 0 and at most %g", at, SERVICE_TIMEOUT_MAX);
			goto fail;
		}
		svc->timeout = d;
	}
	*out = svc;
	return 0;
fail:
	service_config_free(svc);
	return rc;
}

int service_config_parse(struct service_config **service, enum bench_parse *parse,
			 json_object *obj, const char *where, char *err, size_t errsize)
{
	struct service_config *svc = NULL;
	json_object *value;
	int rc;

	if (json_object_object_get_ex(obj, "parse", &value)) {
		const char *name = plain_string(value);
		if (json_object_is_type(value, json_type_null) || (name && strcmp(name, "none") == 0))
			*parse = BENCH_PARSE_NONE;
		else if (name && strcmp(name, "wrk") == 0)
			*parse = BENCH_PARSE_WRK;
		else
			return config_fail(err, errsize, "%s%s\"parse\" must be \"wrk\" or null (the"
				    " measured command's output parser)", AT(where));
	}
	if (!json_object_object_get_ex(obj, "service", &value))
		return 0;
	if (!json_object_is_type(value, json_type_null) &&
	    (rc = parse_service(&svc, value, where, err, errsize)))
		return rc;
	service_config_free(*service);
	*service = svc;
	return 0;
}

int service_config_copy(struct service_config **dst, const struct service_config *src)
{
	struct service_config *c;
	size_t n = 0;

	*dst = NULL;
	if (!src)
		return 0;
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	*c = (struct service_config){ .port = src->port, .timeout = src->timeout };
	if (src->argv) {
		while (src->argv[n])
			n++;
		if (!(c->argv = calloc(n + 1, sizeof(char *))))
			goto fail;
		for (size_t i = 0; i < n; i++)
			if (!(c->argv[i] = strdup(src->argv[i])))
				goto fail;
	}
	if ((src->shell && !(c->shell = strdup(src->shell))) ||
	    (src->tcp_text && !(c->tcp_text = strdup(src->tcp_text))) ||
	    (src->http_url && !(c->http_url = strdup(src->http_url))) ||
	    (src->http_path && !(c->http_path = strdup(src->http_path))))
		goto fail;
	*dst = c;
	return 0;
fail:
	service_config_free(c);
	return -ENOMEM;
}

static json_object *service_json(const struct service_config *svc)
{
	json_object *o = json_object_new_object(), *ready = json_object_new_object(), *cmd;
	char text[32];

	if (!o || !ready) {
		json_object_put(o);
		json_object_put(ready);
		return NULL;
	}
	if (svc->shell) {
		json_object_object_add(o, "shell", json_object_new_string(svc->shell));
	} else {
		cmd = json_object_new_array();
		for (char **a = svc->argv; cmd && *a; a++)
			json_object_array_add(cmd, json_object_new_string(*a));
		json_object_object_add(o, "command", cmd);
	}
	if (svc->http_url)
		json_object_object_add(ready, "http", json_object_new_string(svc->http_url));
	else if (svc->tcp_text)
		json_object_object_add(ready, "tcp", json_object_new_string(svc->tcp_text));
	else
		json_object_object_add(ready, "tcp", json_object_new_int(svc->port));
	json_object_object_add(o, "ready", ready);
	/* %.17g reads back as the same double; integral values as integers */
	snprintf(text, sizeof(text), "%.17g", svc->timeout);
	json_object_object_add(o, "timeout", svc->timeout == floor(svc->timeout)
						     ? json_object_new_int64((int64_t)svc->timeout)
						     : json_object_new_double_s(svc->timeout, text));
	return o;
}

void service_settings_to_json(json_object *o, const struct service_config *service,
			      enum bench_parse parse, const struct service_config *inherited,
			      enum bench_parse inherited_parse)
{
	if (service)
		json_object_object_add(o, "service", service_json(service));
	else if (inherited)
		json_object_object_add(o, "service", NULL);
	if (parse != BENCH_PARSE_NONE)
		json_object_object_add(o, "parse", json_object_new_string(bench_parse_name(parse)));
	else if (inherited_parse != BENCH_PARSE_NONE)
		json_object_object_add(o, "parse", NULL);
}
