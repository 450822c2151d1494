#!/bin/bash
# benchfs cancel without Slurm: a queued job fails with detail "cancelled"
# (both sides of an A/B job); a running one too, and its runner, at its
# next heartbeat, stops measuring it and records nothing more; the runner
# goes on with the next job. Ids that name no pending job are refused.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

make_repo '{"warmup": 0, "runs": 3, "benchmarks": [{"name": "nap", "command": ["sh", "prog.sh"]}]}'
commit_prog one 'sleep 0.2' one
commit_prog slow 'sleep 60' slow

# A short lease: the heartbeat that finds the job cancelled comes each second.
start_benchfs --lease 3
printf 'slow\none..slow\n' > "$MNT/queue"
wait_status 000001 '^running' 60
next=4
if store_is_pg; then
	# On a shared store, benchfs run measures the job it queued, never the
	# queued A/B job it could take as well.
	"$BENCHFS" run --repo "$REPO" --data "$T/other" one > "$T/run.out" 2> "$T/run.err" ||
		fail "benchfs run one failed: $(cat "$T/run.err")"
	assert_eq "$(store_sql "SELECT id || ' ' || state || ' ' || runner FROM runs WHERE id >= 2 ORDER BY id")" \
		"$(printf '2 queued \n3 queued \n4 done %s' "$(hostname):$T/other")" "the queue after benchfs run one"
	ok "benchfs run on a shared store measures only the job it queued"
	next=5
fi
out=$("$BENCHFS" cancel --repo "$REPO" 000002) || fail "benchfs cancel 000002 failed"
assert_eq "$(printf '%s\n' "$out" | sort)" "$(printf '000002\tcancelled\n000003\tcancelled')" \
	"benchfs cancel of an A/B job: both sides"
for id in 000002 000003; do
	assert_eq "$(cat "$MNT/runs/$id/status")" "failed: cancelled" "runs/$id/status"
done
ok "a queued A/B job: both sides failed: cancelled"

started=$(date +%s)
out=$("$BENCHFS" cancel --repo "$REPO" run-1) || fail "benchfs cancel run-1 failed"
assert_eq "$out" "$(printf '000001\tcancelled')" "benchfs cancel of the running job"
wait_status 000001 '^failed: cancelled' 5
for _ in $(seq 100); do
	grep -q 'interrupted: the job was cancelled' "$MNT/runs/000001/debug.log" 2>/dev/null && break
	sleep 0.1
done
grep -q 'interrupted: the job was cancelled' "$MNT/runs/000001/debug.log" ||
	fail "the runner did not stop the cancelled job: $(tail -3 "$MNT/runs/000001/debug.log")"
[ $(( $(date +%s) - started )) -lt 30 ] || fail "the cancelled benchmark ran on"
sleep 2
assert_eq "$(cat "$MNT/runs/000001/status")" "failed: cancelled" "runs/000001/status after the runner stopped"
ok "a running job: failed: cancelled, its runner stopped it at the next heartbeat"

echo one > "$MNT/queue"
wait_status 00000$next '^done' 60
ok "the runner measures the next job after a cancelled one"

set +e
msg=$("$BENCHFS" cancel --repo "$REPO" 00000$next 2>&1); rc=$?
set -e
assert_eq "$rc" 2 "benchfs cancel of a done job"
assert_eq "$msg" "benchfs: cancel: run 00000$next is done already: nothing to cancel" "its message"
set +e
msg=$("$BENCHFS" cancel --repo "$REPO" 42 2>&1); rc=$?
set -e
assert_eq "$rc" 2 "benchfs cancel of an unknown id"
assert_eq "$msg" "benchfs: cancel: no run 000042" "its message"
set +e
"$BENCHFS" cancel --repo "$REPO" HEAD > /dev/null 2>&1; rc=$?
set -e
assert_eq "$rc" 2 "benchfs cancel HEAD"
ok "cancel refuses a finished, unknown or malformed id"
