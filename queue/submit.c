/* Queueing the text of a write: lines to revisions to commits to runs, all
 * or none (submit.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queueline.h"
#include "queue/submit.h"
#include "repo/revparse.h"

void queue_runs_free(struct queue_run *runs, size_t n)
{
	for (size_t i = 0; runs && i < n; i++)
		free(runs[i].revision);
	free(runs);
}

const char *queue_side_note(enum queue_side side)
{
	switch (side) {
	case QUEUE_SIDE_A:
		return ", side A of an A/B job";
	case QUEUE_SIDE_B:
		return ", side B";
	default:
		return "";
	}
}

/* One line's runs appended at list[*count]: one, or the two sides of "a..b",
 * each resolved to its commit. */
static int add_line(struct queue_run *list, size_t *count, struct repo *repo, const char *line,
		    char *err, size_t errsize)
{
	char *sides[2] = {NULL, NULL};
	int pair = queueline_pair(&sides[0], &sides[1], line, err, errsize), rc = 0;
	if (pair < 0)
		return pair;
	for (int s = 0; s < (pair ? 2 : 1) && !rc; s++) {
		struct queue_run *r = &list[*count];
		const char *rev = pair ? sides[s] : line;
		if ((rc = revparse_commit(r->commit, repo, rev, err, errsize)))
			break;
		if (!(r->revision = strdup(rev))) {
			snprintf(err, errsize, "out of memory");
			rc = -ENOMEM;
			break;
		}
		r->side = !pair ? QUEUE_SIDE_NONE : s == 0 ? QUEUE_SIDE_A : QUEUE_SIDE_B;
		(*count)++;
	}
	free(sides[0]);
	free(sides[1]);
	return rc;
}

int queue_submit(struct queue_run **runs, size_t *n, struct store *store, struct repo *repo,
		 const char *config_json, const char *text, size_t len, char *err,
		 size_t errsize)
{
	char **lines = NULL;
	size_t nlines = 0, count = 0;
	struct queue_run *list = NULL;
	struct store_new_run *jobs = NULL;
	int64_t *ids = NULL;
	int rc, src;
	*runs = NULL;
	*n = 0;
	if ((rc = queueline_split(&lines, &nlines, text, len, err, errsize)))
		return rc;
	if (nlines == 0)
		return 0;
	/* At most two runs a line. */
	list = calloc(2 * nlines, sizeof(*list));
	jobs = calloc(2 * nlines, sizeof(*jobs));
	ids = calloc(2 * nlines, sizeof(*ids));
	if (!list || !jobs || !ids) {
		snprintf(err, errsize, "out of memory");
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < nlines && !rc; i++)
		rc = add_line(list, &count, repo, lines[i], err, errsize);
	if (rc)
		goto done;
	for (size_t i = 0; i < count; i++)
		jobs[i] = (struct store_new_run){.revision = list[i].revision,
						 .commit = list[i].commit,
						 .config = config_json,
						 .paired_with_next = list[i].side == QUEUE_SIDE_A};
	if ((src = store_runs_queue(store, ids, jobs, count, QUEUE_PENDING_MAX))) {
		rc = store_errno(src);
		/* The cap is an answer the store does not log; anything else it did. */
		if (src == STORE_FULL)
			snprintf(err, errsize, "%s", store_errmsg(store));
		else
			snprintf(err, errsize, "the store cannot queue %s", count > 1 ? "them" : "it");
		goto done;
	}
	for (size_t i = 0; i < count; i++)
		list[i].id = ids[i];
	*runs = list;
	*n = count;
	list = NULL;
done:
	queue_runs_free(list, count);
	queueline_free(lines, nlines);
	free(jobs);
	free(ids);
	return rc;
}
