#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/computed.h"
#include "fs/inode.h"
#include "fs/internal_views.h"
#include "fs/names.h"
#include "fs/views.h"
#include "runner/result.h"
#include "runner/runner.h"
#include "views/format.h"
#include "views/run_summary.h"

static const char readme_text[] =
	"benchfs: a benchmark service for a git repository, as files.\n"
	"\n"
	"  echo <revision> > queue      queue a benchmark run of a commit (hash, branch, tag, HEAD~3)\n"
	"  cat queue                     pending and running jobs: run, revision, commit, status,\n"
	"                                A/B job (a/b <A's run>..<B's run> on both its lines, else -)\n"
	"  ls runs/                      one directory per run, in order of creation\n"
	"  runs/<id>/config.json         the configuration, commit and revision the run uses\n"
	"  runs/<id>/status              queued | building | running <bench> <i>/<n> | done [(flags)] | failed: <why>\n"
	"  runs/<id>/debug.log           build and benchmark output with timestamps (tail -f follows it)\n"
	"  runs/<id>/system.json         the host: kernel, CPU, cores, memory, governor, load\n"
	"  runs/<id>/result.json         when done: the measurements (hyperfine's JSON format)\n"
	"  runs/<id>/summary             when done: each benchmark's times as hyperfine prints them\n"
	"  runs/<id>/perf.data           when profiling is configured: perf report -i reads it\n"
	"  commits/<hash>                the newest finished run of a commit\n"
	"  latest                        the newest finished run\n"
	"  compare/<a>..<b>.md           a against b, benchmark by benchmark, with verdicts (.json too)\n"
	"  regressions                   slowdowns along the tracked branch; empty when none\n"
	"  history/<bench>.csv           one row per benchmarked commit of the tracked branch (.svg: plot)\n"
	"  baselines/<name>              echo <revision> > it to pin, cat, rm to unpin\n"
	"\n"
	"In compare names, <a> and <b> are revisions (hash, tag, HEAD~3), run ids (run-42,\n"
	"000042), baseline names or latest. A commit's samples are those of all its\n"
	"finished runs on this host. Computed files are recomputed when a run finishes.\n"
	"\n"
	"Verdicts: slower or faster (a change beyond the noise threshold, significant\n"
	"after the Benjamini-Hochberg correction over the compare's benchmarks),\n"
	"unchanged (the whole interval within the threshold), undecided (neither: the\n"
	"file says why and what would decide), same build (the configured artifacts of\n"
	"both sides are byte-identical: nothing to test). The interval shown is the one\n"
	"the verdict uses, with its confidence. Two methods, named in each file:\n"
	"  paired   the sides are one A/B job (echo a..b > queue): iteration i of a with\n"
	"           iteration i of b; the job adds pairs until decided (compare.max_pairs)\n"
	"  runs     separate runs: each run is one value (the log of its mean time),\n"
	"           judged against this host's run-to-run noise, learnt from its newest\n"
	"           runs (A/B sides left out); until 11 runs are known a compare of one\n"
	"           run per side is undecided and suggests an A/B job\n"
	"With \"threshold\": \"auto\", separate runs use each benchmark's fence of its\n"
	"run-to-run changes on this host once known (the fixed threshold until then).\n"
	"\n"
	"regressions has one line per slowdown, oldest first, tab-separated:\n"
	"  commit benchmark before after change p runs threshold threshold-source\n"
	"before and after are the geometric means (s) of the segments' run means, p the\n"
	"change point's permutation p-value, runs those of the commit (of all commits\n"
	"of one build), threshold-source fixed or history. Each run counts once (its\n"
	"log mean; an A/B job's sides are runs of their commits too), consecutive\n"
	"commits of one build are one point, and the false discovery rate over the\n"
	"benchmarks is held at alpha. With one run per commit a step needs a few\n"
	"commits after it (four at least, more on a noisy host) before it can be\n"
	"significant. <bench>:instructions lines (callgrind counts) have the first\n"
	"seven fields, p \"-\". history/<bench>.svg marks the same change points.\n"
	"\n"
	"Each write to queue holds whole lines; an unknown revision fails the write with\n"
	"\"Invalid argument\" and queues nothing. Runs execute one at a time.\n";

