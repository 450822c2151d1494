/* A level's settings: the per-benchmark keys, which the top level may also
 * give as defaults (see config.c), each checked for its type, range and
 * unit (counts, seconds, commands, CPUs, profiles, metrics) with a message
 * naming the key; and the copy of them a benchmark starts from. Private
 * declarations: config/internal.h. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/internal.h"
#include "config/profiling.h"
#include "config/metrics.h"
#include "config/slo_metrics.h"
#include "util/cpuset.h"
#include "util/runid.h"

#define RUNS_MAX 100000
#define WARMUP_MAX 10000
#define TIMEOUT_MAX 86400.0
#define FREQUENCY_MAX 100000
/* A baseline's name, as queue/ pins them: 1 to 63 of A-Z a-z 0-9 . _ - */
#define BASELINE_NAME_MAX 63

static bool key_allowed(const char *key, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(key, *allowed) == 0)
			return true;
	return false;
}

/* where is "" at top level or "benchmarks[3]" inside a benchmark. */
int config_check_keys(json_object *obj, const char *const *allowed, const char *where, char *err,
		      size_t errsize)
{
	json_object_object_foreach(obj, key, value) {
		(void)value;
		if (!key_allowed(key, allowed))
			return config_fail(err, errsize, "%s%sunknown key \"%s\"", AT(where), key);
	}
	return 0;
}

static int get_int(int *out, json_object *obj, const char *key, int min, int max,
		   const char *where, char *err, size_t errsize)
{
	json_object *value;
	int64_t v;
	if (!json_object_object_get_ex(obj, key, &value))
		return 0;
	if (!json_object_is_type(value, json_type_int))
		return config_fail(err, errsize, "%s%s\"%s\" must be an integer", AT(where), key);
	errno = 0;
	v = json_object_get_int64(value);
	if (errno || v < min || v > max)
		return config_fail(err, errsize, "%s%s\"%s\" must be from %d to %d", AT(where), key, min,
			    max);
	*out = (int)v;
	return 0;
}

static int get_seconds(double *out, json_object *obj, const char *key, const char *where, char *err,
		       size_t errsize)
{
	json_object *value;
	double v;
	if (!json_object_object_get_ex(obj, key, &value))
		return 0;
	if (!json_object_is_type(value, json_type_int) && !json_object_is_type(value, json_type_double))
		return config_fail(err, errsize, "%s%s\"%s\" must be a number of seconds", AT(where), key);
	v = json_object_get_double(value);
	if (!isfinite(v) || v <= 0 || v > TIMEOUT_MAX)
		return config_fail(err, errsize, "%s%s\"%s\" must be more than 0 and at most %g seconds",
			    AT(where), key, TIMEOUT_MAX);
	*out = v;
	return 0;
}

static int get_bool(bool *out, json_object *obj, const char *key, const char *where, char *err,
		    size_t errsize)
{
	json_object *value;
	if (!json_object_object_get_ex(obj, key, &value))
		return 0;
	if (!json_object_is_type(value, json_type_boolean))
		return config_fail(err, errsize, "%s%s\"%s\" must be true or false", AT(where), key);
	*out = json_object_get_boolean(value);
	return 0;
}

/* A shell command, or null / "" for none (which overrides a default). */
static int get_command_string(char **out, json_object *obj, const char *key, const char *where,
			      char *err, size_t errsize)
{
	json_object *value;
	const char *text;
	if (!json_object_object_get_ex(obj, key, &value))
		return 0;
	if (!json_object_is_type(value, json_type_null) && !json_object_is_type(value, json_type_string))
		return config_fail(err, errsize, "%s%s\"%s\" must be a string (a shell command) or null",
			    AT(where), key);
	text = json_object_is_type(value, json_type_string) ? json_object_get_string(value) : "";
	if (strlen(text) != (size_t)json_object_get_string_len(value))
		return config_fail(err, errsize, "%s%s\"%s\" contains a NUL byte", AT(where), key);
	free(*out);
	*out = NULL;
	if (*text && !(*out = strdup(text)))
		return config_nomem(err, errsize);
	return 0;
}

/* A benchmark name becomes a file name (history/<name>.csv) and a log tag.
 * No ':': history/<bench>:<metric> uses it to name a benchmark's metric, so
 * a benchmark "a:cpu" would be benchmark a's cpu history. */
