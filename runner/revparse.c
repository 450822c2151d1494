#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "revparse.h"

const char *revparse_git_error(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

int revparse_commit(char *out, git_repository *repo, const char *rev, char *err, size_t errsize)
{
	git_object *obj = NULL, *commit = NULL;
	int result = -EINVAL;
	if (git_revparse_single(&obj, repo, rev) < 0) {
		/* Quote at most 100 bytes: the message is for a log line. */
		snprintf(err, errsize, "unknown revision \"%.100s%s\": %s", rev,
			 strlen(rev) > 100 ? "..." : "", revparse_git_error());
		goto done;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		snprintf(err, errsize, "revision \"%.100s%s\" does not name a commit", rev,
			 strlen(rev) > 100 ? "..." : "");
		goto done;
	}
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, git_object_id(commit));
	result = 0;
done:
	git_object_free(commit);
	git_object_free(obj);
	return result;
}
