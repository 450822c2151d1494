#!/usr/bin/env python3
"""Run-to-run noise of a benchfs store, by the statistic that summarises a run.

    python3 bench/run_noise.py DATA_DIR/benchfs.db [STEP_AT ...]

For every benchmark, each finished run is summarised by its minimum, first
quartile, median and mean iteration time; the host's run-to-run noise is then
estimated as benchfs's views do (stats/noise.h: 1.4826 MAD of the consecutive
runs' log differences / sqrt(2)). With STEP_AT (1-based run positions where a
planted step starts, as in bench/verdicts.sh's steps history), it also prints
the change of the medians of the segments around each step, so the step can be
set against the noise. Read-only; it opens the store with SQLite's query-only
pragma and can run beside a mounted benchfs.
"""
import math
import sqlite3
import statistics
import sys

STATS = ("min", "q25", "median", "mean")


def summary(values, stat):
    v = sorted(values)
    if stat == "min":
        return v[0]
    if stat == "q25":
        return v[len(v) // 4]
    if stat == "median":
        return statistics.median(v)
    return statistics.fmean(v)


def sigma_run(logs):
    d = [b - a for a, b in zip(logs, logs[1:])]
    if len(d) < 2:
        return float("nan")
    med = statistics.median(d)
    return 1.4826 * statistics.median(abs(x - med) for x in d) / math.sqrt(2)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: run_noise.py BENCHFS_DB [STEP_AT ...]")
    steps = [int(x) for x in sys.argv[2:]]
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    db.execute("PRAGMA query_only = 1")
    rows = db.execute(
        "SELECT i.run_id, i.benchmark, i.wall_ns FROM iterations i"
        " JOIN runs r ON r.id = i.run_id WHERE r.state = 'done' AND r.pair_id = 0"
        " ORDER BY i.run_id, i.benchmark, i.iteration")
    runs = {}
    for run_id, bench, wall in rows:
        runs.setdefault(bench, {}).setdefault(run_id, []).append(wall)
    print("benchmark  runs  " + "  ".join("%-22s" % s for s in STATS))
    for bench in sorted(runs):
        ids = sorted(runs[bench])
        cells = []
        for stat in STATS:
            logs = [math.log(summary(runs[bench][r], stat)) for r in ids]
            cell = "sd %.3f" % sigma_run(logs)
            bounds = [0] + [s - 1 for s in steps] + [len(logs)]
            for k in range(1, len(bounds) - 1):
                before = logs[bounds[k - 1]:bounds[k]]
                after = logs[bounds[k]:bounds[k + 1]]
                if before and after:
                    cell += " %+.0f%%" % (100 * math.expm1(statistics.median(after) -
                                                          statistics.median(before)))
            cells.append("%-22s" % cell)
        print("%-10s %4d  %s" % (bench, len(ids), "  ".join(cells)))


if __name__ == "__main__":
    main()
