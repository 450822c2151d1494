/* Audit bundles (views/audit.h): the members of audit/<a>..<b>.tar, gathered
 * from the same views the mount shows them by, and written as one ustar
 * archive (util/tar.h) with a SHA-256 manifest (util/sha256.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/runid.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "util/tar.h"
#include "views/audit.h"
#include "views/baseline_file.h"
#include "views/compare.h"
#include "views/format.h"
#include "views/listings.h"
#include "views/run_files.h"
#include "views/slo.h"

int audit_parse_name(char **a, char **b, const char *name)
{
	enum compare_format format;
	size_t len = strlen(name);
	char *json = NULL;
	int rc;
	*a = *b = NULL;
	if (len <= 4 || strcmp(name + len - 4, ".tar") != 0)
		return -ENOENT;
	/* compare/'s own split, so both directories read a name alike. */
	if (asprintf(&json, "%.*s.json", (int)(len - 4), name) < 0)
		return -ENOMEM;
	rc = compare_parse_name(a, b, &format, json);
	free(json);
	return rc;
}

int audit_listing(char ***names, size_t *n, const struct view_ctx *ctx)
{
	char **pairs = NULL;
	size_t npairs = 0, count = 0;
	int rc;
	*names = NULL;
	*n = 0;
	if ((rc = listing_compare(&pairs, &npairs, ctx)))
		return rc;
	/* compare/ lists each pair as .md then .json: one bundle a pair, and
	 * each entry turned into a .tar in place. */
	for (size_t i = 0; i < npairs; i++) {
		size_t len = strlen(pairs[i]);
		char *tar = NULL;
		if (len < 3 || strcmp(pairs[i] + len - 3, ".md") != 0) {
			free(pairs[i]);
			continue;
		}
		if (asprintf(&tar, "%.*s.tar", (int)(len - 3), pairs[i]) < 0)
			tar = NULL;
		free(pairs[i]);
		pairs[count++] = tar;
		if (!tar)
			rc = -ENOMEM;
	}
	if (rc) {
		listing_free(pairs, count);
		return rc;
	}
	*names = pairs;
	*n = count;
	return 0;
}

/* ---- the bundle being written ---- */

struct bundle {
	struct strbuf tar;
	struct strbuf manifest; /* "<sha256>  <path>\n" of each file so far */
	char top[64];           /* the one top directory */
	int64_t mtime;          /* of the members that are no run's */
	char *err;
	size_t errsize;
};

static int bundle_dir(struct bundle *bd, const char *sub, int64_t mtime)
{
	char path[256];
	int rc;
	snprintf(path, sizeof(path), "%s%s%s", bd->top, *sub ? "/" : "", sub);
	if ((rc = tar_add_dir(&bd->tar, path, mtime)))
		snprintf(bd->err, bd->errsize, "%s: %s", path, strerror(-rc));
	return rc;
}

/* A file at sub (relative to the top directory), listed in the manifest. */
static int bundle_file(struct bundle *bd, const char *sub, const char *data, size_t len,
		       int64_t mtime)
{
	char path[256], hex[SHA256_HEX_SIZE];
	int rc;
	snprintf(path, sizeof(path), "%s/%s", bd->top, sub);
	if ((rc = tar_add_file(&bd->tar, path, data, len, mtime))) {
		snprintf(bd->err, bd->errsize, "%s: %s", path, strerror(-rc));
		return rc;
	}
	sha256_hex(hex, data, len);
	return strbuf_addf(&bd->manifest, "%s  %s\n", hex, sub);
}

static int bundle_text(struct bundle *bd, const char *sub, const char *text, int64_t mtime)
{
	return bundle_file(bd, sub, text, strlen(text), mtime);
}

/* ---- one side ---- */

static int64_t finish_s(const struct run_catalog *cat, int64_t run)
{
	ssize_t k = run_catalog_find(cat, run);
	return k >= 0 ? cat->runs[k].finished_ns / 1000000000 : 0;
}

