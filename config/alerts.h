/* "on_alert": ["/path/to/notify", "arg", ...]: the command the daemon runs
 * for each new alert of the regressions file (service/notify.h), without a
 * shell, with the alert as JSON on its standard input. Absent or null: no
 * command, config->on_alert is NULL and the normalised JSON has no such
 * member, so a configuration without it reads as it did before. */
#ifndef BENCHFS_CONFIG_ALERTS_H
#define BENCHFS_CONFIG_ALERTS_H

#define ALERTS_ARGS_MAX 64

struct json_object;

/* The "on_alert" member of root into *out, a NULL-terminated vector (NULL
 * when absent or null). 0, or -EINVAL with a one-line message in err, or
 * -ENOMEM. */
int alerts_config_parse(char ***out, struct json_object *root, char *err, size_t errsize);
/* The member as config_to_json writes it; NULL when out of memory. */
struct json_object *alerts_config_to_json(char *const *argv);
void alerts_config_free(char **argv);

#endif
