/* Queue lines that name something a remote has: "pr/<n>", a pull (merge)
 * request, and "<remote>/<branch>", a branch of a remote the repository
 * configures. Each is fetched (repo/fetch.h) into a ref benchfs owns and
 * queued as the interleaved A/B job of its merge base with the tracked
 * branch (side A) against its head (side B), as "a...b" is.
 *
 * The runs' revisions say what they are: side B is the line as written
 * ("pr/7", "origin/feature"), side A "<tracked>...<line>" ("main...pr/7":
 * where the two meet, as git reads three dots). compare/pr-7.md finds the
 * newest such job by them (views/compare_pull.h).
 *
 * "<remote>/<branch>" was, and with "remote_branches": false stays, the
 * commit of the local remote-tracking branch alone. It takes the new meaning
 * only when <remote> is a remote of the repository and no local branch has
 * the whole name; "refs/remotes/<remote>/<branch>" (or "remotes/...") keeps
 * naming the local remote-tracking branch's commit. "pr/<n>" is always the
 * request, whatever else has the name; refs/heads/pr/<n> names a local
 * branch of it. */
#ifndef BENCHFS_QUEUE_PULL_H
#define BENCHFS_QUEUE_PULL_H

#include <stdbool.h>
#include <stddef.h>

#include "queue/submit.h"
#include "repo/repo.h"

/* The largest request number: GitHub's and GitLab's fit an int. */
#define PULL_NUMBER_MAX 2147483647L

/* "pr/<n>": 1 with *number (1 to PULL_NUMBER_MAX, decimal, no sign or
 * leading zero); 0 when line does not start with "pr/"; -EINVAL with a
 * one-line message in err for any other "pr/..." ("pr/abc", "pr/0"). */
int pull_parse_request(long *number, const char *line, char *err, size_t errsize);

/* Whether name is a branch name git allows after refs/heads/ (its
 * check-ref-format rules): no "..", "//", "@{", control characters, space
 * or any of ~^:?*[\, no component starting with '.' or ending in ".lock",
 * not ending in '/' or '.', not "@". */
bool pull_branch_name_valid(const char *name);

/* "<remote>/<branch>" split at its first '/': 1 with *remote and *branch
 * malloc'd when both are non-empty and the whole is a valid branch name not
 * under "refs/" or "remotes/"; 0 when line is not of that shape; -ENOMEM. */
int pull_split_branch(char **remote, char **branch, const char *line);

/* The A/B job a line asks of a remote, appended at runs[*count] (side A,
 * then side B; room for two) with *count advanced by 2: 1 when line is
 * "pr/<n>" or a remote branch and it was fetched and resolved, 0 when line
 * is neither (a revision for the caller), or a negative errno with a
 * one-line message in err and nothing appended:
 *   -EINVAL   a malformed "pr/..." line (one the repository resolves as a
 *             revision, a branch "pr/topic", is returned 0 as before); no
 *             tracked branch; a head that
 *             shares no history with the tracked branch or is on it already
 *   -ENOENT   the remote has no such request or branch (or no such remote)
 *   -EACCES   the remote refused the credentials
 *   -EIO      the network or the remote failed (-ETIMEDOUT: it stalled)
 *   -ENOMEM
 * config_json is the configuration the jobs are queued with: its
 * "pull_requests" (config/pulls.h) and "branch" (the tracked branch; HEAD's
 * branch when it has none). */
int pull_add_line(struct queue_run *runs, size_t *count, struct repo *repo,
		  const char *config_json, const char *line, char *err, size_t errsize);

/* The revision of side A for a line: "<tracked>...<line>", malloc'd; NULL
 * when out of memory. tracked is a full ref name, shown short. */
char *pull_base_revision(const char *tracked, const char *line);
/* Whether runs with revisions a_rev (side A) and b_rev (side B) are the
 * A/B job of line ("pr/7", "origin/feature"). */
bool pull_job_matches(const char *a_rev, const char *b_rev, const char *line);

/* compare/'s file stem of a line and back: "pr/7" is "pr-7", a remote
 * branch has ':' for each '/' ("origin:feature:x" for origin/feature/x;
 * ref names hold no ':', so the two are one to one). pull_line_of_stem
 * gives the line (malloc'd) for a stem of either kind, after the same
 * checks as a queue line: 1, 0 when stem is neither, -ENOMEM. */
int pull_line_of_stem(char **line, const char *stem);

#endif
