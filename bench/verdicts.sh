#!/bin/bash
# Can benchfs's verdicts be trusted on a noisy machine? The real system, under
# interference we control, against the previous analysis measured in the same
# script. See bench/README.md ("verdicts.sh").
#
#   bash bench/verdicts.sh OUT_DIR [BUILD_DIR]      (default BUILD_DIR: build)
#   QUICK=1 bash bench/verdicts.sh OUT_DIR ...     a smoke test: a few minutes
#
# Default budget: about 30-35 minutes on the 2-core development VM: at most 24
# minutes of trials (TRIAL_MINUTES; most of it in the new binary's A/B jobs,
# which add pairs up to the cap, 40-80 s each at 320 pairs when the VM is
# loaded by others too), then about 5 minutes for the 380 runs of the two
# histories and a minute for building the old benchfs. Needs cc (with
# static glibc if available), git, fusermount3, python3 with scipy, and the
# build's benchfs, benchfs-spawner, bench/interfere and bench/spawn_loop.
#
# What it does:
# 1. builds the previous benchfs (OLD_REV, default d8d6d0b, the last commit
#    before the paired/adaptive analysis) from `git archive` into a temporary
#    directory ("old"; OLD_BUILD=DIR reuses a build of it), beside BUILD_DIR's
#    benchfs ("new");
# 2. makes a repository whose benchmark is a tiny C program running a
#    deterministic xorshift loop (about 3-5 ms): commits base, same (identical
#    code, a comment differs), slow5 and slow10 (planted +5% and +10% of the
#    whole run: the loop also makes up for the fixed cost of exec and exit,
#    calibrated with bench/spawn_loop before the interference starts); five
#    benchmarks of different work sizes (BENCH_UNITS), RUNS 10, WARMUP 1;
# 3. starts bench/interfere (CPU and cache hogs starting and stopping at
#    random moments, 1 or 2 at a time, seeded by SEED, its schedule logged to
#    OUT_DIR/interference.log), which runs until the end;
# 4. mounts both binaries on that repository (each with its own --data and
#    --config), and runs TRIALS trials; each trial runs, for one binary and
#    then the other (the first alternates), never both at once:
#    - A/B jobs base..same, base..slow5, base..slow10 (echo a..b > queue), read
#      from compare/run-<a>..run-<b>.json: new: paired, pairs added until
#      decided or MAX_PAIRS; old: its Welch verdict on the 10 + 10 iterations;
#    - separate runs: base, then X, compared run against run
#      (compare/run-<a>..run-<b>.json); the new binary's between-run noise
#      model learns from the history accumulating on this host, so its first
#      compares say undecided: counted as they come;
# 5. regressions: a flat history of FLAT_COMMITS commits (identical code,
#    comments differ), one run each, measured under interference by the old
#    binary; its data directory is copied and the new binary mounted on the
#    copy (the store migrates forward), so both read the same measurements.
#    The new daemon then settles what its history suspects with A/B jobs it
#    queues itself (measured under the same interference); regressions is
#    read once the queue has stayed empty for 10 s (at most SETTLE_MINUTES).
#    Then a history of STEP_COMMITS commits with planted +10% steps at the
#    middle and STEP_TAIL commits before the end, the same way;
# 6. prints, for both binaries side by side, a table per mode and step
#    (trials, verdict counts, wrong verdicts, detection with a 95%
#    Clopper-Pearson interval, pairs and wall time per A/B job) and the
#    regressions' line counts, against the targets, MET or MISSED.
# OUT_DIR keeps: verdicts.csv (one row per trial, binary, mode, step and
# benchmark), jobs.csv (one row per job), regressions-*.txt, interference.log,
# the daemons' logs, meta.json and report.txt.
#
# Environment (defaults; QUICK=1 changes the ones marked *):
#   TRIALS=20*          trials of both modes (AB_TRIALS, RUN_TRIALS: each mode alone)
#   TRIAL_MINUTES=24    start no trial after this many minutes of trials (0: no limit);
#                       the report counts the trials actually run
#   FLAT_COMMITS=300*   flat history for regressions
#   STEP_COMMITS=80* STEP_TAIL=20*   the history with two planted +10% steps
#   MAX_PAIRS=320       the new binary's cap on pairs per benchmark of an A/B job
#   SETTLE_MINUTES=30   how long the new daemon may take to settle a history's suspects
#   RUNS=10 WARMUP=1    iterations per benchmark and run (an A/B job's first round)
#   BENCH_UNITS="1000 1250 1500 1750 2000"   work per benchmark (1000 loop steps each)
#   SEED=1              the interference schedule; HOGS=2 hogs at most at once (0: none,
#                       a control run without the generator)
#   FIXED_ITERS=        skip the calibration: exec+exit in loop iterations (0: plain work steps)
#   OLD_REV=d8d6d0b OLD_BUILD=   the previous benchfs; a build directory to reuse
#   KEEP=1              keep the temporary directory (repositories, data, logs)
# Exit status: 0 when every target is met by the new binary, 3 when one is
# missed, 1 when the measurement failed.
set -euo pipefail

cd "$(dirname "$0")/.."
[ $# -ge 1 ] && [ $# -le 2 ] || {
	echo "usage: bash bench/verdicts.sh OUT_DIR [BUILD_DIR]" >&2
	exit 2
}
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
BUILD=$(cd "${2:-build}" && pwd)

if [ "${QUICK:-0}" = 1 ]; then
	: "${TRIALS:=2}" "${FLAT_COMMITS:=40}" "${STEP_COMMITS:=30}" "${STEP_TAIL:=8}"
