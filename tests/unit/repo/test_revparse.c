/* Unit tests for revparse_commit (repo/revparse.h) against git itself.
 *
 * A real repository is built with the git command (merges, light, annotated
 * and nested tags, tags of a tree and a blob, branches named x@ and
 * user@feature, a name that is both a tag and a branch, a remote with HEAD,
 * a dangling symbolic ref, a stray ref-like file in .git, branches named like
 * hashes). For every odd form in the table, `git rev-parse --verify
 * --end-of-options <rev>^{commit}` is the reference: revparse_commit must
 * refuse or give exactly git's commit, must refuse whatever git refuses, and
 * must accept the forms marked so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/repo.h"
#include "repo/revparse.h"
#include "util/rmtree.h"
#include "tests/unit/fixture/git.h"
#include "tests/unit/fixture/tmpdir.h"

struct fixture {
	char dir[PATH_MAX / 2];
	char repo[PATH_MAX];
	struct repo *git;
	char c1[41], c2[41], c3[41], merge[41];
};

#define GIT(...) assert_int_equal(test_git(NULL, 0, f->repo, __VA_ARGS__, (char *)NULL), 0)
#define GIT_OUT(out, ...) \
	assert_int_equal(test_git(out, 41, f->repo, __VA_ARGS__, (char *)NULL), 0)

static void put(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

static void commit(struct fixture *f, char out[41], const char *file, const char *text,
		   const char *msg)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", f->repo, file);
	put(path, text);
	GIT("add", file);
	GIT("commit", "-q", "-m", msg);
	GIT_OUT(out, "rev-parse", "HEAD");
}

static char long_name[201];

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[PATH_MAX + 64], text[64], hash[64];
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "revparse")) {
		free(f);
		return -1;
	}
	/* Neither the user's configuration nor the clock changes the repository. */
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->repo), 0);
	test_git_date(1577836800LL); /* 2020-01-01T00:00:00Z */
	commit(f, f->c1, "f", "1\n", "c1");
	commit(f, f->c2, "f", "2\n", "c2 second");
	GIT("branch", "side");
	commit(f, f->c3, "f", "3\n", "c3 third");
	GIT("checkout", "-q", "side");
	commit(f, hash, "g", "side\n", "s1 side");
	GIT("checkout", "-q", "main");
	GIT("merge", "-q", "--no-ff", "-m", "merge side", "side");
	GIT_OUT(f->merge, "rev-parse", "HEAD");
	GIT("tag", "v1", f->c1);
	GIT("tag", "-a", "-m", "annotated", "v2", f->c2);
	GIT("tag", "-a", "-m", "nested", "v2nest", "v2");
	GIT("tag", "treetag", "HEAD^{tree}");
	GIT("tag", "blobtag", "HEAD:f");
	GIT("branch", "x@", f->c1);
	GIT("branch", "user@feature", f->c2);
	GIT("branch", "dup", f->c3);
	GIT("tag", "dup", f->c1);
	GIT("branch", "config", f->c2);
	GIT("branch", "index", f->c3);
	GIT("branch", "caf\xc3\xa9", f->c1);
	memset(long_name, 'l', sizeof(long_name) - 1);
	GIT("branch", long_name, f->c2);
	GIT("update-ref", "refs/remotes/origin/main", f->c2);
	GIT("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main");
	/* A dangling tag is skipped, as git skips it, for the branch of that name. */
	GIT("symbolic-ref", "refs/tags/dang", "refs/heads/nothing");
	GIT("branch", "dang", f->c2);
	/* Branches named like hashes: git prefers the full hash, then the ref. */
	snprintf(path, sizeof(path), "refs/heads/%.7s", f->c1);
	GIT("update-ref", path, f->c3);
	snprintf(path, sizeof(path), "refs/heads/%s", f->c1);
	GIT("update-ref", path, f->c3);
	/* Files at the top of .git: git reads them as refs, libgit2 only when in capitals. */
	snprintf(path, sizeof(path), "%s/.git/foo", f->repo);
	snprintf(text, sizeof(text), "%s\n", f->c2);
	put(path, text);
	snprintf(path, sizeof(path), "%s/.git/MYHEAD", f->repo);
	snprintf(text, sizeof(text), "%s\n", f->c1);
	put(path, text);
	assert_int_equal(repo_open(&f->git, f->repo, NULL, 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	repo_free(f->git);
	rmtree(f->dir);
	free(f);
	return 0;
}

/* What benchfs must do with a form: accept it (and agree with git), refuse
 * it, or either (git accepts a form benchfs chooses not to support). A form
 * git refuses is refused whatever the table says. */
enum want { ACCEPT, REFUSE, EITHER };

static int checked, accepted;

/* rev for the test's log: control characters as '?', one line each. */
static const char *shown(const char *rev)
{
	static char buf[64];
	size_t i;
	for (i = 0; rev[i] && i + 1 < sizeof(buf); i++)
		buf[i] = (unsigned char)rev[i] < 0x20 || rev[i] == 0x7f ? '?' : rev[i];
	buf[i] = '\0';
	return buf;
}

static void check(struct fixture *f, const char *rev, enum want want)
{
	char spec[8192], expected[128] = "", got[41] = "", err[512] = "";
	int cli_rc, rc;
	snprintf(spec, sizeof(spec), "%s^{commit}", rev);
	cli_rc = test_git(expected, sizeof(expected), f->repo, "rev-parse", "-q", "--verify",
			  "--end-of-options", spec, (char *)NULL);
	rc = revparse_commit(got, f->git, rev, err, sizeof(err));
	printf("# %-44.44s git %-9.9s benchfs %s\n", shown(rev), cli_rc ? "refuses" : expected,
	       rc ? err : got);
	checked++;
	if (rc) {
		assert_int_equal(rc, -EINVAL);
		/* One line for the daemon's log, whatever the revision holds. */
		assert_true(strlen(err) > 0);
		for (const char *c = err; *c; c++)
			assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
		if (want == ACCEPT)
			fail_msg("\"%s\" refused (%s); git gives %s", rev, err, expected);
		return;
	}
	accepted++;
	if (cli_rc != 0)
		fail_msg("\"%s\" gave %s; git refuses it", rev, got);
	if (want == REFUSE)
		fail_msg("\"%s\" gave %s; it must be refused", rev, got);
	if (strcmp(got, expected) != 0)
		fail_msg("\"%s\" gave %s; git gives %s", rev, got, expected);
}

static void test_against_git(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *rev;
		enum want want;
	} table[] = {
		{"HEAD", ACCEPT}, {"main", ACCEPT}, {"v1", ACCEPT}, {"v2", ACCEPT},
		{"v2nest", ACCEPT}, {"heads/main", ACCEPT}, {"tags/v1", ACCEPT},
		{"refs/heads/main", ACCEPT}, {"refs/tags/v2", ACCEPT}, {"origin", ACCEPT},
		{"origin/main", ACCEPT}, {"remotes/origin/main", ACCEPT},
		{"refs/remotes/origin/main", ACCEPT}, {"side", ACCEPT},
		/* Names with @ that git reads as names. */
		{"x@", ACCEPT}, {"user@feature", ACCEPT}, {"x@~0", ACCEPT},
		/* The first rule git finds wins: the tag over the branch. */
		{"dup", ACCEPT}, {"dang", ACCEPT}, {"config", ACCEPT}, {"index", ACCEPT},
		{"MYHEAD", ACCEPT}, {"caf\xc3\xa9", ACCEPT},
		/* git reads .git/foo; libgit2 would not: refused rather than wrong. */
		{"foo", REFUSE}, {"foo~1", REFUSE},
		/* Suffixes. */
		{"HEAD~", ACCEPT}, {"HEAD~0", ACCEPT}, {"HEAD~1", ACCEPT}, {"HEAD~2", ACCEPT},
		{"HEAD~3", ACCEPT}, {"HEAD~01", ACCEPT}, {"HEAD~10", REFUSE},
		{"HEAD^", ACCEPT}, {"HEAD^0", ACCEPT}, {"HEAD^1", ACCEPT}, {"HEAD^2", ACCEPT},
		{"HEAD^3", REFUSE}, {"HEAD^^", ACCEPT}, {"HEAD^^2", REFUSE}, {"HEAD^2~1", ACCEPT},
		{"HEAD~~", ACCEPT}, {"HEAD~^", ACCEPT}, {"HEAD^{}", ACCEPT},
		{"HEAD^{commit}", ACCEPT}, {"HEAD^{commit}~1", ACCEPT}, {"HEAD~1^{}", ACCEPT},
		{"HEAD^{}~1", ACCEPT}, {"v1^{commit}", ACCEPT}, {"v2^{}", ACCEPT},
		{"v2^{commit}", ACCEPT}, {"v2nest^{}", ACCEPT}, {"v2~1", ACCEPT}, {"v2^0", ACCEPT},
		{"v2^{tag}", EITHER}, {"v2^{object}", EITHER}, {"treetag", REFUSE},
		{"treetag^{}", REFUSE}, {"blobtag", REFUSE}, {"HEAD^{tree}", REFUSE},
		{"HEAD^{tree}^{commit}", REFUSE}, {"HEAD^{blob}", REFUSE},
		{"HEAD~4294967295", REFUSE}, {"HEAD~4294967296", REFUSE},
		{"HEAD~99999999999999999999", REFUSE}, {"HEAD^4294967296", REFUSE},
		{"HEAD^-1", REFUSE}, {"HEAD^!", REFUSE}, {"HEAD^@", REFUSE}, {"HEAD^-", REFUSE},
		{"HEAD^{}x", REFUSE}, {"HEAD^{commit}1", REFUSE}, {"HEAD^{", REFUSE},
		{"HEAD^{commit", REFUSE}, {"HEAD}", REFUSE}, {"HEAD{}", REFUSE},
		{"HEAD^{~}", REFUSE}, {"HEAD^{^}", REFUSE},
		/* What libgit2 1.5 read as HEAD. */
		{"@", EITHER}, {"v1@", REFUSE}, {"no-such-branch@", REFUSE},
		{"$(rm -rf /)@", REFUSE}, {"HEAD@", REFUSE}, {"@@", REFUSE}, {"@~1", EITHER},
		{"main@", REFUSE}, {"x@@", REFUSE},
		/* Reflogs and upstreams. */
		{"@{-1}", REFUSE}, {"@{0}", EITHER}, {"HEAD@{0}", EITHER}, {"main@{0}", EITHER},
		{"main@{1}", REFUSE}, {"main@{upstream}", REFUSE}, {"@{u}", REFUSE},
		{"main@{1.day.ago}", EITHER}, {"HEAD@{now}", EITHER}, {"HEAD@{", REFUSE},
		{"main@{push}", REFUSE},
		/* Message searches (regexes) and paths. */
		{":/c2", EITHER}, {":/nomatch", REFUSE}, {"^{/c1}", REFUSE},
		{"HEAD^{/c2}", EITHER}, {"HEAD^{/nomatch}", REFUSE}, {"HEAD^{/(}", REFUSE},
		{":/!-c3", EITHER}, {"HEAD:f", REFUSE}, {"HEAD:", REFUSE}, {":f", REFUSE},
		{":0:f", REFUSE},
		/* Bare suffixes and ranges. */
		{"~", REFUSE}, {"^0", REFUSE}, {"^", REFUSE}, {"~1", REFUSE}, {"^{commit}", REFUSE},
		{"v1..v2", REFUSE}, {"v1...v2", REFUSE}, {"..", REFUSE}, {"...", REFUSE},
		{"v1..", REFUSE}, {"..v2", REFUSE}, {"^v1", REFUSE}, {"HEAD^!", REFUSE},
		/* Empty, spaces, control characters, odd names. */
		{"", REFUSE}, {" ", REFUSE}, {" HEAD", REFUSE}, {"HEAD ", REFUSE},
		{"HEAD\t", REFUSE}, {"HE\x01" "AD", REFUSE}, {"HEAD\x7f", REFUSE},
		{"HEAD\n", REFUSE}, {"HEAD\r", REFUSE}, {"main.lock", REFUSE},
		{"refs/heads/main.lock", REFUSE}, {".hidden", REFUSE}, {"main/", REFUSE},
		{"/main", REFUSE}, {"heads//main", REFUSE}, {"heads/./main", REFUSE},
		{"main.", REFUSE}, {"ma*in", REFUSE}, {"ma?in", REFUSE}, {"ma[in", REFUSE},
		{"ma\\in", REFUSE}, {"-x", REFUSE}, {"--all", REFUSE}, {"-", REFUSE},
		{"logs/HEAD", REFUSE}, {"refs", REFUSE}, {"objects", REFUSE},
		{"description", REFUSE}, {"packed-refs", REFUSE}, {"COMMIT_EDITMSG", REFUSE},
		{"ORIG_HEAD", EITHER}, {"FETCH_HEAD", REFUSE}, {"no-such-branch", REFUSE},
		{"no/such/branch", REFUSE}, {"\xff\xfe", REFUSE},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		check(f, table[i].rev, table[i].want);
}

/* Hashes, abbreviated hashes, describe output and names that look like hashes. */
static void test_hashes_against_git(void **state)
{
	struct fixture *f = *state;
	char rev[256], upper[41];
	for (size_t i = 0; i < 41; i++)
		upper[i] = (char)(f->merge[i] >= 'a' && f->merge[i] <= 'f' ? f->merge[i] - 32
									 : f->merge[i]);
	check(f, f->merge, ACCEPT);
	check(f, upper, ACCEPT);
	check(f, f->c2, ACCEPT);
	/* A branch named by c1's full hash: git takes the hash. */
	check(f, f->c1, ACCEPT);
	/* A branch named by c1's 7-digit prefix: git takes the branch (c3). */
	snprintf(rev, sizeof(rev), "%.7s", f->c1);
	check(f, rev, ACCEPT);
	snprintf(rev, sizeof(rev), "%.8s", f->c1);
	check(f, rev, ACCEPT);
	snprintf(rev, sizeof(rev), "%.7s", upper);
	check(f, rev, ACCEPT);
	snprintf(rev, sizeof(rev), "%.4s", f->c2);
	check(f, rev, ACCEPT);
	snprintf(rev, sizeof(rev), "%.3s", f->c2);
	check(f, rev, REFUSE);
	snprintf(rev, sizeof(rev), "%.12s~1", f->c3);
	check(f, rev, ACCEPT);
	snprintf(rev, sizeof(rev), "%sa", f->c2);
	check(f, rev, REFUSE);
	snprintf(rev, sizeof(rev), "%.39s", f->c2);
	check(f, rev, ACCEPT);
	check(f, "0000000000000000000000000000000000000000", REFUSE);
	check(f, "deadbeef", REFUSE);
	snprintf(rev, sizeof(rev), "v1-3-g%.7s", f->c3);
	check(f, rev, ACCEPT);
	snprintf(rev, sizeof(rev), "v1-3-g%.7s^", f->c3);
	check(f, rev, ACCEPT);
	snprintf(rev, sizeof(rev), "anything-g%.7s", f->c3);
	check(f, rev, ACCEPT);
	snprintf(rev, sizeof(rev), "-g%.7s", f->c3);
	check(f, rev, REFUSE);
	snprintf(rev, sizeof(rev), "g%.7s", f->c3);
	check(f, rev, REFUSE);
	snprintf(rev, sizeof(rev), "v1-g%.3s", f->c3);
	check(f, rev, REFUSE);
	snprintf(rev, sizeof(rev), "v1-3-g%.7sx", f->c3);
	check(f, rev, REFUSE);
	snprintf(rev, sizeof(rev), "%.7s@", f->c3);
	check(f, rev, REFUSE);
	snprintf(rev, sizeof(rev), "%.7s:f", f->c3);
	check(f, rev, REFUSE);
}

/* Long names: a 200-byte branch resolves; what git cannot store is refused. */
static void test_long_names_against_git(void **state)
{
	struct fixture *f = *state;
	static char rev[5002];
	check(f, long_name, ACCEPT);
	memset(rev, 'l', 300);
	rev[300] = '\0';
	check(f, rev, REFUSE);
	memset(rev, 'a', 5000);
	rev[5000] = '\0';
	check(f, rev, REFUSE);
	memset(rev, 'a', 5000);
	memcpy(rev + 4990, "@", 2);
	check(f, rev, REFUSE);
	for (int i = 0; i < 2400; i++)
		memcpy(rev + 2 * i, "~1", 2);
	memcpy(rev, "HEAD", 4);
	rev[4800] = '\0';
	check(f, rev, REFUSE);
	printf("# %d forms checked against git, %d accepted\n", checked, accepted);
}

/* The refusal names the revision once, quoted with control characters
 * escaped, and says why. */
static void test_messages(void **state)
{
	struct fixture *f = *state;
	char out[41], err[512];
	assert_int_equal(revparse_commit(out, f->git, "HEAD@{0}", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"HEAD@{0}\""));
	assert_non_null(strstr(err, "reflog"));
	assert_int_equal(revparse_commit(out, f->git, "HEAD^{/c2}", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "message search"));
	assert_int_equal(revparse_commit(out, f->git, ":/c2", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "message search"));
	assert_int_equal(revparse_commit(out, f->git, "v1@", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no such branch, tag or commit"));
	assert_int_equal(revparse_commit(out, f->git, "@", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "write HEAD"));
	assert_int_equal(revparse_commit(out, f->git, "HE\x1b[2JAD", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"HE\\x1b[2JAD\""));
	assert_int_equal(revparse_commit(out, f->git, "treetag", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "does not name a commit"));
	/* A small buffer is cut, never overrun. */
	assert_int_equal(revparse_commit(out, f->git, "no-such-branch", err, 8), -EINVAL);
	assert_int_equal(strlen(err), 7);
}

/* libgit2's regex forms leaked ~104 KB each (a PCRE2 match block): 2,000 of
 * them must not grow the heap by more than 1 MB (they grew it 200 MB). The
 * ASan build has no mallinfo2; LeakSanitizer checks it there. */
static void test_regex_forms_do_not_leak(void **state)
{
	struct fixture *f = *state;
	static const char *const forms[] = {"HEAD^{/nomatch}", ":/nomatch", "HEAD^{/c2}", ":/c2",
					    "main^{/(}"};
	char out[41], err[512];
	size_t before, after, refused = 0;
	for (size_t i = 0; i < 50; i++)
		revparse_commit(out, f->git, forms[i % 5], err, sizeof(err));
	before = mallinfo2().uordblks;
	for (size_t i = 0; i < 2000; i++)
		refused += revparse_commit(out, f->git, forms[i % 5], err, sizeof(err)) == -EINVAL;
	after = mallinfo2().uordblks;
	printf("# heap in use: %zu bytes before, %zu after 2,000 regex revisions\n", before, after);
	assert_true(after < before + 1024 * 1024);
	assert_int_equal(refused, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_git),
		cmocka_unit_test(test_hashes_against_git),
		cmocka_unit_test(test_long_names_against_git),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_regex_forms_do_not_leak),
	};
	int rc;
	repo_lib_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	repo_lib_shutdown();
	return rc;
}
