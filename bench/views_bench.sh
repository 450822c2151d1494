#!/bin/sh
# bench/views_bench.sh: how fast the computed views answer, over a
# store of NCOMMITS (default 2,000) commits x 20 benchmarks x 30 samples.
#
#   bench/views_bench.sh [BUILD_DIR [NCOMMITS]]   (default: build 2000)
#   KEEP=DIR bench/views_bench.sh ...       keep (and on later runs reuse) the
#                                           repository and store in DIR
#   BENCHFS_STORE=postgresql://... bench/views_bench.sh ...
#                                           the same over a PostgreSQL store:
#                                           fill_store and the daemons use that
#                                           database (filled when it has no
#                                           runs; with KEEP, reused after), the
#                                           data directory keeps the rest
#
# What it does:
# 1. makes a git repository of 2,000 commits with git fast-import (about 1 s);
# 2. fills a data directory through store/store.h with bench/fill_store (one
#    done run per commit on this host, each with 20 benchmarks x 30 synthetic
#    samples and a real result.json; about 90 s), planting a +25% step in
#    hash-1m at commit 1200, +10% in sqlite-insert at 1500 and -20% (an
#    improvement) in tokenize at 800;
#    then mounts once and waits until the daemon, idle, has described every
#    run and kept regressions (what it does after each run that finishes;
#    here for the whole history at once), and says how long that took;
# 3. mounts benchfs on it and times, with bench/read_time (open + read to the
#    end + close in-process, or opendir + readdir + lstat of every entry):
#    - cold: the first read after a fresh mount, one mount per operation;
#      then, if this machine allows writing /proc/sys/vm/drop_caches, the same
#      again after dropping the page cache (else it says so);
#    - warm: the median of repeated reads in one mount;
#    for cat regressions, cat compare/<a>..<b>.md (the planted step, and the
#    first against the last commit), cat history/hash-1m.svg, ls -l runs/, and
#    runs/001000/result.json next to the same bytes in a local file;
# 4. times ls -l runs/ beside the same tree on local disk: a directory of as
#    many directories as runs/ lists, each with as many (empty) files as a run
#    directory lists, under the data directory's file system (made once, kept
#    with KEEP), read with the same read_time -l: cold after dropping the
#    kernel's dentries and inodes (echo 2 > drop_caches: what a fresh mount
#    of benchfs starts without, the store's pages still cached), cold-drop
#    after dropping the page cache too (echo 3), and warm; then the ratio of
#    benchfs to local disk for each (target: within 3x);
# 5. checks that regressions names the two planted slowdowns and nothing else.
# The configuration says "confirm": false: the daemon would otherwise queue A/B
# jobs of the synthetic commits to settle the history's suspects, and change
# the store while it is timed; regressions is the history's own test here.
# Targets: a compare under 10 ms, regressions under 200 ms cold, history svg
# under 100 ms, ls -l runs/ within 3x of local disk, warm reads of finished
# files within 2x of local disk. Figures, not assertions: the exit status is 0
# whenever the measurement itself worked. The figures, at 2,000 and 20,000
# commits, and how they came to be, are in bench/README.md ("History at
# scale", and the sections before it for the 2026-11-23 fixes: the host and
# per-benchmark statements, run_sums, cached directories).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=views_bench
. "$here/lib.sh"
build=${1:-$here/../build}
build=$(cd "$build" && pwd)
benchfs=$build/benchfs
fill=$build/bench/fill_store
rt=$build/bench/read_time
bench_need "$benchfs" "$fill" "$rt"

ncommits=${2:-2000}
case $ncommits in
''|*[!0-9]*) echo "views_bench: NCOMMITS must be a number of at least 1600, not '$ncommits'" >&2; exit 2 ;;
esac
if [ "$ncommits" -lt 1600 ]; then
	echo "views_bench: NCOMMITS must be at least 1600 (the planted steps sit at 800, 1200 and 1500)" >&2
	exit 2
