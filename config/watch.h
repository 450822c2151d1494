/* "watch": {"remote": "origin", "branches": ["main"], "every": "30m" or
 * "at": "02:00", "max_per_fetch": 20, "every_nth": 1}: the branches the
 * daemon fetches by itself and whose new first-parent commits it queues
 * (service/watch.h). Absent from the configuration: nothing is watched,
 * config->watch is NULL and the normalised JSON has no such section. */
#ifndef BENCHFS_CONFIG_WATCH_H
#define BENCHFS_CONFIG_WATCH_H

#include <stddef.h>
#include <stdint.h>

#define WATCH_DEFAULT_REMOTE "origin"
#define WATCH_DEFAULT_MAX_PER_FETCH 20
#define WATCH_DEFAULT_EVERY_NTH 1

struct watch_config {
	/* A remote the repository configures, or a URL (never one with a
	 * password: credentials stay in git's places). */
	char *remote;
	char **branches; /* short branch names ("main", "release/2.x") */
	size_t nbranches;
	/* Exactly one is set: every_s > 0 (fetch that often), or at_minute
	 * >= 0 (once a day at that local time, minutes after midnight). */
	int64_t every_s;
	int at_minute;
	int max_per_fetch; /* commits one fetch queues at most, the newest among them */
	int every_nth;     /* of a longer run of new commits, every Nth and the newest */
};

struct json_object;

/* The "watch" member of root into *out: NULL when absent or null. 0, or
 * -EINVAL with a one-line message naming the key in err, or -ENOMEM. */
int watch_config_parse(struct watch_config **out, struct json_object *root, char *err,
		       size_t errsize);
/* The section as config_to_json writes it; NULL when out of memory. */
struct json_object *watch_config_to_json(const struct watch_config *w);
void watch_config_free(struct watch_config *w);

#endif
