/* "bisect": {"enabled": true, "max_runs": 12}: whether the daemon bisects a
 * confirmed step whose range holds commits never benchmarked
 * (service/bisect.h), and how many runs one bisection may spend on its
 * midpoints. Absent from the configuration means the defaults below;
 * config->bisect is then NULL and the normalised JSON has no such section,
 * so a configuration without it reads as it did before. */
#ifndef BENCHFS_CONFIG_BISECT_H
#define BENCHFS_CONFIG_BISECT_H

#include <stdbool.h>
#include <stddef.h>

#define BISECT_DEFAULT_MAX_RUNS 12

struct bisect_config {
	/* Absent: on when the daemon confirms steps ("compare": {"confirm"}),
	 * as there is no confirmed step to bisect otherwise. */
	bool enabled, enabled_set;
	int max_runs; /* the midpoints' runs; the verifying A/B job is extra */
};

struct json_object;
struct config;

/* The "bisect" member of root into *out: NULL when absent or null. 0, or
 * -EINVAL with a one-line message naming the key in err, or -ENOMEM. */
int bisect_config_parse(struct bisect_config **out, struct json_object *root, char *err,
			size_t errsize);
/* The section as config_to_json writes it; NULL when out of memory. */
struct json_object *bisect_config_to_json(const struct bisect_config *b);
/* Whether bisecting is on, and the cap, for config (its section or the
 * defaults). */
bool bisect_enabled(const struct config *config);
int bisect_max_runs(const struct config *config);
void bisect_config_free(struct bisect_config *b);

#endif