fi
if [ -n "${KEEP:-}" ]; then
	mkdir -p "$KEEP"
	work=$(cd "$KEEP" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-views-bench-XXXXXX")
fi
repo=$work/repo
data=$work/data
mnt=$work/mnt
pid=

cleanup() {
	unmount_quietly
	if [ -z "${KEEP:-}" ]; then
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- 1. the repository ----
if [ ! -d "$repo/.git" ]; then
	t0=$(now_ms)
	bench_make_repo "$repo" $ncommits
	echo "repository: $ncommits commits with git fast-import in $(($(now_ms) - t0)) ms"
fi
git -C "$repo" rev-list --reverse main > "$work/hashes"

# ---- 2. the store ----
cat > "$work/benchfs.json" <<'EOF'
{
  "runs": 30, "compare": {"confirm": false},
  "benchmarks": [
    {"name": "parse-json", "command": ["true"]}, {"name": "sort-2k", "command": ["true"]},
    {"name": "sort-10k", "command": ["true"]}, {"name": "hash-1m", "command": ["true"]},
    {"name": "regex-scan", "command": ["true"]}, {"name": "startup", "command": ["true"]},
    {"name": "gzip-64k", "command": ["true"]}, {"name": "sqlite-insert", "command": ["true"]},
    {"name": "render-md", "command": ["true"]}, {"name": "diff-small", "command": ["true"]},
    {"name": "diff-large", "command": ["true"]}, {"name": "tokenize", "command": ["true"]},
    {"name": "btree-lookup", "command": ["true"]}, {"name": "fft-4k", "command": ["true"]},
    {"name": "matmul-64", "command": ["true"]}, {"name": "alloc-churn", "command": ["true"]},
    {"name": "thread-pingpong", "command": ["true"]}, {"name": "utf8-validate", "command": ["true"]},
    {"name": "base64-1m", "command": ["true"]}, {"name": "sha256-1m", "command": ["true"]}
  ]
}
EOF
# The store: the data directory's SQLite file, or the PostgreSQL database
# BENCHFS_STORE names (fill_store, the daemons and db_count all follow it).
pg=${BENCHFS_STORE:-}
db_count() { # SQL -> the number it selects, 0 when it cannot be read
	if [ -n "$pg" ]; then
		psql -XAtq -v ON_ERROR_STOP=1 "$pg" -c "$1" 2>/dev/null || echo 0
	else
		sqlite3 "$data/benchfs.db" "$1" 2>/dev/null || echo 0
	fi
}
store_mb() {
	if [ -n "$pg" ]; then
		db_count "SELECT pg_database_size(current_database()) / 1000000"
	else
		du -m "$data/benchfs.db" | cut -f1
	fi
}
if { [ -n "$pg" ] && [ "$(db_count "SELECT count(*) FROM runs")" -eq 0 ]; } ||
	{ [ -z "$pg" ] && [ ! -f "$data/benchfs.db" ]; }; then
	rm -rf "$data"
	t0=$(now_ms)
	# Benchmarks by index: 3 hash-1m, 7 sqlite-insert, 11 tokenize.
	"$fill" --step 3:1200:1.25 --step 7:1500:1.10 --step 11:800:0.80 \
		"$data" "$work/hashes" "$work/benchfs.json" > "$work/steps"
	echo "store: filled in $(($(now_ms) - t0)) ms ($(store_mb) MB)"
fi
mkdir -p "$data"
# benchfs refuses a data directory others can read (a KEEP store may predate that).
chmod 700 "$data"
# What the daemon does when it is idle after runs finished: describe them and
# keep regressions (with the plots' marks) for the readers. fill_store writes
# through store/ only, so the first mount does it for the whole history: timed
# here and waited for, so the reads below find what a running daemon would
# have kept. Also the conversion of a store of an older schema (KEEP).
t0=$(now_ms)
mount_fs
open_ms=$mount_ms
until [ "$(db_count "SELECT count(*) FROM kept_views WHERE key LIKE 'regressions%'")" -ge 1 ] &&
	[ "$(db_count "SELECT count(*) FROM described")" -ge "$ncommits" ]; do
	if [ $(($(now_ms) - t0)) -gt 3600000 ]; then
		echo "views_bench: the daemon kept nothing within an hour; its log:" >&2
		cat "$work/daemon.log" >&2
		exit 1
	fi
	sleep 0.5
done
echo "keeper: mounted in $open_ms ms, every run described and regressions kept $(($(now_ms) - t0)) ms after the start"
unmount_fs
hash_at() { # 0-based commit index -> full hash
	sed -n "$(($1 + 1))p" "$work/hashes"
}
short() {
	printf '%s' "$1" | cut -c1-7
}
step_before=$(short "$(hash_at 1199)")
step_at=$(short "$(hash_at 1200)")
first=$(short "$(hash_at 0)")
last=$(short "$(hash_at $((ncommits - 1)))")

# The store's size per sample: the file, and the pages in use (a store
# converted from an older schema keeps its freed pages until a VACUUM).
samples=$((ncommits * 20 * 30))
if [ -n "$pg" ]; then
	# The database's files, and the tables' and indexes' own (no catalog).
	db_bytes=$(db_count "SELECT pg_database_size(current_database())")
	used_bytes=$(db_count "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')")
	size_words="tables with their indexes and TOAST"
else
	db_bytes=$(stat -c %s "$data/benchfs.db")
	used_bytes=$(( $(db_count "PRAGMA page_count") - $(db_count "PRAGMA freelist_count") ))
	used_bytes=$((used_bytes * $(db_count "PRAGMA page_size")))
	size_words="pages in use"
fi
awk -v f="$db_bytes" -v u="$used_bytes" -v n="$samples" -v w="$size_words" 'BEGIN {
	printf "store: %.0f MB, %.1f bytes per sample (%s: %.0f MB, %.1f bytes per sample)\n",
		f / 1e6, f / n, w, u / 1e6, u / n }'

# ---- 3. measurements ----
# The operations: label, read_time arguments (relative to the mount). The
# loops read this file in the current shell (not a pipe's subshell), so the
# EXIT trap always knows a mounted daemon.
cat > "$work/ops" <<EOF
regressions|regressions
compare-step|compare/$step_before..$step_at.md
compare-all|compare/$first..$last.md
history-svg|history/hash-1m.svg
history-csv|history/hash-1m.csv
ls-l-runs|-l runs
result-json|runs/001000/result.json
EOF

ms() { # microseconds -> milliseconds with 3 decimals
	awk -v us="$1" 'BEGIN { printf "%.3f", us / 1000 }'
}

drop_caches() {
	sync
	(echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null
}
# Cold: a fresh mount for each operation, so nothing another one computed helps.
cold_round() { # $1: "" or "drop"
	while IFS='|' read -r label path; do
		if [ "$1" = drop ]; then
			drop_caches
		fi
		mount_fs
		# shellcheck disable=SC2086 # path may carry -l
		line=$(cd "$mnt" && "$rt" -n 1 $path)
		unmount_fs
		echo "$label $(field first_us "$line") $mount_ms"
	done < "$work/ops"
}
cold_round "" > "$work/cold"
# Whether this machine lets us drop the page cache is tried only now: the try
# drops it, and made the plain round's first reads of the store's pages (the
# first compare's) reads from disk.
can_drop=no
if drop_caches; then
	can_drop=yes
fi
if [ $can_drop = yes ]; then
	cold_round drop > "$work/cold-dropped"
fi

# Warm: one mount, every operation read once (its first read, in a daemon that
# already answered the operations listed before it), then repeated.
mount_fs
while IFS='|' read -r label path; do
	case $label in
	ls-l-runs) count=50 ;;
	compare-all|compare-step|history-svg) count=500 ;;
	*) count=2000 ;;
	esac
	# shellcheck disable=SC2086
	once=$(cd "$mnt" && "$rt" -n 1 $path)
	# shellcheck disable=SC2086
	line=$(cd "$mnt" && "$rt" -n $count $path)
	echo "$label $(field median_us "$line") $(field min_us "$line") $count $(field first_us "$once")"
