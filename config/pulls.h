/* "pull_requests": where `pr/<n>` and `<remote>/<branch>` lines of the queue
 * fetch from (queue/pull.h). Absent from the configuration means the
 * defaults below; config->pulls is then NULL and the normalised JSON has no
 * such section, so a configuration without it reads as it did before. */
#ifndef BENCHFS_CONFIG_PULLS_H
#define BENCHFS_CONFIG_PULLS_H

#include <stdbool.h>
#include <stddef.h>

#define PULLS_DEFAULT_REMOTE "origin"
/* GitHub's; GitLab's is refs/merge-requests/{n}/head, Gitea's refs/pull/{n}/head. */
#define PULLS_DEFAULT_REF "refs/pull/{n}/head"

struct pulls_config {
	char *remote; /* a remote the repository configures, or a URL or path */
	char *ref;    /* the remote's ref of request {n}: "refs/" and one "{n}" */
	/* Whether "<remote>/<branch>" in the queue, <remote> being one the
	 * repository configures, fetches that branch for an A/B job against
	 * its merge base (true), or stays the local remote-tracking branch's
	 * commit alone, as before there were pull requests (false). */
	bool remote_branches;
};

struct json_object;

/* The "pull_requests" member of root (a JSON object) into *out: NULL when
 * the key is absent or null. 0, or -EINVAL with a one-line message naming
 * the key in err, or -ENOMEM. */
int pulls_parse(struct pulls_config **out, struct json_object *root, char *err, size_t errsize);
/* The section as config_to_json writes it (pulls_parse reads it back the
 * same); NULL when out of memory. */
struct json_object *pulls_to_json(const struct pulls_config *pulls);
/* Which settings apply: pulls itself, or the defaults when it is NULL. */
const struct pulls_config *pulls_or_default(const struct pulls_config *pulls);
void pulls_free(struct pulls_config *pulls);

#endif
