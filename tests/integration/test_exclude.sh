#!/bin/bash
# Excluding a run taken under bad conditions: echo reason > runs/<id>/exclude
# and rm -r runs/<id> both exclude (nothing is deleted: the directory stays,
# readable, with the mark), rm runs/<id>/exclude includes it again. An
# excluded run counts nowhere: history/<b>.csv, compare of commits, latest,
# commits/, the command line's history and compare; a compare naming it
# directly still works. Pending runs are
# refused (EBUSY), an A/B job's sides go together, and the mark survives a
# restart.
. "$(dirname "$0")/lib.sh"

SLOW="$T/slow" # present: the benchmark runs under a planted "load spike"
HOLD="$T/hold" # present: the benchmark waits (30 s at most), so its run stays pending
make_repo '{"warmup": 0, "runs": 4, "compare": {"max_pairs": 2},
  "benchmarks": [{"name": "work", "command": ["sh", "prog.sh"]}]}'
commit_prog one 'i=0; while [ -e "'"$HOLD"'" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
if [ -e "'"$SLOW"'" ]; then sleep 0.3; else sleep 0.02; fi' v1
commit_prog two 'if [ -e "'"$SLOW"'" ]; then sleep 0.3; else sleep 0.02; fi' v2
v1=$(git -C "$REPO" rev-parse v1) v2=$(git -C "$REPO" rev-parse v2)
start_benchfs

# excluded RUN: whether runs/RUN/status carries the flag (other flags, such
# as interference on a loaded machine, may come before it).
excluded() { grep -Eq '^(done|failed).*[ (]excluded\)$' "$MNT/runs/$1/status"; }

# mean_of COMMIT: the mean in history/work.csv's row of COMMIT ("" when none).
mean_of() {
	python3 - "$MNT/history/work.csv" "$1" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(next((r["mean"] for r in rows if r["commit"] == sys.argv[2]), ""))
PY
}

# ---- three runs: v1, v2, and v2 again under the planted load spike ----
printf '%s\n' v1 v2 > "$MNT/queue"
wait_status 000002 '^done' 120
touch "$SLOW"
echo v2 > "$MNT/queue"
wait_status 000003 '^done' 120
rm -f "$SLOW"
head -1 "$MNT/history/work.csv" | grep -q mean || fail "history/work.csv's header: $(head -1 "$MNT/history/work.csv")"
cp "$MNT/history/work.csv" "$T/before.csv"
slow=$(mean_of "$v2")
python3 -c "import sys; sys.exit(0 if float('$slow') > 0.1 else 1)" || fail "the load spike is not in v2's mean: $slow"
assert_eq "$(json "$MNT/compare/v1..v2.json" 'j["benchmarks"][0]["runs_b"]')" 2 "compare v1..v2 pools both runs of v2"
assert_eq "$(readlink "$MNT/latest")" runs/000003 "latest before"
ok "a run under a load spike pulls v2's history up (mean $slow s)"

# ---- echo reason > exclude ----
echo "load spike" > "$MNT/runs/000003/exclude" || fail "echo > runs/000003/exclude failed"
assert_eq "$(cat "$MNT/runs/000003/exclude")" "load spike" "the reason kept"
excluded 000003 || fail "status flags: $(cat "$MNT/runs/000003/status")"
assert_eq "$(json "$MNT/runs/000003/result.json" 'j["benchfs"]["excluded"]["reason"]')" "load spike" \
	"result.json's benchfs section"
