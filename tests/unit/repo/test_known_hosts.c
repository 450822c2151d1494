/* ssh host keys against known_hosts files made with ssh-keygen: plain and
 * hashed host names, another host, another key, a revoked key, a host that
 * looks like an option. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "repo/known_hosts.h"
#include "tests/unit/fixture/tmpdir.h"

extern char **environ;

static char dir[4096], hosts[4200];
static char key1[2048], key2[2048], type[64];

static int run(char *const argv[])
{
	pid_t pid;
	int status;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ))
		return -1;
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A new ed25519 key's type and base64 blob, from its .pub file. */
static void make_key(char *key, const char *name)
{
	char path[4200], pub[4300];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *argv[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path, NULL};
	assert_int_equal(run(argv), 0);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	assert_non_null(f = fopen(pub, "r"));
	assert_int_equal(fscanf(f, "%63s %2047s", type, key), 2);
	fclose(f);
}

static void write_hosts(const char *text)
{
	FILE *f = fopen(hosts, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir_make(dir, sizeof(dir), "known-hosts"))
		return -1;
	snprintf(hosts, sizeof(hosts), "%s/known_hosts", dir);
	make_key(key1, "k1");
	make_key(key2, "k2");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_tmpdir_remove(dir);
	return 0;
}

static void test_base64(void **state)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					  "Zm9vYmFy"};
	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *b = repo_base64((const unsigned char *)in[i], strlen(in[i]));
		assert_string_equal(b, out[i]);
		free(b);
	}
}

static void test_plain_and_hashed(void **state)
{
	const char *files[] = {hosts, NULL};
	char text[8192];
	(void)state;
	snprintf(text, sizeof(text), "# a comment\nother.test %s %s\ngit.example.test %s %s\n", type,
		 key2, type, key1);
	write_hosts(text);
	assert_int_equal(repo_host_key_known("git.example.test", key1, files), 1);
	assert_int_equal(repo_host_key_known("git.example.test", key2, files), 0);
	assert_int_equal(repo_host_key_known("other.test", key2, files), 1);
	assert_int_equal(repo_host_key_known("nowhere.test", key1, files), 0);
	assert_int_equal(repo_host_key_known("-oProxyCommand=x", key1, files), 0);
	/* Hashed names (HashKnownHosts, Debian's default) are found too. */
	char *argv[] = {"ssh-keygen", "-H", "-f", hosts, NULL};
	assert_int_equal(run(argv), 0);
	assert_int_equal(repo_host_key_known("git.example.test", key1, files), 1);
	assert_int_equal(repo_host_key_known("nowhere.test", key1, files), 0);
}

static void test_revoked_and_missing(void **state)
{
	const char *files[] = {hosts, NULL};
	const char *none[] = {"/nonexistent/known_hosts", NULL};
	char text[8192];
	(void)state;
	snprintf(text, sizeof(text), "@revoked git.example.test %s %s\n", type, key1);
	write_hosts(text);
	assert_int_equal(repo_host_key_known("git.example.test", key1, files), 0);
	assert_int_equal(repo_host_key_known("git.example.test", key1, none), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_plain_and_hashed),
		cmocka_unit_test(test_revoked_and_missing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
