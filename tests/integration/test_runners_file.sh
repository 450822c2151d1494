#!/bin/bash
# The runners file and the queue's labels and runner columns: the daemon's
# runner as the store has it, the job it holds, a job no runner has the
# labels for, and malformed queue options refused at the writer's shell.
. "$(dirname "$0")/lib.sh"

# A benchmark slow enough to be caught running.
make_repo '{"warmup": 0, "runs": 1, "benchmarks": [{"name": "slow", "command": ["sleep", "30"]}]}'
commit_prog one 'true'
start_benchfs

# runners FIELD: that field of the one line of runners.
runners() { cut -f"$1" "$MNT/runners"; }
# queue_field RUN FIELD: that field of RUN's line of queue.
queue_field() { awk -F'\t' -v run="$1" -v f="$2" '$1 == run { print $f }' "$MNT/queue"; }
same_size() {
	assert_eq "$(stat -c %s "$MNT/runners")" "$(wc -c < "$MNT/runners")" "runners: stat's size against cat's bytes ($1)"
}

ls "$MNT" | grep -qx runners || fail "ls of the root does not list runners: $(ls "$MNT" | tr '\n' ' ')"
name="$(hostname):$REPO/.git/benchfs"
assert_eq "$(wc -l < "$MNT/runners")" 1 "runners lines: $(cat "$MNT/runners")"
assert_eq "$(awk -F'\t' 'NF != 6' "$MNT/runners" | wc -l)" 0 "runners lines have 6 tab-separated fields"
assert_eq "$(runners 1)" "$name" "the runner's name"
labels=$(runners 2)
for want in "$(uname -m)" "cores=$(getconf _NPROCESSORS_ONLN)"; do
	case ",$labels," in *",$want,"*) ;; *) fail "the runner's labels '$labels' lack $want" ;; esac
done
assert_eq "$(runners 3)" - "the idle runner's job"
beat=$(runners 4)
[[ $beat =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "heartbeat '$beat' is not UTC ISO 8601"
age=$(( $(date -u +%s) - $(date -u -d "$beat" +%s) ))
[ "$age" -ge -5 ] && [ "$age" -le 120 ] || fail "heartbeat $beat is ${age} s old"
assert_eq "$(runners 5)" "$(hostname)" "the runner's host"
assert_eq "$(runners 6)" "$DAEMON_PID" "the runner's pid"
same_size idle
ok "runners: one line, $name, labels $labels, idle, heartbeat $beat"

# A job whose label no runner has stays queued while the runner is idle.
echo 'HEAD @profile=nosuchlabel' > "$MNT/queue" || fail "@profile=nosuchlabel refused"
sleep 2
assert_eq "$(cat "$MNT/runs/000001/status")" queued "status of the job no runner can take"
assert_eq "$(queue_field 000001 6)" nosuchlabel "queue: the labels the job needs"
assert_eq "$(queue_field 000001 7)" - "queue: the runner of a job no runner holds"
assert_eq "$(runners 3)" - "the runner's job after a job it cannot take"
# Labels are written normalised: sorted, duplicates gone.
echo 'HEAD @profile=zz,aa,zz' > "$MNT/queue" || fail "@profile=zz,aa,zz refused"
assert_eq "$(queue_field 000002 6)" aa,zz "queue: a job's labels, normalised"
ok "a job needing nosuchlabel stays queued: labels column nosuchlabel, runner -"

# A job any runner may take runs past them; both files name the other.
echo HEAD > "$MNT/queue" || fail "HEAD refused"
wait_status 000003 '^running slow 1/1$' 30
assert_eq "$(runners 3)" 000003 "runners: the job the runner runs"
assert_eq "$(queue_field 000003 6)" - "queue: the labels of a job for any runner"
assert_eq "$(queue_field 000003 7)" "$name" "queue: the runner holding the running job"
assert_eq "$(queue_field 000001 7)" - "queue: the runner of the job left queued"
assert_eq "$(cat "$MNT/runs/000001/status")" queued "the labelled job, once a later one runs"
assert_eq "$(awk -F'\t' 'NF != 7' "$MNT/queue" | wc -l)" 0 "queue lines have 7 tab-separated fields"
assert_eq "$(cut -f1-5 "$MNT/queue" | sed -n 3p | tr '\t' ' ')" "000003 HEAD $(git -C "$REPO" rev-parse HEAD) running slow 1/1 -" \
	"queue: the first five fields as before"
same_size running
ok "running: runners shows 000003, queue names $name as its runner"

# Malformed options: refused at the writer's shell, nothing queued.
before=$(ls "$MNT/runs" | wc -l)
for line in 'HEAD @bogus=1' 'HEAD @profile=a b' 'HEAD @profile=' 'HEAD @profile=a*b' \
	'HEAD @profile=a @profile=b' 'HEAD @profile=a,,b c'; do
	if err=$(bash -c 'printf "%s\n" "$1" > "$2/queue"' _ "$line" "$MNT" 2>&1); then
		fail "'$line' accepted"
	fi
	case "$err" in *"Invalid argument"*) ;; *) fail "'$line': unexpected error text: $err" ;; esac
done
assert_eq "$(ls "$MNT/runs" | wc -l)" "$before" "runs after malformed options"
assert_eq "$(wc -l < "$MNT/queue")" 3 "queue lines after malformed options"
ok "malformed options refused with Invalid argument, nothing queued"

# PostgreSQL: a second runner (its own data directory and mount) on the
# store, listed in both mounts alike, in order of name.
passed=5
if store_is_pg; then
	start_second --labels zeta
	name2="$(hostname):$DATA2"
	# Fields that no heartbeat moves: name, labels, job, host, pid.
	stable() { cut -f1,2,3,5,6 "$1/runners"; }
	assert_eq "$(stable "$MNT" | cut -f1 | tr '\n' ' ')" "$(printf '%s\n' "$name" "$name2" | LC_ALL=C sort | tr '\n' ' ')" \
		"runners of the store, in order of name"
	assert_eq "$(stable "$MNT2")" "$(stable "$MNT")" "runners in both mounts"
	assert_eq "$(awk -F'\t' -v n="$name2" '$1 == n { print $3 " " $6 }' "$MNT/runners")" "- $PID2" \
		"the second runner: idle, its pid"
	case ",$(awk -F'\t' -v n="$name2" '$1 == n { print $2 }' "$MNT/runners")," in
	*,zeta,*) ;;
	*) fail "the second runner's labels lack zeta: $(cat "$MNT/runners")" ;;
	esac
	assert_eq "$(cat "$MNT2/queue")" "$(cat "$MNT/queue")" "queue in both mounts"
	assert_eq "$(cat "$MNT/runs/000001/status")" queued "the nosuchlabel job with two runners"
	stop_second
	assert_eq "$(cut -f1 "$MNT/runners")" "$name" "runners once the second stopped"
	ok "a second runner: both mounts list both, by name; a clean stop removes it"
	passed=$((passed + 1))
fi

# A clean stop takes the runner out of the store.
stop_daemon
assert_eq "$(store_sql 'SELECT count(*) FROM runners')" 0 "runners in the store after a clean stop"
ok "a clean stop unregisters the runner"

echo "$passed passed, 0 failed"
