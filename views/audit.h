/* Audit bundles: audit/<a>..<b>.tar, everything behind one comparison in
 * one standard tar file, for a reviewer who has no access to the store:
 *
 *   benchfs-audit-<a's commit, 12 digits>..<b's commit, 12 digits>/
 *     audit.json       the sides: each name as written, its commit, its runs
 *     compare.md       compare/<a>..<b>.md, byte for byte
 *     compare.json     compare/<a>..<b>.json, byte for byte
 *     baselines/<name>, baselines/.history/<name>
 *                      each baseline pinned when it was rendered, as the
 *                      mount's baselines/ shows it: its commit and newest
 *                      run, and every pin's provenance
 *     a/samples.csv    every measured iteration of the side's runs the
 *                      comparison uses, as the store keeps it (one row each:
 *                      run, benchmark, iteration, wall_ns, user_ns, sys_ns,
 *                      maxrss_bytes, exit_code, term_signal)
 *     a/slo            the service levels judged at the side, as the file
 *                      slo writes them ("" when none is configured)
 *     a/runs/<id>/config.json, system.json, result.json
 *                      the files of runs/<id>/ for each of those runs
 *     b/...            the same for b
 *     MANIFEST.sha256  the SHA-256 of every other file, as sha256sum writes
 *                      it: `cd <dir> && sha256sum -c MANIFEST.sha256`
 *
 * The same store gives the same bytes: a run's files carry its finish time,
 * the others the newest finish of the runs used; owner root, modes 0644 and
 * 0755. */
#ifndef BENCHFS_VIEWS_AUDIT_H
#define BENCHFS_VIEWS_AUDIT_H

#include <stddef.h>

#include "views/context.h"
#include "views/sides.h"

/* Split "<a>..<b>.tar" (or "<a>...<b>.tar") as compare/<a>..<b>.md is
 * split (views/compare.h): 0 with *a and *b malloc'd, -ENOENT when name is
 * not of that shape, -ENOMEM. */
int audit_parse_name(char **a, char **b, const char *name);

/* The entries of audit/: "<a>..<b>.tar" for each pair compare/ lists. 0
 * with *names a malloc'd array of *n malloc'd strings (listing_free), or a
 * negative errno. */
int audit_listing(char ***names, size_t *n, const struct view_ctx *ctx);

/* The bundle of two resolved names (as written: a_rev, b_rev, as
 * compare_render takes them): *data malloc'd, *len its size. 0; -ENOENT
 * when a side has no finished run on this host; -EIO when the store or a
 * run's files cannot be read; -ENOMEM. On failure err holds one line
 * saying why. */
int audit_render(char **data, size_t *len, const struct view_ctx *ctx, const char *a_rev,
		 const struct side_ref *a, const char *b_rev, const struct side_ref *b, char *err,
		 size_t errsize);

#endif