/* A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_field(struct strbuf *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		strbuf_addstr(out, s);
		return;
	}
	strbuf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, *s);
	}
	strbuf_addch(out, '"');
}

struct sample_rows {
	struct strbuf *csv;
	int64_t run;
};

static int sample_row(void *ctx, const struct store_iteration *it)
{
	struct sample_rows *r = ctx;
	strbuf_addf(r->csv, RUNID_DIR_FMT ",", (long long)r->run);
	csv_field(r->csv, it->benchmark);
	strbuf_addf(r->csv, ",%d,%lld,%lld,%lld,%lld,%d,%d\n", it->iteration,
		    (long long)it->wall_ns, (long long)it->user_ns, (long long)it->sys_ns,
		    (long long)it->maxrss_bytes, it->exit_code, it->term_signal);
	return strbuf_error(r->csv) ? STORE_NOMEM : 0;
}

static int side_samples(struct bundle *bd, const struct view_ctx *ctx, const struct side *s,
			const char *dir)
{
	struct strbuf csv = STRBUF_INIT;
	char sub[64];
	int rc = 0;
	strbuf_addstr(&csv, "run,benchmark,iteration,wall_ns,user_ns,sys_ns,maxrss_bytes,exit_code,"
			    "term_signal\n");
	for (size_t i = 0; i < s->nruns && !rc; i++) {
		struct sample_rows rows = {.csv = &csv, .run = s->runs[i]};
		if ((rc = store_iterations_of_run(ctx->store, s->runs[i], sample_row, &rows)))
			rc = rc == STORE_NOMEM ? -ENOMEM : store_errno(rc);
	}
	if (!rc)
		rc = strbuf_error(&csv);
	snprintf(sub, sizeof(sub), "%s/samples.csv", dir);
	if (rc)
		snprintf(bd->err, bd->errsize, "%s: %s", sub,
			 rc == -ENOMEM ? "out of memory" : "cannot read the store's iterations");
	else
		rc = bundle_file(bd, sub, csv.buf, csv.len, bd->mtime);
	strbuf_release(&csv);
	return rc;
}

/* The service levels of the configuration judged at the side's name. */
static int side_slo(struct bundle *bd, const struct view_ctx *ctx, const char *name,
		    const char *dir)
{
	struct slo_result *results = NULL;
	size_t n = 0;
	char sub[64], *text = NULL;
	int rc = slo_evaluate(&results, &n, ctx, ctx->config, name);
	if (rc) {
		snprintf(bd->err, bd->errsize, "%s/slo: %s", dir, strerror(-rc));
		return rc;
	}
	text = slo_results_text(results, n);
	slo_results_free(results, n);
	if (!text) {
		snprintf(bd->err, bd->errsize, "out of memory");
		return -ENOMEM;
	}
	snprintf(sub, sizeof(sub), "%s/slo", dir);
	rc = bundle_text(bd, sub, text, bd->mtime);
	free(text);
	return rc;
}

static int run_members(struct bundle *bd, const struct view_ctx *ctx,
		       const struct run_catalog *cat, int64_t id, const char *dir)
{
	static const enum run_file files[] = {RUN_FILE_CONFIG, RUN_FILE_SYSTEM, RUN_FILE_RESULT};
	struct store_run row;
	char name[RUNID_NAME_MAX], sub[128];
	int64_t mtime = finish_s(cat, id);
	int rc;
	runid_dir_name(name, sizeof(name), id);
	if ((rc = store_run_get(ctx->store, &row, id))) {
		rc = store_errno(rc);
		snprintf(bd->err, bd->errsize, "runs/%s: %s", name, strerror(-rc));
		return rc == -ENOENT ? -EIO : rc;
	}
	snprintf(sub, sizeof(sub), "%s/runs/%s", dir, name);
	rc = bundle_dir(bd, sub, mtime);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !rc; i++) {
		char *text = NULL;
		if ((rc = run_file_text(&text, &row, files[i]))) {
			snprintf(bd->err, bd->errsize, "runs/%s/%s: %s", name,
				 run_file_name(files[i]), strerror(-rc));
			/* A run the comparison uses is done: each of its files exists. */
			rc = rc == -ENOENT ? -EIO : rc;
			break;
		}
		snprintf(sub, sizeof(sub), "%s/runs/%s/%s", dir, name, run_file_name(files[i]));
		rc = bundle_text(bd, sub, text, mtime);
		free(text);
	}
	store_run_clear(&row);
	return rc;
}

