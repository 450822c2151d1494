/* File kinds of import/ (internal_kinds.h): a file written there, named
 * <rev>.json, is imported (queue/import.h) as soon as its bytes hold one
 * whole JSON object: hyperfine's --export-json of that commit, or a benchfs
 * result.json. The import happens in the write() that completes the object,
 * so a bad file is EINVAL at the writer's shell (bash ignores an error of
 * close); a file that never completes is dropped after IMPORT_IDLE_NS with
 * a line in the log. Not at close: a flush handler would cost every close on
 * the mount a round trip to the daemon (a cached read 8 us to 31 us), where
 * the kernel answers it alone.
 * The directory lists nothing: the imported runs are in runs/. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "queue/import.h"
#include "repo/revparse.h"
#include "util/clock.h"
#include "util/log.h"

#define KEY_IMPORT 'i' /* i <rev> (kind_computed.c's keys) */
/* A writer silent this long is gone: what it wrote is dropped. */
#define IMPORT_IDLE_NS (120 * 1000000000LL)

/* The bytes written to one import file so far. */
struct pending {
	uint64_t ino;
	char *rev;
	char *bytes;
	size_t len, cap;
	int64_t touched_ns;
	int state; /* 0: collecting; 1: imported (only whitespace may follow); -1: refused */
	struct pending *next;
};

/* Every import file being written, across the request threads. */
static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pending *pending_list;

static void pending_free(struct pending *p)
{
	if (!p)
		return;
	free(p->rev);
	free(p->bytes);
	free(p);
}

/* Under pending_lock: drop writers gone silent (a truncated file whose
 * writer never flushed), saying so. */
static void pending_sweep(int64_t now)
{
	for (struct pending **link = &pending_list; *link;) {
		struct pending *p = *link;
		if (now - p->touched_ns < IMPORT_IDLE_NS) {
			link = &p->next;
			continue;
		}
		*link = p->next;
		if (p->state == 0)
			log_error(-EINVAL, "import/%s.json: refused: the file ended before its JSON did"
					   " (%zu bytes)",
				  p->rev, p->len);
		pending_free(p);
	}
}

/* Under pending_lock: ino's entry, taken out of the list. */
static struct pending *pending_take(uint64_t ino)
{
	for (struct pending **link = &pending_list; *link; link = &(*link)->next)
		if ((*link)->ino == ino) {
			struct pending *p = *link;
			*link = p->next;
			p->next = NULL;
			return p;
		}
	return NULL;
}

static void pending_put(struct pending *p)
{
	pthread_mutex_lock(&pending_lock);
	p->next = pending_list;
	pending_list = p;
	pthread_mutex_unlock(&pending_lock);
}

/* "<rev>.json" to rev; NULL when name is not that. */
static char *name_rev(const char *name)
{
	size_t len = strlen(name);
	if (len <= 5 || strcmp(name + len - 5, ".json") != 0)
		return NULL;
	return strndup(name, len - 5);
}

/* ---- import/ ---- */

static int import_dir_named(const struct fs_ctx *ctx, struct node *out)
{
	fill_dir(out, inode_make(KIND_IMPORT_DIR, 0, 0), 2, ctx->view.mount_ns, TIMEOUT_FOREVER);
	out->perm = 0755; /* a file written here is imported */
	return 0;
}

static int import_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			   const char *key)
{
	(void)ino, (void)key;
	return import_dir_named(ctx, out);
}

static int import_dir_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			     const char *name)
{
	(void)ctx, (void)out, (void)parent, (void)name;
	return -ENOENT; /* nothing stays here: the runs are in runs/ */
}

static int import_dir_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	(void)ctx, (void)out, (void)ino;
	return 0;
}

/* A shell's `> import/<rev>.json` creates the file: the revision is
 * resolved here, so a bad one fails the redirection itself. */
static int import_dir_create(const struct fs_ctx *ctx, struct node *out, const char *name)
{
	char *rev = name_rev(name), key[4096];
	struct pending *p;
	int64_t now = now_real_ns();
	char commit[REPO_HEX_SIZE], err[512];
	if (!rev)
		return log_error(-EINVAL, "import/%s: refused: name it <rev>.json", name);
	if (revparse_commit(commit, ctx->view.repo, rev, err, sizeof(err))) {
		free(rev);
		return log_error(-EINVAL, "import/%s: refused: %s", name, err);
	}
	snprintf(key, sizeof(key), "%c\t%s", KEY_IMPORT, rev);
	*out = (struct node){.ino = inode_make_bits(KIND_IMPORT, fs_serial(ctx)),
			     .type = NODE_FILE,
			     .perm = 0644,
			     .nlink = 1,
			     .mtime_ns = now,
			     .content = strdup(""),
			     .key = strdup(key)};
	p = calloc(1, sizeof(*p));
	if (!out->content || !out->key || !p) {
		node_clear(out);
		free(rev);
		free(p);
		return -ENOMEM;
	}
	*p = (struct pending){.ino = out->ino, .rev = rev, .touched_ns = now};
	pthread_mutex_lock(&pending_lock);
	pending_sweep(now);
	pthread_mutex_unlock(&pending_lock);
	pending_put(p);
	return 0;
}

