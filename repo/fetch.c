/* Fetching from a remote (fetch.h): libgit2's connect, download and update
 * of tips, with credentials from the usual places, a check that each asked
 * ref exists on the remote (libgit2 skips a missing one silently, git fails),
 * and time limits.
 *
 * libgit2 1.5 has no network timeouts: a server that accepts and then says
 * nothing holds the caller for ever. So benchfs registers its own socket
 * stream (every transport, TLS and ssh included, opens its socket through
 * it), which waits at most the stall limit for each connect, read and write,
 * and a watchdog thread per fetch shuts the fetch's sockets down when
 * nothing moved for that long or the total limit passed: ssh's library reads
 * the socket itself, and shutdown() wakes any reader. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/stream.h>

#include "repo/fetch.h"
#include "repo/internal.h"
#include "repo/known_hosts.h"
#include "util/clock.h"

static atomic_int stall_limit_s = REPO_FETCH_STALL_S;
static atomic_int total_limit_s = REPO_FETCH_TOTAL_S;

void repo_fetch_limits(int stall_seconds, int total_seconds)
{
	if (stall_seconds > 0)
		atomic_store(&stall_limit_s, stall_seconds);
	if (total_seconds > 0)
		atomic_store(&total_limit_s, total_seconds);
}

bool repo_url_has_password(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *auth, *end, *at;
	if (!scheme)
		return false; /* a path or user@host:path: no password field */
	auth = scheme + 3;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p; /* the last '@' ends the user information */
	if (!at)
		return false;
	return memchr(auth, ':', (size_t)(at - auth)) != NULL;
}

#define FETCH_MAX_SOCKETS 8

