/* Revisions are resolved here, not by git_revparse_single: libgit2 1.5 reads
 * "v1@" or "no-such-branch@" as HEAD (git refuses them) and leaks a PCRE2
 * match block on every "^{/regex}" or ":/text". The grammar accepted is a
 * strict subset of git's, each form resolved with the same rules as
 * `git rev-parse --verify <rev>^{commit}`; everything else is refused. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "repo/internal.h"
#include "repo/revparse.h"

/* Longer is refused: no sensible ref name is, and the message says so. */
#define REVPARSE_MAX 1024
#define REVPARSE_MAX_STR "1024"

/* The revision quoted for a log line: at most 100 bytes, bytes that are not
 * printable ASCII as \xNN, so one line stays one line. */
static void quote(char *out, size_t size, const char *rev)
{
	size_t o = 0, i;
	for (i = 0; rev[i] && i < 100 && o + 5 < size; i++) {
		unsigned char c = (unsigned char)rev[i];
		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"')
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (rev[i] && o + 4 < size)
		o += (size_t)snprintf(out + o, size - o, "...");
	out[o < size ? o : size - 1] = '\0';
}

static int refuse(char *err, size_t errsize, const char *rev, const char *why)
{
	char q[512];
	quote(q, sizeof(q), rev);
	snprintf(err, errsize, "unknown revision \"%s\": %s", q, why);
	return -EINVAL;
}

static bool is_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* git's check_refname_format with REFNAME_ALLOW_ONELEVEL: NULL when name[0..len)
 * may name a ref, else why not. A leading '-' is refused too (git's refnames
 * allow it, its command lines do not). */
static const char *refname_problem(const char *name, size_t len)
{
	size_t start = 0;
	if (len == 0)
		return "empty name";
	if (name[0] == '-')
		return "a name may not start with '-'";
	if (len == 1 && name[0] == '@')
		return "\"@\" (git's HEAD) is not supported: write HEAD";
	if (name[len - 1] == '.')
		return "a name may not end with '.'";
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)name[i] : '/';
		if (c == '/') {
			size_t clen = i - start;
			if (clen == 0)
				return "empty path component";
			if (name[start] == '.')
				return "a component may not start with '.'";
			if (clen >= 5 && memcmp(name + i - 5, ".lock", 5) == 0)
				return "a component may not end with \".lock\"";
			start = i + 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			return "control character";
		if (c == ' ')
			return "space";
		if (strchr("~^:?*[\\", c))
			return "character not allowed in a name";
		if (c == '.' && i + 1 < len && name[i + 1] == '.')
			return "\"..\" not allowed in a name";
		if (c == '@' && i + 1 < len && name[i + 1] == '{')
			return "reflog and upstream forms (@{...}) are not supported";
	}
	return NULL;
}

/* A one-level name other than HEAD-like ones (FETCH_HEAD, ORIG_HEAD): git reads
 * it as a file in the git directory first (libgit2 does not), so a file
 * there that looks like a ref would make the two disagree. */
