#!/bin/bash
# Alert triage: each regressions line has an alert id (field 12) and a state
# (field 13); alerts/<id> shows it, a write sets its state, which survives a
# kill -9 and lets `benchfs check` pass; a bad word is EINVAL and stores
# nothing. The on_alert command gets each new alert once, as JSON on its
# standard input, and not again after a restart. The step is in instruction
# counts (valgrind), which are deterministic.
. "$(dirname "$0")/lib.sh"

if ! command -v valgrind > /dev/null; then
	log "SKIP: valgrind is not installed (the step is in instruction counts)"
	exit 0
fi
# The notifier: each alert it is given into a file of its own, with its arguments.
mkdir -p "$T/notified"
printf '#!/bin/sh\nn=$(ls "%s" | wc -l)\ncat > "%s/$n.json"\necho "$*" > "%s/$n.args"\necho "told $n" >&2\n' \
	"$T/notified" "$T/notified" "$T/notified" > "$T/notify.sh"
chmod +x "$T/notify.sh"
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 2, "timeout": 60,
  "on_alert": ["'"$T"'/notify.sh", "--from", "benchfs"],
  "benchmarks": [{"name": "counted", "command": ["./prog"], "metrics": ["instructions"]}]
}'
commit_prog c1 'i=0; while [ $i -lt 10 ]; do i=$((i + 1)); done'
commit_prog c2 'i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); done'
c1=$(git -C "$REPO" rev-parse HEAD~1)
c2=$(git -C "$REPO" rev-parse HEAD)
start_benchfs
printf '%s\n%s\n' "$c1" "$c2" > "$MNT/queue"
wait_status 000001 '^done( |$)' 120
wait_status 000002 '^done( |$)' 120

# regressions: one line, the count's step at c2, with its id and state new.
[ "$(wc -l < "$MNT/regressions")" = 1 ] || fail "regressions: $(cat "$MNT/regressions")"
line=$(cat "$MNT/regressions")
assert_eq "$(echo "$line" | awk -F'\t' '{print NF}')" 14 "fields of a regressions line (14: the culprit)"
assert_eq "$(echo "$line" | cut -f1,2)" "$c2	counted:instructions" "the step"
id=$(echo "$line" | cut -f12)
echo "$id" | grep -Eqx '[0-9a-f]{12}' || fail "alert id '$id'"
assert_eq "$(echo "$line" | cut -f13)" new "a new alert's state"
assert_eq "$(ls "$MNT/alerts")" "$id" "ls alerts"
cat "$MNT/alerts/$id" > "$T/alert"
grep -qx "alert	$id" "$T/alert" || fail "alerts/$id: $(cat "$T/alert")"
grep -qx "commit	$c2" "$T/alert" || fail "alerts/$id has no commit"
grep -qx "benchmark	counted:instructions" "$T/alert" || fail "alerts/$id has no benchmark"
grep -qx "state	new" "$T/alert" || fail "alerts/$id is not new"
grep -qx "method	count" "$T/alert" || fail "alerts/$id has no method"
grep -qx "range	$c1..$c2" "$T/alert" || fail "alerts/$id has no range"
ok "regressions line with alert $id, state new; alerts/$id shows it"

# The check without a revision fails on the new alert.
bf check --repo "$REPO"
expect_status 3 "check with a new alert"
grep -q '^benchfs check regressions: REGRESSED: 1 new of 1 line$' "$T/out" || fail "check: $(cat "$T/out")"
grep -qE "^NEW  .*$id	new(	|$)" "$T/out" || fail "check does not mark the alert new: $(cat "$T/out")"
ok "benchfs check fails on the new alert"

# on_alert: run once, the alert as JSON on its standard input, not in its arguments.
for _ in $(seq 100); do [ -e "$T/notified/0.args" ] && break; sleep 0.1; done
[ -e "$T/notified/0.args" ] || fail "on_alert did not run"
python3 -m json.tool "$T/notified/0.json" > /dev/null || fail "on_alert's input is not JSON: $(cat "$T/notified/0.json")"
assert_eq "$(json "$T/notified/0.json" 'j["id"]')" "$id" "on_alert's id"
assert_eq "$(json "$T/notified/0.json" 'j["path"]')" "alerts/$id" "on_alert's path"
assert_eq "$(json "$T/notified/0.json" '(j["commit"], j["benchmark"], j["state"], j["method"])')" \
	"('$c2', 'counted:instructions', 'new', 'count')" "on_alert's alert"
