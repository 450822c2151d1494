/* views/run_files and views/queue_list against a temporary store, no mount:
 * which files a run has in each state, their text, and the queue's lines
 * (an A/B job marked on both its lines). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"
#include "tests/unit/fixture/store_location.h"
#include "tests/unit/fixture/tmpdir.h"
#include "views/mount_readme.h"
#include "views/queue_list.h"
#include "views/run_files.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define CONFIG "{\"runs\": 2}"
#define RESULT                                                                                    \
	"{\"results\": [{\"name\": \"quiet\", \"command\": \"sleep 0.05\", \"mean\": 0.0601, "     \
	"\"stddev\": 0.0006, \"median\": 0.06, \"user\": 0.0033, \"system\": 0.0039, \"min\": "    \
	"0.0595, \"max\": 0.0607, \"times\": [0.0595, 0.0607]}]}"

struct fixture {
	char dir[4096], location[PATH_MAX];
	struct store *store;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || test_tmpdir_make(f->dir, sizeof(f->dir), "views"))
		return -1;
	assert_int_equal(test_store_location(f->location, sizeof(f->location), f->dir), 0);
	if (store_open(&f->store, f->location, STORE_SYNC_NORMAL) != STORE_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_free(f->store);
	test_store_location_drop(f->location);
	test_tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static int64_t queue_one(struct store *store, const char *rev, const char *hash)
{
	struct store_new_run r = {.revision = rev, .commit = hash, .config = CONFIG};
	int64_t id = 0;
	assert_int_equal(store_runs_queue(store, &id, &r, 1, 1000), STORE_OK);
	return id;
}

static void get(struct store *store, struct store_run *run, int64_t id)
{
	assert_int_equal(store_run_get(store, run, id), STORE_OK);
}

static void expect_text(const struct store_run *run, enum run_file file, const char *want)
{
	char *text = NULL;
	assert_int_equal(run_file_text(&text, run, file), 0);
	assert_string_equal(text, want);
	free(text);
}

static void expect_absent(const struct store_run *run, enum run_file file)
{
	char *text = (char *)"untouched";
	assert_false(run_file_exists(run, file));
	assert_int_equal(run_file_text(&text, run, file), -ENOENT);
	assert_null(text);
}

static void test_names(void **state)
{
	(void)state;
	for (int f = 0; f < RUN_FILE_COUNT; f++)
		assert_int_equal(run_file_parse(run_file_name((enum run_file)f)), f);
	assert_string_equal(run_file_name(RUN_FILE_LOG), "debug.log");
	assert_int_equal(run_file_parse("perf.data"), -1);
	assert_int_equal(run_file_parse("status "), -1);
	assert_int_equal(run_file_parse(""), -1);
}

static void test_states(void **state)
{
	struct fixture *f = *state;
	struct store_run run;
	char *text = NULL;
	int64_t id = queue_one(f->store, "v1", HASH_A);

	get(f->store, &run, id);
	assert_false(run_finished(&run));
	expect_text(&run, RUN_FILE_STATUS, "queued\n");
	expect_absent(&run, RUN_FILE_SYSTEM);
	expect_absent(&run, RUN_FILE_RESULT);
	expect_absent(&run, RUN_FILE_SUMMARY);
	assert_true(run_file_exists(&run, RUN_FILE_LOG));
	/* debug.log is a file on disk, never text from here. */
	assert_int_equal(run_file_text(&text, &run, RUN_FILE_LOG), -ENOENT);
	assert_int_equal(run_file_text(&text, &run, RUN_FILE_CONFIG), 0);
	assert_non_null(strstr(text, "\"run\": \"000001\""));
	assert_non_null(strstr(text, "\"revision\": \"v1\""));
	assert_non_null(strstr(text, "\"commit\": \"" HASH_A "\""));
	assert_non_null(strstr(text, "\"runs\": 2"));
	free(text);
	store_run_clear(&run);

	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "quiet 1/2",
					    "{\"hostname\": \"h\"}"),
			 STORE_OK);
	get(f->store, &run, id);
	expect_text(&run, RUN_FILE_STATUS, "running quiet 1/2\n");
	expect_text(&run, RUN_FILE_SYSTEM, "{\"hostname\": \"h\"}");
	expect_absent(&run, RUN_FILE_RESULT);
	store_run_clear(&run);

	assert_int_equal(store_run_finish(f->store, id, RUN_DONE, "quiet: 1 outlier", RESULT),
			 STORE_OK);
	get(f->store, &run, id);
	assert_true(run_finished(&run));
	expect_text(&run, RUN_FILE_STATUS, "done (quiet: 1 outlier)\n");
	expect_text(&run, RUN_FILE_RESULT, RESULT);
	assert_true(run_file_exists(&run, RUN_FILE_SUMMARY));
	assert_int_equal(run_file_text(&text, &run, RUN_FILE_SUMMARY), 0);
	assert_non_null(strstr(text, "quiet\n  Time (mean ± σ):"));
	assert_non_null(strstr(text, "60.1 ms ±   0.6 ms"));
	free(text);
	store_run_clear(&run);

	id = queue_one(f->store, "v2", HASH_B);
	assert_int_equal(store_run_finish(f->store, id, RUN_FAILED, "build exited with status 2",
					  NULL),
			 STORE_OK);
	get(f->store, &run, id);
	assert_true(run_finished(&run));
	expect_text(&run, RUN_FILE_STATUS, "failed: build exited with status 2\n");
	expect_absent(&run, RUN_FILE_RESULT);
	expect_absent(&run, RUN_FILE_SUMMARY);
	store_run_clear(&run);
}

