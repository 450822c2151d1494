/* A benchmark's "service" and "parse" keys: a server started before its
 * measured iterations (a load generator measures it) and a built-in parser
 * of the measured command's output.
 *
 *   "service": {"command": ["./server", "8080"] or "shell": "./server 8080",
 *               "ready": {"tcp": 8080} or {"http": "http://127.0.0.1:8080/health"},
 *               "timeout": 10}
 *   "parse": "wrk"
 *
 * Either may be given at the top level as every benchmark's default; a
 * level's "service" replaces the one it inherited, null removes it, and
 * "parse": null (or "none") removes a default parser. Without them a
 * configuration reads as it did before. */
#ifndef BENCHFS_CONFIG_SERVICE_H
#define BENCHFS_CONFIG_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#define SERVICE_DEFAULT_TIMEOUT 10.0
#define SERVICE_TIMEOUT_MAX 3600.0

struct json_object;

/* What the measured command's output is turned into. */
enum bench_parse {
	BENCH_PARSE_NONE = 0,
	BENCH_PARSE_WRK, /* wrk's report: requests, latency_p50/p90/p99, errors */
};

struct service_config {
	char **argv;     /* NULL-terminated, executed directly; NULL when shell is set */
	char *shell;     /* run as /bin/sh -c shell; NULL when argv is set */
	int port;        /* ready: the port on 127.0.0.1 that must accept (tcp) or answer (http) */
	char *http_url;  /* ready: the URL as configured; NULL: a TCP connect suffices */
	char *http_path; /* its path ("/" when the URL has none); NULL without http_url, or
			  * while http_url holds a {param} not yet substituted */
	char *tcp_text;  /* ready: "tcp" given as text ("{port}"): port is 0 until
			  * service_config_resolve reads it, after substitution */
	double timeout;  /* seconds the service has to become ready */
};

/* The "service" and "parse" keys of one level (obj) over what it inherited
 * (*service, *parse; *service is replaced or freed). where names the level
 * ("" at top level, "benchmarks[3]"). 0, or -EINVAL or -ENOMEM with a
 * one-line message naming the key in err. */
int service_config_parse(struct service_config **service, enum bench_parse *parse,
			 struct json_object *obj, const char *where, char *err, size_t errsize);
/* After a benchmark's {param} substitution: its ready port or URL read as
 * they are now ("tcp": "{port}" becomes a port number). where and name name
 * the benchmark in the message. 0, or -EINVAL or -ENOMEM with a one-line
 * message in err. */
int service_config_resolve(struct service_config *svc, const char *where, const char *name,
			   char *err, size_t errsize);
/* A deep copy of src (NULL stays NULL) into *dst. 0 or -ENOMEM. */
int service_config_copy(struct service_config **dst, const struct service_config *src);
/* Adds "service" and "parse" to o (a level of config_to_json) as
 * service_config_parse reads them back: set ones always, unset ones as
 * null when inherited (the defaults' level, NULL at the top) has them. */
void service_settings_to_json(struct json_object *o, const struct service_config *service,
			      enum bench_parse parse, const struct service_config *inherited,
			      enum bench_parse inherited_parse);
/* "wrk", or NULL for none. */
const char *bench_parse_name(enum bench_parse parse);
void service_config_free(struct service_config *service);

#endif
