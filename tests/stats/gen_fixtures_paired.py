#!/usr/bin/python3
"""Generate tests/stats/fixtures_paired.h: reference values for stats/paired.c
and stats/multiple.c.

- Wilcoxon signed-rank and the paired t come from SciPy 1.10 (Debian's
  python3-scipy): scipy.stats.wilcoxon with zero_method="wilcox",
  correction=False, and scipy.stats.ttest_rel.
- The Hodges-Lehmann estimate and interval come from a brute force written
  here, independent of the C code: every Walsh average enumerated and fully
  sorted; the signed-rank null distribution as exact integer counts (Python
  integers, one rank at a time, cross-checked against enumerating all 2^n
  sign patterns for n <= 14), the critical value compared as an exact
  fraction.
- Benjamini-Hochberg comes from a NumPy implementation of the textbook
  step-up rule (SciPy 1.10 predates scipy.stats.false_discovery_control).

Method: stats_wilcoxon_test is exact when there are no zeros, no ties among
|d| and n <= 50, else the normal approximation with scipy's tie term. That is
SciPy 1.10's method="auto" except with ties: 1.10 then still uses the exact
distribution of untied ranks with the half-integer rank sum truncated, which
is not the distribution of the statistic (later SciPy switches to the
approximation as well). The reference is therefore SciPy with method="exact"
or method="approx" chosen by that rule; the generator asserts that auto
agrees wherever the rule and 1.10 coincide.

Every double is written as a hex float literal. CI uses the committed header;
run this only to regenerate it:
  /usr/bin/python3 tests/stats/gen_fixtures_paired.py > tests/stats/fixtures_paired.h
"""
import itertools
import math
import sys
import warnings
from fractions import Fraction

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20240610)
out = []


def w(s=""):
    out.append(s)


def hx(v):
    v = float(v)
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return v.hex()


def array(name, x, comment):
    w(f"static const double {name}[] = {{ /* {comment} */")
    x = list(x)
    for i in range(0, len(x), 4):
        w("\t" + " ".join(hx(v) + "," for v in x[i:i + 4]))
    w("};")


# ---- independent brute force: the signed-rank null distribution -------------


def signrank_counts(n):
    """counts[s] = number of subsets of {1..n} with sum s (exact integers)."""
    c = [1]
    for k in range(1, n + 1):
        nc = c + [0] * k
        for s in range(len(c)):
            nc[s + k] += c[s]
        c = nc
    return c


def signrank_counts_enum(n):
    m = n * (n + 1) // 2
    c = [0] * (m + 1)
    for signs in itertools.product((0, 1), repeat=n):
        c[sum(r for r, s in zip(range(1, n + 1), signs) if s)] += 1
    return c


for n in range(0, 15):
    assert signrank_counts(n) == signrank_counts_enum(n)


def hl_k_exact(n, conf):
    """largest k >= 1 with P(W+ <= k - 1) <= (1 - conf) / 2, and the coverage"""
    half = Fraction((1.0 - conf) / 2.0)  # the double the C code compares with
    c = signrank_counts(n)
    total = 2 ** n
    cum, k = 0, 0
    for j in range(len(c)):
        cum += c[j]
        if Fraction(cum, total) <= half:
            k = j + 1
        else:
            break
    k = max(k, 1)
    cov = 1 - 2 * Fraction(sum(c[:k]), total)
    return k, float(cov)