done < "$work/ops" > "$work/warm"

# The same bytes from a local file, and result.json without the path walk
# from the mount's root (cwd in the run's directory).
cp "$mnt/runs/001000/result.json" "$work/local-result.json"
cmp -s "$work/local-result.json" "$mnt/runs/001000/result.json"
"$rt" -n 1 "$work/local-result.json" > /dev/null
local_line=$("$rt" -n 2000 "$work/local-result.json")
cwd_line=$("$rt" -C "$mnt/runs/001000" -n 2000 result.json)
local_dir_line=$("$rt" -C "$work" -n 2000 local-result.json)
regressions=$(cat "$mnt/regressions")
listed_pairs=$(find "$mnt/compare" -mindepth 1 -maxdepth 1 | wc -l)
# What the local tree copies: how many runs, and the names of a run's files.
nruns=$(find "$mnt/runs" -mindepth 1 -maxdepth 1 | wc -l)
run_files=$(ls "$mnt/runs/001000")
unmount_fs

# ---- 4. ls -l runs/ beside the same tree on local disk ----
local_runs=$work/local-runs
local_shape="$nruns $(printf '%s\n' "$run_files" | wc -l)"
if [ "$(cat "$local_runs.shape" 2>/dev/null)" != "$local_shape" ]; then
	rm -rf "$local_runs" "$local_runs.shape"
	mkdir -p "$local_runs"
	t0=$(now_ms)
	(
		cd "$local_runs"
		seq -f '%06g' 1 "$nruns" | xargs mkdir
		for name in $run_files; do
			seq -f "%06g/$name" 1 "$nruns" | xargs touch
		done
	)
	echo "$local_shape" > "$local_runs.shape"
	echo "local tree: $nruns directories of $(printf '%s\n' "$run_files" | wc -l) files in $(($(now_ms) - t0)) ms"
