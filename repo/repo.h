/* The git repository: the only folder that includes <git2.h>. Everything
 * above it works through an opaque struct repo and names commits by their
 * full hex hash (REPO_HEX_LEN digits, char[REPO_HEX_SIZE] with the NUL).
 *
 * A struct repo is one open repository. Like libgit2's handle it serves one
 * thread at a time: each FUSE request thread, the runner and confirm open
 * their own. Functions that can fail return 0 or a negative errno (util/log.h);
 * those that fill (char *err, size_t errsize) do so only on failure, with
 * libgit2's message. */
#ifndef BENCHFS_REPO_REPO_H
#define BENCHFS_REPO_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPO_HEX_LEN 40
#define REPO_HEX_SIZE (REPO_HEX_LEN + 1)

struct repo;

/* libgit2's process-wide state: repo_lib_init once before the first
 * repo_open (main, a test program), repo_lib_shutdown after the last
 * repo_free. 0, or -EIO. */
int repo_lib_init(void);
void repo_lib_shutdown(void);
/* The version of libgit2 benchfs was built with ("1.5.1"), for --version. */
const char *repo_lib_version(void);

/* Open the repository at path, its work tree or its git directory, exactly
 * there (no search upwards): -ENOENT when path is no repository, -EIO when
 * it cannot be read, -ENOMEM. */
int repo_open(struct repo **out, const char *path, char *err, size_t errsize);
/* The same, looking in path and then in the directories above it, as git
 * does (main: --repo or the current directory). */
int repo_discover(struct repo **out, const char *path, char *err, size_t errsize);
void repo_free(struct repo *r);

/* The git directory, ending in '/' ("/src/x/.git/"). */
const char *repo_gitdir(const struct repo *r);
/* The work tree, ending in '/'; NULL for a bare repository. */
const char *repo_workdir(const struct repo *r);

/* ---- branches ---- */

/* The full name of the branch HEAD is on ("refs/heads/main"), malloc'd:
 * -ENOENT when HEAD is detached or its branch has no commit yet, -ENOMEM. */
int repo_head_branch(char **out, struct repo *r);
/* The branch a configured name means: "refs/..." as written, else
 * refs/heads/<name>, or refs/remotes/<name> ("origin/release") when only
 * that one exists. *out (malloc'd) gets the full name in any case but
 * -ENOMEM: 0 when that ref exists, -ENOENT when it does not (yet), *out then
 * being the "refs/..." or refs/heads/<name> form. */
int repo_branch_resolve(char **out, struct repo *r, const char *name);
/* The commit a ref (full name, symbolic refs followed) points at, into
 * out[REPO_HEX_SIZE]: -ENOENT when the ref does not exist. */
int repo_ref_commit(char *out, struct repo *r, const char *refname);

/* ---- commits ---- */

/* Whether commit (full hex hash) is a commit of the repository. */
bool repo_commit_exists(struct repo *r, const char *commit);
/* Its first parent into out[REPO_HEX_SIZE], "" for a root commit: -ENOENT
 * when commit is none of the repository's. Only the commit itself is read. */
int repo_first_parent(char *out, struct repo *r, const char *commit);
/* Its subject line (the first paragraph of the message on one line, as git
 * log --format=%s shows it), malloc'd: -ENOENT, -ENOMEM. */
int repo_subject(char **out, struct repo *r, const char *commit);
/* git's abbreviation of commit (git_object_short_id: core.abbrev digits, 7
 * by default, more while shorter ones are ambiguous) into out[REPO_HEX_SIZE]:
 * -ENOENT when commit is none of the repository's. */
int repo_short_id(char *out, struct repo *r, const char *commit);

/* The best common ancestor of commits a and b (full hex hashes), as `git
 * merge-base a b` prints it, into out[REPO_HEX_SIZE]: where a branch b forked
 * from a, which "a...b" means in git's diff and checkout. When several are
 * equally good (criss-cross merges), one of them, as git merge-base does. -ENOENT when a
 * or b is none of the repository's commits or they share no history, -EIO
 * when the history cannot be read. */
int repo_merge_base(char *out, struct repo *r, const char *a, const char *b);

/* A walk along first parents, newest first: tip, its first parent, that
 * one's first parent, ... Each step reads one commit. */
struct repo_walk;
/* A walk from tip (full hex hash) of at most limit commits, tip included:
 * -ENOENT when tip is no commit of the repository, -ENOMEM. */
int repo_walk_new(struct repo_walk **out, struct repo *r, const char *tip, size_t limit);
/* The next commit: its hash into id[REPO_HEX_SIZE] and its committer time
 * (seconds since the epoch) into *time (may be NULL). 1 with a commit, 0
 * after the last: the root, limit commits, or a first parent the repository
 * does not have (a shallow clone's boundary). */
int repo_walk_next(struct repo_walk *w, char *id, int64_t *time);
void repo_walk_free(struct repo_walk *w);

/* ---- tags ---- */

/* A tag under refs/tags/ that peels to a commit. */
struct repo_tag {
	char *name;                   /* without "refs/tags/" */
	char commit[REPO_HEX_SIZE];   /* the commit it peels to, through nested tags */
	bool annotated;               /* a tag object, not a lightweight ref */
	int64_t time;                 /* the tagger's date; INT64_MIN when none */
};

/* The tags, in one pass over refs/tags/ (no lookup by name). want (may be
 * NULL) sees each name first: a tag it refuses is not read. Tags that cannot
 * be read or peel to no commit (a tree's, a blob's) are left out; a ref the
 * iterator cannot read ends the list there. *out malloc'd (repo_tags_free),
 * in no particular order: 0 or -ENOMEM. */
int repo_tags(struct repo_tag **out, size_t *n, struct repo *r,
	      bool (*want)(const char *name, void *arg), void *arg);
void repo_tags_free(struct repo_tag *tags, size_t n);

/* A number that changes when a tag may have been added, moved or deleted:
 * the state (inode, size, mtime) of packed-refs and of the refs/tags/
 * directory in the common git directory. Two stat calls; the same state
 * gives the same number in every process. */
uint64_t repo_tags_stamp(struct repo *r);

#endif