static bool looks_like_root_ref(const char *dir, const char *name)
{
	char path[4096], buf[45];
	ssize_t n;
	int fd;
	if (!dir || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return false;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n >= 5 && (memcmp(buf, "ref:", 4) == 0 || (n >= 40 && is_hex(buf, 40)));
}

static bool all_caps(const char *name)
{
	for (; *name; name++)
		if (!isupper((unsigned char)*name) && *name != '_')
			return false;
	return true;
}

/* git's ref_rev_parse_rules, first match wins; a rule that fails to resolve
 * (missing, dangling, broken) is skipped, as git does. 0, GIT_ENOTFOUND, or
 * -EINVAL with *why set. */
static int dwim_ref(git_oid *out, git_repository *repo, const char *name, const char **why)
{
	static const char *const rules[] = {"%s",	     "refs/%s",		"refs/tags/%s",
					    "refs/heads/%s", "refs/remotes/%s", "refs/remotes/%s/HEAD"};
	char full[1200];
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		git_reference *ref = NULL, *resolved = NULL;
		if (snprintf(full, sizeof(full), rules[i], name) >= (int)sizeof(full))
			return GIT_ENOTFOUND;
		if (i == 0 && strncmp(name, "refs/", 5) != 0 && !(!strchr(name, '/') && all_caps(name))) {
			const char *gitdir = git_repository_path(repo);
			const char *common = git_repository_commondir(repo);
			if (looks_like_root_ref(gitdir, name) ||
			    (common && gitdir && strcmp(common, gitdir) != 0 &&
			     looks_like_root_ref(common, name))) {
				*why = "ambiguous: a file of that name in the git directory looks like a ref";
				return -EINVAL;
			}
			continue;
		}
		if (git_reference_lookup(&ref, repo, full) == 0 &&
		    git_reference_resolve(&resolved, ref) == 0 && git_reference_target(resolved)) {
			git_oid_cpy(out, git_reference_target(resolved));
			git_reference_free(resolved);
			git_reference_free(ref);
			return 0;
		}
		git_reference_free(resolved);
		git_reference_free(ref);
	}
	return GIT_ENOTFOUND;
}

/* The object an abbreviated hash names (4 to 39 hex digits). */
static int lookup_prefix(git_object **out, git_repository *repo, const char *hex, size_t len,
			 const char **why)
{
	git_oid oid;
	int rc;
	if (git_oid_fromstrn(&oid, hex, len) < 0) {
		*why = "not a hash";
		return -EINVAL;
	}
	rc = git_object_lookup_prefix(out, repo, &oid, len, GIT_OBJECT_ANY);
	if (rc == GIT_EAMBIGUOUS)
		*why = "ambiguous abbreviated hash: write more digits";
	else if (rc < 0)
		*why = "no such branch, tag or commit";
	return rc < 0 ? -EINVAL : 0;
}

/* The base of a revision, in git's order: a full hash, a ref, describe
 * output ("<anything>-g<hash>"), an abbreviated hash. */
static int resolve_base(git_object **out, git_repository *repo, const char *name,
			const char **why)
{
	size_t len = strlen(name), hex = 0;
	git_oid oid;
	int rc;
	if (len == GIT_OID_HEXSZ && is_hex(name, len)) {
		if (git_oid_fromstrn(&oid, name, len) < 0 ||
		    git_object_lookup(out, repo, &oid, GIT_OBJECT_ANY) < 0) {
			*why = "no such object";
			return -EINVAL;
		}
		return 0;
	}
	rc = dwim_ref(&oid, repo, name, why);
	if (rc == 0) {
		if (git_object_lookup(out, repo, &oid, GIT_OBJECT_ANY) < 0) {
			*why = "the ref names a missing object";
			return -EINVAL;
		}
		return 0;
	}
	if (rc != GIT_ENOTFOUND)
		return rc;
	while (hex < len && isxdigit((unsigned char)name[len - 1 - hex]))
		hex++;
	if (hex < len && hex >= GIT_OID_MINPREFIXLEN && hex < GIT_OID_HEXSZ &&
	    name[len - 1 - hex] == 'g' && len - hex >= 2 && name[len - 2 - hex] == '-')
		return lookup_prefix(out, repo, name + len - hex, hex, why);
	if (hex == len && len >= GIT_OID_MINPREFIXLEN && len < GIT_OID_HEXSZ)
		return lookup_prefix(out, repo, name, len, why);
	*why = "no such branch, tag or commit";
	return -EINVAL;
}

/* obj replaced by the commit it peels to. */
static int peel_commit(git_object **obj, const char **why)
{
	git_object *commit = NULL;
	if (git_object_peel(&commit, *obj, GIT_OBJECT_COMMIT) < 0) {
		*why = "does not name a commit";
		return -EINVAL;
	}
	git_object_free(*obj);
	*obj = commit;
	return 0;
}

