/* "metrics" and "bytes" of a level (config/metrics.h): parsed, checked with a
 * message naming the key, copied, written back. */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/internal.h"
#include "config/metrics.h"

bool config_metric_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CONFIG_METRIC_NAME_MAX || !(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	return true;
}

bool config_metric_name_reserved(const char *name)
{
	return strcmp(name, "wall") == 0 || strcmp(name, "cpu") == 0 ||
	       strcmp(name, "memory") == 0 || strcmp(name, "instructions") == 0;
}

void config_metrics_clear(struct bench_config *b)
{
	free(b->metrics);
	b->metrics = NULL;
	b->nmetrics = 0;
}

const struct bench_metric *config_metric_find(const struct bench_config *b, const char *name)
{
	for (size_t i = 0; i < b->nmetrics; i++)
		if (strcmp(b->metrics[i].name, name) == 0)
			return &b->metrics[i];
	return NULL;
}

int config_metrics_copy(struct bench_config *dst, const struct bench_config *src)
{
	dst->instructions = src->instructions;
	dst->bytes = src->bytes;
	dst->metrics = NULL;
	dst->nmetrics = 0;
	if (src->nmetrics == 0)
		return 0;
	if (!(dst->metrics = malloc(src->nmetrics * sizeof(*dst->metrics))))
		return -ENOMEM;
	memcpy(dst->metrics, src->metrics, src->nmetrics * sizeof(*dst->metrics));
	dst->nmetrics = src->nmetrics;
	return 0;
}

/* The unit: what views print after a value, so one line of plain text. */
static bool unit_valid(const char *unit, size_t len)
{
	if (len == 0 || len > CONFIG_METRIC_UNIT_MAX || strlen(unit) != len)
		return false;
	for (const char *c = unit; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

/* {"unit": "MiB/s", "better": "higher"} of metric name, where is
 * "<level>\"metrics\": \"name\"". */
static int parse_declared(struct bench_metric *m, const char *name, json_object *value,
			  const char *where, char *err, size_t errsize)
{
	static const char *const keys[] = {"unit", "better", NULL};
	json_object *unit, *better;
	const char *text;
	int rc;

	if (!json_object_is_type(value, json_type_object))
		return config_fail(err, errsize, "%s must be an object such as {\"unit\": \"MiB/s\","
			    " \"better\": \"higher\"}", where);
	if ((rc = config_check_keys(value, keys, where, err, errsize)))
		return rc;
	if (!json_object_object_get_ex(value, "unit", &unit) ||
	    !json_object_is_type(unit, json_type_string) ||
	    !unit_valid(json_object_get_string(unit), (size_t)json_object_get_string_len(unit)))
		return config_fail(err, errsize, "%s: \"unit\" must be 1 to %d printable bytes, such as"
			    " \"MiB/s\" or \"s\"", where, CONFIG_METRIC_UNIT_MAX);
	text = json_object_object_get_ex(value, "better", &better) &&
			       json_object_is_type(better, json_type_string)
		       ? json_object_get_string(better) : "";
	if (strcmp(text, "higher") && strcmp(text, "lower"))
		return config_fail(err, errsize, "%s: \"better\" must be \"higher\" or \"lower\"", where);
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->unit, sizeof(m->unit), "%s", json_object_get_string(unit));
	m->higher_is_better = strcmp(text, "higher") == 0;
	return 0;
}

/* ["instructions"]: the form from before metrics were declared. */
static int parse_array(struct bench_config *b, json_object *value, const char *where, char *err,
		       size_t errsize)
{
	size_t n = json_object_array_length(value);

	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(value, i);
		const char *name = json_object_is_type(m, json_type_string) ? json_object_get_string(m)
									    : NULL;
		if (!name)
			return config_fail(err, errsize, "%s%s\"metrics\"[%zu] must be a string", AT(where), i);
		if (strcmp(name, "instructions"))
			return config_fail(err, errsize,
				    "%s%s\"metrics\": unknown metric \"%.60s\" (known: instructions);"
				    " declare others in the object form, {\"%.60s\": {\"unit\": ...,"
				    " \"better\": \"higher\" or \"lower\"}}",
				    AT(where), name, name);
		b->instructions = true;
	}
	return 0;
}

