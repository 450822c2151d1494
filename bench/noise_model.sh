#!/bin/bash
# Which model of a host's run-to-run noise can be trusted on a shared
# machine? Separate runs of identical code under interference we control
# (bench/interfere), kept in a store, then replayed through the models by
# bench/noise_model.py. See bench/README.md ("noise_model.sh").
#
#   bash bench/noise_model.sh OUT_DIR [BUILD_DIR]      (default BUILD_DIR: build)
#
# A repository whose program is a deterministic xorshift loop over a 16 MiB
# buffer; two benchmarks: work (3,000,000 steps, about 25 ms, "bytes" declared:
# a throughput) and short (100,000 steps). RUNS commits that differ only in a
# comment, one separate run each, while bench/interfere starts and stops CPU
# and cache hogs (SEED, HOGS). OUT_DIR keeps data/ (the store), the
# interference log, daemon.log and report.txt (the replay).
#
# Environment: RUNS=120, SEED=1, HOGS=2.
set -eu
out=${1:?usage: bench/noise_model.sh OUT_DIR [BUILD_DIR]}
build=$(cd "${2:-build}" && pwd)
BENCH_NAME=noise_model
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-120} SEED=${SEED:-1} HOGS=${HOGS:-2}
benchfs=$build/benchfs
bench_need "$benchfs" "$build/benchfs-spawner" "$build/bench/interfere"
bench_scipy
mkdir -p "$out"
out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/benchfs-noise-model.XXXXXX)
repo=$work/repo data=$out/data mnt=$work/mnt pid= gen=
cleanup() {
	[ -n "$gen" ] && kill "$gen" 2>/dev/null && wait "$gen" 2>/dev/null
	unmount_quietly
	cp "$work/daemon.log" "$out/" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$data"

bench_xorshift_repo "$repo"
cat > "$work/benchfs.json" <<EOF
{
  "build": "cc -O2 -o prog prog.c",
  "warmup": 1, "runs": 10, "timeout": 60,
  "compare": {"confirm": false},
  "benchmarks": [{"name": "work", "command": ["./prog"], "bytes": 16777216},
                 {"name": "short", "command": ["./prog", "100000"]}]
}
EOF
git -C "$repo" add -A
git -C "$repo" commit -q -m base

mount_fs
"$build/bench/interfere" -s "$SEED" -n "$HOGS" -d 14400 -l "$out/interference.log" &
gen=$!
t0=$(now_ms)
for i in $(seq 1 "$RUNS"); do
	printf '/* %d */\n' "$i" >> "$repo/prog.c"
	git -C "$repo" commit -qam "same code $i"
	git -C "$repo" rev-parse HEAD > "$mnt/queue"
	r=$(ls "$mnt/runs" | tail -n 1)
	until grep -Eq '^(done|failed)' "$mnt/runs/$r/status" 2>/dev/null; do
		sleep 0.3
	done
	[ $((i % 20)) -eq 0 ] && echo "run $i done ($((($(now_ms) - t0) / 1000)) s)"
done
kill "$gen" 2>/dev/null; wait "$gen" 2>/dev/null || true; gen=
unmount_fs

"$bench_py" "$here/noise_model.py" "$data/benchfs.db" > "$out/report.txt"
cat "$out/report.txt"
