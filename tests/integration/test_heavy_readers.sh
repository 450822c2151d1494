#!/bin/bash
# Readers beside writers, and writes bigger than one FUSE request:
# - `cat queue` and `cat baselines/<name>` never read empty (or cut) while
#   another shell writes to the same file with `>` (its O_TRUNC);
# - a list longer than one FUSE request (128 KiB), written by cat or by one
#   write() of 1 MiB, queues exactly its lines: none cut where a request ends.
. "$(dirname "$0")/lib.sh"

# Under ASan, freed blocks wait in a 256 MB quarantine before reuse, which
# would read as growth: a small one (and small per-thread caches), filled by
# each memory check's warm-up.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1:thread_local_quarantine_size_kb=64"

# A benchmark slow enough that jobs stay pending while we read the queue.
make_repo '{"warmup": 0, "runs": 1, "benchmarks": [{"name": "slow", "command": ["sleep", "60"]}]}'
commit_prog one 'true'
commit_prog two 'true'
# v1 .. v300 on one commit: a line cut after "v1" of "v10" would still resolve.
for i in $(seq 300); do git -C "$REPO" tag "v$i"; done
start_benchfs

# ---- readers beside `>` writers ----
for _ in $(seq 5); do echo HEAD > "$MNT/queue"; done
echo HEAD > "$MNT/baselines/base" || fail "pinning a baseline"

# reader FILE OUT: cat FILE 400 times; one line per read: its byte count.
reader() {
	for _ in $(seq 400); do
		cat "$1" | wc -c
	done > "$2"
}
# writer FILE REV N: N times `echo REV > FILE`.
writer() {
	for _ in $(seq "$3"); do
		echo "$2" > "$1" || echo "write failed" >&2
	done
}

# The queue grows by one job per write; every read must show at least the
# five jobs queued before (each line is well over 40 bytes).
writer "$MNT/queue" HEAD 150 & wpid=$!
reader "$MNT/queue" "$T/queue-reads"
wait "$wpid"
empty=$(awk '$1 < 5 * 40' "$T/queue-reads" | wc -l)
assert_eq "$empty" 0 "reads of queue shorter than its first five jobs (of $(wc -l < "$T/queue-reads"))"
ok "400 reads of queue beside 150 'echo HEAD > queue': none empty or cut"

# The baseline's text is "<hash> <run>\n": 41 bytes and more, never fewer.
writer "$MNT/baselines/base" HEAD~1 150 & wpid=$!
reader "$MNT/baselines/base" "$T/base-reads"
wait "$wpid"
empty=$(awk '$1 < 41' "$T/base-reads" | wc -l)
assert_eq "$empty" 0 "reads of baselines/base shorter than a hash (of $(wc -l < "$T/base-reads"))"
ok "400 reads of baselines/base beside 150 'echo HEAD~1 > baselines/base': none empty or cut"

# ---- writes larger than one FUSE request (128 KiB) ----
# gen_list FILE SIZE [BAD]: lines of about 3 KB (spaces, then a tag v100 ..
# v199) up to SIZE bytes exactly; wherever a multiple of 128 KiB falls inside
# a line, it falls just after that tag's "v1" (itself a tag), so a line cut
# there would queue v1. BAD: a line "nope" after the first 128 KiB.
# Prints the expected revisions, one a line, to FILE.expected.
gen_list() {
	python3 - "$@" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
bad = len(sys.argv) > 3
chunk, out, revs, i = 131072, bytearray(), [], 0
while True:
    tag = "v%d" % (100 + i % 100)
    if bad and len(out) >= chunk + 5000 and "nope" not in revs:
        tag = "nope"
    start = len(out)
    if size - start <= 4000:  # the last line fills SIZE exactly
        out += b" " * (size - start - len(tag) - 1) + tag.encode() + b"\n"
        revs.append(tag)
        break
    pad = min(3000 + (i * 37) % 500, size - start - 600 - len(tag) - 1)
    boundary = (start // chunk + 1) * chunk
    if start + 2 < boundary <= start + pad + len(tag) and tag != "nope":
        pad = boundary - start - 2
    out += b" " * pad + tag.encode() + b"\n"
    revs.append(tag)
    i += 1
assert len(out) == size, len(out)
open(path, "wb").write(out)
open(path + ".expected", "w").write("".join(r + "\n" for r in revs))
PY
}

# queued_since N: the revisions queued after the daemon's Nth "queued run" line.
queued_count() { grep -c '^benchfs: queued run ' "$T/daemon.log" || true; }
queued_since() {
	grep '^benchfs: queued run ' "$T/daemon.log" | tail -n +$(($1 + 1)) |
		sed 's/^benchfs: queued run [0-9]*: \([^ ]*\) .*/\1/'
}

gen_list "$T/list" 140000
before=$(queued_count)
cat "$T/list" > "$MNT/queue" || fail "cat of a 140,000-byte list refused"
queued_since "$before" > "$T/queued"
diff "$T/list.expected" "$T/queued" > "$T/diff" || fail "cat list > queue: $(head -5 "$T/diff")"
ok "cat of a 140,000-byte list: exactly its $(wc -l < "$T/queued") lines queued, none cut"

gen_list "$T/big" 1048576
before=$(queued_count)
written=$(python3 -c 'import os, sys
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_TRUNC)
print(os.write(fd, open(sys.argv[1], "rb").read()))
os.close(fd)' "$T/big" "$MNT/queue") || fail "one write() of 1 MiB refused"
assert_eq "$written" 1048576 "bytes one write() of 1 MiB took"
queued_since "$before" > "$T/queued"
diff "$T/big.expected" "$T/queued" > "$T/diff" || fail "1 MiB write(): $(head -5 "$T/diff")"
ok "one write() of 1 MiB: exactly its $(wc -l < "$T/queued") lines queued, none cut"

# A bad line in the second request: the first request's whole lines are
# queued, the line cut at its end is not, and the writer sees the error.
gen_list "$T/bad" 200000 bad
before=$(queued_count)
if err=$(cat "$T/bad" 2>&1 > "$MNT/queue"); then fail "a list with a bad line accepted"; fi
case "$err" in *"Invalid argument"*) ;; *) fail "bad line in the second request: $err" ;; esac
queued_since "$before" > "$T/queued"
head -c 131072 "$T/bad" | grep -c '' > /dev/null
whole=$(head -c 131072 "$T/bad" | tr -cd '\n' | wc -c)
head -n "$whole" "$T/bad.expected" > "$T/bad.first"
diff "$T/bad.first" "$T/queued" > "$T/diff" || fail "partly bad list: $(head -5 "$T/diff")"
ok "a bad line in the second 128 KiB: the first's $whole whole lines queued, no cut line ('$err')"