assert_eq "$(json "$T/notified/0.json" 'sorted(j)')" \
	"['after', 'before', 'benchmark', 'change', 'commit', 'id', 'interval', 'kind', 'method', 'path', 'q', 'range', 'runs', 'state']" "on_alert's keys"
assert_eq "$(cat "$T/notified/0.args")" "--from benchfs" "on_alert's arguments"
for _ in $(seq 50); do grep -q "on_alert: $T/notify.sh took alert $id" "$T/daemon.log" && break; sleep 0.1; done
grep -q "on_alert: $T/notify.sh took alert $id" "$T/daemon.log" || fail "no log line of on_alert"
ok "on_alert ran with the alert as JSON"

# Bad writes: an unknown word, a revision that names nothing, an unknown id.
st=0; (echo bogus > "$MNT/alerts/$id") 2> "$T/err" || st=$?
[ "$st" != 0 ] && grep -q 'Invalid argument' "$T/err" || fail "echo bogus: status $st: $(cat "$T/err")"
st=0; (echo fixed no-such-rev > "$MNT/alerts/$id") 2> "$T/err" || st=$?
[ "$st" != 0 ] && grep -q 'Invalid argument' "$T/err" || fail "fixed no-such-rev: status $st: $(cat "$T/err")"
st=0; (echo ack > "$MNT/alerts/0123456789ab") 2> "$T/err" || st=$?
[ "$st" != 0 ] && grep -q 'No such file or directory' "$T/err" || fail "an unknown id: status $st: $(cat "$T/err")"
grep -q "alerts/$id: refused: \"bogus\" is not ack, ignore, fixed <rev> or new" "$T/daemon.log" \
	|| fail "no log line for the bad word"
grep -qx "state	new" "$MNT/alerts/$id" || fail "a refused write changed the state"
assert_eq "$(cut -f13 "$MNT/regressions")" new "state after refused writes"
ok "bad writes refused (EINVAL, ENOENT), nothing stored"

echo ack > "$MNT/alerts/$id"
assert_eq "$(cut -f12,13 "$MNT/regressions")" "$id	ack" "state after ack"
cat "$MNT/alerts/$id" > "$T/alert"
grep -qx "state	ack" "$T/alert" || fail "alerts/$id is not ack"
grep -Eq "^set by	uid $(id -u) at " "$T/alert" || fail "alerts/$id does not say who: $(cat "$T/alert")"
grep -Eq "^history	ack by uid $(id -u) at " "$T/alert" || fail "alerts/$id has no history"
bf check --repo "$REPO"
expect_status 0 "check with the alert acknowledged"
grep -q '^benchfs check regressions: ok: 0 new of 1 line$' "$T/out" || fail "check: $(cat "$T/out")"
grep -qE "^triaged .*$id	ack(	|$)" "$T/out" || fail "check does not list the triaged alert: $(cat "$T/out")"
ok "echo ack: regressions says ack, check passes"

# kill -9 and start again: the state is kept, on_alert is not run again.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"
start_benchfs
assert_eq "$(cut -f12,13 "$MNT/regressions")" "$id	ack" "state after a restart"
grep -qx "state	ack" "$MNT/alerts/$id" || fail "alerts/$id after a restart"
ok "the state survives kill -9"

echo "fixed $c2" > "$MNT/alerts/$id"
assert_eq "$(cut -f13 "$MNT/regressions")" "fixed:${c2:0:12}" "state after fixed"
echo new > "$MNT/alerts/$id"
assert_eq "$(cut -f13 "$MNT/regressions")" new "state after reopening"
assert_eq "$(grep -c '^history	' "$MNT/alerts/$id")" 3 "history of three changes"
# Another result: the notifier looks again, and finds nothing new to tell.
echo "$c1" > "$MNT/queue"
wait_status 000003 '^done( |$)' 120
sleep 1
assert_eq "$(ls "$T/notified" | grep -c json)" 1 "on_alert runs after the restart"
ok "fixed <rev> and new; on_alert not run again after the restart"
