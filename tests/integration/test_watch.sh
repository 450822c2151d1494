#!/bin/bash
# Watching branches against a bare repository standing in for the remote:
# the first fetch queues the branch's tip only; commits pushed later are
# queued within an interval or two, oldest first; a burst longer than
# max_per_fetch is capped (the newest kept); `cat watch` shows each fetch;
# a remote that went away is an error in `cat watch` and the daemon's log,
# touches no run, and is over once the remote is back; a rewritten history
# queues its new tip only; kill -9 while watching loses nothing and queues
# nothing twice; every_nth keeps every Nth commit of a burst and the newest;
# "at" schedules the next fetch at that time of day.
. "$(dirname "$0")/lib.sh"

config() { # EVERY_NTH MAX_PER_FETCH
	cat <<JSON
{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 1, "timeout": 30,
  "compare": {"confirm": false},
  "watch": {"remote": "origin", "branches": ["main"], "every": "2s",
            "max_per_fetch": $2, "every_nth": $1},
  "benchmarks": [{"name": "p", "command": ["./prog"]}]
}
JSON
}
make_repo "$(config 1 3)"
commit_prog c1 'true'
c1=$(git -C "$REPO" rev-parse HEAD)
git init -q --bare -b main "$T/remote.git"
git -C "$REPO" remote add origin "$T/remote.git"
git -C "$REPO" push -q origin main
git clone -q -b main "$T/remote.git" "$T/contrib"
git -C "$T/contrib" config user.email c@example.com
git -C "$T/contrib" config user.name contributor

# push N: N new commits on the remote's main, in one push; their hashes,
# oldest first, in $T/pushed.
push() {
	: > "$T/pushed"
	for i in $(seq "$1"); do
		git -C "$T/contrib" commit -q --allow-empty -m "pushed $i of $1"
		git -C "$T/contrib" rev-parse HEAD >> "$T/pushed"
	done
	git -C "$T/contrib" push -q -f origin HEAD:main
}

# The commits of all runs in the order they were queued, one a line.
run_commits() {
	python3 - "$MNT/runs" <<'PY'
import json, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    print(json.load(open(os.path.join(d, name, "config.json")))["commit"])
PY
}

# wait_queued COMMIT [SECONDS]: until a run of COMMIT exists.
wait_queued() {
	for _ in $(seq $(( ${2:-30} * 10 ))); do
		run_commits 2>/dev/null | grep -qx "$1" && return 0
		sleep 0.1
	done
	fail "no run of $1 within ${2:-30} s; watch: $(cat "$MNT/watch" 2>&1)"
}

# field NAME: the value of NAME in `cat watch` (one branch).
field() {
	sed -n "s/^\t$1: //p" "$MNT/watch"
}

start_benchfs
wait_queued "$c1"
sleep 3 # a fetch or two more, which must queue nothing
assert_eq "$(run_commits | tr '\n' ' ')" "$c1 " "runs after the first fetch"
assert_eq "$(head -1 "$MNT/watch")" "origin main" "watch's first line"
assert_eq "$(field result)" ok "watch: result"
assert_eq "$(field 'last queued')" "$c1" "watch: last queued"
assert_eq "$(field 'last error')" none "watch: last error"
field 'last fetch' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
	|| fail "watch: last fetch is '$(field 'last fetch')'"
field 'next fetch' | grep -Eq '^[0-9]{4}-.*Z$' || fail "watch: next fetch is '$(field 'next fetch')'"
valid run-config.schema.json "$MNT/runs/000001/config.json"
assert_eq "$(json "$MNT/runs/000001/config.json" 'j["configuration"]["watch"]')" \
	"{'remote': 'origin', 'branches': ['main'], 'every': '2s', 'max_per_fetch': 3, 'every_nth': 1}" \
	"the watch section in config.json"
ok "the first fetch queues the branch's tip only; cat watch shows it"

push 2
wait_queued "$(tail -1 "$T/pushed")"
assert_eq "$(run_commits | tr '\n' ' ')" "$c1 $(tr '\n' ' ' < "$T/pushed")" "runs after a push of 2"
assert_eq "$(field 'last queued')" "$(tail -1 "$T/pushed")" "watch: last queued after the push"
assert_eq "$(field 'queued by that fetch')" 2 "watch: queued by that fetch"
ok "two pushed commits are queued, oldest first"

before=$(run_commits | wc -l)
push 7
wait_queued "$(tail -1 "$T/pushed")"
sleep 3
run_commits | tail -n +$((before + 1)) > "$T/new"
assert_eq "$(wc -l < "$T/new")" 3 "runs queued of a burst of 7 with max_per_fetch 3"
# Spread over the burst, oldest first, the newest kept: the 3rd, 5th and 7th.
assert_eq "$(tr '\n' ' ' < "$T/new")" "$(sed -n '3p;5p;7p' "$T/pushed" | tr '\n' ' ')" "the burst's runs"
assert_eq "$(field 'queued by that fetch')" 3 "watch: queued by the burst's fetch"
ok "a burst of 7 is capped at max_per_fetch 3, spread, the newest included"

# The remote goes away: an error, in watch and the log, and no run.
before=$(run_commits | wc -l)
mv "$T/remote.git" "$T/remote.moved"
for _ in $(seq 100); do
	[ "$(field 'last error')" != none ] && break
	sleep 0.1
done
[ "$(field 'last error')" != none ] || fail "no error in watch with the remote gone: $(cat "$MNT/watch")"
[ "$(field result)" != ok ] || fail "watch: result is ok with the remote gone"
grep -q 'benchfs: watch: origin main: fetch failed: ' "$T/daemon.log" \
	|| fail "no line in the daemon's log says the fetch failed"
