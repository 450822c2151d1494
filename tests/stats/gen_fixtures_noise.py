#!/usr/bin/python3
"""Generate tests/stats/fixtures_noise.h: reference values for stats/noise.c.

An independent NumPy/SciPy implementation of noise.h's definitions:
  stats_run_noise:    d = diff(log values); a = sorted |d - median d|; m = len(d);
                      sigma = max over k in [m // 2, m - 2] (k = m // 2 when m <= 3) of
                      a[k] / norm.ppf(1/2 + (k + 1) / (m + 1) / 2), over sqrt(2); df = m - 1;
                      threshold = Q3 + 1.5 (Q3 - Q1) of |exp(d) - 1| (numpy's linear percentiles)
  stats_runs_compare: s^2 = (df_h sigma_h^2 + SS_a + SS_b) / (df_h + ra - 1 + rb - 1), history
                      terms only when it has >= 10 differences; t = (mean b - mean a) / se,
                      se = s sqrt(1/ra + 1/rb); p = 2 t.sf(|t|, df); interval scipy.stats.t.interval
                      (its quantile polished, see compare()).
Every double is written as a hex float literal. CI uses the committed header; to regenerate:
  /usr/bin/python3 tests/stats/gen_fixtures_noise.py > tests/stats/fixtures_noise.h
With --calibrate it instead prints the simulation behind noise.h's figures: the false-alarm
rate at alpha 1% and the power of a one-run-a-side comparison, with this sigma (tail) and with
the MAD's (1.4826 MAD / sqrt 2, df 0.303 m, the model before), for histories of m differences
of normal runs and of runs of which 10% are hit by interference.
"""
import math
import sys

import numpy as np
import scipy
from scipy import stats

DF_PER_DIFF = 0.3030334882247677  # the MAD model's df per difference (before), for --calibrate
MIN_DIFFS = 10


def hx(v):
    v = float(v)
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return v.hex()


def kept_diffs(x):
    """The differences that are not steps (noise.h): beyond 3 MAD-sds of the median
    difference with the medians of the 5 runs before and after differing by half of it
    or more, the same way; all of them when fewer than 2 would be left."""
    x = np.asarray(x, dtype=float)
    d = np.diff(x)
    med = np.median(d)
    scale = 1.4826 * np.median(np.abs(d - med))
    w = 5
    keep = []
    for i, di in enumerate(d):
        step = False
        if abs(di - med) > 3.0 * scale and i + 1 >= w and i + 1 + w <= len(x):
            change = np.median(x[i + 1:i + 1 + w]) - np.median(x[i + 1 - w:i + 1])
            step = abs(change) >= abs(di) / 2.0 and change * di > 0.0
        if not step:
            keep.append(di)
    return (np.asarray(keep) if len(keep) >= 2 else d), med


