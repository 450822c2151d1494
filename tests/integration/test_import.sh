#!/bin/bash
# benchfs import, as a user drives it: hyperfine run for real and its
# --export-json imported (history and compare show it), a benchfs run --out
# tree imported into a fresh data directory (the same runs, host and
# history), and bad or repeated files refused with nothing written.
. "$(dirname "$0")/lib.sh"

command -v hyperfine > /dev/null || { echo "1..0 # SKIP hyperfine is not installed"; exit 77; }
make_repo '{"build": "cp prog.sh prog && chmod +x prog", "runs": 3,
	"benchmarks": [{"name": "prog", "command": "./prog"}]}'
commit_prog c1 'sleep 0.01' v1
commit_prog c2 'sleep 0.03' v2
c1=$(git -C "$REPO" rev-parse v1)
c2=$(git -C "$REPO" rev-parse v2)
D="$T/data"
# Each data directory here has a store of its own, as a fresh one must to
# import what another measured: under PostgreSQL $D's is the test's
# database and each other's a database of its own (other_store).
declare -A store=([data]=${BENCHFS_STORE:-})
for d in measured imported ab abimp; do
	store[$d]=$(other_store $d)
done
# at NAME: $T/NAME's store as store_result.connect opens it.
at() { printf '%s\n' "${store[$1]:-$T/$1/benchfs.db}"; }

# counts NAME: the store's runs, iterations, metrics and sums.
counts() {
	python3 - "$(at "$1")" "$(dirname "$0")" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from store_result import connect
c = connect(sys.argv[1])
print(*[c.execute("SELECT count(*) FROM " + t).fetchone()[0]
	for t in ("runs", "iterations", "metrics", "run_sums")])
PY
}

cd "$T"
hyperfine --runs 5 --export-json "$T/h1.json" 'sleep 0.01' > /dev/null 2>&1 || fail "hyperfine failed"
hyperfine --runs 5 --export-json "$T/h2.json" 'sleep 0.03' > /dev/null 2>&1 || fail "hyperfine failed"

# A bad revision: exit 2, one line, nothing created.
bf import --repo "$REPO" --data "$D" --commit no-such-rev h1.json
expect_status 2 "import --commit no-such-rev"
assert_eq "$(wc -l < "$T/err")" 1 "one line for a bad revision"
grep -q 'no-such-rev' "$T/err" || fail "the message names the revision: $(cat "$T/err")"
[ ! -e "$D" ] || fail "a bad revision created the data directory"
if store_is_pg; then # nor the store's schema in its database
	assert_eq "$(store_sql "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")" 0 \
		"tables a bad revision created"
fi
ok "a bad revision is refused before anything is written"

# A command that is no benchmark name, without --name: refused, naming --name.
bf import --repo "$REPO" --data "$D" --commit v1 h1.json
expect_status 2 "a command with a space and no --name"
grep -q -- '--name' "$T/err" || fail "the message names --name: $(cat "$T/err")"

bf import --repo "$REPO" --data "$D" --commit v1 --name 'sleep 0.01=sleep' h1.json
expect_status 0 "import h1.json"
assert_eq "$(cat "$T/out")" "$(printf '000001\t%s\timported' "$c1")" "import's output"
bf import --repo "$REPO" --data "$D" --commit v2 --name 'sleep 0.03=sleep' h2.json
expect_status 0 "import h2.json"
ok "hyperfine's JSON imported for two commits"

bf history --repo "$REPO" --data "$D" sleep
expect_status 0 "history sleep"
assert_eq "$(cut -d, -f1,3,4 "$T/out" | tail -n +2 | tr '\n' ' ')" "$c1,1,5 $c2,1,5 " \
	"history/sleep.csv: one run of 5 iterations per commit"
mean1=$(json h1.json 'round(j["results"][0]["mean"], 6)')
assert_eq "$(awk -F, 'NR == 2 { printf "%.6f", $5 }' "$T/out")" "$(printf '%.6f' "$mean1")" \
	"history's mean is hyperfine's"
bf compare --repo "$REPO" --data "$D" --format json v1 v2
expect_status 0 "compare v1 v2"
assert_eq "$(json "$T/out" '[b["name"] for b in j["benchmarks"]]')" "['sleep']" "compare's benchmarks"
assert_eq "$(json "$T/out" 'j["benchmarks"][0]["b"]["n"]')" 5 "compare's sample size"
ok "history and compare show the imported runs"

