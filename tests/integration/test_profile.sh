#!/bin/bash
# Profiling through the mount: "profile" leaves a perf.data that perf report
# reads, "metrics": ["instructions"] gives the same count for two runs of one
# commit, "cpus" pins the benchmark and keeps the daemon's threads off that
# CPU while it runs (and lets them back afterwards). Without perf in PATH the
# run completes and debug.log says why.
. "$(dirname "$0")/lib.sh"

# The CPU lists the kernel shows, as sorted numbers: "0-2,5" -> "0 1 2 5".
expand_cpus() {
	python3 -c 'import sys
out = []
for part in sys.argv[1].split(","):
    a, _, b = part.partition("-")
    out += range(int(a), int(b or a) + 1)
print(" ".join(map(str, out)))' "$1"
}
allowed=$(expand_cpus "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)")
cpu=${allowed##* } # the last CPU we may use
ncpus=$(echo "$allowed" | wc -w)
[ "$ncpus" -ge 2 ] || log "one CPU available: the pinning checks need two and are skipped"

# pinned: the benchmark records its own CPUs and, while it runs, those of
# every thread of the daemon (its parent is benchfs-spawner, whose parent is
# the daemon).
cpus_json='[]'
[ "$ncpus" -ge 2 ] && cpus_json="[$cpu]"
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 2, "timeout": 30,
  "benchmarks": [
    {"name": "loop", "command": ["./prog", "5000"],
     "profile": {"perf": true, "frequency": 999}, "metrics": ["instructions"]},
    {"name": "pinned", "command": "sed -n \"s/^Cpus_allowed_list:[[:space:]]*//p\" /proc/self/status > '"$T"'/bench-cpus; d=$(sed -n \"s/^PPid:[[:space:]]*//p\" /proc/$PPID/status); echo $d > '"$T"'/daemon-pid; for t in /proc/$d/task/*; do sed -n \"s/^Cpus_allowed_list:[[:space:]]*//p\" $t/status; done > '"$T"'/daemon-cpus",
     "cpus": '"$cpus_json"', "runs": 1}
  ]}'
commit_prog first 'i=0; while [ $i -lt "$1" ]; do i=$((i+1)); done; echo counted $i'
start_benchfs

echo HEAD > "$MNT/queue"
echo HEAD > "$MNT/queue"
wait_status 000001 '^done( |$)' 120
wait_status 000002 '^done( |$)' 120
run="$MNT/runs/000001"

# perf.data: present when perf works here; otherwise debug.log says why.
if grep -q '\[loop profile\] no profile: ' "$run/debug.log"; then
	[ ! -e "$run/perf.data" ] || fail "perf.data exists although debug.log says there is no profile"
	log "SKIP perf.data: $(grep -m1 '\[loop profile\] no profile: ' "$run/debug.log" | cut -d' ' -f2-)"
else
	command -v perf > /dev/null || fail "perf is not installed, but debug.log does not say so"
	ls "$run" | grep -qx perf.data || fail "perf.data not listed in runs/000001: $(ls "$run" | tr '\n' ' ')"
	cp "$run/perf.data" "$T/perf.data"
	cmp "$T/perf.data" "$run/perf.data" || fail "perf.data changed while copied"
	perf report -i "$T/perf.data" --stdio > "$T/report" 2> "$T/report.err" \
		|| fail "perf report -i failed: $(head -5 "$T/report.err")"
	grep -q '^# Samples: ' "$T/report" || fail "perf report shows no samples: $(head -20 "$T/report")"
	grep -Eq '[0-9.]+%.* (prog|sh|dash) ' "$T/report" || fail "the benchmark is not in the profile: $(head -30 "$T/report")"
	grep -q '\[loop profile\] perf.data: ' "$run/debug.log" || fail "debug.log does not mention the profile"
	# The profile is an extra iteration: the measured ones are the two configured.
	assert_eq "$(json "$run/result.json" 'len(j["results"][0]["times"])')" 2 "measured iterations"
	ok "perf.data ($(wc -c < "$T/perf.data") bytes) read by perf report: $(grep -m1 '^# Samples: ' "$T/report")"
fi

# Instructions: one deterministic figure per run, the same for both runs.
i1=$(json "$run/result.json" 'j["results"][0]["instructions"]')
i2=$(json "$MNT/runs/000002/result.json" 'j["results"][0]["instructions"]')
python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(not (a > 1e6 and abs(a - b) <= a * 0.001))' "$i1" "$i2" \
	|| fail "instruction counts of two runs of one commit: $i1 and $i2"
assert_eq "$(json "$run/result.json" 'type(j["results"][0]["instructions"]).__name__')" int "instructions is an integer count"
assert_eq "$(json "$run/result.json" 'j["results"][1].get("instructions")')" None "instructions only where configured"
grep -q '\[loop instructions\] instructions: ' "$run/debug.log" || fail "debug.log does not mention the count"
ok "instructions in result.json: $i1 and $i2"

# CPU placement, as /proc showed it while the benchmark ran.
if [ "$ncpus" -ge 2 ]; then
	assert_eq "$(cat "$T/daemon-pid")" "$DAEMON_PID" "the benchmark's grandparent is the daemon"
	assert_eq "$(expand_cpus "$(cat "$T/bench-cpus")")" "$cpu" "the benchmark's Cpus_allowed_list"
	[ "$(wc -l < "$T/daemon-cpus")" -ge 2 ] || fail "the daemon's threads were not found"
	while read -r list; do
		case " $(expand_cpus "$list") " in
		*" $cpu "*) fail "a daemon thread may run on CPU $cpu while the benchmark does: $list" ;;
		esac
	done < "$T/daemon-cpus"
	ok "pinned to CPU $cpu; the daemon's $(wc -l < "$T/daemon-cpus") threads were off it"
	# Afterwards the daemon may use every CPU again.
	for t in /proc/"$DAEMON_PID"/task/*; do
		list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status")
		assert_eq "$(expand_cpus "$list")" "$allowed" "daemon thread $t after the run"
	done
	ok "the daemon's threads are back on CPUs $allowed"
fi

# Without perf (nor valgrind) in PATH the run still completes, saying why.
stop_daemon
mkdir "$T/bin"
for f in /usr/bin/* /bin/*; do
	case ${f##*/} in
	perf | perf_* | valgrind*) ;;
	*) [ -e "$T/bin/${f##*/}" ] || ln -s "$f" "$T/bin/${f##*/}" ;;
	esac
done
PATH="$T/bin" start_benchfs
echo HEAD > "$MNT/queue"
wait_status 000003 '^done( |$)' 120
grep -q '\[loop profile\] no profile: perf is not installed' "$MNT/runs/000003/debug.log" \
	|| fail "debug.log does not say that perf is missing"
grep -q '\[loop instructions\] no instruction count: valgrind is not installed' "$MNT/runs/000003/debug.log" \
	|| fail "debug.log does not say that valgrind is missing"
[ ! -e "$MNT/runs/000003/perf.data" ] || fail "perf.data without perf"
ok "without perf and valgrind: done, and debug.log says why"
