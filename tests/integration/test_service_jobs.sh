#!/bin/bash
# Services in the jobs around them: a parameterised benchmark starts each
# variant's own service ({port} substituted in its command and its ready
# probe); a user's A/B job leaves a benchmark with a service out, says so in
# debug.log and in compare/a..b.md, and measures the rest; and benchfs run
# --out writes each run's flame.svg, profiles/ and artifacts/, and compare/'s flame graphs and <rev>/
# directories, exactly as the mount shows them.
. "$(dirname "$0")/lib.sh"

py=$(command -v /usr/bin/python3 || command -v python3) || fail "python3 is not installed"
port=$((20000 + RANDOM % 20000))
p1=$port p2=$((port + 1))
# "load": the service listens on its variant's port and writes it into the
# checkout; the measured command checks it is its own variant's. Its ready
# probe waits on that port: the first variant's server is gone by then, so
# a probe of one fixed port would time out.
# "plain": perf (flame.svg where perf works), a profiler command (a wrapper
# writing {out}) and a kept file.
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 2, "timeout": 30, "compare": {"max_pairs": 12},
  "benchmarks": [
    {"name": "load", "parameters": {"port": ['"$p1, $p2"']},
     "service": {"shell": "echo {port} > served; echo serving {port}; exec '"$py"' -m http.server {port} --bind 127.0.0.1",
                 "ready": {"tcp": "{port}"}},
     "command": "test \"$(cat served)\" = {port}"},
    {"name": "plain", "command": ["./prog"],
     "profile": {"perf": true, "command": ["./wrap.sh", "{out}", "--"]},
     "keep": ["plain.out", "sub/*.txt"]}
  ]}'
printf '#!/bin/sh\nout=$1; shift; shift\necho "wrapped: $*" > "$out"\nexec "$@"\n' > "$REPO/wrap.sh"
chmod +x "$REPO/wrap.sh"
commit_prog v1 'echo kept > plain.out; mkdir -p sub; echo deep > sub/a.txt; i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done' v1
commit_prog v2 'echo kept > plain.out; mkdir -p sub; echo deep > sub/a.txt; i=0; while [ $i -lt 31000 ]; do i=$((i+1)); done' v2

start_benchfs
echo v1 > "$MNT/queue"
wait_status 000001 '^(done|failed)' 120
run="$MNT/runs/000001"
assert_eq "$(cut -c1-4 "$run/status")" done "a parameterised benchmark with a service ($(cat "$run/status"))"
for s in $p1 $p2; do
	grep -q "\[load\[port=$s\] service\] serving $s\$" "$run/debug.log" \
		|| fail "load[port=$s]'s service was not started with its own port: $(grep service "$run/debug.log" | head -5)"
done
assert_eq "$(json "$run/config.json" "[(b['service']['shell'].split(';')[0], b['service']['ready']) for b in j['configuration']['benchmarks'][:2]]")" \
	"[('echo $p1 > served', {'tcp': $p1}), ('echo $p2 > served', {'tcp': $p2})]" "each variant's service command and ready port in config.json"
ok "each variant of a parameterised benchmark starts its own service on its own port"

# A user's A/B job: load's variants are left out, plain is measured.
echo v1..v2 > "$MNT/queue"
wait_status 000002 '^(done|failed)' 180
wait_status 000003 '^(done|failed)' 60
for r in 000002 000003; do
	assert_eq "$(cut -c1-4 "$MNT/runs/$r/status")" done "run $r of the A/B job ($(cat "$MNT/runs/$r/status"))"
	for s in $p1 $p2; do
		grep -q "load\[port=$s\]: left out of this A/B job: it has a service" "$MNT/runs/$r/debug.log" \
			|| fail "runs/$r/debug.log does not say load[port=$s] was left out: $(grep -i 'a/b' "$MNT/runs/$r/debug.log" | head -5)"
	done
	assert_eq "$(json "$MNT/runs/$r/result.json" "[b['name'] for b in j['results']]")" "['plain']" \
		"what run $r measured"
done
grep -q 'plain' "$MNT/compare/v1..v2.md" || fail "compare/v1..v2.md does not compare plain"
# compare says which were skipped and why, the job being done, not failed.
grep -q "^> \*\*Skipped:\*\* \`load\[port=$p1\]\`, \`load\[port=$p2\]\` were left out of this A/B job: a benchmark with a service" \
	"$MNT/compare/v1..v2.md" || fail "compare/v1..v2.md does not say load was skipped: $(grep -i 'skip\|load' "$MNT/compare/v1..v2.md" | head -5)"
sep=$(cat "$MNT/compare/run-000001..run-000003.md") || fail "no compare of runs 1 and 3"
case $sep in *Skipped:*) fail "separate runs' compare names A/B skips: $(grep Skipped <<< "$sep")" ;; esac
ok "an A/B job leaves the benchmarks with a service out, says so in debug.log and in compare/, measures the rest"

# The run's extras in the mount, then in a run --out tree.
[ -f "$run/profiles/plain" ] || fail "runs/000001/profiles/plain is missing: $(ls "$run")"
assert_eq "$(cat "$run/artifacts/sub/a.txt")" deep "a kept file in a subdirectory"
flame=flame.svg
[ -f "$run/flame.svg" ] || { log "no flame.svg (perf recorded nothing here): $(grep -m1 'no profile' "$run/debug.log" || true)"; flame=; }
stop_daemon
st=0
"$BENCHFS" run --repo "$REPO" --out "$T/out" v2 > "$T/run.out" 2> "$T/run.err" || st=$?
[ "$st" = 0 ] || fail "run --out: exit $st: $(tail -5 "$T/run.err")"
for f in $flame profiles/plain artifacts/plain.out artifacts/sub/a.txt; do
	for r in 000001 000004; do
		[ -f "$T/out/runs/$r/$f" ] || fail "the tree has no runs/$r/$f: $(cd "$T/out/runs/$r" && find . | head -20)"
	done
done
# compare/ as the mount lists it: the variants of v1's runs, the A/B pair's flame graph.
[ -d "$T/out/compare/v1" ] || fail "the tree has no compare/v1/: $(ls "$T/out/compare")"
[ -z "$flame" ] || ls "$T/out/compare" | grep -q 'flame\.svg$' || fail "the tree's compare/ has no flame graph: $(ls "$T/out/compare")"
start_benchfs
# runners is the daemons' state: the mount lists itself, the tree none.
diff -r --no-dereference -x runners "$T/out" "$MNT" > "$T/diff" 2>&1 || fail "the tree differs from the mount: $(head -20 "$T/diff")"
ok "run --out writes runs/<id>/${flame:+flame.svg, }profiles/ and artifacts/, compare/v1/${flame:+ and a flame graph of the pair}, byte-identical to the mount"
