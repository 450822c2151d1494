/* The report of a pull request's newest A/B job (compare_pull.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/pull.h"
#include "repo/repo.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/compare_pull.h"
#include "views/format.h"

int compare_pull_parse_name(char **line, enum compare_format *format, const char *name)
{
	size_t len = strlen(name), stem;
	char *text;
	int rc;
	*line = NULL;
	if (len > 3 && strcmp(name + len - 3, ".md") == 0) {
		*format = COMPARE_MD;
		stem = len - 3;
	} else if (len > 5 && strcmp(name + len - 5, ".json") == 0) {
		*format = COMPARE_JSON;
		stem = len - 5;
	} else {
		return -ENOENT;
	}
	/* A name with ".." is compare/<a>..<b>'s. */
	if (strstr(name, "..") || !(text = strndup(name, stem)))
		return strstr(name, "..") ? -ENOENT : -ENOMEM;
	rc = pull_line_of_stem(line, text);
	free(text);
	return rc < 0 ? rc : rc ? 0 : -ENOENT;
}

int compare_pull_find(struct side_ref *a, struct side_ref *b, const struct view_ctx *ctx,
		      const char *line)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = store_run_ids(ctx->store, &ids, &n), found = -ENOENT;
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	if (rc)
		return store_errno(rc);
	/* Newest first: side B is queued right after its side A. */
	for (size_t i = n; i-- > 1 && found == -ENOENT;) {
		struct store_run rb, ra;
		if ((rc = store_run_get_light(ctx->store, &rb, ids[i]))) {
			found = store_errno(rc);
			break;
		}
		if (strcmp(rb.revision, line) != 0) {
			store_run_clear(&rb);
			continue;
		}
		store_run_clear(&rb);
		if ((rc = store_run_get(ctx->store, &rb, ids[i]))) {
			found = store_errno(rc);
			break;
		}
		if (rb.pair_id > 0 && rb.pair_id < rb.id &&
		    !(rc = store_run_get_light(ctx->store, &ra, rb.pair_id))) {
			if (pull_job_matches(ra.revision, rb.revision, line)) {
				found = ra.state == RUN_DONE && rb.state == RUN_DONE ? 0 : -ENOENT;
				memcpy(a->commit, ra.commit, sizeof(a->commit));
				memcpy(b->commit, rb.commit, sizeof(b->commit));
				a->run_id = ra.id;
				b->run_id = rb.id;
				/* The newest job, finished or not: an older one would
				 * not be the head as pushed now. */
				if (found)
					i = 1;
			}
			store_run_clear(&ra);
		} else if (rc && rc != STORE_NOTFOUND) {
			found = store_errno(rc);
		}
		store_run_clear(&rb);
	}
	free(ids);
	return found;
}

/* "main" of side A's revision "main...pr/7". */
static char *tracked_of(const struct view_ctx *ctx, int64_t run_a, const char *line)
{
	struct store_run ra;
	char *out = NULL;
	if (store_run_get_light(ctx->store, &ra, run_a))
		return strdup("?");
	if (strlen(ra.revision) > strlen(line) + 3)
		out = strndup(ra.revision, strlen(ra.revision) - strlen(line) - 3);
	store_run_clear(&ra);
	return out ? out : strdup("?");
}

static void short_id(char out[REPO_HEX_SIZE], const struct view_ctx *ctx, const char *commit)
{
	if (repo_short_id(out, ctx->repo, commit))
		snprintf(out, REPO_HEX_SIZE, "%.12s", commit);
}

/* The markdown line after the title: what was measured. */
static int md_with_line(char **text, const struct view_ctx *ctx, const char *line,
			const char *tracked, const struct side_ref *a, const struct side_ref *b)
{
	struct strbuf out = STRBUF_INIT;
	char head[REPO_HEX_SIZE], base[REPO_HEX_SIZE];
	const char *title = strstr(*text, "\n# "), *after;
	size_t at;
	if (!title || !(after = strstr(title + 1, "\n\n")))
		return 0;
	at = (size_t)(after - *text) + 2;
	short_id(head, ctx, b->commit);
	short_id(base, ctx, a->commit);
	strbuf_add(&out, *text, at);
	if (strncmp(line, "pr/", 3) == 0)
		strbuf_addf(&out, "Pull request `%s`: head `%s`, measured against `%s`, its merge base"
				  " with `%s`.\n\n", line, head, base, tracked);
	else
		strbuf_addf(&out, "Remote branch `%s`: tip `%s`, measured against `%s`, its merge"
				  " base with `%s`.\n\n", line, head, base, tracked);
	strbuf_addstr(&out, *text + at);
	if (strbuf_error(&out)) {
		strbuf_release(&out);
		return -ENOMEM;
	}
	free(*text);
	*text = strbuf_detach(&out, NULL);
	return *text ? 0 : -ENOMEM;
}

/* The JSON report with "pull": {"kind", "name", "head", "merge_base", "branch"}. */
static int json_with_pull(char **text, const char *line, const char *tracked,
			  const struct side_ref *a, const struct side_ref *b)
{
	json_object *root = json_tokener_parse(*text), *pull = json_object_new_object();
	char *out;
	if (!root || !pull) {
		json_object_put(root);
		json_object_put(pull);
		return root ? -ENOMEM : -EIO;
	}
	json_object_object_add(pull, "kind", json_object_new_string(strncmp(line, "pr/", 3) == 0
									     ? "pull_request"
									     : "remote_branch"));
	json_object_object_add(pull, "name", json_object_new_string(line));
	json_object_object_add(pull, "head", json_object_new_string(b->commit));
	json_object_object_add(pull, "merge_base", json_object_new_string(a->commit));
	json_object_object_add(pull, "branch", json_object_new_string(tracked));
	json_object_object_add(root, "pull", pull);
	out = json_text(root);
	json_object_put(root);
	if (!out)
		return -ENOMEM;
	free(*text);
	*text = out;
	return 0;
}

int compare_pull_render(char **text, const struct view_ctx *ctx, const char *line,
			const struct side_ref *a, const struct side_ref *b,
			enum compare_format format)
{
	char a_name[32], b_name[32], *tracked;
	int rc;
	*text = NULL;
	runid_dir_name(a_name, sizeof(a_name), a->run_id);
	runid_dir_name(b_name, sizeof(b_name), b->run_id);
	if ((rc = compare_render(text, ctx, a_name, a, b_name, b, format)))
		return rc;
	if (!(tracked = tracked_of(ctx, a->run_id, line))) {
		rc = -ENOMEM;
	} else {
		rc = format == COMPARE_JSON ? json_with_pull(text, line, tracked, a, b)
					    : md_with_line(text, ctx, line, tracked, a, b);
		free(tracked);
	}
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
