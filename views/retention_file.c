/* The retention file (retention_file.h): one "key: value" line each, so a
 * script can grep for a count. */
#include <errno.h>
#include <stdlib.h>

#include "util/strbuf.h"
#include "views/format.h"
#include "views/retention_file.h"

static void add_time(struct strbuf *out, const char *key, int64_t ns)
{
	char when[40];
	format_iso_time(when, sizeof(when), ns);
	strbuf_addf(out, "%s: %s\n", key, when);
}

int retention_file_render(char **text, struct store *store, const struct retain_config *policy)
{
	struct strbuf out = STRBUF_INIT;
	struct store_retain_report r;
	int64_t runs = 0, samples = 0;
	int rc;
	*text = NULL;
	if ((rc = store_retain_report_get(store, &r)) ||
	    (rc = store_retain_totals(store, &runs, &samples)))
		return store_errno(rc);
	if (!policy)
		strbuf_addstr(&out, "policy: none (no \"retain\" section): nothing is pruned\n");
	else
		strbuf_addf(&out,
			    "policy: keep whole the runs of the last %d days, the newest %d of each"
			    " commit, the runs of baselines' commits, the runs regressions names,"
			    " A/B jobs and excluded runs; summarize the others\n"
			    "every: %llds\nbatch: %d\n",
			    policy->days, policy->per_commit, (long long)policy->every_s,
			    policy->batch);
	if (!r.started_ns) {
		strbuf_addstr(&out, "last pass: never\n");
	} else {
		add_time(&out, "last pass", r.started_ns);
		if (r.finished_ns)
			add_time(&out, "finished", r.finished_ns);
		else
			strbuf_addstr(&out, "finished: no (cut short; the next pass completes it)\n");
		strbuf_addf(&out,
			    "kept recent: %lld\nkept per_commit: %lld\nkept baseline: %lld\n"
			    "kept regressions: %lld\nkept paired: %lld\nkept excluded: %lld\n"
			    "summarized before: %lld\nsummarized: %lld\nsamples deleted: %lld\n"
			    "bytes freed: %lld\nleft: %lld\n",
			    (long long)r.kept_recent, (long long)r.kept_per_commit,
			    (long long)r.kept_baseline, (long long)r.kept_regressions,
			    (long long)r.kept_paired, (long long)r.kept_excluded,
			    (long long)r.summarized_before, (long long)r.summarized,
			    (long long)r.samples, (long long)r.bytes, (long long)r.left);
	}
	if (policy) {
		if (!r.finished_ns || r.left)
			strbuf_addstr(&out, "next pass: at the next idle moment\n");
		else
			add_time(&out, "next pass", r.finished_ns + policy->every_s * 1000000000);
	}
	strbuf_addf(&out, "total summarized: %lld\ntotal samples deleted: %lld\n", (long long)runs,
		    (long long)samples);
	if (!(*text = strbuf_detach(&out, NULL)))
		return -ENOMEM;
	return 0;
}
