#!/bin/bash
# A benchmark's service: the example HTTP server (examples/http-server) is
# started after setup, waited for, loaded by wrk (the measured command, its
# report parsed into metrics), and stopped with its whole process group
# after the benchmark: when it succeeds, when the measured command fails, and
# when the daemon is killed with -9 mid-benchmark. A service that never
# listens fails the benchmark with the readiness timeout.
. "$(dirname "$0")/lib.sh"

command -v wrk > /dev/null || fail "wrk is not installed (.ci/deps.sh)"
src="$(dirname "$0")/../../examples/http-server/server.c"
tag="$$$RANDOM"
port=$((20000 + RANDOM % 20000))
# The service's shell starts the server and a marked sleep in its process
# group: both must be gone after each benchmark.
marker="sleep 63.$tag"
make_repo "{\"build\": \"cc -O2 -pthread -o server server.c\", \"warmup\": 0, \"runs\": 2,
  \"service\": {\"shell\": \"./server $port & $marker & wait\",
                \"ready\": {\"http\": \"http://127.0.0.1:$port/\"}, \"timeout\": 10},
  \"benchmarks\": [{\"name\": \"hello\", \"parse\": \"wrk\",
                    \"command\": [\"sh\", \"-c\", \"test ! -e fail || exit 1; test ! -e $T/hang || exec sleep 60; exec wrk --latency -t1 -c2 -d1s http://127.0.0.1:$port/\"]}]}"
cp "$src" "$REPO/server.c"
git -C "$REPO" add -A && git -C "$REPO" commit -q -m server
good=$(git -C "$REPO" rev-parse HEAD)
touch "$REPO/fail" && git -C "$REPO" add -A && git -C "$REPO" commit -q -m fails
failing=$(git -C "$REPO" rev-parse HEAD)
# gone: no live process of the service (the server on our port, the marked
# sleep) within 5 s; zombies do not count.
gone() {
	for _ in $(seq 50); do
		live=
		for p in $(pgrep -f "$marker|server $port"); do
			[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] || live="$live $p"
		done
		[ -z "$live" ] && return 0
		sleep 0.1
	done
	kill -9 $live 2>/dev/null || true
	return 1
}
wait_proc() {
	for _ in $(seq 100); do pgrep -f "$1" > /dev/null && return 0; sleep 0.1; done
	fail "$1 never started"
}

start_benchfs
echo "$good" > "$MNT/queue"
wait_status 000001 '^(done|failed)' 120
assert_eq "$(cut -c1-4 "$MNT/runs/000001/status")" done "the wrk run ($(cat "$MNT/runs/000001/status"))"
res="$MNT/runs/000001/result.json"
for m in requests latency_p50 latency_p90 latency_p99 errors service_cpu service_memory; do
	assert_eq "$(json "$res" "len(j['results'][0]['metrics']['$m']['values'])")" 2 "$m values"
done
assert_eq "$(json "$res" "j['results'][0]['metrics']['requests']['unit'], j['results'][0]['metrics']['requests']['better']")" \
	"('req/s', 'higher')" "requests' unit and direction"
assert_eq "$(json "$res" "j['results'][0]['metrics']['latency_p99']['better']")" lower "latency's direction"
assert_eq "$(json "$res" "min(j['results'][0]['metrics']['requests']['values']) > 0")" True "requests/s above 0"
assert_eq "$(json "$res" "0 < j['results'][0]['metrics']['latency_p50']['max'] <= j['results'][0]['metrics']['latency_p99']['max'] < 10")" True "latency percentiles in seconds"
assert_eq "$(json "$res" "j['results'][0]['metrics']['errors']['max']")" 0 "errors"
assert_eq "$(json "$res" "j['results'][0]['metrics']['service_memory']['min'] > 100000")" True "the server's peak memory"
assert_eq "$(json "$res" "j['results'][0]['metrics']['service_cpu']['max'] > 0")" True "the server's CPU time"
valid run-config.schema.json "$MNT/runs/000001/config.json"
valid config.schema.json "$REPO/benchfs.json"
assert_eq "$(json "$MNT/runs/000001/config.json" "j['configuration']['service']['ready'], j['configuration']['benchmarks'][0]['parse']")" \
	"({'http': 'http://127.0.0.1:$port/'}, 'wrk')" "service and parse in config.json"
grep -q '\[hello service\] server: listening on' "$MNT/runs/000001/debug.log" || fail "the service's output is not in debug.log"
grep -q 'hello: service ready after' "$MNT/runs/000001/debug.log" || fail "debug.log does not say the service was ready"
grep -q 'hello: service stopped' "$MNT/runs/000001/debug.log" || fail "debug.log does not say the service stopped"
gone || fail "a process of the service outlived the benchmark"
ok "wrk against the example server: $(json "$res" "j['results'][0]['metrics']['requests']['mean']") req/s, p99 $(json "$res" "j['results'][0]['metrics']['latency_p99']['mean']") s; the service's group is gone"

echo "$failing" > "$MNT/queue"
wait_status 000002 '^failed: ' 60
assert_eq "$(cat "$MNT/runs/000002/status")" "failed: hello iteration 1/2 exited with status 1" "failing benchmark"
gone || fail "a process of the service outlived the failed benchmark"
ok "the measured command fails: $(cat "$MNT/runs/000002/status"); the service's group is gone"

touch "$T/hang"
echo "$good" > "$MNT/queue"
wait_status 000003 '^running hello' 60
wait_proc "$marker"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
gone || fail "a process of the service outlived the daemon killed with -9"
unmount
rm "$T/hang"
ok "the daemon killed with -9 mid-benchmark: the service's group is gone"

# A service that never listens: the readiness timeout fails the benchmark.
# (The configuration is read at mount; run 000003, queued again after the
# crash, keeps the one it was queued with.)
python3 - "$REPO/benchfs.json" "30.$tag" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["service"] = {"command": ["sleep", sys.argv[2]], "ready": {"tcp": 9}, "timeout": 1}
json.dump(c, open(sys.argv[1], "w"))
PY
start_benchfs
wait_status 000003 '^(done|failed)' 60
echo "$good" > "$MNT/queue"
wait_status 000004 '^(done|failed)' 60
assert_eq "$(cat "$MNT/runs/000004/status")" \
	"failed: hello service not ready after 1 s (connecting to 127.0.0.1:9: Connection refused)" \
	"readiness timeout"
if pgrep -f "sleep 30.$tag" > /dev/null; then fail "the service that was not ready still runs"; fi
ok "a service that never listens: $(cat "$MNT/runs/000004/status")"
