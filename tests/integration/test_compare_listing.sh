#!/bin/bash
# What ls compare/ lists through the mount, as find and tar walk it: the
# pairs, and a directory compare/<rev>/ per commit whose runs have a
# parameter with two values or more, listing <p>=<x>..<p>=<y>.md and .json
# for every two values (a parameter with one value gives none). Every file
# listed opens, with its true size.
# (A pair's .flame.svg and pr-<n> are tests/unit/views/test_listings.c's.)
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 2, "timeout": 30,
  "benchmarks": [
    {"name": "work", "command": ["./prog", "{n}"],
     "parameters": {"n": ["1", "2", "16"], "size": ["1k"]}},
    {"name": "plain", "command": ["./prog", "0"]}
  ]
}'
commit_prog c1 'exit 0'
c1=$(git -C "$REPO" rev-parse HEAD)
commit_prog c2 'exit 0'
c2=$(git -C "$REPO" rev-parse HEAD)

start_benchfs
printf '%s\n%s\n' "$c1" "$c2" > "$MNT/queue"
wait_status 000002 '^done( |$)' 120

# The commits as the pairs name them (short hashes).
pair=$(ls "$MNT/compare" | grep '\.\..*\.md$') || fail "no pair: $(ls "$MNT/compare")"
s1=${pair%%..*}
s2=${pair#*..}
s2=${s2%.md}
case $c1 in "$s1"*) ;; *) fail "pair $pair does not start with c1" ;; esac

ls -p "$MNT/compare" > "$T/ls"
assert_eq "$(grep '/$' "$T/ls" | LC_ALL=C sort | tr '\n' ' ')" \
	"$(printf '%s/\n%s/\n' "$s1" "$s2" | LC_ALL=C sort | tr '\n' ' ')" "ls -p compare/'s directories"
find "$MNT/compare" -mindepth 1 -type d | sed "s|^$MNT/||" | LC_ALL=C sort > "$T/dirs"
assert_eq "$(tr '\n' ' ' < "$T/dirs")" \
	"$(printf 'compare/%s\ncompare/%s\n' "$s1" "$s2" | LC_ALL=C sort | tr '\n' ' ')" \
	"find -type d (the directories' type in the listing)"
ok "ls compare/ lists a directory per commit whose runs have a parameter"

# Every two values of n in version order; size has one value: nothing.
assert_eq "$(ls "$MNT/compare/$s1" | tr '\n' ' ')" \
	"n=1..n=16.json n=1..n=16.md n=1..n=2.json n=1..n=2.md n=2..n=16.json n=2..n=16.md " \
	"ls compare/<c1>/"
grep -q '^| `work\[size=1k\]` | work | ' "$MNT/compare/$s1/n=1..n=2.md" ||
	fail "n=1..n=2.md: $(head -20 "$MNT/compare/$s1/n=1..n=2.md")"
ok "ls compare/<rev>/ lists every two values of a parameter, each opening"

# find and tar walk the whole listing; every file listed opens, sizes true.
find "$MNT/compare" -type f > "$T/files"
[ "$(wc -l < "$T/files")" -eq 14 ] || fail "find compare/: $(cat "$T/files")"
while read -r f; do
	cat "$f" > "$T/one" || fail "cannot read $f"
	assert_eq "$(stat -c %s "$f")" "$(wc -c < "$T/one")" "$f's size"
done < "$T/files"
tar -C "$MNT" -cf "$T/compare.tar" compare || fail "tar of compare/ failed"
assert_eq "$(tar -tf "$T/compare.tar" | grep -vc '/$')" 14 "files in tar of compare/"
ok "find and tar walk compare/ and its directories: 14 files, each opens with its true size"
