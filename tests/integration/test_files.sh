#!/bin/bash
# Files behave like files: true sizes, stable contents, and tar, cp -r,
# rsync, find and grep -r over runs/ see exactly what cat shows.
. "$(dirname "$0")/lib.sh"

make_repo '{"build": "cp prog.sh prog && chmod +x prog && seq 1 300",
  "runs": 4, "benchmarks": [{"name": "a", "command": ["./prog"]}, {"name": "b", "command": "./prog x"}]}'
commit_prog one 'echo "out $*"'
commit_prog two 'echo "out two $*"'
start_benchfs
echo HEAD~1 > "$MNT/queue"
echo HEAD > "$MNT/queue"
wait_status 000001 '^done( |$)' 60
wait_status 000002 '^done( |$)' 60

# stat sizes are the true sizes; reading twice gives the same bytes.
for f in "$MNT"/README "$MNT"/runs/*/*; do
	size=$(stat -c %s "$f")
	assert_eq "$(cat "$f" | wc -c)" "$size" "size of $f"
	cat "$f" > "$T/first"; cat "$f" > "$T/second"
	cmp -s "$T/first" "$T/second" || fail "$f changed between two reads"
done
ok "stat sizes equal what cat reads, and reads are stable"

# dd with a small block size at odd offsets reads the same bytes as cat.
f="$MNT/runs/000001/result.json"
dd if="$f" bs=7 skip=3 status=none > "$T/dd"
tail -c +22 "$f" | cmp -s - "$T/dd" || fail "reads at an offset differ"
ok "reads at offsets"

# tar: every file, every byte.
tar -C "$MNT" -cf "$T/runs.tar" runs
mkdir "$T/untar"
tar -C "$T/untar" -xf "$T/runs.tar"
diff -r "$T/untar/runs" "$MNT/runs" > "$T/diff" || fail "tar copy differs: $(head -5 "$T/diff")"
assert_eq "$(tar -tvf "$T/runs.tar" | awk '$3 == 0 && $1 !~ /^d/' | wc -l)" 0 "empty files in the tar"
ok "tar copies exactly what cat shows"

# cp -r and rsync -a
cp -r "$MNT/runs" "$T/cp"
diff -r "$T/cp" "$MNT/runs" > /dev/null || fail "cp -r copy differs"
rsync -a "$MNT/runs/" "$T/rsync/"
diff -r "$T/rsync" "$MNT/runs" > /dev/null || fail "rsync copy differs"
# A second rsync finds nothing to transfer: sizes and mtimes are stable.
assert_eq "$(rsync -ai "$MNT/runs/" "$T/rsync/" | wc -l)" 0 "files rsync would transfer again"
ok "cp -r and rsync -a (and nothing to do on a second rsync)"

# find and grep -r
assert_eq "$(find "$MNT/runs" -type f | wc -l)" 12 "files found"
assert_eq "$(find "$MNT/runs" -type d | wc -l)" 3 "directories found"
assert_eq "$(find "$MNT/runs" -name result.json -size +0 | wc -l)" 2 "non-empty result.json found"
head=$(git -C "$REPO" rev-parse HEAD)
assert_eq "$(grep -rl "$head" "$MNT/runs" | sort | tr '\n' ' ')" \
	"$MNT/runs/000002/config.json $MNT/runs/000002/debug.log $MNT/runs/000002/result.json " "grep -rl of a hash"
assert_eq "$(grep -r -c '\[build\] 300$' "$MNT/runs" | grep -c ':1$')" 2 "grep -r in debug.log"
ok "find and grep -r"

# ls -l of the tree and symlinks as tools see them.
find "$MNT" -maxdepth 1 -type l -name latest | grep -q . || fail "latest is not a symlink"
assert_eq "$(stat -c %s "$MNT/latest")" "$(readlink "$MNT/latest" | wc -c | awk '{print $1 - 1}')" "symlink size"
cp -rL "$MNT/latest" "$T/latest-copy"
diff -r "$T/latest-copy" "$MNT/runs/000002" > /dev/null || fail "cp -rL latest"
ok "symlinks"
echo "7 passed, 0 failed"