static bool run_finished(const struct store_run *run)
{
	return run->state == RUN_DONE || run->state == RUN_FAILED;
}

/* A done run has result.json and summary; no other run has them. */
static bool run_has_result(const struct store_run *run)
{
	return run->state == RUN_DONE && run->result;
}

int view_fill_file(struct node *out, uint64_t ino, char *content, int64_t mtime_ns,
		     double timeout)
{
	if (!content)
		return -ENOMEM;
	*out = (struct node){
		.ino = ino,
		.type = NODE_FILE,
		.perm = 0444,
		.nlink = 1,
		.mtime_ns = mtime_ns,
		.timeout = timeout,
		.content = content,
		.size = strlen(content),
	};
	return 0;
}

int view_fill_dir(struct node *out, uint64_t ino, unsigned nlink, int64_t mtime_ns,
		    double timeout)
{
	*out = (struct node){
		.ino = ino,
		.type = NODE_DIR,
		.perm = 0555,
		.nlink = nlink,
		.mtime_ns = mtime_ns,
		.timeout = timeout,
	};
	return 0;
}

static int fill_link(struct node *out, uint64_t ino, const char *prefix, int64_t run_id,
		     int64_t mtime_ns)
{
	char name[32], *target = NULL;
	run_dir_name(name, sizeof(name), run_id);
	if (asprintf(&target, "%sruns/%s", prefix, name) < 0)
		return -ENOMEM;
	*out = (struct node){
		.ino = ino,
		.type = NODE_LINK,
		.perm = 0777,
		.nlink = 1,
		.mtime_ns = mtime_ns,
		.timeout = 0, /* it points elsewhere as soon as a newer run finishes */
		.content = target,
		.size = strlen(target),
	};
	return 0;
}