static int side_members(struct bundle *bd, const struct view_ctx *ctx,
			const struct run_catalog *cat, const struct side *s, const char *name,
			const char *dir)
{
	char sub[64];
	int rc;
	snprintf(sub, sizeof(sub), "%s/runs", dir);
	if ((rc = bundle_dir(bd, dir, bd->mtime)) || (rc = side_samples(bd, ctx, s, dir)) ||
	    (rc = side_slo(bd, ctx, name, dir)) || (rc = bundle_dir(bd, sub, bd->mtime)))
		return rc;
	for (size_t i = 0; i < s->nruns && !rc; i++)
		rc = run_members(bd, ctx, cat, s->runs[i], dir);
	return rc;
}

/* ---- what the whole bundle shows ---- */

static json_object *side_json(const struct side *s, const char *name)
{
	json_object *o = json_object_new_object(), *runs = json_object_new_array();
	char dir[RUNID_NAME_MAX];
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "commit", json_object_new_string(s->ref.commit));
	if (s->merge_base)
		json_object_object_add(o, "merge_base_of",
				       json_object_new_string(name + strlen(s->rev) + 3));
	if (s->ref.shadowed[0])
		json_object_object_add(o, "shadowed", json_object_new_string(s->ref.shadowed));
	json_object_object_add(o, "subject", json_object_new_string(s->subject ? s->subject : ""));
	for (size_t i = 0; i < s->nruns; i++) {
		runid_dir_name(dir, sizeof(dir), s->runs[i]);
		json_object_array_add(runs, json_object_new_string(dir));
	}
	json_object_object_add(o, "runs", runs);
	return o;
}

static int describe(struct bundle *bd, const struct side *a, const char *a_rev,
		    const struct side *b, const char *b_rev)
{
	json_object *root = json_object_new_object();
	char *text;
	int rc;
	json_object_object_add(root, "a", side_json(a, a_rev));
	json_object_object_add(root, "b", side_json(b, b_rev));
	json_object_object_add(root, "interleaved", json_object_new_boolean(a->interleaved));
	json_object_object_add(root, "host", json_object_new_string(a->host ? a->host : ""));
	text = json_text(root);
	json_object_put(root);
	if (!text) {
		snprintf(bd->err, bd->errsize, "out of memory");
		return -ENOMEM;
	}
	rc = bundle_text(bd, "audit.json", text, bd->mtime);
	free(text);
	return rc;
}

/* baselines/<name> and baselines/.history/<name> of every pinned baseline,
 * as the mount shows them: the commit, its newest run, and how each pin was
 * made (by whom, where, with which toolchain). */
static int baselines(struct bundle *bd, const struct view_ctx *ctx)
{
	struct store_baseline *list = NULL;
	size_t n = 0;
	int rc;
	if ((rc = store_baselines_list(ctx->store, &list, &n))) {
		rc = store_errno(rc);
		snprintf(bd->err, bd->errsize, "baselines: %s", strerror(-rc));
		return rc;
	}
	if (!(rc = bundle_dir(bd, "baselines", bd->mtime)) && n)
		rc = bundle_dir(bd, "baselines/.history", bd->mtime);
	for (size_t i = 0; i < n && !rc; i++) {
		char *text = NULL, sub[128];
		if (!(rc = baseline_file_render(&text, ctx, list[i].name))) {
			snprintf(sub, sizeof(sub), "baselines/%s", list[i].name);
			rc = bundle_text(bd, sub, text, bd->mtime);
			free(text);
			text = NULL;
		}
		if (!rc && !(rc = baseline_history_render(&text, ctx, list[i].name))) {
			snprintf(sub, sizeof(sub), "baselines/.history/%s", list[i].name);
			rc = bundle_text(bd, sub, text, bd->mtime);
			free(text);
		}
		if (rc && !bd->err[0])
			snprintf(bd->err, bd->errsize, "baselines/%s: %s", list[i].name, strerror(-rc));
	}
	free(list);
	return rc;
}