valid result.schema.json "$MNT/runs/000003/result.json"
ls "$MNT/runs/000003" | grep -qx exclude || fail "ls runs/000003 does not show the mark"
ls "$MNT/runs/000002" | grep -qx exclude && fail "ls runs/000002 shows a mark"
ls "$MNT/runs" | grep -qx 000003 || fail "the excluded run left runs/"
cp "$MNT/history/work.csv" "$T/after.csv"
cmp -s "$T/before.csv" "$T/after.csv" && fail "history/work.csv did not change"
fast=$(mean_of "$v2")
python3 -c "import sys; sys.exit(0 if float('$fast') < 0.1 else 1)" || fail "v2's mean still has the spike: $fast"
assert_eq "$(json "$MNT/compare/v1..v2.json" 'j["benchmarks"][0]["runs_b"]')" 1 "compare v1..v2 without the excluded run"
assert_eq "$(readlink "$MNT/latest")" runs/000002 "latest skips the excluded run"
# Named directly, the run still compares.
json "$MNT/compare/run-1..run-3.json" 'j["benchmarks"][0]["runs_b"]' > "$T/out" || fail "compare/run-1..run-3 unreadable"
assert_eq "$(cat "$T/out")" 1 "compare naming the excluded run"
ok "echo reason > exclude: history, compare and latest skip the run; status, result.json and ls show the mark"
# The command line reads the same store: the same views.
bf history --repo "$REPO" --format csv work
expect_status 0 "benchfs history"
cmp -s "$T/out" "$T/after.csv" || fail "benchfs history differs from the mount: $(cat "$T/out")"
bf compare --repo "$REPO" --format json v1 v2
expect_status 0 "benchfs compare"
assert_eq "$(json "$T/out" 'j["benchmarks"][0]["runs_b"]')" 1 "benchfs compare v1 v2 without the excluded run"
ok "benchfs history and compare skip the excluded run too"

# ---- rm runs/<id>/exclude: included again ----
rm "$MNT/runs/000003/exclude" || fail "rm runs/000003/exclude failed"
excluded 000003 && fail "status after including: $(cat "$MNT/runs/000003/status")"
assert_eq "$(cat "$MNT/runs/000003/exclude")" "" "no reason after including"
cmp -s "$T/before.csv" "$MNT/history/work.csv" || fail "history/work.csv differs from before: $(cat "$MNT/history/work.csv")"
assert_eq "$(readlink "$MNT/latest")" runs/000003 "latest after including"
ok "rm runs/<id>/exclude includes the run again: history as before"

# ---- rm -r runs/<id>: excludes, deletes nothing ----
rm -r "$MNT/runs/000003" 2> "$T/err" || fail "rm -r runs/000003: $(cat "$T/err")"
[ -d "$MNT/runs/000003" ] || fail "runs/000003 is gone"
excluded 000003 || fail "status after rm -r: $(cat "$MNT/runs/000003/status")"
[ -s "$MNT/runs/000003/result.json" ] || fail "result.json is gone after rm -r"
cmp -s "$T/after.csv" "$MNT/history/work.csv" || fail "history/work.csv after rm -r: $(cat "$MNT/history/work.csv")"
ok "rm -r runs/<id> excludes the run ($(cat "$MNT/runs/000003/exclude")), its files stay readable"

# ---- pending runs cannot be excluded ----
touch "$HOLD"
echo v1 > "$MNT/queue"
wait_status 000004 '^running' 60
if out=$(echo x 2>&1 > "$MNT/runs/000004/exclude"); then fail "a running run was excluded"; fi
case "$out" in *"busy"*) ;; *) fail "exclude of a running run: $out" ;; esac
if rm -r "$MNT/runs/000004" 2> "$T/err"; then fail "rm -r of a running run succeeded"; fi
grep -qi busy "$T/err" || fail "rm -r of a running run: $(cat "$T/err")"
rm -f "$HOLD"
wait_status 000004 '^done' 60
ok "a running run: EBUSY (echo and rm -r)"

# ---- an A/B job: excluding one side excludes both ----
echo v1..v2 > "$MNT/queue"
wait_status 000006 '^done' 120
echo "noisy neighbour" > "$MNT/runs/000005/exclude"
excluded 000006 || fail "the other side of the A/B job: $(cat "$MNT/runs/000006/status")"
assert_eq "$(cat "$MNT/runs/000006/exclude")" "noisy neighbour" "the other side's reason"
rm "$MNT/runs/000006/exclude"
excluded 000005 && fail "the first side still excluded: $(cat "$MNT/runs/000005/status")"
ls "$MNT/runs/000005" | grep -qx exclude && fail "the first side still marked"
ok "an A/B job's sides are excluded and included together"

# ---- the mark survives a restart ----
cp "$MNT/history/work.csv" "$T/stopped.csv"
stop_daemon
start_benchfs
excluded 000003 || fail "status after a restart: $(cat "$MNT/runs/000003/status")"
assert_eq "$(cat "$MNT/runs/000003/exclude")" "removed with rm" "reason after a restart"
cmp -s "$T/stopped.csv" "$MNT/history/work.csv" || fail "history/work.csv after a restart: $(cat "$MNT/history/work.csv")"
ok "the exclusion survives a restart"
