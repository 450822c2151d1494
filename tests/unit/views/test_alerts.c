/* views/alerts.h: the alert id of a regressions line (stable across
 * processes and builds, different for another kind, benchmark or commit),
 * the commands a write to alerts/<id> takes, and fields 12 and 13 from the
 * store's state. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"
#include "views/alerts.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define ALERT_PINNED "e33de78a16c6"
#define FIX "abcdef0123456789abcdef0123456789abcdef01"

static void test_id(void **state)
{
	char a[ALERT_ID_LEN + 1], b[ALERT_ID_LEN + 1];
	(void)state;
	alert_id(a, C1, "sort");
	alert_id(b, C1, "sort");
	assert_string_equal(a, b);
	assert_true(alert_id_valid(a));
	assert_int_equal(strlen(a), ALERT_ID_LEN);
	/* Another commit, benchmark or kind: another alert. */
	alert_id(b, C2, "sort");
	assert_string_not_equal(a, b);
	alert_id(b, C1, "sort2");
	assert_string_not_equal(a, b);
	alert_id(b, C1, "sort:instructions");
	assert_string_not_equal(a, b);
	assert_false(alert_id_valid("0123456789AB"));
	assert_false(alert_id_valid("0123456789a"));
	assert_false(alert_id_valid("0123456789abc"));
	assert_false(alert_id_valid("0123456789ag"));
	assert_true(alert_id_valid("0123456789ab"));
}

/* The same value in every process and build: it depends on no address,
 * time or seed. A change of it would give every recorded alert a new id. */
static void test_id_pinned(void **state)
{
	char a[ALERT_ID_LEN + 1];
	(void)state;
	alert_id(a, C1, "sort");
	assert_string_equal(a, ALERT_PINNED);
}

static void parse_ok(const char *text, enum alert_state want, const char *want_rev)
{
	enum alert_state s = ALERT_NEW;
	char *rev = NULL, err[256] = "";
	assert_int_equal(alert_command_parse(&s, &rev, text, strlen(text), err, sizeof(err)), 0);
	assert_int_equal(s, want);
	if (want_rev)
		assert_string_equal(rev, want_rev);
	else
		assert_null(rev);
	free(rev);
}

static void parse_bad(const char *text, const char *want_err)
{
	enum alert_state s = ALERT_ACK;
	char *rev = NULL, err[256] = "";
	assert_int_equal(alert_command_parse(&s, &rev, text, strlen(text), err, sizeof(err)),
			 -EINVAL);
	assert_null(rev);
	assert_non_null(strstr(err, want_err));
}

static void test_commands(void **state)
{
	(void)state;
	parse_ok("ack\n", ALERT_ACK, NULL);
	parse_ok("ack", ALERT_ACK, NULL);
	parse_ok("  ignore \n", ALERT_IGNORED, NULL);
	parse_ok("ignored\n", ALERT_IGNORED, NULL);
	parse_ok("new\n", ALERT_NEW, NULL);
	parse_ok("fixed v1.2\n", ALERT_FIXED, "v1.2");
	parse_ok("fixed   HEAD~1", ALERT_FIXED, "HEAD~1");
	parse_bad("bogus\n", "\"bogus\" is not ack, ignore, fixed <rev> or new");
	parse_bad("", "is not ack");
	parse_bad("\n", "is not ack");
	parse_bad("ACK\n", "is not ack");
	parse_bad("acknowledge\n", "is not ack");
	parse_bad("ack now\n", "ack takes no argument");
	parse_bad("fixed\n", "fixed needs the revision");
	parse_bad("fixed a b\n", "fixed takes one revision");
	parse_bad("ack\nignore\n", "one line");
}