# The run as a mount shows it: done, result.json with hyperfine's times and
# exit codes, system.json naming the host and the import.
python3 - "$(at data)" "$T/h1.json" "$(dirname "$0")" <<'PY' || fail "the imported run's files"
import json, sys
sys.path.insert(0, sys.argv[3])
from store_result import connect, result_text
c = connect(sys.argv[1])
state, system = c.execute("SELECT state, system FROM runs WHERE id = 1").fetchone()
result = result_text(c, 1)
h = json.load(open(sys.argv[2]))["results"][0]
system, result = json.loads(system), json.loads(result)
assert state == "done", state
assert system["imported"]["format"] == "hyperfine", system
r = result["results"][0]
assert r["name"] == "sleep" and r["command"] == "sleep 0.01", r
assert [round(t, 9) for t in h["times"]] == r["times"], (h["times"], r["times"])
assert r["exit_codes"] == h["exit_codes"]
assert result["benchfs"]["host"]["imported"]["format"] == "hyperfine"
PY
ok "the imported run is done, with hyperfine's times and the host marked imported"

# Again: refused, nothing written.
before=$(counts data)
bf import --repo "$REPO" --data "$D" --commit v1 --name 'sleep 0.01=sleep' h1.json
expect_status 2 "the same file again"
grep -q 'imported already, as run 000001' "$T/err" || fail "a repeat names the run: $(cat "$T/err")"
assert_eq "$(counts data)" "$before" "a repeated import writes nothing"
ok "importing the same measurements twice is refused"

# Bad and partial files: exit 2, one line, the store unchanged.
python3 - "$T/h1.json" "$T" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
def put(name, doc):
    json.dump(doc, open(sys.argv[2] + "/" + name, "w"))
def variant(name, change):
    d = json.loads(json.dumps(h))
    change(d["results"][0])
    put(name, d)
