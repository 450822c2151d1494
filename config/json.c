/* The configuration as normalised JSON (config.json of every run), and a
 * benchmark's command as a person reads it. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/retain.h"
#include "config/watch.h"
#include "config/alerts.h"
#include "config/pulls.h"
#include "config/bisect.h"
#include "config/profiling.h"
#include "config/metrics.h"
#include "config/slo_metrics.h"
#include "util/json_num.h"
#include "util/strbuf.h"

static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* The shortest text that reads back as the same double, integral values as
 * integers: 0.05 and 30, not json-c's 0.050000000000000003 nor 3e+01.
 * config_parse takes integers wherever it takes seconds. */
static json_object *number_json(double v)
{
	char text[JSON_NUM_MAX];
	if (json_num_format(text, sizeof(text), v))
		return NULL;
	return json_object_new_double_s(v, text);
}

static json_object *command_json(const struct bench_config *b)
{
	json_object *arr;
	if (b->shell)
		return json_object_new_string(b->shell);
	arr = json_object_new_array();
	for (char **a = b->argv; arr && *a; a++)
		json_object_array_add(arr, json_object_new_string(*a));
	return arr;
}

/* null when none: the keys of what is set, the ceiling in seconds. */
static json_object *slo_json(const struct bench_slo *slo)
{
	json_object *o;
	if (slo->max == 0 && !slo->baseline && !slo->nmetrics)
		return NULL;
	if (!(o = json_object_new_object()))
		return NULL;
	if (slo->max > 0) {
		json_object_object_add(o, "max", number_json(slo->max));
		json_object_object_add(o, "statistic",
				       json_object_new_string(slo->median ? "median" : "mean"));
	}
	if (slo->baseline) {
		json_object_object_add(o, "baseline", json_object_new_string(slo->baseline));
		json_object_object_add(o, "tolerance", number_json(slo->tolerance));
	}
	config_slo_metrics_to_json(o, slo);
	return o;
}

/* Every per-benchmark key, as config_parse reads it back. */
static void add_settings(json_object *o, const struct bench_config *b)
{
	json_object *cpus = json_object_new_array(), *profile = json_object_new_object();
	json_object_object_add(o, "warmup", json_object_new_int(b->warmup));
	if (b->min_time > 0) {
		json_object_object_add(o, "min_runs", json_object_new_int(b->min_runs));
		json_object_object_add(o, "max_runs", json_object_new_int(b->max_runs));
		json_object_object_add(o, "min_time", number_json(b->min_time));
	} else {
		json_object_object_add(o, "runs", json_object_new_int(b->runs));
	}
	json_object_object_add(o, "timeout", number_json(b->timeout));
	json_object_object_add(o, "setup", string_or_null(b->setup));
	json_object_object_add(o, "prepare", string_or_null(b->prepare));
	json_object_object_add(o, "conclude", string_or_null(b->conclude));
	json_object_object_add(o, "cleanup", string_or_null(b->cleanup));
	json_object_object_add(o, "output",
			       json_object_new_string(b->output_discard ? "discard" : "log"));
	json_object_object_add(o, "ignore_failure", json_object_new_boolean(b->ignore_failure));
	if (b->category)
		json_object_object_add(o, "category", json_object_new_string(b->category));
	json_object_object_add(o, "randomize_env", json_object_new_boolean(b->randomize_env));
	for (size_t i = 0; cpus && i < b->ncpus; i++)
		json_object_array_add(cpus, json_object_new_int(b->cpus[i]));
	json_object_object_add(o, "cpus", cpus);
	if (profile) {
		json_object_object_add(profile, "perf", json_object_new_boolean(b->perf));
		json_object_object_add(profile, "frequency", json_object_new_int(b->perf_frequency));
	}
	profiling_to_json(o, profile, b);
	json_object_object_add(o, "profile", profile);
	config_metrics_to_json(o, b);
	json_object_object_add(o, "slo", slo_json(&b->slo));
}

static json_object *params_json(const struct config_param *params, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; o && i < n; i++) {
		json_object *values = json_object_new_array();
		for (size_t k = 0; values && k < params[i].nvalues; k++)
			json_object_array_add(values, json_object_new_string(params[i].values[k]));
		json_object_object_add(o, params[i].name, values);
	}
	return o;
}

/* One benchmark's own combination, {"size": ["1k"]}: parsing it again
 * gives the same name and (placeholders already replaced) the same commands. */
