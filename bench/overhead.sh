#!/bin/bash
# Overhead and accuracy of benchfs's measurements, against a minimal
# posix_spawn + wait4 loop (bench/spawn_loop, the physical reference) and
# hyperfine -N, on the same machine in one run. See bench/README.md.
#
#   bash bench/overhead.sh [BUILD_DIR]        (default: build)
#
# Environment (the same counts are used by all three tools):
#   ROUNDS=5        rounds: a turn of hyperfine and one of benchfs, the loop around each
#   RUNS=1000 WARMUP=10                  case 1: /bin/true
#   BUSY_MS=20 BUSY_RUNS=100 BUSY_WARMUP=3   case 2: bench/busy_loop BUSY_MS
# Exit status: 0 all targets met, 3 a target missed, 1 the measurement failed.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=$(cd "${1:-build}" && pwd)
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-1000}
WARMUP=${WARMUP:-10}
BUSY_MS=${BUSY_MS:-20}
BUSY_RUNS=${BUSY_RUNS:-100}
BUSY_WARMUP=${BUSY_WARMUP:-3}

BENCHFS=$BUILD/benchfs
SPAWN_LOOP=$BUILD/bench/spawn_loop
BUSY_LOOP=$BUILD/bench/busy_loop
SPAWN_INTERLEAVE=$BUILD/bench/spawn_interleave

die() { printf 'overhead.sh: %s\n' "$*" >&2; exit 1; }

