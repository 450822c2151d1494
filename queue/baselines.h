/* Baselines: named pins of a commit, and the rules for their names. The
 * policy every front end shares (baselines/<name> on the mount; later
 * `benchfs check --baseline NAME`): a name is never one a compare name reads
 * as something else, nor one the repository resolves (the baseline would
 * hide that revision); what is pinned is a commit resolved by repo/.
 * No printing: the front end logs what was done or why not. */
#ifndef BENCHFS_QUEUE_BASELINES_H
#define BENCHFS_QUEUE_BASELINES_H

#include <stdbool.h>
#include <stddef.h>

#include "repo/repo.h"
#include "store/store.h"

/* Baseline names: 1 to STORE_BASELINE_NAME_MAX of [A-Za-z0-9._-], not
 * starting with a dot, and not "latest", digits only or run-<digits>. */
bool baseline_name_valid(const char *name);
/* 0, or -EINVAL with the rule in err. */
int baseline_name_check(const char *name, char *err, size_t errsize);

/* Pin name to the commit of the one revision text[0..len) holds, as
 * baseline_pin says, recording who pinned it (uid; -1: unknown) and where
 * (host: this host, whose newest done run of the commit the pin refers to;
 * NULL: unknown). "latest" pins the commit of the newest done run and
 * refers to that run (-EINVAL while no run is done). The previous pin
 * stays in the name's history. 0 with the recorded event in *pinned
 * (store_baseline_event_clear), or baseline_pin's errors. */
int baseline_pin_by(struct store_baseline_event *pinned, struct store *store, struct repo *repo,
		    int64_t uid, const char *host, const char *name, const char *text, size_t len,
		    char *err, size_t errsize);

/* Pin name to the commit of the one revision text[0..len) holds (one line;
 * the last newline may be missing), or move the pin. Returns 0 with the
 * commit in commit[STORE_HASH_LEN + 1] and the revision as written (trimmed)
 * in *revision (malloc'd), or a negative errno with a one-line message in
 * err, and the pins as they were (who and where are unknown in the history):
 *   -EINVAL    a bad name, not exactly one line, a control character, a
 *              revision the repository does not resolve to a commit
 *   -EMSGSIZE  a line longer than QUEUELINE_MAX bytes
 *   -EEXIST    the repository resolves name itself (a branch, a tag, a hash)
 *   -ENOSPC, -EIO  the store failed (it logged why)
 *   -ENOMEM */
int baseline_pin(char *commit, char **revision, struct store *store, struct repo *repo,
		 const char *name, const char *text, size_t len, char *err, size_t errsize);

/* Remove the pin called name: 0, -ENOENT (no such baseline, or a name no
 * baseline can have), or -EIO, -ENOMEM (the store failed and logged why),
 * with a one-line message in err. Who and where are unknown in the history. */
int baseline_unpin(struct store *store, const char *name, char *err, size_t errsize);
/* The same, recording who unpinned (uid; -1: unknown) and where (host). */
int baseline_unpin_by(struct store *store, int64_t uid, const char *host, const char *name,
		      char *err, size_t errsize);

#endif
