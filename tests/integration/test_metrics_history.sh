#!/bin/bash
# The history of a metric besides wall time, through the mount: a commit
# whose benchmark allocates 64 MiB more shows in history/<bench>:memory.csv
# (bytes) and .svg (its axis in bytes, the step marked red) and as a line
# "<bench>:memory" in regressions; a benchmark whose memory never moved has
# none; history/ lists every benchmark's cpu and memory files. A throughput
# reported through $BENCHFS_METRICS regresses downwards: its drop is a line,
# its rise none.
. "$(dirname "$0")/lib.sh"

# "alloc" reads 1 MiB, then from c7 on 65 MiB, into one buffer (dd's block
# size: its peak RSS grows by 64 MiB); "steady" sleeps; "drop" and "rise"
# report a throughput (higher is better) through $BENCHFS_METRICS, 100 MiB/s
# (give or take 1) until c6, then drop's 80 (-20%: worse), rise's 125
# (+25%: better). 12 commits, one run each: the regressions test sees one
# value a commit. alpha 0.05 and a 10% threshold.
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 3, "timeout": 30,
  "compare": {"alpha": 0.05, "threshold": 0.1, "confirm": false},
  "benchmarks": [
    {"name": "steady", "command": ["./prog", "steady"]},
    {"name": "alloc", "command": ["./prog", "alloc"]},
    {"name": "drop", "command": ["./prog", "drop"],
     "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"}}},
    {"name": "rise", "command": ["./prog", "rise"],
     "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"}}}
  ]}'
for i in $(seq 12); do
	bs=1M drop=100 rise=100
	[ "$i" -ge 7 ] && bs=65M drop=80 rise=125
	commit_prog "c$i" "case \"\$1\" in
steady) exec sleep 0.01 ;;
alloc) exec dd if=/dev/zero of=/dev/null bs=$bs count=1 status=none ;;
drop) echo \"throughput \$(($drop + BENCHFS_ITERATION % 2))\" >> \"\$BENCHFS_METRICS\" ;;
rise) echo \"throughput \$(($rise + BENCHFS_ITERATION % 2))\" >> \"\$BENCHFS_METRICS\" ;;
esac"
done
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
# The step's lower bound, in MiB. Before the step a small program's peak
# reads no lower than benchfs-spawner's resident set (a posix_spawn child
# keeps its parent's RSS high-water mark through exec): 0.7 MiB for the
# normal, static spawner, below dd's own; a sanitizer build's dynamic one
# holds about 7 MiB, on which dd's figure sits (debug.log says so).
low=54
spawner=${BENCHFS_SPAWNER:-$(dirname "$BENCHFS")/benchfs-spawner}
if command -v file > /dev/null && file -L "$spawner" | grep -q 'statically linked'; then
	low=60
fi
c6=$(c 6) c7=$(c 7)

start_benchfs
git -C "$REPO" rev-list --reverse HEAD > "$MNT/queue"
wait_status 000012 '^done( |$)' 240

# ---- history/ lists the metrics ----
ls "$MNT/history" > "$T/ls"
for name in alloc.csv alloc.svg alloc:cpu.csv alloc:cpu.svg alloc:memory.csv alloc:memory.svg \
	steady:cpu.csv steady:memory.svg drop:throughput.csv rise:throughput.svg; do
	grep -qx "$name" "$T/ls" || fail "ls history/ lacks $name: $(tr '\n' ' ' < "$T/ls")"
done
grep -q '^steady:throughput' "$T/ls" && fail "ls history/ lists steady:throughput"
[ -e "$MNT/history/alloc:nope.csv" ] && fail "history/alloc:nope.csv exists"
[ -e "$MNT/history/nope:memory.csv" ] && fail "history/nope:memory.csv exists"
ok "ls history/ lists each benchmark's cpu and memory, the throughput of those reporting it; unknown ones are ENOENT"

# ---- history/alloc:memory.csv: bytes, the step at c7 ----
csv="$MNT/history/alloc:memory.csv"
head -1 "$csv" | grep -qx 'commit,commit_time,runs,n,mean (bytes),stddev (bytes),median (bytes),min (bytes),max (bytes)' \
	|| fail "csv header: $(head -1 "$csv")"
python3 - "$csv" "$c7" "$low" <<'PY' || fail "history/alloc:memory.csv: $(cat "$csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 12, len(rows)
at = [r["commit"] for r in rows].index(sys.argv[2])
assert at == 6, at
means = [float(r["mean (bytes)"]) for r in rows]
before, after = max(means[:6]), min(means[6:])
# dd's buffer: 64 MiB more, on top of the same program's own pages (or of
# the spawner's floor, see low).
assert after - before > int(sys.argv[3]) * 2**20 and after - before < 70 * 2**20, (before, after)
assert all(int(r["n"]) == 3 for r in rows)
PY
cat "$MNT/history/alloc.csv" | head -1 | grep -qx 'commit,commit_time,runs,n,mean,stddev,median,min,max' \
	|| fail "wall time's csv header moved: $(head -1 "$MNT/history/alloc.csv")"
ok "history/alloc:memory.csv: the means in bytes, 64 MiB more from c7 on"

