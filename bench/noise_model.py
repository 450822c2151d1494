#!/usr/bin/python3
"""Replay a store's separate runs of identical code through the run-to-run noise models.

    /usr/bin/python3 bench/noise_model.py BENCHFS_DB

Every finished run that is not an A/B side gives, per benchmark, its log mean wall time, its
log mean cpu time (user + system) and, for a benchmark named "work", the log of its mean
throughput (16 MiB per iteration). For each series, every run k is compared with the run
`gap` before it (gap 1, 2, 3), against a history of the `hist` runs before that (12, 25, 50
or 99), as the separate-runs compare does: p at alpha 1%, the interval beyond 0 and the
change beyond the fence threshold. The code is the same everywhere, so every verdict is a
false alarm. Two models of the noise: the MAD of the consecutive differences (1.4826 MAD,
0.303 df per difference: the model before) and the sd matched to their tail with real steps
left out (stats/noise.h; the definition is tests/stats/gen_fixtures_noise.py's). Read-only.
"""
import json
import math
import os
import sqlite3
import sys

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "stats"))
from gen_fixtures_noise import DF_PER_DIFF, tail_sd  # noqa: E402

ALPHA = 0.01


def series(db_path):
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    rows = db.execute(
        "SELECT s.run_id, b.name, s.wall_ns, s.user_ns + s.sys_ns FROM samples s"
        " JOIN benchmarks b ON b.id = s.bench_id JOIN runs r ON r.id = s.run_id"
        " WHERE r.state = 'done' AND r.pair_id = 0 ORDER BY s.run_id, s.iteration")
    runs = {}
    for rid, bench, wall, cpu in rows:
        runs.setdefault(bench, {}).setdefault(rid, []).append((wall, cpu))
    out = {}
    for bench, rr in sorted(runs.items()):
        ids = sorted(rr)
        out[bench + " wall"] = [math.log(np.mean([w for w, c in rr[i]])) for i in ids]
        out[bench + " cpu"] = [math.log(np.mean([c for w, c in rr[i]])) for i in ids]
        if bench == "work":
            out[bench + " throughput"] = [math.log(np.mean([16e9 / w for w, c in rr[i]])) for i in ids]
    return out


def alarm(est, sd, df, fence):
    p = 2 * stats.t.sf(abs(est) / sd, df) if sd > 0 else float(est == 0)
    half = stats.t.ppf(1 - ALPHA / 2, df) * sd
    return p <= ALPHA and abs(est) > half and abs(math.expm1(est)) > fence


def replay(x, hist):
    n = alarms_mad = alarms_tail = 0
    for gap in (1, 2, 3):
        for k in range(hist + gap, len(x)):
            h = np.asarray(x[k - gap - hist:k - gap])
            d = np.diff(h)
            r = np.abs(np.expm1(d))
            q1, q3 = np.percentile(r, [25, 75])
            fence = q3 + 1.5 * (q3 - q1)
            est = x[k] - x[k - gap]
            mad = 1.4826 * np.median(np.abs(d - np.median(d)))
            sd, kept = tail_sd(h)
            n += 1
            alarms_mad += alarm(est, mad, DF_PER_DIFF * len(d), fence)
            alarms_tail += alarm(est, sd, kept - 1, fence)
    return n, alarms_mad, alarms_tail


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: noise_model.py BENCHFS_DB")
    s = series(sys.argv[1])
    print("series             runs history  comparisons  false alarms: MAD model  tail model")
    for name, x in s.items():
        for hist in (12, 25, 50, 99):
            if len(x) < hist + 4:
                continue
            n, a_mad, a_tail = replay(x, hist)
            print("%-18s %4d %7d  %11d  %10d (%4.1f%%)  %4d (%4.1f%%)" % (
                name, len(x), hist, n, a_mad, 100.0 * a_mad / n, a_tail, 100.0 * a_tail / n))


if __name__ == "__main__":
    main()
