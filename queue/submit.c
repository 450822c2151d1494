/* Queueing the text of a write: lines to revisions to commits to runs, all
 * or none (submit.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "queue/pull.h"
#include "queue/queueline.h"
#include "queue/submit.h"
#include "repo/repo.h"
#include "repo/revparse.h"
#include "store/fleet.h"
#include "util/labels.h"

void queue_runs_free(struct queue_run *runs, size_t n)
{
	for (size_t i = 0; runs && i < n; i++) {
		free(runs[i].revision);
		free(runs[i].labels);
	}
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

/* "a...b", as compare/ reads three dots: the first ".." splits the line, a
 * third dot makes it the merge-base form. 1 with *pair the line as "a..b"
 * (malloc'd, for queueline_pair's checks of the sides), 0 when the line has
 * no three dots, -EINVAL for four dots or another ".." after the three (a
 * message in err), -ENOMEM. */
static int three_dots(char **pair, const char *line, char *err, size_t errsize)
{
	const char *dots = strstr(line, "..");
	*pair = NULL;
	if (!dots || dots[2] != '.')
		return 0;
	if (dots[3] == '.' || strstr(dots + 3, ".."))
		return queueline_refused(err, errsize, line,
				    "an A/B line is a..b, or a...b for the merge base of a and b"
				    " against b");
	if (asprintf(pair, "%.*s..%s", (int)(dots - line), line, dots + 3) < 0) {
		*pair = NULL;
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	return 1;
}

/* Side A of "a...b", resolved to a's commit: the merge base of that and B's
 * commit instead, named by its full hash (a would mean another commit). */
static int merge_base_side(struct queue_run *a, const struct queue_run *b, struct repo *repo,
			   const char *line, char *err, size_t errsize)
{
	char base[STORE_HASH_LEN + 1];
	int rc = repo_merge_base(base, repo, a->commit, b->commit);
	if (rc == -ENOENT)
		return queueline_refused(err, errsize, line, "the two sides share no history");
	if (rc) {
		snprintf(err, errsize, "the merge base of %.12s and %.12s cannot be read",
			 a->commit, b->commit);
		return rc;
	}
	memcpy(a->commit, base, sizeof(base));
	free(a->revision);
	if (!(a->revision = strdup(base))) {
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* One line's runs appended at list[*count]: one, or the two sides of "a..b",
 * each resolved to its commit; "a...b" is the merge base of a and b against
 * b, as compare/ and git diff read three dots. */
static int add_line(struct queue_run *list, size_t *count, struct repo *repo, const char *line,
		    char *err, size_t errsize)
{
	char *sides[2] = {NULL, NULL}, *written = NULL;
	int merge_base = three_dots(&written, line, err, errsize), pair, rc = 0;
	size_t first = *count;
	if (merge_base < 0)
		return merge_base;
	pair = queueline_pair(&sides[0], &sides[1], written ? written : line, err, errsize);
	free(written);
	if (pair < 0)
		return merge_base && pair == -EINVAL
			       ? queueline_refused(err, errsize, line,
					      "an A/B line needs a revision on each side of \"...\"")
			       : pair;
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
	if (!rc && merge_base)
		rc = merge_base_side(&list[first], &list[first + 1], repo, line, err, errsize);
	free(sides[0]);
	free(sides[1]);
	return rc;
}

/* The configuration's "profiles" (config.h: normalised label lists) for a
 * line that named none: the line's runs list[first..*count) become the
 * first profile's, and a copy of them is appended for each other one. */
static int per_profile(struct queue_run *list, size_t *count, size_t first, json_object *profiles,
		       char *err, size_t errsize)
{
	size_t end = *count, nprofiles = json_object_array_length(profiles);
	for (size_t p = 0; p < nprofiles; p++) {
		const char *labels = json_object_get_string(json_object_array_get_idx(profiles, p));
		for (size_t j = first; j < end; j++) {
			struct queue_run *r = p == 0 ? &list[j] : &list[(*count)++];
			if (p > 0) {
				*r = list[j];
				r->labels = NULL;
				r->revision = strdup(list[j].revision);
			}
			if (!r->revision || !(r->labels = strdup(labels ? labels : ""))) {
				snprintf(err, errsize, "out of memory");
				return -ENOMEM;
			}
		}
	}
	return 0;
}

int queue_submit(struct queue_run **runs, size_t *n, struct store *store, struct repo *repo,
		 const char *config_json, const char *text, size_t len, char *err,
		 size_t errsize)
{
	char **lines = NULL;
	size_t nlines = 0, count = 0, nprofiles = 0, most;
	struct queue_run *list = NULL;
	struct store_new_run *jobs = NULL;
	int64_t *ids = NULL;
	json_object *config = json_tokener_parse(config_json), *profiles = NULL;
	int rc, src;
	*runs = NULL;
	*n = 0;
	/* Profiles are a fleet's: one machine of its own (SQLite) measures what
	 * it is given, so a configuration shared with a fleet works there too. */
	if (store_shared(store) && json_object_object_get_ex(config, "profiles", &profiles) &&
	    json_object_is_type(profiles, json_type_array))
		nprofiles = json_object_array_length(profiles);
	if ((rc = queueline_split(&lines, &nlines, text, len, err, errsize))) {
		json_object_put(config);
		return rc;
	}
	if (nlines == 0) {
		json_object_put(config);
		return 0;
	}
	/* At most two runs a line, once per profile. */
	most = 2 * nlines * (nprofiles ? nprofiles : 1);
	list = calloc(most, sizeof(*list));
	jobs = calloc(most, sizeof(*jobs));
	ids = calloc(most, sizeof(*ids));
	if (!list || !jobs || !ids) {
		snprintf(err, errsize, "out of memory");
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < nlines && !rc; i++) {
		char labels[LABELS_MAX];
		size_t first = count;
		int pulled;
		if ((rc = queueline_options(lines[i], labels, sizeof(labels), err, errsize)))
			break;
		/* "pr/<n>" and "<remote>/<branch>": fetched, then an A/B job (pull.h). */
		pulled = pull_add_line(list, &count, repo, config_json, lines[i], err, errsize);
		rc = pulled < 0 ? pulled : pulled ? 0 : add_line(list, &count, repo, lines[i], err,
								 errsize);
		if (!rc && !labels[0] && nprofiles)
			rc = per_profile(list, &count, first, profiles, err, errsize);
		else
			for (size_t j = first; j < count && !rc; j++)
				if (!(list[j].labels = strdup(labels))) {
					snprintf(err, errsize, "out of memory");
					rc = -ENOMEM;
				}
	}
	if (rc)
		goto done;
	for (size_t i = 0; i < count; i++)
		jobs[i] = (struct store_new_run){.revision = list[i].revision,
						 .commit = list[i].commit,
						 .config = config_json,
						 .paired_with_next = list[i].side == QUEUE_SIDE_A,
						 .labels = list[i].labels};
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
	json_object_put(config);
	queue_runs_free(list, count);
	queueline_free(lines, nlines);
	free(jobs);
	free(ids);
	return rc;
}
