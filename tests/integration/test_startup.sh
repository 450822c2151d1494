#!/bin/bash
# Starting and stopping benchfs: configuration strings with a NUL are refused
# and every setup error is one line with the file's control characters
# escaped; the data directory and all it holds are private to the owner
# (--data-mode to share it); a second daemon on a mount point in use is
# refused; a relative mount point unmounts at SIGTERM; SIGINT unmounts even
# when the shell started benchfs with SIGINT ignored.
. "$(dirname "$0")/lib.sh"

# expect_setup_error PATTERN ARGS...: exit 2, one line naming the problem,
# no control character in it, nothing mounted.
expect_setup_error() {
	pattern=$1; shift
	set +e
	# timeout: a benchfs that wrongly accepts serves in the foreground.
	timeout 10 "$BENCHFS" -f "$@" > "$T/out" 2> "$T/err"
	status=$?
	set -e
	assert_eq "$status" 2 "exit status of benchfs $*"
	assert_eq "$(wc -l < "$T/err")" 1 "lines of error for benchfs $* ($(cat -A "$T/err"))"
	if LC_ALL=C grep -q '[[:cntrl:]]' "$T/err"; then fail "control characters in: $(cat -A "$T/err")"; fi
	grep -Eq -- "$pattern" "$T/err" || fail "error for benchfs $* is '$(cat "$T/err")', expected /$pattern/"
	mountpoint -q "$MNT" && fail "mounted despite the error"
	printf '  %s\n' "$(cat "$T/err")"
}

# wait_gone PID: the process has ended (up to 10 s); its exit status in $gone_status.
wait_gone() {
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$1" 2>/dev/null && return 1
	set +e
	wait "$1" 2>/dev/null
	gone_status=$?
	set -e
	return 0
}

mounted() { grep -q " $MNT fuse" /proc/mounts; }

make_repo '{"runs": 2, "benchmarks": [{"name": "a", "command": ["true"]}]}'
commit_prog one 'true'

# --- configuration strings and one-line messages
B='"benchmarks": [{"name": "a", "command": ["true"]}]'
printf '{%s, "runs\\u0000junk": 5}' "$B" > "$T/nul-key.json"
expect_setup_error 'the string "runs\\u0000junk" at byte [0-9]+ contains \\u0000 \(NUL\)' \
	--repo "$REPO" --config "$T/nul-key.json" "$MNT"
printf '{"build": "true\\u0000; touch %s/pwned", %s}' "$T" "$B" > "$T/nul-build.json"
expect_setup_error '"true\\u0000; touch .* at byte 10 contains \\u0000' \
	--repo "$REPO" --config "$T/nul-build.json" "$MNT"
printf '{"benchmarks": [{"name": "a", "command": ["true", "x\\u0000y"]}]}' > "$T/nul-arg.json"
expect_setup_error 'contains \\u0000' --repo "$REPO" --config "$T/nul-arg.json" "$MNT"
# An escaped newline and terminal escapes in a key, a raw newline in another.
printf '{%s, "ru\\nns\\u001b[31m\\u009b2J": 5}' "$B" > "$T/esc.json"
expect_setup_error 'unknown key "ru\\nns\\x1b\[31m\\u009b2J"' --repo "$REPO" --config "$T/esc.json" "$MNT"
printf '{%s, "rnus\033]0;title\007\n": 5}' "$B" > "$T/raw.json"
expect_setup_error 'unknown key "rnus\\x1b\]0;title\\x07\\n"' --repo "$REPO" --config "$T/raw.json" "$MNT"
printf '{%s, "metrics": ["a\\nb"]}' "$B" > "$T/metric.json"
expect_setup_error 'unknown metric "a\\nb"' --repo "$REPO" --config "$T/metric.json" "$MNT"
# Paths are the user's text too.
expect_setup_error 'cannot read configuration .*/no\\nsuch\\x1b\[2J\.json: No such file' \
	--repo "$REPO" --config "$T/no
