/* Unit tests for repo/repo.h against repositories the git command builds:
 * opening, the tracked branch's resolution, refs, first parents, subjects,
 * merge bases (git merge-base is the reference), short ids (git's own
 * abbreviation is the reference), first-parent walks
 * (order, committer times, limits, the end at a missing parent), the tags
 * that name commits, and the stamp of refs/tags.
 *
 * The main repository:
 *   c1 - c2 - c3 - merge      (main; merge's second parent is s1)
 *          \        /
 *           s1 ----            (side)
 * each commit one committer second apart from BASE_TIME, tags of every kind
 * (lightweight, annotated with tagger dates, nested, of a tree, of a blob,
 * symbolic, dangling symbolic), and a remote-tracking branch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo/repo.h"
#include "util/rmtree.h"
#include "tests/unit/fixture/git.h"
#include "tests/unit/fixture/tmpdir.h"

#define BASE_TIME 1600000000LL

struct fixture {
	char dir[PATH_MAX / 2];
	char repo[PATH_MAX];
	struct repo *r;
	char c1[41], c2[41], c3[41], s1[41], merge[41], tree[41];
	int64_t t1, t2, t3, tmerge;
};

#define GIT(...) assert_int_equal(test_git(NULL, 0, f->repo, __VA_ARGS__, (char *)NULL), 0)
#define GIT_OUT(out, ...) \
	assert_int_equal(test_git(out, sizeof(out), f->repo, __VA_ARGS__, (char *)NULL), 0)

static void put(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

/* Both dates of the next commit or tag: BASE_TIME + offset seconds. */
static void at(int64_t offset)
{
	test_git_date(BASE_TIME + offset);
}