/* One suffix, "~n", "^n" (n may be absent: 1), "^{}" or "^{commit}", applied
 * to *obj. *p is moved past it. */
static int apply_suffix(git_object **obj, const char **p, const char **why)
{
	char op = *(*p)++;
	uint64_t n = 0;
	git_commit *next = NULL;
	int rc;
	if (op == '^' && **p == '{') {
		const char *close = strchr(*p, '}');
		size_t len = close ? (size_t)(close - *p - 1) : 0;
		if (close && len == 0) {
			/* ^{}: peel tags, whatever they point to. */
			while (git_object_type(*obj) == GIT_OBJECT_TAG) {
				git_object *target = NULL;
				if (git_tag_target(&target, (git_tag *)*obj) < 0) {
					*why = "cannot read the tag's target";
					return -EINVAL;
				}
				git_object_free(*obj);
				*obj = target;
			}
		} else if (close && len == 6 && memcmp(*p + 1, "commit", 6) == 0) {
			if ((rc = peel_commit(obj, why)))
				return rc;
		} else {
			*why = (*p)[1] == '/' ? "message searches (^{/...}) are not supported"
					      : "only the suffixes ~n, ^n, ^{} and ^{commit} are supported";
			return -EINVAL;
		}
		*p = close + 1;
		return 0;
	}
	if (!isdigit((unsigned char)**p))
		n = 1;
	for (; isdigit((unsigned char)**p); (*p)++) {
		n = n * 10 + (uint64_t)(**p - '0');
		if (n > UINT32_MAX) {
			*why = "number too large";
			return -EINVAL;
		}
	}
	if ((rc = peel_commit(obj, why)))
		return rc;
	if (op == '^' && n == 0)
		return 0;
	rc = op == '^' ? git_commit_parent(&next, (git_commit *)*obj, (unsigned)n - 1)
		       : git_commit_nth_gen_ancestor(&next, (git_commit *)*obj, (unsigned)n);
	if (rc < 0) {
		*why = op == '^' ? "no such parent" : "no such ancestor";
		return -EINVAL;
	}
	git_object_free(*obj);
	*obj = (git_object *)next;
	return 0;
}

int revparse_commit(char *out, struct repo *r, const char *rev, char *err, size_t errsize)
{
	git_repository *repo = r->git;
	char base[REVPARSE_MAX + 1];
	const char *why = NULL, *p;
	git_object *obj = NULL;
	size_t len = strcspn(rev, "~^");
	int rc = -EINVAL;
	if (strlen(rev) > REVPARSE_MAX)
		return refuse(err, errsize, rev, "longer than " REVPARSE_MAX_STR " bytes");
	/* The forms git has and benchfs does not, named in the refusal. */
	if (strstr(rev, "@{"))
		return refuse(err, errsize, rev, "reflog and upstream forms (@{...}) are not supported");
	if (strchr(rev, ':'))
		return refuse(err, errsize, rev,
			      "paths and message searches (<rev>:<path>, :/text) are not supported");
	if (strstr(rev, ".."))
		return refuse(err, errsize, rev, "a range is not one revision");
	memcpy(base, rev, len);
	base[len] = '\0';
	if ((why = refname_problem(base, len)))
		return refuse(err, errsize, rev, why);
	if ((rc = resolve_base(&obj, repo, base, &why)))
		goto done;
	for (p = rev + len; *p;) {
		if (*p != '~' && *p != '^') {
			why = "only the suffixes ~n, ^n, ^{} and ^{commit} are supported";
			rc = -EINVAL;
			goto done;
		}
		if ((rc = apply_suffix(&obj, &p, &why)))
			goto done;
	}
	if ((rc = peel_commit(&obj, &why)))
		goto done;
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, git_object_id(obj));
done:
	git_object_free(obj);
	return rc ? refuse(err, errsize, rev, why ? why : repo_git_error()) : 0;
}
