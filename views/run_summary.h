/* runs/<id>/summary: a finished run's numbers as hyperfine prints them, so
 * they are where people look whatever the run's "output" setting was.
 *
 * A pure function of the run's result.json (hyperfine's export format): no
 * FUSE, no store. One block per entry of "results", blocks separated by an
 * empty line:
 *
 *   <name>
 *     Time (mean ± σ):     60.1 ms ±   0.6 ms    [User: 3.3 ms, System: 3.9 ms]
 *     Range (min … max):   59.5 ms …  60.7 ms    3 runs
 *
 * and for one run
 *
 *   <name>
 *     Time (abs ≡):        60.1 ms               [User: 3.3 ms, System: 3.9 ms]
 *
 * <name> is the entry's "name" (benchfs's), else its "command", control
 * characters shown as spaces. The runs are the length of "times". Every
 * figure is in the mean's unit, chosen and printed as hyperfine does: µs
 * under 1 ms ("%.1f µs"), ms under 1 s ("%.1f ms"), else "%.3f s"; the
 * columns are right-aligned to 8 characters (not bytes: µ is two). The same
 * input gives the same bytes (the daemon runs in the C locale). */
#ifndef BENCHFS_VIEWS_RUN_SUMMARY_H
#define BENCHFS_VIEWS_RUN_SUMMARY_H

/* The summary of result_json, malloc'd, in *out. 0; -ENOMEM; -EINVAL when
 * result_json is not a result (no "results" array, an entry without its
 * figures). */
int run_summary_text(char **out, const char *result_json);

#endif
