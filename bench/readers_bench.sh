#!/bin/sh
# bench/readers_bench.sh: many readers at once, and listing a long runs/,
# through the mount against the same tree on local disk in the same run.
#
#   bench/readers_bench.sh [BUILD_DIR]        (default: build)
#
# What it does:
# 1. a repository of 2,000 commits (git fast-import) and a store of one done
#    run per commit (bench/fill_store, 1 benchmark x 10 samples);
# 2. mounts benchfs on it and copies runs/ through the mount to a local
#    directory on the same disk (the reference: the same names, sizes and
#    contents as ordinary files);
# 3. times, with bench/read_time, `ls -l runs/` (opendir, readdir, lstat of
#    every entry): cold (the first listing of a fresh mount; the local copy
#    after dropping the page cache, when this machine allows it) and warm
#    (median of 20);
# 4. times, with bench/readers, small reads (open, read to the end, close) by
#    100 readers at once: of 20 files the kernel keeps cached (status and
#    config.json of 10 finished runs), of `queue` (every read answered by the
#    daemon), and of all 4,000 such files once each from a fresh mount (the
#    local copy's page cache dropped too, when allowed); each alone and beside
#    10 slow readers listing runs/ with lstat over and over (they once held
#    every other reader up: one request thread); each case 3 times, mount and
#    local alternating; the median of the 3.
# Figures, not assertions: the exit status is 0 whenever the measurement
# itself worked. Results in bench/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=readers_bench
. "$here/lib.sh"
build=${1:-$here/../build}
build=$(cd "$build" && pwd)
benchfs=$build/benchfs
fill=$build/bench/fill_store
rt=$build/bench/read_time
readers=$build/bench/readers
bench_need "$benchfs" "$fill" "$rt" "$readers"

ncommits=2000
work=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-readers-bench-XXXXXX")
repo=$work/repo
data=$work/data
mnt=$work/mnt
local=$work/local
pid=

cleanup() {
	unmount_quietly
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- 1. repository and store ----
bench_make_repo "$repo" $ncommits
git -C "$repo" rev-list --reverse main > "$work/hashes"
cat > "$work/benchfs.json" <<'EOF'
{"runs": 10, "compare": {"confirm": false}, "benchmarks": [{"name": "t", "command": ["true"]}]}
EOF
t0=$(now_ms)
"$fill" "$data" "$work/hashes" "$work/benchfs.json" > /dev/null 2>&1
chmod 700 "$data"
echo "store: $ncommits runs filled in $(($(now_ms) - t0)) ms"

can_drop=0
if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then
	can_drop=1
fi
drop() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
}

# ---- 2. the reference tree ----
mount_fs
t0=$(now_ms)
mkdir -p "$local"
cp -r "$mnt/runs" "$local/runs"
echo "reference: runs/ copied through the mount to local disk in $(($(now_ms) - t0)) ms" \
	"($(du -sm "$local/runs" | cut -f1) MB, $(ls "$local/runs" | wc -l) runs)"
unmount_fs

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'
}
median3() {
	printf '%s\n%s\n%s\n' "$1" "$2" "$3" | sort -g | sed -n 2p
}

# ---- 3. ls -l runs/ ----
mount_fs
line=$("$rt" -n 20 -C "$mnt" -l runs)
fs_cold=$(field first_us "$line"); fs_warm=$(field median_us "$line")
unmount_fs
if [ $can_drop = 1 ]; then
	drop
	mount_fs
	line=$("$rt" -n 2 -C "$mnt" -l runs)
	fs_drop=$(field first_us "$line")
	unmount_fs
	drop
else
	fs_drop=-
	echo "note: /proc/sys/vm/drop_caches is not writable: local cold means first listing"
fi
line=$("$rt" -n 20 -C "$local" -l runs)
loc_cold=$(field first_us "$line"); loc_warm=$(field median_us "$line")
echo
echo "ls -l runs/ ($ncommits runs), milliseconds:"
printf '  %-28s %10s %10s %8s\n' case benchfs local ratio
printf '  %-28s %10.1f %10.1f %8s\n' "cold (fresh mount | dropped)" \
	"$(awk -v x="$fs_cold" 'BEGIN { print x / 1000 }')" \
	"$(awk -v x="$loc_cold" 'BEGIN { print x / 1000 }')" "$(ratio "$fs_cold" "$loc_cold")"
if [ "$fs_drop" != - ]; then
	printf '  %-28s %10.1f %10.1f %8s\n' "cold, page cache dropped" \
		"$(awk -v x="$fs_drop" 'BEGIN { print x / 1000 }')" \
		"$(awk -v x="$loc_cold" 'BEGIN { print x / 1000 }')" "$(ratio "$fs_drop" "$loc_cold")"