# ---- regressions: the memory step, once ----
cat "$MNT/regressions" > "$T/reg"
grep -P "^[0-9a-f]{40}\talloc:memory\t" "$T/reg" > "$T/mem" || fail "no alloc:memory line: $(cat "$T/reg")"
assert_eq "$(wc -l < "$T/mem")" 1 "alloc:memory lines ($(cat "$T/reg"))"
IFS=$'\t' read -r commit bench before after change p runs threshold source method range alert state culprit < "$T/mem"
assert_eq "$commit $bench $threshold $source $method $range $state $culprit" \
	"$c7 alloc:memory 10% fixed runs - new -" "the memory line"
assert_eq "$(awk -F '\t' '{ print NF }' "$T/mem")" 14 "fields of the memory line"
python3 -c "import sys; b, a = float(sys.argv[1]), float(sys.argv[2]); assert int(sys.argv[3]) * 2**20 < a - b < 70 * 2**20, (b, a)" "$before" "$after" "$low" \
	|| fail "memory line's means: $before $after"
case "$change" in +*%) ;; *) fail "change $change" ;; esac
grep -P "\tsteady:memory\t" "$T/reg" && fail "a steady:memory line: $(cat "$T/reg")"
# Every line has the 14 fields, whatever its metric.
awk -F '\t' 'NF != 14 { exit 1 }' "$T/reg" || fail "a line without 14 fields: $(cat "$T/reg")"
ok "regressions: alloc:memory $change at c7 ($before -> $after bytes), nothing for steady's memory"

# ---- a throughput, higher is better: its drop is a regression, its rise none ----
grep -P "^[0-9a-f]{40}\tdrop:throughput\t" "$T/reg" > "$T/drop" || fail "no drop:throughput line: $(cat "$T/reg")"
assert_eq "$(wc -l < "$T/drop")" 1 "drop:throughput lines ($(cat "$T/reg"))"
IFS=$'\t' read -r commit bench before after change _ < "$T/drop"
assert_eq "$commit $bench" "$c7 drop:throughput" "the throughput line"
python3 -c "import sys; b, a, c = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3].rstrip('%')); assert 99 < b < 102 and 79 < a < 82 and -21 < c < -19, (b, a, c)" \
	"$before" "$after" "$change" || fail "throughput line: $before -> $after ($change)"
grep -P "\trise:throughput\t" "$T/reg" && fail "a line for rise's better throughput: $(cat "$T/reg")"
csv="$MNT/history/drop:throughput.csv"
head -1 "$csv" | grep -qx 'commit,commit_time,runs,n,mean (MiB/s),stddev (MiB/s),median (MiB/s),min (MiB/s),max (MiB/s)' \
	|| fail "throughput csv header: $(head -1 "$csv")"
grep -q 'stroke="#2e7d32" stroke-width="1.5"' "$MNT/history/rise:throughput.svg" \
	|| fail "rise:throughput.svg: the rise not marked green"
grep -q 'stroke="#c62828" stroke-width="1.5"' "$MNT/history/rise:throughput.svg" \
	&& fail "rise:throughput.svg: the rise marked red"
grep -q 'stroke="#c62828" stroke-width="1.5"' "$MNT/history/drop:throughput.svg" \
	|| fail "drop:throughput.svg: the drop not marked red"
ok "regressions: drop:throughput $change at c7, rise's +25% none; their plots mark red and green"

# ---- the plot ----
svg="$MNT/history/alloc:memory.svg"
grep -q '>memory (bytes)</text>' "$svg" || fail "svg axis: $(grep -o '<text transform[^<]*</text>' "$svg")"
grep -q 'stroke="#c62828" stroke-width="1.5"' "$svg" || fail "svg: no red change mark"
python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$svg" || fail "svg not well-formed"
ok "history/alloc:memory.svg: axis in bytes, the step marked as a regression"

# ---- benchfs check: a declared metric's step fails the gate, a built-in's does not ----
st=0
"$BENCHFS" check --repo "$REPO" --format json > "$T/check.json" 2> "$T/err" || st=$?
assert_eq "$st" 3 "check's exit with drop:throughput's alert new"
python3 - "$T/check.json" "$(dirname "$0")/../../docs/schemas/check.schema.json" <<'EOF_PY' \
	|| fail "check's alerts: $(cat "$T/check.json")"
import json, sys, jsonschema
d = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[2]))).validate(d)
gated = {a["benchmark"]: a["gated"] for a in d["alerts"]}
assert gated.get("alloc:memory") is False, gated
assert gated.get("drop:throughput") is True, gated
EOF_PY
ok "check: drop:throughput's step gates, alloc:memory's is shown not gated"

# ---- the alert of the memory step ----
[ -e "$MNT/alerts/$alert" ] || fail "alerts/$alert missing"
grep -qx $'kind\tmemory' "$MNT/alerts/$alert" || fail "alerts/$alert: $(cat "$MNT/alerts/$alert")"
echo ack > "$MNT/alerts/$alert"
awk -F '\t' -v a="$alert" '$12 == a { print $13 }' "$MNT/regressions" > "$T/state"
assert_eq "$(cat "$T/state")" ack "the memory alert's state after ack"
ok "alerts/$alert: kind memory, acknowledged in regressions"
