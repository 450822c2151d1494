/* "slo" bounds on metrics (config/slo_metrics.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "config/slo_metrics.h"
#include "util/json_num.h"

/* [a-z][a-z0-9_]*, at most SLO_METRIC_NAME_MAX bytes: the store's names. */
static bool name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > SLO_METRIC_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static json_object *number(double v)
{
	char text[JSON_NUM_MAX];
	if (json_num_format(text, sizeof(text), v))
		return NULL;
	return json_object_new_double_s(v, text);
}

static int get_bound(double *out, json_object *bound, const char *key, const char *what,
		     char *err, size_t errsize)
{
	json_object *v;
	double d;
	if (!json_object_object_get_ex(bound, key, &v))
		return 0;
	d = json_object_get_double(v);
	if ((!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) ||
	    !(d > 0) || !isfinite(d))
		return config_fail(err, errsize, "%s: \"%s\" must be a positive number in the"
			    " metric's unit", what, key);
	*out = d;
	return 0;
}

int config_slo_metrics_parse(struct bench_slo *slo, json_object *value, const char *inner,
			     char *err, size_t errsize)
{
	static const char *const keys[] = {"min", "max", NULL};
	json_object *metrics;
	char what[SLO_METRIC_NAME_MAX + 200];
	size_t n;
	int rc;
	if (!json_object_object_get_ex(value, "metrics", &metrics) ||
	    json_object_is_type(metrics, json_type_null))
		return 0;
	if (!json_object_is_type(metrics, json_type_object))
		return config_fail(err, errsize, "%s: \"metrics\" must be an object such as"
			    " {\"throughput\": {\"min\": 100}, \"memory\": {\"max\": 5e8}}", inner);
	n = (size_t)json_object_object_length(metrics);
	if (!(slo->metrics = calloc(n + 1, sizeof(*slo->metrics))))
		return config_nomem(err, errsize);
	json_object_object_foreach(metrics, name, bound) {
		struct slo_metric_bound *b = &slo->metrics[slo->nmetrics];
		snprintf(what, sizeof(what), "%s: \"metrics\": \"%.63s\"", inner, name);
		if (!name_valid(name) || !strcmp(name, "wall") ||
		    !strcmp(name, "instructions"))
			return config_fail(err, errsize, "%s: a metric's name ([a-z][a-z0-9_]*, at most"
				    " %d bytes; wall time's bounds are the slo's own \"max\", and"
				    " instructions have none)", what, SLO_METRIC_NAME_MAX);
		if (!json_object_is_type(bound, json_type_object))
			return config_fail(err, errsize, "%s must be an object such as {\"min\": 100}"
				    " or {\"max\": 5e8}", what);
		if ((rc = config_check_keys(bound, keys, what, err, errsize)) ||
		    (rc = get_bound(&b->min, bound, "min", what, err, errsize)) ||
		    (rc = get_bound(&b->max, bound, "max", what, err, errsize)))
			return rc;
		if (b->min == 0 && b->max == 0)
			return config_fail(err, errsize, "%s must set \"min\" (a floor) or \"max\" (a"
				    " ceiling)", what);
		if (b->min > 0 && b->max > 0 && !(b->min < b->max))
			return config_fail(err, errsize, "%s: \"min\" must be below \"max\"", what);
		snprintf(b->name, sizeof(b->name), "%s", name);
		slo->nmetrics++;
	}
	return 0;
}

void config_slo_metrics_to_json(json_object *o, const struct bench_slo *slo)
{
	json_object *metrics;
	if (!slo->nmetrics)
		return;
	metrics = json_object_new_object();
	for (size_t i = 0; i < slo->nmetrics; i++) {
		const struct slo_metric_bound *b = &slo->metrics[i];
		json_object *bound = json_object_new_object();
		if (b->min > 0)
			json_object_object_add(bound, "min", number(b->min));
		if (b->max > 0)
			json_object_object_add(bound, "max", number(b->max));
		json_object_object_add(metrics, b->name, bound);
	}
	json_object_object_add(o, "metrics", metrics);
}

int config_slo_metrics_copy(struct bench_slo *dst, const struct bench_slo *src)
{
	dst->metrics = NULL;
	dst->nmetrics = 0;
	if (!src->nmetrics)
		return 0;
	if (!(dst->metrics = malloc(src->nmetrics * sizeof(*dst->metrics))))
		return -ENOMEM;
	memcpy(dst->metrics, src->metrics, src->nmetrics * sizeof(*dst->metrics));
	dst->nmetrics = src->nmetrics;
	return 0;
}

void config_slo_metrics_clear(struct bench_slo *slo)
{
	free(slo->metrics);
	slo->metrics = NULL;
	slo->nmetrics = 0;
}
