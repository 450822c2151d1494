#!/bin/bash
# Retention: without a "retain" section nothing is pruned; with one, a pass
# at an idle moment summarizes the runs the policy does not keep (their
# iterations, debug.log and perf data go; their statistics stay), keeps the
# baseline's runs and the A/B job's whole, leaves history/<b>.csv's rows of
# the pruned commits as they were and regressions unchanged, and says so in
# `cat retention`. A kill -9 in the middle of a pass (a test-only pause
# between its batches) leaves a consistent store, and the next pass
# completes it.
. "$(dirname "$0")/lib.sh"

CONF='{"warmup": 0, "runs": 3, "compare": {"max_pairs": 2},
  "benchmarks": [{"name": "work", "command": ["sh", "prog.sh"]}]}'
make_repo "$CONF"
# v1 prints: its runs' logs pass the cap the test sets (4096 bytes).
commit_prog one 'seq -f "a line of the output of v1, number %g" 1 200; sleep 0.02' v1
commit_prog two 'sleep 0.02' v2
commit_prog three 'sleep 0.03' v3
commit_prog four 'sleep 0.03' v4
commit_prog five 'sleep 0.03' v5
commit_prog six 'sleep 0.03' v6
DATA="$REPO/.git/benchfs"
DB="$DATA/benchfs.db"

# samples RUN: the run's iterations in the store.
samples() {
	if store_is_pg; then
		store_sql "SELECT count(*) FROM iterations WHERE run_id = $1"
		return
	fi
	python3 - "$DB" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
print(db.execute("SELECT count(*) FROM iterations WHERE run_id = ?", (int(sys.argv[2]),)).fetchone()[0])
PY
}
# row COMMIT: history/work.csv's row of COMMIT.
row() { grep "^$1," "$MNT/history/work.csv" || true; }

# ---- a history without a "retain" section: nothing is pruned ----
BENCHFS_TEST_LOG_MAX=4096 start_benchfs
printf '%s\n' v1 v2 v3 v3 v4 > "$MNT/queue"
wait_status 000005 '^done' 180
echo v5..v6 > "$MNT/queue"
wait_status 000007 '^done' 180
wait_status 000006 '^done' 10
echo v1 > "$MNT/baselines/rel" || fail "pinning v1"
grep -q '^policy: none' "$MNT/retention" || fail "retention without a policy: $(cat "$MNT/retention")"
grep -q '^last pass: never' "$MNT/retention" || fail "a pass without a policy: $(cat "$MNT/retention")"
for r in 1 2 3 4 5 6 7; do
	id=$(printf '%06d' $r)
	[ -s "$MNT/runs/$id/debug.log" ] || fail "runs/$id/debug.log is missing before any pass"
	# perf data as a profile leaves it (perf may not work on this machine).
	mkdir -p "$DATA/artifacts/$id"
	head -c 4096 /dev/zero > "$DATA/artifacts/$id/perf.data"
done
cp "$MNT/history/work.csv" "$T/before.csv"
# The cap: the log's first 2048 bytes, a marker, its last lines after a
# line saying what was dropped; the run's end is there.
log1="$MNT/runs/000001/debug.log"
size=$(stat -c %s "$log1")
[ "$size" -le $((4096 + 400)) ] || fail "debug.log of run 1 is $size bytes, over its cap"
grep -q 'debug.log reached 2048 bytes' "$log1" || fail "no marker where the cap was reached: $(head -c 3000 "$log1")"
grep -Eq '\.\.\. [0-9]+ bytes in [0-9]+ lines dropped here' "$log1" || fail "no line on what was dropped"
tail -1 "$log1" | grep -q '\] done' || fail "the end of the capped log: $(tail -2 "$log1")"
[ "$(stat -c %s "$MNT/runs/000002/debug.log")" -le 4096 ] || fail "run 2's log"
ok "a debug.log is capped: head, marker, tail ($size bytes)"
cat "$MNT/regressions" > "$T/regressions.before"
sleep 1
[ "$(samples 2)" = 3 ] || fail "run 2 lost its samples without a policy"
ok "without \"retain\" nothing is pruned; retention says so"
stop_daemon

# ---- a pass, killed between two batches ----
python3 - "$REPO/benchfs.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["retain"] = {"days": 0, "per_commit": 0, "every": "2s", "batch": 1}
open(sys.argv[1], "w").write(json.dumps(c, indent=2) + "\n")
PY
# 30 s between batches: time enough to look and kill, however loaded the machine.
BENCHFS_TEST_RETAIN_PAUSE_MS=30000 start_benchfs
for _ in $(seq 100); do
	[ "$(samples 2)" = 0 ] && break
	sleep 0.1
done
[ "$(samples 2)" = 0 ] || fail "no batch within 10 s: $(cat "$MNT/retention")"
cat "$MNT/retention" > "$T/retention.killed"
grep -q "^finished: no" "$T/retention.killed" || fail "the pass under way: $(cat "$T/retention.killed")"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
unmount
s3=$(samples 3)
[ "$s3" = 3 ] || fail "run 3 was touched after the first batch: $s3 samples; $(cat "$T/retention.killed")"
if store_is_pg; then
	# The same as below but SQLite's integrity_check: each summarized run, its
	# iterations and its summaries' samples.
	assert_eq "$(store_sql "SELECT s.run_id, (SELECT count(*) FROM iterations i WHERE i.run_id = s.run_id),
		(SELECT sum(n) FROM run_summaries r WHERE r.run_id = s.run_id) FROM summarized s")" "2|0|3" \
		"the store after kill -9: summarized runs, their iterations and summarized samples"
