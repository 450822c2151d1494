/* The text of baselines/<name> and of its history (baseline_file.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/runid.h"
#include "util/strbuf.h"
#include "views/baseline_file.h"
#include "views/format.h"

#define UNKNOWN "unknown"

/* The provenance fields as text: each names what it is, "-" for none and
 * UNKNOWN for what a pin made before it was recorded did not record. */
struct fields {
	char when[32], run[32], uid[24];
	const char *revision, *host, *cc, *libc;
};

static void fields_of(struct fields *f, const struct store_baseline_event *e)
{
	format_iso_time(f->when, sizeof(f->when), e->at_ns);
	f->revision = e->unpin ? "-" : e->revision ? e->revision : UNKNOWN;
	if (e->unpin || e->run_id == 0)
		snprintf(f->run, sizeof(f->run), "-");
	else if (e->run_id < 0)
		snprintf(f->run, sizeof(f->run), UNKNOWN);
	else
		runid_dir_name(f->run, sizeof(f->run), e->run_id);
	if (e->uid < 0)
		snprintf(f->uid, sizeof(f->uid), UNKNOWN);
	else
		snprintf(f->uid, sizeof(f->uid), "%" PRId64, e->uid);
	f->host = e->host ? e->host : UNKNOWN;
	/* A toolchain is a run's: none without one. */
	f->cc = e->cc ? e->cc : strcmp(f->run, "-") == 0 ? "-" : UNKNOWN;
	f->libc = e->libc ? e->libc : strcmp(f->run, "-") == 0 ? "-" : UNKNOWN;
}

/* A value on one line of one field: tabs and line ends become spaces (a
 * compiler's version is whatever it printed). */
static void add_field(struct strbuf *sb, const char *value)
{
	for (const char *p = value; *p; p++)
		strbuf_addch(sb, *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
}

static int detach(char **text, struct strbuf *sb)
{
	size_t len;
	return (*text = strbuf_detach(sb, &len)) ? 0 : -ENOMEM;
}

int baseline_file_render(char **text, const struct view_ctx *ctx, const char *name)
{
	struct store_baseline_event e;
	struct strbuf sb = STRBUF_INIT;
	struct fields f;
	char run[32] = "-";
	int64_t id;
	int rc = store_baseline_current(ctx->store, &e, name);
	if (rc)
		return store_errno(rc);
	if ((rc = store_commit_latest_done(ctx->store, &id, e.commit)) == STORE_OK) {
		runid_dir_name(run, sizeof(run), id);
	} else if (rc != STORE_NOTFOUND) {
		store_baseline_event_clear(&e);
		return -EIO;
	}
	fields_of(&f, &e);
	strbuf_addf(&sb, "%s %s\n", e.commit, run);
	const char *const lines[][2] = {
		{"revision", f.revision}, {"pinned", f.when}, {"uid", f.uid}, {"host", f.host},
		{"run", f.run},           {"cc", f.cc},       {"libc", f.libc},
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		strbuf_addf(&sb, "%s: ", lines[i][0]);
		add_field(&sb, lines[i][1]);
		strbuf_addch(&sb, '\n');
	}
	store_baseline_event_clear(&e);
	return detach(text, &sb);
}

int baseline_history_render(char **text, const struct view_ctx *ctx, const char *name)
{
	struct store_baseline_event *events = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;
	int rc = store_baseline_history(ctx->store, &events, &n, name);
	if (rc)
		return store_errno(rc);
	if (n == 0) {
		free(events);
		return -ENOENT;
	}
	for (size_t i = 0; i < n; i++) {
		struct fields f;
		fields_of(&f, &events[i]);
		const char *const cols[] = {f.when, events[i].unpin ? "unpin" : "pin",
					    events[i].commit, f.revision, f.run, f.uid, f.host,
					    f.cc, f.libc};
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			if (c)
				strbuf_addch(&sb, '\t');
			add_field(&sb, cols[c]);
		}
		strbuf_addch(&sb, '\n');
	}
	store_baseline_events_free(events, n);
	return detach(text, &sb);
}