# ---- memory over names readers invent ----
# A second daemon, whose benchmark is quick: compare names need finished runs.
# Its store is its own (under PostgreSQL a database of its own): runs 000001
# and 000002 are its two, not the first daemon's queue of hundreds.
stop_daemon
printf '%s\n' '{"warmup": 0, "runs": 2, "benchmarks": [{"name": "quick", "command": ["true"]}]}' \
	> "$T/quick.json"
store2=$(other_store quick)
BENCHFS_STORE=$store2 start_benchfs --config "$T/quick.json" --data "$T/data2"
echo HEAD~1 > "$MNT/queue"
echo HEAD > "$MNT/queue"
wait_status 000001 '^done' 60
wait_status 000002 '^done' 60
# The daemon's resident memory (kB).
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
# lookups KIND FROM TO: stat names FROM .. TO-1 of a kind, in one process.
#   missing: runs/000001/<200 bytes>-<i>, which does not exist
#   compare: compare/<a>..<b>.md, a and b spelled differently each time
#            (abbreviations of 7 to 40 digits, a run of ~0 suffixes)
a_hash=$(git -C "$REPO" rev-parse HEAD~1)
b_hash=$(git -C "$REPO" rev-parse HEAD)
lookups() {
	python3 - "$MNT" "$a_hash" "$b_hash" "$@" <<'PY'
import os, sys
mnt, a, b, kind, lo, hi = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
found = 0
for i in range(lo, hi):
    if kind == "missing":
        path = "%s/runs/000001/%s-%d" % (mnt, "x" * 200, i)
    else:
        m, rest = 7 + i % 34, i // 34
        l, k = 7 + rest % 34, rest // 34
        path = "%s/compare/%s%s..%s.md" % (mnt, a[:l], "~0" * k, b[:m])
    try:
        os.stat(path)
        found += 1
    except FileNotFoundError:
        pass
print(found)
PY
}

# warm KIND N: N lookups from 12 readers at once, more than the daemon's 10
# request threads, so all of them start (each opens its own store handle and
# repository, a megabyte or two) before the measured lookups.
warm() {
	for k in $(seq 0 11); do
		lookups "$1" $((k * $2 / 12)) $(((k + 1) * $2 / 12)) > "$T/warm.$k" &
	done
	wait
	cat "$T"/warm.* | awk '{ n += $1 } END { print n }'
}
# A warm-up of 20,000 more from one reader fills the caches that reach a
# steady size (SQLite's page cache per connection, the allocator's arenas).
# Which request thread serves a lookup is up to libfuse, and each thread's
# caches warm on their own: CI saw +1.2 MB twice after this warm-up, without
# a leak. So the measured lookups are many: the interned names this guards
# against cost 77 bytes each, 7.7 MB over 100,000, against a bound of 3 MB.
assert_eq "$(warm missing 5000)" 0 "missing names found (warm-up)"
assert_eq "$(lookups missing 5000 25000)" 0 "missing names found (warm-up)"
before=$(rss)
assert_eq "$(lookups missing 25000 125000)" 0 "missing names found"
after=$(rss)
log "RSS over 100,000 lookups of missing names: $before -> $after kB"
[ $((after - before)) -le 3072 ] ||
	fail "100,000 missing names grew the daemon by $((after - before)) kB (bound: 3072 kB)"
