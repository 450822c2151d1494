/* Unit tests for repo/fetch.h against local repositories the git command
 * builds: a work repository "src" pushes to a bare "remote.git", which the
 * benchmarked clone "local" has as origin. Fetches by remote name and by
 * path (an anonymous remote), url.<base>.insteadOf, missing remotes and refs, bad refspecs, a
 * server that never answers (the stall limit), one that wants credentials
 * there are none of, passwords in URLs, and ancestry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "repo/fetch.h"
#include "repo/repo.h"
#include "util/clock.h"
#include "util/rmtree.h"
#include "tests/unit/fixture/git.h"
#include "tests/unit/fixture/tmpdir.h"

struct fixture {
	char dir[PATH_MAX / 2];
	char src[PATH_MAX], bare[PATH_MAX], local[PATH_MAX];
	struct repo *r;
	char c1[41], c2[41];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "fetch")) {
		free(f);
		return -1;
	}
	snprintf(f->src, sizeof(f->src), "%s/src", f->dir);
	snprintf(f->bare, sizeof(f->bare), "%s/remote.git", f->dir);
	snprintf(f->local, sizeof(f->local), "%s/local", f->dir);
	assert_int_equal(test_git_repo(f->dir, f->src), 0);
	assert_int_equal(test_git_commit(f->c1, f->src, "c1"), 0);
	assert_int_equal(test_git(NULL, 0, f->dir, "clone", "-q", "--bare", f->src, f->bare,
				  (char *)NULL), 0);
	assert_int_equal(test_git(NULL, 0, f->dir, "clone", "-q", f->bare, f->local, (char *)NULL), 0);
	assert_int_equal(test_git(NULL, 0, f->src, "remote", "add", "origin", f->bare, (char *)NULL), 0);
	/* c2 exists on the remote only. */
	assert_int_equal(test_git_commit(f->c2, f->src, "c2"), 0);
	assert_int_equal(test_git(NULL, 0, f->src, "push", "-q", "origin", "main", (char *)NULL), 0);
	assert_int_equal(repo_open(&f->r, f->local, NULL, 0), 0);
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

