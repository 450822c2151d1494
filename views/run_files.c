#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/result.h"
#include "util/runid.h"
#include "views/format.h"
#include "views/run_files.h"
#include "views/run_summary.h"

static const char *const names[RUN_FILE_COUNT] = {
	[RUN_FILE_CONFIG] = "config.json", [RUN_FILE_STATUS] = "status",
	[RUN_FILE_LOG] = "debug.log",      [RUN_FILE_SYSTEM] = "system.json",
	[RUN_FILE_RESULT] = "result.json", [RUN_FILE_SUMMARY] = "summary",
};

const char *run_file_name(enum run_file file)
{
	return file < RUN_FILE_COUNT ? names[file] : NULL;
}

int run_file_parse(const char *name)
{
	for (int f = 0; f < RUN_FILE_COUNT; f++)
		if (strcmp(name, names[f]) == 0)
			return f;
	return -1;
}

bool run_finished(const struct store_run *run)
{
	return run->state == RUN_DONE || run->state == RUN_FAILED;
}

/* A done run has result.json and summary; no other run has them. */
static bool has_result(const struct store_run *run)
{
	return run->state == RUN_DONE && run->result;
}

bool run_file_exists(const struct store_run *run, enum run_file file)
{
	switch (file) {
	case RUN_FILE_SYSTEM:
		return run->system != NULL;
	case RUN_FILE_RESULT:
	case RUN_FILE_SUMMARY:
		return has_result(run);
	default:
		return file < RUN_FILE_COUNT;
	}
}

char *run_status_text(const struct store_run *run)
{
	char *text = NULL;
	int rc;
	switch (run->state) {
	case RUN_RUNNING:
		rc = asprintf(&text, "running %s\n", run->detail);
		break;
	case RUN_FAILED:
		rc = asprintf(&text, "failed: %s%s\n", run->detail,
			      run->excluded_ns ? " (excluded)" : "");
		break;
	case RUN_DONE:
		/* Outliers and a slow first iteration, flagged (never dropped); an
		 * excluded run says so among them (its reason is in exclude). */
		rc = run->detail && *run->detail
			     ? asprintf(&text, "done (%s%s)\n", run->detail,
					run->excluded_ns ? ", excluded" : "")
			     : asprintf(&text, run->excluded_ns ? "done (excluded)\n" : "done\n");
		break;
	default:
		rc = asprintf(&text, "%s\n", run_state_name(run->state));
		break;
	}
	return rc < 0 ? NULL : text;
}

static char *config_text(const struct store_run *run)
{
	json_object *root = json_object_new_object();
	char name[32], queued[32], *text = NULL;
	runid_dir_name(name, sizeof(name), run->id);
	format_iso_time(queued, sizeof(queued), run->created_ns);
	json_object_object_add(root, "run", json_object_new_string(name));
	json_object_object_add(root, "revision", json_object_new_string(run->revision));
	json_object_object_add(root, "commit", json_object_new_string(run->commit));
	json_object_object_add(root, "queued_at", json_object_new_string(queued));
	json_object_object_add(root, "configuration", json_tokener_parse(run->config));
	if (asprintf(&text, "%s\n",
		     json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		text = NULL;
	json_object_put(root);
	return text;
}

/* result.json of an excluded run: the stored one with the exclusion in its
 * benchfs section, so a copy of the file carries the mark. */
static char *result_text(const struct store_run *run)
{
	json_object *root, *info, *ex;
	char at[32], *text = NULL;
	if (!run->excluded_ns)
		return strdup(run->result);
	if (!(root = json_tokener_parse(run->result)))
		return NULL;
	if (!json_object_object_get_ex(root, "benchfs", &info) ||
	    !json_object_is_type(info, json_type_object)) {
		info = json_object_new_object();
		json_object_object_add(root, "benchfs", info);
	}
	format_iso_time(at, sizeof(at), run->excluded_ns);
	ex = json_object_new_object();
	json_object_object_add(ex, "reason",
			       json_object_new_string(run->excluded_reason ? run->excluded_reason
									   : ""));
	json_object_object_add(ex, "at", json_object_new_string(at));
	json_object_object_add(info, "excluded", ex);
	if (asprintf(&text, "%s\n",
		     json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		text = NULL;
	json_object_put(root);
	return text;
}

int run_file_text(char **out, const struct store_run *run, enum run_file file)
{
	int rc;
	*out = NULL;
	if (file == RUN_FILE_LOG || !run_file_exists(run, file))
		return -ENOENT;
	switch (file) {
	case RUN_FILE_CONFIG:
		*out = config_text(run);
		break;
	case RUN_FILE_STATUS:
		*out = run_status_text(run);
		break;
	case RUN_FILE_SYSTEM:
		*out = strdup(run->system);
		break;
	case RUN_FILE_RESULT:
		*out = result_text(run);
		break;
	case RUN_FILE_SUMMARY:
		if ((rc = run_summary_text(out, run->result)))
			return rc == -ENOMEM ? -ENOMEM : -EIO;
		break;
	default:
		return -ENOENT;
	}
	return *out ? 0 : -ENOMEM;
}

bool run_artifact_shown(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 255 || name[0] == '.' || strchr(name, '\t') || strchr(name, '\n'))
		return false;
	return run_file_parse(name) < 0;
}