static void test_state_names(void **state)
{
	enum alert_state s;
	(void)state;
	for (int i = ALERT_NEW; i <= ALERT_FIXED; i++) {
		assert_int_equal(alert_state_parse(&s, alert_state_name((enum alert_state)i)), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(alert_state_parse(&s, "ignore"), -EINVAL);
}

/* Fields 12 and 13 come after field 11, whatever follows it. */
static void test_annotate(void **state)
{
	char path[] = "/tmp/test_alerts.XXXXXX", db[256], id[ALERT_ID_LEN + 1], *line, want[512];
	const char *fields = "\tsort\t1\t2\t+100.0%\t0.001\t000001,000002\t2%\tfixed\tpaired\t"
			     C1 ".." C2;
	struct store *store = NULL;
	struct store_alert a = {0};
	(void)state;
	assert_non_null(mkdtemp(path));
	assert_int_equal(test_store_location(db, sizeof(db), path), 0);
	assert_int_equal(store_open(&store, db, STORE_SYNC_NORMAL), 0);
	alert_id(id, C2, "sort");

	assert_true(asprintf(&line, "%s%s\n", C2, fields) > 0);
	assert_int_equal(alert_line_annotate(&line, store), 0);
	snprintf(want, sizeof(want), "%s%s\t%s\tnew\n", C2, fields, id);
	assert_string_equal(line, want);
	free(line);

	/* A field after the 11th (another's) stays after the alert's. */
	assert_true(asprintf(&line, "%s%s\t-\n", C2, fields) > 0);
	snprintf(a.id, sizeof(a.id), "%s", id);
	snprintf(a.commit, sizeof(a.commit), "%s", C2);
	snprintf(a.benchmark, sizeof(a.benchmark), "sort");
	snprintf(a.state, sizeof(a.state), "fixed");
	snprintf(a.fixed, sizeof(a.fixed), "%s", FIX);
	a.uid = 1000;
	a.changed_ns = 1;
	a.line = "x";
	assert_int_equal(store_alert_set_state(store, &a), 0);
	assert_int_equal(alert_line_annotate(&line, store), 0);
	snprintf(want, sizeof(want), "%s%s\t%s\tfixed:abcdef012345\t-\n", C2, fields, id);
	assert_string_equal(line, want);
	free(line);

	snprintf(a.state, sizeof(a.state), "ack");
	a.fixed[0] = '\0';
	assert_int_equal(store_alert_set_state(store, &a), 0);
	assert_true(asprintf(&line, "%s%s\n", C2, fields) > 0);
	assert_int_equal(alert_line_annotate(&line, store), 0);
	snprintf(want, sizeof(want), "%s%s\t%s\tack\n", C2, fields, id);
	assert_string_equal(line, want);
	free(line);

	/* Two changes recorded, the notification is not one. */
	{
		struct store_alert_event *ev = NULL;
		struct store_alert got;
		size_t n = 0;
		assert_int_equal(store_alert_set_notified(store, &a, 5), 0);
		assert_int_equal(store_alert_events(store, &ev, &n, id), 0);
		assert_int_equal(n, 2);
		assert_string_equal(ev[0].state, "fixed");
		assert_string_equal(ev[0].fixed, FIX);
		assert_string_equal(ev[1].state, "ack");
		assert_int_equal(ev[1].uid, 1000);
		free(ev);
		assert_int_equal(store_alert_get(store, &got, id), 0);
		assert_string_equal(got.state, "ack");
		assert_int_equal(got.notified_ns, 5);
		store_alert_clear(&got);
		assert_int_equal(store_alert_get(store, &got, "000000000000"), STORE_NOTFOUND);
	}
	store_free(store);
	test_store_location_drop(db);
	test_tmpdir_remove(path);
}

/* A regressions line split into its fields. */
static void test_entry(void **state)
{
	struct alert_entry e;
	(void)state;
	assert_int_equal(alert_entry_parse(&e, C2 "\tsort\t1\t2\t+1%\t-\tr\t2%\tfixed\tcount\t"
						   "a..b\t0123456789ab\tack\n"),
			 0);
	assert_int_equal(e.nf, 13);
	assert_string_equal(e.f[ALERT_F_ID], "0123456789ab");
	assert_string_equal(e.f[ALERT_F_STATE], "ack");
	assert_string_equal(e.f[ALERT_F_Q], "-");
	alert_entry_clear(&e);
	/* Without fields 12 and 13: not an alert's line. */
	assert_int_equal(alert_entry_parse(&e, C2 "\tsort\t1\t2\t+1%\t-\tr\t2%\tfixed\tcount\ta..b\n"),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_id_pinned),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_annotate),
		cmocka_unit_test(test_entry),
	};
	return cmocka_run_group_tests_name("alerts", tests, NULL, NULL);
}