def tail_sd(x):
    """sd of a difference matched to the tail of the kept differences' deviations."""
    kept, med = kept_diffs(x)
    a = np.sort(np.abs(kept - med))
    m = len(a)
    k = np.arange(m // 2, m)
    return float(np.max(a[k] / stats.norm.ppf(0.5 + 0.5 * (k + 1) / (m + 1)))), m


def noise(x):
    d = np.diff(np.asarray(x, dtype=float))
    r = np.abs(np.expm1(d))
    q1, q3 = np.percentile(r, [25, 75])
    sd, kept = tail_sd(x)
    return dict(n_diffs=len(d), n_steps=len(d) - kept, sigma=sd / math.sqrt(2.0),
                df=kept - 1.0, threshold=q3 + 1.5 * (q3 - q1), known=len(d) >= MIN_DIFFS)


def t_interval(est, se, df, conf):
    """scipy.stats.t.interval, with its quantile (cdflib's stdtrit, good to only ~2e-9
    relative: for df = 3 the closed-form tail puts it 2.4e-11 off 0.005) polished by one
    Newton step on scipy's exact tail t.sf."""
    tail = (1.0 - conf) / 2.0
    lo, hi = stats.t.interval(conf, df, loc=est, scale=se)
    q = (hi - lo) / 2.0 / se
    q += (stats.t.sf(q, df) - tail) / stats.t.pdf(q, df)
    return est - q * se, est + q * se


def c_array(w, name, x):
    """A C array of doubles as hex float literals, four a line, through w."""
    w("static const double %s[] = {" % name)
    vals = [hx(v) for v in x]
    for i in range(0, len(vals), 4):
        w("\t" + ", ".join(vals[i:i + 4]) + ",")
    w("};")


def compare(a, b, nz, conf):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    ss = float(np.sum((a - a.mean()) ** 2) + np.sum((b - b.mean()) ** 2))
    df = (len(a) - 1) + (len(b) - 1)
    hist = nz is not None and nz["known"]
    if hist:
        ss += nz["df"] * nz["sigma"] ** 2
        df += nz["df"]
    assert df > 0
    s = math.sqrt(ss / df)
    est = b.mean() - a.mean()
    se = s * math.sqrt(1.0 / len(a) + 1.0 / len(b))
    t = est / se
    p = 2.0 * stats.t.sf(abs(t), df)
    lo, hi = t_interval(est, se, df, conf)
    return dict(estimate=est, se=se, df=df, t=t, p=p, lo=lo, hi=hi, sigma=s, hist=hist,
                rep=(len(a) - 1) + (len(b) - 1) > 0)


def calibrate():
    rng = np.random.default_rng(1)
    alpha = 0.01
    print("one run a side against a history of m + 1 runs: alarm rate at alpha 1%, tail / MAD")
    print("history      m    A/A              +4 sd            +6 sd            +8 sd")
    laws = {
        "normal": lambda t, n: rng.standard_normal((t, n)),
        "10% hit": lambda t, n: rng.standard_normal((t, n)) + 5.0 * (rng.random((t, n)) < 0.1),
        "2 steps": lambda t, n: rng.standard_normal((t, n)) + 6.0 * (
            (np.arange(n) > n // 3) & (np.arange(n) <= 2 * n // 3)),
    }
    for law, gen in laws.items():
        for m in [10, 20, 40, 100]:
            trials = 4000
            hist = gen(trials, m + 1)
            if law == "2 steps":  # the runs compared are at the history's last level
                side = rng.standard_normal((trials, 2))
            elif law == "10% hit":
                side = rng.standard_normal((trials, 2)) + 5.0 * (rng.random((trials, 2)) < 0.1)
            else:
                side = rng.standard_normal((trials, 2))
            tail = np.array([tail_sd(row)[0] for row in hist])
            dfs = np.array([tail_sd(row)[1] - 1 for row in hist])
            d = np.diff(hist, axis=1)
            mad = 1.4826 * np.median(np.abs(d - np.median(d, axis=1, keepdims=True)), axis=1)
            cells = []
            for shift in [0.0, 4.0, 6.0, 8.0]:
                est = side[:, 1] + shift - side[:, 0]
                a_tail = np.mean(2 * stats.t.sf(np.abs(est) / tail, dfs) <= alpha)
                a_mad = np.mean(2 * stats.t.sf(np.abs(est) / mad, DF_PER_DIFF * m) <= alpha)
                cells.append("%.4f / %.4f" % (a_tail, a_mad))
            print("%-10s %3d    %s" % (law, m, "  ".join(cells)))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--calibrate":
        calibrate()
        return

    rng = np.random.default_rng(20240611)

    # ---- histories: log means of runs in the order they ran ----------------------
    hists = []


    def hist(name, x):
        hists.append((name, np.asarray(x, dtype=float)))


    hist("two", [0.0, 0.05])
    hist("three", [1.0, 1.1, 0.95])
    hist("eleven", rng.normal(2.0, 0.05, 11))             # 10 differences: just known
    hist("twelve", rng.normal(2.0, 0.05, 12))             # odd number of differences
    x = rng.normal(-3.0, 0.04, 60)
    x[25:] += 0.2                                          # a real step
    x[[7, 40]] += [0.5, -0.3]                              # two outlying runs
    hist("step_outliers", x)
    hist("drift", np.linspace(0.0, 0.5, 40) + rng.normal(0.0, 0.02, 40))
    hist("long", rng.normal(5.0, 0.08, 201))
    hist("ties", [1.0, 1.0, 1.0, 1.0, 1.25, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    hist("heavy", rng.standard_t(2, 80) * 0.03)
    x = rng.normal(1.0, 0.02, 50)
    x[rng.random(50) < 0.15] += 0.4                        # runs in another state of the load
    hist("mixture", x)

    # ---- comparisons: (a, b, history index or None, confidence) ------------------
    cmps = [
        ("hist_only", [0.0], [0.07], 4, 0.99),
        ("hist_only_95", [0.0], [0.07], 6, 0.95),
        ("rep_only", [0.0, 0.03, -0.02], [0.1, 0.12], None, 0.99),
        ("rep_unknown_hist", [0.0, 0.03, -0.02], [0.1, 0.12], 1, 0.99),  # 2 diffs: not known
        ("both", [1.0, 1.04, 0.98], [1.1, 1.07, 1.13, 1.09], 6, 0.99),
        ("both_1_vs_3", [1.0], [1.1, 1.07, 1.13], 2, 0.9),
        ("hist_long_far", [0.0, 0.01], [0.9], 6, 0.999),
        ("hist_step", [-3.0], [-2.95], 4, 0.99),
        ("neg", [0.5, 0.52], [0.3, 0.33], 8, 0.99),
        ("equal", [0.2, 0.25], [0.25, 0.2], 3, 0.99),
    ]

    out = []
    w = out.append
    w("/* Generated by tests/stats/gen_fixtures_noise.py with SciPy %s, NumPy %s. Do not edit. */"
      % (scipy.__version__, np.__version__))
    w("#ifndef BENCHFS_STATS_FIXTURES_NOISE_H")
    w("#define BENCHFS_STATS_FIXTURES_NOISE_H")
    w("#include <math.h>")
    w("#include <stdbool.h>")
    w("#include <stddef.h>")
    w("")
    for i, (name, x) in enumerate(hists):
        c_array(w, "fxn_h%d" % i, x)
    w("")
    w("struct fxn_noise {")
    w("\tconst char *name;")
    w("\tconst double *x;")
    w("\tsize_t n;")
    w("\tsize_t n_diffs, n_steps;")
    w("\tdouble sigma, df, threshold;")
    w("\tbool known;")
    w("};")
    w("static const struct fxn_noise fxn_noise[] = {")
    nzs = []
    for i, (name, x) in enumerate(hists):
        nz = noise(x)
        nzs.append(nz)
        w("\t{\"%s\", fxn_h%d, %d, %d, %d, %s, %s, %s, %s}," % (
            name, i, len(x), nz["n_diffs"], nz["n_steps"], hx(nz["sigma"]), hx(nz["df"]), hx(nz["threshold"]),
            "true" if nz["known"] else "false"))
    w("};")
    w("")
    for i, (name, a, b, h, conf) in enumerate(cmps):
        c_array(w, "fxn_ca%d" % i, a)
        c_array(w, "fxn_cb%d" % i, b)
    w("")
    w("struct fxn_cmp {")
    w("\tconst char *name;")
    w("\tconst double *a, *b;")
    w("\tsize_t ra, rb;")
    w("\tint hist; /* index into fxn_noise, -1 for none */")
    w("\tdouble confidence;")
    w("\tdouble estimate, se, df, t, p, lo, hi, sigma;")
    w("\tbool from_history, from_replicates;")
    w("};")
    w("static const struct fxn_cmp fxn_cmp[] = {")
    for i, (name, a, b, h, conf) in enumerate(cmps):
        c = compare(a, b, nzs[h] if h is not None else None, conf)
        w("\t{\"%s\", fxn_ca%d, fxn_cb%d, %d, %d, %d, %s," % (
            name, i, i, len(a), len(b), -1 if h is None else h, hx(conf)))
        w("\t " + ", ".join(hx(c[k]) for k in ["estimate", "se", "df", "t", "p", "lo", "hi", "sigma"])
          + ", %s, %s}," % ("true" if c["hist"] else "false", "true" if c["rep"] else "false"))
    w("};")
    w("")
    w("#endif")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
