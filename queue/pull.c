/* Pull requests and remote branches in the queue: parse, fetch, merge base,
 * two runs (pull.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/pulls.h"
#include "queue/pull.h"
#include "queue/queueline.h"
#include "repo/fetch.h"
#include "repo/repo.h"
#include "repo/revparse.h"
#include "util/strbuf.h"

int pull_parse_request(long *number, const char *line, char *err, size_t errsize)
{
	const char *digits = line + 3;
	long n = 0;
	if (strncmp(line, "pr/", 3) != 0)
		return 0;
	if (*digits < '1' || *digits > '9')
		return queueline_refused(err, errsize, line,
				    "a pull request is pr/<n>, n a number from 1 (pr/123)");
	for (const char *c = digits; *c; c++) {
		if (*c < '0' || *c > '9')
			return queueline_refused(err, errsize, line,
					    "a pull request is pr/<n>, n a number from 1 (pr/123)");
		if (n > (PULL_NUMBER_MAX - (*c - '0')) / 10)
			return queueline_refused(err, errsize, line,
					    "no pull request has so large a number");
		n = n * 10 + (*c - '0');
	}
	*number = n;
	return 1;
}

bool pull_branch_name_valid(const char *name)
{
	size_t len = strlen(name);
	const char *component = name;
	if (len == 0 || strcmp(name, "@") == 0 || name[len - 1] == '/' || name[len - 1] == '.' ||
	    strstr(name, "..") || strstr(name, "//") || strstr(name, "@{"))
		return false;
	for (const char *c = name;; c++) {
		if (*c == '/' || *c == '\0') {
			size_t clen = (size_t)(c - component);
			if (clen == 0 || component[0] == '.' ||
			    (clen >= 5 && strncmp(c - 5, ".lock", 5) == 0))
				return false;
			if (*c == '\0')
				return true;
			component = c + 1;
			continue;
		}
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr("~^:?*[\\", *c))
			return false;
	}
}

int pull_split_branch(char **remote, char **branch, const char *line)
{
	const char *slash = strchr(line, '/');
	*remote = *branch = NULL;
	if (!slash || slash == line || !slash[1] || strncmp(line, "refs/", 5) == 0 ||
	    strncmp(line, "remotes/", 8) == 0 || !pull_branch_name_valid(line))
		return 0;
	if (!(*remote = strndup(line, (size_t)(slash - line))) || !(*branch = strdup(slash + 1))) {
		free(*remote);
		*remote = NULL;
		return -ENOMEM;
	}
	return 1;
}

/* A full ref name as a person writes it: "main", "origin/main". */
static const char *ref_short(const char *ref)
{
	if (strncmp(ref, "refs/heads/", 11) == 0)
		return ref + 11;
	if (strncmp(ref, "refs/remotes/", 13) == 0)
		return ref + 13;
	return ref;
}

char *pull_base_revision(const char *tracked, const char *line)
{
	char *out;
	return asprintf(&out, "%s...%s", ref_short(tracked), line) < 0 ? NULL : out;
}

bool pull_job_matches(const char *a_rev, const char *b_rev, const char *line)
{
	size_t alen = strlen(a_rev), llen = strlen(line);
	return strcmp(b_rev, line) == 0 && alen > llen + 3 &&
	       strncmp(a_rev + alen - llen - 3, "...", 3) == 0 &&
	       strcmp(a_rev + alen - llen, line) == 0;
}

int pull_line_of_stem(char **line, const char *stem)
{
	char *text, *remote, *branch, err[8];
	long number;
	int rc;
	*line = NULL;
	if (strncmp(stem, "pr-", 3) == 0) {
		if (asprintf(&text, "pr/%s", stem + 3) < 0)
			return -ENOMEM;
		if (pull_parse_request(&number, text, err, sizeof(err)) != 1) {
			free(text);
			return 0;
		}
		*line = text;
		return 1;
	}
	if (!strchr(stem, ':') || !(text = strdup(stem)))
		return strchr(stem, ':') ? -ENOMEM : 0;
	for (char *c = text; *c; c++)
		if (*c == ':')
			*c = '/';
	/* "pr:7" would be the line "pr/7": a pull request, named pr-7. */
	if ((rc = pull_split_branch(&remote, &branch, text)) != 1 || strcmp(remote, "pr") == 0) {
		free(text);
		if (rc == 1) {
			free(remote);
			free(branch);
		}
		return rc < 0 ? rc : 0;
	}
	free(remote);
	free(branch);
	*line = text;
	return 1;
}

/* What a line asks for, once recognised. */
struct pull_job {
	const char *line;
	char *remote;       /* where to fetch from */
	char *source;       /* the remote's ref */
	char *local;        /* the ref benchfs owns that receives it */
	char *tracked;      /* the tracked branch, full name */
	/* When the tracked branch is a remote-tracking one, its remote and the
	 * branch there, fetched too: the merge base is with the remote's copy. */
	char *tracked_remote, *tracked_source;
	struct pulls_config *pulls; /* the configured section; NULL: defaults */
};

