#include <errno.h>
#include <stdlib.h>

#include "runner/result.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/queue_list.h"
#include "views/run_files.h"

static void queue_line(struct strbuf *out, const struct store_run *run)
{
	char name[32], a[32], b[32], *status = run_status_text(run);
	runid_dir_name(name, sizeof(name), run->id);
	strbuf_addf(out, "%s\t%s\t%s\t", name, run->revision, run->commit);
	/* A field, whatever a detail holds (names are checked printable, but the
	 * table's shape must not depend on that). */
	for (const char *c = status ? status : "?"; *c; c++) {
		if (*c == '\n' && !c[1])
			break; /* the status file's own line end */
		strbuf_addch(out, *c == '\t' || *c == '\n' ? ' ' : *c);
	}
	free(status);
	if (run->pair_id <= 0) {
		strbuf_addstr(out, "\t-");
	} else {
		/* Side A is the first run of the two (queued first, store.h). */
		runid_dir_name(a, sizeof(a), run->id < run->pair_id ? run->id : run->pair_id);
		runid_dir_name(b, sizeof(b), run->id < run->pair_id ? run->pair_id : run->id);
		strbuf_addf(out, "\ta/b %s..%s", a, b);
	}
	/* Labels are checked when queued ([A-Za-z0-9._=+-], util/labels.h); a
	 * runner's name holds a data directory's path: escaped as `runners`
	 * writes it, so the two match. */
	strbuf_addf(out, "\t%s\t", run->labels && *run->labels ? run->labels : "-");
	strbuf_addstr_escaped(out, run->runner && *run->runner ? run->runner : "-");
	strbuf_addch(out, '\n');
}

int queue_list_text(char **out, struct store *store)
{
	struct strbuf text = STRBUF_INIT;
	struct store_run *runs = NULL;
	size_t n = 0;
	int rc;
	*out = NULL;
	if ((rc = store_runs_pending(store, &runs, &n)))
		return store_errno(rc);
	for (size_t i = 0; i < n; i++)
		queue_line(&text, &runs[i]);
	store_runs_free(runs, n);
	/* NULL when any append failed (the strbuf keeps its first error). */
	return (*out = strbuf_detach(&text, NULL)) ? 0 : -ENOMEM;
}
