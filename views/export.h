/* Exports: a run's numbers, or a comparison's verdicts, in the formats other
 * tools read, so a CI job can hand benchfs's results to a dashboard or a
 * test report without a converter of its own. Pure renderings over the store
 * and the views; no FUSE, no command line.
 *
 * One run (REV: a revision, a run id, a baseline or `latest`, as the computed
 * views take them; a commit means its newest finished run, as commits/<sha>
 * does), rendered from the run's result.json:
 *   bmf    Bencher Metric Format JSON: {"<bench>": {"latency": {"value",
 *          "lower_value", "upper_value"}}} in nanoseconds (mean, mean -
 *          stddev, mean + stddev, as Bencher reads hyperfine's JSON),
 *          {"instructions": {"value"}} when counted, and a measure named
 *          after each other metric (cpu, memory, throughput, ...) in its
 *          own unit, the same three values
 *   gab    github-action-benchmark's customSmallerIsBetter JSON: [{"name",
 *          "unit": "ns", "value" (the mean), "range": "± <stddev>", "extra"}],
 *          "<bench> (instructions)" entries when counted, and "<bench>
 *          (<metric>)" entries of each metric where lower is better, in
 *          its unit
 *   gab-bigger  the same for customBiggerIsBetter: "<bench> (<metric>)"
 *          entries of each metric where higher is better (a throughput);
 *          the action takes one direction per file
 *   csv    hyperfine's --export-csv
 *   md     hyperfine's --export-markdown
 * A comparison (A..B), rendered from compare/<A>..<B>.json's verdicts:
 *   junit  JUnit XML: one <testcase> per benchmark; "slower" (wall time or
 *          instruction count) is a <failure> of type "slower", a declared
 *          metric "worse" (store_metric_gates) one of type "worse", a service
 *          level of the configuration breached at B (views/slo.h) one of
 *          type "slo" (named in the message of a "slower" one when both),
 *          "undecided" and a benchmark of one side only are <skipped>
 * The same store gives the same bytes (the timestamp of a JUnit report is
 * the finish of B's newest run, not the time of rendering). */
#ifndef BENCHFS_VIEWS_EXPORT_H
#define BENCHFS_VIEWS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "views/context.h"

enum export_format { EXPORT_BMF, EXPORT_GAB, EXPORT_JUNIT, EXPORT_CSV, EXPORT_MD, EXPORT_GAB_BIGGER };

/* The format named "bmf", "gab", "gab-bigger", "junit", "csv" or "md": 0,
 * or -EINVAL. */
int export_format_parse(enum export_format *out, const char *name);
const char *export_format_name(enum export_format format);
/* Whether the format describes a comparison A..B (else one run). */
bool export_format_compares(enum export_format format);

/* The name of a computed file of exports: "<what>.bmf.json",
 * "<what>.gab.json", "<what>.gab-bigger.json", "<what>.junit.xml",
 * "<what>.csv" or "<what>.md" (what:
 * REV, or A..B for junit). 0 with *what malloc'd, or -ENOENT when name is
 * none of these. */
int export_parse_name(char **what, enum export_format *format, const char *name);
/* The extension of a format's file: ".bmf.json", ... */
const char *export_format_extension(enum export_format format);

/* The files of the mount's export/ as `ls` lists them: "latest.<ext>" for
 * each format of one run (once a run is done), then "<a>..<b>.junit.xml" for
 * each pair compare/ lists. A finite list, so find and tar end; any other
 * name export_parse_name takes works when looked up. 0 with *names a
 * malloc'd array of *n malloc'd strings (free with listing_free), or a
 * negative errno. */
int export_listing(char ***names, size_t *n, const struct view_ctx *ctx);

/* Render what (REV, or A..B for a format that compares) in format: *text
 * malloc'd and NUL-terminated, *len its length. 0; -ENOENT when a name
 * resolves to nothing or to no finished run (on this host, for a
 * comparison); -EINVAL when what is A..B for a format of one run or the
 * reverse; -EIO when the store or a run's result.json cannot be read;
 * -ENOMEM. On failure err holds one line saying why. */
int export_render(char **text, size_t *len, const struct view_ctx *ctx, const char *what,
		  enum export_format format, char *err, size_t errsize);

#endif
