#!/bin/bash
# Metrics a benchmark reports through $BENCHFS_METRICS (name value lines and
# JSON lines), one "bytes" derives, malformed and undeclared lines in
# debug.log, a declared metric missing failing the run (or kept without it
# under ignore_failure), and the values in result.json and the store.
. "$(dirname "$0")/lib.sh"

make_repo '{"build": "cp prog.sh prog && chmod +x prog", "runs": 3, "warmup": 1,
  "benchmarks": [
    {"name": "report", "command": "./prog report",
     "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"},
                 "ops": {"unit": "op/s", "better": "lower"}}},
    {"name": "derived", "command": ["./prog", "derived"], "bytes": 52428800},
    {"name": "noisy", "command": "./prog noisy",
     "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"}}},
    {"name": "partial", "command": "./prog partial", "ignore_failure": true,
     "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"}}},
    {"name": "counted", "command": "./prog report", "runs": 1, "warmup": 0,
     "metrics": {"instructions": true, "throughput": {"unit": "MiB/s", "better": "higher"},
                 "ops": {"unit": "op/s", "better": "lower"}}}]}'
# Iteration i of report writes throughput 100 + i (warmups too: their files
# are discarded) and ops as a JSON line beside a name nobody declared.
body='case "$1" in
report)
	echo "throughput $((100 + BENCHFS_ITERATION))" >> "$BENCHFS_METRICS"
	echo "{\"ops\": 7, \"undeclared_one\": 1}" >> "$BENCHFS_METRICS" ;;
derived) head -c 4096 /dev/zero > /dev/null ;;
noisy) printf "# a comment\nthroughput 5\nthis is not a metric\nthroughput 6\n" >> "$BENCHFS_METRICS" ;;
partial) if [ $((BENCHFS_ITERATION % 2)) = 1 ]; then echo "throughput 1.5" >> "$BENCHFS_METRICS"; fi ;;
esac'
commit_prog reporting "$body"
commit_prog missing "$(printf '%s\n' "$body" | sed 's/^report)$/report) exit 0/')"
start_benchfs

git -C "$REPO" rev-parse HEAD~1 > "$MNT/queue"
wait_status 000001 '^done( |$)' 120
R="$MNT/runs/000001/result.json"
m() { json "$R" "[r for r in j['results'] if r['name'] == '$1'][0].get('metrics')$2"; }
assert_eq "$(m report "['throughput']['values']")" "[101, 102, 103]" "report's throughput values"
assert_eq "$(m report "['throughput']['unit'], j['results'][0]['metrics']['throughput']['better']")" \
	"('MiB/s', 'higher')" "report's throughput unit and direction"
assert_eq "$(m report "['throughput']['mean'], j['results'][0]['metrics']['throughput']['median']")" \
	"(102, 102)" "report's throughput mean and median"
assert_eq "$(m report "['throughput']['min'], j['results'][0]['metrics']['throughput']['max']")" \
	"(101, 103)" "report's throughput min and max"
assert_eq "$(m report "['ops']['values'], j['results'][0]['metrics']['ops']['better']")" \
	"([7, 7, 7], 'lower')" "report's JSON-line metric"
assert_eq "$(m report ".keys()")" "dict_keys(['throughput', 'ops'])" "only declared metrics"
ok "report: throughput 101..103 and ops 7 from BENCHFS_METRICS in result.json"

# bytes / 2^20 / wall seconds, from the wall times result.json gives.
python3 - "$R" <<'PY' || fail "derived throughput does not match bytes / wall"
import json, sys
r = [r for r in json.load(open(sys.argv[1]))["results"] if r["name"] == "derived"][0]
t = r["metrics"]["throughput"]
assert (t["unit"], t["better"]) == ("MiB/s", "higher"), t
assert len(t["values"]) == 3, t
for v, wall in zip(t["values"], r["times"]):
    assert abs(v - 50 / wall) <= 1e-9 * v, (v, wall)
PY
ok "derived: throughput from \"bytes\" = 50 MiB / wall time"

assert_eq "$(m noisy "['throughput']['values']")" "[5, 5, 5]" "noisy's first values kept"
D="$MNT/runs/000001/debug.log"
grep -q 'noisy iteration 1: BENCHFS_METRICS line 3 ignored (not `name value`): this is not a metric' "$D" ||
	fail "malformed line not in debug.log: $(grep -i metric "$D" | head -5)"