static void pull_job_clear(struct pull_job *job)
{
	free(job->remote);
	free(job->source);
	free(job->local);
	free(job->tracked);
	free(job->tracked_remote);
	free(job->tracked_source);
	pulls_free(job->pulls);
}

static int nomem(char *err, size_t errsize)
{
	snprintf(err, errsize, "out of memory");
	return -ENOMEM;
}

/* The "pull_requests" section and the tracked branch the jobs are queued
 * with. The configuration was validated when it was loaded; a text that is
 * not one (a test's "{}") has the defaults and HEAD's branch. */
static int read_settings(struct pull_job *job, struct repo *repo, const char *config_json,
			 char *err, size_t errsize)
{
	json_object *root = config_json ? json_tokener_parse(config_json) : NULL, *branch;
	const char *name = NULL;
	int rc = 0;
	if (root && json_object_is_type(root, json_type_object)) {
		if ((rc = pulls_parse(&job->pulls, root, err, errsize)))
			goto done;
		if (json_object_object_get_ex(root, "branch", &branch) &&
		    json_object_is_type(branch, json_type_string))
			name = json_object_get_string(branch);
	}
	if (name) {
		rc = repo_branch_resolve(&job->tracked, repo, name);
		/* A remote-tracking branch not fetched yet is fetched below. */
		if (rc == -ENOENT && strncmp(job->tracked, "refs/remotes/", 13) == 0)
			rc = 0;
		if (rc == -ENOENT)
			rc = queueline_refused(err, errsize, job->line,
					  "the tracked branch does not exist: nothing to compare"
					  " against");
	} else if ((rc = repo_head_branch(&job->tracked, repo)) == -ENOENT) {
		rc = queueline_refused(err, errsize, job->line,
				  "HEAD names no branch and the configuration names none:"
				  " nothing to compare against");
	}
	if (rc == -ENOMEM)
		nomem(err, errsize);
done:
	json_object_put(root);
	return rc;
}

/* refs/remotes/<remote>/<branch>: fetch <branch> of <remote> into it, when
 * <remote> is configured (else the local ref is all there is). */
static int tracked_fetch_plan(struct pull_job *job, struct repo *repo)
{
	const char *rest, *slash;
	if (strncmp(job->tracked, "refs/remotes/", 13) != 0)
		return 0;
	rest = job->tracked + 13;
	if (!(slash = strchr(rest, '/')) || slash == rest)
		return 0;
	if (!(job->tracked_remote = strndup(rest, (size_t)(slash - rest))))
		return -ENOMEM;
	if (!repo_remote_exists(repo, job->tracked_remote)) {
		free(job->tracked_remote);
		job->tracked_remote = NULL;
		return 0;
	}
	return asprintf(&job->tracked_source, "+refs/heads/%s:%s", slash + 1, job->tracked) < 0
		       ? (job->tracked_source = NULL, -ENOMEM)
		       : 0;
}

/* 1 with job filled when line is a pull request or a remote branch, 0 when
 * it is neither, or a negative errno with the message in err. */
static int recognise(struct pull_job *job, struct repo *repo, const char *config_json,
		     const char *line, char *err, size_t errsize)
{
	char *remote = NULL, *branch = NULL, *local_branch = NULL;
	const struct pulls_config *pulls;
	long number;
	int is_pr, rc;
	memset(job, 0, sizeof(*job));
	job->line = line;
	if ((is_pr = pull_parse_request(&number, line, err, errsize)) < 0) {
		char commit[REPO_HEX_SIZE], ignored[8];
		/* A branch or tag "pr/topic" of the repository stays what it was. */
		return revparse_commit(commit, repo, line, ignored, sizeof(ignored)) ? is_pr : 0;
	}
	if (!is_pr) {
		if ((rc = pull_split_branch(&remote, &branch, line)) <= 0)
			return rc < 0 ? nomem(err, errsize) : 0;
		/* A local branch of the whole name is what git would take. */
		if (asprintf(&local_branch, "refs/heads/%s", line) < 0) {
			local_branch = NULL;
			rc = nomem(err, errsize);
			goto done;
		}
		{
			char commit[REPO_HEX_SIZE];
			if (!repo_remote_exists(repo, remote) ||
			    repo_ref_commit(commit, repo, local_branch) == 0) {
				rc = 0;
				goto done;
			}
		}
	}
	if ((rc = read_settings(job, repo, config_json, err, errsize)))
		goto done;
	pulls = pulls_or_default(job->pulls);
	if (!is_pr && !pulls->remote_branches) {
		rc = 0;
		goto done;
	}
	if (is_pr) {
		const char *n = strstr(pulls->ref, "{n}");
		job->remote = strdup(pulls->remote);
		if (asprintf(&job->source, "%.*s%ld%s", (int)(n - pulls->ref), pulls->ref, number,
			     n + 3) < 0)
			job->source = NULL;
		if (asprintf(&job->local, "refs/benchfs/pull/%ld", number) < 0)
			job->local = NULL;
	} else {
		job->remote = remote;
		remote = NULL;
		if (asprintf(&job->source, "refs/heads/%s", branch) < 0)
			job->source = NULL;
		if (asprintf(&job->local, "refs/benchfs/remotes/%s", line) < 0)
			job->local = NULL;
	}
	if (!job->remote || !job->source || !job->local ||
	    tracked_fetch_plan(job, repo) == -ENOMEM) {
		rc = nomem(err, errsize);
		goto done;
	}
	rc = 1;
done:
	free(remote);
	free(branch);
	free(local_branch);
	if (rc != 1)
		pull_job_clear(job);
	return rc;
}

