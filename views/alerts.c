#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo/revparse.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/strbuf.h"
#include "views/alerts.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/history.h"
#include "views/regressions.h"

/* The hash's version: a new one would give every alert a new id. */
#define ALERT_ID_SALT 1
#define INSTRUCTIONS_SUFFIX ":instructions"

void alert_id(char id[ALERT_ID_LEN + 1], const char *commit, const char *bench)
{
	size_t len = strlen(bench), slen = strlen(INSTRUCTIONS_SUFFIX);
	bool count = len > slen && strcmp(bench + len - slen, INSTRUCTIONS_SUFFIX) == 0;
	char *s = NULL;
	uint64_t h;
	/* The kind spelt out, so a renamed suffix would not move the ids. A
	 * metric's step keeps its whole "<bench>:<metric>" under "wall": as
	 * unique, and read without asking the store what a suffix means. */
	if (asprintf(&s, "%s\n%.*s\n%s", count ? "instructions" : "wall",
		     (int)(count ? len - slen : len), bench, commit) < 0) {
		snprintf(id, ALERT_ID_LEN + 1, "%012x", 0);
		return;
	}
	h = hash_string(s, ALERT_ID_SALT);
	free(s);
	/* The high bits: splitmix64's mixer spreads them best. */
	snprintf(id, ALERT_ID_LEN + 1, "%012llx", (unsigned long long)(h >> 16));
}

bool alert_id_valid(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return i == ALERT_ID_LEN;
}

static const char *const state_names[] = {
	[ALERT_NEW] = "new",
	[ALERT_ACK] = "ack",
	[ALERT_IGNORED] = "ignored",
	[ALERT_FIXED] = "fixed",
};

const char *alert_state_name(enum alert_state state)
{
	return state <= ALERT_FIXED ? state_names[state] : "new";
}

int alert_state_parse(enum alert_state *state, const char *name)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(name, state_names[i]) == 0) {
			*state = (enum alert_state)i;
			return 0;
		}
	return -EINVAL;
}

int alert_command_parse(enum alert_state *state, char **rev, const char *buf, size_t size,
			char *err, size_t errsize)
{
	static const struct {
		const char *word;
		enum alert_state state;
	} words[] = {{"ack", ALERT_ACK},         {"ignore", ALERT_IGNORED},
		     {"ignored", ALERT_IGNORED}, {"new", ALERT_NEW},
		     {"fixed", ALERT_FIXED}};
	size_t b = 0, e = size, w;
	*rev = NULL;
	while (b < e && isspace((unsigned char)buf[b]))
		b++;
	while (e > b && isspace((unsigned char)buf[e - 1]))
		e--;
	for (size_t i = b; i < e; i++)
		if (buf[i] == '\n' || buf[i] == '\0' || (unsigned char)buf[i] < 0x20) {
			if (buf[i] != '\t') {
				snprintf(err, errsize, "one line: ack, ignore, fixed <rev> or new");
				return -EINVAL;
			}
		}
	for (w = b; w < e && !isspace((unsigned char)buf[w]); w++)
		;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t rb = w;
		if (strlen(words[i].word) != w - b || memcmp(words[i].word, buf + b, w - b) != 0)
			continue;
		while (rb < e && isspace((unsigned char)buf[rb]))
			rb++;
		if (words[i].state != ALERT_FIXED) {
			if (rb < e) {
				snprintf(err, errsize, "%s takes no argument", words[i].word);
				return -EINVAL;
			}
		} else {
			if (rb == e) {
				snprintf(err, errsize, "fixed needs the revision that fixed it");
				return -EINVAL;
			}
			for (size_t k = rb; k < e; k++)
				if (isspace((unsigned char)buf[k])) {
					snprintf(err, errsize, "fixed takes one revision");
					return -EINVAL;
				}
			if (!(*rev = strndup(buf + rb, e - rb)))
				return -ENOMEM;
		}
		*state = words[i].state;
		return 0;
	}
	snprintf(err, errsize, "\"%.*s\" is not ack, ignore, fixed <rev> or new",
		 (int)(w - b > 40 ? 40 : w - b), buf + b);
	return -EINVAL;
}

void alert_state_field(char *buf, size_t size, const struct store_alert *a)
{
	enum alert_state state = ALERT_NEW;
	if (a)
		alert_state_parse(&state, a->state);
	if (state == ALERT_FIXED)
		snprintf(buf, size, "fixed:%.12s", a->fixed);
	else
		snprintf(buf, size, "%s", alert_state_name(state));
}

