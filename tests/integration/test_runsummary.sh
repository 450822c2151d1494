#!/bin/bash
# runs/<id>/summary: a done run's numbers as hyperfine prints them, also with
# "output": "discard" (status only says done); absent until the run is done,
# as result.json is; listed with its true size, the same bytes at every read;
# an A/B job's sides each summarise their own samples. And cat queue marks
# the two lines of one A/B job as one job, in a fifth field.
. "$(dirname "$0")/lib.sh"

HOLD="$T/hold"
# max_pairs under runs: the A/B job's first round decides (no rounds added).
make_repo '{"warmup": 0, "runs": 3, "output": "discard", "compare": {"max_pairs": 2},
  "benchmarks": [{"name": "quiet", "command": ["sh", "prog.sh"]},
                 {"name": "short", "command": ["sleep", "0.002"]}]}'
# The first commit's benchmark waits while $HOLD exists (30 s at most), so
# the jobs after it stay pending as long as the test needs.
commit_prog held 'i=0; while [ -e "'"$HOLD"'" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
echo noise; sleep 0.01' vh
commit_prog one 'echo noise; sleep 0.01' v1
commit_prog two 'echo noise; sleep 0.012' v2
start_benchfs

# summary_of RESULT_JSON: the summary as hyperfine would print those numbers,
# formatted here independently of benchfs's C code.
summary_of() {
	python3 - "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
def fmt(s, unit):
    t = {'us': '%.1f µs' % (s * 1e6), 'ms': '%.1f ms' % (s * 1e3), 's': '%.3f s' % s}[unit]
    return t.rjust(8)
blocks = []
for r in j['results']:
    unit = 'us' if r['mean'] < 0.001 else 'ms' if r['mean'] < 1 else 's'
    n = len(r['times'])
    u, s = fmt(r['user'], unit).strip(), fmt(r['system'], unit).strip()
    lines = [r['name']]
    if n == 1:
        lines.append('  Time (abs ≡):        %s  %s     [User: %s, System: %s]' % (
            fmt(r['mean'], unit), ' ' * 8, u, s))
    else:
        lines.append('  Time (mean ± σ):     %s ± %s    [User: %s, System: %s]' % (
            fmt(r['mean'], unit), fmt(r['stddev'], unit), u, s))
        lines.append('  Range (min … max):   %s … %s    %d runs' % (
            fmt(r['min'], unit), fmt(r['max'], unit), n))
    blocks.append('\n'.join(lines) + '\n')
sys.stdout.write('\n'.join(blocks))
PY
}

# check_summary RUN: runs/RUN/summary against its result.json; listed, sized
# and read as a file that does not change.
check_summary() {
	local dir="$MNT/runs/$1" want got
	want=$(summary_of "$dir/result.json"; echo x)
	got=$(cat "$dir/summary"; echo x)
	[ "$got" = "$want" ] || fail "runs/$1/summary:
$got
expected:
$want"
	ls "$dir" | grep -qx summary || fail "ls runs/$1 does not list summary: $(ls "$dir" | tr '\n' ' ')"
	assert_eq "$(stat -c %s "$dir/summary")" "$(cat "$dir/summary" | wc -c)" "runs/$1/summary's size"
	assert_eq "$(ls -l "$dir" | awk '$NF == "summary" {print $5}')" "$(stat -c %s "$dir/summary")" \
		"ls -l runs/$1's size of summary"
	# Stable bytes: again, and in small reads.
	cmp -s <(cat "$dir/summary") <(dd if="$dir/summary" bs=7 status=none) \
		|| fail "runs/$1/summary differs between reads"
	assert_eq "$(grep -c '^  Range (min … max): .*  3 runs$' "$dir/summary")" 2 "runs/$1: 3 runs of each benchmark"
}

# ---- pending: no summary yet; the queue shows the A/B job ----
touch "$HOLD"
echo vh > "$MNT/queue"
echo v1..v2 > "$MNT/queue"
wait_status 000001 '^running quiet' 60
if out=$(cat "$MNT/runs/000001/summary" 2>&1); then fail "summary of a running run: $out"; fi
case "$out" in *"No such file or directory"*) ;; *) fail "summary of a running run: $out" ;; esac
ls "$MNT/runs/000001" | grep -qx summary && fail "ls lists summary of a running run"
[ -e "$MNT/runs/000002/summary" ] && fail "a queued run has a summary"
ok "no summary before a run is done (ENOENT, not listed), as result.json"

assert_eq "$(cut -f1,2,3 "$MNT/queue" | tr '\t' ' ' | tr '\n' '|')" \
	"000001 vh $(git -C "$REPO" rev-parse vh)|000002 v1 $(git -C "$REPO" rev-parse v1)|000003 v2 $(git -C "$REPO" rev-parse v2)|" \
	"queue fields 1 to 3"
assert_eq "$(cut -f1,5 "$MNT/queue" | tr '\t' ' ' | tr '\n' '|')" \
	"000001 -|000002 a/b 000002..000003|000003 a/b 000002..000003|" "queue's A/B job field"
assert_eq "$(awk -F'\t' 'NF != 7' "$MNT/queue" | wc -l)" 0 "queue lines have 7 tab-separated fields"
assert_eq "$(cut -f4 "$MNT/queue" | sed -n 2p)" queued "queue status of a side"
ok "cat queue marks both lines of the A/B job: $(cut -f5 "$MNT/queue" | tr '\n' '|')"

# ---- done: the numbers where people look ----
rm -f "$HOLD"
wait_status 000001 '^done( |$)' 60
check_summary 000001
sed 's/^/# /' "$MNT/runs/000001/summary"
ok "runs/000001/summary (output discard) has result.json's numbers: $(sed -n 2p "$MNT/runs/000001/summary")"

wait_status 000002 '^(done|failed)' 60
wait_status 000003 '^(done|failed)' 60
assert_eq "$(cut -d' ' -f1 "$MNT/runs/000002/status")" done "side A's status"
assert_eq "$(cut -d' ' -f1 "$MNT/runs/000003/status")" done "side B's status"
check_summary 000002
check_summary 000003
cmp -s "$MNT/runs/000002/summary" "$MNT/runs/000003/summary" && fail "both sides have the same summary"
ok "each side of the A/B job summarises its own samples"
[ -z "$(cat "$MNT/queue")" ] || fail "queue not empty: $(cat "$MNT/queue")"
