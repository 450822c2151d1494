#!/bin/bash
# Can the verdicts on metrics other than wall time be trusted on a noisy
# machine? A/A comparisons on the real system, under interference we control
# (bench/interfere), counted per metric against wall time's in the same runs.
# See bench/README.md ("metric_verdicts.sh").
#
#   bash bench/metric_verdicts.sh OUT_DIR [BUILD_DIR]      (default BUILD_DIR: build)
#
# A repository whose benchmark is a small C program (a deterministic xorshift
# loop over a buffer it allocates), with two commits of identical code (a
# comment differs): base and same. Its configuration declares "bytes", so every
# iteration has the derived metric throughput (MiB/s, higher is better) beside
# the built-in cpu (user + system) and memory (peak RSS). While bench/interfere
# starts and stops CPU and cache hogs (SEED, HOGS), TRIALS trials each run:
# - an interleaved A/B job base..same (compare/run-<a>..run-<b>.json, paired,
#   pairs added on wall time's looks up to MAX_PAIRS);
# - two separate runs, base then same, compared run against run (the host's
#   run-to-run noise is learnt from the runs before: the first ones are
#   undecided);
# then a flat history of FLAT_COMMITS identical commits, one run each, whose
# regressions file (the history's own steps: "confirm": false) must stay empty.
# Every verdict that is not unchanged or undecided is a false alarm, since the
# code is the same; the report gives each metric's count with a 95%
# Clopper-Pearson interval. OUT_DIR keeps verdicts.csv (trial, mode, metric,
# verdict), regressions.txt, interference.log, daemon.log and report.txt.
#
# Environment: TRIALS=25, MAX_PAIRS=80, FLAT_COMMITS=14, SEED=1, HOGS=2.
set -eu
out=${1:?usage: bench/metric_verdicts.sh OUT_DIR [BUILD_DIR]}
build=$(cd "${2:-build}" && pwd)
BENCH_NAME=metric_verdicts
. "$(dirname "$0")/lib.sh"
TRIALS=${TRIALS:-25} MAX_PAIRS=${MAX_PAIRS:-80} FLAT_COMMITS=${FLAT_COMMITS:-14}
SEED=${SEED:-1} HOGS=${HOGS:-2}
benchfs=$build/benchfs
bench_need "$benchfs" "$build/benchfs-spawner" "$build/bench/interfere"
bench_scipy
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/benchfs-metric-verdicts.XXXXXX)
repo=$work/repo data=$work/data mnt=$work/mnt pid= gen=
cleanup() {
	[ -n "$gen" ] && kill "$gen" 2>/dev/null && wait "$gen" 2>/dev/null
	unmount_quietly
	cp "$work/daemon.log" "$out/" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# ---- the repository ----
bench_xorshift_repo "$repo"
cat > "$work/benchfs.json" <<EOF
{
  "build": "cc -O2 -o prog prog.c",
  "warmup": 1, "runs": 10, "timeout": 60,
  "compare": {"max_pairs": $MAX_PAIRS, "confirm": false},
  "benchmarks": [{"name": "work", "command": ["./prog"], "bytes": 16777216}]
}
EOF
commit() { # MESSAGE
	git -C "$repo" add -A
	git -C "$repo" commit -q -m "$1"
	git -C "$repo" rev-parse HEAD
}
base=$(commit base)
printf '/* the same code */\n' >> "$repo/prog.c"
same=$(commit same)

# ---- runs ----
newest_runs() { # N: the newest N run directories
	ls "$mnt/runs" | tail -n "$1"
}
wait_done() { # RUN...
	for r in "$@"; do
		until grep -Eq '^(done|failed)' "$mnt/runs/$r/status" 2>/dev/null; do
			sleep 0.5
		done
	done
}
# record TRIAL MODE FILE: a row per metric of compare's JSON
record() {
	python3 - "$1" "$2" "$3" >> "$out/verdicts.csv" <<'EOF'
import json, sys
trial, mode, path = sys.argv[1:]
d = json.load(open(path))
for b in d["benchmarks"]:
    print(f"{trial},{mode},wall,{b.get('verdict') or 'none'}")
    for name, m in sorted((b.get("metrics") or {}).items()):
        print(f"{trial},{mode},{name},{m.get('verdict') or 'none'}")
EOF
}

mount_fs
"$build/bench/interfere" -s "$SEED" -n "$HOGS" -d 14400 -l "$out/interference.log" &
gen=$!
echo "trial,mode,metric,verdict" > "$out/verdicts.csv"
t0=$(now_ms)
for t in $(seq 1 "$TRIALS"); do
	echo "$base..$same" > "$mnt/queue"
	set -- $(newest_runs 2)
	wait_done "$1" "$2"
	cat "$mnt/compare/run-$1..run-$2.json" > "$work/ab.json" && record "$t" ab "$work/ab.json"
	echo "$base" > "$mnt/queue"
	a=$(newest_runs 1)
	wait_done "$a"
	echo "$same" > "$mnt/queue"
	b=$(newest_runs 1)
	wait_done "$b"
	cat "$mnt/compare/run-$a..run-$b.json" > "$work/runs.json" && record "$t" runs "$work/runs.json"
	echo "trial $t done ($((($(now_ms) - t0) / 1000)) s)"
done

# ---- a flat history: its regressions must stay empty ----
for i in $(seq 1 "$FLAT_COMMITS"); do
	printf '/* flat %d */\n' "$i" >> "$repo/prog.c"
	c=$(commit "flat $i")
	echo "$c" > "$mnt/queue"
	wait_done "$(newest_runs 1)"
done
sleep 5 # the keeper's pass after the last run
cat "$mnt/regressions" > "$out/regressions.txt"
kill "$gen" 2>/dev/null; wait "$gen" 2>/dev/null || true; gen=
unmount_fs

"$bench_py" - "$out/verdicts.csv" "$out/regressions.txt" "$FLAT_COMMITS" > "$out/report.txt" <<'EOF'
import csv, sys
from scipy.stats import beta
rows = list(csv.DictReader(open(sys.argv[1])))
def cp(k, n):
    lo = beta.ppf(0.025, k, n - k + 1) if k else 0.0
    hi = beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return lo, hi
print("A/A comparisons of identical code under interference; false alarm = any verdict but")
print("unchanged or undecided (95% Clopper-Pearson interval)")
print(f"{'mode':6} {'metric':11} {'n':>3} {'unchanged':>9} {'undecided':>9} {'alarms':>6}  interval")
for mode in ("ab", "runs"):
    for metric in ("wall", "cpu", "memory", "throughput"):
        v = [r["verdict"] for r in rows if r["mode"] == mode and r["metric"] == metric]
        if not v:
            continue
        alarms = sum(x not in ("unchanged", "undecided", "none") for x in v)
        lo, hi = cp(alarms, len(v))
        print(f"{mode:6} {metric:11} {len(v):3d} {v.count('unchanged'):9d} "
              f"{v.count('undecided') + v.count('none'):9d} {alarms:6d}  [{lo:.3f}, {hi:.3f}]")
lines = [l for l in open(sys.argv[2]) if l.strip()]
print(f"regressions over a flat history of {sys.argv[3]} commits: {len(lines)} line(s)")
for l in lines:
    print("  " + l.split("\t")[1] + "\t" + l.split("\t")[4])
EOF
cat "$out/report.txt"