static void commit(struct fixture *f, char out[41], int64_t offset, const char *file,
		   const char *text, const char *msg)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", f->repo, file);
	put(path, text);
	at(offset);
	GIT("add", file);
	GIT("commit", "-q", "-m", msg);
	assert_int_equal(test_git(out, 41, f->repo, "rev-parse", "HEAD", (char *)NULL), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "repo")) {
		free(f);
		return -1;
	}
	/* Neither the user's configuration nor the clock changes the repository. */
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->repo), 0);
	commit(f, f->c1, 10, "f", "1\n", "c1 root");
	commit(f, f->c2, 20, "f", "2\n", "c2 subject\nsecond line\n\nbody");
	GIT("branch", "side");
	commit(f, f->c3, 30, "f", "3\n", "c3 third");
	GIT("checkout", "-q", "side");
	commit(f, f->s1, 25, "g", "s\n", "s1 side");
	GIT("checkout", "-q", "main");
	at(40);
	GIT("merge", "-q", "--no-ff", "-m", "merge side", "side");
	GIT_OUT(f->merge, "rev-parse", "HEAD");
	GIT_OUT(f->tree, "rev-parse", "HEAD^{tree}");
	f->t1 = BASE_TIME + 10;
	f->t2 = BASE_TIME + 20;
	f->t3 = BASE_TIME + 30;
	f->tmerge = BASE_TIME + 40;
	/* Tags of every kind. */
	GIT("tag", "light", f->c1);
	at(100);
	GIT("tag", "-a", "-m", "old", "ann-old", f->c2);
	at(200);
	GIT("tag", "-a", "-m", "new", "ann-new", f->c2);
	at(300);
	GIT("tag", "-a", "-m", "nested", "nest", "ann-old");
	GIT("tag", "treetag", "HEAD^{tree}");
	GIT("tag", "blobtag", "HEAD:f");
	GIT("tag", "skip-me", f->c3);
	GIT("symbolic-ref", "refs/tags/sym", "refs/heads/main");
	GIT("symbolic-ref", "refs/tags/dangling", "refs/heads/nothing");
	GIT("update-ref", "refs/remotes/origin/release", f->c2);
	assert_int_equal(repo_open(&f->r, f->repo, NULL, 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	repo_free(f->r);
	rmtree(f->dir);
	free(f);
	return 0;
}

static void test_open(void **state)
{
	struct fixture *f = *state;
	struct repo *r = NULL;
	char path[PATH_MAX + 64], gitdir[PATH_MAX + 64], err[512] = "";
	snprintf(gitdir, sizeof(gitdir), "%s/.git/", f->repo);
	snprintf(path, sizeof(path), "%s/", f->repo);
	assert_string_equal(repo_gitdir(f->r), gitdir);
	assert_string_equal(repo_workdir(f->r), path);
	/* The git directory opens the same repository. */
	assert_int_equal(repo_open(&r, gitdir, err, sizeof(err)), 0);
	assert_string_equal(repo_gitdir(r), gitdir);
	repo_free(r);
	/* Below the work tree: repo_open looks only there, repo_discover upwards. */
	snprintf(path, sizeof(path), "%s/sub", f->repo);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(repo_open(&r, path, err, sizeof(err)), -ENOENT);
	assert_null(r);
	assert_true(strlen(err) > 0);
	assert_int_equal(repo_discover(&r, path, err, sizeof(err)), 0);
	assert_string_equal(repo_gitdir(r), gitdir);
	repo_free(r);
	assert_int_equal(rmdir(path), 0);
	/* No repository at all. */
	snprintf(path, sizeof(path), "%s/nothing", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	err[0] = '\0';
	assert_int_equal(repo_open(&r, path, err, sizeof(err)), -ENOENT);
	assert_true(strlen(err) > 0);
	assert_int_equal(rmdir(path), 0);
	/* A bare repository has no work tree. */
	snprintf(path, sizeof(path), "%s/bare.git", f->dir);
	assert_int_equal(test_git(NULL, 0, f->dir, "init", "-q", "--bare", path, (char *)NULL), 0);
	assert_int_equal(repo_open(&r, path, err, sizeof(err)), 0);
	assert_null(repo_workdir(r));
	repo_free(r);
	rmtree(path);
	repo_free(NULL);
	assert_non_null(repo_lib_version());
}

static void test_branches(void **state)
{
	struct fixture *f = *state;
	char *name = NULL, hex[REPO_HEX_SIZE];
	assert_int_equal(repo_head_branch(&name, f->r), 0);
	assert_string_equal(name, "refs/heads/main");
	free(name);
	assert_int_equal(repo_branch_resolve(&name, f->r, "main"), 0);
	assert_string_equal(name, "refs/heads/main");
	free(name);
	assert_int_equal(repo_branch_resolve(&name, f->r, "refs/heads/side"), 0);
	assert_string_equal(name, "refs/heads/side");
	free(name);
	/* Only a remote-tracking branch has the name. */
	assert_int_equal(repo_branch_resolve(&name, f->r, "origin/release"), 0);
	assert_string_equal(name, "refs/remotes/origin/release");
	free(name);
	/* Missing: the name it would have, for the warning. */
	assert_int_equal(repo_branch_resolve(&name, f->r, "nosuch"), -ENOENT);
	assert_string_equal(name, "refs/heads/nosuch");
	free(name);
	assert_int_equal(repo_branch_resolve(&name, f->r, "refs/heads/nosuch"), -ENOENT);
	assert_string_equal(name, "refs/heads/nosuch");
	free(name);
	/* refs/... is taken as written, never as a remote's. */
	assert_int_equal(repo_branch_resolve(&name, f->r, "refs/origin/release"), -ENOENT);
	assert_string_equal(name, "refs/origin/release");
	free(name);
	assert_int_equal(repo_ref_commit(hex, f->r, "refs/heads/main"), 0);
	assert_string_equal(hex, f->merge);
	assert_int_equal(repo_ref_commit(hex, f->r, "refs/heads/side"), 0);
	assert_string_equal(hex, f->s1);
	assert_int_equal(repo_ref_commit(hex, f->r, "HEAD"), 0);
	assert_string_equal(hex, f->merge);
	assert_int_equal(repo_ref_commit(hex, f->r, "refs/heads/nosuch"), -ENOENT);
}

/* A detached HEAD names no branch; an unborn branch has no commit yet. */
static void test_head_without_branch(void **state)
{
	struct fixture *f = *state;
	struct repo *r = NULL;
	char *name = (char *)"x", path[PATH_MAX + 64];
	GIT("checkout", "-q", "--detach", "main");
	assert_int_equal(repo_head_branch(&name, f->r), -ENOENT);
	assert_null(name);
	GIT("checkout", "-q", "main");
	snprintf(path, sizeof(path), "%s/empty", f->dir);
	assert_int_equal(test_git(NULL, 0, f->dir, "init", "-q", "-b", "main", path, (char *)NULL),
			 0);
	assert_int_equal(repo_open(&r, path, NULL, 0), 0);
	assert_int_equal(repo_head_branch(&name, r), -ENOENT);
	repo_free(r);
	rmtree(path);
}

static void test_commits(void **state)
{
	struct fixture *f = *state;
	char hex[REPO_HEX_SIZE], zeros[41], longer[64], *subject = NULL;
	memset(zeros, '0', 40);
	zeros[40] = '\0';
	snprintf(longer, sizeof(longer), "%s0", f->c1);
	assert_true(repo_commit_exists(f->r, f->c1));
	assert_true(repo_commit_exists(f->r, f->merge));
	assert_false(repo_commit_exists(f->r, f->tree)); /* an object, not a commit */
	assert_false(repo_commit_exists(f->r, zeros));
	assert_false(repo_commit_exists(f->r, longer));
	assert_false(repo_commit_exists(f->r, "HEAD"));
	/* First parents: a merge's is the branch it was made on. */
	assert_int_equal(repo_first_parent(hex, f->r, f->merge), 0);
	assert_string_equal(hex, f->c3);
	assert_int_equal(repo_first_parent(hex, f->r, f->s1), 0);
	assert_string_equal(hex, f->c2);
	assert_int_equal(repo_first_parent(hex, f->r, f->c1), 0);
	assert_string_equal(hex, "");
	assert_int_equal(repo_first_parent(hex, f->r, zeros), -ENOENT);
	assert_int_equal(repo_first_parent(hex, f->r, f->tree), -ENOENT);
	/* Subjects as git log --format=%s gives them. */
	assert_int_equal(repo_subject(&subject, f->r, f->c2), 0);
	assert_string_equal(subject, "c2 subject second line");
	free(subject);
	assert_int_equal(repo_subject(&subject, f->r, f->merge), 0);
	assert_string_equal(subject, "merge side");
	free(subject);
	subject = (char *)"x";
	assert_int_equal(repo_subject(&subject, f->r, zeros), -ENOENT);
	assert_null(subject);
}

/* Short ids are git's: 7 digits, more while 7 are ambiguous. */
/* Where two lines of history meet, as git merge-base finds it: a branch's
 * fork point, a commit with its own ancestor, and nothing for histories that
 * never meet. */
static void test_merge_base(void **state)
{
	struct fixture *f = *state;
	char hex[REPO_HEX_SIZE], git_says[64], orphan[64];
	const char *zeros = "0000000000000000000000000000000000000000";
	/* side forked from main at c2; main moved on to c3. */
	assert_int_equal(repo_merge_base(hex, f->r, f->c3, f->s1), 0);
	assert_string_equal(hex, f->c2);
	GIT_OUT(git_says, "merge-base", f->c3, f->s1);
	assert_string_equal(hex, git_says);
	assert_int_equal(repo_merge_base(hex, f->r, f->s1, f->c3), 0);
	assert_string_equal(hex, f->c2);
	/* After the merge, side is an ancestor of main: it is the base. */
	assert_int_equal(repo_merge_base(hex, f->r, f->merge, f->s1), 0);
	assert_string_equal(hex, f->s1);
	assert_int_equal(repo_merge_base(hex, f->r, f->c3, f->c3), 0);
	assert_string_equal(hex, f->c3);
	assert_int_equal(repo_merge_base(hex, f->r, f->c1, f->merge), 0);
	assert_string_equal(hex, f->c1);
	/* A root commit of its own shares no history with main. */
	GIT_OUT(orphan, "commit-tree", "-m", "orphan", f->tree);
	assert_int_equal(repo_merge_base(hex, f->r, f->c3, orphan), -ENOENT);
	assert_int_equal(repo_merge_base(hex, f->r, zeros, f->c3), -ENOENT);
	assert_int_equal(repo_merge_base(hex, f->r, f->c3, f->tree), -ENOENT);
	assert_int_equal(repo_merge_base(hex, f->r, "main", f->c3), -ENOENT);
}

static void test_short_ids(void **state)
{
	struct fixture *f = *state;
	const char *commits[] = {f->c1, f->c2, f->c3, f->s1, f->merge};
	char got[REPO_HEX_SIZE], want[64], zeros[41];
	for (size_t i = 0; i < sizeof(commits) / sizeof(commits[0]); i++) {
		assert_int_equal(repo_short_id(got, f->r, commits[i]), 0);
		GIT_OUT(want, "rev-parse", "--short", commits[i]);
		assert_string_equal(got, want);
		assert_int_equal(strlen(got), 7);
	}
	memset(zeros, '0', 40);
	zeros[40] = '\0';
	assert_int_equal(repo_short_id(got, f->r, zeros), -ENOENT);
	assert_int_equal(repo_short_id(got, f->r, f->tree), -ENOENT);
}

/* With core.abbrev at 4, some of 1,000 commits among 3,000 objects share
 * their first 4 digits with another object: git lengthens those, and
 * repo_short_id must give exactly git's abbreviation for every one. */
static void test_short_ids_grow_when_ambiguous(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 64], got[REPO_HEX_SIZE], line[128], *stream, *listing, *p;
	size_t size = 1 << 20, used = 0, longer = 0, checked = 0;
	struct repo *r = NULL;
	snprintf(path, sizeof(path), "%s/many", f->dir);
	assert_int_equal(test_git(NULL, 0, f->dir, "init", "-q", "-b", "main", path, (char *)NULL),
			 0);
	assert_non_null(stream = malloc(size));
	/* Each commit's parent is the branch's previous commit (no "from"). */
	for (int i = 1; i <= 1000; i++) {
		char body[16];
		int n;
		snprintf(body, sizeof(body), "%d\n", i);
		n = snprintf(stream + used, size - used,
			     "commit refs/heads/main\ncommitter t <t@example.com> %lld +0000\n"
			     "data 3\nc%02d\nM 644 inline f\ndata %zu\n%s\n",
			     BASE_TIME + i, i % 100, strlen(body), body);
		assert_true(n > 0 && (size_t)n < size - used);
		used += (size_t)n;
	}
	assert_int_equal(test_git_input(NULL, 0, stream, path, "fast-import", "--quiet",
					(char *)NULL), 0);
	free(stream);
	assert_int_equal(test_git(NULL, 0, path, "config", "core.abbrev", "4", (char *)NULL), 0);
	assert_non_null(listing = malloc(200000));
	assert_int_equal(test_git(listing, 200000, path, "log", "--format=%H %h", "main",
				  (char *)NULL), 0);
	assert_int_equal(repo_open(&r, path, NULL, 0), 0);
	for (p = listing; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		char full[41], want[41];
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		assert_int_equal(sscanf(line, "%40s %40s", full, want), 2);
		assert_int_equal(repo_short_id(got, r, full), 0);
		assert_string_equal(got, want);
		longer += strlen(want) > 4;
		checked++;
	}
	repo_free(r);
	free(listing);
	rmtree(path);
	assert_int_equal(checked, 1000);
	printf("# %zu of 1,000 abbreviations longer than 4 digits\n", longer);
	assert_true(longer > 0);
}

static void test_walk(void **state)
{
	struct fixture *f = *state;
	const char *want[] = {f->merge, f->c3, f->c2, f->c1};
	int64_t times[] = {f->tmerge, f->t3, f->t2, f->t1};
	struct repo_walk *w = NULL;
	char id[REPO_HEX_SIZE], zeros[41];
	int64_t when;
	size_t n = 0;
	/* First parents only: s1 is never given. */
	assert_int_equal(repo_walk_new(&w, f->r, f->merge, 100), 0);
	while (repo_walk_next(w, id, &when) == 1) {
		assert_true(n < 4);
		assert_string_equal(id, want[n]);
		assert_int_equal(when, times[n]);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(repo_walk_next(w, id, &when), 0); /* and stays at the end */
	repo_walk_free(w);
	/* The limit counts the tip. */
	assert_int_equal(repo_walk_new(&w, f->r, f->merge, 2), 0);
	assert_int_equal(repo_walk_next(w, id, NULL), 1);
	assert_string_equal(id, f->merge);
	assert_int_equal(repo_walk_next(w, id, NULL), 1);
	assert_string_equal(id, f->c3);
	assert_int_equal(repo_walk_next(w, id, NULL), 0);
	repo_walk_free(w);
	assert_int_equal(repo_walk_new(&w, f->r, f->s1, 0), 0);
	assert_int_equal(repo_walk_next(w, id, NULL), 0);
	repo_walk_free(w);
	/* From a side branch. */
	assert_int_equal(repo_walk_new(&w, f->r, f->s1, 10), 0);
	assert_int_equal(repo_walk_next(w, id, NULL), 1);
	assert_string_equal(id, f->s1);
	assert_int_equal(repo_walk_next(w, id, NULL), 1);
	assert_string_equal(id, f->c2);
	repo_walk_free(w); /* freed mid-walk */
	memset(zeros, '0', 40);
	zeros[40] = '\0';
	w = (struct repo_walk *)1;
	assert_int_equal(repo_walk_new(&w, f->r, zeros, 10), -ENOENT);
	assert_null(w);
	assert_int_equal(repo_walk_new(&w, f->r, f->tree, 10), -ENOENT);
	repo_walk_free(NULL);
}

/* A commit whose first parent the repository does not have (a shallow
 * clone's boundary): the walk gives it and ends there. */
static void test_walk_ends_at_missing_parent(void **state)
{
	struct fixture *f = *state;
	struct repo_walk *w = NULL;
	char object[512], orphan[64], id[REPO_HEX_SIZE];
	snprintf(object, sizeof(object),
		 "tree %s\nparent %s\nauthor t <t@example.com> 1600000500 +0000\n"
		 "committer t <t@example.com> 1600000500 +0000\n\nthe parent is missing\n",
		 f->tree, "1111111111111111111111111111111111111111");
	assert_int_equal(test_git_input(orphan, sizeof(orphan), object, f->repo, "hash-object",
					"-t", "commit", "-w", "--stdin", (char *)NULL), 0);
	assert_int_equal(repo_walk_new(&w, f->r, orphan, 10), 0);
	assert_int_equal(repo_walk_next(w, id, NULL), 1);
	assert_string_equal(id, orphan);
	assert_int_equal(repo_walk_next(w, id, NULL), 0);
	repo_walk_free(w);
	assert_int_equal(repo_first_parent(id, f->r, orphan), 0);
	assert_string_equal(id, "1111111111111111111111111111111111111111");
}

static const struct repo_tag *find_tag(const struct repo_tag *tags, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tags[i].name, name) == 0)
			return &tags[i];
	return NULL;
}