bool config_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > CONFIG_NAME_MAX || name[0] == '.')
		return false;
	for (const char *c = name; *c; c++)
		if (*c <= ' ' || *c > '~' || *c == '/' || *c == '\\' || *c == ':')
			return false;
	return true;
}

/* "runs" (a fixed count) or "min_runs"/"max_runs"/"min_time" (an adaptive
 * one); a level that sets neither keeps what it inherited. */
static int parse_count(struct bench_config *b, json_object *obj, const char *where, char *err,
		       size_t errsize)
{
	bool fixed = json_object_object_get_ex(obj, "runs", NULL);
	bool adaptive = json_object_object_get_ex(obj, "min_runs", NULL) ||
			json_object_object_get_ex(obj, "max_runs", NULL) ||
			json_object_object_get_ex(obj, "min_time", NULL);
	int rc;
	if (fixed && adaptive)
		return config_fail(err, errsize,
			    "%s%s\"runs\" (a fixed count) and \"min_runs\", \"max_runs\" or"
			    " \"min_time\" (an adaptive count) exclude each other",
			    AT(where));
	if (fixed) {
		if ((rc = get_int(&b->runs, obj, "runs", 1, RUNS_MAX, where, err, errsize)))
			return rc;
		b->min_runs = b->max_runs = b->runs;
		b->min_time = 0;
		return 0;
	}
	if (!adaptive)
		return 0;
	if (b->min_time <= 0) { /* switching from a fixed count: hyperfine's defaults */
		b->min_time = CONFIG_DEFAULT_MIN_TIME;
		b->min_runs = CONFIG_DEFAULT_MIN_RUNS;
		b->max_runs = RUNS_MAX;
	}
	if ((rc = get_int(&b->min_runs, obj, "min_runs", 1, RUNS_MAX, where, err, errsize)) ||
	    (rc = get_int(&b->max_runs, obj, "max_runs", 1, RUNS_MAX, where, err, errsize)) ||
	    (rc = get_seconds(&b->min_time, obj, "min_time", where, err, errsize)))
		return rc;
	if (b->min_runs > b->max_runs)
		return config_fail(err, errsize, "%s%s\"min_runs\" (%d) is more than \"max_runs\" (%d)",
			    AT(where), b->min_runs, b->max_runs);
	b->runs = b->min_runs;
	return 0;
}

static int parse_output(struct bench_config *b, json_object *obj, const char *where, char *err,
			size_t errsize)
{
	json_object *value;
	const char *text;
	if (!json_object_object_get_ex(obj, "output", &value))
		return 0;
	text = json_object_is_type(value, json_type_string) ? json_object_get_string(value) : "";
	if (strcmp(text, "log") && strcmp(text, "discard"))
		return config_fail(err, errsize, "%s%s\"output\" must be \"log\" or \"discard\"", AT(where));
	b->output_discard = strcmp(text, "discard") == 0;
	return 0;
}

/* "category": a short name, one line; null removes an inherited one. */
static int parse_category(struct bench_config *b, json_object *obj, const char *where, char *err,
			  size_t errsize)
{
	json_object *value;
	const char *text;
	if (!json_object_object_get_ex(obj, "category", &value))
		return 0;
	free(b->category);
	b->category = NULL;
	if (!value)
		return 0;
	text = json_object_is_type(value, json_type_string) ? json_object_get_string(value) : "";
	if (!*text || strlen(text) > 63 || strpbrk(text, "\t\n\r"))
		return config_fail(err, errsize,
				   "%s%s\"category\" must be a string of 1 to 63 bytes on one line",
				   AT(where));
	return (b->category = strdup(text)) ? 0 : -ENOMEM;
}

/* Benchmarks can only be pinned where the daemon itself may run (its
 * affinity from before any cpus_avoid: util/cpuset.h). */