fi
printf '  %-28s %10.2f %10.2f %8s\n' "warm (median of 19)" \
	"$(awk -v x="$fs_warm" 'BEGIN { print x / 1000 }')" \
	"$(awk -v x="$loc_warm" 'BEGIN { print x / 1000 }')" "$(ratio "$fs_warm" "$loc_warm")"

# ---- 4. 100 readers ----
# One case: label, how many reads each of the 100 readers makes, files
# (relative to the mount or the copy), whether 10 listers run beside, whether
# each round starts cold (a fresh mount; the page cache dropped when allowed).
readers_case() {
	label=$1 count=$2 files=$3 extra=$4 cold=$5
	fs_p99=""; loc_p99=""; fs_p50=""; loc_p50=""; fs_max=""; loc_max=""; fs_list=""; loc_list=""
	for round in 1 2 3; do
		if [ "$cold" = cold ]; then
			[ $can_drop = 0 ] || drop
			mount_fs
		fi
		# shellcheck disable=SC2086
		a=$(cd "$mnt" && "$readers" -p 100 -n "$count" $extra $files)
		[ "$cold" = cold ] && { unmount_fs; [ $can_drop = 0 ] || drop; }
		# shellcheck disable=SC2086
		b=$(cd "$local" && "$readers" -p 100 -n "$count" $extra $files)
		echo "  round $round $label: benchfs $a" >> "$work/rounds"
		echo "  round $round $label: local   $b" >> "$work/rounds"
		fs_p99="$fs_p99 $(field p99_ms "$a")"; loc_p99="$loc_p99 $(field p99_ms "$b")"
		fs_p50="$fs_p50 $(field p50_ms "$a")"; loc_p50="$loc_p50 $(field p50_ms "$b")"
		fs_max="$fs_max $(field max_ms "$a")"; loc_max="$loc_max $(field max_ms "$b")"
		fs_list="$fs_list $(field list_max_ms "$a")"; loc_list="$loc_list $(field list_max_ms "$b")"
	done
	# shellcheck disable=SC2086
	set -- $fs_p50; f50=$(median3 "$@")
	# shellcheck disable=SC2086
	set -- $loc_p50; l50=$(median3 "$@")
	# shellcheck disable=SC2086
	set -- $fs_p99; f99=$(median3 "$@")
	# shellcheck disable=SC2086
	set -- $loc_p99; l99=$(median3 "$@")
	# shellcheck disable=SC2086
	set -- $fs_max; fmax=$(median3 "$@")
	# shellcheck disable=SC2086
	set -- $loc_max; lmax=$(median3 "$@")
	# shellcheck disable=SC2086
	set -- $fs_list; flist=$(median3 "$@")
	# shellcheck disable=SC2086
	set -- $loc_list; llist=$(median3 "$@")
	echo
	echo "100 readers x $count reads, $label, milliseconds (median of 3 rounds):"
	printf '  %-28s %10s %10s %8s\n' figure benchfs local ratio
	printf '  %-28s %10.3f %10.3f %8s\n' "p50 of one open+read+close" "$f50" "$l50" "$(ratio "$f50" "$l50")"
	printf '  %-28s %10.3f %10.3f %8s\n' "p99" "$f99" "$l99" "$(ratio "$f99" "$l99")"
	printf '  %-28s %10.3f %10.3f %8s\n' "max" "$fmax" "$lmax" "$(ratio "$fmax" "$lmax")"
	if [ -n "$extra" ]; then
		printf '  %-28s %10.1f %10.1f %8s\n' "slowest ls -l runs/ beside" "$flist" "$llist" \
			"$(ratio "$flist" "$llist")"
	fi
}
cached=""
for id in 000001 000200 000400 000600 000800 001000 001200 001400 001600 002000; do
	cached="$cached runs/$id/status runs/$id/config.json"
done
all=""
for id in $(ls "$local/runs"); do
	all="$all runs/$id/status runs/$id/config.json"
done
mount_fs
cat "$mnt/queue" > "$local/queue"
# Warm the mount and the local copy alike before the timed rounds.
(cd "$mnt" && "$readers" -p 10 -n 20 $cached > /dev/null)
(cd "$local" && "$readers" -p 10 -n 20 $cached > /dev/null)
# Files the kernel keeps (finished runs' files are cached for good).
readers_case "20 cached files" 50 "$cached" "" warm
readers_case "20 cached files, 10 listers beside" 50 "$cached" "-H 10 -l runs" warm
# queue is a new inode at every lookup: every read is answered by the daemon.
readers_case "queue" 50 queue "" warm
readers_case "queue, 10 listers beside" 50 queue "-H 10 -l runs" warm
unmount_fs
# Each of 4,000 files read once, from a fresh mount.
readers_case "4,000 files once each, cold" 40 "$all" "" cold
readers_case "4,000 files once each, cold, 10 listers beside" 40 "$all" "-H 10 -l runs" cold
echo
echo "rounds:"
cat "$work/rounds"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
