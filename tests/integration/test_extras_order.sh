#!/bin/bash
# The profiler command and "keep" see the checkout as the benchmark left it:
# the profiled iteration runs while the benchmark's service is still up (a
# profiled load generator against a stopped server measures nothing), and
# the kept files are copied before cleanup, which here deletes them.
. "$(dirname "$0")/lib.sh"

py=$(command -v /usr/bin/python3 || command -v python3) || fail "python3 is not installed"
port=$((20000 + RANDOM % 20000))
# probe.sh, the "profiler": writes whether the service accepts a connection
# into {out}, then runs the benchmark's command. "files" leaves a file that
# its cleanup deletes (no profiler iteration, which would write it again).
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 2, "timeout": 30,
  "benchmarks": [
    {"name": "load", "command": ["./prog"],
     "service": {"command": ["'"$py"'", "-m", "http.server", "'"$port"'", "--bind", "127.0.0.1"],
                 "ready": {"tcp": '"$port"'}},
     "profile": {"command": ["./probe.sh", "{out}", "--"]}},
    {"name": "files", "command": "echo measured > kept.txt",
     "keep": ["kept.txt"], "cleanup": "rm -f kept.txt"}
  ]}'
cat > "$REPO/probe.sh" <<SH
#!/bin/bash
out=\$1; shift 2
if (exec 3<> /dev/tcp/127.0.0.1/$port) 2> /dev/null; then echo up; else echo down; fi > "\$out"
exec "\$@"
SH
chmod +x "$REPO/probe.sh"
commit_prog first 'true'

start_benchfs
echo HEAD > "$MNT/queue"
wait_status 000001 '^(done|failed)' 120
run="$MNT/runs/000001"
assert_eq "$(cut -c1-4 "$run/status")" done "the run ($(cat "$run/status"))"
assert_eq "$(cat "$run/profiles/load" 2>&1)" up "the service as the profiled iteration saw it"
ok "the profiler command runs while the benchmark's service is up"
assert_eq "$(cat "$run/artifacts/kept.txt" 2>&1)" measured "the kept file that cleanup deletes"
ok "keep copies the benchmark's files before its cleanup deletes them"