such$(printf '\033')[2J.json" "$MNT"
touch "$T/afile"
expect_setup_error "mount point $T/afile: Not a directory" --repo "$REPO" "$T/afile"
[ -e "$T/pwned" ] && fail "the build after a NUL ran"
ok "NUL in keys and values refused; setup errors are one line, control characters escaped"

# --- the data directory: 0700, files 0600, whatever the umask
umask 022
DATA="$T/data"
start_benchfs --data "$DATA"
echo HEAD > "$MNT/queue"
wait_status 000001 '^done( |$)' 60
assert_eq "$(stat -c %a "$DATA")" 700 "mode of a new data directory"
[ -n "$(find "$DATA/logs" -name '*.log')" ] || fail "no log file in $DATA/logs"
open=$(find "$DATA" ! -type l -perm /077 -printf '%m %p\n')
[ -z "$open" ] || fail "open to group or others in the data directory: $open"
if [ "$(id -u)" = 0 ]; then
	# A user whom the mount refuses cannot read the store or the logs directly.
	if setpriv --reuid=65534 --regid=65534 --clear-groups cat "$DATA/logs/000001.log" \
		> /dev/null 2>&1; then
		fail "another user reads the run's log"
	fi
fi
ok "data directory $(stat -c %a "$DATA"), nothing in it open to others:" \
	"$(find "$DATA" ! -type l -printf '%m ' | tr ' ' '\n' | sort -u | tr '\n' ' ')"

# An existing data directory that others can read: refused, unless asked for.
stop_daemon
chmod 755 "$DATA"
expect_setup_error "data directory $DATA is open to other users \(mode 0755\): chmod 700 $DATA, or keep it with --data-mode 755" \
	--repo "$REPO" --data "$DATA" "$MNT"
start_benchfs --data "$DATA" --data-mode 0755
assert_eq "$(stat -c %a "$DATA")" 755 "mode kept with --data-mode 0755"
stop_daemon
# --data-mode sets the mode of an existing directory; new files follow it
# (the store; a log may be stricter), and none is open to others.
start_benchfs --data "$DATA" --data-mode 750
assert_eq "$(stat -c %a "$DATA")" 750 "mode set by --data-mode 750"
stop_daemon
# A new data directory with a store of its own (under PostgreSQL a database of
# its own): its run 000001 is measured now and leaves its files in it.
store750=$(other_store data750)
BENCHFS_STORE=$store750 start_benchfs --data "$T/data750" --data-mode 750
assert_eq "$(stat -c %a "$T/data750")" 750 "mode of a new data directory with --data-mode 750"
# The store's file mode is SQLite's: a PostgreSQL store has no file here.
store_is_pg || assert_eq "$(stat -c %a "$T/data750/benchfs.db")" 640 "the store with --data-mode 750"
echo HEAD > "$MNT/queue"
wait_status 000001 '^done( |$)' 60
open=$(find "$T/data750" ! -type l -perm /007 -printf '%m %p\n')
[ -z "$open" ] || fail "open to others with --data-mode 750: $open"
stop_daemon
# An empty directory made beforehand (mkdir under umask 022) is made private.
mkdir "$T/data-empty"
start_benchfs --data "$T/data-empty"
assert_eq "$(stat -c %a "$T/data-empty")" 700 "mode of an empty data directory made beforehand"
stop_daemon
expect_setup_error '--data-mode 644: give an octal mode from 0700 to 0777' \
	--repo "$REPO" --data-mode 644 "$MNT"
ok "an existing open data directory refused; --data-mode; an empty one made private"

# --- a second daemon on a mount point in use
start_benchfs --data "$T/data1"
first=$DAEMON_PID
set +e
timeout 10 "$BENCHFS" -f --repo "$REPO" --data "$T/data2" "$MNT" > "$T/out" 2> "$T/err"
status=$?
set -e
assert_eq "$status" 2 "exit status of a second daemon on the same mount point"
assert_eq "$(wc -l < "$T/err")" 1 "lines of error ($(cat "$T/err"))"
grep -q "mount point $MNT is in use by another benchfs" "$T/err" || fail "second daemon: $(cat "$T/err")"
assert_eq "$(grep -c " $MNT fuse" /proc/mounts)" 1 "mounts at $MNT"
kill -0 "$first" || fail "the first daemon ended"
cat "$MNT/queue" > /dev/null || fail "the first daemon's mount does not answer"
ok "a second daemon on the same mount point: $(cat "$T/err")"
stop_daemon

# --- a mount point that a dead benchfs left behind says what to do
start_benchfs --data "$T/data1"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
set +e
timeout 10 "$BENCHFS" -f --repo "$REPO" --data "$T/data1" "$MNT" > "$T/out" 2> "$T/err"
status=$?
set -e
assert_eq "$status" 2 "exit status on a stale mount point"
assert_eq "$(wc -l < "$T/err")" 1 "lines of error ($(cat "$T/err"))"
grep -q "mount point $MNT: Transport endpoint is not connected (.*fusermount3 -u $MNT)" "$T/err" \
	|| fail "on a stale mount point: $(cat "$T/err")"
printf '  %s\n' "$(cat "$T/err")"
fusermount3 -u "$MNT"
ok "a stale mount point names the way out"

# --- a relative mount point: SIGTERM unmounts it (foreground and daemonised)
(cd "$T" && exec "$BENCHFS" -f --repo repo --data data1 mnt) > "$T/rel.out" 2> "$T/rel.err" &
DAEMON_PID=$!
for _ in $(seq 100); do mounted && [ -e "$MNT/queue" ] && break; sleep 0.1; done
mounted || fail "a relative mount point did not mount: $(cat "$T/rel.err")"
grep -q "at $MNT (data in $T/data1)" "$T/rel.err" || fail "serving line: $(cat "$T/rel.err")"
kill -TERM "$DAEMON_PID"
wait_gone "$DAEMON_PID" || fail "benchfs did not end at SIGTERM"
DAEMON_PID=
assert_eq "$gone_status" 0 "exit status after SIGTERM"
grep -q "failed to unmount" "$T/rel.err" && fail "$(cat "$T/rel.err")"
mounted && fail "still mounted after SIGTERM: $(ls "$MNT" 2>&1)"
(cd "$T" && "$BENCHFS" --repo repo --data data1 mnt) 2> "$T/rel.err" || fail "background start"
mounted || fail "a relative mount point did not mount daemonised"
# Answering means serving: the signal handlers are in place from then on.
for _ in $(seq 100); do [ -e "$MNT/queue" ] && break; sleep 0.1; done
daemon=$(pgrep -f -x "$BENCHFS --repo repo --data data1 mnt")
[ -n "$daemon" ] || fail "the daemonised benchfs is not found"
DAEMON_PID=$daemon
kill -TERM "$daemon"
for _ in $(seq 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
kill -0 "$daemon" 2>/dev/null && fail "the daemonised benchfs did not end at SIGTERM"
DAEMON_PID=
mounted && fail "still mounted after SIGTERM to the daemonised benchfs: $(ls "$MNT" 2>&1)"
ok "a relative mount point unmounts at SIGTERM"

# --- SIGINT unmounts even when inherited as ignored. This script's background
# jobs start with SIGINT ignored (bash does so without job control): check it.
sleep 30 &
probe=$!
ign=$(awk '/^SigIgn:/ {print $2}' "/proc/$probe/status")
kill "$probe"; wait "$probe" 2>/dev/null || true
(( (16#$ign >> 1) & 1 )) || fail "precondition: a background job should start with SIGINT ignored (SigIgn $ign)"
start_benchfs --data "$T/data1"
kill -INT "$DAEMON_PID"
wait_gone "$DAEMON_PID" || fail "SIGINT did not end benchfs (started with SIGINT ignored)"
DAEMON_PID=
assert_eq "$gone_status" 0 "exit status after SIGINT"
mounted && fail "still mounted after SIGINT"
# SIGTERM inherited as ignored (nohup-like wrappers) works as well.
(trap '' TERM; exec "$BENCHFS" -f --repo "$REPO" --data "$T/data1" "$MNT") >> "$T/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 100); do mounted && [ -e "$MNT/queue" ] && break; sleep 0.1; done
mounted || fail "did not mount with SIGTERM ignored"
kill -TERM "$DAEMON_PID"
wait_gone "$DAEMON_PID" || fail "SIGTERM did not end benchfs (started with SIGTERM ignored)"
DAEMON_PID=
mounted && fail "still mounted after SIGTERM"
ok "SIGINT and SIGTERM unmount whatever the shell left them as"
echo "7 passed, 0 failed"
