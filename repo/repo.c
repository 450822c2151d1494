/* The repository handle, its branches and commits, and first-parent walks
 * (repo.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/internal.h"
#include "repo/repo.h"

const char *repo_git_error(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

int repo_oid_parse(git_oid *out, const char *hex)
{
	/* git_oid_fromstr would take the first 40 digits of a longer string. */
	if (strlen(hex) != REPO_HEX_LEN || git_oid_fromstrn(out, hex, REPO_HEX_LEN) < 0)
		return -ENOENT;
	return 0;
}

int repo_commit_lookup(git_commit **out, struct repo *r, const char *hex)
{
	git_oid oid;
	*out = NULL;
	if (repo_oid_parse(&oid, hex) || git_commit_lookup(out, r->git, &oid) < 0)
		return -ENOENT;
	return 0;
}

int repo_lib_init(void)
{
	return git_libgit2_init() < 0 ? -EIO : 0;
}

void repo_lib_shutdown(void)
{
	git_libgit2_shutdown();
}

const char *repo_lib_version(void)
{
	return LIBGIT2_VERSION;
}

static int open_flags(struct repo **out, const char *path, unsigned flags, char *err,
		      size_t errsize)
{
	struct repo *r = calloc(1, sizeof(*r));
	int rc;
	*out = NULL;
	if (!r) {
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	if ((rc = git_repository_open_ext(&r->git, path, flags, NULL)) < 0) {
		snprintf(err, errsize, "%s", repo_git_error());
		free(r);
		return rc == GIT_ENOTFOUND ? -ENOENT : -EIO;
	}
	*out = r;
	return 0;
}

int repo_open(struct repo **out, const char *path, char *err, size_t errsize)
{
	return open_flags(out, path, GIT_REPOSITORY_OPEN_NO_SEARCH, err, errsize);
}

int repo_discover(struct repo **out, const char *path, char *err, size_t errsize)
{
	return open_flags(out, path, 0, err, errsize);
}

void repo_free(struct repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r);
}

const char *repo_gitdir(const struct repo *r)
{
	return git_repository_path(r->git);
}

const char *repo_workdir(const struct repo *r)
{
	return git_repository_workdir(r->git);
}

/* ---- branches ---- */

int repo_head_branch(char **out, struct repo *r)
{
	git_reference *head = NULL;
	int rc = -ENOENT;
	*out = NULL;
	/* An unborn branch fails here too: nothing to follow yet. */
	if (git_repository_head(&head, r->git) == 0 && git_reference_is_branch(head))
		rc = (*out = strdup(git_reference_name(head))) ? 0 : -ENOMEM;
	git_reference_free(head);
	return rc;
}

static bool ref_exists(struct repo *r, const char *name)
{
	git_reference *ref = NULL;
	bool found = git_reference_lookup(&ref, r->git, name) == 0;
	git_reference_free(ref);
	return found;
}