const struct kind_ops kind_import_dir = {
	.named = import_dir_named,
	.lookup = import_dir_lookup,
	.node = import_dir_node,
	.list = import_dir_list,
	.create = import_dir_create,
};

/* ---- import/<rev>.json ---- */

/* Whether bytes hold one whole JSON value (1), need more (0), or can never
 * be JSON (-1). */
static int json_complete(const char *bytes, size_t len)
{
	size_t end = len;
	struct json_tokener *tok;
	json_object *o;
	enum json_tokener_error e;
	while (end > 0 && strchr(" \t\r\n", bytes[end - 1]))
		end--;
	/* Only an object is imported; until its closing brace there is no need to parse. */
	if (end == 0 || bytes[end - 1] != '}')
		return 0;
	if (!(tok = json_tokener_new()))
		return -1;
	o = json_tokener_parse_ex(tok, bytes, (int)end);
	e = json_tokener_get_error(tok);
	json_object_put(o);
	json_tokener_free(tok);
	return e == json_tokener_success ? 1 : e == json_tokener_continue ? 0 : -1;
}

static int import_now(const struct fs_ctx *ctx, struct pending *p)
{
	struct import_result res;
	struct import_options o = {.rev = p->rev, .config = ctx->view.config};
	char source[4096], err[1024];
	int rc;
	snprintf(source, sizeof(source), "import/%s.json", p->rev);
	o.source = source;
	rc = import_text(&res, ctx->view.store, ctx->view.repo, &o, p->bytes, p->len, err,
			 sizeof(err));
	if (rc)
		return log_error(rc == -EEXIST ? -EEXIST : rc == -EINVAL ? -EINVAL : rc,
				 "refused: %s", err);
	for (size_t i = 0; i < res.n; i++)
		log_notice("imported %s as run %06lld: commit %s, %zu benchmarks, measured on %s",
			   res.runs[i].from, (long long)res.runs[i].id, res.runs[i].commit,
			   res.runs[i].nbenchmarks, res.runs[i].host);
	import_result_clear(&res);
	/* runs/ has new entries: its link count (kept by the kernel) is stale. */
	fuse_lowlevel_notify_inval_inode(ctx->fs->se, inode_make(KIND_RUNS, 0, 0), -1, 0);
	return 0;
}

/* Collect the file's bytes in order; import once they are one whole JSON
 * object. */
static int import_write(const struct fs_ctx *ctx, uint64_t ino, const char *buf, size_t size,
			off_t off)
{
	struct pending *p;
	int rc = 0;
	pthread_mutex_lock(&pending_lock);
	p = pending_take(ino);
	pthread_mutex_unlock(&pending_lock);
	if (!p)
		return log_error(-EINVAL, "import: a write to a file no longer open (or refused)");
	p->touched_ns = now_real_ns();
	if (p->state == 1) {
		/* Imported: a trailing newline is fine, anything else is not JSON. */
		for (size_t i = 0; i < size && !rc; i++)
			if (!strchr(" \t\r\n", buf[i]))
				rc = log_error(-EINVAL, "import/%s.json: refused: more after the JSON object"
							" (it was imported already)",
					       p->rev);
		goto done;
	}
	if (p->state < 0 || (uint64_t)off != p->len) {
		rc = log_error(-EINVAL, "import/%s.json: refused: %s", p->rev,
			       p->state < 0 ? "the file was refused already"
					    : "written out of order (only whole files are imported)");
		p->state = -1;
		goto done;
	}
	if (p->len + size > IMPORT_FILE_MAX) {
		rc = log_error(-EFBIG, "import/%s.json: refused: larger than %d MiB", p->rev,
			       IMPORT_FILE_MAX >> 20);
		p->state = -1;
		goto done;
	}
	if (p->len + size + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 65536;
		char *grown;
		while (cap < p->len + size + 1)
			cap *= 2;
		if (!(grown = realloc(p->bytes, cap))) {
			rc = -ENOMEM;
			goto done;
		}
		p->bytes = grown;
		p->cap = cap;
	}
	memcpy(p->bytes + p->len, buf, size);
	p->len += size;
	p->bytes[p->len] = '\0';
	switch (json_complete(p->bytes, p->len)) {
	case 0:
		break;
	case 1:
		rc = import_now(ctx, p);
		p->state = rc ? -1 : 1;
		break;
	default:
		/* The whole file is parsed once more to say where. */
		rc = import_now(ctx, p);
		p->state = -1;
		if (!rc)
			p->state = 1;
		break;
	}
	/* Decided: only the state is kept (until the entry is swept). */
	if (p->state != 0) {
		free(p->bytes);
		p->bytes = NULL;
		p->cap = 0;
	}
done:
	pending_put(p);
	return rc;
}

/* Numbered per create, so known only while kept: no node handler. */
const struct kind_ops kind_import = {
	.write = import_write,
	.truncatable = true,
};
