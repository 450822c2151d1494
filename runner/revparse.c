#include <errno.h>
#include <stdio.h>

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
		snprintf(err, errsize, "unknown revision \"%s\": %s", rev, revparse_git_error());
		goto done;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		snprintf(err, errsize, "revision \"%s\" does not name a commit", rev);
		goto done;
	}
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, git_object_id(commit));
	result = 0;
done:
	git_object_free(commit);
	git_object_free(obj);
	return result;
}
