/* ssh host keys against known_hosts (known_hosts.h). */
#include "repo/known_hosts.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/strbuf.h"

extern char **environ;

char *repo_base64(const unsigned char *data, size_t len)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(4 * ((len + 2) / 3) + 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		*p++ = digits[v >> 18 & 63];
		*p++ = digits[v >> 12 & 63];
		*p++ = i + 1 < len ? digits[v >> 6 & 63] : '=';
		*p++ = i + 2 < len ? digits[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

/* ssh-keygen -F host -f file's output (the matching lines, hashed names
 * resolved by ssh-keygen) into out: 0, or -1 when it could not be run. */
static int lookup(struct strbuf *out, const char *host, const char *file)
{
	char *argv[] = {"ssh-keygen", "-F", (char *)host, "-f", (char *)file, NULL};
	posix_spawn_file_actions_t fa;
	int pipefd[2], status, rc = -1;
	char buf[4096];
	ssize_t got;
	pid_t pid;
	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (posix_spawnp(&pid, "ssh-keygen", &fa, NULL, argv, environ) == 0)
		rc = 0;
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	while (rc == 0 && ((got = read(pipefd[0], buf, sizeof(buf))) > 0 ||
			   (got < 0 && errno == EINTR)))
		if (got > 0)
			strbuf_add(out, buf, (size_t)got);
	close(pipefd[0]);
	if (rc == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return rc;
}

/* Whether a line of known_hosts ("hosts keytype key [comment]", maybe
 * after a @marker) carries key, and is not @revoked. */
static bool line_has_key(const char *line, const char *key)
{
	char f[4][2048];
	int n = sscanf(line, "%2047s %2047s %2047s %2047s", f[0], f[1], f[2], f[3]);
	if (n >= 1 && f[0][0] == '@')
		return strcmp(f[0], "@cert-authority") != 0 && strcmp(f[0], "@revoked") != 0 &&
		       n >= 4 && strcmp(f[3], key) == 0;
	return n >= 3 && strcmp(f[2], key) == 0;
}

int repo_host_key_known(const char *host, const char *key_base64, const char *const *files)
{
	const char *defaults[3] = {NULL, "/etc/ssh/ssh_known_hosts", NULL};
	struct strbuf user = STRBUF_INIT;
	const char *home = getenv("HOME");
	int result = 0;
	if (!files) {
		if (home && *home)
			strbuf_addf(&user, "%s/.ssh/known_hosts", home);
		defaults[0] = user.len ? user.buf : defaults[1];
		if (!user.len)
			defaults[1] = NULL;
		files = defaults;
	}
	/* A host or key that could pass for an option or hold a space never
	 * reaches ssh-keygen. */
	if (!*host || *host == '-' || strpbrk(host, " \t\n") || strpbrk(key_base64, " \t\n"))
		goto out;
	for (size_t i = 0; files[i] && result == 0; i++) {
		struct strbuf out = STRBUF_INIT;
		char *line, *save = NULL;
		if (access(files[i], R_OK) || lookup(&out, host, files[i]) || strbuf_error(&out)) {
			result = strbuf_error(&out) ? -ENOMEM : 0;
			strbuf_release(&out);
			continue;
		}
		for (line = strtok_r(out.buf, "\n", &save); line && !result;
		     line = strtok_r(NULL, "\n", &save))
			if (*line != '#' && line_has_key(line, key_base64))
				result = 1;
		strbuf_release(&out);
	}
out:
	strbuf_release(&user);
	return result;
}