static int parse_object(struct bench_config *b, json_object *value, const char *where, char *err,
			size_t errsize)
{
	size_t n = (size_t)json_object_object_length(value);
	char inner[CONFIG_METRIC_NAME_MAX + 200];
	int rc;

	if (n > 0 && !(b->metrics = calloc(n, sizeof(*b->metrics))))
		return config_nomem(err, errsize);
	json_object_object_foreach(value, name, v) {
		if (strcmp(name, "instructions") == 0) {
			if (!json_object_is_type(v, json_type_boolean))
				return config_fail(err, errsize, "%s%s\"metrics\": \"instructions\" must be"
					    " true or false", AT(where));
			b->instructions = json_object_get_boolean(v);
			continue;
		}
		if (!config_metric_name_valid(name))
			return config_fail(err, errsize, "%s%s\"metrics\": \"%.80s\" is not a metric name:"
				    " a lowercase letter, then lowercase letters, digits and _, at most"
				    " %d bytes", AT(where), name, CONFIG_METRIC_NAME_MAX);
		if (config_metric_name_reserved(name))
			return config_fail(err, errsize, "%s%s\"metrics\": \"%s\" is measured by benchfs"
				    " itself and cannot be declared", AT(where), name);
		snprintf(inner, sizeof(inner), "%s%s\"metrics\": \"%s\"", AT(where), name);
		if ((rc = parse_declared(&b->metrics[b->nmetrics], name, v, inner, err, errsize)))
			return rc;
		b->nmetrics++;
	}
	return 0;
}

static int parse_bytes(struct bench_config *b, json_object *obj, const char *where, char *err,
		       size_t errsize)
{
	json_object *value;
	int64_t v;

	if (!json_object_object_get_ex(obj, "bytes", &value))
		return 0;
	b->bytes = 0;
	if (json_object_is_type(value, json_type_null))
		return 0;
	errno = 0;
	v = json_object_get_int64(value);
	if (!json_object_is_type(value, json_type_int) || errno || v <= 0)
		return config_fail(err, errsize, "%s%s\"bytes\" must be a positive integer (the bytes"
			    " one iteration processes) or null", AT(where));
	b->bytes = v;
	return 0;
}

int config_metrics_parse(struct bench_config *b, json_object *obj, const char *where, char *err,
			 size_t errsize)
{
	json_object *value;
	int rc;

	if (json_object_object_get_ex(obj, "metrics", &value)) {
		b->instructions = false;
		config_metrics_clear(b);
		if (json_object_is_type(value, json_type_array))
			rc = parse_array(b, value, where, err, errsize);
		else if (json_object_is_type(value, json_type_object))
			rc = parse_object(b, value, where, err, errsize);
		else if (json_object_is_type(value, json_type_null))
			rc = 0;
		else
			rc = config_fail(err, errsize, "%s%s\"metrics\" must be an array such as"
					 " [\"instructions\"] or an object such as {\"instructions\": true,"
					 " \"throughput\": {\"unit\": \"MiB/s\", \"better\": \"higher\"}}",
					 AT(where));
		if (rc)
			return rc;
	}
	if ((rc = parse_bytes(b, obj, where, err, errsize)))
		return rc;
	/* Checked once both are known: either may come from the defaults. */
	if (b->bytes > 0 && config_metric_find(b, CONFIG_METRIC_THROUGHPUT))
		return config_fail(err, errsize, "%s%s\"metrics\": \"throughput\" is declared while"
			    " \"bytes\" derives it from the wall time; drop one of the two", AT(where));
	return 0;
}

void config_metrics_to_json(json_object *o, const struct bench_config *b)
{
	json_object *metrics;

	/* Nothing declared: today's text, so a configuration's stored form
	 * does not change. */
	if (b->nmetrics == 0) {
		metrics = json_object_new_array();
		if (metrics && b->instructions)
			json_object_array_add(metrics, json_object_new_string("instructions"));
	} else {
		metrics = json_object_new_object();
		if (metrics && b->instructions)
			json_object_object_add(metrics, "instructions", json_object_new_boolean(1));
		for (size_t i = 0; metrics && i < b->nmetrics; i++) {
			json_object *m = json_object_new_object();

			if (m) {
				json_object_object_add(m, "unit",
						       json_object_new_string(b->metrics[i].unit));
				json_object_object_add(m, "better",
						       json_object_new_string(b->metrics[i].higher_is_better
										      ? "higher" : "lower"));
			}
			json_object_object_add(metrics, b->metrics[i].name, m);
		}
	}
	json_object_object_add(o, "metrics", metrics);
	if (b->bytes > 0)
		json_object_object_add(o, "bytes", json_object_new_int64(b->bytes));
}

void config_metrics_unset_json(json_object *o, const struct bench_config *b,
			       const struct bench_config *defaults)
{
	if (b->bytes == 0 && defaults->bytes > 0)
		json_object_object_add(o, "bytes", NULL);
}