else
python3 - "$DB" <<'PY' || fail "the store after kill -9"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
# Every summarized run has its summaries and no iterations; no other run lost any.
for (run,) in db.execute("SELECT run_id FROM summarized"):
    assert db.execute("SELECT count(*) FROM iterations WHERE run_id = ?", (run,)).fetchone()[0] == 0
    assert db.execute("SELECT sum(n) FROM run_summaries WHERE run_id = ?", (run,)).fetchone()[0] == 3
assert [r for (r,) in db.execute("SELECT run_id FROM summarized")] == [2]
PY
fi
# A kill between a batch's commit and its files' removal leaves them: planted
# here, the next pass removes them.
[ ! -e "$DATA/logs/000002.log" ] || fail "run 2's debug.log survived its batch"
head -c 4096 /dev/zero > "$DATA/logs/000002.log"
mkdir -p "$DATA/artifacts/000002"
head -c 4096 /dev/zero > "$DATA/artifacts/000002/perf.data"
ok "kill -9 during a pass: one batch done, the rest untouched, the store consistent"

# ---- the next pass completes it ----
start_benchfs
for _ in $(seq 100); do
	grep -q '^total summarized: 4$' "$MNT/retention" && grep -q '^left: 0$' "$MNT/retention" &&
		grep -q '^finished: 2' "$MNT/retention" && break
	sleep 0.1
done
cat "$MNT/retention" > "$T/retention"
grep -q '^total summarized: 4$' "$T/retention" || fail "after the next pass: $(cat "$T/retention")"
for want in 'kept baseline: 1' 'kept paired: 2' 'kept recent: 0' 'summarized before: 1' \
	'summarized: 3' 'samples deleted: 9' 'total samples deleted: 12' 'every: 2s'; do
	grep -qx "$want" "$T/retention" || fail "retention lacks '$want': $(cat "$T/retention")"
done
# Freed: the logs and perf data of runs 3-5, and run 2's that the kill left.
freed=$(sed -n 's/^bytes freed: //p' "$T/retention")
[ "$freed" -gt $((5 * 4096)) ] || fail "bytes freed: $freed"
grep -q '^next pass: 2' "$T/retention" || fail "no next pass: $(cat "$T/retention")"
ok "the next pass completes it: $(tr '\n' ';' < "$T/retention" | cut -c1-200)"

for r in 2 3 4 5; do
	id=$(printf '%06d' $r)
	[ "$(samples $r)" = 0 ] || fail "run $r still has samples"
	[ ! -e "$DATA/logs/$id.log" ] || fail "run $r's debug.log survived"
	[ ! -s "$MNT/runs/$id/debug.log" ] || fail "runs/$id/debug.log is not empty"
	[ ! -e "$MNT/runs/$id/perf.data" ] || fail "runs/$id/perf.data survived"
	[ -s "$MNT/runs/$id/result.json" ] || fail "runs/$id/result.json is gone"
done
for r in 1 6 7; do
	id=$(printf '%06d' $r)
	[ "$(samples $r)" = 3 ] || [ $r != 1 ] || fail "run $r lost samples"
	[ "$(samples $r)" -gt 0 ] || fail "run $r lost its samples"
	[ -s "$MNT/runs/$id/debug.log" ] || fail "runs/$id/debug.log was deleted"
	[ -e "$MNT/runs/$id/perf.data" ] || fail "runs/$id/perf.data was deleted"
done
ok "summarized: runs 2-5 without samples, debug.log or perf.data; the baseline's and the A/B job's kept"

# history/work.csv: a row for every commit; a commit of one pruned run reads
# as it did; v3's two pruned runs pool to the same count, mean, deviation,
# min and max (its median is their medians' now).
cp "$MNT/history/work.csv" "$T/after.csv"
assert_eq "$(wc -l < "$T/after.csv")" "$(wc -l < "$T/before.csv")" "history rows"
for c in v1 v2 v4 v5 v6; do
	h=$(git -C "$REPO" rev-parse $c)
	assert_eq "$(row "$h")" "$(grep "^$h," "$T/before.csv")" "history row of $c"
done
h=$(git -C "$REPO" rev-parse v3)
python3 - "$(grep "^$h," "$T/before.csv")" "$(row "$h")" <<'PY' || fail "v3's row: $(row "$h")"
import sys
b, a = (l.split(",") for l in sys.argv[1:3])
# commit, time, runs, n equal; mean and stddev to 9 digits' rounding; min, max equal.
assert b[:4] == a[:4], (b, a)
assert abs(float(b[4]) - float(a[4])) <= 1e-8 * float(b[4]), (b, a)
assert abs(float(b[5]) - float(a[5])) <= 1e-6 * float(b[5]), (b, a)
assert b[7:] == a[7:], (b, a)
PY
cmp -s "$T/regressions.before" "$MNT/regressions" || fail "regressions changed: $(diff "$T/regressions.before" "$MNT/regressions")"
ok "history/work.csv covers the pruned runs; regressions unchanged"

# Compare of a commit whose runs are all summarized says so, with no verdict.
if out=$(cat "$MNT/compare/v1..v2.md" 2>&1); then
	grep -qi 'pruned' <<<"$out" || fail "compare v1..v2 without a word of the pruned samples: $out"
else
	grep -qi 'No data' <<<"$out" || fail "compare v1..v2: $out"
fi
ok "compare of a summarized commit says its samples were pruned"