for n in ROUNDS RUNS BUSY_RUNS; do
	[[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n must be a positive integer, not '${!n}'"
done
for n in WARMUP BUSY_WARMUP; do
	[[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a non-negative integer, not '${!n}'"
done
[[ $BUSY_MS =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BUSY_MS must be a number of milliseconds"
for f in "$BENCHFS" "$BUILD/benchfs-spawner" "$SPAWN_LOOP" "$BUSY_LOOP" "$SPAWN_INTERLEAVE"; do
	[ -x "$f" ] || die "$f is missing: build first (ninja -C $BUILD)"
done
command -v hyperfine > /dev/null || die "hyperfine is missing (Debian: apt-get install hyperfine)"
command -v fusermount3 > /dev/null || die "fusermount3 is missing (Debian: apt-get install fuse3)"
command -v python3 > /dev/null || die "python3 is missing"

T=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-overhead.XXXXXX")
MNT=$T/mnt
DAEMON_PID=

cleanup() {
	local status=$?
	if grep -q " $MNT " /proc/mounts 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" 2>/dev/null || true
	fi
	if [ -n "$DAEMON_PID" ]; then
		for _ in $(seq 50); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	if grep -q " $MNT " /proc/mounts 2>/dev/null; then
		echo "overhead.sh: $MNT is still mounted; left $T in place" >&2
	else
		rm -rf "$T"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The benchmarked repository: only a configuration, no build step.
mkdir -p "$MNT" "$T/data"
git init -q -b main "$T/repo"
cat > "$T/repo/benchfs.json" <<EOF
{
  "timeout": 60,
  "benchmarks": [
    {"name": "true", "command": ["/bin/true"], "runs": $RUNS, "warmup": $WARMUP},
    {"name": "busy", "command": ["$BUSY_LOOP", "$BUSY_MS"], "runs": $BUSY_RUNS, "warmup": $BUSY_WARMUP}
  ]
}
EOF
git -C "$T/repo" add benchfs.json
git -C "$T/repo" -c user.email=bench@example.com -c user.name=bench \
	-c commit.gpgsign=false commit -q -m "overhead benchmark"

"$BENCHFS" -f --repo "$T/repo" --data "$T/data" "$MNT" >> "$T/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 100); do
	[ -e "$MNT/queue" ] && break
	kill -0 "$DAEMON_PID" 2>/dev/null || die "benchfs exited: $(tail -3 "$T/daemon.log")"
	sleep 0.1
done
[ -e "$MNT/queue" ] || die "benchfs did not mount within 10 s"

RESULTS=$T/results.tsv # step, case, tool, mean, median, wall per iteration (s)
: > "$RESULTS"

# spawn_loop: its own mean and median, and its elapsed time over warmups + runs.
run_loop() {
	local step=$1 case=$2 warmup=$3 runs=$4 out
	shift 4
	out=$("$SPAWN_LOOP" -w "$warmup" -n "$runs" "$@") || die "spawn_loop failed"
	python3 - "$step" "$case" "$out" >> "$RESULTS" <<'EOF'
import sys
kv = dict(f.split("=") for f in sys.argv[3].split())
print(sys.argv[1], sys.argv[2], "loop", kv["mean"], kv["median"], kv["wall_per_iter"], sep="\t")
EOF
}

# hyperfine -N: its exported mean and median, and its process lifetime over
# warmups + runs (that includes hyperfine's start-up and JSON export: a few
# ms in all, well under 1% of the /bin/true case).
run_hyperfine() {
	local step=$1 case=$2 warmup=$3 runs=$4 t0 t1
	shift 4
	t0=$EPOCHREALTIME
	hyperfine -N --style none -w "$warmup" -r "$runs" --export-json "$T/hf.json" "$*" \
		> "$T/hf.log" 2>&1 || die "hyperfine failed: $(tail -3 "$T/hf.log")"
	t1=$EPOCHREALTIME
	python3 - "$step" "$case" "$T/hf.json" "$t0" "$t1" "$((warmup + runs))" >> "$RESULTS" <<'EOF'
import json, sys
r = json.load(open(sys.argv[3]))["results"][0]
wall = (float(sys.argv[5]) - float(sys.argv[4])) / int(sys.argv[6])
print(sys.argv[1], sys.argv[2], "hyperfine", r["mean"], r["median"], wall, sep="\t")
EOF
}

# benchfs: one run measures both cases. Mean and median are result.json's; the
# wall time per iteration is the span debug.log shows for the benchmark, from
# its "[benchfs] benchmark <name>:" line (before the warmups) to its summary line,
# over warmups + runs: what benchfs spends from the first spawn to the last
# reap, per-iteration bookkeeping (store writes, status, log) included. The
# store has no finer figure: runs.started_ns/finished_ns also cover checkout,
# build and the other benchmark, and iterations carry no timestamps.
BENCHFS_RUNS=0
run_benchfs() {
	local step=$1 run limit status
	BENCHFS_RUNS=$((BENCHFS_RUNS + 1))
	run=$(printf '%06d' "$BENCHFS_RUNS") # a fresh data directory numbers runs 1, 2, ...
	echo HEAD > "$MNT/queue" || die "cannot queue HEAD"
	limit=$(( 120 + (RUNS + WARMUP) / 50 + (BUSY_RUNS + BUSY_WARMUP) * ${BUSY_MS%.*} / 250 ))
	for _ in $(seq "$limit"); do
		status=$(cat "$MNT/runs/$run/status" 2>/dev/null || true)
		case $status in
		done*) break ;; # "done" or "done (<flags>)"
		failed*) die "benchfs run $run: $status" ;;
		esac
		sleep 0.5 # each look is a few FUSE requests to the daemon: keep them rare
	done
	[ "${status%% *}" = done ] || die "benchfs run $run did not finish: '$status'"
	python3 - "$step" "$MNT/runs/$run/result.json" "$MNT/runs/$run/debug.log" \
		>> "$RESULTS" <<'EOF'
import datetime, json, re, sys
step, result, log = sys.argv[1:]
lines = []
for line in open(log):
    m = re.match(r"(\S+Z) \[([^]]+)\] (.*)", line)
    if m:
        t = datetime.datetime.strptime(m[1], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
        lines.append((t, m[2], m[3]))
for r in json.load(open(result))["results"]:
    start = [i for i, l in enumerate(lines)
             if l[1] == "benchfs" and l[2].startswith("benchmark %s:" % r["name"])]
    # It ends at its summary ("<name>: Time (mean ± σ): ..."); the iterations'
    # own lines come in between.
    end = [i for i, l in enumerate(lines) if start and i > start[0] and l[1] == "benchfs"
           and l[2].startswith("%s: Time (" % r["name"])]
    if len(start) != 1 or not end:
        sys.exit("debug.log: cannot find where benchmark %s starts and ends" % r["name"])
    span = lines[end[0]][0] - lines[start[0]][0]
    if len(r["times"]) != r["runs"]:
        sys.exit("result.json: %d times for %d runs" % (len(r["times"]), r["runs"]))
    print(step, r["name"], "benchfs", r["mean"], r["median"],
          span / (r["warmup"] + r["runs"]), sep="\t")
EOF
}

STEP=0
tool_turn() {
	STEP=$((STEP + 1))
	printf 'step %d: %s\n' "$STEP" "$1"
	case $1 in
	loop)
		run_loop "$STEP" true "$WARMUP" "$RUNS" /bin/true
		run_loop "$STEP" busy "$BUSY_WARMUP" "$BUSY_RUNS" "$BUSY_LOOP" "$BUSY_MS" ;;
	hyperfine)
		run_hyperfine "$STEP" true "$WARMUP" "$RUNS" /bin/true
		run_hyperfine "$STEP" busy "$BUSY_WARMUP" "$BUSY_RUNS" "$BUSY_LOOP" "$BUSY_MS" ;;
	benchfs)
		run_benchfs "$STEP" ;;
	esac
}

# The binaries are built from the work tree: say when it differs from the commit.
echo "benchfs overhead: $(git describe --always --dirty 2>/dev/null || echo '?')" \
	"($(git log -1 --format=%s 2>/dev/null | cut -c1-60)), $(date -u +%FT%TZ)"
echo "host: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cases: /bin/true ($WARMUP warmup + $RUNS runs); busy_loop $BUSY_MS ms ($BUSY_WARMUP + $BUSY_RUNS); $ROUNDS rounds"
# The loop runs before and after every turn of the other tools, and each turn
# is compared with the average of the two loop runs around it: the load of a
# shared machine drifts within a minute, and only a reference taken at the
# same time separates a tool's overhead from that drift. Rounds alternate
# which of hyperfine and benchfs goes first.
tool_turn loop
for round in $(seq "$ROUNDS"); do
	if [ $((round % 2)) = 1 ]; then first=hyperfine second=benchfs
	else first=benchfs second=hyperfine; fi
	tool_turn "$first"
	tool_turn loop
	tool_turn "$second"
	tool_turn loop
done
# The timed region alone, with the drift taken out: the loop's spawn and
# benchfs's (spawner/spawn_measure.c as benchfs-spawner runs it) alternate iteration by
# iteration in one process. Printed after the targets, which it does not judge.
STEP=$((STEP + 1))
printf 'step %d: spawn_interleave\n' "$STEP"
INTERLEAVED=$("$SPAWN_INTERLEAVE" -n 200 -r $((ROUNDS * 4)) /bin/true) ||
	die "spawn_interleave failed"

STATUS=0
python3 - "$RESULTS" <<'EOF' || STATUS=$?
import statistics, sys
FIELDS = ("mean", "median", "wall/iter")
data = {}  # (case, tool) -> {step: (mean, median, wall)}
for line in open(sys.argv[1]):
    step, case, tool, *values = line.split("\t")
    data.setdefault((case, tool), {})[int(step)] = tuple(float(v) for v in values)

def ratios(case, tool, field):
    """Each turn of the tool against the mean of the loop runs just before and after it."""
    loop = data[(case, "loop")]
    return [v[field] / ((loop[step - 1][field] + loop[step + 1][field]) / 2)
            for step, v in sorted(data[(case, tool)].items())]

def ms(x):
    return "%.4f ms" % (x * 1e3)

print()
print("Ratios to the minimal loop: each turn against the loop runs just before and after")
print("it; the median over turns, then every turn in brackets. mean, median: as each tool")
print("reports them. wall/iter: the time it spent over warmups + runs, divided by their")
print("number (loop: its own clock around the whole loop; hyperfine: its process")
print("lifetime; benchfs: debug.log, from the benchmark's start line to its summary line).")
summary, per_turn = {}, {}
for case in ("true", "busy"):
    loop = data[(case, "loop")].values()
    print()
    means = [v[0] for v in loop]
    print("%s: the loop's own mean %s, wall/iter %s (medians of %d loop runs; their means"
          " range over %+.1f%%..%+.1f%% of the median: the machine's noise)" % (
        case, ms(statistics.median(means)), ms(statistics.median(v[2] for v in loop)),
        len(means), (min(means) / statistics.median(means) - 1) * 100,
        (max(means) / statistics.median(means) - 1) * 100))
    for tool in ("hyperfine", "benchfs"):
        for field, label in enumerate(FIELDS):
            rs = ratios(case, tool, field)
            summary[(case, tool, label)] = statistics.median(rs)
            per_turn[(case, tool, label)] = rs
            print("  %-9s %-9s %.4f  [%s]" % (tool, label, statistics.median(rs),
                                             " ".join("%.4f" % r for r in rs)))
    # Within one run, wall/iter over the mean is the time a tool spends outside
    # the timed region (spawn to reap): its bookkeeping between iterations. Both
    # figures come from the same seconds, so this holds even when the load drifts.
    print("  time outside the timed region, wall/iter / mean - 1, median [per run]:")
    for tool in ("loop", "hyperfine", "benchfs"):
        gaps = [v[2] / v[0] - 1 for _, v in sorted(data[(case, tool)].items())]
        print("  %-9s %+7.2f%%  [%s]" % (tool, statistics.median(gaps) * 100,
                                       " ".join("%+.2f%%" % (g * 100) for g in gaps)))

# A target is judged on the medians over turns; how many single turns meet it
# tells whether the machine was quiet enough for the verdict to mean much.
TARGETS = (
    ("/bin/true: benchfs mean within 3%% of the loop's (%+.2f%%)",
     lambda v: (v["true", "benchfs", "mean"] - 1) * 100, lambda x: abs(x) <= 3),
    ("/bin/true: benchfs wall/iter within 5%% of the loop's (%+.2f%%)",
     lambda v: (v["true", "benchfs", "wall/iter"] - 1) * 100, lambda x: x <= 5),
    ("/bin/true: benchfs mean below hyperfine's (benchfs/hyperfine %.4f)",
     lambda v: v["true", "benchfs", "mean"] / v["true", "hyperfine", "mean"], lambda x: x < 1),
    ("/bin/true: benchfs wall/iter below hyperfine's (benchfs/hyperfine %.4f)",
     lambda v: v["true", "benchfs", "wall/iter"] / v["true", "hyperfine", "wall/iter"],
     lambda x: x < 1),
    ("busy loop: loop, hyperfine and benchfs means agree within 1%% (spread %.2f%%)",
     lambda v: (max(1, v["busy", "hyperfine", "mean"], v["busy", "benchfs", "mean"])
                / min(1, v["busy", "hyperfine", "mean"], v["busy", "benchfs", "mean"]) - 1) * 100,
     lambda x: x <= 1),
)
turns = [{k: rs[i] for k, rs in per_turn.items()} for i in range(len(per_turn["true", "benchfs", "mean"]))]
print()
print("Targets (on the medians over turns; load average now %s):"
      % " ".join(open("/proc/loadavg").read().split()[:3]))
ok = True
for text, figure, test in TARGETS:
    met = test(figure(summary))
    agree = sum(test(figure(t)) for t in turns)
    print("  %s  %s; %d of %d turns meet it" % ("MET   " if met else "MISSED",
                                               text % figure(summary), agree, len(turns)))
    ok &= met
sys.exit(0 if ok else 3)
EOF
[ "$STATUS" = 0 ] || [ "$STATUS" = 3 ] || exit 1
echo
echo "The timed region without drift (bench/spawn_interleave; loop: as bench/spawn_loop;"
echo "attrs: the same with benchfs's spawn attributes; benchfs: spawner/spawn_measure.c as"
echo "benchfs-spawner runs a timed command; poll: its former wait on a pidfd):"
printf '%s\n' "$INTERLEAVED" | sed 's/^/  /'
exit "$STATUS"
