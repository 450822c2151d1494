#!/bin/bash
# The queue: revisions of every kind, errors at the writer's shell, limits.
. "$(dirname "$0")/lib.sh"

# A benchmark slow enough that jobs stay pending while we look at the queue.
make_repo '{"warmup": 0, "runs": 1, "benchmarks": [{"name": "slow", "command": ["sleep", "30"]}]}'
commit_prog one 'true' v1
commit_prog two 'true' v2
commit_prog three 'true'
git -C "$REPO" tag -a v3 -m "annotated tag"
start_benchfs

head=$(git -C "$REPO" rev-parse HEAD)
v1=$(git -C "$REPO" rev-parse v1)
v2=$(git -C "$REPO" rev-parse v2)

echo "$head" > "$MNT/queue" || fail "full hash refused"
echo "${v1:0:7}" > "$MNT/queue" || fail "short hash refused"
echo main > "$MNT/queue" || fail "branch refused"
echo v2 > "$MNT/queue" || fail "tag refused"
echo v3 > "$MNT/queue" || fail "annotated tag refused"
echo 'HEAD~2' > "$MNT/queue" || fail "HEAD~2 refused"
printf 'HEAD' > "$MNT/queue" || fail "a line without newline refused"
ok "hash, short hash, branch, tag, annotated tag, HEAD~2, no newline"

assert_eq "$(ls "$MNT/runs" | wc -l)" 7 "runs after 7 writes"
assert_eq "$(ls "$MNT/runs" | tr '\n' ' ')" "000001 000002 000003 000004 000005 000006 000007 " "run names"
assert_eq "$(cut -f3 "$MNT/queue" | tr '\n' ' ')" "$head $v1 $head $v2 $head $v1 $head " "queued commits"
assert_eq "$(cut -f2 "$MNT/queue" | sed -n 2p)" "${v1:0:7}" "revision as written"
assert_eq "$(awk -F'\t' 'NF != 7' "$MNT/queue" | wc -l)" 0 "queue lines have 7 tab-separated fields"
ok "queue lists id, revision, full hash, status"

# Unknown revision: the shell reports the error, exit status non-zero, nothing queued.
before=$(ls "$MNT/runs" | wc -l)
if err=$(bash -c "echo no-such-rev > '$MNT/queue'" 2>&1); then fail "bad revision accepted"; fi
case "$err" in *"Invalid argument"*) ;; *) fail "unexpected error text: $err" ;; esac
assert_eq "$(ls "$MNT/runs" | wc -l)" "$before" "runs after a bad revision"
ok "unknown revision: '$err'"

# One bad line in a multi-line write queues none of them. (cat writes the
# whole file at once; bash's own printf writes line by line.)
printf 'v1\nnope\nv2\n' > "$T/lines"
if cat "$T/lines" > "$MNT/queue" 2>/dev/null; then fail "write with a bad line accepted"; fi
assert_eq "$(ls "$MNT/runs" | wc -l)" "$before" "runs after a partly bad write"
ok "a write with one bad line queues nothing"

# Several lines in one write queue several jobs.
printf 'v1\n\n  v2  \n' > "$T/lines"
cat "$T/lines" > "$MNT/queue" || fail "multi-line write refused"
assert_eq "$(ls "$MNT/runs" | wc -l)" $((before + 2)) "runs after a 2-line write"
assert_eq "$(tail -n 2 "$MNT/queue" | cut -f2 | tr '\n' ' ')" "v1 v2 " "revisions of a multi-line write"
ok "several lines in one write"

# Control characters and long lines are refused with errors the shell prints.
if err=$(bash -c "printf 'v1\tx\n' > '$MNT/queue'" 2>&1); then fail "control character accepted"; fi
case "$err" in *"Invalid argument"*) ;; *) fail "control character: $err" ;; esac
{ head -c 5000 /dev/zero | tr '\0' a; echo; } > "$T/long"
if err=$(bash -c "cat '$T/long' > '$MNT/queue'" 2>&1); then fail "long line accepted"; fi
case "$err" in *"Message too long"*) ;; *) fail "long line: $err" ;; esac
assert_eq "$(ls "$MNT/runs" | wc -l)" $((before + 2)) "runs after refused writes"
ok "control character and 5000-byte line refused"

# Writing anything but the queue is refused.
if echo x > "$MNT/runs/000001/status" 2>/dev/null; then fail "status accepted a write"; fi
if bash -c "echo x > '$MNT/newfile'" 2>/dev/null; then fail "created a file"; fi
if rm "$MNT/runs/000001/config.json" 2>/dev/null; then fail "removed a file"; fi
ok "read-only files stay read-only"

# The pending limit: 1000 jobs. Fill it in one write, then one more is refused.
pending=$(wc -l < "$MNT/queue")
yes v1 | head -n $((1000 - pending)) > "$T/many"
cat "$T/many" > "$MNT/queue" || fail "filling the queue to 1000 refused"
assert_eq "$(wc -l < "$MNT/queue")" 1000 "pending jobs"
if err=$(bash -c "echo v1 > '$MNT/queue'" 2>&1); then fail "job 1001 accepted"; fi
case "$err" in *"Resource temporarily unavailable"*) ;; *) fail "limit: $err" ;; esac
ok "1000 pending jobs; the next is refused: '$err'"

# The first job is running: its status says so, and so does the queue.
wait_status 000001 '^running slow 1/1$' 10
assert_eq "$(head -n 1 "$MNT/queue" | cut -f4)" "running slow 1/1" "queue status of the running job"
assert_eq "$(cat "$MNT/runs/000002/status")" queued "status of a queued job"
ok "running and queued states"

echo "10 passed, 0 failed"