char *view_status_text(const struct store_run *run)
{
	char *text = NULL;
	int rc;
	switch (run->state) {
	case RUN_RUNNING:
		rc = asprintf(&text, "running %s\n", run->detail);
		break;
	case RUN_FAILED:
		rc = asprintf(&text, "failed: %s\n", run->detail);
		break;
	case RUN_DONE:
		/* Outliers and a slow first iteration, flagged (never dropped). */
		rc = run->detail && *run->detail ? asprintf(&text, "done (%s)\n", run->detail)
						 : asprintf(&text, "done\n");
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
	run_dir_name(name, sizeof(name), run->id);
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

/* One line of queue: run, revision, commit, status, and the A/B job the run
 * is a side of ("a/b 000001..000002" on both its lines, A's run first; "-"
 * when none), so the two lines of one job are seen to be one. Tab-separated;
 * the job last, so cut -f1-4 reads what it read before. */
static void queue_line(FILE *out, const struct store_run *run)
{
	char name[32], a[32], b[32], *status = view_status_text(run);
	run_dir_name(name, sizeof(name), run->id);
	fprintf(out, "%s\t%s\t%s\t", name, run->revision, run->commit);
	/* A field, whatever a detail holds (names are checked printable, but the
	 * table's shape must not depend on that). */
	for (const char *c = status ? status : "?"; *c; c++) {
		if (*c == '\n' && !c[1])
			break; /* the status file's own line end */
		fputc(*c == '\t' || *c == '\n' ? ' ' : *c, out);
	}
	free(status);
	if (run->pair_id <= 0) {
		fputs("\t-\n", out);
		return;
	}
	/* Side A is the first run of the two (queued first, store.h). */
	run_dir_name(a, sizeof(a), run->id < run->pair_id ? run->id : run->pair_id);
	run_dir_name(b, sizeof(b), run->id < run->pair_id ? run->pair_id : run->id);
	fprintf(out, "\ta/b %s..%s\n", a, b);
}

static char *queue_text(const struct view_ctx *ctx, int *err)
{
	struct store_run *runs = NULL;
	size_t n = 0, len = 0;
	char *text = NULL;
	FILE *out;
	if (store_runs_pending(ctx->store, &runs, &n)) {
		*err = -EIO;
		return NULL;
	}
	if (!(out = open_memstream(&text, &len))) {
		store_runs_free(runs, n);
		*err = -ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		queue_line(out, &runs[i]);
	fclose(out);
	store_runs_free(runs, n);
	if (!text)
		*err = -ENOMEM;
	return text;
}

/* A run's file of the given kind, or -ENOENT when the run does not have it (yet). */
static int run_file(const struct view_ctx *ctx, struct node *out, const struct store_run *run,
		    enum node_kind kind)
{
	double timeout = run_finished(run) ? TIMEOUT_FOREVER : 0;
	struct stat st;
	char path[4096], *text = NULL;
	int rc;
	switch (kind) {
	case KIND_CONFIG:
		/* Fixed when the run is queued. */
		return view_fill_file(out, inode_make(kind, run->id, 0), config_text(run), run->created_ns,
				 TIMEOUT_FOREVER);
	case KIND_STATUS:
		return view_fill_file(out, inode_make(kind, run->id, run->seq), view_status_text(run),
				 run->updated_ns, timeout);
	case KIND_SYSTEM:
		if (!run->system)
			return -ENOENT;
		return view_fill_file(out, inode_make(kind, run->id, run->attempts), strdup(run->system),
				 run->started_ns, timeout);
	case KIND_RESULT:
		if (!run_has_result(run))
			return -ENOENT;
		return view_fill_file(out, inode_make(kind, run->id, 0), strdup(run->result),
				 run->finished_ns, TIMEOUT_FOREVER);
	case KIND_SUMMARY:
		/* As result.json: there once the run is done, and then fixed. */
		if (!run_has_result(run))
			return -ENOENT;
		if ((rc = run_summary_text(&text, run->result)))
			return rc == -ENOMEM ? -ENOMEM : -EIO;
		return view_fill_file(out, inode_make(kind, run->id, 0), text, run->finished_ns,
				      TIMEOUT_FOREVER);
	case KIND_LOG:
		runner_log_path(path, sizeof(path), ctx->data_dir, run->id);
		*out = (struct node){
			.ino = inode_make(kind, run->id, 0),
			.type = NODE_FILE,
			.perm = 0444,
			.nlink = 1,
			.mtime_ns = run->created_ns,
			/* Growing while the run goes: every stat must ask (tail -f polls it). */
			.timeout = timeout,
		};
		/* A planted symlink or FIFO is no log of benchfs's: its size is not shown. */
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			out->size = (size_t)st.st_size;
			out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		}
		if (!(out->disk_path = strdup(path)))
			return -ENOMEM;
		return 0;
	default:
		return -ENOENT;
	}
}

static const struct {
	const char *name;
	enum node_kind kind;
} run_files[] = {
	{"config.json", KIND_CONFIG}, {"status", KIND_STATUS}, {"debug.log", KIND_LOG},
	{"system.json", KIND_SYSTEM}, {"result.json", KIND_RESULT}, {"summary", KIND_SUMMARY},
};

static bool is_full_hash(const char *name)
{
	size_t i = 0;
	for (; name[i]; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return i == STORE_HASH_LEN;
}

static int run_dir_node(struct node *out, const struct store_run *run)
{
	return view_fill_dir(out, inode_make(KIND_RUN_DIR, run->id, 0), 2, run->created_ns,
			run_finished(run) ? TIMEOUT_FOREVER : 0);
}

/* The node of a top-level kind (not a run's). */
static int top_node(const struct view_ctx *ctx, struct node *out, enum node_kind kind)
{
	int64_t id;
	size_t nruns;
	int rc, err = 0;
	char *text;
	switch (kind) {
	/* Directories whose own attributes never change are cached for good, so
	 * walking a path costs no round trip per component; runs/ (its link count
	 * counts the runs) is invalidated by the file system when a job is queued. */
	case KIND_ROOT:
		/* runs, commits, compare, history, baselines */
		return view_fill_dir(out, INODE_ROOT, 2 + 5, ctx->mount_ns, TIMEOUT_FOREVER);
	case KIND_README:
		return view_fill_file(out, inode_make(kind, 0, 0), strdup(readme_text), ctx->mount_ns,
				 TIMEOUT_FOREVER);
	case KIND_QUEUE:
		if (!(text = queue_text(ctx, &err)))
			return err;
		/* A number of its own for every lookup: a writer's O_TRUNC empties
		 * what the kernel holds of the inode it opened, which no reader may
		 * share (inode.h). */
		rc = view_fill_file(out, inode_make_bits(kind, view_serial(ctx)), text,
				    store_now_ns(), 0);
		out->perm = 0644;
		return rc;
	case KIND_RUNS:
		if (store_run_count(ctx->store, &nruns))
			return -EIO;
		return view_fill_dir(out, inode_make(kind, 0, 0), 2 + (unsigned)nruns, ctx->mount_ns,
				     TIMEOUT_FOREVER);
	case KIND_COMMITS:
		return view_fill_dir(out, inode_make(kind, 0, 0), 2, ctx->mount_ns, TIMEOUT_FOREVER);
	case KIND_LATEST:
		if ((rc = store_latest_done(ctx->store, &id)))
			return view_store_errno(rc);
		return fill_link(out, inode_make(kind, id, 0), "", id, ctx->mount_ns);
	default:
		return -ENOENT;
	}
}

static const struct {
	const char *name;
	enum node_kind kind;
} top_entries[] = {
	{"README", KIND_README}, {"queue", KIND_QUEUE}, {"runs", KIND_RUNS},
	{"commits", KIND_COMMITS}, {"latest", KIND_LATEST},
};

/* ---- artifacts: complete files the runner left for a run (perf.data) ---- */

static bool artifact_name_valid(const char *name)
{
	size_t len = strlen(name);
	/* Hidden names are files still being written (renamed when complete). */
	if (len == 0 || name[0] == '.' || strchr(name, '\t') || strchr(name, '\n'))
		return false;
	for (size_t i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++)
		if (strcmp(name, run_files[i].name) == 0)
			return false;
	return true;
}

static int artifact_stat(const struct view_ctx *ctx, struct node *out, int64_t run_id,
			 const char *name, uint64_t ino)
{
	char dir[4096], *path = NULL;
	struct store_run run;
	struct stat st;
	int rc;
	runner_artifacts_path(dir, sizeof(dir), ctx->data_dir, run_id);
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(path);
		return -ENOENT;
	}
	if ((rc = store_run_get(ctx->store, &run, run_id))) {
		free(path);
		return view_store_errno(rc);
	}
	*out = (struct node){
		.ino = ino,
		.type = NODE_FILE,
		.perm = 0444,
		.nlink = 1,
		.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
		/* Complete when it appears (written under a hidden name, then renamed). */
		.timeout = run_finished(&run) ? TIMEOUT_FOREVER : 0,
		.size = (size_t)st.st_size,
		.disk_path = path,
	};
	store_run_clear(&run);
	if (asprintf(&out->key, "a\t%s", name) < 0) {
		out->key = NULL;
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

uint64_t view_serial(const struct view_ctx *ctx)
{
	/* Request threads share the counter. */
	return __atomic_add_fetch(ctx->serial, 1, __ATOMIC_RELAXED);
}

int view_claim(const struct view_ctx *ctx, uint64_t *ino, uint64_t mask, const char *key)
{
	/* Bounded: every probe passes a number the kernel holds. */
	for (int i = 0; i < 1024; i++) {
		int held = ctx->held ? ctx->held(ctx->cache_ctx, *ino, key) : 0;
		if (held >= 0)
			return held;
		*ino = inode_next(*ino, mask);
	}
	return -ENFILE;
}

/* A missing name costs nothing: the file is looked for first, and its inode
 * number comes from its name (names.h), kept only with the node. */
static int artifact_lookup(const struct view_ctx *ctx, struct node *out, int64_t run_id,
			   const char *name)
{
	char key[300];
	uint64_t ino;
	int rc;
	if (!artifact_name_valid(name) || strlen(name) > 255)
		return -ENOENT;
	snprintf(key, sizeof(key), "a\t%s", name);
	ino = inode_make(KIND_ARTIFACT, run_id, (int64_t)(names_hash(key, 0) & INODE_VERSION_MASK));
	if ((rc = artifact_stat(ctx, out, run_id, name, ino)))
		return rc;
	if ((rc = view_claim(ctx, &ino, INODE_VERSION_MASK, key)) < 0) {
		node_clear(out);
		return rc;
	}
	out->ino = ino;
	return 0;
}

static int artifact_node(const struct view_ctx *ctx, struct node *out, uint64_t ino,
			 const char *key)
{
	if (!key || key[0] != 'a' || key[1] != '\t')
		return -ENOENT;
	return artifact_stat(ctx, out, inode_id(ino), key + 2, ino);
}

static int artifact_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n,
			 size_t *cap, int64_t run_id)
{
	char dir[4096];
	struct dirent **names = NULL;
	int count, rc = 0;
	runner_artifacts_path(dir, sizeof(dir), ctx->data_dir, run_id);
	/* Sorted, so a listing is the same every time. */
	if ((count = scandir(dir, &names, NULL, alphasort)) < 0)
		return errno == ENOENT ? 0 : -EIO;
	for (int i = 0; i < count; i++) {
		if (!rc && names[i]->d_type == DT_REG && artifact_name_valid(names[i]->d_name))
			rc = view_add_entry(list, n, cap, names[i]->d_name,
					    inode_make(KIND_ARTIFACT, run_id, 0), NODE_FILE);
		free(names[i]);
	}
	free(names);
	return rc;
}

int view_lookup(const struct view_ctx *ctx, struct node *out, uint64_t parent, const char *name)
{
	struct store_run run;
	int64_t id;
	int rc;
	switch (inode_kind(parent)) {
	case KIND_ROOT:
		for (size_t i = 0; i < sizeof(top_entries) / sizeof(top_entries[0]); i++)
			if (strcmp(name, top_entries[i].name) == 0)
				return top_node(ctx, out, top_entries[i].kind);
		return computed_root_lookup(ctx, out, name);
	case KIND_COMPARE_DIR:
	case KIND_HISTORY_DIR:
	case KIND_BASELINES_DIR:
		return computed_lookup(ctx, out, parent, name);
	case KIND_RUNS:
		if ((id = view_parse_run_name(name)) < 0)
			return -ENOENT;
		if ((rc = store_run_get_light(ctx->store, &run, id)))
			return view_store_errno(rc);
		rc = run_dir_node(out, &run);
		store_run_clear(&run);
		return rc;
	case KIND_RUN_DIR:
		for (size_t i = 0; i < sizeof(run_files) / sizeof(run_files[0]); i++) {
			if (strcmp(name, run_files[i].name) != 0)
				continue;
			if ((rc = store_run_get(ctx->store, &run, inode_id(parent))))
				return view_store_errno(rc);
			rc = run_file(ctx, out, &run, run_files[i].kind);
			store_run_clear(&run);
			return rc;
		}
		return artifact_lookup(ctx, out, inode_id(parent), name);
	case KIND_COMMITS:
		if (!is_full_hash(name))
			return -ENOENT;
		if ((rc = store_commit_latest_done(ctx->store, &id, name)))
			return view_store_errno(rc);
		return fill_link(out, inode_make(KIND_COMMIT_LINK, id, 0), "../", id, ctx->mount_ns);
	default:
		return -ENOTDIR;
	}
}

int view_node(const struct view_ctx *ctx, struct node *out, uint64_t ino, const char *key)
{
	enum node_kind kind = inode_kind(ino);
	struct store_run run;
	int rc;
	switch (kind) {
	case KIND_ROOT:
	case KIND_README:
	case KIND_RUNS:
	case KIND_COMMITS:
		return top_node(ctx, out, kind);
	case KIND_QUEUE:
		/* Numbered per lookup: known only while kept (fs.c). */
		return -ENOENT;
	case KIND_LATEST:
		rc = top_node(ctx, out, kind);
		break;
	case KIND_COMMIT_LINK:
		return fill_link(out, ino, "../", inode_id(ino), ctx->mount_ns);
	case KIND_COMPARE_DIR:
	case KIND_HISTORY_DIR:
	case KIND_BASELINES_DIR:
	case KIND_COMPARE:
	case KIND_HISTORY:
	case KIND_BASELINE:
	case KIND_REGRESSIONS:
		return computed_node(ctx, out, ino);
	case KIND_ARTIFACT:
		return artifact_node(ctx, out, ino, key);
	default:
		rc = kind == KIND_RUN_DIR ? store_run_get_light(ctx->store, &run, inode_id(ino))
					  : store_run_get(ctx->store, &run, inode_id(ino));
		if (rc)
			return view_store_errno(rc);
		rc = kind == KIND_RUN_DIR ? run_dir_node(out, &run) : run_file(ctx, out, &run, kind);
		store_run_clear(&run);
		break;
	}
	/* A versioned inode that is no longer current has no content to give. */
	if (rc == 0 && out->ino != ino) {
		node_clear(out);
		return -ENOENT;
	}
	return rc;
}

int view_add_entry(struct dir_entry **list, size_t *n, size_t *cap, const char *name,
		     uint64_t ino, enum node_type type)
{
	if (*n == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 16;
		struct dir_entry *grown = realloc(*list, new_cap * sizeof(**list));
		if (!grown)
			return -ENOMEM;
		*list = grown;
		*cap = new_cap;
	}
	snprintf((*list)[*n].name, sizeof((*list)[*n].name), "%s", name);
	(*list)[*n].ino = ino;
	(*list)[*n].type = type;
	(*n)++;
	return 0;
}

int view_list(const struct view_ctx *ctx, struct dir_entry **entries, size_t *n, uint64_t ino)
{
	struct dir_entry *list = NULL;
	size_t count = 0, cap = 0;
	struct store_run run;
	int64_t *ids = NULL, id;
	char(*hashes)[STORE_HASH_LEN + 1] = NULL;
	size_t nids = 0;
	int rc = 0;
	switch (inode_kind(ino)) {
	case KIND_ROOT:
		for (size_t i = 0; i < sizeof(top_entries) / sizeof(top_entries[0]) && !rc; i++) {
			enum node_kind k = top_entries[i].kind;
			if (k == KIND_LATEST) {
				if ((rc = store_latest_done(ctx->store, &id)) == STORE_NOTFOUND) {
					rc = 0;
					continue;
				}
				if (rc) {
					rc = -EIO;
					break;
				}
				rc = view_add_entry(&list, &count, &cap, "latest", inode_make(k, id, 0),
					       NODE_LINK);
				continue;
			}
			rc = view_add_entry(&list, &count, &cap, top_entries[i].name, inode_make(k, 0, 0),
				       k == KIND_RUNS || k == KIND_COMMITS ? NODE_DIR : NODE_FILE);
		}
		if (!rc)
			rc = computed_root_list(ctx, &list, &count, &cap);
		break;
	case KIND_COMPARE_DIR:
	case KIND_HISTORY_DIR:
	case KIND_BASELINES_DIR:
		rc = computed_list(ctx, &list, &count, &cap, ino);
		break;
	case KIND_RUNS:
		if (store_run_ids(ctx->store, &ids, &nids)) {
			rc = -EIO;
			break;
		}
		for (size_t i = 0; i < nids && !rc; i++) {
			char name[32];
			run_dir_name(name, sizeof(name), ids[i]);
			rc = view_add_entry(&list, &count, &cap, name, inode_make(KIND_RUN_DIR, ids[i], 0),
				       NODE_DIR);
		}
		break;
	case KIND_RUN_DIR:
		if ((rc = store_run_get(ctx->store, &run, inode_id(ino)))) {
			rc = view_store_errno(rc);
			break;
		}
		for (size_t i = 0; i < sizeof(run_files) / sizeof(run_files[0]) && !rc; i++) {
			enum node_kind k = run_files[i].kind;
			if ((k == KIND_SYSTEM && !run.system) ||
			    ((k == KIND_RESULT || k == KIND_SUMMARY) && !run_has_result(&run)))
				continue;
			rc = view_add_entry(&list, &count, &cap, run_files[i].name,
				       inode_make(k, run.id, 0), NODE_FILE);
		}
		if (!rc)
			rc = artifact_list(ctx, &list, &count, &cap, run.id);
		store_run_clear(&run);
		break;
	case KIND_COMMITS:
		if (store_done_commits(ctx->store, &hashes, &nids)) {
			rc = -EIO;
			break;
		}
		for (size_t i = 0; i < nids && !rc; i++)
			rc = view_add_entry(&list, &count, &cap, hashes[i],
				       inode_make(KIND_COMMIT_LINK, 0, i), NODE_LINK);
		break;
	default:
		rc = -ENOTDIR;
	}
	free(ids);
	free(hashes);
	if (rc) {
		free(list);
		return rc;
	}
	*entries = list;
	*n = count;
	return 0;
}