static bool refuse_skip(const char *name, void *arg)
{
	(*(int *)arg)++;
	return strcmp(name, "skip-me") != 0;
}

static void test_tags(void **state)
{
	struct fixture *f = *state;
	struct repo_tag *tags = NULL;
	const struct repo_tag *t;
	size_t n = 0;
	int asked = 0;
	assert_int_equal(repo_tags(&tags, &n, f->r, NULL, NULL), 0);
	/* light, ann-old, ann-new, nest, skip-me: not the tree's, the blob's or
	 * the symbolic refs. */
	assert_int_equal(n, 5);
	assert_non_null(t = find_tag(tags, n, "light"));
	assert_string_equal(t->commit, f->c1);
	assert_false(t->annotated);
	assert_true(t->time == INT64_MIN);
	assert_non_null(t = find_tag(tags, n, "ann-old"));
	assert_string_equal(t->commit, f->c2);
	assert_true(t->annotated);
	assert_int_equal(t->time, BASE_TIME + 100);
	assert_non_null(t = find_tag(tags, n, "ann-new"));
	assert_string_equal(t->commit, f->c2);
	assert_int_equal(t->time, BASE_TIME + 200);
	/* A tag of a tag peels to the commit; its date is its own. */
	assert_non_null(t = find_tag(tags, n, "nest"));
	assert_string_equal(t->commit, f->c2);
	assert_true(t->annotated);
	assert_int_equal(t->time, BASE_TIME + 300);
	assert_null(find_tag(tags, n, "treetag"));
	assert_null(find_tag(tags, n, "blobtag"));
	assert_null(find_tag(tags, n, "sym"));
	assert_null(find_tag(tags, n, "dangling"));
	repo_tags_free(tags, n);
	/* The filter sees the names of direct refs and keeps out what it refuses. */
	assert_int_equal(repo_tags(&tags, &n, f->r, refuse_skip, &asked), 0);
	assert_int_equal(n, 4);
	assert_null(find_tag(tags, n, "skip-me"));
	assert_int_equal(asked, 7); /* 5, and the tree's and the blob's tags */
	repo_tags_free(tags, n);
	/* Packed tags are read as well as loose ones. */
	GIT("pack-refs", "--all");
	assert_int_equal(repo_tags(&tags, &n, f->r, NULL, NULL), 0);
	assert_int_equal(n, 5);
	assert_non_null(t = find_tag(tags, n, "ann-new"));
	assert_string_equal(t->commit, f->c2);
	repo_tags_free(tags, n);
}