static json_object *bench_params_json(const struct bench_config *b)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; o && i < b->nparams; i++) {
		json_object *values = json_object_new_array();
		if (values)
			json_object_array_add(values, json_object_new_string(b->params[i].value));
		json_object_object_add(o, b->params[i].name, values);
	}
	return o;
}

char *config_to_json(const struct config *config)
{
	json_object *root = json_object_new_object(), *benches = json_object_new_array();
	json_object *compare = json_object_new_object();
	char *text = NULL;
	if (!root || !benches || !compare) {
		json_object_put(root);
		json_object_put(benches);
		json_object_put(compare);
		return NULL;
	}
	json_object_object_add(root, "build", string_or_null(config->build));
	json_object_object_add(root, "build_mode",
			       json_object_new_string(build_mode_name(config->build_mode)));
	add_settings(root, &config->defaults);
	service_settings_to_json(root, config->defaults.service, config->defaults.parse, NULL,
				 BENCH_PARSE_NONE);
	json_object_object_add(root, "parameters", params_json(config->params, config->nparams));
	json_object_object_add(compare, "alpha", number_json(config->compare_alpha));
	json_object_object_add(compare, "threshold",
			       config->compare_threshold_auto
				       ? json_object_new_string("auto")
				       : number_json(config->compare_threshold));
	json_object_object_add(compare, "max_pairs",
			       json_object_new_int(config->compare_max_pairs));
	json_object_object_add(compare, "confirm",
			       json_object_new_boolean(config->compare_confirm));
	json_object_object_add(root, "compare", compare);
	json_object_object_add(root, "branch", string_or_null(config->branch));
	if (config->nartifacts) {
		json_object *globs = json_object_new_array();
		for (size_t i = 0; globs && i < config->nartifacts; i++)
			json_object_array_add(globs, json_object_new_string(config->artifacts[i]));
		json_object_object_add(root, "artifacts", globs);
	}
	if (config->nprofiles) {
		json_object *list = json_object_new_array();
		for (size_t i = 0; list && i < config->nprofiles; i++)
			json_object_array_add(list, json_object_new_string(config->profiles[i]));
		json_object_object_add(root, "profiles", list);
	}
	profiling_top_to_json(root, config);
	if (config->pulls)
		json_object_object_add(root, "pull_requests", pulls_to_json(config->pulls));
	if (config->bisect)
		json_object_object_add(root, "bisect", bisect_config_to_json(config->bisect));
	if (config->on_alert)
		json_object_object_add(root, "on_alert", alerts_config_to_json(config->on_alert));
	if (config->watch)
		json_object_object_add(root, "watch", watch_config_to_json(config->watch));
	if (config->retain)
		json_object_object_add(root, "retain", retain_config_to_json(config->retain));
	for (size_t i = 0; i < config->nbenchmarks; i++) {
		const struct bench_config *b = &config->benchmarks[i];
		json_object *o = json_object_new_object();
		if (!o)
			continue;
		json_object_object_add(o, "name", json_object_new_string(b->base_name));
		json_object_object_add(o, "parameters", bench_params_json(b));
		json_object_object_add(o, "command", command_json(b));
		add_settings(o, b);
		config_metrics_unset_json(o, b, &config->defaults);
		service_settings_to_json(o, b->service, b->parse, config->defaults.service,
					 config->defaults.parse);
		json_object_array_add(benches, o);
	}
	json_object_object_add(root, "benchmarks", benches);
	text = strdup(json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return text;
}

/* Quote an argument the way a POSIX shell would need it, for display only. */
static void append_quoted(struct strbuf *out, const char *arg)
{
	bool plain = *arg != '\0';
	for (const char *c = arg; *c && plain; c++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			       "-_./=:,+@%", *c) != NULL;
	if (plain) {
		strbuf_addstr(out, arg);
		return;
	}
	strbuf_addch(out, '\'');
	for (const char *c = arg; *c; c++)
		*c == '\'' ? strbuf_addstr(out, "'\\''") : strbuf_addch(out, *c);
	strbuf_addch(out, '\'');
}

char *bench_config_command_text(const struct bench_config *bench)
{
	struct strbuf out = STRBUF_INIT;
	if (bench->shell)
		return strdup(bench->shell);
	for (char **a = bench->argv; *a; a++) {
		if (a != bench->argv)
			strbuf_addch(&out, ' ');
		append_quoted(&out, *a);
	}
	return strbuf_detach(&out, NULL);
}
