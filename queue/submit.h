/* Queueing what a user wrote: the text of one write to /queue (or, later, a
 * command line's revisions) becomes runs in the store, all or none. The
 * policy every front end shares: lines (queueline.h), each revision resolved
 * to a full hash by repo/ before it goes anywhere, "a..b" as an interleaved
 * A/B job (two runs, paired in the store), "a...b" as the A/B job of the
 * merge base of a and b against b, " @profile=LABELS" after a revision for
 * the runners that may take it, and the cap on pending jobs.
 * No printing: the front end logs what was queued or why not. */
#ifndef BENCHFS_QUEUE_SUBMIT_H
#define BENCHFS_QUEUE_SUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include "repo/repo.h"
#include "store/store.h"

/* More pending jobs than this is a runaway script, not a plan. */
#define QUEUE_PENDING_MAX 1000

enum queue_side {
	QUEUE_SIDE_NONE, /* a run of its own */
	QUEUE_SIDE_A,    /* the first side of an A/B job; the next run is its B */
	QUEUE_SIDE_B,
};

struct queue_run {
	int64_t id;
	char *revision;                  /* as the user wrote it */
	char commit[STORE_HASH_LEN + 1]; /* full hex hash */
	enum queue_side side;
	char *labels; /* the labels a runner needs, "a,b" ("" for any); malloc'd */
};

/* Queue every revision of text[0..len) (whole lines; the last newline may be
 * missing; blank lines are skipped), each run with config_json, at most
 * QUEUE_PENDING_MAX pending jobs in all. Returns 0 with *runs a malloc'd
 * array of the *n runs queued in order (free with queue_runs_free; NULL and
 * 0 when text holds no revision), or a negative errno with a one-line
 * message in err, and nothing queued:
 *   -EINVAL    a control character, a malformed A/B line, a revision the
 *              repository does not resolve to a commit, an "a...b" whose
 *              sides share no history
 *   -EMSGSIZE  a line longer than QUEUELINE_MAX bytes
 *   -EAGAIN    the pending jobs would exceed QUEUE_PENDING_MAX
 *   -ENOSPC    the disk holding the store is full (the store logged it)
 *   -EIO       the store failed (the store logged why)
 *   -ENOMEM */
int queue_submit(struct queue_run **runs, size_t *n, struct store *store, struct repo *repo,
		 const char *config_json, const char *text, size_t len, char *err,
		 size_t errsize);
void queue_runs_free(struct queue_run *runs, size_t n);

/* What a log line says after a run's revision and commit: ", side A of an
 * A/B job", ", side B" or "". */
const char *queue_side_note(enum queue_side side);

#endif