sleep 3
assert_eq "$(grep -c 'benchfs: watch: origin main: fetch failed: ' "$T/daemon.log")" 1 \
	"log lines for the same failure, retried"
assert_eq "$(run_commits | wc -l)" "$before" "runs while the remote is gone"
ok "a remote gone is an error in watch and, once, in the log; nothing is queued"

mv "$T/remote.moved" "$T/remote.git"
push 1
wait_queued "$(tail -1 "$T/pushed")"
assert_eq "$(field result)" ok "watch: result with the remote back"
field 'last error' | grep -q 'fetch failed: no repository at ' || fail "watch: the last error is forgotten: $(field 'last error')"
grep -q 'benchfs: watch: origin main: fetching works again' "$T/daemon.log" \
	|| fail "the log does not say fetching works again"
ok "the remote back, its new commit is queued and watch says ok"

# A rewritten history: the new tip only.
git -C "$T/contrib" reset -q --hard HEAD~2
before=$(run_commits | wc -l)
push 3
wait_queued "$(tail -1 "$T/pushed")"
sleep 3
assert_eq "$(run_commits | tail -n +$((before + 1)) | tr '\n' ' ')" "$(tail -1 "$T/pushed") " \
	"runs of a rewritten history"
grep -q 'watch: origin main was rewritten' "$T/daemon.log" || fail "the rewrite is not logged"
field result | grep -q 'rewritten' || fail "watch: result does not say rewritten: $(field result)"
ok "a rewritten history queues its new tip only, and says so"

# kill -9 while watching, then start again: every pushed commit queued once.
push 2
sleep 1.$((RANDOM % 9))
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"
start_benchfs
wait_queued "$(tail -1 "$T/pushed")"
sleep 3
for c in $(cat "$T/pushed"); do
	assert_eq "$(run_commits | grep -cx "$c")" 1 "runs of $c after kill -9"
done
assert_eq "$(run_commits | sort | uniq -d | wc -l)" 0 "commits queued twice"
ok "kill -9 while watching: after a restart each pushed commit has one run"

# every_nth 2: of a burst of 5, the 2nd, the 4th and the newest.
stop_daemon
config 2 20 > "$REPO/benchfs.json"
start_benchfs
before=$(run_commits | wc -l)
push 5
wait_queued "$(tail -1 "$T/pushed")"
sleep 3
assert_eq "$(run_commits | tail -n +$((before + 1)) | tr '\n' ' ')" \
	"$(sed -n '2p;4p;5p' "$T/pushed" | tr '\n' ' ')" "every_nth 2 of a burst of 5"
ok "every_nth 2 keeps every 2nd commit of a burst and the newest"

# "at": a daily time (local; TZ=UTC here): after a fetch, the next one is
# due at that time, today or tomorrow.
stop_daemon
want=$(python3 -c 'import datetime as d; t = d.datetime.now(d.timezone.utc) + d.timedelta(hours=2); print(t.strftime("%H:%M"), t.strftime("%Y-%m-%dT%H:%M:00Z"))')
python3 - "$REPO/benchfs.json" "${want% *}" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); w = c["watch"]
del w["every"]; w["at"] = sys.argv[2]
open(sys.argv[1], "w").write(json.dumps(c))
PY
export TZ=UTC
start_benchfs
for _ in $(seq 100); do
	[ "$(field 'next fetch')" = "${want#* }" ] && break
	sleep 0.1
done
assert_eq "$(field 'next fetch')" "${want#* }" "the next fetch with \"at\": \"${want% *}\""
assert_eq "$(field result)" ok "the fetch at start with \"at\""
unset TZ
ok "with \"at\", a fetch at start and the next one at that time of day"

# A broken watch section stops benchfs at start, with one line naming it.
stop_daemon
refused() { # SECTION PATTERN
	python3 - "$REPO/benchfs.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["watch"] = json.loads(sys.argv[2])
open(sys.argv[1], "w").write(json.dumps(c))
PY
	set +e
	timeout 10 "$BENCHFS" -f --repo "$REPO" "$MNT" > "$T/out" 2> "$T/err"
	status=$?
	set -e
	assert_eq "$status" 2 "exit status with watch $1"
	grep -Eq -- "$2" "$T/err" || fail "watch $1: '$(cat "$T/err")', expected /$2/"
	mountpoint -q "$MNT" && fail "mounted with watch $1"
	return 0
}
refused '{"branches": ["main"], "every": "1h", "remote": "https://u:secret@example.com/x.git"}' \
	'"watch": "remote" holds a password'
refused '{"branches": ["main"]}' '"watch" needs exactly one of "every"'
refused '{"branches": ["main"], "every": "1h", "at": "02:00"}' '"watch" needs exactly one of "every"'
refused '{"branches": ["main"], "every": "90"}' '"watch": "every" must be a number and a unit'
refused '{"branches": ["main"], "at": "25:00"}' '"watch": "at" must be a local time'
refused '{"branches": ["a..b"], "every": "1h"}' '"watch": "branches"\[0\] must be a branch name'
refused '{"branches": ["main"], "every": "1h", "max_per_fetch": 0}' '"max_per_fetch" must be an integer'
refused '{"branches": ["main"], "every": "1h", "every": "2h", "colour": 1}' '"watch": unknown key "colour"'
ok "a password in the remote, every and at together or neither, bad units, times and names are refused"