int alert_line_annotate(char **line, struct store *store)
{
	char *text = *line, *commit = NULL, *bench = NULL, id[ALERT_ID_LEN + 1], state[64];
	const char *at = text;
	struct store_alert a;
	size_t fields = 1, cut;
	int rc;
	/* Where field 11 ends: at its tab or the newline. */
	while (*at && *at != '\n' && fields <= 11) {
		if (*at == '\t' && ++fields > 11)
			break;
		at++;
	}
	cut = (size_t)(at - text);
	{
		size_t c = strcspn(text, "\t\n"), b;
		if (text[c] != '\t')
			return -EINVAL;
		b = strcspn(text + c + 1, "\t\n");
		if (!(commit = strndup(text, c)) || !(bench = strndup(text + c + 1, b))) {
			free(commit);
			return -ENOMEM;
		}
	}
	alert_id(id, commit, bench);
	free(commit);
	free(bench);
	rc = store_alert_get(store, &a, id);
	if (rc && rc != STORE_NOTFOUND)
		return store_errno(rc);
	alert_state_field(state, sizeof(state), rc ? NULL : &a);
	if (!rc)
		store_alert_clear(&a);
	{
		char *out = NULL;
		if (asprintf(&out, "%.*s\t%s\t%s%s", (int)cut, text, id, state, text + cut) < 0)
			return -ENOMEM;
		free(*line);
		*line = out;
	}
	return 0;
}

int alert_entry_parse(struct alert_entry *e, const char *line)
{
	memset(e, 0, sizeof(*e));
	if (!(e->line = strndup(line, strcspn(line, "\n"))))
		return -ENOMEM;
	/* strsep, not strtok: a field may be empty. */
	for (char *p = e->line, *f; e->nf < ALERT_F_MAX && (f = strsep(&p, "\t"));)
		e->f[e->nf++] = f;
	if (e->nf <= ALERT_F_STATE) {
		alert_entry_clear(e);
		return -EINVAL;
	}
	return 0;
}

void alert_entry_clear(struct alert_entry *e)
{
	free(e->line);
	memset(e, 0, sizeof(*e));
}

void alert_entries_free(struct alert_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++)
		alert_entry_clear(&e[i]);
	free(e);
}

