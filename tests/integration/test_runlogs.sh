#!/bin/bash
# debug.log through the mount: every measured iteration's time and the
# benchmark's summary (mean ± σ, min, max, as hyperfine prints them), also
# with "output": "discard"; and a log is never written through a symlink,
# a FIFO or a hard link planted in the data directory.
. "$(dirname "$0")/lib.sh"

make_repo '{"runs": 3, "benchmarks": [{"name": "quiet", "command": ["sleep", "0.05"],
  "output": "discard"}]}'
commit_prog one 'true'
start_benchfs
DATA="$REPO/.git/benchfs"
[ -d "$DATA/logs" ] || fail "no logs directory in $DATA"

# ---- the numbers in debug.log ----
echo HEAD > "$MNT/queue"
wait_status 000001 '^done( |$)' 60
log="$MNT/runs/000001/debug.log"
res="$MNT/runs/000001/result.json"
for i in 1 2 3; do
	line=$(grep -E "\[benchfs\] quiet $i/3: [0-9.]+ ms \(user [0-9.]+ (ms|µs|s), system [0-9.]+ (ms|µs|s), max RSS [0-9.]+ MiB\)$" "$log") \
		|| fail "no time of iteration $i in debug.log: $(grep quiet "$log")"
	logged=$(printf '%s\n' "$line" | sed -E 's/.*quiet [0-9]+\/3: ([0-9.]+) ms.*/\1/')
	stored=$(json "$res" "'%.1f' % (j['results'][0]['times'][$i - 1] * 1e3)")
	assert_eq "$logged" "$stored" "iteration $i's time in debug.log against result.json"
done
ok "each iteration's time is in debug.log, as result.json has it"

mean=$(json "$res" "'%.1f' % (j['results'][0]['mean'] * 1e3)")
sd=$(json "$res" "'%.1f' % (j['results'][0]['stddev'] * 1e3)")
min=$(json "$res" "'%.1f' % (j['results'][0]['min'] * 1e3)")
max=$(json "$res" "'%.1f' % (j['results'][0]['max'] * 1e3)")
grep -qF "[benchfs] quiet: Time (mean ± σ): $mean ms ± $sd ms [User: " "$log" \
	|| fail "no summary 'Time (mean ± σ): $mean ms ± $sd ms' in debug.log: $(grep 'quiet:' "$log")"
grep -qF "[benchfs] quiet: Range (min … max): $min ms … $max ms, 3 runs" "$log" \
	|| fail "no summary 'Range (min … max): $min ms … $max ms, 3 runs' in debug.log: $(grep 'quiet:' "$log")"
ok "the benchmark's summary is in debug.log: $mean ms ± $sd ms, $min ms … $max ms"

# ---- planted logs ----
echo untouched > "$T/outside"
ln -s "$T/outside" "$DATA/logs/000002.log"  # a symlink to an existing file
ln -s "$T/nowhere" "$DATA/logs/000003.log"  # a dangling one: O_CREAT would follow it
mkfifo "$DATA/logs/000004.log"              # a FIFO: an open for writing blocks
echo untouched > "$T/linked"
ln "$T/linked" "$DATA/logs/000005.log" 2>/dev/null || cp "$T/linked" "$DATA/logs/000005.log.nolink"
printf 'HEAD\nHEAD\nHEAD\nHEAD\nHEAD\n' > "$MNT/queue"
for run in 000002 000003 000004; do
	wait_status $run '^failed: ' 30
	case "$(cat "$MNT/runs/$run/status")" in
	"failed: cannot open $DATA/logs/$run.log: not a file of benchfs's own (a symlink, FIFO or hard link put in the data directory): refused") ;;
	*) fail "run $run: $(cat "$MNT/runs/$run/status")" ;;
	esac
done
assert_eq "$(cat "$T/outside")" untouched "the file a planted symlink points to"
[ ! -e "$T/nowhere" ] || fail "a dangling symlink in logs/ made benchfs create $T/nowhere"
if [ -e "$DATA/logs/000005.log.nolink" ]; then
	log "no hard link across these directories: that case is not checked"
	wait_status 000005 '^(done|failed)' 30
else
	wait_status 000005 '^failed: ' 30
	assert_eq "$(cat "$T/linked")" untouched "the file a planted hard link shares"
fi
ok "planted logs are refused: $(cat "$MNT/runs/000002/status")"

# Nor are they read through: the mount never shows what a planted file points to.
for run in 000002 000004; do
	if timeout 10 cat "$MNT/runs/$run/debug.log" > "$T/shown" 2> /dev/null; then :; fi
	if grep -q untouched "$T/shown"; then fail "runs/$run/debug.log shows the planted file's target"; fi
	assert_eq "$(stat -c %s "$MNT/runs/$run/debug.log")" 0 "size of runs/$run/debug.log"
done
ok "a planted symlink or FIFO is not read through runs/<id>/debug.log"

echo HEAD > "$MNT/queue"
wait_status 000006 '^done( |$)' 60
[ "$(stat -c %a "$DATA/logs/000006.log")" = 600 ] || fail "a new log is not 0600: $(stat -c %a "$DATA/logs/000006.log")"
ok "the runner goes on after them; a new log is 0600"
echo "4 passed, 0 failed"
