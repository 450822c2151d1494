#!/bin/bash
# Profiles you can compare, any profiler, the files a run keeps, through
# the mount: a program with two functions whose second commit slows one of
# them down; perf's folded stacks beside perf.data; runs/<id>/flame.svg and
# compare/<a>..<b>.flame.svg (XML, its most grown frame that function); a
# profiler command (a wrapper script) whose output is kept under profiles/;
# "keep" copying files and globs with true sizes, the cap enforced, a
# symlink out of the checkout and a glob with .. refused; a missing
# profiler failing the run, said in status and debug.log.
. "$(dirname "$0")/lib.sh"

command -v perf > /dev/null || { log "SKIP: perf is not installed"; exit 0; }
command -v cc > /dev/null || { log "SKIP: no C compiler"; exit 0; }

# config BENCH_EXTRA: the configuration with extra keys for the benchmark.
config() {
	cat > "$REPO/benchfs.json" <<JSON
{
  "build": "cc -O0 -g -fno-omit-frame-pointer -o prog prog.c && ln -sf /etc/hostname leak",
  "warmup": 0, "runs": 1, "timeout": 60,
  "compare": {"confirm": false},
  "keep_max_bytes": 3000,
  "benchmarks": [
    {"name": "work", "command": ["./prog"],
     "profile": {"perf": true, "frequency": 999, "command": ["./wrap.sh", "{out}", "--"]},
     "keep": ["bench.log", "out/*.json", "big.bin", "leak"]$1}
  ]
}
JSON
}
# commit_c MESSAGE SLOW: prog.c with work_b doing SLOW times work_a's work.
commit_c() {
	cat > "$REPO/prog.c" <<C
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
volatile unsigned long sink;
void work_a(long n) { for (long i = 0; i < n; i++) sink += i * 3; }
void work_b(long n) { for (long i = 0; i < n; i++) sink += i ^ 7; }
static void put(const char *path, size_t n) {
	FILE *f = fopen(path, "w"); char *b = malloc(n);
	memset(b, 'x', n); fwrite(b, 1, n, f); fclose(f); free(b);
}
int main(void) {
	work_a(100000000L);
	work_b(100000000L * $2);
	put("bench.log", 100); mkdir("out", 0755); put("out/a.json", 200); put("out/b.json", 300);
	put("big.bin", 4000);
	return 0;
}
C
	git -C "$REPO" add -A
	git -C "$REPO" commit -q -m "$1"
}
git init -q -b main "$REPO"
git -C "$REPO" config user.email test@example.com
git -C "$REPO" config user.name test
printf '#!/bin/sh\nout=$1; shift; shift\necho "wrapped: $*" > "$out"\nexec "$@"\n' > "$REPO/wrap.sh"
chmod +x "$REPO/wrap.sh"
config ""
commit_c even 1
a=$(git -C "$REPO" rev-parse HEAD)
commit_c "work_b three times slower" 3
b=$(git -C "$REPO" rev-parse HEAD)
start_benchfs

echo "$a" > "$MNT/queue"
echo "$b" > "$MNT/queue"
wait_status 000001 '^done( |$)' 180
wait_status 000002 '^done( |$)' 180
r1="$MNT/runs/000001" r2="$MNT/runs/000002"
if grep -q '\[work profile\] no profile: ' "$r1/debug.log"; then
	log "SKIP flame graphs: $(grep -m1 '\[work profile\] no profile: ' "$r1/debug.log")"
	exit 0
fi

# The normalised configuration keeps the new keys, valid against the schemas.
cp "$r2/config.json" "$T/run-config.json"
valid run-config.schema.json "$T/run-config.json"
json "$T/run-config.json" 'json.dumps(j["configuration"])' > "$T/configuration.json"
valid config.schema.json "$T/configuration.json"
assert_eq "$(json "$T/configuration.json" 'j["benchmarks"][0]["keep"][1], j["benchmarks"][0]["profile"]["command"][1], j["keep_max_bytes"]')" "('out/*.json', '{out}', 3000)" "keep, profile.command, keep_max_bytes in config.json"
ok "config.json: keep, profile.command and keep_max_bytes, valid"

# size FILE: the size the mount says equals the bytes read.
true_size() {
	assert_eq "$(stat -c %s "$1")" "$(wc -c < "$1")" "size of $1"
}

# The folded stacks beside perf.data.
ls "$r2" | grep -qx perf.folded || fail "perf.folded not listed: $(ls "$r2" | tr '\n' ' ')"
true_size "$r2/perf.folded"
grep -Eq '^prog;.*;work_b [0-9]+$' "$r2/perf.folded" || fail "no stack ending in work_b: $(head -5 "$r2/perf.folded")"
ok "perf.folded: $(wc -l < "$r2/perf.folded") stacks"