/* What the callbacks, the sockets and the watchdog share during one fetch. */
struct fetch_state {
	int64_t deadline_ms;         /* now_mono_ms() past it: give up */
	int stall_ms;
	atomic_llong active_ms;      /* the last time anything moved */
	atomic_bool timed_out;
	bool auth_tried;             /* the credentials callback ran out of things to offer */
	bool user_tried, agent_tried;
	unsigned key_next;           /* the next ~/.ssh key to try */
	bool default_tried;
	/* The watchdog's: the fetch's open sockets, and the end of the fetch. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fds[FETCH_MAX_SOCKETS];
	bool done;
};

/* The fetch this thread is running, for the sockets it opens. */
static _Thread_local struct fetch_state *fetching;

static void touch(struct fetch_state *st)
{
	if (st)
		atomic_store(&st->active_ms, now_mono_ms());
}

static void *watchdog(void *arg)
{
	struct fetch_state *st = arg;
	pthread_mutex_lock(&st->lock);
	while (!st->done) {
		int64_t now = now_mono_ms();
		int64_t until = atomic_load(&st->active_ms) + st->stall_ms;
		struct timespec ts;
		if (until > st->deadline_ms)
			until = st->deadline_ms;
		if (now >= until) {
			atomic_store(&st->timed_out, true);
			for (int i = 0; i < FETCH_MAX_SOCKETS; i++)
				if (st->fds[i] >= 0)
					shutdown(st->fds[i], SHUT_RDWR);
			break;
		}
		timespec_real_after(&ts, until - now);
		pthread_cond_timedwait(&st->cond, &st->lock, &ts);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* The first four fields are laid out as libgit2's own socket stream's: its
 * ssh transport takes the socket from there. */
struct timed_stream {
	git_stream parent;
	char *host;
	char *port;
	int s;
	struct fetch_state *st;
};

static int stall_ms(const struct timed_stream *ts)
{
	return ts->st ? ts->st->stall_ms : 1000 * atomic_load(&stall_limit_s);
}

static void fd_track(struct fetch_state *st, int fd, bool add)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	for (int i = 0; i < FETCH_MAX_SOCKETS; i++) {
		if (add ? st->fds[i] < 0 : st->fds[i] == fd) {
			st->fds[i] = add ? fd : -1;
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
}

static int wait_fd(struct timed_stream *ts, short events, const char *what)
{
	struct pollfd p = {.fd = ts->s, .events = events};
	int rc;
	do
		rc = poll(&p, 1, stall_ms(ts));
	while (rc < 0 && errno == EINTR);
	if (rc == 0 || (ts->st && atomic_load(&ts->st->timed_out))) {
		if (ts->st)
			atomic_store(&ts->st->timed_out, true);
		git_error_set(GIT_ERROR_NET, "%s %s: timed out", what, ts->host);
		return -1;
	}
	if (rc < 0) {
		git_error_set(GIT_ERROR_NET, "%s %s: %s", what, ts->host, strerror(errno));
		return -1;
	}
	return 0;
}

static int connect_one(struct timed_stream *ts, const struct addrinfo *ai)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	if (fd < 0)
		return -errno;
	ts->s = fd;
	fd_track(ts->st, fd, true);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			soerr = errno;
		} else if (wait_fd(ts, POLLOUT, "connecting to") < 0) {
			soerr = ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
			soerr = errno;
		}
	}
	/* Blocking again, as libgit2's stream is: ssh's library expects it. */
	if (!soerr && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		soerr = errno;
	if (soerr) {
		fd_track(ts->st, fd, false);
		close(fd);
		ts->s = -1;
		return -soerr;
	}
	touch(ts->st);
	return 0;
}

static int stream_connect(git_stream *stream)
{
	struct timed_stream *ts = (struct timed_stream *)stream;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
	struct addrinfo *info = NULL;
	int rc, err = -EHOSTUNREACH;
	if (ts->st && atomic_load(&ts->st->timed_out)) {
		git_error_set(GIT_ERROR_NET, "connecting to %s: timed out", ts->host);
		return -1;
	}
	if ((rc = getaddrinfo(ts->host, ts->port, &hints, &info)) != 0) {
		git_error_set(GIT_ERROR_NET, "failed to resolve address for %s: %s", ts->host,
			      gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = info; ai; ai = ai->ai_next) {
		if ((err = connect_one(ts, ai)) == 0 || err == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(info);
	if (err) {
		git_error_set(GIT_ERROR_NET, "failed to connect to %s: %s", ts->host,
			      err == -ETIMEDOUT ? "timed out" : strerror(-err));
		return -1;
	}
	return 0;
}

static ssize_t stream_read(git_stream *stream, void *data, size_t len)
{
	struct timed_stream *ts = (struct timed_stream *)stream;
	ssize_t n;
	if (wait_fd(ts, POLLIN, "reading from") < 0)
		return -1;
	do
		n = recv(ts->s, data, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		git_error_set(GIT_ERROR_NET, "reading from %s: %s", ts->host, strerror(errno));
		return -1;
	}
	touch(ts->st);
	return n;
}

static ssize_t stream_write(git_stream *stream, const char *data, size_t len, int flags)
{
	struct timed_stream *ts = (struct timed_stream *)stream;
	ssize_t n;
	(void)flags;
	if (wait_fd(ts, POLLOUT, "writing to") < 0)
		return -1;
	do
		n = send(ts->s, data, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		git_error_set(GIT_ERROR_NET, "writing to %s: %s", ts->host, strerror(errno));
		return -1;
	}
	touch(ts->st);
	return n;
}

static int stream_close(git_stream *stream)
{
	struct timed_stream *ts = (struct timed_stream *)stream;
	if (ts->s < 0)
		return 0;
	/* Out of the watchdog's list before the number can be reused. */
	fd_track(ts->st, ts->s, false);
	close(ts->s);
	ts->s = -1;
	return 0;
}

static void stream_free(git_stream *stream)
{
	struct timed_stream *ts = (struct timed_stream *)stream;
	stream_close(stream);
	free(ts->host);
	free(ts->port);
	free(ts);
}

static int stream_new(git_stream **out, const char *host, const char *port)
{
	struct timed_stream *ts = calloc(1, sizeof(*ts));
	*out = NULL;
	if (!ts || !(ts->host = strdup(host)) || !(ts->port = strdup(port ? port : ""))) {
		if (ts)
			free(ts->host);
		free(ts);
		git_error_set_oom();
		return -1;
	}
	ts->parent.version = GIT_STREAM_VERSION;
	ts->parent.connect = stream_connect;
	ts->parent.read = stream_read;
	ts->parent.write = stream_write;
	ts->parent.close = stream_close;
	ts->parent.free = stream_free;
	ts->s = -1;
	ts->st = fetching;
	*out = &ts->parent;
	return 0;
}

static pthread_once_t stream_once = PTHREAD_ONCE_INIT;
static int stream_registered;

static void stream_register(void)
{
	git_stream_registration reg = {.version = GIT_STREAM_VERSION, .init = stream_new};
	stream_registered = git_stream_register(GIT_STREAM_STANDARD, &reg);
}

static int check_deadline(struct fetch_state *st)
{
	touch(st);
	if (now_mono_ms() <= st->deadline_ms && !atomic_load(&st->timed_out))
		return 0;
	atomic_store(&st->timed_out, true);
	git_error_set_str(GIT_ERROR_NET, "fetch timed out");
	return -1;
}

static int on_sideband(const char *str, int len, void *payload)
{
	(void)str;
	(void)len;
	return check_deadline(payload);
}

static int on_transfer(const git_indexer_progress *stats, void *payload)
{
	(void)stats;
	return check_deadline(payload);
}

static int on_update_tip(const char *refname, const git_oid *a, const git_oid *b, void *payload)
{
	(void)refname;
	(void)a;
	(void)b;
	(void)payload;
	/* Past the transfer: never stop half way through the refs. */
	return 0;
}

/* An ssh key pair of the user's, in the order ssh itself tries them. */
static int ssh_key(git_credential **out, struct fetch_state *st, const char *user)
{
	static const char *const names[] = {"id_ed25519", "id_ecdsa", "id_rsa"};
	const char *home = getenv("HOME");
	while (home && *home && st->key_next < sizeof(names) / sizeof(names[0])) {
		char priv[4096], pub[4100];
		struct stat sb;
		const char *name = names[st->key_next++];
		snprintf(priv, sizeof(priv), "%s/.ssh/%s", home, name);
		snprintf(pub, sizeof(pub), "%s.pub", priv);
		if (stat(priv, &sb) != 0)
			continue;
		if (git_credential_ssh_key_new(out, user, stat(pub, &sb) == 0 ? pub : NULL, priv,
					       NULL) == 0)
			return 0;
	}
	return GIT_PASSTHROUGH;
}

/* libgit2 calls this again after each refused credential: each source is
 * offered once, then the fetch fails as refused. A user:password in the URL
 * is applied by libgit2's http transport before asking here. */
static int on_credentials(git_credential **out, const char *url, const char *username_from_url,
			  unsigned int allowed, void *payload)
{
	struct fetch_state *st = payload;
	const char *user = username_from_url && *username_from_url ? username_from_url : getenv("USER");
	(void)url;
	if (check_deadline(st))
		return -1;
	if ((allowed & GIT_CREDENTIAL_USERNAME) && user && !st->user_tried) {
		st->user_tried = true;
		return git_credential_username_new(out, user);
	}
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (!user)
			user = "git";
		if (!st->agent_tried) {
			st->agent_tried = true;
			if (getenv("SSH_AUTH_SOCK") && git_credential_ssh_key_from_agent(out, user) == 0)
				return 0;
		}
		if (ssh_key(out, st, user) == 0)
			return 0;
	}
	if ((allowed & GIT_CREDENTIAL_DEFAULT) && !st->default_tried) {
		st->default_tried = true;
		return git_credential_default_new(out);
	}
	st->auth_tried = true;
	git_error_set_str(GIT_ERROR_NET, "authentication refused, or no credentials found "
			  "(ssh agent, ~/.ssh keys, the repository's remote URL)");
	return GIT_EAUTH;
}

/* A remote as libgit2 1.5 would make it with git_remote_lookup or
 * git_remote_create_anonymous, but without their regular expressions over
 * the configuration (url.*.insteadof, remote.<name>.*): libgit2 1.5 with
 * PCRE2 leaks the match data of every entry that does not match, at each
 * fetch of a daemon that fetches for ever. So the URL, insteadOf, the
 * fetch refspecs and tagopt are read here, by name. */
struct remote_spec {
	git_remote *remote;
	bool named;                   /* a remote the repository configures */
	git_remote_autotag_option_t tags;
	char **fetch;                 /* a named remote's configured refspecs */
	size_t nfetch;
};

static void remote_spec_clear(struct remote_spec *rs)
{
	git_remote_free(rs->remote);
	for (size_t i = 0; i < rs->nfetch; i++)
		free(rs->fetch[i]);
	free(rs->fetch);
	memset(rs, 0, sizeof(*rs));
}

/* git's url.<base>.insteadOf: the longest matching prefix is replaced. */
static int apply_insteadof(char **out, git_config *cfg, const char *url)
{
	git_config_iterator *it = NULL;
	git_config_entry *e;
	size_t best = 0;
	const char *base = NULL;
	size_t base_len = 0;
	char *copy = NULL;
	*out = NULL;
	if (git_config_iterator_new(&it, cfg) < 0)
		return -EIO;
	while (git_config_next(&e, it) == 0) {
		size_t len = strlen(e->name), plen;
		if (len < 4 + 10 || strncmp(e->name, "url.", 4) != 0 ||
		    strcmp(e->name + len - 10, ".insteadof") != 0 || !e->value)
			continue;
		plen = strlen(e->value);
		if (plen > best && strncmp(url, e->value, plen) == 0) {
			free(copy);
			/* The entry lives only until the next step. */
			copy = strndup(e->name + 4, len - 4 - 10);
			if (!copy) {
				git_config_iterator_free(it);
				return -ENOMEM;
			}
			best = plen;
			base = copy;
			base_len = strlen(copy);
		}
	}
	git_config_iterator_free(it);
	if (!base)
		*out = strdup(url);
	else if ((*out = malloc(base_len + strlen(url + best) + 1)))
		sprintf(*out, "%s%s", base, url + best);
	free(copy);
	return *out ? 0 : -ENOMEM;
}

static int add_fetch(const git_config_entry *e, void *arg)
{
	struct remote_spec *rs = arg;
	char **more = realloc(rs->fetch, (rs->nfetch + 1) * sizeof(*more));
	if (!more)
		return -1;
	rs->fetch = more;
	if (!(rs->fetch[rs->nfetch] = strdup(e->value ? e->value : "")))
		return -1;
	rs->nfetch++;
	return 0;
}

/* The remote: a configured one by name, else an anonymous one for a URL or
 * path. */
static int remote_open(struct remote_spec *rs, struct repo *r, const char *remote, char *err,
		       size_t errsize)
{
	git_remote_create_options opts;
	git_config *cfg = NULL;
	git_buf url = GIT_BUF_INIT, tagopt = GIT_BUF_INIT;
	char key[512], *real = NULL;
	int rc = 0;
	memset(rs, 0, sizeof(*rs));
	rs->tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (git_repository_config_snapshot(&cfg, r->git) < 0) {
		snprintf(err, errsize, "the repository's configuration: %s", repo_git_error());
		return -EIO;
	}
	int valid = 0;
	if (git_remote_name_is_valid(&valid, remote) < 0)
		valid = 0;
	rs->named = valid;
	snprintf(key, sizeof(key), "remote.%s.url", remote);
	if (rs->named && strlen(remote) < 400 && git_config_get_string_buf(&url, cfg, key) == 0) {
		snprintf(key, sizeof(key), "remote.%s.fetch", remote);
		if (git_config_get_multivar_foreach(cfg, key, NULL, add_fetch, rs) < 0 &&
		    git_error_last() && git_error_last()->klass == GIT_ERROR_NOMEMORY)
			rc = -ENOMEM;
		snprintf(key, sizeof(key), "remote.%s.tagopt", remote);
		rs->tags = GIT_REMOTE_DOWNLOAD_TAGS_AUTO;
		if (git_config_get_string_buf(&tagopt, cfg, key) == 0)
			rs->tags = strcmp(tagopt.ptr, "--no-tags") == 0 ? GIT_REMOTE_DOWNLOAD_TAGS_NONE
				   : strcmp(tagopt.ptr, "--tags") == 0  ? GIT_REMOTE_DOWNLOAD_TAGS_ALL
									: GIT_REMOTE_DOWNLOAD_TAGS_AUTO;
	} else {
		rs->named = false;
		/* Not a remote's name: a URL, an scp-like host:path or a path. */
		if (!strchr(remote, '/') && !strchr(remote, ':')) {
			snprintf(err, errsize, "no remote named %s in the repository", remote);
			rc = -ENOENT;
			goto done;
		}
	}
	if (!rc)
		rc = apply_insteadof(&real, cfg, rs->named ? url.ptr : remote);
	if (rc == -ENOMEM) {
		snprintf(err, errsize, "out of memory");
		goto done;
	}
	if (rc) {
		snprintf(err, errsize, "remote %s: %s", remote, repo_git_error());
		goto done;
	}
	git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	opts.repository = r->git;
	opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&rs->remote, real, &opts) < 0) {
		snprintf(err, errsize, "remote %s: %s", remote, repo_git_error());
		rc = -EINVAL;
	}
done:
	free(real);
	git_buf_dispose(&url);
	git_buf_dispose(&tagopt);
	git_config_free(cfg);
	if (rc)
		remote_spec_clear(rs);
	return rc;
}

/* Each refspec's source, unless a pattern, among the remote's advertised
 * refs: libgit2 fetches nothing for a missing one and says nothing. */
static int check_sources(git_remote *remote, const char *const *refspecs, size_t n, char *err,
			 size_t errsize)
{
	const git_remote_head **heads = NULL;
	size_t nheads = 0;
	if (git_remote_ls(&heads, &nheads, remote) < 0) {
		snprintf(err, errsize, "%s", repo_git_error());
		return -EIO;
	}
	for (size_t i = 0; i < n; i++) {
		git_refspec *spec = NULL;
		const char *src;
		bool found = false;
		if (git_refspec_parse(&spec, refspecs[i], 1) < 0) {
			snprintf(err, errsize, "not a refspec: %s", refspecs[i]);
			return -EINVAL;
		}
		src = git_refspec_src(spec);
		if (strchr(src, '*') || !*src) {
			git_refspec_free(spec);
			continue;
		}
		for (size_t j = 0; j < nheads && !found; j++)
			found = strcmp(heads[j]->name, src) == 0;
		if (!found) {
			snprintf(err, errsize, "the remote has no %s", src);
			git_refspec_free(spec);
			return -ENOENT;
		}
		git_refspec_free(spec);
	}
	return 0;
}

/* A remote on this machine that is gone (moved, deleted): libgit2 says
 * "unsupported URL protocol", which sends one looking in the wrong place. */
static int local_path_check(git_remote *remote, char *err, size_t errsize)
{
	const char *url = git_remote_url(remote);
	const char *path = url && strncmp(url, "file://", 7) == 0 ? url + 7 : url;
	struct stat sb;
	if (!path || path[0] != '/' || stat(path, &sb) == 0)
		return 0;
	snprintf(err, errsize, "no repository at %s: %s", path, strerror(errno));
	return -ENOENT;
}

static int fail_code(int git_rc, struct fetch_state *st)
{
	if (atomic_load(&st->timed_out))
		return -ETIMEDOUT;
	if (git_rc == GIT_EAUTH || st->auth_tried)
		return -EACCES;
	if (git_rc == GIT_ENOTFOUND)
		return -ENOENT;
	const git_error *e = git_error_last();
	if (e && e->klass == GIT_ERROR_NOMEMORY)
		return -ENOMEM;
	return -EIO;
}

/* An ssh server's host key must be in known_hosts, as ssh itself requires
 * (libgit2 1.5 would take any key); TLS certificates keep libgit2's own
 * verdict (> 0: "use yours"). */
static int on_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	char *key;
	int known;
	(void)valid, (void)payload;
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return 1;
	if (!(hk->type & GIT_CERT_SSH_RAW)) {
		git_error_set(GIT_ERROR_SSH, "the ssh host key of %s cannot be checked", host);
		return GIT_ECERTIFICATE;
	}
	if (!(key = repo_base64((const unsigned char *)hk->hostkey, hk->hostkey_len))) {
		git_error_set_oom();
		return -1;
	}
	known = repo_host_key_known(host, key, NULL);
	free(key);
	if (known == 1)
		return 0;
	git_error_set(GIT_ERROR_SSH,
		      "the ssh host key of %s is not in ~/.ssh/known_hosts or"
		      " /etc/ssh/ssh_known_hosts (add it, as ssh would ask to)",
		      host);
	return GIT_ECERTIFICATE;
}

int repo_fetch(struct repo *r, const char *remote, const char *const *refspecs, size_t nrefspecs,
	       char *err, size_t errsize)
{
	struct remote_spec rs;
	git_remote *rem;
	git_fetch_options opts;
	git_strarray specs = {(char **)refspecs, nrefspecs};
	struct fetch_state st = {0};
	pthread_t dog;
	bool dog_started;
	int rc, grc;

	if ((rc = remote_open(&rs, r, remote, err, errsize)))
		return rc;
	rem = rs.remote;
	/* No refspecs: the named remote's own, as git fetch <remote> does. */
	if (!nrefspecs) {
		refspecs = (const char *const *)rs.fetch;
		nrefspecs = rs.nfetch;
		specs = (git_strarray){rs.fetch, rs.nfetch};
	}
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	pthread_once(&stream_once, stream_register);
	st.deadline_ms = now_mono_ms() + 1000LL * atomic_load(&total_limit_s);
	st.stall_ms = 1000 * atomic_load(&stall_limit_s);
	atomic_store(&st.active_ms, now_mono_ms());
	for (int i = 0; i < FETCH_MAX_SOCKETS; i++)
		st.fds[i] = -1;
	pthread_mutex_init(&st.lock, NULL);
	pthread_cond_init(&st.cond, NULL);
	fetching = &st;
	dog_started = pthread_create(&dog, NULL, watchdog, &st) == 0;
	opts.callbacks.sideband_progress = on_sideband;
	opts.callbacks.transfer_progress = on_transfer;
	opts.callbacks.credentials = on_credentials;
	opts.callbacks.certificate_check = on_certificate;
	opts.callbacks.update_tips = on_update_tip;
	opts.callbacks.payload = &st;
	opts.prune = GIT_FETCH_NO_PRUNE;
	/* A configured remote follows tags as `git fetch` does; a URL (a
	 * pull request's fork) brings only what was asked. */
	opts.download_tags = rs.tags;
	opts.update_fetchhead = 0;

	if ((rc = local_path_check(rem, err, errsize)))
		goto done;
	if ((grc = git_remote_connect(rem, GIT_DIRECTION_FETCH, &opts.callbacks, &opts.proxy_opts,
				      NULL)) < 0) {
		rc = fail_code(grc, &st);
		goto failed;
	}
	if ((rc = check_sources(rem, refspecs, nrefspecs, err, errsize)))
		goto done;
	if ((grc = git_remote_download(rem, &specs, &opts)) < 0) {
		rc = fail_code(grc, &st);
		goto failed;
	}
	if ((grc = git_remote_update_tips(rem, &opts.callbacks, 0, opts.download_tags,
					  "benchfs: fetch")) < 0) {
		rc = fail_code(grc, &st);
		goto failed;
	}
	rc = 0;
	goto done;
failed:
	if (atomic_load(&st.timed_out))
		snprintf(err, errsize, "%s: no answer within the time limit", remote);
	else
		snprintf(err, errsize, "%s", repo_git_error());
done:
	git_remote_disconnect(rem);
	remote_spec_clear(&rs);
	pthread_mutex_lock(&st.lock);
	st.done = true;
	pthread_cond_signal(&st.cond);
	pthread_mutex_unlock(&st.lock);
	if (dog_started)
		pthread_join(dog, NULL);
	fetching = NULL;
	pthread_mutex_destroy(&st.lock);
	pthread_cond_destroy(&st.cond);
	return rc;
}

bool repo_remote_exists(struct repo *r, const char *name)
{
	git_config *cfg = NULL;
	git_buf url = GIT_BUF_INIT;
	char key[512];
	int valid = 0;
	bool found;
	if (git_remote_name_is_valid(&valid, name) < 0 || !valid ||
	    (size_t)snprintf(key, sizeof(key), "remote.%s.url", name) >= sizeof(key) ||
	    git_repository_config_snapshot(&cfg, r->git) < 0)
		return false;
	found = git_config_get_string_buf(&url, cfg, key) == 0;
	git_buf_dispose(&url);
	git_config_free(cfg);
	return found;
}

int repo_is_ancestor(struct repo *r, const char *ancestor, const char *commit)
{
	git_oid a, c;
	int rc;
	if (repo_oid_parse(&a, ancestor) || repo_oid_parse(&c, commit) ||
	    !repo_commit_exists(r, ancestor) || !repo_commit_exists(r, commit))
		return -ENOENT;
	if (git_oid_equal(&a, &c))
		return 1;
	rc = git_graph_descendant_of(r->git, &c, &a);
	return rc < 0 ? -EIO : rc;
}
