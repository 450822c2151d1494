/* Alerts: the regressions file's entries as things to triage. Each line of
 * regressions gets an alert id (field 12) and the alert's state (field 13);
 * alerts/<id> shows one, and a write to it sets its state, which the store
 * keeps (store.h's store_alert_*). CI gates on the alerts still `new`
 * (benchfs check), and the daemon runs a command for each new one
 * (service/notify.h).
 *
 * The id is 12 hex digits of a hash of what identifies the step and does
 * not change while it is listed: the kind (wall time or instruction count),
 * the benchmark and the commit the line names (field 1). A wall time
 * suspect whose range later jobs narrow to another commit is a new alert. */
#ifndef BENCHFS_VIEWS_ALERTS_H
#define BENCHFS_VIEWS_ALERTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "views/context.h"

#define ALERT_ID_LEN STORE_ALERT_ID_LEN

enum alert_state { ALERT_NEW, ALERT_ACK, ALERT_IGNORED, ALERT_FIXED };

/* The fields of a regressions line, 0-based. */
enum alert_field {
	ALERT_F_COMMIT,
	ALERT_F_BENCH,
	ALERT_F_BEFORE,
	ALERT_F_AFTER,
	ALERT_F_CHANGE,
	ALERT_F_Q,
	ALERT_F_RUNS,
	ALERT_F_THRESHOLD,
	ALERT_F_THRESHOLD_SOURCE,
	ALERT_F_METHOD,
	ALERT_F_RANGE,
	ALERT_F_ID,
	ALERT_F_STATE,
	ALERT_F_MAX = 24
};

/* The alert id of the step of bench (a regressions line's field 2, with
 * ":instructions" for a count) at commit. */
void alert_id(char id[ALERT_ID_LEN + 1], const char *commit, const char *bench);
/* 12 lowercase hex digits. */
bool alert_id_valid(const char *s);

/* "new", "ack", "ignored", "fixed": the store's names. */
const char *alert_state_name(enum alert_state state);
/* A store's name back; -EINVAL when it is none. */
int alert_state_parse(enum alert_state *state, const char *name);
/* What a write to alerts/<id> asks: one line "ack", "ignore" (or
 * "ignored"), "fixed <rev>" or "new" (reopen), surrounding blanks and a
 * final newline allowed. *rev (malloc'd) is the revision of fixed, else
 * NULL. -EINVAL with a message in err when it is none of them. */
int alert_command_parse(enum alert_state *state, char **rev, const char *buf, size_t size,
			char *err, size_t errsize);
/* Field 13 of a store row (NULL: no row, `new`): new, ack, ignored or
 * fixed:<12 hex digits of the fixing commit>. */
void alert_state_field(char *buf, size_t size, const struct store_alert *a);

/* Give a regressions line (with its newline) its id and state: inserted
 * after its 11th field, as fields 12 and 13. */
int alert_line_annotate(char **line, struct store *store);

/* An entry of the regressions file, split. */
struct alert_entry {
	char *line; /* without its newline; f[] point into it */
	char *f[ALERT_F_MAX];
	size_t nf;
};
/* Split line (a copy is kept) into e; -EINVAL when it has fewer than 13 fields. */
int alert_entry_parse(struct alert_entry *e, const char *line);
void alert_entry_clear(struct alert_entry *e);
/* The entries of the regressions file of the tracked branch now. */
int alert_entries(struct alert_entry **out, size_t *n, const struct view_ctx *ctx);
void alert_entries_free(struct alert_entry *e, size_t n);

/* alerts/: the ids of the regressions file's entries, and of the alerts no
 * longer listed whose state someone set; sorted. */
int alert_list(char ***names, size_t *n, const struct view_ctx *ctx);
/* alerts/<id>: -ENOENT when the id is in neither. */
int alert_render(char **text, const struct view_ctx *ctx, const char *id);
/* A write to alerts/<id> by uid: 0 with what was recorded in msg, or
 * -ENOENT (unknown id), -EINVAL (not a command, a revision that names no
 * commit) with the reason in msg; nothing is stored then. */
int alert_triage(const struct view_ctx *ctx, const char *id, const char *buf, size_t size,
		 int64_t uid, char *msg, size_t msgsize);
/* An entry as JSON: id, commit, benchmark, kind, before, after, change,
 * interval, q, runs, method, range, state, path (alerts/<id>). */
json_object *alert_json(const struct alert_entry *e, const struct view_ctx *ctx);

#endif
