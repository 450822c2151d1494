/* The watch file (watch_file.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "views/format.h"
#include "views/watch_file.h"

static void add_time(struct strbuf *sb, const char *label, int64_t ns, const char *none)
{
	char when[64];
	if (ns <= 0) {
		strbuf_addf(sb, "\t%s: %s\n", label, none);
		return;
	}
	format_iso_time(when, sizeof(when), ns);
	strbuf_addf(sb, "\t%s: %s\n", label, when);
}

static void add_branch(struct strbuf *sb, const struct store_watch *s)
{
	char when[64];
	add_time(sb, "last fetch", s->fetched_ns, "never");
	strbuf_addstr(sb, "\tresult: ");
	strbuf_addstr_escaped(sb, s->result && *s->result ? s->result : "not fetched yet");
	strbuf_addf(sb, "\n\tlast queued: %s\n", *s->tip ? s->tip : "none");
	strbuf_addf(sb, "\tqueued by that fetch: %lld\n", (long long)s->queued);
	add_time(sb, "next fetch", s->next_ns, "now");
	if (!s->error || !*s->error) {
		strbuf_addstr(sb, "\tlast error: none\n");
		return;
	}
	format_iso_time(when, sizeof(when), s->error_ns);
	strbuf_addf(sb, "\tlast error: %s ", when);
	strbuf_addstr_escaped(sb, s->error);
	strbuf_addch(sb, '\n');
}

int watch_file_render(char **text, struct store *store, const struct watch_config *w)
{
	struct strbuf sb = STRBUF_INIT;
	*text = NULL;
	if (!w) {
		strbuf_addstr(&sb, "no branch is watched: the configuration has no \"watch\" section\n");
		return (*text = strbuf_detach(&sb, NULL)) ? 0 : -ENOMEM;
	}
	for (size_t i = 0; i < w->nbranches; i++) {
		struct store_watch s;
		int rc = store_watch_get(store, &s, w->remote, w->branches[i]);
		if (rc == STORE_NOTFOUND) {
			memset(&s, 0, sizeof(s));
		} else if (rc) {
			strbuf_release(&sb);
			return store_errno(rc);
		}
		if (i)
			strbuf_addch(&sb, '\n');
		strbuf_addstr_escaped(&sb, w->remote);
		strbuf_addch(&sb, ' ');
		strbuf_addstr_escaped(&sb, w->branches[i]);
		strbuf_addch(&sb, '\n');
		add_branch(&sb, &s);
		store_watch_clear(&s);
	}
	return (*text = strbuf_detach(&sb, NULL)) ? 0 : -ENOMEM;
}
