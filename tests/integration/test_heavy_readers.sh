#!/bin/bash
# Readers beside writers, and writes bigger than one FUSE request:
# - `cat queue` and `cat baselines/<name>` never read empty (or cut) while
#   another shell writes to the same file with `>` (its O_TRUNC);
# - a list longer than one FUSE request (128 KiB), written by cat or by one
#   write() of 1 MiB, queues exactly its lines: none cut where a request ends.
. "$(dirname "$0")/lib.sh"

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