static int compare_member(struct bundle *bd, const struct view_ctx *ctx, const char *a_rev,
			  const struct side_ref *a, const char *b_rev, const struct side_ref *b,
			  enum compare_format format)
{
	char *text = NULL;
	int rc = compare_render(&text, ctx, a_rev, a, b_rev, b, format);
	if (rc) {
		snprintf(bd->err, bd->errsize, "%s..%s: %s", a_rev, b_rev,
			 rc == -ENOENT ? "a side has no finished run on this host" : strerror(-rc));
		return rc;
	}
	rc = bundle_text(bd, format == COMPARE_MD ? "compare.md" : "compare.json", text, bd->mtime);
	free(text);
	return rc;
}

static void newest_finish(int64_t *out, const struct run_catalog *cat, const struct side *s)
{
	for (size_t i = 0; i < s->nruns; i++) {
		int64_t t = finish_s(cat, s->runs[i]);
		if (t > *out)
			*out = t;
	}
}

int audit_render(char **data, size_t *len, const struct view_ctx *ctx, const char *a_rev,
		 const struct side_ref *a, const char *b_rev, const struct side_ref *b, char *err,
		 size_t errsize)
{
	struct bundle bd = {.tar = STRBUF_INIT, .manifest = STRBUF_INIT, .err = err,
			    .errsize = errsize};
	struct run_catalog cat = {0};
	struct side sa = {0}, sb = {0};
	char path[128];
	int rc;
	*data = NULL;
	*len = 0;
	err[0] = '\0';
	sa.ref = *a;
	sb.ref = *b;
	/* The runs compare/<a>..<b> uses, chosen by the same code. */
	if ((rc = side_set_rev(&sa, a_rev)) || (rc = side_set_rev(&sb, b_rev)) ||
	    (rc = sides_find(&sa, &sb, ctx)) ||
	    (rc = run_catalog_load_sides(&cat, ctx, &sa, &sb))) {
		snprintf(err, errsize, "%s..%s: %s", a_rev, b_rev,
			 rc == -ENOENT ? "a side has no finished run on this host" : strerror(-rc));
		goto done;
	}
	newest_finish(&bd.mtime, &cat, &sa);
	newest_finish(&bd.mtime, &cat, &sb);
	snprintf(bd.top, sizeof(bd.top), "benchfs-audit-%.12s..%.12s", a->commit, b->commit);
	if ((rc = bundle_dir(&bd, "", bd.mtime)) || (rc = describe(&bd, &sa, a_rev, &sb, b_rev)) ||
	    (rc = compare_member(&bd, ctx, a_rev, a, b_rev, b, COMPARE_MD)) ||
	    (rc = compare_member(&bd, ctx, a_rev, a, b_rev, b, COMPARE_JSON)) ||
	    (rc = baselines(&bd, ctx)) || (rc = side_members(&bd, ctx, &cat, &sa, a_rev, "a")) ||
	    (rc = side_members(&bd, ctx, &cat, &sb, b_rev, "b")))
		goto done;
	if ((rc = strbuf_error(&bd.manifest))) {
		snprintf(err, errsize, "out of memory");
		goto done;
	}
	/* Last, so it lists every other file. */
	snprintf(path, sizeof(path), "%s/MANIFEST.sha256", bd.top);
	if (!(rc = tar_add_file(&bd.tar, path, bd.manifest.buf, bd.manifest.len, bd.mtime)))
		rc = tar_finish(&bd.tar);
	if (!rc && !(*data = strbuf_detach(&bd.tar, len)))
		rc = -ENOMEM;
	if (rc == -ENOMEM)
		snprintf(err, errsize, "out of memory");
done:
	side_clear(&sa);
	side_clear(&sb);
	run_catalog_clear(&cat);
	strbuf_release(&bd.tar);
	strbuf_release(&bd.manifest);
	return rc;
}
