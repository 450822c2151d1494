/* Pinning and unpinning baselines, and the rules for their names
 * (baselines.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/baselines.h"
#include "queue/queueline.h"
#include "repo/revparse.h"

bool baseline_name_valid(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > STORE_BASELINE_NAME_MAX || name[0] == '.')
		return false;
	/* Names that mean something else in a compare name would be shadowed there. */
	if (strcmp(name, "latest") == 0 || strspn(name, "0123456789") == len ||
	    (strncmp(name, "run-", 4) == 0 && strspn(name + 4, "0123456789") == len - 4))
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	       len;
}

int baseline_name_check(const char *name, char *err, size_t errsize)
{
	if (baseline_name_valid(name))
		return 0;
	snprintf(err, errsize,
		 "a name is 1 to %d of A-Z a-z 0-9 . _ -, not starting with a dot, and not latest"
		 " or a run id",
		 STORE_BASELINE_NAME_MAX);
	return -EINVAL;
}

/* The pin of lines[0]; "latest" is the views' name of the newest done run. */
static int pin_line(struct store_baseline_event *pinned, struct store *store, struct repo *repo,
		    int64_t uid, const char *host, const char *name, const char *line, char *err,
		    size_t errsize)
{
	char hash[STORE_HASH_LEN + 1], why[512];
	struct store_pin pin = {.name = name, .revision = line, .uid = uid, .host = host};
	int rc, src;
	if (revparse_commit(hash, repo, name, why, sizeof(why)) == 0) {
		/* In a compare name the baseline would hide the revision: refused
		 * rather than shadowing it silently. */
		snprintf(err, errsize,
			 "the repository already has a revision of that name (commit %s): choose"
			 " another name",
			 hash);
		return -EEXIST;
	}
	if (strcmp(line, "latest") != 0) {
		if ((rc = revparse_commit(hash, repo, line, err, errsize)))
			return rc;
		pin.commit = hash;
	}
	if ((src = store_baseline_pin(store, pinned, &pin)) == STORE_NOTFOUND) {
		snprintf(err, errsize, "latest: no run has finished yet");
		return -EINVAL;
	}
	if (src)
		snprintf(err, errsize, "the store cannot pin it");
	return store_errno(src);
}

int baseline_pin_by(struct store_baseline_event *pinned, struct store *store, struct repo *repo,
		    int64_t uid, const char *host, const char *name, const char *text, size_t len,
		    char *err, size_t errsize)
{
	char **lines = NULL;
	size_t n = 0;
	int rc;
	memset(pinned, 0, sizeof(*pinned));
	if ((rc = baseline_name_check(name, err, errsize)) ||
	    (rc = queueline_split(&lines, &n, text, len, err, errsize)))
		return rc;
	if (n != 1) {
		snprintf(err, errsize, "write exactly one revision");
		rc = -EINVAL;
	} else {
		rc = pin_line(pinned, store, repo, uid, host, name, lines[0], err, errsize);
	}
	queueline_free(lines, n);
	return rc;
}

int baseline_pin(char *commit, char **revision, struct store *store, struct repo *repo,
		 const char *name, const char *text, size_t len, char *err, size_t errsize)
{
	struct store_baseline_event e;
	int rc = baseline_pin_by(&e, store, repo, -1, NULL, name, text, len, err, errsize);
	if (rc)
		return rc;
	memcpy(commit, e.commit, sizeof(e.commit));
	*revision = e.revision;
	e.revision = NULL;
	store_baseline_event_clear(&e);
	return 0;
}

int baseline_unpin_by(struct store *store, int64_t uid, const char *host, const char *name,
		      char *err, size_t errsize)
{
	int src = baseline_name_valid(name) ? store_baseline_unpin(store, name, uid, host)
					    : STORE_NOTFOUND;
	if (src == STORE_NOTFOUND)
		snprintf(err, errsize, "no such baseline");
	else if (src)
		snprintf(err, errsize, "the store cannot unpin it");
	return store_errno(src);
}

int baseline_unpin(struct store *store, const char *name, char *err, size_t errsize)
{
	return baseline_unpin_by(store, -1, NULL, name, err, errsize);
}
