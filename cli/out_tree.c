/* benchfs run --out DIR: the tree the mount shows, written as ordinary
 * files and symlinks, for CI jobs that upload it as an artifact. Every file
 * comes from the same views the mount's files do (README, queue, runs/
 * with each run's flame.svg, profiles/ and artifacts/, commits/, latest,
 * compare/ with its flame graphs, pull requests and <rev>/ directories,
 * regressions, slo, history/, baselines/, index.html, export/, audit/,
 * alerts/, bisect/, watch, retention; import/ empty), so
 * `diff -r --no-dereference` against a mount over the same data directory
 * finds nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/internal.h"
#include "config/config.h"
#include "store/paths.h"
#include "util/runid.h"
#include "util/write_all.h"
#include "views/alerts.h"
#include "views/audit.h"
#include "views/baseline_file.h"
#include "views/bisect.h"
#include "views/compare.h"
#include "views/compare_pull.h"
#include "views/compare_variants.h"
#include "views/dashboard.h"
#include "views/export.h"
#include "views/flame.h"
#include "views/history.h"
#include "views/listings.h"
#include "views/mount_readme.h"
#include "views/queue_list.h"
#include "views/retention_file.h"
#include "views/regressions.h"
#include "views/runners_list.h"
#include "views/run_files.h"
#include "views/sides.h"
#include "views/slo.h"
#include "views/watch_file.h"

struct out_tree {
	const struct view_ctx *ctx;
	int dirfd; /* DIR */
};