static int parse_cpus(struct bench_config *b, json_object *obj, const char *where, char *err,
		      size_t errsize)
{
	json_object *value;
	cpu_set_t allowed;
	size_t n;
	int rc;
	if (!json_object_object_get_ex(obj, "cpus", &value))
		return 0;
	free(b->cpus);
	b->cpus = NULL;
	b->ncpus = 0;
	if (json_object_is_type(value, json_type_null))
		return 0;
	if (!json_object_is_type(value, json_type_array))
		return config_fail(err, errsize, "%s%s\"cpus\" must be an array of CPU numbers", AT(where));
	if ((n = json_object_array_length(value)) == 0)
		return 0;
	CPU_ZERO(&allowed);
	if ((rc = cpuset_allowed(&allowed, sizeof(allowed))))
		return config_fail(err, errsize, "%s%s\"cpus\": cannot read the CPU affinity: %s",
			    AT(where), strerror(-rc));
	if (!(b->cpus = calloc(n, sizeof(int))))
		return config_nomem(err, errsize);
	for (size_t i = 0; i < n; i++) {
		json_object *cpu = json_object_array_get_idx(value, i);
		int64_t v = json_object_get_int64(cpu);
		if (!json_object_is_type(cpu, json_type_int) || v < 0 || v >= CPU_SETSIZE)
			return config_fail(err, errsize, "%s%s\"cpus\"[%zu] must be a CPU number from 0 to %d",
				    AT(where), i, CPU_SETSIZE - 1);
		if (!CPU_ISSET((int)v, &allowed))
			return config_fail(err, errsize,
				    "%s%s\"cpus\": CPU %d is not available to benchfs (its affinity"
				    " allows %d CPUs)",
				    AT(where), (int)v, CPU_COUNT(&allowed));
		for (size_t k = 0; k < b->ncpus; k++)
			if (b->cpus[k] == (int)v)
				return config_fail(err, errsize, "%s%s\"cpus\": CPU %d is listed twice",
					    AT(where), (int)v);
		b->cpus[b->ncpus++] = (int)v;
	}
	return 0;
}

static int parse_profile(struct bench_config *b, json_object *obj, const char *where, char *err,
			 size_t errsize)
{
	static const char *const keys[] = {"perf", "frequency", "command", NULL};
	json_object *value;
	char inner[160];
	int rc;
	if (!json_object_object_get_ex(obj, "profile", &value))
		return 0;
	b->perf = false;
	b->perf_frequency = CONFIG_DEFAULT_PERF_FREQUENCY;
	if (json_object_is_type(value, json_type_null))
		return 0;
	snprintf(inner, sizeof(inner), "%s%s\"profile\"", AT(where));
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "%s must be an object such as {\"perf\": true}", inner);
	if ((rc = config_check_keys(value, keys, inner, err, errsize)) ||
	    (rc = get_bool(&b->perf, value, "perf", inner, err, errsize)) ||
	    (rc = get_int(&b->perf_frequency, value, "frequency", 1, FREQUENCY_MAX, inner, err,
			  errsize)) ||
	    (rc = profiling_parse_command(b, value, inner, err, errsize)))
		return rc;
	return 0;
}

/* A duration: a number of seconds, or a string of a number and its unit
 * ("12ms", "1.5 s", "250us", "250µs", "900ns"). Decimal only: strtod would
 * also take hex, "inf" and "nan". */
static int parse_duration(double *out, json_object *value, const char *what, char *err,
			  size_t errsize)
{
	static const struct {
		const char *unit;
		double per_second;
	} units[] = {{"ns", 1e9}, {"us", 1e6}, {"\xc2\xb5s", 1e6}, {"ms", 1e3}, {"s", 1}};
	const char *text;
	char *end;
	double v = NAN;
	if (json_object_is_type(value, json_type_int) || json_object_is_type(value, json_type_double)) {
		v = json_object_get_double(value);
	} else if (json_object_is_type(value, json_type_string)) {
		bool unit = false;
		text = json_object_get_string(value);
		if (*text >= '0' && *text <= '9' && !strpbrk(text, "xX")) {
			v = strtod(text, &end);
			while (*end == ' ')
				end++;
			for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !unit; i++)
				if (strcmp(end, units[i].unit) == 0) {
					/* a division keeps "12ms" the double 0.012 reads as */
					v /= units[i].per_second;
					unit = true;
				}
		}
		if (!unit)
			v = NAN;
	} else {
		return config_fail(err, errsize, "%s must be a duration such as \"12ms\" or a number"
			    " of seconds", what);
	}
	if (!isfinite(v) || v <= 0 || v > TIMEOUT_MAX)
		return config_fail(err, errsize, "%s must be a duration more than 0 and at most %g"
			    " seconds, a number of seconds or a string such as \"12ms\" (units ns, us,"
			    " \xc2\xb5s, ms, s)", what, TIMEOUT_MAX);
	*out = v;
	return 0;
}