static void test_tags_stamp(void **state)
{
	struct fixture *f = *state;
	uint64_t s0, s1, s2, s3, s4;
	s0 = repo_tags_stamp(f->r);
	assert_int_equal(repo_tags_stamp(f->r), s0);
	GIT("tag", "stamp-new", f->c3); /* a loose tag added */
	s1 = repo_tags_stamp(f->r);
	assert_true(s1 != s0);
	assert_int_equal(repo_tags_stamp(f->r), s1);
	GIT("pack-refs", "--all"); /* packed: packed-refs rewritten */
	s2 = repo_tags_stamp(f->r);
	assert_true(s2 != s1);
	GIT("tag", "-d", "stamp-new"); /* a packed tag deleted */
	s3 = repo_tags_stamp(f->r);
	assert_true(s3 != s2);
	GIT("tag", "-f", "light", f->c2); /* a tag moved, loose again */
	s4 = repo_tags_stamp(f->r);
	assert_true(s4 != s3);
	/* Another handle on the same repository agrees. */
	{
		struct repo *r = NULL;
		assert_int_equal(repo_open(&r, f->repo, NULL, 0), 0);
		assert_int_equal(repo_tags_stamp(r), s4);
		repo_free(r);
	}
	GIT("tag", "-f", "light", f->c1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_head_without_branch),
		cmocka_unit_test(test_commits),
		cmocka_unit_test(test_merge_base),
		cmocka_unit_test(test_short_ids),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_walk_ends_at_missing_parent),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_tags_stamp),
		cmocka_unit_test(test_short_ids_grow_when_ambiguous),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("repo", tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
