#!/bin/bash
# The fleet's PostgreSQL server restarted under two mounted daemons (an
# upgrade, a failover): while it is down they neither crash nor spin; once it
# is back, compare/ and runs/ read again, a job queued through the other
# daemon's mount wakes this runner at once (its LISTEN came back: an idle
# runner otherwise looks at the queue only once a minute) and is measured,
# and each daemon logged the loss and the return of its connections.
# The test restarts a server of its own (tests/engines/pg_cluster.sh, on the
# first free port from 55480), never the shared one of BENCHFS_TEST_PG.
. "$(dirname "$0")/lib.sh"

if ! store_is_pg; then
	echo "# skipped: the store is PostgreSQL only with BENCHFS_TEST_PG set"
	exit 77
fi

CLUSTER="$(cd "$(dirname "$0")/../engines" && pwd)/pg_cluster.sh"
# Not under $T: as root the server runs as another user, who cannot enter $T.
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-pg-restart.XXXXXX")
restart_cleanup() {
	local st=$?
	# The daemons first, while their store still answers their goodbyes.
	stop_second
	stop_daemon
	bash "$CLUSTER" stop "$PG_DIR" || true
	rm -rf "$PG_DIR"
	(exit $st)
	cleanup
}
trap restart_cleanup EXIT

# The ports from 55480 lie in the kernel's range for outgoing connections:
# one of them may be a client socket's for a while, and the server's bind
# fails. The next port, then; and a start again fails once in a long while.
start_server() {
	local port=$1
	for _ in 1 2 3; do
		bash "$CLUSTER" start "$PG_DIR" "$port" 2>> "$T/pg_cluster.err" && return 0
		sleep 1
	done
	return 1
}
port= admin=
for p in $(seq 55480 55499); do
	(exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null && continue # another server's
	if admin=$(bash "$CLUSTER" start "$PG_DIR" "$p" 2>> "$T/pg_cluster.err"); then
		port=$p
		break
	fi
done
[ -n "$port" ] || fail "cannot start a server on a port from 55480 to 55499: $(tail -5 "$T/pg_cluster.err")"
"$TEST_PG_PSQL" -X -q -v ON_ERROR_STOP=1 -d "$admin" -c "CREATE DATABASE benchfs_restart" > /dev/null ||
	fail "cannot create the store's database on port $port"
# store_sql reads BENCHFS_STORE: this server's database, not the shared one.
export BENCHFS_STORE="postgresql://postgres@127.0.0.1:$port/benchfs_restart"
log "the test's own server on port $port, store $BENCHFS_STORE"

make_repo '{"runs": 2, "profiles": ["alpha"], "benchmarks": [{"name": "nap", "command": ["sleep", "0.1"]}]}'
commit_prog one 'true'
commit_prog two 'true'
commit_prog three 'true'
name_a="$(hostname):$REPO/.git/benchfs"

# A measures the alpha jobs; the second daemon (beta) only queues one later.
start_benchfs --store "$BENCHFS_STORE" --labels alpha
start_second --store "$BENCHFS_STORE" --labels beta
printf 'HEAD~2\nHEAD~1\n' > "$MNT/queue"
wait_sql "SELECT string_agg(state, ' ' ORDER BY id) FROM runs" "done done" 60
compare_md="compare/HEAD~2..HEAD~1.md"
before=$(cat "$MNT/$compare_md") || fail "cannot read $compare_md"
status1=$(cat "$MNT/runs/000001/status")
ok "two runs measured on the test's own server"

# Down for a few seconds: what the mounts answer meanwhile is an error or
# what they had, never a hang, and the daemons stay nearly idle (a loop
# retrying without a pause took a fifth of a core, its log lines and all).
bash "$CLUSTER" stop "$PG_DIR"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
t0=$(ticks "$DAEMON_PID") t0b=$(ticks "$PID2") w0=$(date +%s%N)
for f in "$compare_md" runs/000001/status; do
	rc=0
	timeout 20 cat "$MNT/$f" > /dev/null 2>&1 || rc=$?
	[ "$rc" != 124 ] || fail "cat $f hung while the server was down"
done
sleep 3
hz=$(getconf CLK_TCK)
wall=$(( ($(date +%s%N) - w0) / 10000000 )) # hundredths of a second
used=$(( ($(ticks "$DAEMON_PID") - t0) * 100 / hz )) used2=$(( ($(ticks "$PID2") - t0b) * 100 / hz ))
log "while down: ${used}/100 s of CPU (the second daemon ${used2}/100 s) in ${wall}/100 s"
[ $((used * 10)) -lt "$wall" ] || fail "the daemon took ${used}/100 s of CPU in ${wall}/100 s while the server was down"
[ $((used2 * 10)) -lt "$wall" ] || fail "the second daemon took ${used2}/100 s of CPU in ${wall}/100 s while the server was down"
kill -0 "$DAEMON_PID" 2> /dev/null || fail "the daemon died while the server was down"
kill -0 "$PID2" 2> /dev/null || fail "the second daemon died while the server was down"
ok "the server down: no hang, no spin, no crash"

start_server "$port" > /dev/null || fail "cannot start the server again: $(tail -5 "$T/pg_cluster.err")"
# A connection that failed meanwhile tries again at most once a second.
after=
for _ in $(seq 100); do
	after=$(cat "$MNT/$compare_md" 2> /dev/null) && break
	sleep 0.1
done
assert_eq "$after" "$before" "$compare_md after the restart"
assert_eq "$(cat "$MNT/runs/000001/status")" "$status1" "runs/000001/status after the restart"
assert_eq "$(cat "$MNT2/runs/000002/status" | cut -d' ' -f1)" done "runs/000002/status through the second mount"
ok "compare/ and runs/ read again once the server is back"

# Queued on the other machine: this runner hears of it through its LISTEN,
# well before its once-a-minute look at the queue (give the keepers a few
# seconds to be back first, so the wake on their return is not what wakes it).
sleep 3
echo HEAD > "$MNT2/queue"
wait_sql "SELECT runner FROM runs WHERE id = 3" "$name_a" 20
wait_sql "SELECT state FROM runs WHERE id = 3" done 60
assert_eq "$(cut -d' ' -f1 "$MNT/runs/000003/status")" done "runs/000003/status"
cat "$MNT/compare/HEAD~1..HEAD.md" > /dev/null || fail "cannot read compare/HEAD~1..HEAD.md"
ok "a job queued after the restart wakes the runner at once and is measured"

kill -0 "$DAEMON_PID" 2> /dev/null || fail "the daemon died"
kill -0 "$PID2" 2> /dev/null || fail "the second daemon died"
for f in "$T/daemon.log" "$T/daemon2.log"; do
	grep -q "the connection to PostgreSQL was lost" "$f" || fail "$(basename "$f") does not say the connection was lost"
	grep -q "the connection to PostgreSQL is back" "$f" || fail "$(basename "$f") does not say the connection is back"
done
log "$(grep -c 'the connection to PostgreSQL was lost' "$T/daemon.log") connections lost, $(grep -c 'the connection to PostgreSQL is back' "$T/daemon.log") back in the daemon's log"
ok "both daemons lived through the restart and logged it"