static bool baseline_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > BASELINE_NAME_MAX || name[0] == '.' || runid_name_reserved(name))
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return false;
	return true;
}

/* "slo": {"max": "12ms", "statistic": "mean"} (a ceiling) and/or
 * {"baseline": "release", "tolerance": 0.05} (a band); null: none. A level's
 * "slo" replaces what it inherited as a whole, so a benchmark never mixes its
 * own band with a default's ceiling without saying so. */
static int parse_slo(struct bench_config *b, json_object *obj, const char *where, char *err,
		     size_t errsize)
{
	static const char *const keys[] = {"max", "statistic", "baseline", "tolerance", "min",
					   "metrics", NULL};
	json_object *value, *v;
	struct bench_slo slo = {0};
	char inner[160], what[200];
	int rc;
	if (!json_object_object_get_ex(obj, "slo", &value))
		return 0;
	free(b->slo.baseline);
	config_slo_metrics_clear(&b->slo);
	memset(&b->slo, 0, sizeof(b->slo));
	if (json_object_is_type(value, json_type_null))
		return 0;
	snprintf(inner, sizeof(inner), "%s%s\"slo\"", AT(where));
	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "%s must be an object such as {\"max\": \"12ms\"} or"
			    " {\"baseline\": \"release\", \"tolerance\": 0.05}", inner);
	if ((rc = config_check_keys(value, keys, inner, err, errsize)))
		return rc;
	if (json_object_object_get_ex(value, "min", NULL))
		return config_fail(err, errsize, "%s: \"min\" (a floor) bounds no wall time, where"
			    " smaller is better: use \"max\", or a floor on a metric in"
			    " {\"metrics\": {\"throughput\": {\"min\": 100}}}", inner);
	if (json_object_object_get_ex(value, "max", &v)) {
		snprintf(what, sizeof(what), "%s: \"max\"", inner);
		if ((rc = parse_duration(&slo.max, v, what, err, errsize)))
			return rc;
	}
	if (json_object_object_get_ex(value, "statistic", &v)) {
		const char *text = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
									    : "";
		if (strcmp(text, "mean") && strcmp(text, "median"))
			return config_fail(err, errsize, "%s: \"statistic\" must be \"mean\" or"
				    " \"median\"", inner);
		if (slo.max == 0)
			return config_fail(err, errsize, "%s: \"statistic\" applies to \"max\", which is"
				    " missing", inner);
		slo.median = strcmp(text, "median") == 0;
	}
	if (json_object_object_get_ex(value, "tolerance", &v)) {
		double d = json_object_get_double(v);
		if ((!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) ||
		    !(d >= 0 && d < 1))
			return config_fail(err, errsize, "%s: \"tolerance\" must be a number from 0 to less"
				    " than 1 (0.05: at most 5%% slower than the baseline)", inner);
		slo.tolerance = d;
		if (!json_object_object_get_ex(value, "baseline", NULL))
			return config_fail(err, errsize, "%s: \"tolerance\" needs \"baseline\", the pinned"
				    " baseline it is relative to", inner);
	}
	if (json_object_object_get_ex(value, "baseline", &v)) {
		const char *text = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
									    : "";
		if (strlen(text) != (size_t)json_object_get_string_len(v) || !baseline_name_valid(text))
			return config_fail(err, errsize, "%s: \"baseline\" must be a baseline's name: 1 to"
				    " %d of A-Z a-z 0-9 . _ -, not starting with a dot, not \"latest\""
				    " or a run id", inner, BASELINE_NAME_MAX);
		if (!json_object_object_get_ex(value, "tolerance", NULL))
			return config_fail(err, errsize, "%s: \"baseline\" needs \"tolerance\", how much"
				    " slower than the baseline is allowed (0.05: 5%%)", inner);
		if (!(slo.baseline = strdup(text)))
			return config_nomem(err, errsize);
	}
	if ((rc = config_slo_metrics_parse(&slo, value, inner, err, errsize))) {
		free(slo.baseline);
		config_slo_metrics_clear(&slo);
		return rc;
	}
	if (slo.max == 0 && !slo.baseline && !slo.nmetrics)
		return config_fail(err, errsize, "%s must set \"max\" (a ceiling) or \"baseline\" and"
			    " \"tolerance\" (a band) or \"metrics\", or be null", inner);
	b->slo = slo;
	return 0;
}