fi
TRIALS=${TRIALS:-20}
AB_TRIALS=${AB_TRIALS:-$TRIALS}
RUN_TRIALS=${RUN_TRIALS:-$TRIALS}
FLAT_COMMITS=${FLAT_COMMITS:-300}
STEP_COMMITS=${STEP_COMMITS:-80}
STEP_TAIL=${STEP_TAIL:-20}
MAX_PAIRS=${MAX_PAIRS:-320}
SETTLE_MINUTES=${SETTLE_MINUTES:-30}
TRIAL_MINUTES=${TRIAL_MINUTES:-24}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-1}
BENCH_UNITS=${BENCH_UNITS:-1000 1250 1500 1750 2000}
SEED=${SEED:-1}
HOGS=${HOGS:-2}
OLD_REV=${OLD_REV:-d8d6d0b}
OLD_BUILD=${OLD_BUILD:-}
FIXED_ITERS=${FIXED_ITERS:-}

die() { printf 'verdicts.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }

for n in AB_TRIALS RUN_TRIALS TRIAL_MINUTES FLAT_COMMITS STEP_COMMITS STEP_TAIL MAX_PAIRS RUNS HOGS; do
	[[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a non-negative integer, not '${!n}'"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED must be a non-negative integer"
[ "$RUNS" -ge 3 ] || die "RUNS must be at least 3"
[ "$HOGS" -le 8 ] || die "HOGS must be 0 (no interference) to 8"
[ "$MAX_PAIRS" -ge 2 ] || die "MAX_PAIRS must be at least 2"
[ -z "$FIXED_ITERS" ] || [[ $FIXED_ITERS =~ ^[0-9]+$ ]] || die "FIXED_ITERS must be an integer"
[ "$STEP_COMMITS" = 0 ] ||
	{ [ "$STEP_TAIL" -ge 3 ] && [ $((STEP_COMMITS / 2 + 3)) -le $((STEP_COMMITS - STEP_TAIL)) ]; } ||
	die "STEP_COMMITS=$STEP_COMMITS and STEP_TAIL=$STEP_TAIL leave no room for two steps"
for u in $BENCH_UNITS; do
	[[ $u =~ ^[1-9][0-9]*$ ]] || die "BENCH_UNITS must be positive integers, not '$u'"
done

NEW=$BUILD/benchfs
INTERFERE=$BUILD/bench/interfere
SPAWN_LOOP=$BUILD/bench/spawn_loop
for f in "$NEW" "$BUILD/benchfs-spawner" "$INTERFERE" "$SPAWN_LOOP"; do
	[ -x "$f" ] || die "$f is missing: build first (ninja -C $BUILD)"
done
for c in cc git fusermount3 meson ninja; do
	command -v "$c" > /dev/null || die "$c is missing"
done
# A python3 with scipy: the first on PATH may be another installation (pyenv).
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import scipy.stats' 2> /dev/null; then PY=$p && break; fi
done
[ -n "$PY" ] || die "python3 with scipy is missing (apt-get install python3-scipy)"

T=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-verdicts.XXXXXX")
rm -f "$OUT"/verdicts.csv "$OUT"/jobs.csv "$OUT"/regressions-*.txt "$OUT"/commits-*.txt \
	"$OUT"/interference.log "$OUT"/daemon-*.log "$OUT"/build-old.log "$OUT"/meta.json "$OUT"/report.txt
GEN_PID=
declare -A MNT_OF PID_OF

unmount_fs() { # NAME
	local name=$1 mnt=${MNT_OF[$1]:-} pid=${PID_OF[$1]:-}
	if [ -n "$mnt" ] && grep -q " $mnt " /proc/mounts 2> /dev/null; then
		fusermount3 -u "$mnt" 2> /dev/null || fusermount3 -uz "$mnt" 2> /dev/null || true
	fi
	if [ -n "$pid" ]; then
		for _ in $(seq 100); do
			kill -0 "$pid" 2> /dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
	fi
	unset "PID_OF[$name]"
}

cleanup() {
	local status=$? name stuck=
	trap - EXIT INT TERM
	for name in "${!PID_OF[@]}"; do
		unmount_fs "$name"
	done
	if [ -n "$GEN_PID" ]; then
		kill -TERM "$GEN_PID" 2> /dev/null || true
		wait "$GEN_PID" 2> /dev/null || true
	fi
	for f in "$T"/daemon-*.log "$T"/build-old.log; do
		[ -f "$f" ] && cp "$f" "$OUT/" 2> /dev/null
	done
	for name in "${!MNT_OF[@]}"; do
		grep -q " ${MNT_OF[$name]} " /proc/mounts 2> /dev/null && stuck=1
	done
	if [ -n "$stuck" ]; then
		echo "verdicts.sh: a mount is still in place; left $T" >&2
	elif [ "${KEEP:-0}" = 1 ]; then
		echo "verdicts.sh: kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@benchfs.invalid
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@benchfs.invalid

T_START=$SECONDS
say "benchfs verdicts: new $(git describe --always --dirty 2> /dev/null || echo '?') ($BUILD), old $OLD_REV"
say "host: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "trials: A/B $AB_TRIALS, separate runs $RUN_TRIALS; flat history $FLAT_COMMITS; steps history $STEP_COMMITS (tail $STEP_TAIL); max_pairs $MAX_PAIRS; runs $RUNS, warmup $WARMUP"

# ---- 1. the previous benchfs ----
if [ -n "$OLD_BUILD" ]; then
	OLD_BUILD=$(cd "$OLD_BUILD" && pwd)
else
	say "building benchfs $OLD_REV (old) in $T/old-build"
	mkdir -p "$T/old-src"
	git archive "$OLD_REV" | tar -x -C "$T/old-src" || die "git archive $OLD_REV failed"
	OLD_BUILD=$T/old-build
	(cd "$T/old-src" && meson setup -Dtests=false "$OLD_BUILD" && nice ninja -C "$OLD_BUILD" benchfs benchfs-spawner) \
		> "$T/build-old.log" 2>&1 || die "building $OLD_REV failed: $(tail -5 "$T/build-old.log")"
fi
OLD=$OLD_BUILD/benchfs
[ -x "$OLD" ] && [ -x "$OLD_BUILD/benchfs-spawner" ] || die "$OLD_BUILD has no benchfs and benchfs-spawner"

# ---- 2. the benchmarked program, the calibration, the repositories ----
# prog.c: UNITS x 1000 xorshift steps. A planted step of PCT percent scales the
# whole run, exec and exit included: n = (W + F)(1 + PCT/100) - F, where F is
# exec+exit expressed in loop steps (the calibration), so the time goes from
# F' + cW to (1 + PCT/100)(F' + cW) for every work size W.
prog_source() { # PCT FIXED_ITERS COMMENT
	cat << EOF
/* A deterministic CPU-bound loop for bench/verdicts.sh. */
/* $3 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define STEP_PCT $1 /* the planted slowdown, percent of the whole run */
#define FIXED_ITERS $2ULL /* exec and exit of this program, in loop steps */

int main(int argc, char **argv)
{
	uint64_t units = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
	uint64_t n = (units * 1000 + FIXED_ITERS) * (100 + STEP_PCT) / 100 - FIXED_ITERS;
	uint64_t x = 88172645463325252ULL;

	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	if (x == 42) /* never: the loop's result is used, nothing is printed */
		puts("42");
	return 0;
}
EOF
}

mkdir -p "$T/cal"
prog_source 0 0 calibration > "$T/cal/prog.c"
CC_CMD="cc -O2 -static -o prog prog.c"
(cd "$T/cal" && $CC_CMD 2> /dev/null) || {
	CC_CMD="cc -O2 -o prog prog.c"
	(cd "$T/cal" && $CC_CMD) || die "cannot compile the benchmark program"
}
if [ -z "$FIXED_ITERS" ]; then
	# Alternating runs of no work (exec and exit alone) and 1500 units, on a
	# machine as quiet as it gets here (before the interference starts):
	# medians of medians.
	FIXED_ITERS=$(
		for _ in 1 2 3 4 5 6; do
			printf 'zero %s\n' "$("$SPAWN_LOOP" -w 3 -n 30 "$T/cal/prog" 0)"
			printf 'full %s\n' "$("$SPAWN_LOOP" -w 3 -n 30 "$T/cal/prog" 1500)"
		done | "$PY" -c '
import statistics, sys
med = {"zero": [], "full": []}
for line in sys.stdin:
    kind, *kv = line.split()
    med[kind].append(float(dict(f.split("=") for f in kv)["median"]))
zero, full = statistics.median(med["zero"]), statistics.median(med["full"])
per_iter = (full - zero) / 1.5e6
print(round(zero / per_iter) if per_iter > 0 else 0)
print("calibration: exec+exit %.3f ms, 1500 units %.3f ms: %.2f ns per loop step"
      % (zero * 1e3, full * 1e3, per_iter * 1e9), file=sys.stderr)
') || die "calibration failed"
fi
say "exec+exit of the benchmark = $FIXED_ITERS loop steps (FIXED_ITERS); build: $CC_CMD"

# The build step compiles through a cache keyed on the preprocessed source:
# commits whose code differs only in comments get the same binary (the
# compiler would produce the same bytes) without a compile, which keeps a
# run of the long histories short. "artifacts" is deliberately not
# configured: the new binary would then call those commits "same build"
# and skip them, and the statistics would not be tested at all.
mkdir -p "$T/cc-cache"
cat > "$T/build.sh" << EOF
#!/bin/sh
set -e
key=\$(cc -E -P prog.c | sha1sum | cut -c1-40)
if [ -x "$T/cc-cache/\$key" ]; then
	cp "$T/cc-cache/\$key" prog
else
	$CC_CMD
	cp prog "$T/cc-cache/\$key.\$\$" && mv "$T/cc-cache/\$key.\$\$" "$T/cc-cache/\$key"
fi
EOF

# make_history REPO < lines "PCT<TAB>COMMENT<TAB>TAG-or-empty": one commit per
# line on branch main, by git fast-import (fixed dates: the same hashes each time).
make_history() {
	git init -q -b main "$1"
	"$PY" -c '
import sys, subprocess
fixed, repo = sys.argv[1], sys.argv[2]
src = open(sys.argv[3]).read()
out = []
for i, line in enumerate(sys.stdin.read().splitlines(), 1):
    pct, comment, tag = line.split("\t")
    body = src.replace("@PCT@", pct).replace("@FIXED@", fixed).replace("@COMMENT@", comment)
    data = body.encode()
    msg = ("%s (step %s%%)" % (comment, pct)).encode()
    out.append(b"commit refs/heads/main\nmark :%d\n" % i)
    out.append(b"committer bench <bench@benchfs.invalid> %d +0000\n" % (1700000000 + 60 * i))
    out.append(b"data %d\n%s\n" % (len(msg), msg))
    if i > 1:
        out.append(b"from :%d\n" % (i - 1))
    out.append(b"M 644 inline prog.c\ndata %d\n%s\n" % (len(data), data))
    if tag:
        out.append(b"reset refs/tags/%s\nfrom :%d\n\n" % (tag.encode(), i))
sys.stdout.buffer.write(b"".join(out))
' "$FIXED_ITERS" "$1" "$T/prog.tmpl" | git -C "$1" fast-import --quiet
	git -C "$1" reset -q --hard main
}
prog_source @PCT@ @FIXED@ @COMMENT@ > "$T/prog.tmpl"

printf '0\tbase\tbase\n0\tsame: identical code, only this comment differs\tsame\n5\tslow5\tslow5\n10\tslow10\tslow10\n' |
	make_history "$T/repo-trials"
if [ "$FLAT_COMMITS" -gt 0 ]; then
	for i in $(seq "$FLAT_COMMITS"); do printf '0\tflat revision %d\t\n' "$i"; done |
		make_history "$T/repo-flat"
fi
STEP1=$((STEP_COMMITS / 2)) STEP2=$((STEP_COMMITS - STEP_TAIL)) # 0-based commit index of each step
if [ "$STEP_COMMITS" -gt 0 ]; then
	for i in $(seq 0 $((STEP_COMMITS - 1))); do
		pct=0
		if [ "$i" -ge "$STEP1" ]; then pct=10; fi
		if [ "$i" -ge "$STEP2" ]; then pct=21; fi # 1.1 x 1.1
		printf '%d\tsteps revision %d\t\n' "$pct" "$((i + 1))"
	done | make_history "$T/repo-steps"
fi

# Both configurations measure the same; the old binary does not know max_pairs.
benchmarks_json() {
	local first=1 u
	for u in $BENCH_UNITS; do
		[ $first = 1 ] || printf ',\n'
		first=0
		printf '    {"name": "work-%s", "command": ["./prog", "%s"]}' "$u" "$u"
	done
}
write_config() { # FILE COMPARE_JSON
	cat > "$1" << EOF
{
  "build": "sh $T/build.sh",
  "warmup": $WARMUP,
  "runs": $RUNS,
  "timeout": 60,
  "output": "discard",
  "compare": $2,
  "benchmarks": [
$(benchmarks_json)
  ]
}
EOF
}
write_config "$T/config-old.json" '{"alpha": 0.01, "threshold": 0.02}'
write_config "$T/config-new.json" "{\"alpha\": 0.01, \"threshold\": 0.02, \"max_pairs\": $MAX_PAIRS}"
NBENCH=$(wc -w <<< "$BENCH_UNITS")

"$PY" - "$OUT/meta.json" << EOF
import json, sys
json.dump({"new_build": "$BUILD", "new_rev": "$(git describe --always --dirty 2> /dev/null || echo '?')",
           "old_rev": "$OLD_REV", "ab_trials": $AB_TRIALS, "run_trials": $RUN_TRIALS,
           "flat_commits": $FLAT_COMMITS, "step_commits": $STEP_COMMITS, "steps": [$STEP1, $STEP2],
           "max_pairs": $MAX_PAIRS, "runs": $RUNS, "warmup": $WARMUP, "benchmarks": $NBENCH,
           "units": "$BENCH_UNITS", "fixed_iters": $FIXED_ITERS, "seed": $SEED, "hogs": $HOGS,
           "build_command": "$CC_CMD", "host_cpus": $(nproc)},
          open(sys.argv[1], "w"), indent=1)
EOF

# ---- mounts, jobs ----
mount_fs() { # NAME BINARY REPO DATA CONFIG
	local name=$1 mnt=$T/mnt-$1
	mkdir -p "$mnt" "$4"
	chmod 700 "$4" # the new daemon refuses a data directory others can read
	"$2" -f --repo "$3" --data "$4" --config "$5" "$mnt" >> "$T/daemon-$name.log" 2>&1 &
	PID_OF[$name]=$!
	MNT_OF[$name]=$mnt
	for _ in $(seq 100); do
		[ -e "$mnt/queue" ] && return 0
		kill -0 "${PID_OF[$name]}" 2> /dev/null || die "benchfs ($name) exited: $(tail -3 "$T/daemon-$name.log")"
		sleep 0.1
	done
	die "benchfs ($name) did not mount within 10 s"
}

# queue_job NAME LINE: queues one line; JOB_IDS gets the run directories it
# created (runs/ is listed again once a job is queued).
JOB_IDS=()
queue_job() {
	local mnt=${MNT_OF[$1]} before after
	before=$(ls "$mnt/runs")
	echo "$2" > "$mnt/queue" || die "$1: cannot queue '$2'"
	for _ in $(seq 50); do
		after=$(ls "$mnt/runs")
		mapfile -t JOB_IDS < <(comm -13 <(printf '%s\n' "$before" | sort) <(printf '%s\n' "$after" | sort) | grep .)
		[ ${#JOB_IDS[@]} -gt 0 ] && return 0
		sleep 0.1
	done
	die "$1: no new run directory after queueing '$2'"
}

# wait_runs NAME LIMIT_S ID...: until every run's status is done or failed.
wait_runs() {
	local mnt=${MNT_OF[$1]} limit=$(($2 + SECONDS)) id s all
	shift 2
	while :; do
		all=1
		for id in "$@"; do
			s=$(cat "$mnt/runs/$id/status" 2> /dev/null || echo '?')
			case $s in done* | failed*) ;; *) all=0 && break ;; esac
		done
		[ $all = 1 ] && return 0
		[ $SECONDS -lt $limit ] || return 1
		sleep 0.2 # a look is a few FUSE requests: keep them rare
	done
}

VERDICTS=$OUT/verdicts.csv
JOBS=$OUT/jobs.csv
echo "trial,binary,mode,step,benchmark,verdict,method,ratio,ci_low,ci_high,confidence,p_value,q_value,pairs,n_a,n_b,runs_a,runs_b,history_runs,pooled_verdict,pooled_p,p_sequential,threshold,sigma_run,reason,rounds_a,rounds_b,unstable_a,unstable_b,interference_a,interference_b,run_a,run_b,job_wall_s" > "$VERDICTS"
echo "trial,binary,mode,step,run_a,run_b,status_a,status_b,job_wall_s,started_utc,load1" > "$JOBS"

# record TRIAL BINARY MODE STEP WALL RUN_A RUN_B: one CSV row per benchmark of
# compare/run-A..run-B.json (a missing field is an empty cell: not there yet).
record() {
	local mnt=${MNT_OF[$2]} ra=$6 rb=$7
	"$PY" - "$VERDICTS" "$@" "$mnt/compare/run-$((10#$ra))..run-$((10#$rb)).json" \
		"$mnt/runs/$ra/result.json" "$mnt/runs/$rb/result.json" << 'EOF'
import csv, json, sys
out, trial, binary, mode, step, wall, ra, rb, cmp_path, res_a, res_b = sys.argv[1:]

def load(path):
    try:
        with open(path) as f:
            return json.load(f), None
    except (OSError, ValueError) as e:
        return None, "%s: %s" % (path.rsplit("/", 2)[-1], e)

def per_bench(result):
    if not isinstance(result, dict):
        return {}
    return {r.get("name"): r for r in result.get("results", []) if isinstance(r, dict)}

def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"), sort_keys=True)[:300]
    return v

cmp, err = load(cmp_path)
ra_json, _ = load(res_a)
rb_json, _ = load(res_b)
A, B = per_bench(ra_json), per_bench(rb_json)
rows = []
base = [trial, binary, mode, step]
if cmp is None or not isinstance(cmp.get("benchmarks"), list):
    rows.append(base + ["*", "error"] + [""] * 18 + [err or "no benchmarks in the compare", "", "", "", "", "", "", ra, rb, wall])
for b in (cmp or {}).get("benchmarks") or []:
    if not isinstance(b, dict):
        continue
    name = b.get("name")
    ci = b.get("ratio_ci")
    lo = hi = None
    if isinstance(ci, list) and len(ci) == 2:
        lo, hi = ci
    elif isinstance(ci, dict):
        lo, hi = ci.get("low", ci.get("lower")), ci.get("high", ci.get("upper"))
    sa, sb = b.get("a"), b.get("b")
    pw = b.get("pooled_welch") if isinstance(b.get("pooled_welch"), dict) else {}
    verdict = b.get("verdict")
    ra_r, rb_r = A.get(name, {}), B.get(name, {})
    rows.append(base + [
        name, "none" if verdict is None else verdict, cell(b.get("method")), cell(b.get("ratio")),
        cell(lo), cell(hi), cell(b.get("confidence", cmp.get("confidence"))), cell(b.get("p_value")),
        cell(b.get("q_value")), cell(b.get("pairs")),
        cell(sa.get("n") if isinstance(sa, dict) else None),
        cell(sb.get("n") if isinstance(sb, dict) else None),
        cell(b.get("runs_a")), cell(b.get("runs_b")), cell(b.get("history_runs")),
        cell(pw.get("verdict")), cell(pw.get("p_value")), cell(b.get("p_sequential")),
        cell(b.get("threshold", cmp.get("threshold"))), cell(b.get("sigma_run")), cell(b.get("reason")),
        cell(ra_r.get("rounds")), cell(rb_r.get("rounds")),
        cell(ra_r.get("unstable")), cell(rb_r.get("unstable")),
        cell(ra_r.get("interference")), cell(rb_r.get("interference")), ra, rb, wall])
with open(out, "a", newline="") as f:
    csv.writer(f).writerows(rows)
print(" ".join("%s=%s" % (r[4], r[5]) for r in rows))
EOF
}

# One job of a trial: an A/B job (mode ab) or base then X as two runs (mode runs).
JOB_LIMIT=$((600 + MAX_PAIRS * NBENCH / 4))
run_job() { # TRIAL BINARY MODE STEP
	local trial=$1 bin=$2 mode=$3 step=$4 t0 wall ra rb sa sb started load1 line
	started=$(date -u +%FT%TZ)
	load1=$(cut -d' ' -f1 /proc/loadavg)
	t0=$EPOCHREALTIME
	if [ "$mode" = ab ]; then
		queue_job "$bin" "base..$step"
		[ ${#JOB_IDS[@]} -ge 2 ] || die "$bin: base..$step made ${#JOB_IDS[@]} runs: ${JOB_IDS[*]}"
		ra=${JOB_IDS[0]} rb=${JOB_IDS[1]}
		wait_runs "$bin" "$JOB_LIMIT" "${JOB_IDS[@]}" || die "$bin: A/B job ${JOB_IDS[*]} did not finish"
	else
		queue_job "$bin" base
		ra=${JOB_IDS[0]}
		wait_runs "$bin" "$JOB_LIMIT" "$ra" || die "$bin: run $ra did not finish"
		queue_job "$bin" "$step"
		rb=${JOB_IDS[0]}
		wait_runs "$bin" "$JOB_LIMIT" "$rb" || die "$bin: run $rb did not finish"
	fi
	wall=$("$PY" -c "print('%.2f' % ($EPOCHREALTIME - $t0))")
	sa=$(cat "${MNT_OF[$bin]}/runs/$ra/status" 2> /dev/null || echo '?')
	sb=$(cat "${MNT_OF[$bin]}/runs/$rb/status" 2> /dev/null || echo '?')
	"$PY" -c 'import csv, sys; csv.writer(sys.stdout).writerow(sys.argv[1:])' \
		"$trial" "$bin" "$mode" "$step" "$ra" "$rb" "$sa" "$sb" "$wall" "$started" "$load1" >> "$JOBS"
	line=$(record "$trial" "$bin" "$mode" "$step" "$wall" "$ra" "$rb")
	printf '  %-3s %-4s base..%-6s runs %s..%s %6ss  %s\n' "$bin" "$mode" "$step" "$ra" "$rb" "$wall" "$line"
}

# ---- 3. interference, from here to the end ----
if [ "$HOGS" -gt 0 ]; then
	"$INTERFERE" -s "$SEED" -n "$HOGS" -d 14400 -l "$OUT/interference.log" &
	GEN_PID=$!
	sleep 0.2
	kill -0 "$GEN_PID" 2> /dev/null || die "bench/interfere did not start"
	say "interference generator running (pid $GEN_PID, seed $SEED, $HOGS hogs at most)"
else
	say "HOGS=0: no interference generator (a control run)"
fi

# ---- 4. trials ----
mount_fs old "$OLD" "$T/repo-trials" "$T/data-trials-old" "$T/config-old.json"
mount_fs new "$NEW" "$T/repo-trials" "$T/data-trials-new" "$T/config-new.json"
STEPS=(same slow5 slow10)
NTRIALS=$((AB_TRIALS > RUN_TRIALS ? AB_TRIALS : RUN_TRIALS))
T_TRIALS=$SECONDS
for trial in $(seq "$NTRIALS"); do
	if [ "$TRIAL_MINUTES" -gt 0 ] && [ $((SECONDS - T_TRIALS)) -ge $((TRIAL_MINUTES * 60)) ]; then
		say "TRIAL_MINUTES=$TRIAL_MINUTES spent: stopping after $((trial - 1)) trials"
		break
	fi
	if [ $((trial % 2)) = 1 ]; then order=(old new); else order=(new old); fi
	say "trial $trial of $NTRIALS (${order[*]}), load $(cut -d' ' -f1-3 /proc/loadavg)"
	for bin in "${order[@]}"; do
		for k in 0 1 2; do # the steps' order rotates from trial to trial
			step=${STEPS[$(((trial + k) % 3))]}
			if [ "$trial" -le "$AB_TRIALS" ]; then run_job "$trial" "$bin" ab "$step"; fi
			if [ "$trial" -le "$RUN_TRIALS" ]; then run_job "$trial" "$bin" runs "$step"; fi
		done
	done
done
unmount_fs old
unmount_fs new

# ---- 5. regressions: measured once by the old binary, read by both ----
# measure_history NAME REPO: queue every commit of main (in batches of 50 lines, one
# write each), wait for the last, then cat regressions from the old binary,
# copy its data directory, mount the new binary on the copy and cat again.
measure_history() {
	local name=$1 repo=$2 last failed t0
	mount_fs "$name-old" "$OLD" "$repo" "$T/data-$name-old" "$T/config-old.json"
	git -C "$repo" rev-list --reverse main > "$T/$name.commits"
	say "$name history: $(wc -l < "$T/$name.commits") commits, measured by old"
	t0=$SECONDS
	split -l 50 "$T/$name.commits" "$T/$name.batch."
	for f in "$T/$name".batch.*; do
		cat "$f" > "${MNT_OF[$name-old]}/queue" || die "$name: cannot queue $f"
	done
	last=$(ls "${MNT_OF[$name-old]}/runs" | sort | tail -1)
	wait_runs "$name-old" $((60 + 10 * $(wc -l < "$T/$name.commits"))) "$last" ||
		die "$name: run $last did not finish"
	failed=$(cat "${MNT_OF[$name-old]}"/runs/*/status | grep -c '^failed' || true)
	say "$name history measured in $((SECONDS - t0)) s ($failed failed runs)"
	timeout 600 cat "${MNT_OF[$name-old]}/regressions" > "$OUT/regressions-$name-old.txt" ||
		die "$name: cat regressions (old) failed"
	unmount_fs "$name-old"
	cp -a "$T/data-$name-old" "$T/data-$name-new"
	mount_fs "$name-new" "$NEW" "$repo" "$T/data-$name-new" "$T/config-new.json"
	t0=$EPOCHREALTIME
	timeout 600 cat "${MNT_OF[$name-new]}/regressions" > "$OUT/regressions-$name-new-unsettled.txt" ||
		die "$name: cat regressions (new) failed"
	say "$name: regressions lines: old $(grep -c . "$OUT/regressions-$name-old.txt" || true)," \
		"new before its A/B jobs $(grep -c . "$OUT/regressions-$name-new-unsettled.txt" || true)" \
		"(computed in $("$PY" -c "print('%.2f' % ($EPOCHREALTIME - $t0))") s)"
	# The new daemon settles what the history suspects with A/B jobs it
	# queues when idle: wait until the queue has stayed empty for 10 s.
	t0=$SECONDS
	local quiet=0 limit=$((SECONDS + 60 * SETTLE_MINUTES))
	while [ $quiet -lt 10 ] && [ $SECONDS -lt $limit ]; do
		if [ -s "${MNT_OF[$name-new]}/queue" ]; then quiet=0; else quiet=$((quiet + 1)); fi
		sleep 1
	done
	local jobs
	jobs=$(grep -c 'to settle a suspected regression' "$T/daemon-$name-new.log" || true)
	if [ $quiet -lt 10 ]; then
		say "$name: the new daemon's A/B jobs did not settle within $SETTLE_MINUTES min ($jobs jobs)"
	else
		say "$name: the new daemon ran $jobs A/B jobs in $((SECONDS - t0 - 10)) s to settle its suspects"
	fi
	echo "$jobs $((SECONDS - t0)) $quiet" > "$OUT/settle-$name.txt"
	timeout 600 cat "${MNT_OF[$name-new]}/regressions" > "$OUT/regressions-$name-new.txt" ||
		die "$name: cat regressions (new) failed"
	say "$name: regressions lines, new after its A/B jobs: $(grep -c . "$OUT/regressions-$name-new.txt" || true)"
	unmount_fs "$name-new"
	cp "$T/$name.commits" "$OUT/commits-$name.txt"
}
if [ "$FLAT_COMMITS" -gt 0 ]; then measure_history flat "$T/repo-flat"; fi
if [ "$STEP_COMMITS" -gt 0 ]; then measure_history steps "$T/repo-steps"; fi

if [ -n "$GEN_PID" ]; then
	kill -TERM "$GEN_PID" 2> /dev/null || true
	wait "$GEN_PID" 2> /dev/null || true
	GEN_PID=
	say "interference: $(tail -1 "$OUT/interference.log" | cut -d' ' -f3-)"
fi
say "measured in $(((SECONDS - T_START) / 60)) min $(((SECONDS - T_START) % 60)) s"

# ---- 6. the report ----
STATUS=0
"$PY" - "$OUT" << 'EOF' | tee "$OUT/report.txt" || STATUS=$?
import csv, json, os, statistics, sys
from scipy.stats import beta

out = sys.argv[1]
meta = json.load(open(os.path.join(out, "meta.json")))
rows = list(csv.DictReader(open(os.path.join(out, "verdicts.csv"))))
jobs = list(csv.DictReader(open(os.path.join(out, "jobs.csv"))))
cap = meta["max_pairs"]

def norm(v):
    return {"inconclusive": "undecided"}.get(v, v)

def cp(k, n, conf=0.95):
    """Clopper-Pearson interval of k successes in n."""
    if n == 0:
        return (float("nan"), float("nan"))
    a = (1 - conf) / 2
    lo = 0.0 if k == 0 else beta.ppf(a, k, n - k + 1)
    hi = 1.0 if k == n else beta.ppf(1 - a, k + 1, n - k)
    return lo, hi

def pct(k, n):
    if n == 0:
        return "-"
    lo, hi = cp(k, n)
    return "%d/%d = %.1f%% [%.1f, %.1f]" % (k, n, 100 * k / n, 100 * lo, 100 * hi)

def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None

KINDS = ["faster", "slower", "unchanged", "undecided", "same build"]
print()
print("Verdicts per benchmark (%d benchmarks per job); rates with their 95%% Clopper-Pearson"
      " interval. wrong: A/A faster or slower; a slowdown called faster." % meta["benchmarks"])
figures = {}
for mode, title in (("ab", "A/B jobs (echo base..X > queue)"),
                    ("runs", "separate runs (base, then X; compare/run-a..run-b)")):
    print()
    print("== %s ==" % title)
    print("%-6s %-4s %6s %6s %6s %6s %6s %6s %6s  %-28s %-28s %s" % (
        "step", "bin", "trials", "faster", "slower", "unchgd", "undec", "same-b", "other",
        "wrong", "slower (detection)", "median ratio [method]"))
    for step in ("same", "slow5", "slow10"):
        for binary in ("old", "new"):
            rs = [r for r in rows if r["mode"] == mode and r["step"] == step and r["binary"] == binary]
            if not rs:
                continue
            v = [norm(r["verdict"]) for r in rs]
            counts = [v.count(k) for k in KINDS]
            other = len(v) - sum(counts)
            n = len(v)
            wrong = v.count("faster") + v.count("slower") if step == "same" else v.count("faster")
            slower = v.count("slower")
            ratios = [num(r["ratio"]) for r in rs if num(r["ratio"]) is not None]
            methods = sorted(set(r["method"] for r in rs if r["method"]))
            trials = len(set(r["trial"] for r in rs))
            figures[(mode, step, binary)] = dict(n=n, wrong=wrong, slower=slower, v=v)
            print("%-6s %-4s %6d %6d %6d %6d %6d %6d %6d  %-28s %-28s %s %s" % (
                step, binary, trials, *counts, other, pct(wrong, n),
                pct(slower, n) if step != "same" else "-",
                "%.4f" % statistics.median(ratios) if ratios else "-",
                "[" + ",".join(methods) + "]" if methods else ""))
    if mode == "runs":
        rs = [r for r in rows if r["mode"] == "runs" and r["binary"] == "new"]
        unknown = [r for r in rs if norm(r["verdict"]) == "undecided" and "not known" in r["reason"]]
        trials = sorted(set(int(r["trial"]) for r in unknown))
        print("  new: %d of %d verdicts undecided because this host's run-to-run noise was not known"
              " yet (trials %s)" % (len(unknown), len(rs),
                                    "%d-%d" % (trials[0], trials[-1]) if trials else "none"))
    if mode == "ab":
        print()
        print("A/B jobs of the new binary: pairs per benchmark and wall time per job (queue to done)")
        for step in ("same", "slow5", "slow10"):
            ps = [num(r["pairs"]) for r in rows
                  if r["mode"] == "ab" and r["step"] == step and r["binary"] == "new"
                  and num(r["pairs"]) is not None]
            und = [r for r in rows if r["mode"] == "ab" and r["step"] == step and r["binary"] == "new"
                   and norm(r["verdict"]) == "undecided"]
            for binary in ("new", "old"):
                ws = [num(j["job_wall_s"]) for j in jobs
                      if j["mode"] == "ab" and j["step"] == step and j["binary"] == binary]
                ws = [w for w in ws if w is not None]
                if binary == "new":
                    print("  %-6s new: pairs median %s, max %s (cap %d; %d undecided at the end);"
                          " wall median %s s, max %s s" % (
                              step, "%.0f" % statistics.median(ps) if ps else "-",
                              "%.0f" % max(ps) if ps else "-", cap, len(und),
                              "%.1f" % statistics.median(ws) if ws else "-",
                              "%.1f" % max(ws) if ws else "-"))
                else:
                    print("  %-6s old: %d pairs (fixed); wall median %s s, max %s s" % (
                        step, meta["runs"], "%.1f" % statistics.median(ws) if ws else "-",
                        "%.1f" % max(ws) if ws else "-"))
        figures["pairs_max"] = max((num(r["pairs"]) for r in rows if r["mode"] == "ab"
                                    and r["binary"] == "new" and num(r["pairs"]) is not None),
                                   default=None)

# What the new binary recorded about the interference, over every run side it measured.
sides = {}
for r in rows:
    if r["binary"] != "new":
        continue
    for side in ("a", "b"):
        key = (r["run_" + side], r["benchmark"])
        try:
            sides[key] = (json.loads(r["interference_" + side] or "null"),
                          json.loads(r["unstable_" + side] or "null"))
        except ValueError:
            pass
if sides:
    others = [i["other_cpus"] for i, _ in sides.values()
              if isinstance(i, dict) and isinstance(i.get("other_cpus"), (int, float))]
    heavy = sum(1 for i, _ in sides.values() if isinstance(i, dict) and i.get("heavy"))
    unstable = sum(1 for _, u in sides.values() if u)
    print()
    print("Interference as the new binary recorded it (%d benchmark runs): other processes used"
          " %s CPUs (median; quartiles %s), heavy in %d, unstable in %d" % (
              len(sides), "%.2f" % statistics.median(others) if others else "-",
              "%.2f-%.2f" % tuple(statistics.quantiles(others, n=4)[::2]) if len(others) >= 2
              else "-", heavy, unstable))

# regressions
def regress(name, binary):
    path = os.path.join(out, "regressions-%s-%s.txt" % (name, binary))
    if not os.path.exists(path):
        return None
    lines = [l.rstrip("\n").split("\t") for l in open(path) if l.strip() and not l.startswith("#")]
    return lines

def settle_note(binary, name):
    p = os.path.join(out, "settle-%s.txt" % name)
    if binary != "new" or not os.path.exists(p):
        return
    jobs, secs, quiet = open(p).read().split()
    before = regress(name, "new-unsettled")
    print("    new: %s lines before its own A/B jobs; %s A/B jobs in %s s to settle the suspects%s" % (
        len(before) if before is not None else "-", jobs, secs,
        "" if int(quiet) >= 10 else " (NOT settled: cut off by SETTLE_MINUTES)"))

print()
print("== regressions (the same measurements read by both binaries) ==")
commits = {}
for name in ("flat", "steps"):
    p = os.path.join(out, "commits-%s.txt" % name)
    if os.path.exists(p):
        commits[name] = {c.strip(): i for i, c in enumerate(open(p)) if c.strip()}
if not commits:
    print("  (not run: FLAT_COMMITS=0 and STEP_COMMITS=0)")
if "flat" in commits:
    for binary in ("old", "new"):
        lines = regress("flat", binary)
        figures[("flat", binary)] = len(lines) if lines is not None else None
        print("  flat history, %d commits x %d benchmarks, %s: %s lines" % (
            meta["flat_commits"], meta["benchmarks"], binary,
            len(lines) if lines is not None else "-"))
        for l in (lines or [])[:6]:
            print("    " + "  ".join(l[:6]))
        settle_note(binary, "flat")
if "steps" in commits:
    idx = commits["steps"]
    steps = meta["steps"]
    names = ["work-%s" % u for u in meta["units"].split()]
    for binary in ("old", "new"):
        lines = regress("steps", binary)
        if lines is None:
            continue
        found, exact, false = 0, 0, 0
        for s in steps:
            for bname in names:
                hits = [l for l in lines if len(l) >= 2 and l[1] == bname
                        and l[0] in idx and abs(idx[l[0]] - s) <= 2]
                found += bool(hits)
                exact += any(idx[l[0]] == s for l in hits)
        for l in lines:
            if len(l) < 2 or l[0] not in idx or all(abs(idx[l[0]] - s) > 2 for s in steps):
                false += 1
        figures[("steps", binary)] = (found, len(steps) * len(names), false)
        settle_note(binary, "steps")
        print("  steps history, %d commits, +10%% at commits %s, %s: %d lines; steps found %d of %d"
              " (%d at the exact commit, the others within 2), %d lines elsewhere" % (
                  meta["step_commits"], "+".join(str(s + 1) for s in steps), binary, len(lines),
                  found, len(steps) * len(names), exact, false))

# targets
print()
print("Targets (issue: on this 2-core VM with the interference on; here: %s), new | old:" % (
    "at most %d hog(s) at once, seed %d" % (meta["hogs"], meta["seed"]) if meta["hogs"] else
    "NO interference generator, a control run"))
def target(text, test, fmt):
    res = []
    for binary in ("new", "old"):
        try:
            val = fmt(binary)
            ok = test(binary)
        except (KeyError, TypeError, ZeroDivisionError):
            val, ok = "no data", None
        res.append((ok, val))
    word = lambda ok: "MET   " if ok else ("MISSED" if ok is not None else "n/a   ")
    print("  %s %-52s new: %s | old: %s %s" % (word(res[0][0]), text, res[0][1], word(res[1][0]).strip(),
                                                res[1][1]))
    return res[0][0]

def rate(key):
    f = figures[key]
    return f["wrong"] / f["n"]

ok = True
for mode in ("ab", "runs"):
    ok &= target("A/A (%s): faster/slower <= 1%% of verdicts" % mode,
                 lambda b: rate((mode, "same", b)) <= 0.01,
                 lambda b: "%s; %d undecided" % (
                     pct(figures[(mode, "same", b)]["wrong"], figures[(mode, "same", b)]["n"]),
                     figures[(mode, "same", b)]["v"].count("undecided"))) is True
for mode in ("ab", "runs"):
    ok &= target("wrong direction (%s): slowdown called faster = 0" % mode,
                 lambda b: figures[(mode, "slow5", b)]["wrong"] + figures[(mode, "slow10", b)]["wrong"] == 0,
                 lambda b: "%d of %d" % (figures[(mode, "slow5", b)]["wrong"] + figures[(mode, "slow10", b)]["wrong"],
                                         figures[(mode, "slow5", b)]["n"] + figures[(mode, "slow10", b)]["n"])) is True
for step, need in (("slow10", 0.99), ("slow5", 0.90)):
    ok &= target("A/B: %s step slower >= %d%%" % (step[4:] + "%", need * 100),
                 lambda b: figures[("ab", step, b)]["slower"] / figures[("ab", step, b)]["n"] >= need,
                 lambda b: "%s; %d undecided" % (
                     pct(figures[("ab", step, b)]["slower"], figures[("ab", step, b)]["n"]),
                     figures[("ab", step, b)]["v"].count("undecided"))) is True
pm = figures.get("pairs_max")
walls = [num(j["job_wall_s"]) for j in jobs if j["mode"] == "ab" and j["binary"] == "new"
         and num(j["job_wall_s"]) is not None]
print("  %s %-52s new: max %s pairs per benchmark (cap %d); wall per job median %s s, max %s s" % (
    "MET   " if pm is not None and pm <= cap else ("n/a   " if pm is None else "MISSED"),
    "A/B: within the cap", "%.0f" % pm if pm is not None else "-", cap,
    "%.1f" % statistics.median(walls) if walls else "-", "%.1f" % max(walls) if walls else "-"))
if pm is not None:
    ok &= pm <= cap
if ("flat", "new") in figures:
    ok &= target("regressions, flat history: no line",
                 lambda b: figures[("flat", b)] == 0,
                 lambda b: "%d lines" % figures[("flat", b)]) is True
if ("steps", "new") in figures:
    ok &= target("regressions, planted +10% steps found",
                 lambda b: figures[("steps", b)][0] == figures[("steps", b)][1],
                 lambda b: "%d of %d (+%d elsewhere)" % figures[("steps", b)]) is True
print()
print("Overall (new binary): %s" % ("every target MET" if ok else "a target MISSED"))
sys.exit(0 if ok else 3)
EOF
[ "$STATUS" = 0 ] || [ "$STATUS" = 3 ] || exit 1
exit "$STATUS"