# The run's flame graph.
ls "$r2" | grep -qx flame.svg || fail "flame.svg not listed in a profiled run"
true_size "$r2/flame.svg"
cp "$r2/flame.svg" "$T/flame.svg"
python3 - "$T/flame.svg" <<'PY' || fail "runs/000002/flame.svg"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.find(ns + "script") is not None, "no script"
frames = [g for g in root.iter(ns + "g") if g.get("class") == "f"]
names = {g.get("data-name") for g in frames}
for want in ("all", "work", "work_a", "work_b"):
    assert want in names, f"no frame {want}: {sorted(names)[:20]}"
for g in frames:
    t = g.find(ns + "title").text
    assert g.get("data-name") in t and "samples" in t and "%" in t, t
PY
ok "runs/000002/flame.svg: XML with frames work_a and work_b, each titled"

# The differential graph: work_b grew the most.
diff="$MNT/compare/$a..$b.flame.svg"
true_size "$diff"
cp "$diff" "$T/diff.svg"
top=$(python3 - "$T/diff.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
frames = [g for g in root.iter(ns + "g") if g.get("class") == "f"]
total = max(int(g.get("data-samples")) for g in frames)
big = [g for g in frames if int(g.get("data-samples")) >= total * 0.05]
best = max(big, key=lambda g: float(g.get("data-delta")))
t = best.find(ns + "title").text
assert "a:" in t and "b:" in t and "pp" in t, t
print(best.get("data-name"), best.get("data-delta"))
PY
) || fail "compare/..flame.svg: $top"
assert_eq "${top% *}" work_b "the frame that grew most"
ok "compare/a..b.flame.svg: work_b grew most (${top#* } pp)"
[ ! -e "$MNT/compare/$a..nosuchrev.flame.svg" ] || fail "a flame graph of a side that does not exist"

# The profiler command's output, kept.
assert_eq "$(ls "$r2/profiles")" work "profiles/"
assert_eq "$(cat "$r2/profiles/work")" "wrapped: ./prog" "the wrapper's output"
true_size "$r2/profiles/work"
ok "profiles/work: the wrapper ran with the benchmark's command"

# Kept files: true sizes, the cap (3000 bytes) leaves big.bin out, the
# symlink out of the checkout is refused.
assert_eq "$(cd "$r2/artifacts" && find . -type f | sort | tr '\n' ' ')" "./bench.log ./out/a.json ./out/b.json " "artifacts/"
assert_eq "$(stat -c %s "$r2/artifacts/out/b.json")" 300 "size of out/b.json"
true_size "$r2/artifacts/out/b.json"
true_size "$r2/artifacts/bench.log"
grep -q 'keep: big.bin left out (4000 bytes): the run keeps at most 3000 bytes' "$r2/debug.log" \
	|| fail "debug.log does not say big.bin exceeded the cap"
grep -q 'keep: leak left out: it leads out of the checkout' "$r2/debug.log" \
	|| fail "debug.log does not say the symlink was refused"
ok "artifacts/: bench.log out/a.json out/b.json; big.bin over the cap and the symlink left out"

# A glob out of the checkout is a configuration error (the daemon reads
# its configuration at start).
stop_daemon
config "" && sed -i 's|"big.bin", "leak"\]|"out/../../secret"]|' "$REPO/benchfs.json"
st=0
timeout 10 "$BENCHFS" -f --repo "$REPO" "$MNT" > "$T/out" 2> "$T/err" || st=$?
assert_eq "$st" 2 "exit status with a glob out of the checkout"
grep -q '"keep"\[2\]: out/../../secret is not a path inside the checkout' "$T/err" \
	|| fail "error: $(cat "$T/err")"
ok "a glob with ..: $(cat "$T/err")"

# A missing profiler fails the run, saying so in status and debug.log.
config "" && sed -i 's|"./wrap.sh", "{out}", "--"|"no-such-profiler", "{out}"|' "$REPO/benchfs.json"
start_benchfs
echo "$a" > "$MNT/queue"
wait_status 000003 '^failed' 120
grep -q 'no-such-profiler' "$MNT/runs/000003/status" || fail "status: $(cat "$MNT/runs/000003/status")"
grep -q 'the profiler no-such-profiler cannot be started' "$MNT/runs/000003/debug.log" \
	|| fail "debug.log does not say the profiler is missing"
ok "a missing profiler: $(cat "$MNT/runs/000003/status")"