int repo_branch_resolve(char **out, struct repo *r, const char *name)
{
	char *remote = NULL;
	bool full = strncmp(name, "refs/", 5) == 0;
	*out = NULL;
	if (full)
		*out = strdup(name);
	else if (asprintf(out, "refs/heads/%s", name) < 0)
		*out = NULL;
	if (!*out)
		return -ENOMEM;
	if (ref_exists(r, *out))
		return 0;
	if (full)
		return -ENOENT;
	/* "origin/release": a remote-tracking branch, when no local one has the name. */
	if (asprintf(&remote, "refs/remotes/%s", name) < 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	if (!ref_exists(r, remote)) {
		free(remote);
		return -ENOENT;
	}
	free(*out);
	*out = remote;
	return 0;
}

int repo_ref_commit(char *out, struct repo *r, const char *refname)
{
	git_oid oid;
	if (git_reference_name_to_id(&oid, r->git, refname) < 0)
		return -ENOENT;
	git_oid_tostr(out, REPO_HEX_SIZE, &oid);
	return 0;
}

/* ---- commits ---- */

bool repo_commit_exists(struct repo *r, const char *commit)
{
	git_commit *c = NULL;
	bool found = repo_commit_lookup(&c, r, commit) == 0;
	git_commit_free(c);
	return found;
}

int repo_first_parent(char *out, struct repo *r, const char *commit)
{
	git_commit *c = NULL;
	int rc = repo_commit_lookup(&c, r, commit);
	if (rc)
		return rc;
	/* The parent's id is in the commit: the parent itself is not read. */
	if (git_commit_parentcount(c) > 0)
		git_oid_tostr(out, REPO_HEX_SIZE, git_commit_parent_id(c, 0));
	else
		out[0] = '\0';
	git_commit_free(c);
	return 0;
}

int repo_merge_base(char *out, struct repo *r, const char *a, const char *b)
{
	git_commit *ca = NULL, *cb = NULL;
	git_oid base;
	int rc = repo_commit_lookup(&ca, r, a);
	if (rc || (rc = repo_commit_lookup(&cb, r, b)))
		goto done;
	rc = git_merge_base(&base, r->git, git_commit_id(ca), git_commit_id(cb));
	if (rc == GIT_ENOTFOUND) {
		rc = -ENOENT;
	} else if (rc < 0) {
		rc = -EIO;
	} else {
		git_oid_tostr(out, REPO_HEX_SIZE, &base);
		rc = 0;
	}
done:
	git_commit_free(ca);
	git_commit_free(cb);
	return rc;
}

int repo_subject(char **out, struct repo *r, const char *commit)
{
	git_commit *c = NULL;
	const char *summary;
	int rc = repo_commit_lookup(&c, r, commit);
	*out = NULL;
	if (rc)
		return rc;
	/* NULL only when libgit2 runs out of memory. */
	summary = git_commit_summary(c);
	rc = summary && (*out = strdup(summary)) ? 0 : -ENOMEM;
	git_commit_free(c);
	return rc;
}

int repo_short_id(char *out, struct repo *r, const char *commit)
{
	git_commit *c = NULL;
	git_buf buf = {0};
	int rc = repo_commit_lookup(&c, r, commit);
	if (rc)
		return rc;
	if (git_object_short_id(&buf, (const git_object *)c) == 0)
		snprintf(out, REPO_HEX_SIZE, "%s", buf.ptr);
	else
		rc = -ENOMEM; /* the commit was read: only the abbreviation failed */
	git_buf_dispose(&buf);
	git_commit_free(c);
	return rc;
}

/* ---- first-parent walks ---- */

struct repo_walk {
	git_commit *cur; /* the commit given last (before the first call: the tip) */
	bool started;
	size_t left;     /* commits it may still give */
};

int repo_walk_new(struct repo_walk **out, struct repo *r, const char *tip, size_t limit)
{
	struct repo_walk *w = calloc(1, sizeof(*w));
	int rc;
	*out = NULL;
	if (!w)
		return -ENOMEM;
	if ((rc = repo_commit_lookup(&w->cur, r, tip))) {
		free(w);
		return rc;
	}
	w->left = limit;
	*out = w;
	return 0;
}

int repo_walk_next(struct repo_walk *w, char *id, int64_t *time)
{
	/* The parent is read only when asked for: a caller that stops at the
	 * commit it was looking for costs no read beyond it. */
	if (w->started && w->cur) {
		git_commit *parent = NULL;
		if (w->left == 0 || git_commit_parentcount(w->cur) == 0 ||
		    git_commit_parent(&parent, w->cur, 0) < 0)
			parent = NULL;
		git_commit_free(w->cur);
		w->cur = parent;
	}
	w->started = true;
	if (!w->cur || w->left == 0)
		return 0;
	w->left--;
	git_oid_tostr(id, REPO_HEX_SIZE, git_commit_id(w->cur));
	if (time)
		*time = (int64_t)git_commit_time(w->cur);
	return 1;
}

void repo_walk_free(struct repo_walk *w)
{
	if (!w)
		return;
	git_commit_free(w->cur);
	free(w);
}
