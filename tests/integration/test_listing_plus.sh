#!/bin/bash
# ls -l runs/ through readdirplus: the listing hands the kernel each run
# directory with its attributes, so ls -l looks up no finished run; those
# attributes are what a lookup gives (after a remount, stat by path); a run
# still going is looked up again, and shows its new mode once it finishes;
# find and stat agree with the listing; the directories whose entries are
# looked up (a run's files) list as before; and the daemon unmounts cleanly.
. "$(dirname "$0")/lib.sh"

HOLD="$T/hold" # present: the benchmark waits (30 s at most), so its run stays pending
make_repo '{"warmup": 0, "runs": 1, "benchmarks": [{"name": "work", "command": ["sh", "prog.sh"]}]}'
commit_prog one 'i=0; while [ -e "'"$HOLD"'" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done'
# -d: FUSE's debug output, one line a request, to count the lookups.
start_benchfs -d

# runs/'s inode number (kind 3 in the top byte: fs/inode.h).
RUNS_INO=$((3 << 56))

# listing: ls -l of runs/ as "inode mode links uid gid size mtime name" lines.
listing() {
	ls -lni --time-style=+%s "$MNT/runs" | awk 'NR > 1 { print $1, $2, $3, $4, $5, $6, $7, $8 }'
}

# lookups_in_runs: how many LOOKUP requests named an entry of runs/ so far.
lookups_in_runs() {
	grep -c "opcode: LOOKUP (1), nodeid: $RUNS_INO," "$T/daemon.log" || true
}

# stat_line DIR: the same fields for one run directory, by path.
stat_line() {
	stat -c '%i %A %h %u %g %s %Y %n' "$MNT/runs/$1" | sed "s| $MNT/runs/| |"
}

# ---- three finished runs, two of them never looked up ----
printf '%s\n' HEAD HEAD HEAD > "$MNT/queue"
wait_status 000003 '^done( |$)' 60
before=$(lookups_in_runs)
listing > "$T/finished"
after=$(lookups_in_runs)
assert_eq "$(awk '{ print $8, $2, $3 }' "$T/finished" | tr '\n' ' ')" \
	"000001 drwxr-xr-x 2 000002 drwxr-xr-x 2 000003 drwxr-xr-x 2 " "ls -l runs/ of finished runs"
# Without readdirplus ls -l looks up runs 1 and 2 (run 3's entry is cached
# already, by wait_status); with it, none.
assert_eq "$((after - before))" 0 "lookups of runs/'s entries by ls -l"
ok "ls -l runs/ gets finished runs' attributes with the listing (no lookups)"
# Listed again with nothing queued in between, the kernel may answer from the
# listing it kept; queued runs must still show in the next listing (below).
listing > "$T/again"
diff "$T/again" "$T/finished" > /dev/null || fail "a second listing differs from the first"

# ---- one run running (held) and one queued ----
touch "$HOLD"
printf '%s\n' HEAD HEAD > "$MNT/queue"
wait_status 000004 '^running' 60
grep -q '^queued' "$MNT/runs/000005/status" || fail "run 5 is not queued: $(cat "$MNT/runs/000005/status")"
before=$(lookups_in_runs)
listing > "$T/live"
after=$(lookups_in_runs)
assert_eq "$(awk '{ print $8, $2, $3 }' "$T/live" | tr '\n' ' ')" \
	"000001 drwxr-xr-x 2 000002 drwxr-xr-x 2 000003 drwxr-xr-x 2 000004 dr-xr-xr-x 2 000005 dr-xr-xr-x 2 " \
	"ls -l runs/ with two runs pending"
# A pending run's entry expires at once: looked up again, it cannot go stale.
[ $((after - before)) -ge 2 ] || fail "ls -l runs/ looked up $((after - before)) runs (the 2 pending ones expected)"
ok "pending runs are listed with their own mode and looked up again"

# find and stat see what the listing shows.
for id in 000001 000002 000003 000004 000005; do
	assert_eq "$(stat_line $id | awk '{ print $1, $2, $3, $4, $5, $6, $7 }')" \
		"$(awk -v id=$id '$8 == id { print $1, $2, $3, $4, $5, $6, $7 }' "$T/live")" "stat of runs/$id"
done
find "$MNT/runs" -mindepth 1 -maxdepth 1 -printf '%i %M %n %U %G %s %T@ %f\n' |
	awk '{ sub(/\..*/, "", $7); print }' | sort -k8 > "$T/find"
diff <(awk '{ print $1, $2, $3, $4, $5, $6, $7, $8 }' "$T/find") "$T/live" > "$T/diff" ||
	fail "find and ls -l differ: $(head -4 "$T/diff")"
ok "find and stat agree with the listing"

# A run's files are looked up as before: true sizes in ls -l.
ls -ln "$MNT/runs/000001" | awk 'NR > 1 { print $5, $9 }' > "$T/files"
assert_eq "$(wc -l < "$T/files")" 6 "files listed in runs/000001"
while read -r size name; do
	assert_eq "$(wc -c < "$MNT/runs/000001/$name")" "$size" "ls -l size of runs/000001/$name"
done < "$T/files"
ok "a run directory's files list with their true sizes"

# ---- the held runs finish: the next listing shows their new mode ----
rm -f "$HOLD"
wait_status 000005 '^done( |$)' 60
listing > "$T/done"
assert_eq "$(awk '{ print $8, $2 }' "$T/done" | tr '\n' ' ')" \
	"000001 drwxr-xr-x 000002 drwxr-xr-x 000003 drwxr-xr-x 000004 drwxr-xr-x 000005 drwxr-xr-x " \
	"ls -l runs/ once all are done"
assert_eq "$(stat_line 000005 | awk '{ print $2 }')" drwxr-xr-x "stat of runs/000005 once done"
ok "a run that finished shows its new attributes, not the pending ones"

# Listed many times over (each listing counts a lookup of every entry), then
# unmounted: the daemon ends on its own, with status 0.
for _ in 1 2 3 4 5; do listing > /dev/null; done
fusermount3 -u "$MNT" || fail "unmount failed"
st=0
wait "$DAEMON_PID" || st=$?
DAEMON_PID=
assert_eq "$st" 0 "daemon's exit status after unmount"
ok "unmounts cleanly after repeated listings"

# ---- remounted: each run directory looked up by path (no listing first)
# has the attributes the listing gave ----
start_benchfs
for id in 000001 000002 000003 000004 000005; do stat_line $id; done > "$T/looked-up"
diff "$T/looked-up" "$T/done" > "$T/diff" ||
	fail "looked up and listed attributes differ: $(head -4 "$T/diff")"
listing > "$T/again"
diff "$T/again" "$T/done" > /dev/null || fail "the listing changed across a remount"
ok "listed attributes equal looked up ones (inode, mode, links, owner, size, mtime)"
echo "7 passed, 0 failed"
