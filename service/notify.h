/* The on_alert command (config/alerts.h): for each alert of the regressions
 * file never notified before, the daemon runs the configured command (no
 * shell; the alert is never in its arguments) with the alert as JSON
 * (views/alerts.h's alert_json) on its standard input, and records in the
 * store that it did, so a restart does not notify again. It works from the
 * idle chain, on the runner's thread (never during a measurement), with a
 * store handle and repository of its own, and only when the store's results
 * or the branch moved since it last looked. A command that fails (or runs
 * past NOTIFY_TIMEOUT_MS) is logged with its exit status and the first line
 * of its standard error, and tried again at the next change. */
#ifndef BENCHFS_SERVICE_NOTIFY_H
#define BENCHFS_SERVICE_NOTIFY_H

#include <stddef.h>

#include "views/context.h"

#define NOTIFY_TIMEOUT_MS 30000

struct notify;

/* argv: the command, NULL-terminated; it must outlive the notifier. 0, or -1
 * with a message in err. */
int notify_open(struct notify **out, const struct view_settings *opts, char *const *argv,
		char *err, size_t errsize);
/* The idle chain's hook: notify the new alerts; queues nothing (returns 0). */
size_t notify_next(void *notify);
void notify_free(struct notify *notify);

/* Run argv with input on its standard input, its standard output discarded,
 * for at most timeout_ms: 0 when it exited 0, else -1 with what happened
 * (the exit status or signal, and the first line of its standard error) in
 * what. */
int notify_run(char *const *argv, const char *input, int timeout_ms, char *what,
	       size_t whatsize);

#endif