fi
local_fs=$(findmnt -no FSTYPE -T "$local_runs" 2>/dev/null || echo "local disk")
drop_slab() { # the kernel's dentries and inodes, not the page cache
	sync
	(echo 2 > /proc/sys/vm/drop_caches) 2>/dev/null
}
local_cold=n/a
local_dropped=n/a
if [ $can_drop = yes ]; then
	drop_slab
	local_cold=$(field first_us "$("$rt" -n 1 -l "$local_runs")")
	drop_caches
	local_dropped=$(field first_us "$("$rt" -n 1 -l "$local_runs")")
fi
local_warm_line=$("$rt" -n 50 -l "$local_runs")

# ---- 5. report ----
value() { # value FILE LABEL COLUMN
	awk -v l="$2" -v c="$3" '$1 == l { print $c }' "$1"
}
echo
engine=SQLite
if [ -n "$pg" ]; then
	engine=PostgreSQL
fi
echo "benchfs views over $ncommits commits x 20 benchmarks x 30 samples (store: $engine)"
echo "mount to first README: $(value "$work/cold" regressions 3) ms; compare/ lists $listed_pairs names"
echo
printf '%-14s %10s %10s %10s %10s %10s  %s\n' operation cold cold-drop "1st-in-run" warm "warm-min" target
while IFS='|' read -r label path; do
	cold=$(ms "$(value "$work/cold" "$label" 2)")
	dropped=n/a
	if [ $can_drop = yes ]; then
		dropped=$(ms "$(value "$work/cold-dropped" "$label" 2)")
	fi
	warm=$(ms "$(value "$work/warm" "$label" 2)")
	warm_min=$(ms "$(value "$work/warm" "$label" 3)")
	in_run=$(ms "$(value "$work/warm" "$label" 5)")
	case $label in
	regressions) target="cold < 200 ms" ;;
	compare-*) target="< 10 ms" ;;
	history-svg) target="< 100 ms" ;;
	result-json) target="warm within 2x of local disk" ;;
	*) target="" ;;
	esac
	printf '%-14s %10s %10s %10s %10s %10s  %s\n' "$label" "$cold" "$dropped" "$in_run" "$warm" "$warm_min" "$target"