/* Write len bytes as the file path (relative to the tree). 0 or -errno. */
static int put_file(struct out_tree *t, const char *path, const char *text, size_t len)
{
	int fd = openat(t->dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
	int rc;
	if (fd < 0)
		return -errno;
	if ((rc = write_all(fd, text, len))) {
		close(fd);
		return rc;
	}
	return close(fd) ? -errno : 0;
}

static int put_dir(struct out_tree *t, const char *path)
{
	return mkdirat(t->dirfd, path, 0777) ? -errno : 0;
}

/* A link to <prefix>runs/<id>, as the mount's latest and commits/ are. */
static int put_run_link(struct out_tree *t, const char *path, const char *prefix, int64_t id)
{
	char target[64];
	snprintf(target, sizeof(target), "%sruns/" RUNID_DIR_FMT, prefix, (long long)id);
	return symlinkat(target, t->dirfd, path) ? -errno : 0;
}

/* Copy a file of the data directory (a log, an artifact) into the tree; a
 * missing one, or one that is not a regular file, is shown empty (as the
 * mount shows such a debug.log). */
static int put_copy(struct out_tree *t, const char *path, const char *from)
{
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out, rc = 0;
	struct stat st;
	char buf[65536];
	ssize_t n;
	if (in >= 0 && (fstat(in, &st) || !S_ISREG(st.st_mode))) {
		close(in);
		in = -1;
	}
	if ((out = openat(t->dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			  0666)) < 0) {
		rc = -errno;
		goto done;
	}
	while (in >= 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
	}
	if (close(out) && !rc)
		rc = -errno;
done:
	if (in >= 0)
		close(in);
	return rc;
}

/* A directory of the run's artifacts (profiles/, artifacts/) copied whole,
 * with what the mount lists there: regular files and directories, no
 * hidden names (files still being written) and none with a tab or a
 * newline. */
static int put_copy_dir(struct out_tree *t, const char *path, const char *from)
{
	struct dirent **names = NULL;
	int count, rc;
	if ((rc = put_dir(t, path)))
		return rc;
	if ((count = scandir(from, &names, NULL, alphasort)) < 0)
		return -errno;
	for (int i = 0; i < count; i++) {
		const char *d = names[i]->d_name;
		char *to = NULL, *src = NULL;
		if (!rc && d[0] != '.' && !strpbrk(d, "\t\n") &&
		    (names[i]->d_type == DT_REG || names[i]->d_type == DT_DIR)) {
			if (asprintf(&to, "%s/%s", path, d) < 0)
				to = NULL, rc = -ENOMEM;
			else if (asprintf(&src, "%s/%s", from, d) < 0)
				src = NULL, rc = -ENOMEM;
			else if (names[i]->d_type == DT_DIR)
				rc = put_copy_dir(t, to, src);
			else
				rc = put_copy(t, to, src);
		}
		free(to);
		free(src);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* What the mount adds to a run directory from its artifacts (fs/kind_flame.c):
 * flame.svg, computed by the view the mount's comes from, and the trees
 * profiles/ (a profiler command's output) and artifacts/ (kept files). */
static int put_run_extras(struct out_tree *t, const char *dir, int64_t id, const char *from)
{
	static const char *const trees[] = {"profiles", "artifacts"};
	char path[4096], src[4400];
	struct stat st;
	int rc = 0;
	if (flame_run_has(t->ctx, id)) {
		char *text = NULL;
		size_t len = 0;
		snprintf(path, sizeof(path), "runs/%s/flame.svg", dir);
		if (!(rc = flame_run_render(&text, &len, t->ctx, id)))
			rc = put_file(t, path, text, len);
		free(text);
	}
	for (size_t i = 0; !rc && i < sizeof(trees) / sizeof(*trees); i++) {
		snprintf(path, sizeof(path), "runs/%s/%s", dir, trees[i]);
		snprintf(src, sizeof(src), "%s/%s", from, trees[i]);
		if (lstat(src, &st) == 0 && S_ISDIR(st.st_mode))
			rc = put_copy_dir(t, path, src);
	}
	return rc;
}

static int put_run(struct out_tree *t, int64_t id)
{
	char dir[32], path[4096], from[4096];
	struct store_run run;
	struct dirent **names = NULL;
	int count, rc;
	runid_dir_name(dir, sizeof(dir), id);
	snprintf(path, sizeof(path), "runs/%s", dir);
	if ((rc = store_run_get(t->ctx->store, &run, id)))
		return store_errno(rc);
	rc = put_dir(t, path);
	for (int f = 0; f < RUN_FILE_COUNT && !rc; f++) {
		char *text = NULL;
		if (!run_file_exists(&run, (enum run_file)f))
			continue;
		snprintf(path, sizeof(path), "runs/%s/%s", dir, run_file_name((enum run_file)f));
		if (f == RUN_FILE_LOG) {
			store_path_log(from, sizeof(from), t->ctx->data_dir, id);
			rc = put_copy(t, path, from);
			continue;
		}
		if (!(rc = run_file_text(&text, &run, (enum run_file)f)))
			rc = put_file(t, path, text, strlen(text));
		free(text);
	}
	/* The mount lists exclude while the run is excluded, with its reason. */
	if (!rc && run.excluded_ns) {
		char *text = NULL;
		snprintf(path, sizeof(path), "runs/%s/exclude", dir);
		rc = asprintf(&text, "%s\n", run.excluded_reason ? run.excluded_reason : "") < 0
			     ? -ENOMEM
			     : put_file(t, path, text, strlen(text));
		free(text);
	}
	store_run_clear(&run);
	store_path_artifacts(from, sizeof(from), t->ctx->data_dir, id);
	if (rc || (count = scandir(from, &names, NULL, alphasort)) < 0)
		return rc ? rc : errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < count; i++) {
		if (!rc && names[i]->d_type == DT_REG && run_artifact_shown(names[i]->d_name)) {
			char src[4096 + 256];
			snprintf(path, sizeof(path), "runs/%s/%s", dir, names[i]->d_name);
			snprintf(src, sizeof(src), "%s/%s", from, names[i]->d_name);
			rc = put_copy(t, path, src);
		}
		free(names[i]);
	}
	free(names);
	return rc ? rc : put_run_extras(t, dir, id, from);
}

static int put_runs(struct out_tree *t)
{
	int64_t *ids = NULL, latest;
	char(*hashes)[STORE_HASH_LEN + 1] = NULL;
	size_t n = 0;
	int rc;
	if ((rc = put_dir(t, "runs")) || (rc = put_dir(t, "commits")))
		return rc;
	if ((rc = store_run_ids(t->ctx->store, &ids, &n)))
		return store_errno(rc);
	for (size_t i = 0; i < n && !rc; i++)
		rc = put_run(t, ids[i]);
	free(ids);
	if (rc)
		return rc;
	if ((rc = store_done_commits(t->ctx->store, &hashes, &n)))
		return store_errno(rc);
	for (size_t i = 0; i < n && !rc; i++) {
		char path[64];
		if ((rc = store_errno(store_commit_latest_done(t->ctx->store, &latest, hashes[i]))))
			break;
		snprintf(path, sizeof(path), "commits/%s", hashes[i]);
		rc = put_run_link(t, path, "../", latest);
	}
	free(hashes);
	if (rc)
		return rc;
	/* latest is there once a run is done. */
	rc = store_latest_done(t->ctx->store, &latest);
	if (rc == STORE_NOTFOUND)
		return 0;
	return rc ? store_errno(rc) : put_run_link(t, "latest", "", latest);
}

/* compare/<rev>/: each variants compare the mount lists there. */
static int put_variants(struct out_tree *t, const char *rev)
{
	char **names = NULL, path[4096];
	struct side_ref ref;
	size_t n = 0;
	int rc;
	snprintf(path, sizeof(path), "compare/%s", rev);
	if ((rc = put_dir(t, path)) || (rc = side_resolve(&ref, t->ctx, rev)) ||
	    (rc = listing_variants(&names, &n, t->ctx, rev, &ref)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char *param = NULL, *x = NULL, *y = NULL, *text = NULL;
		enum compare_format format;
		if (!(rc = compare_variants_parse_name(&param, &x, &y, &format, names[i])) &&
		    !(rc = compare_variants_render(&text, t->ctx, rev, &ref, param, x, y, format))) {
			snprintf(path, sizeof(path), "compare/%s/%s", rev, names[i]);
			rc = put_file(t, path, text, strlen(text));
		}
		free(param);
		free(x);
		free(y);
		free(text);
	}
	listing_free(names, n);
	return rc;
}

/* One file of compare/ that is not a pair: a flame graph (each side's
 * newest profiled run), or a pull request's newest A/B job; a pair is
 * put_compares'. */
static int put_compare_extra(struct out_tree *t, const char *path, const char *name)
{
	char *stem = NULL, *a = NULL, *b = NULL, *text = NULL;
	enum compare_format format;
	struct side_ref ra, rb;
	int64_t run_a, run_b;
	size_t len = 0;
	int rc;
	if ((rc = flame_compare_name(&stem, name)) == 0) {
		if (!(rc = compare_parse_name(&a, &b, &format, stem)) &&
		    !(rc = flame_compare_runs(&run_a, &run_b, t->ctx, a, b)))
			rc = flame_compare_render(&text, &len, t->ctx, a, run_a, b, run_b);
	} else if (rc == -ENOENT && (rc = compare_pull_parse_name(&a, &format, name)) == 0) {
		if (!(rc = compare_pull_find(&ra, &rb, t->ctx, a)) &&
		    !(rc = compare_pull_render(&text, t->ctx, a, &ra, &rb, format)))
			len = strlen(text);
	} else if (rc == -ENOENT) {
		return 0;
	}
	if (!rc)
		rc = put_file(t, path, text, len);
	free(stem);
	free(a);
	free(b);
	free(text);
	return rc;
}

/* What the mount's compare/ lists beside the pairs (listing_compare_dir),
 * from the views its files come from: flame graphs, pull requests' files
 * and the directories <rev>/. */
static int put_compare_extras(struct out_tree *t)
{
	char **names = NULL, **dirs = NULL;
	size_t n = 0, ndirs = 0;
	int rc;
	if ((rc = listing_compare_dir(&names, &n, &dirs, &ndirs, t->ctx)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "compare/%s", names[i]);
		rc = put_compare_extra(t, path, names[i]);
	}
	for (size_t i = 0; i < ndirs && !rc; i++)
		rc = put_variants(t, dirs[i]);
	listing_free(names, n);
	listing_free(dirs, ndirs);
	return rc;
}

static int put_compares(struct out_tree *t)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	if ((rc = put_dir(t, "compare")) || (rc = listing_compare(&names, &n, t->ctx)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char *a = NULL, *b = NULL, *text = NULL, path[4096];
		enum compare_format format;
		struct side_ref ra, rb;
		if (!(rc = compare_parse_name(&a, &b, &format, names[i])) &&
		    !(rc = side_resolve(&ra, t->ctx, a)) && !(rc = side_resolve(&rb, t->ctx, b)) &&
		    !(rc = compare_render(&text, t->ctx, a, &ra, b, &rb, format))) {
			snprintf(path, sizeof(path), "compare/%s", names[i]);
			rc = put_file(t, path, text, strlen(text));
		}
		free(a);
		free(b);
		free(text);
	}
	listing_free(names, n);
	return rc ? rc : put_compare_extras(t);
}

/* export/: the files the mount lists there, with benchfs export's bytes. */
static int put_exports(struct out_tree *t)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	if ((rc = put_dir(t, "export")) || (rc = export_listing(&names, &n, t->ctx)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char *what = NULL, *text = NULL, path[4096], err[1024];
		enum export_format format;
		size_t len = 0;
		if (!(rc = export_parse_name(&what, &format, names[i])) &&
		    !(rc = export_render(&text, &len, t->ctx, what, format, err, sizeof(err)))) {
			snprintf(path, sizeof(path), "export/%s", names[i]);
			rc = put_file(t, path, text, len);
		}
		free(what);
		free(text);
	}
	listing_free(names, n);
	return rc;
}

/* audit/: a bundle per pair compare/ lists, with benchfs audit's bytes. */
static int put_audits(struct out_tree *t)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	if ((rc = put_dir(t, "audit")) || (rc = audit_listing(&names, &n, t->ctx)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char *a = NULL, *b = NULL, *data = NULL, path[4096], err[1024];
		struct side_ref ra, rb;
		size_t len = 0;
		if (!(rc = audit_parse_name(&a, &b, names[i])) &&
		    !(rc = side_resolve(&ra, t->ctx, a)) && !(rc = side_resolve(&rb, t->ctx, b)) &&
		    !(rc = audit_render(&data, &len, t->ctx, a, &ra, b, &rb, err, sizeof(err)))) {
			snprintf(path, sizeof(path), "audit/%s", names[i]);
			rc = put_file(t, path, data, len);
		}
		free(a);
		free(b);
		free(data);
	}
	listing_free(names, n);
	return rc;
}

static int put_history(struct out_tree *t, const char *tip)
{
	char **names = NULL, *text = NULL;
	size_t n = 0, len;
	int rc;
	if ((rc = put_dir(t, "history")) || (rc = listing_history(&names, &n, t->ctx)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		size_t nlen = strlen(names[i]);
		bool svg = nlen > 4 && strcmp(names[i] + nlen - 4, ".svg") == 0;
		char *bench = strndup(names[i], nlen - 4), path[4096];
		if (!bench) {
			rc = -ENOMEM;
			break;
		}
		text = NULL;
		if (!(rc = history_render(&text, &len, t->ctx, tip, bench,
					  svg ? HISTORY_SVG : HISTORY_CSV))) {
			snprintf(path, sizeof(path), "history/%s", names[i]);
			rc = put_file(t, path, text, len);
		}
		free(text);
		free(bench);
	}
	listing_free(names, n);
	return rc;
}

/* baselines/.history/<name>, as the mount has them. */
static int put_histories(struct out_tree *t)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	if ((rc = put_dir(t, "baselines/.history")))
		return rc;
	if ((rc = store_baseline_history_names(t->ctx->store, &names, &n)))
		return store_errno(rc);
	for (size_t i = 0; i < n && !rc; i++) {
		char *text = NULL, path[4096];
		if (!(rc = baseline_history_render(&text, t->ctx, names[i]))) {
			snprintf(path, sizeof(path), "baselines/.history/%s", names[i]);
			rc = put_file(t, path, text, strlen(text));
		}
		free(text);
	}
	store_names_free(names, n);
	return rc;
}

static int put_baselines(struct out_tree *t)
{
	struct store_baseline *b = NULL;
	size_t n = 0;
	int rc;
	if ((rc = put_dir(t, "baselines")))
		return rc;
	if ((rc = store_baselines_list(t->ctx->store, &b, &n)))
		return store_errno(rc);
	for (size_t i = 0; i < n && !rc; i++) {
		char *text = NULL, path[4096];
		if (!(rc = baseline_file_render(&text, t->ctx, b[i].name))) {
			snprintf(path, sizeof(path), "baselines/%s", b[i].name);
			rc = put_file(t, path, text, strlen(text));
		}
		free(text);
	}
	free(b);
	return rc ? rc : put_histories(t);
}

/* alerts/ and bisect/: one file per name the mount lists there. */
static int put_alerts(struct out_tree *t)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	if ((rc = put_dir(t, "alerts")) || (rc = alert_list(&names, &n, t->ctx)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char *text = NULL, path[4096];
		if (!(rc = alert_render(&text, t->ctx, names[i]))) {
			snprintf(path, sizeof(path), "alerts/%s", names[i]);
			rc = put_file(t, path, text, strlen(text));
		}
		free(text);
	}
	listing_free(names, n);
	return rc;
}

static int put_bisections(struct out_tree *t)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	if ((rc = put_dir(t, "bisect")) || (rc = bisect_listing(&names, &n, t->ctx)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char *text = NULL, path[4096];
		int64_t id = bisect_parse_name(names[i]);
		if (!(rc = id > 0 ? bisect_render(&text, t->ctx, id) : -EIO)) {
			snprintf(path, sizeof(path), "bisect/%s", names[i]);
			rc = put_file(t, path, text, strlen(text));
		}
		free(text);
	}
	listing_free(names, n);
	return rc;
}

/* watch and retention: the state the daemon's services keep in the store. */
static int put_service_files(struct out_tree *t)
{
	const struct config *config = t->ctx->config;
	char *text = NULL;
	int rc;
	if ((rc = watch_file_render(&text, t->ctx->store, config ? config->watch : NULL)) ||
	    (rc = put_file(t, "watch", text, strlen(text))))
		goto out;
	free(text);
	text = NULL;
	if (!(rc = retention_file_render(&text, t->ctx->store, config ? config->retain : NULL)))
		rc = put_file(t, "retention", text, strlen(text));
out:
	free(text);
	return rc;
}

/* index.html: the page links to the tree's files relatively, so the tree
 * can be published as it is. */
static int put_dashboard(struct out_tree *t, const char *tip)
{
	char *text = NULL;
	size_t len = 0;
	int rc = dashboard_render(&text, &len, t->ctx, tip);
	if (rc == 0)
		rc = put_file(t, "index.html", text, len);
	free(text);
	return rc;
}

static int put_tree(struct out_tree *t)
{
	char tip[STORE_HASH_LEN + 1], *text = NULL;
	bool have_tip;
	int rc;
	if ((rc = put_file(t, "README", mount_readme_text, strlen(mount_readme_text))))
		return rc;
	if ((rc = queue_list_text(&text, t->ctx->store)) ||
	    (rc = put_file(t, "queue", text, strlen(text))))
		goto out;
	free(text);
	text = NULL;
	/* The runners registered once the run's own has left: the tree has the
	 * mount's files, though this one is the daemons' state, not results. */
	if ((rc = runners_list_text(&text, t->ctx->store)) ||
	    (rc = put_file(t, "runners", text, strlen(text))))
		goto out;
	free(text);
	text = NULL;
	if ((rc = put_runs(t)) || (rc = put_compares(t)))
		goto out;
	rc = history_tip(tip, t->ctx);
	if (rc && rc != -ENOENT)
		goto out;
	have_tip = rc == 0;
	if (have_tip && (rc = regressions_render(&text, t->ctx, tip)))
		goto out;
	if ((rc = put_file(t, "regressions", have_tip ? text : "", have_tip ? strlen(text) : 0)))
		goto out;
	free(text);
	text = NULL;
	if ((rc = slo_render(&text, t->ctx)) || (rc = put_file(t, "slo", text, strlen(text))) ||
	    (rc = put_history(t, have_tip ? tip : NULL)))
		goto out;
	/* import/ takes files written into the mount; it lists nothing. */
	if ((rc = put_baselines(t)) || (rc = put_dir(t, "import")))
		goto out;
	if ((rc = put_exports(t)) || (rc = put_audits(t)) || (rc = put_alerts(t)) ||
	    (rc = put_bisections(t)))
		goto out;
	if ((rc = put_dashboard(t, have_tip ? tip : NULL)))
		goto out;
	rc = put_service_files(t);
out:
	free(text);
	return rc;
}

int cli_out_usable(const char *dir)
{
	int rc = cli_dir_empty(dir);
	if (rc == -ENOENT || rc == 1)
		return 0;
	return setup_fail(EXIT_INVALID, "--out %s: %s", dir,
			  rc ? strerror(-rc) : "not empty (give a new or empty directory)");
}

int cli_out_tree(const struct view_ctx *ctx, const char *dir)
{
	struct out_tree t = {.ctx = ctx};
	int rc;
	if (mkdir(dir, 0777) && errno != EEXIST)
		return setup_fail(EXIT_INVALID, "--out %s: %s", dir, strerror(errno));
	if ((rc = cli_out_usable(dir)))
		return rc;
	if ((t.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return setup_fail(EXIT_INVALID, "--out %s: %s", dir, strerror(errno));
	rc = put_tree(&t);
	close(t.dirfd);
	if (rc)
		return setup_fail(EXIT_TOOL, "--out %s: %s", dir, strerror(-rc));
	return 0;
}