static void test_fetch_by_name(void **state)
{
	struct fixture *f = *state;
	const char *specs[] = {"+refs/heads/main:refs/remotes/origin/main"};
	char tip[REPO_HEX_SIZE], err[512] = "";
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/remotes/origin/main"), 0);
	assert_string_equal(tip, f->c1);
	assert_false(repo_commit_exists(f->r, f->c2));
	assert_int_equal(repo_fetch(f->r, "origin", specs, 1, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/remotes/origin/main"), 0);
	assert_string_equal(tip, f->c2);
	assert_true(repo_commit_exists(f->r, f->c2));
	/* Nothing new: still 0. */
	assert_int_equal(repo_fetch(f->r, "origin", specs, 1, err, sizeof(err)), 0);
	/* No refspecs: the remote's configured ones. */
	assert_int_equal(repo_fetch(f->r, "origin", NULL, 0, err, sizeof(err)), 0);
}

static void test_fetch_by_url(void **state)
{
	struct fixture *f = *state;
	char pr[41], tip[REPO_HEX_SIZE], err[512] = "";
	const char *specs[] = {"+refs/pull/7/head:refs/benchfs/pull/7"};
	assert_int_equal(test_git(NULL, 0, f->src, "push", "-q", "origin", "main:refs/pull/7/head",
				  (char *)NULL), 0);
	snprintf(pr, sizeof(pr), "%s", f->c2);
	assert_int_equal(repo_fetch(f->r, f->bare, specs, 1, err, sizeof(err)), 0);
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/benchfs/pull/7"), 0);
	assert_string_equal(tip, pr);
	/* An anonymous remote leaves the configured one's refs alone. */
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/remotes/origin/main"), 0);
	assert_string_equal(tip, f->c1);
	/* A forced update: the pull request rewritten. */
	assert_int_equal(test_git(NULL, 0, f->src, "push", "-q", "-f", "origin",
				  "main~1:refs/pull/7/head", (char *)NULL), 0);
	assert_int_equal(repo_fetch(f->r, f->bare, specs, 1, err, sizeof(err)), 0);
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/benchfs/pull/7"), 0);
	assert_string_equal(tip, f->c1);
}

/* git's url.<base>.insteadOf applies, to a remote's URL and to a URL. */
static void test_fetch_insteadof(void **state)
{
	struct fixture *f = *state;
	const char *specs[] = {"+refs/heads/main:refs/remotes/origin/main"};
	char tip[REPO_HEX_SIZE], err[512] = "";
	assert_int_equal(test_git(NULL, 0, f->local, "config", "remote.origin.url", "short:repo",
				  (char *)NULL), 0);
	{
		char key[PATH_MAX + 32];
		snprintf(key, sizeof(key), "url.%s.insteadOf", f->bare);
		assert_int_equal(test_git(NULL, 0, f->local, "config", key, "short:repo",
					  (char *)NULL), 0);
		/* A shorter match loses to the longest. */
		assert_int_equal(test_git(NULL, 0, f->local, "config", "url./nonexistent.insteadOf",
					  "short:", (char *)NULL), 0);
	}
	repo_free(f->r);
	assert_int_equal(repo_open(&f->r, f->local, NULL, 0), 0);
	assert_int_equal(repo_fetch(f->r, "origin", specs, 1, err, sizeof(err)), 0);
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/remotes/origin/main"), 0);
	assert_string_equal(tip, f->c2);
	assert_int_equal(repo_fetch(f->r, "short:repo", specs, 1, err, sizeof(err)), 0);
}

static void test_fetch_missing(void **state)
{
	struct fixture *f = *state;
	const char *nope[] = {"+refs/pull/99/head:refs/benchfs/pull/99"};
	const char *bad[] = {"+refs/heads/main:refs/heads/../x"};
	const char *main_spec[] = {"+refs/heads/main:refs/remotes/origin/main"};
	char tip[REPO_HEX_SIZE], err[512] = "", path[PATH_MAX + 16];
	assert_int_equal(repo_fetch(f->r, "origin", nope, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "refs/pull/99/head"));
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/benchfs/pull/99"), -ENOENT);
	err[0] = '\0';
	assert_int_equal(repo_fetch(f->r, "upstream", main_spec, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "upstream"));
	err[0] = '\0';
	assert_int_equal(repo_fetch(f->r, "origin", bad, 1, err, sizeof(err)), -EINVAL);
	assert_string_not_equal(err, "");
	/* A path that is no repository: an error with libgit2's reason, refs untouched. */
	snprintf(path, sizeof(path), "%s/gone.git", f->dir);
	err[0] = '\0';
	assert_int_equal(repo_fetch(f->r, path, main_spec, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no repository at "));
	/* The remote's URL removed from under it. */
	assert_int_equal(rename(f->bare, path), 0);
	err[0] = '\0';
	assert_int_equal(repo_fetch(f->r, "origin", main_spec, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no repository at "));
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/remotes/origin/main"), 0);
	assert_string_equal(tip, f->c1);
	/* And back: it works again. */
	assert_int_equal(rename(path, f->bare), 0);
	assert_int_equal(repo_fetch(f->r, "origin", main_spec, 1, err, sizeof(err)), 0);
	assert_int_equal(repo_ref_commit(tip, f->r, "refs/remotes/origin/main"), 0);
	assert_string_equal(tip, f->c2);
}

/* A git:// server that accepts the connection and never says a word: the
 * fetch gives up after the stall limit instead of hanging. */
static void test_fetch_stall(void **state)
{
	struct fixture *f = *state;
	const char *specs[] = {"+refs/heads/main:refs/remotes/x/main"};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	char url[128], err[512] = "";
	int64_t start;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(url, sizeof(url), "git://127.0.0.1:%u/x.git", ntohs(sa.sin_port));
	repo_fetch_limits(1, 0);
	start = now_mono_ms();
	assert_int_equal(repo_fetch(f->r, url, specs, 1, err, sizeof(err)), -ETIMEDOUT);
	assert_true(now_mono_ms() - start < 30000);
	assert_string_not_equal(err, "");
	repo_fetch_limits(REPO_FETCH_STALL_S, 0);
	close(fd);
}

/* An http server that refuses every request with 401: no credentials are
 * found (none in the URL, no agent, no keys), so the fetch is refused. */
static void *refuse_all(void *arg)
{
	int lfd = *(int *)arg;
	static const char reply[] = "HTTP/1.1 401 Unauthorized\r\n"
				    "WWW-Authenticate: Basic realm=\"test\"\r\n"
				    "Content-Length: 0\r\nConnection: close\r\n\r\n";
	for (;;) {
		char buf[4096];
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			return NULL;
		if (read(fd, buf, sizeof(buf)) > 0 && write(fd, reply, sizeof(reply) - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
}

static void test_fetch_refused(void **state)
{
	struct fixture *f = *state;
	const char *specs[] = {"+refs/heads/main:refs/remotes/x/main"};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	char url[128], err[512] = "";
	pthread_t server;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(pthread_create(&server, NULL, refuse_all, &fd), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x.git", ntohs(sa.sin_port));
	assert_int_equal(repo_fetch(f->r, url, specs, 1, err, sizeof(err)), -EACCES);
	assert_string_not_equal(err, "");
	/* The server thread ends when its socket does. */
	shutdown(fd, SHUT_RDWR);
	pthread_join(server, NULL);
	close(fd);
}

static void test_url_password(void **state)
{
	(void)state;
	assert_true(repo_url_has_password("https://u:secret@example.com/x.git"));
	assert_true(repo_url_has_password("https://u:@example.com/x.git"));
	assert_true(repo_url_has_password("ssh://git:pw@host:22/x.git"));
	assert_false(repo_url_has_password("https://u@example.com/x.git"));
	assert_false(repo_url_has_password("https://example.com:8443/x.git"));
	assert_false(repo_url_has_password("https://example.com/a:b@c"));
	assert_false(repo_url_has_password("git@github.com:o/x.git"));
	assert_false(repo_url_has_password("/srv/git/x.git"));
	assert_false(repo_url_has_password("origin"));
}

static void test_ancestor(void **state)
{
	struct fixture *f = *state;
	const char *specs[] = {"+refs/heads/main:refs/remotes/origin/main"};
	char err[512] = "";
	assert_int_equal(repo_fetch(f->r, "origin", specs, 1, err, sizeof(err)), 0);
	assert_int_equal(repo_is_ancestor(f->r, f->c1, f->c2), 1);
	assert_int_equal(repo_is_ancestor(f->r, f->c2, f->c1), 0);
	assert_int_equal(repo_is_ancestor(f->r, f->c2, f->c2), 1);
	assert_int_equal(repo_is_ancestor(f->r, "0123456789012345678901234567890123456789", f->c2),
			 -ENOENT);
	assert_int_equal(repo_is_ancestor(f->r, "main", f->c2), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fetch_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_by_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_insteadof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_refused, setup, teardown),
		cmocka_unit_test(test_url_password),
		cmocka_unit_test_setup_teardown(test_ancestor, setup, teardown),
	};
	int rc;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
