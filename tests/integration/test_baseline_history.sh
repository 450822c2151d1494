#!/bin/bash
# Baselines' provenance and history: a pin records when, by which uid, the
# commit, the revision as written, the run it refers to, the host and that
# run's toolchain (system.json's); re-pinning keeps the previous pins in
# baselines/.history/<name>, newest first, and rm records the unpin there
# too; `echo latest > baselines/<name>` pins the newest done run's commit and
# names that run. Bad input is refused with a clear errno and changes
# nothing; kill -9 and a restart keep it all; a pin of a store made before
# provenance was recorded shows what it knew and "unknown" for the rest.
. "$(dirname "$0")/lib.sh"

make_repo '{"warmup": 0, "runs": 2, "benchmarks": [{"name": "t", "command": ["true"]}]}'
commit_prog one 'true' v1
commit_prog two 'true'
commit_prog three 'true'
c1=$(git -C "$REPO" rev-parse v1)
c2=$(git -C "$REPO" rev-parse HEAD~1)
c3=$(git -C "$REPO" rev-parse HEAD)
me=$(id -u)
host=$(hostname)
TAB=$'\t'
start_benchfs

# errno_of CMD...: the error text of a shell's redirection or rm that must fail.
refused() {
	local what=$1 expect=$2 err
	shift 2
	if err=$("$@" 2>&1); then fail "$what was accepted"; fi
	case "$err" in
	*"$expect"*) ;;
	*) fail "$what: expected '$expect', got: $err" ;;
	esac
}
pin() { echo "$2" > "$MNT/baselines/$1"; }

# ---- promotion before any run is done: refused, nothing pinned ----
refused "echo latest > baselines/release before any run" "Invalid argument" pin release latest
grep -qF "baseline release: refused: latest: no run has finished yet" "$T/daemon.log" ||
	fail "no log line saying latest has no run yet"
[ ! -e "$MNT/baselines/release" ] || fail "baselines/release exists after a refused promotion"
[ ! -e "$MNT/baselines/.history/release" ] || fail "a refused pin left a history"
ok "promoting latest before any run is done is EINVAL and leaves no pin and no history"

printf '%s\n%s\n' "$c1" "$c2" > "$MNT/queue"
wait_status 000002 '^done( |$)' 60
cc=$(json "$MNT/runs/000001/system.json" "j['toolchain']['cc']")
libc=$(json "$MNT/runs/000001/system.json" "j['toolchain']['libc']")
[ "$cc" != None ] && [ -n "$cc" ] || fail "system.json records no C compiler: $(cat "$MNT/runs/000001/system.json")"
case "$libc" in glibc\ [0-9]*) ;; *) fail "system.json's libc is '$libc'" ;; esac
ok "system.json records the toolchain: $cc, $libc"

# field FILE KEY: the value of "KEY: value" in a pin's file.
field() { sed -n "s/^$2: //p" "$1"; }

# ---- pin, re-pin, promote, unpin ----
pin release v1 || fail "pinning release to v1"
f="$MNT/baselines/release"
assert_eq "$(head -1 "$f")" "$c1 000001" "first line of baselines/release"
for kv in "revision=v1" "uid=$me" "host=$host" "run=000001" "cc=$cc" "libc=$libc"; do
	assert_eq "$(field "$f" "${kv%%=*}")" "${kv#*=}" "baselines/release's ${kv%%=*}"
done
pinned=$(field "$f" pinned)
[[ $pinned =~ ^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z$ ]] || fail "pinned is '$pinned'"
ok "a pin shows its commit and newest run first, then revision, time, uid, host, run and toolchain"

pin release HEAD || fail "re-pinning release to HEAD"
assert_eq "$(head -1 "$f")" "$c3 -" "re-pinned to a commit without a run"
assert_eq "$(field "$f" run) $(field "$f" cc) $(field "$f" libc)" "- - -" \
	"a pin of a commit without a run: no run, no toolchain"
pin release latest || fail "echo latest > baselines/release"
assert_eq "$(head -1 "$f")" "$c2 000002" "promoted: the newest done run's commit"
assert_eq "$(field "$f" revision) $(field "$f" run)" "latest 000002" "promotion's revision and run"
grep -qF "baseline release pinned to $c2 (latest, run 000002, uid $me)" "$T/daemon.log" ||
	fail "no log line for the promotion"
ok "re-pinning moves the pin; echo latest pins the newest done run's commit and names that run"

pin keep v1 || fail "pinning keep"
rm "$MNT/baselines/release" || fail "rm baselines/release"
[ ! -e "$f" ] || fail "baselines/release exists after rm"
grep -qF "baseline release unpinned (uid $me)" "$T/daemon.log" || fail "no log line for the unpin"

h="$MNT/baselines/.history/release"
hist=$(cat "$h") || fail "cat baselines/.history/release"
assert_eq "$(printf '%s\n' "$hist" | wc -l)" 4 "history lines: $hist"
# time, action, commit, revision, run, uid, host, cc, libc
expect="unpin $c2 - - $me $host - -
pin $c2 latest 000002 $me $host $cc $libc
pin $c3 HEAD - $me $host - -
pin $c1 v1 000001 $me $host $cc $libc"
assert_eq "$(printf '%s\n' "$hist" | cut -f2- | tr '\t' ' ')" "$expect" "history, newest first"
assert_eq "$(printf '%s\n' "$hist" | awk -F'\t' '{print NF}' | sort -u)" 9 "fields per history line"
printf '%s\n' "$hist" | cut -f1 | sort -c -r || fail "history times are not newest first"
ok "the history lists the unpin, the promotion, the re-pin and the first pin, newest first, each with uid, run, host and toolchain"