static void test_queue(void **state)
{
	struct fixture *f = *state;
	struct store_new_run job[2] = {
		{.revision = "va", .commit = HASH_A, .config = CONFIG, .paired_with_next = true},
		{.revision = "vb", .commit = HASH_B, .config = CONFIG},
	};
	int64_t ids[2], first;
	char *text = NULL;

	assert_int_equal(queue_list_text(&text, f->store), 0);
	assert_string_equal(text, "");
	free(text);

	first = queue_one(f->store, "HEAD", HASH_A);
	assert_int_equal(store_runs_queue(f->store, ids, job, 2, 1000), STORE_OK);
	assert_int_equal(store_run_progress(f->store, first, RUN_RUNNING, "t\t2/3", NULL), STORE_OK);
	assert_int_equal(queue_list_text(&text, f->store), 0);
	/* A tab in a status would break the table: it is written as a space.
	 * The last two fields: labels needed and runner holding (none: -). */
	assert_string_equal(text, "000001\tHEAD\t" HASH_A "\trunning t 2/3\t-\t-\t-\n"
				  "000002\tva\t" HASH_A "\tqueued\ta/b 000002..000003\t-\t-\n"
				  "000003\tvb\t" HASH_B "\tqueued\ta/b 000002..000003\t-\t-\n");
	free(text);

	/* Finished runs leave the queue. */
	assert_int_equal(store_run_finish(f->store, first, RUN_DONE, "", RESULT), STORE_OK);
	assert_int_equal(queue_list_text(&text, f->store), 0);
	assert_null(strstr(text, "000001"));
	free(text);
}

static void test_readme(void **state)
{
	size_t len = strlen(mount_readme_text);
	(void)state;
	/* Embedded from views/mount_readme.txt: every line kept, quotes and all. */
	assert_true(len > 1000);
	assert_memory_equal(mount_readme_text, "benchfs: a benchmark service", 28);
	assert_int_equal(mount_readme_text[len - 1], '\n');
	assert_non_null(strstr(mount_readme_text, "\n  echo <revision> > queue "));
	assert_non_null(strstr(mount_readme_text, "\"Invalid argument\" and queues nothing."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
		cmocka_unit_test(test_readme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
