/* "retain": {"days": 90, "per_commit": 10, "every": "1h", "batch": 50}: the
 * daemon's pruning of old runs (service/retention.h). A run is kept whole
 * (its iterations, debug.log and perf data) when it finished within the
 * last "days" days, is one of the newest "per_commit" runs of its commit,
 * is a run of a pinned baseline's commit, is named by a line of
 * regressions, is a side of an interleaved A/B job, or is excluded. Every
 * other finished run is summarized: its iterations collapse into per-run
 * statistics (what history/ shows of it stays), its debug.log and perf data
 * are deleted. A pass runs when the runner is idle, at most once per
 * "every", "batch" runs per transaction. Absent (config->retain NULL):
 * nothing is ever pruned. */
#ifndef BENCHFS_CONFIG_RETAIN_H
#define BENCHFS_CONFIG_RETAIN_H

#include <stddef.h>
#include <stdint.h>

#define RETAIN_DEFAULT_DAYS 90
#define RETAIN_DEFAULT_PER_COMMIT 10
#define RETAIN_DEFAULT_EVERY_S 3600
#define RETAIN_DEFAULT_BATCH 50

struct retain_config {
	int days;       /* 0: any run finished before the pass may be summarized */
	int per_commit; /* 0: no run is kept for being among its commit's newest */
	int64_t every_s; /* seconds between passes, at least 1 */
	int batch;      /* runs per transaction */
};

struct json_object;

/* The "retain" member of root into *out: NULL when absent or null. 0, or
 * -EINVAL with a one-line message naming the key in err, or -ENOMEM. */
int retain_config_parse(struct retain_config **out, struct json_object *root, char *err,
			size_t errsize);
/* The section as config_to_json writes it; NULL when out of memory. */
struct json_object *retain_config_to_json(const struct retain_config *r);
void retain_config_free(struct retain_config *r);

#endif
