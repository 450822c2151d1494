#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "checkout.h"
#include "revparse.h"
#include "rmtree.h"

int checkout_commit(git_repository *repo, const char *commit, const char *dir, char *err,
		    size_t errsize)
{
	git_checkout_options opts;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_oid oid;
	int result = -1, rc;
	/* A fresh directory every time: nothing a previous build left can leak in. */
	if ((rc = rmtree(dir)) || mkdir(dir, 0755)) {
		snprintf(err, errsize, "cannot prepare checkout directory %s: %s", dir,
			 strerror(rc ? -rc : errno));
		return -1;
	}
	if (git_oid_fromstr(&oid, commit) < 0 || git_commit_lookup(&c, repo, &oid) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		snprintf(err, errsize, "cannot read commit %s: %s", commit, revparse_git_error());
		goto done;
	}
	git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
	opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
	opts.target_directory = dir;
	if (git_checkout_tree(repo, (git_object *)tree, &opts) < 0) {
		snprintf(err, errsize, "checkout of %s failed: %s", commit, revparse_git_error());
		goto done;
	}
	result = 0;
done:
	git_tree_free(tree);
	git_commit_free(c);
	return result;
}