done < "$work/ops"
echo "(milliseconds; cold: first read after a fresh mount, one mount per operation;"
echo " cold-drop: the same after dropping the page cache; 1st-in-run: first read of that"
echo " file in a mount that already answered the operations above it; warm: median and"
echo " minimum of repeated reads)"
if [ $can_drop = no ]; then
	echo "(cold-drop: writing /proc/sys/vm/drop_caches is not allowed here)"
fi
fuse_us=$(value "$work/warm" result-json 2)
local_us=$(field median_us "$local_line")
echo
echo "result.json, $(field bytes "$local_line") bytes, warm median per open+read+close:"
echo "  through benchfs, path from the mount's root:  $fuse_us us"
echo "  through benchfs, cwd in runs/001000:          $(field median_us "$cwd_line") us"
echo "  local disk (same bytes), full path:           $local_us us"
echo "  local disk, cwd in its directory:             $(field median_us "$local_dir_line") us"
awk -v f="$fuse_us" -v l="$local_us" 'BEGIN { printf "  ratio benchfs / local disk: %.1fx (target 2x)\n", f / l }'

echo
ratio() { # benchfs_us local_us -> "2.1x" (n/a when either is unknown)
	case "$1$2" in
	*n/a*) echo n/a ;;
	*) awk -v b="$1" -v l="$2" 'BEGIN { printf "%.1fx", b / l }' ;;
	esac
}
ms_or_na() {
	case $1 in
	n/a) echo n/a ;;
	*) ms "$1" ;;
	esac
}
fs_cold=$(value "$work/cold" ls-l-runs 2)
fs_dropped=n/a
if [ $can_drop = yes ]; then
	fs_dropped=$(value "$work/cold-dropped" ls-l-runs 2)
fi
fs_warm=$(value "$work/warm" ls-l-runs 2)
fs_warm_min=$(value "$work/warm" ls-l-runs 3)
local_warm=$(field median_us "$local_warm_line")
local_warm_min=$(field min_us "$local_warm_line")
echo "ls -l runs/ ($nruns runs) beside the same tree on local disk ($local_fs: $nruns"
echo "directories of $(printf '%s\n' "$run_files" | wc -l) files), read_time -l, milliseconds:"
printf '  %-12s %10s %10s %10s %10s\n' "" cold cold-drop warm warm-min
printf '  %-12s %10s %10s %10s %10s\n' benchfs "$(ms "$fs_cold")" "$(ms_or_na "$fs_dropped")" \
	"$(ms "$fs_warm")" "$(ms "$fs_warm_min")"
printf '  %-12s %10s %10s %10s %10s\n' "$local_fs" "$(ms_or_na "$local_cold")" \
	"$(ms_or_na "$local_dropped")" "$(ms "$local_warm")" "$(ms "$local_warm_min")"
printf '  %-12s %10s %10s %10s %10s  (target: within 3x)\n' ratio "$(ratio "$fs_cold" "$local_cold")" \
	"$(ratio "$fs_dropped" "$local_dropped")" "$(ratio "$fs_warm" "$local_warm")" \
	"$(ratio "$fs_warm_min" "$local_warm_min")"
echo "  (local cold: after dropping dentries and inodes, as a fresh mount starts;"
echo "   cold-drop: after dropping the page cache too)"

echo
echo "regressions (planted: hash-1m +25% at $(short "$(hash_at 1200)"), sqlite-insert +10% at $(short "$(hash_at 1500)")):"
printf '%s\n' "$regressions" | sed 's/^/  /'
found=$(printf '%s\n' "$regressions" | awk -F '\t' -v a="$(hash_at 1200)" -v b="$(hash_at 1500)" '
	NF == 0 { next }
	($1 == a && $2 == "hash-1m") || ($1 == b && $2 == "sqlite-insert") { good++; next }
	# fill_store makes cpu time 0.95 x wall time: the same steps, in cpu
	($1 == a && $2 == "hash-1m:cpu") || ($1 == b && $2 == "sqlite-insert:cpu") { cpu++; next }
	{ bad++ }
	END { printf "%d planted found (and %d in cpu), %d other lines", good, cpu, bad }')
echo "  -> $found"