int alert_entries(struct alert_entry **out, size_t *n, const struct view_ctx *ctx)
{
	char tip[STORE_HASH_LEN + 1], *text = NULL;
	struct alert_entry *list = NULL;
	size_t count = 0, alloc = 0;
	int rc = history_tip(tip, ctx);
	*out = NULL;
	*n = 0;
	if (rc == -ENOENT)
		return 0; /* no branch: no regressions */
	if (rc || (rc = regressions_render(&text, ctx, tip)))
		return rc;
	for (char *line = text; *line && rc == 0; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0)) {
		if ((rc = ALLOC_GROW(list, count + 1, alloc)))
			break;
		if ((rc = alert_entry_parse(&list[count], line)) == 0)
			count++;
	}
	free(text);
	if (rc) {
		alert_entries_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int alert_list(char ***names, size_t *n, const struct view_ctx *ctx)
{
	struct alert_entry *e = NULL;
	struct store_alert *rows = NULL;
	size_t ne = 0, nr = 0, count = 0;
	char **list = NULL;
	int rc;
	*names = NULL;
	*n = 0;
	if ((rc = alert_entries(&e, &ne, ctx)))
		return rc;
	if ((rc = store_errno(store_alerts_list(ctx->store, &rows, &nr))))
		goto done;
	if (!(list = calloc(ne + nr + 1, sizeof(*list)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < ne && rc == 0; i++)
		if (!(list[count++] = strdup(e[i].f[ALERT_F_ID])))
			rc = -ENOMEM;
	/* Alerts no longer listed stay while someone has set their state:
	 * what was decided about them is still to be read. */
	for (size_t i = 0; i < nr && rc == 0; i++)
		if (rows[i].changed_ns && !(list[count++] = strdup(rows[i].id)))
			rc = -ENOMEM;
	if (rc)
		goto done;
	qsort(list, count, sizeof(*list), cmp_name);
	{
		size_t k = 0;
		for (size_t i = 0; i < count; i++) {
			if (k && strcmp(list[k - 1], list[i]) == 0)
				free(list[i]);
			else
				list[k++] = list[i];
		}
		count = k;
	}
	*names = list;
	*n = count;
	list = NULL;
done:
	for (size_t i = 0; list && i < count; i++)
		free(list[i]);
	free(list);
	store_alerts_free(rows, nr);
	alert_entries_free(e, ne);
	return rc;
}

/* The ratio's interval of a paired entry from the job of its range's ends
 * (the job that confirmed it: its wall time's verdicts, or of a declared
 * metric's step, "<bench>:<metric>", its metrics'); false when there is
 * none. */
static bool entry_interval(double *lo, double *hi, double *confidence,
			   const struct alert_entry *e, const struct view_ctx *ctx)
{
	const char *range = e->f[ALERT_F_RANGE], *dots = strstr(range, "..");
	char a[STORE_HASH_LEN + 1], b[STORE_HASH_LEN + 1];
	struct compare_outcome *o = NULL;
	size_t n = 0;
	bool found = false;
	(void)confidence;
	if (strcmp(e->f[ALERT_F_METHOD], "paired") != 0 || !dots ||
	    dots - range != STORE_HASH_LEN || strlen(dots + 2) != STORE_HASH_LEN)
		return false;
	snprintf(a, sizeof(a), "%.*s", STORE_HASH_LEN, range);
	snprintf(b, sizeof(b), "%s", dots + 2);
	if ((strchr(e->f[ALERT_F_BENCH], ':') ? regressions_pair_metric_outcomes
					       : compare_pair_outcomes)(&o, &n, ctx, a, b))
		return false;
	for (size_t i = 0; i < n && !found; i++)
		if (strcmp(o[i].bench, e->f[ALERT_F_BENCH]) == 0 && !isnan(o[i].ci_lo) &&
		    !isnan(o[i].ci_hi)) {
			*lo = o[i].ci_lo;
			*hi = o[i].ci_hi;
			found = true;
		}
	compare_outcomes_free(o, n);
	return found;
}

/* What an entry's step is in: "instructions" (a count), a metric's name
 * ("<bench>:<metric>" of a metric the store knows), or "wall time". */
static const char *entry_kind(char *buf, size_t size, const struct alert_entry *e,
			      const struct view_ctx *ctx)
{
	struct history_name hn;
	if (strcmp(e->f[ALERT_F_METHOD], "count") == 0)
		return "instructions";
	if (history_name_parse(&hn, ctx, e->f[ALERT_F_BENCH]) == 0 && hn.metric) {
		snprintf(buf, size, "%s", hn.def.name);
		history_name_clear(&hn);
		return buf;
	}
	history_name_clear(&hn);
	return "wall time";
}

json_object *alert_json(const struct alert_entry *e, const struct view_ctx *ctx)
{
	json_object *o = json_object_new_object(), *runs = json_object_new_array(), *ci = NULL;
	char kind[STORE_METRIC_NAME_MAX + 1];
	double lo, hi, conf;
	char path[64], *copy, *save = NULL;
	json_object_object_add(o, "id", json_object_new_string(e->f[ALERT_F_ID]));
	json_object_object_add(o, "commit", json_object_new_string(e->f[ALERT_F_COMMIT]));
	json_object_object_add(o, "benchmark", json_object_new_string(e->f[ALERT_F_BENCH]));
	json_object_object_add(o, "kind",
			       json_object_new_string(entry_kind(kind, sizeof(kind), e, ctx)));
	json_object_object_add(o, "before", json_number(strtod(e->f[ALERT_F_BEFORE], NULL)));
	json_object_object_add(o, "after", json_number(strtod(e->f[ALERT_F_AFTER], NULL)));
	json_object_object_add(o, "change", json_object_new_string(e->f[ALERT_F_CHANGE]));
	if (entry_interval(&lo, &hi, &conf, e, ctx)) {
		ci = json_object_new_array();
		json_object_array_add(ci, json_number(lo));
		json_object_array_add(ci, json_number(hi));
	}
	json_object_object_add(o, "interval", ci);
	json_object_object_add(o, "q", strcmp(e->f[ALERT_F_Q], "-") == 0
					       ? NULL
					       : json_number(strtod(e->f[ALERT_F_Q], NULL)));
	if ((copy = strdup(e->f[ALERT_F_RUNS]))) {
		for (char *r = strtok_r(copy, ",", &save); r; r = strtok_r(NULL, ",", &save))
			json_object_array_add(runs, json_object_new_string(r));
		free(copy);
	}
	json_object_object_add(o, "runs", runs);
	json_object_object_add(o, "method", json_object_new_string(e->f[ALERT_F_METHOD]));
	json_object_object_add(o, "range", json_object_new_string(e->f[ALERT_F_RANGE]));
	json_object_object_add(o, "state", json_object_new_string(e->f[ALERT_F_STATE]));
	snprintf(path, sizeof(path), "alerts/%s", e->f[ALERT_F_ID]);
	json_object_object_add(o, "path", json_object_new_string(path));
	return o;
}

/* The current entry of id into *e; -ENOENT when it is not listed. */
static int entry_of(struct alert_entry *e, const struct view_ctx *ctx, const char *id)
{
	struct alert_entry *list = NULL;
	size_t n = 0;
	int rc = alert_entries(&list, &n, ctx);
	memset(e, 0, sizeof(*e));
	if (rc)
		return rc;
	rc = -ENOENT;
	for (size_t i = 0; i < n && rc; i++)
		if (strcmp(list[i].f[ALERT_F_ID], id) == 0) {
			*e = list[i];
			list[i] = (struct alert_entry){0};
			rc = 0;
		}
	alert_entries_free(list, n);
	return rc;
}

static void add_who(struct strbuf *out, int64_t uid, int64_t ns)
{
	char when[64];
	format_iso_time(when, sizeof(when), ns);
	strbuf_addf(out, "uid %lld at %s", (long long)uid, when);
}

int alert_render(char **text, const struct view_ctx *ctx, const char *id)
{
	char kind[STORE_METRIC_NAME_MAX + 1];
	struct alert_entry e;
	struct store_alert a;
	struct store_alert_event *ev = NULL;
	struct strbuf out = STRBUF_INIT;
	size_t nev = 0;
	bool listed, row;
	double lo, hi, conf;
	int rc, got;
	*text = NULL;
	if (!alert_id_valid(id))
		return -ENOENT;
	if ((rc = entry_of(&e, ctx, id)) && rc != -ENOENT)
		return rc;
	listed = rc == 0;
	got = store_alert_get(ctx->store, &a, id);
	if (got && got != STORE_NOTFOUND) {
		alert_entry_clear(&e);
		return store_errno(got);
	}
	row = got == 0;
	if (!listed) {
		/* Gone from regressions: what the store kept of it, when someone set its state. */
		char *line = NULL, state[64];
		if (!row || !a.changed_ns) {
			if (row)
				store_alert_clear(&a);
			return -ENOENT;
		}
		alert_state_field(state, sizeof(state), &a);
		rc = asprintf(&line, "%s", a.line) < 0 ? -ENOMEM : 0;
		if (rc == 0 && (rc = alert_entry_parse(&e, line)) == -EINVAL) {
			/* A line of an older layout: the row's own fields. */
			free(line);
			rc = asprintf(&line, "%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t%s\t%s", a.commit,
				      a.benchmark, id, state) < 0
				     ? -ENOMEM
				     : alert_entry_parse(&e, line);
		}
		free(line);
		if (rc) {
			store_alert_clear(&a);
			return rc;
		}
		strbuf_addf(&out, "alert\t%s\n", id);
		strbuf_addf(&out, "state\t%s\n", state);
	} else {
		strbuf_addf(&out, "alert\t%s\n", id);
		strbuf_addf(&out, "state\t%s\n", e.f[ALERT_F_STATE]);
	}
	strbuf_addf(&out, "listed\t%s\n", listed ? "yes" : "no (no longer in regressions)");
	strbuf_addf(&out, "commit\t%s\n", e.f[ALERT_F_COMMIT]);
	strbuf_addf(&out, "benchmark\t%s\n", e.f[ALERT_F_BENCH]);
	strbuf_addf(&out, "kind\t%s\n", entry_kind(kind, sizeof(kind), &e, ctx));
	strbuf_addf(&out, "before\t%s\n", e.f[ALERT_F_BEFORE]);
	strbuf_addf(&out, "after\t%s\n", e.f[ALERT_F_AFTER]);
	strbuf_addf(&out, "change\t%s\n", e.f[ALERT_F_CHANGE]);
	if (listed && entry_interval(&lo, &hi, &conf, &e, ctx)) {
		char l[32], h[32];
		format_percent(l, sizeof(l), lo - 1);
		format_percent(h, sizeof(h), hi - 1);
		strbuf_addf(&out, "interval\t[%s, %s]\n", l, h);
	} else {
		strbuf_addstr(&out, "interval\t-\n");
	}
	strbuf_addf(&out, "q\t%s\n", e.f[ALERT_F_Q]);
	strbuf_addf(&out, "threshold\t%s %s\n", e.f[ALERT_F_THRESHOLD],
		    e.f[ALERT_F_THRESHOLD_SOURCE]);
	strbuf_addf(&out, "runs\t%s\n", e.f[ALERT_F_RUNS]);
	strbuf_addf(&out, "method\t%s\n", e.f[ALERT_F_METHOD]);
	strbuf_addf(&out, "range\t%s\n", e.f[ALERT_F_RANGE]);
	if (row && a.changed_ns) {
		strbuf_addstr(&out, "set by\t");
		add_who(&out, a.uid, a.changed_ns);
		strbuf_addch(&out, '\n');
	} else {
		strbuf_addstr(&out, "set by\t-\n");
	}
	if (row && a.notified_ns) {
		char when[64];
		format_iso_time(when, sizeof(when), a.notified_ns);
		strbuf_addf(&out, "notified\t%s\n", when);
	}
	if (row && (rc = store_errno(store_alert_events(ctx->store, &ev, &nev, id))))
		goto done;
	for (size_t i = 0; i < nev; i++) {
		strbuf_addf(&out, "history\t%s%s%.*s by ", ev[i].state, ev[i].fixed[0] ? " " : "",
			    ev[i].fixed[0] ? STORE_HASH_LEN : 0, ev[i].fixed);
		add_who(&out, ev[i].uid, ev[i].at_ns);
		strbuf_addch(&out, '\n');
	}
	if (!(*text = strbuf_detach(&out, NULL)))
		rc = -ENOMEM;
done:
	strbuf_release(&out);
	free(ev);
	if (row)
		store_alert_clear(&a);
	alert_entry_clear(&e);
	return rc;
}

int alert_triage(const struct view_ctx *ctx, const char *id, const char *buf, size_t size,
		 int64_t uid, char *msg, size_t msgsize)
{
	struct alert_entry e;
	struct store_alert a = {0}, old;
	enum alert_state state;
	char *rev = NULL;
	bool listed, have_old;
	int rc, got;
	if (!alert_id_valid(id)) {
		snprintf(msg, msgsize, "no alert %s", id);
		return -ENOENT;
	}
	if ((rc = alert_command_parse(&state, &rev, buf, size, msg, msgsize)))
		return rc;
	if ((rc = entry_of(&e, ctx, id)) && rc != -ENOENT) {
		snprintf(msg, msgsize, "regressions: %s", strerror(-rc));
		free(rev);
		return rc;
	}
	listed = rc == 0;
	got = store_alert_get(ctx->store, &old, id);
	have_old = got == 0;
	if (got && got != STORE_NOTFOUND) {
		snprintf(msg, msgsize, "the store: %s", store_errmsg(ctx->store));
		rc = store_errno(got);
		goto done;
	}
	if (!listed && (!have_old || !old.changed_ns)) {
		snprintf(msg, msgsize, "no alert %s in regressions", id);
		rc = -ENOENT;
		goto done;
	}
	/* The revision is resolved through the repository, never a shell. */
	if (rev && revparse_commit(a.fixed, ctx->repo, rev, msg, msgsize)) {
		rc = -EINVAL;
		goto done;
	}
	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.state, sizeof(a.state), "%s", alert_state_name(state));
	a.uid = uid;
	a.changed_ns = now_real_ns();
	if (listed) {
		snprintf(a.commit, sizeof(a.commit), "%s", e.f[ALERT_F_COMMIT]);
		snprintf(a.benchmark, sizeof(a.benchmark), "%s", e.f[ALERT_F_BENCH]);
		a.line = e.line;
	} else {
		snprintf(a.commit, sizeof(a.commit), "%s", old.commit);
		snprintf(a.benchmark, sizeof(a.benchmark), "%s", old.benchmark);
		a.line = old.line;
	}
	if ((got = store_alert_set_state(ctx->store, &a))) {
		snprintf(msg, msgsize, "the store: %s", store_errmsg(ctx->store));
		rc = store_errno(got);
		goto done;
	}
	if (state == ALERT_FIXED)
		snprintf(msg, msgsize, "alert %s (%s at %.12s): fixed by %s (%s)", id, a.benchmark,
			 a.commit, a.fixed, rev);
	else
		snprintf(msg, msgsize, "alert %s (%s at %.12s): %s", id, a.benchmark, a.commit,
			 a.state);
	rc = 0;
done:
	if (have_old)
		store_alert_clear(&old);
	alert_entry_clear(&e);
	free(rev);
	return rc;
}
