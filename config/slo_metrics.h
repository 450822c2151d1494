/* A benchmark's "slo" bounds on its metrics besides wall time:
 * "slo": {"metrics": {"throughput": {"min": 100}, "memory": {"max": 5e8}}}.
 * A floor ("min") or a ceiling ("max"), or both, in the metric's own unit
 * (MiB/s, bytes, seconds for cpu), on the mean of each run of the commit
 * judged against the host's run-to-run noise, as wall time's "max" is
 * (views/slo.h). */
#ifndef BENCHFS_CONFIG_SLO_METRICS_H
#define BENCHFS_CONFIG_SLO_METRICS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

#define SLO_METRIC_NAME_MAX 63

struct slo_metric_bound {
	char name[SLO_METRIC_NAME_MAX + 1]; /* cpu, memory or a declared metric */
	double min, max;                    /* > 0 when set; 0: none */
};

/* The "metrics" member of an "slo" object (value), into slo: names valid
 * ([a-z][a-z0-9_]*, not wall or instructions), each an object of "min"
 * and/or "max", positive numbers, min below max. inner names the "slo" in
 * messages. 0, or -EINVAL or -ENOMEM with a one-line message in err. */
int config_slo_metrics_parse(struct bench_slo *slo, json_object *value, const char *inner,
			     char *err, size_t errsize);
/* The bounds as config_slo_metrics_parse reads them back, added to o as
 * "metrics" (nothing when there are none). */
void config_slo_metrics_to_json(json_object *o, const struct bench_slo *slo);
int config_slo_metrics_copy(struct bench_slo *dst, const struct bench_slo *src);
void config_slo_metrics_clear(struct bench_slo *slo);

#endif