ok "100,000 missing names: RSS $before -> $after kB (bound +3072 kB)"

# The first 10,000 compare names fill what the daemon keeps of them (1,024
# names) and the allocator's per-thread arenas (requests are served by
# several threads); 20,000 more must not grow it.
assert_eq "$(warm compare 10000)" 10000 "compare names found (warm-up)"
before=$(rss)
assert_eq "$(lookups compare 10000 30000)" 20000 "compare names found"
after=$(rss)
log "RSS over 20,000 distinct compare names: $before -> $after kB"
[ $((after - before)) -le 2048 ] ||
	fail "20,000 compare names grew the daemon by $((after - before)) kB (bound: 2048 kB)"
ok "20,000 distinct compare names: RSS $before -> $after kB (bound +2048 kB)"

# The views still work: a compare, its JSON, a new baseline, history.
grep -q . "$MNT/compare/HEAD~1..HEAD.md" || fail "compare/HEAD~1..HEAD.md empty after the lookups"
json "$MNT/compare/HEAD~1..HEAD.json" 'len(j)' > /dev/null || fail "compare JSON unreadable"
echo HEAD > "$MNT/baselines/after" || fail "pinning a baseline after the lookups"
assert_eq "$(head -1 "$MNT/baselines/after" | cut -d' ' -f1)" "$b_hash" "baselines/after"
ls "$MNT/history/" > /dev/null || fail "history/ unreadable"
ok "compare, its JSON, a new baseline and history/ work after the lookups"

# ---- many readers at once (requests are served by several threads) ----
# 100 reader threads read finished files, computed files, the queue and the
# listings while two writers queue jobs and pin baselines: every read of a
# file that does not change gives the same bytes, every read of a computed
# file one whole version, and nothing fails. (A ThreadSanitizer build of the
# daemon reports its races in the log, which fails the test.)
stress_writer() {
	for _ in $(seq 20); do
		echo HEAD~1 > "$MNT/queue" || echo "queue write failed"
		echo "HEAD~$2" > "$MNT/baselines/w$1" || echo "baseline write failed"
	done
}
stress_writer 1 0 > "$T/stress.w1" 2>&1 & w1=$!
stress_writer 2 1 > "$T/stress.w2" 2>&1 & w2=$!
python3 - "$MNT" > "$T/stress.r" 2>&1 <<'PY'
import json, os, sys, threading
mnt = sys.argv[1]
files = ["runs/000001/config.json", "runs/000001/result.json", "runs/000002/status", "README"]
ref = {f: open(os.path.join(mnt, f), "rb").read() for f in files}
errors = []
def reader(k):
    try:
        for i in range(30):
            for f in files:
                if open(os.path.join(mnt, f), "rb").read() != ref[f]:
                    errors.append("differs: " + f)
            # The writers' jobs finish meanwhile and change what compare
            # shows: each read must still be one whole version.
            json.loads(open(os.path.join(mnt, "compare/HEAD~1..HEAD.json"), "rb").read())
            if not open(os.path.join(mnt, "compare/HEAD~1..HEAD.md"), "rb").read().endswith(b"\n"):
                errors.append("compare/HEAD~1..HEAD.md: cut")
            open(os.path.join(mnt, "queue"), "rb").read()
            if i % 10 == k % 10:
                for d in ("runs", "compare"):
                    for name in os.listdir(os.path.join(mnt, d)):
                        os.lstat(os.path.join(mnt, d, name))
            os.stat(os.path.join(mnt, "compare", "HEAD~1..HEAD~%d.md" % 0))
    except (OSError, ValueError) as e:
        errors.append("%s: %s" % (type(e).__name__, e))
threads = [threading.Thread(target=reader, args=(k,)) for k in range(100)]
for t in threads: t.start()
for t in threads: t.join()
for e in sorted(set(errors)): print(e)
PY
wait "$w1" "$w2"
cat "$T"/stress.* > "$T/stress"
[ ! -s "$T/stress" ] || fail "concurrent readers: $(head -5 "$T/stress")"
assert_eq "$(head -1 "$MNT/baselines/w2" | cut -d' ' -f1)" "$a_hash" "baselines/w2 after the writers"
kill -0 "$DAEMON_PID" || fail "the daemon died under 100 readers"
if grep -q 'WARNING: ThreadSanitizer' "$T/daemon.log"; then
	fail "ThreadSanitizer: $(grep -A12 'WARNING: ThreadSanitizer' "$T/daemon.log" | head -30)"
fi
ok "100 reader threads and 2 writers at once: every read as before, no error"
