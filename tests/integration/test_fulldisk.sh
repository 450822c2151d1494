#!/bin/bash
# --data on a 2 MiB tmpfs that fills up during a run: the run whose
# measurements cannot be stored is queued again once space returns and
# ends done (its status never stays "running"), later runs are measured,
# and a queue write on the full disk fails with ENOSPC.
. "$(dirname "$0")/lib.sh"

# What fills here is SQLite's file (its WAL) on the data directory; a PostgreSQL store is not on it.
if store_is_pg; then
	echo "SKIP: the store is PostgreSQL's, not a file on the full data directory"
	exit 77
fi

DATA="$T/data"
mkdir -p "$DATA"
if ! mount -t tmpfs -o size=2m,mode=0700 benchfs-test "$DATA" 2>/dev/null; then
	echo "SKIP: cannot mount a tmpfs (needs root)"
	exit 77
fi
fulldisk_cleanup() {
	st=$?
	stop_daemon
	umount "$DATA" 2>/dev/null || umount -l "$DATA" 2>/dev/null || true
	set +e # cleanup reads the status from $?
	(exit $st)
	cleanup
}
trap fulldisk_cleanup EXIT

make_repo '{"runs": 6, "benchmarks": [{"name": "slow", "command": ["sleep", "0.3"]}]}'
commit_prog one 'true'
start_benchfs --data "$DATA"

echo HEAD > "$MNT/queue"
wait_status 000001 '^running slow 2/6$' 30
# Fill the disk: the next iteration's rows cannot be stored.
dd if=/dev/zero of="$DATA/fill" bs=64k 2>/dev/null || true
for _ in $(seq 100); do
	grep -q 'database or disk is full' "$T/daemon.log" && break
	sleep 0.1
done
grep -q 'database or disk is full' "$T/daemon.log" \
	|| fail "the full disk did not reach the store: $(cat "$MNT/runs/000001/status")"
sleep 1 # the runner meets it too
ok "the disk is full during run 000001: $(cat "$MNT/runs/000001/status")"

# A queue write now: recorded here, checked at the end.
enospc=$( { echo HEAD > "$MNT/queue"; } 2>&1 ) && enospc="the write succeeded"

rm -f "$DATA/fill"
wait_status 000001 '^done( |$)' 60
log1="$MNT/runs/000001/debug.log"
grep -q 'interrupted: store: .*database or disk is full; its partial measurements are discarded and it is queued again' "$log1" \
	|| fail "run 000001's debug.log does not say why it was queued again: $(tail -n 5 "$log1")"
grep -q 'attempt 2' "$log1" || fail "run 000001 was not measured again"
assert_eq "$(json "$MNT/runs/000001/result.json" 'len(j["results"][0]["times"])')" 6 "iterations of the re-run"
ok "once space returns run 000001 is queued again and ends done"

echo HEAD > "$MNT/queue"
last=$(ls "$MNT/runs" | tail -n 1)
wait_status "$last" '^done( |$)' 60
assert_eq "$(cat "$MNT/queue")" "" "queue once every run ended"
for r in $(ls "$MNT/runs"); do
	case "$(cat "$MNT/runs/$r/status")" in
	done*) ;;
	*) fail "run $r: $(cat "$MNT/runs/$r/status")" ;;
	esac
done
ok "later runs are measured; no status is left running"

case "$enospc" in
*"No space left on device"*) ;;
*) fail "a queue write on the full disk: '$enospc', expected 'No space left on device'" ;;
esac
ok "a queue write on the full disk fails with ENOSPC"
echo "4 passed, 0 failed"