variant("negative.json", lambda r: r["times"].__setitem__(2, -0.5))
variant("notimes.json", lambda r: r.pop("times"))
variant("strtimes.json", lambda r: r.__setitem__("times", "0.1"))
variant("emptytimes.json", lambda r: r.__setitem__("times", []))
variant("shortcodes.json", lambda r: r.__setitem__("exit_codes", r["exit_codes"][:2]))
variant("strtime.json", lambda r: r["times"].__setitem__(0, "0.1"))
put("noresults.json", {"other": []})
d = json.loads(json.dumps(h)); d["results"].append(dict(d["results"][0], times=[1e300]))
put("huge.json", d)
text = open(sys.argv[1]).read()
open(sys.argv[2] + "/truncated.json", "w").write(text[: len(text) // 2])
open(sys.argv[2] + "/nan.json", "w").write(text.replace(str(h["results"][0]["times"][1]), "NaN", 1))
open(sys.argv[2] + "/trailing.json", "w").write(text + "{}")
PY
for f in negative notimes strtimes emptytimes shortcodes strtime noresults huge truncated nan \
	trailing; do
	bf import --repo "$REPO" --data "$D" --commit v2 --name 'sleep 0.01=other' "$f.json"
	expect_status 2 "import $f.json"
	assert_eq "$(wc -l < "$T/err")" 1 "$f.json: one line"
	assert_eq "$(counts data)" "$before" "$f.json writes nothing"
done
ok "malformed, truncated and partial files are refused whole"

# A benchfs run --out tree into a fresh data directory: the same runs.
BENCHFS_STORE=${store[measured]} bf run --repo "$REPO" --data "$T/measured" --out "$T/tree" v1 v2
expect_status 0 "run --out"
BENCHFS_STORE=${store[imported]} bf import --repo "$REPO" --data "$T/imported" "$T/tree"
expect_status 0 "import of the tree"
assert_eq "$(cut -f1,2 "$T/out" | tr '\n' ' ')" "$(printf '000001\t%s 000002\t%s ' "$c1" "$c2")" \
	"the tree's runs imported in order"
python3 - "$T/tree" "$(at imported)" "$(dirname "$0")" <<'PY' || fail "the imported runs differ from the tree"
import json, sys
sys.path.insert(0, sys.argv[3])
from store_result import connect, result_text
c = connect(sys.argv[2])
for rid in (1, 2):
    d = "%s/runs/%06d/" % (sys.argv[1], rid)
    orig = json.load(open(d + "result.json"))
    state, host, system = c.execute(
        "SELECT state, host, system FROM runs WHERE id = ?", (rid,)).fetchone()
    result = result_text(c, rid)
    res = json.loads(result)
    assert state == "done"
    assert host == json.load(open(d + "system.json"))["hostname"]
    assert json.loads(system)["imported"]["from"] == "run %06d" % rid
    for a, b in zip(orig["results"], res["results"]):
        assert a["times"] == b["times"] and a["user_times"] == b["user_times"], a["name"]
        assert a["exit_codes"] == b["exit_codes"] and a["name"] == b["name"]
    assert res["benchfs"]["commit"] == orig["benchfs"]["commit"]
PY
for d in measured imported; do
	BENCHFS_STORE=${store[$d]} "$BENCHFS" history --repo "$REPO" --data "$T/$d" prog > "$T/$d.csv" || fail "history in $d"
done
cmp -s "$T/measured.csv" "$T/imported.csv" ||
	fail "history differs: $(diff "$T/measured.csv" "$T/imported.csv")"
ok "a run --out tree imports with its hosts, commits and iterations; history is the same"

before=$(counts imported)
BENCHFS_STORE=${store[imported]} bf import --repo "$REPO" --data "$T/imported" "$T/tree/runs/000002"
expect_status 2 "one run directory of the tree again"
BENCHFS_STORE=${store[imported]} bf import --repo "$REPO" --data "$T/imported" --commit v1 "$T/tree/runs/000002"
expect_status 2 "a run directory with another --commit"
grep -q 'not' "$T/err" || fail "a commit mismatch says so: $(cat "$T/err")"
# A result.json whose benchmarks are not config.json's.
cp -r "$T/tree/runs/000001" "$T/bad"
python3 - "$T/bad/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["results"][0]["name"] = "other"
json.dump(r, open(sys.argv[1], "w"))
PY
BENCHFS_STORE=${store[imported]} bf import --repo "$REPO" --data "$T/imported" "$T/bad"
expect_status 2 "a result.json whose benchmarks do not match config.json"
assert_eq "$(counts imported)" "$before" "refused run directories write nothing"
ok "repeated, mismatched and inconsistent run directories are refused"

# An A/B job's tree: the two sides stay linked, so compare judges their pairs.
BENCHFS_STORE=${store[ab]} bf run --repo "$REPO" --data "$T/ab" --out "$T/abtree" v1..v2
expect_status 0 "run --out v1..v2"
BENCHFS_STORE=${store[abimp]} bf import --repo "$REPO" --data "$T/abimp" "$T/abtree"
expect_status 0 "import of an A/B tree"
for d in ab abimp; do
	BENCHFS_STORE=${store[$d]} "$BENCHFS" compare --repo "$REPO" --data "$T/$d" --format json v1 v2 > "$T/$d.json" ||
		fail "compare in $d"
done
q='[(b["name"], b["method"], b["verdict"], b["ratio"], b["pairs"]) for b in j["benchmarks"]]'
assert_eq "$(json "$T/abimp.json" "$q")" "$(json "$T/ab.json" "$q")" "the imported A/B job's compare"
assert_eq "$(json "$T/abimp.json" 'j["benchmarks"][0]["method"]')" paired "the imported pair's method"
ok "an A/B job's tree imports as a linked pair: compare gives the same paired verdicts"

# The mount: a file written into import/<rev>.json is imported when its JSON
# is whole; a bad one fails the write and imports nothing.
start_benchfs --data "$D"
if [ ! -d "$MNT/import" ]; then
	# The mount's import/ needs its kinds in fs/inode.h and the root's list.
	echo "# SKIP the mount's import/: this mount has none"
	exit 0
fi
hyperfine --runs 4 -n sleep --export-json "$T/h3.json" 'sleep 0.01' > /dev/null 2>&1 ||
	fail "hyperfine failed"
assert_eq "$(ls -A "$MNT/import")" "" "import/ lists nothing"
runs_before=$(ls "$MNT/runs" | wc -l)
cp "$T/h3.json" "$MNT/import/v1.json" || fail "cp into import/v1.json"
new=$(printf '%06d' $((runs_before + 1)))
wait_status "$new" '^done' 10
grep -q 'imported hyperfine as run' "$T/daemon.log" || fail "the daemon's log names the import"
assert_eq "$(json "$MNT/runs/$new/system.json" 'j["imported"]["format"]')" hyperfine \
	"system.json says the run was imported"
valid system.schema.json "$MNT/runs/$new/system.json"
valid result.schema.json "$MNT/runs/$new/result.json"
valid run-config.schema.json "$MNT/runs/$new/config.json"
assert_eq "$(grep -c "^$c1," "$MNT/history/sleep.csv")" 1 "history/sleep.csv has v1"
assert_eq "$(awk -F, -v c="$c1" '$1 == c { print $3 }' "$MNT/history/sleep.csv")" 2 \
	"history pools v1's two imported runs"
ok "a hyperfine file copied into import/<rev>.json is a done run in runs/ and history/"

runs_before=$(ls "$MNT/runs" | wc -l)
if cat "$T/h3.json" > "$MNT/import/v1.json" 2> "$T/err"; then fail "the same file imported twice"; fi
if cp "$T/h3.json" "$MNT/import/no-such-rev.json" 2> "$T/err"; then
	fail "import/no-such-rev.json accepted"
fi
grep -q 'Invalid argument' "$T/err" || fail "a bad revision: $(cat "$T/err")"
if cat "$T/negative.json" > "$MNT/import/v2.json" 2> "$T/err"; then fail "negative times imported"; fi
grep -q 'Invalid argument' "$T/err" || fail "a bad file: $(cat "$T/err")"
grep -q 'refused: import/v2.json' "$T/daemon.log" || fail "the daemon's log says why"
# A truncated file is not imported (its JSON never completes); the close
# cannot say so without costing every close on the mount a round trip, so
# the daemon's log does once the file has been idle (2 minutes).
head -c 100 "$T/h2.json" > "$MNT/import/v2.json" || fail "writing a truncated file failed"
assert_eq "$(ls "$MNT/runs" | wc -l)" "$runs_before" "refused and truncated files add no run"
ok "a repeated, misnamed or bad file fails the write; a truncated one imports nothing"

# --host: the views of another machine of a fleet sharing the store. Files
# imported as measured on far-box sit beside this host's runs: each host's
# history is its own, --host reads far-box's, and a host with no runs is
# refused in one line.
store[hosts]=$(other_store hosts)
H="$T/hosts"
hosts() { BENCHFS_STORE=${store[hosts]} bf "$1" --repo "$REPO" --data "$H" "${@:2}"; }
hosts import --commit v1 --name 'sleep 0.01=sleep' "$T/h1.json"
expect_status 0 "import h1.json here"
hosts import --commit v1 --name 'sleep 0.03=sleep' --host far-box "$T/h2.json"
expect_status 0 "import h2.json as far-box's"
hosts history sleep
expect_status 0 "history sleep"
assert_eq "$(tail -n +2 "$T/out" | wc -l)" 1 "this host's history: one commit"
mean1=$(json "$T/h1.json" 'round(j["results"][0]["mean"], 6)')
assert_eq "$(awk -F, 'NR == 2 { printf "%.6f", $5 }' "$T/out")" "$(printf '%.6f' "$mean1")" \
	"this host's history is h1's"
hosts history --host far-box sleep
expect_status 0 "history --host far-box sleep"
mean2=$(json "$T/h2.json" 'round(j["results"][0]["mean"], 6)')
assert_eq "$(awk -F, 'NR == 2 { printf "%.6f", $5 }' "$T/out")" "$(printf '%.6f' "$mean2")" \
	"far-box's history is h2's"
hosts history --host nowhere sleep
expect_status 2 "history --host nowhere"
assert_eq "$(wc -l < "$T/err")" 1 "one line for a host without runs"
grep -q 'no done runs of that host' "$T/err" || fail "--host nowhere: $(cat "$T/err")"
ok "--host reads another host's history; a host without runs is refused"