/* Every per-benchmark key that a level sets, over what it inherited. */
int config_parse_settings(struct bench_config *b, json_object *obj, const char *where, char *err,
			  size_t errsize)
{
	int rc;

	if ((rc = get_int(&b->warmup, obj, "warmup", 0, WARMUP_MAX, where, err, errsize)) ||
	    (rc = parse_count(b, obj, where, err, errsize)) ||
	    (rc = get_seconds(&b->timeout, obj, "timeout", where, err, errsize)) ||
	    (rc = get_command_string(&b->prepare, obj, "prepare", where, err, errsize)) ||
	    (rc = get_command_string(&b->conclude, obj, "conclude", where, err, errsize)) ||
	    (rc = get_command_string(&b->setup, obj, "setup", where, err, errsize)) ||
	    (rc = get_command_string(&b->cleanup, obj, "cleanup", where, err, errsize)) ||
	    (rc = parse_output(b, obj, where, err, errsize)) ||
	    (rc = parse_category(b, obj, where, err, errsize)) ||
	    (rc = get_bool(&b->ignore_failure, obj, "ignore_failure", where, err, errsize)) ||
	    (rc = get_bool(&b->randomize_env, obj, "randomize_env", where, err, errsize)) ||
	    (rc = parse_cpus(b, obj, where, err, errsize)) ||
	    (rc = parse_profile(b, obj, where, err, errsize)) ||
	    (rc = profiling_parse_keep(b, obj, where, err, errsize)) ||
	    (rc = config_metrics_parse(b, obj, where, err, errsize)) ||
	    (rc = parse_slo(b, obj, where, err, errsize)) ||
	    (rc = service_config_parse(&b->service, &b->parse, obj, where, err, errsize)))
		return rc;
	return 0;
}

static char *strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Deep copy of the settings (not name, command or parameters). */
int config_settings_copy(struct bench_config *dst, const struct bench_config *src)
{
	dst->warmup = src->warmup;
	dst->runs = src->runs;
	dst->timeout = src->timeout;
	dst->min_runs = src->min_runs;
	dst->max_runs = src->max_runs;
	dst->min_time = src->min_time;
	dst->output_discard = src->output_discard;
	dst->ignore_failure = src->ignore_failure;
	dst->randomize_env = src->randomize_env;
	dst->perf = src->perf;
	dst->perf_frequency = src->perf_frequency;
	if (config_metrics_copy(dst, src)) /* instructions, the declared metrics, bytes */
		return -ENOMEM;
	dst->slo = src->slo;
	dst->parse = src->parse;
	if (service_config_copy(&dst->service, src->service))
		return -ENOMEM;
	dst->slo.baseline = strdup_or_null(src->slo.baseline);
	if (src->slo.baseline && !dst->slo.baseline)
		return -ENOMEM;
	if (config_slo_metrics_copy(&dst->slo, &src->slo))
		return -ENOMEM;
	dst->prepare = strdup_or_null(src->prepare);
	dst->conclude = strdup_or_null(src->conclude);
	dst->setup = strdup_or_null(src->setup);
	dst->cleanup = strdup_or_null(src->cleanup);
	if (src->category && !(dst->category = strdup(src->category)))
		return -ENOMEM;
	if (profiling_copy(dst, src))
		return -ENOMEM;
	if ((src->prepare && !dst->prepare) || (src->conclude && !dst->conclude) ||
	    (src->setup && !dst->setup) || (src->cleanup && !dst->cleanup))
		return -ENOMEM;
	if (src->ncpus > 0) {
		if (!(dst->cpus = malloc(src->ncpus * sizeof(int))))
			return -ENOMEM;
		memcpy(dst->cpus, src->cpus, src->ncpus * sizeof(int));
		dst->ncpus = src->ncpus;
	}
	return 0;
}
