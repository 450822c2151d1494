#!/bin/bash
# make-repo.sh DIR: create a git repository at DIR whose history has commits of
# different speed, for trying out benchfs:
#   v1  insertion sort                          (slow)
#   v2  merge sort with one scratch buffer      (fast)
#   v3  merge sort allocating per merge         (regression: ~1.3-1.5x v2)
# Every commit holds sorter.c, Makefile, benchfs.json and .gitignore; tags v1, v2, v3
# (lightweight) name them. Dates and identity are fixed, so the hashes are the same on
# every machine.
set -eu

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
dir=$1
[ -n "$dir" ] || usage

src=$(cd "$(dirname "$0")/sorter" && pwd)
for f in Makefile benchfs.json .gitignore v1/sorter.c v2/sorter.c v3/sorter.c; do
    [ -f "$src/$f" ] || { echo "make-repo.sh: missing $src/$f" >&2; exit 1; }
done

if [ -e "$dir" ]; then
    [ -d "$dir" ] || { echo "make-repo.sh: $dir exists and is not a directory" >&2; exit 1; }
    if [ -n "$(ls -A "$dir")" ]; then
        echo "make-repo.sh: $dir exists and is not empty; refusing to touch it" >&2
        exit 1
    fi
fi
mkdir -p "$dir"

# Keep the user's global/system git configuration (hooks, templates, signing) out of it.
export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="benchfs example" GIT_AUTHOR_EMAIL="example@benchfs.invalid"
export GIT_COMMITTER_NAME="benchfs example" GIT_COMMITTER_EMAIL="example@benchfs.invalid"

git -C "$dir" init -q -b main
git -C "$dir" config user.name "benchfs example"
git -C "$dir" config user.email "example@benchfs.invalid"
git -C "$dir" config commit.gpgsign false
git -C "$dir" config tag.gpgsign false

n=0
commit() { # commit VERSION DATE SUBJECT BODY
    cp "$src/v$1/sorter.c" "$dir/sorter.c"
    cp "$src/Makefile" "$src/benchfs.json" "$src/.gitignore" "$dir/"
    git -C "$dir" add sorter.c Makefile benchfs.json .gitignore
    GIT_AUTHOR_DATE="$2" GIT_COMMITTER_DATE="$2" \
        git -C "$dir" commit -q --no-verify -m "$3" -m "$4"
    git -C "$dir" tag "v$1"
    n=$((n + 1))
}

commit 1 "2026-01-05T10:00:00Z" \
    "sorter: sort pseudo-random integers, print a checksum" \
    "First version: a plain insertion sort. Simple and correct, but quadratic."
commit 2 "2026-01-12T10:00:00Z" \
    "sorter: use merge sort instead of insertion sort" \
    "Merge sort with one scratch buffer allocated up front, insertion sort for
runs of 32 or fewer, and a skip when two halves are already in order.
Much faster than v1; the checksum is unchanged."
commit 3 "2026-01-19T10:00:00Z" \
    "sorter: simplify merge sort memory handling" \
    "Each merge now allocates (calloc) and frees its own scratch copy instead of
sharing one buffer, and the insertion-sort cutoff drops to 4. Same output,
but slower than v2: the performance regression a benchmark should catch."

echo "make-repo.sh: created $dir with $n commits:"
git -C "$dir" log --format='  %h%d %s' --decorate=short