# ---- the listing: pins alone for ls; find, grep -r and tar see the histories ----
assert_eq "$(ls "$MNT/baselines")" keep "ls baselines"
assert_eq "$(ls "$MNT/baselines/.history" | tr '\n' ' ')" "keep release " "ls baselines/.history"
assert_eq "$(cd "$MNT" && find baselines | sort | tr '\n' ' ')" \
	"baselines baselines/.history baselines/.history/keep baselines/.history/release baselines/keep " \
	"find baselines"
grep -rqF "${TAB}latest${TAB}000002${TAB}" "$MNT/baselines" || fail "grep -r misses the history"
tar -C "$MNT" -cf "$T/b.tar" baselines || fail "tar of baselines/"
tar -xOf "$T/b.tar" baselines/.history/release | cmp -s - <(printf '%s\n' "$hist") ||
	fail "tar's copy of the history differs"
assert_eq "$(stat -c %s "$h")" "$(printf '%s\n' "$hist" | wc -c)" "stat size of the history"
ok "ls baselines lists the pins; find, grep -r and tar walk into .history with true sizes"

# ---- bad input changes nothing ----
before=$(cat "$MNT/baselines/.history/keep")
refused "an unknown revision" "Invalid argument" pin keep no-such-rev
refused "a bad name" "Invalid argument" pin "bad name" v1
refused "a name with a dot first" "Invalid argument" pin .hidden v1
refused "writing a history" "Permission denied" pin .history/keep v1
refused "a new file in .history" "Permission denied" pin .history/new v1
refused "rm of a history" "Permission denied" rm "$MNT/baselines/.history/keep"
refused "rm of an unknown baseline" "No such file or directory" rm "$MNT/baselines/nope"
assert_eq "$(cat "$MNT/baselines/.history/keep")" "$before" "keep's history after refused writes"
assert_eq "$(head -1 "$MNT/baselines/keep")" "$c1 000001" "keep after refused writes"
assert_eq "$(ls "$MNT/baselines/.history" | tr '\n' ' ')" "keep release " "histories after refused writes"
ok "an unknown revision and bad names are EINVAL, a history is read-only, and none changes a pin or a history"

# ---- kill -9 and start again ----
kept_keep=$(cat "$MNT/baselines/keep")
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
unmount
start_benchfs
assert_eq "$(cat "$h")" "$hist" "release's history after kill -9 and a restart"
assert_eq "$(cat "$MNT/baselines/keep")" "$kept_keep" "keep after kill -9 and a restart"
ok "kill -9 and a restart keep the pins and their histories"

# ---- a store made before provenance: its pin migrates with what it knew ----
# That migration is SQLite's alone: a PostgreSQL store is created with provenance.
if store_is_pg; then
	echo "# SKIP migrating a pin from before provenance: a SQLite schema migration"
	exit 0
fi
stop_daemon
python3 - "$REPO/.git/benchfs/benchfs.db" "$(dirname "$0")/../../store/migrations.c" "$c2" <<'PY' ||
import re, sqlite3, sys
db, migrations_c, commit = sys.argv[1:]
# The migration as store/migrations.c has it, run on the store as it was before:
# the baselines table alone, holding a pin.
src = open(migrations_c).read()
block = re.search(r"/\* \d+: baselines' provenance and history.*?\*/(.*?)(?=\n\t/\*|\n};)", src, re.S)
sql = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block.group(1)))
c = sqlite3.connect(db)
c.executescript("DROP TABLE baseline_events; DELETE FROM baselines;"
                "ALTER TABLE baselines DROP COLUMN event_id;")
c.execute("INSERT INTO baselines (name, revision, commit_sha, created_ns) VALUES (?, ?, ?, ?)",
          ("old", "main~1", commit, 1764000000 * 10**9))
c.commit()
c.executescript("BEGIN;" + sql + "COMMIT;")
c.close()
PY
	fail "simulating a store from before provenance"
start_benchfs
f="$MNT/baselines/old"
assert_eq "$(head -1 "$f")" "$c2 000002" "a migrated pin's first line"
assert_eq "$(field "$f" revision) $(field "$f" pinned)" "main~1 2025-11-24T16:00:00Z" \
	"a migrated pin keeps its revision and time"
for k in uid host run cc libc; do
	assert_eq "$(field "$f" "$k")" unknown "a migrated pin's $k"
done
assert_eq "$(tr '\t' ' ' < "$MNT/baselines/.history/old")" \
	"2025-11-24T16:00:00Z pin $c2 main~1 unknown unknown unknown unknown unknown" "a migrated pin's history"
pin old v1 || fail "re-pinning a migrated pin"
assert_eq "$(wc -l < "$MNT/baselines/.history/old")" 2 "history of the re-pinned migrated pin"
ok "a pin from before provenance keeps its commit, revision and time, and shows unknown for the rest"