/* Fetch the head (and the tracked branch's remote copy, in the same fetch
 * when it comes from the same remote). */
static int fetch(struct pull_job *job, struct repo *repo, char *err, size_t errsize)
{
	char *spec = NULL, fetch_err[512] = "";
	const char *specs[2];
	size_t n = 0;
	bool together = job->tracked_remote && strcmp(job->tracked_remote, job->remote) == 0;
	int rc;
	if (asprintf(&spec, "+%s:%s", job->source, job->local) < 0)
		return nomem(err, errsize);
	specs[n++] = spec;
	if (together)
		specs[n++] = job->tracked_source;
	rc = repo_fetch(repo, job->remote, specs, n, fetch_err, sizeof(fetch_err));
	free(spec);
	if (!rc && job->tracked_remote && !together) {
		specs[0] = job->tracked_source;
		if ((rc = repo_fetch(repo, job->tracked_remote, specs, 1, fetch_err,
				     sizeof(fetch_err)))) {
			struct strbuf why = STRBUF_INIT;
			strbuf_addf(&why, "cannot fetch the tracked branch %s from %s: %s",
				    ref_short(job->tracked), job->tracked_remote, fetch_err);
			queueline_refused(err, errsize, job->line,
				     strbuf_error(&why) ? "cannot fetch the tracked branch" : why.buf);
			strbuf_release(&why);
			return rc;
		}
	}
	if (rc) {
		struct strbuf why = STRBUF_INIT;
		if (rc == -ENOENT && strstr(fetch_err, job->source) && !together)
			strbuf_addf(&why, "%s has no %s", job->remote, job->source);
		else if (rc == -ENOENT)
			strbuf_addf(&why, "%s has no %s%s%s (%s)", job->remote, job->source,
				    together ? " or no " : "",
				    together ? job->tracked_source + 1 : "", fetch_err);
		else
			strbuf_addf(&why, "cannot fetch %s from %s: %s", job->source, job->remote,
				    fetch_err);
		queueline_refused(err, errsize, job->line,
			     strbuf_error(&why) ? "cannot fetch it" : why.buf);
		strbuf_release(&why);
	}
	return rc;
}

int pull_add_line(struct queue_run *runs, size_t *count, struct repo *repo,
		  const char *config_json, const char *line, char *err, size_t errsize)
{
	struct pull_job job;
	char head[REPO_HEX_SIZE], tip[REPO_HEX_SIZE], base[REPO_HEX_SIZE];
	struct queue_run *a = &runs[*count], *b = &runs[*count + 1];
	int rc = recognise(&job, repo, config_json, line, err, errsize);
	if (rc <= 0)
		return rc;
	if ((rc = fetch(&job, repo, err, errsize)))
		goto done;
	if (repo_ref_commit(head, repo, job.local)) {
		snprintf(err, errsize, "%s: %s cannot be read after the fetch", line, job.local);
		rc = -EIO;
		goto done;
	}
	if (repo_ref_commit(tip, repo, job.tracked)) {
		rc = queueline_refused(err, errsize, line, "the tracked branch does not exist:"
				  " nothing to compare against");
		goto done;
	}
	rc = repo_merge_base(base, repo, tip, head);
	if (rc == -ENOENT) {
		rc = queueline_refused(err, errsize, line, "its head shares no history with the"
				  " tracked branch");
		goto done;
	}
	if (rc) {
		snprintf(err, errsize, "%s: the merge base of %.12s and %.12s cannot be read", line,
			 tip, head);
		goto done;
	}
	if (strcmp(base, head) == 0) {
		rc = queueline_refused(err, errsize, line,
				  strncmp(line, "pr/", 3) == 0
					  ? "its head is on the tracked branch already: nothing to"
					    " compare"
					  : "its tip is on the tracked branch already: nothing to"
					    " compare (refs/remotes/<remote>/<branch> queues the"
					    " local remote-tracking branch's commit alone)");
		goto done;
	}
	memset(a, 0, 2 * sizeof(*a));
	if (!(a->revision = pull_base_revision(job.tracked, line)) ||
	    !(b->revision = strdup(line))) {
		free(a->revision);
		a->revision = NULL;
		rc = nomem(err, errsize);
		goto done;
	}
	memcpy(a->commit, base, sizeof(base));
	memcpy(b->commit, head, sizeof(head));
	a->side = QUEUE_SIDE_A;
	b->side = QUEUE_SIDE_B;
	*count += 2;
	rc = 1;
done:
	pull_job_clear(&job);
	return rc;
}