def hl_k_normal(n, conf):
    m = n * (n + 1) // 2
    z = stats.norm.ppf(1.0 - (1.0 - conf) / 2.0)
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    k = math.floor(m / 2.0 + 0.5 - z * sigma)
    return max(1, min(k, (m + 1) // 2))


def hodges_lehmann(d, conf):
    n = len(d)
    d = [float(v) for v in d]
    walsh = sorted((d[i] + d[j]) / 2.0 for i in range(n) for j in range(i, n))
    m = len(walsh)
    est = walsh[m // 2] if m % 2 else (walsh[m // 2 - 1] + walsh[m // 2]) / 2.0
    if n <= 50:
        k, cov = hl_k_exact(n, conf)
        exact = True
    else:
        k, cov, exact = hl_k_normal(n, conf), conf, False
    k = min(k, (m + 1) // 2)
    return est, walsh[k - 1], walsh[m - k], cov, k, exact


# ---- the cases --------------------------------------------------------------

cases = []  # dicts


def wilcoxon_ref(d):
    d = np.asarray(d, dtype=float)
    nz = d[d != 0]
    n_used = len(nz)
    absd = np.abs(nz)
    ties = len(np.unique(absd)) < len(absd)
    exact = n_used == len(d) and not ties and len(d) <= 50
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if n_used == 0:
            return dict(n_used=0, w_plus=0.0, w_minus=0.0, z=0.0, p=1.0, exact=False, ties=False)
        method = "exact" if exact else "approx"
        r = stats.wilcoxon(d, zero_method="wilcox", correction=False, method=method)
        g = stats.wilcoxon(d, zero_method="wilcox", correction=False, method=method,
                           alternative="greater")
        auto = stats.wilcoxon(d, zero_method="wilcox", correction=False)
    if not ties:  # 1.10's auto is the rule everywhere except with ties
        assert auto.pvalue == r.pvalue, (auto, r)
    w_plus = float(g.statistic)
    total = n_used * (n_used + 1) / 2.0
    z = 0.0
    if not exact:
        z = math.copysign(abs(r.zstatistic), w_plus - total / 2.0)
    return dict(n_used=n_used, w_plus=w_plus, w_minus=total - w_plus, z=z, p=float(r.pvalue),
                exact=exact, ties=ties)


def add(name, d=None, a=None, b=None, conf=0.99):
    if a is not None:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        d = np.log(b) - np.log(a)
    d = np.asarray(d, dtype=float)
    c = dict(name=name, d=d, a=a, b=b, conf=conf)
    c.update(wilcoxon_ref(d))
    if len(d) >= 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if a is not None:
                t = stats.ttest_rel(np.log(b), np.log(a))
            else:
                t = stats.ttest_rel(d, np.zeros_like(d))
        sd = float(np.std(d, ddof=1))
        tt, pt = float(t.statistic), float(t.pvalue)
        if sd == 0.0:  # scipy gives nan for 0/0; paired.h's convention
            mean = float(np.mean(d))
            tt = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
            pt = 1.0 if mean == 0.0 else 0.0
        c.update(has_t=True, mean=float(np.mean(d)), sd=sd, t=tt, df=len(d) - 1.0, pt=pt)
    else:
        c.update(has_t=False, mean=0.0, sd=0.0, t=0.0, df=0.0, pt=1.0)
    est, lo, hi, cov, k, exact = hodges_lehmann(d, conf)
    c.update(est=est, lo=lo, hi=hi, cov=cov, k=k, hl_exact=exact)
    if not exact:  # how far the normal critical value is from the exact one
        cnt = np.array([1.0])
        for r in range(1, len(d) + 1):
            nc = np.zeros(len(cnt) + r)
            nc[:len(cnt)] += cnt / 2
            nc[r:] += cnt / 2
            cnt = nc
        cdf = np.cumsum(cnt)
        c["k_exact"] = max(1, int(np.searchsorted(cdf, (1.0 - conf) / 2.0, side="right")))
    else:
        c["k_exact"] = k
    cases.append(c)


def normal(n, shift, sd):
    return rng.normal(shift, sd, n)


add("n1", [0.03])
add("n1_negative", [-0.5], conf=0.5)
add("n2", [0.01, -0.02])
add("n2_same_sign", [0.01, 0.02], conf=0.5)
add("n3", [0.3, -0.1, 0.2], conf=0.75)
add("n5", normal(5, 0.05, 0.05))
add("n5_c95", normal(5, 0.05, 0.05), conf=0.95)
add("n8", normal(8, 0.1, 0.05), conf=0.95)
add("n10", normal(10, 0.02, 0.05))
add("n10_all_positive", np.abs(normal(10, 0.1, 0.05)) + 0.001)
add("n15", normal(15, 0.0, 0.1), conf=0.9)
add("n20_all_positive", np.abs(normal(20, 0.1, 0.05)) + 0.001, conf=0.999)
add("n20", normal(20, 0.03, 0.05), conf=0.9996875)
add("n30", normal(30, -0.02, 0.05))
add("n40_null", normal(40, 0.0, 0.05), conf=0.95)
add("n50", normal(50, 0.01, 0.05))
add("n50_c9996875", normal(50, 0.01, 0.05), conf=0.9996875)
add("n51", normal(51, 0.01, 0.05))
add("n60", normal(60, 0.02, 0.08), conf=0.95)
add("n100", normal(100, 0.01, 0.05))
add("n200", normal(200, -0.01, 0.07), conf=0.999)
add("n320_t2", rng.standard_t(2, 320) * 0.03 + 0.02, conf=0.9995)
add("n400", normal(400, 0.0, 0.05))
add("n1000", normal(1000, 0.005, 0.05), conf=0.995)
# ties and zeros (values on a grid of 0.01)
add("ties_n20", np.round(normal(20, 0.02, 0.03), 2))
add("ties_n12_small", [0.01, 0.01, -0.01, 0.02, 0.02, 0.02, -0.03, 0.04, 0.05, 0.05, -0.05, 0.06],
    conf=0.9)
add("ties_n100", np.round(normal(100, 0.01, 0.03), 2), conf=0.95)
zeros15 = np.round(normal(15, 0.03, 0.05), 3)
zeros15[[2, 7, 11]] = 0.0
add("zeros_n15", zeros15)
zeros60 = np.round(normal(60, 0.0, 0.03), 2)
zeros60[[0, 5, 9, 33]] = 0.0
add("zeros_ties_n60", zeros60, conf=0.95)
add("one_nonzero", [0.0, 0.0, 0.04, 0.0], conf=0.5)
add("constant_positive", [0.05] * 10)
add("constant_negative", [-0.02] * 7, conf=0.9)
# times: d = log b - log a, as stats_paired_analyse forms it
for name, n, step, sd, conf in (("times_n10_step10", 10, 0.10, 0.05, 0.99),
                                ("times_n20_null", 20, 0.0, 0.08, 0.9996875),
                                ("times_n40_step5", 40, 0.05, 0.06, 0.9990625),
                                ("times_n80_step3", 80, 0.03, 0.05, 0.998125),
                                ("times_n320_step5", 320, 0.05, 0.08, 0.995)):
    base = rng.lognormal(math.log(0.004), 0.3, n)  # 4 ms, benchmark to benchmark
    a = base * np.exp(rng.normal(0.0, sd / math.sqrt(2), n))
    b = base * (1.0 + step) * np.exp(rng.normal(0.0, sd / math.sqrt(2), n))
    add(name, a=a, b=b, conf=conf)

# ---- Benjamini-Hochberg ---------------------------------------------------------


def bh(p):
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(adj[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    return res


bh_cases = [
    ("m1", [0.03]),
    ("m1_zero", [0.0]),
    ("m2", [0.04, 0.01]),
    ("m5", [0.01, 0.04, 0.03, 0.005, 0.9]),
    ("m6_ties", [0.02, 0.02, 0.02, 0.5, 0.5, 0.0]),
    ("m4_ones", [1.0, 1.0, 0.5, 1.0]),
    ("m20", list(np.concatenate([rng.uniform(0, 1, 16), rng.uniform(0, 1e-3, 4)]))),
    ("m300", list(np.concatenate([rng.uniform(0, 1, 290), 10.0 ** rng.uniform(-12, -3, 10)]))),
]

# ---- output ---------------------------------------------------------------------

w(f"/* Generated by tests/stats/gen_fixtures_paired.py with SciPy {scipy.__version__}, "
  f"NumPy {np.__version__}. Do not edit. */")
w("#ifndef BENCHFS_STATS_FIXTURES_PAIRED_H")
w("#define BENCHFS_STATS_FIXTURES_PAIRED_H")
w("#include <math.h>")
w("#include <stdbool.h>")
w("#include <stddef.h>")
w("")
for i, c in enumerate(cases):
    array(f"fxp_d{i}", c["d"], c["name"])
    if c["a"] is not None:
        array(f"fxp_a{i}", c["a"], c["name"] + " a")
        array(f"fxp_b{i}", c["b"], c["name"] + " b")
w("")
w("struct fxp_case {")
w("\tconst char *name;")
w("\tconst double *d, *a, *b; /* a, b: times (NULL for a case given as d) */")
w("\tsize_t n;")
w("\tdouble conf;")
w("\t/* scipy.stats.wilcoxon */")
w("\tsize_t n_used;")
w("\tdouble w_plus, w_minus, z, p;")
w("\tbool exact, ties;")
w("\t/* scipy.stats.ttest_rel (has_t: n >= 2) */")
w("\tbool has_t;")
w("\tdouble mean, sd, t, df, pt;")
w("\t/* Hodges-Lehmann by brute force; k_exact: the exact critical rank (equals k")
w("\t * for n <= 50; for larger n, how far the normal approximation lands) */")
w("\tdouble est, lo, hi, coverage;")
w("\tsize_t k, k_exact;")
w("\tbool hl_exact;")
w("};")
w("static const struct fxp_case fxp_cases[] = {")
for i, c in enumerate(cases):
    ab = (f"fxp_a{i}, fxp_b{i}" if c["a"] is not None else "NULL, NULL")
    w(f'\t{{"{c["name"]}", fxp_d{i}, {ab}, {len(c["d"])}, {hx(c["conf"])},')
    w(f'\t {c["n_used"]}, {hx(c["w_plus"])}, {hx(c["w_minus"])}, {hx(c["z"])}, {hx(c["p"])}, '
      f'{str(c["exact"]).lower()}, {str(c["ties"]).lower()},')
    w(f'\t {str(c["has_t"]).lower()}, {hx(c["mean"])}, {hx(c["sd"])}, {hx(c["t"])}, '
      f'{hx(c["df"])}, {hx(c["pt"])},')
    w(f'\t {hx(c["est"])}, {hx(c["lo"])}, {hx(c["hi"])}, {hx(c["cov"])}, {c["k"]}, '
      f'{c["k_exact"]}, {str(c["hl_exact"]).lower()}}},')
w("};")
w("")
for i, (name, p) in enumerate(bh_cases):
    array(f"fxp_bh_p{i}", p, name)
    array(f"fxp_bh_q{i}", bh(p), name + " adjusted")
w("struct fxp_bh { const char *name; const double *p, *q; size_t m; };")
w("static const struct fxp_bh fxp_bh_cases[] = {")
for i, (name, p) in enumerate(bh_cases):
    w(f'\t{{"{name}", fxp_bh_p{i}, fxp_bh_q{i}, {len(p)}}},')
w("};")
w("")
w("#define FXP_COUNT(a) (sizeof(a) / sizeof((a)[0]))")
w("#endif")
sys.stdout.write("\n".join(out) + "\n")