grep -q 'noisy iteration 2: metric throughput given twice; the second value (6) is ignored' "$D" ||
	fail "second value not in debug.log"
grep -q 'report iteration 3: BENCHFS_METRICS line 2 ignored: metric undeclared_one is not declared' "$D" ||
	fail "undeclared name not in debug.log"
if grep -q 'iteration -1' "$D"; then fail "a warmup's figures were read"; fi
ok "malformed, repeated and undeclared lines named in debug.log, the lines ignored"

assert_eq "$(m partial "['throughput']['values']")" "[1.5, 1.5]" "partial: iterations 1 and 3 only"
grep -q 'partial iteration 2/3: metric throughput is declared but was not reported (ignored: ignore_failure' "$D" ||
	fail "missing metric under ignore_failure not in debug.log"
ok "ignore_failure: an iteration without its declared metric is kept without it"

# The iteration under callgrind writes its figures too, into a file nobody reads.
[ "$(json "$R" "[r for r in j['results'] if r['name'] == 'counted'][0]['instructions'] > 0")" = True ] ||
	fail "no instruction count"
assert_eq "$(m counted "['throughput']['values']")" "[101]" "counted's measured value only"
if grep -q 'cannot create' "$D"; then fail "the profiled iteration had no BENCHFS_METRICS: $(grep 'cannot create' "$D")"; fi
ok "the profiled iteration finds BENCHFS_METRICS too"

valid result.schema.json "$R"
ok "result.json valid against result.schema.json"

sql() {
	if store_is_pg; then
		store_sql "$1"
		return
	fi
	python3 -c 'import sqlite3, sys
for row in sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute(sys.argv[2]):
    print("|".join(map(str, row)))' "$REPO/.git/benchfs/benchfs.db" "$1"
}
# A whole double as sql prints it: Python's 15.0, psql's 15 (both exact).
whole=.0
! store_is_pg || whole=
# (Grouped by unit and higher too: they follow from the name, but PostgreSQL asks.)
assert_eq "$(sql "SELECT b.name, d.name, d.unit, d.higher, count(*), sum(s.value) FROM metric_samples s
	JOIN benchmarks b ON b.id = s.bench_id JOIN metric_defs d ON d.id = s.metric_id
	WHERE s.run_id = 1 AND b.name IN ('report', 'noisy', 'partial') GROUP BY 1, 2, 3, 4 ORDER BY 1, 2")" \
	"$(printf '%s\n' "noisy|throughput|MiB/s|1|3|15$whole" "partial|throughput|MiB/s|1|2|3$whole" \
		"report|ops|op/s|0|3|21$whole" "report|throughput|MiB/s|1|3|306$whole")" "the store's metric samples"
assert_eq "$(sql "SELECT count(*) FROM metric_samples s JOIN benchmarks b ON b.id = s.bench_id
	WHERE s.run_id = 1 AND b.name = 'derived'")" 3 "derived samples stored"
ok "the store holds every value with its definition"

# The store packs result.json with the per-iteration arrays cut out ('P');
# "metrics" stays in the compressed text, and the bytes read back are the
# rendered ones: the size listed is the size read, and it parses (above).
first_byte="hex(substr(result_z, 1, 1))"
! store_is_pg || first_byte="encode(substring(result_z from 1 for 1), 'hex')" # PostgreSQL has no hex()
assert_eq "$(sql "SELECT $first_byte FROM runs WHERE id = 1")" 50 "result.json packed"
assert_eq "$(stat -c %s "$R")" "$(wc -c < "$R")" "result.json's size"
ok "result.json packed with its arrays cut out, read back whole"

# The missing declared metric fails the run, naming it.
git -C "$REPO" rev-parse HEAD > "$MNT/queue"
wait_status 000002 '^failed: ' 120
assert_eq "$(cat "$MNT/runs/000002/status")" \
	"failed: report iteration 1/3: metric throughput is declared but was not reported (no \"throughput <value>\" line in \$BENCHFS_METRICS)" \
	"missing metric status"
[ ! -e "$MNT/runs/000002/result.json" ] || fail "a failed run has result.json"
ok "missing declared metric: $(cat "$MNT/runs/000002/status")"

left=$(ls "$REPO/.git/benchfs/tmp" 2>/dev/null | grep '^metrics-' || true)
assert_eq "$left" "" "metrics directories left behind"
ok "no metrics files left behind"
echo "10 passed, 0 failed"
