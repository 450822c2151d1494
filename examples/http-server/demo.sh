#!/bin/bash
# demo.sh [BENCHFS_BINARY]: a server benchmarked under load, across two commits.
#
# Creates the example repository (make-repo.sh, the HTTP server in server.c) in a
# temporary directory, mounts benchfs over it, queues v1 and v2 (ten times the work
# per request), waits for both runs and prints each run's wrk figures (requests/s,
# latency percentiles, errors) and the server's CPU time and peak memory from
# result.json, then compare/v1..v2.md. It always unmounts and stops the daemon, also
# on failure or Ctrl-C; the server is stopped by benchfs after each benchmark.
# Exit status: 0 when both runs are done, 1 otherwise, 2 on bad usage.
#
# BENCHFS_BINARY defaults to build/benchfs at the top of this repository.
# Environment: DEMO_PORT (the server's port, default 18080), DEMO_TIMEOUT (seconds
# to wait for the runs, default 300), DEMO_KEEP=1 (keep the temporary directory).
# Needs: wrk (Debian: apt-get install wrk), cc, git, fuse3, python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    echo "usage: $0 [BENCHFS_BINARY]   (default: $root/build/benchfs)" >&2
    exit 2
fi
bin=${1:-$root/build/benchfs}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
port=${DEMO_PORT:-18080}
timeout=${DEMO_TIMEOUT:-300}

say() { printf '==> %s\n' "$*"; }
die() { printf 'demo.sh: %s\n' "$*" >&2; exit 1; }

[ -x "$bin" ] || die "benchfs binary not found or not executable: $bin (build it first, or pass its path)"
for p in wrk cc git fusermount3 python3; do
    command -v "$p" >/dev/null || die "$p not found (Debian: apt-get install wrk gcc git fuse3 python3)"
done
[ -e /dev/fuse ] || die "/dev/fuse is missing: FUSE is not available here"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "something already listens on 127.0.0.1:$port (set DEMO_PORT)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-http-demo.XXXXXX")
repo=$tmp/repo
mnt=$tmp/mnt
log=$tmp/benchfs.log
pid=

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    cd /
    if mountpoint -q "$mnt" 2>/dev/null; then
        say "unmounting $mnt"
        fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt"
    fi
    if [ -n "$pid" ]; then
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    if [ "${DEMO_KEEP:-0}" = 1 ]; then
        say "kept $tmp (repository, benchfs data in repo/.git/benchfs, daemon log)"
    elif mountpoint -q "$mnt" 2>/dev/null; then
        echo "demo.sh: $mnt is still mounted; leaving $tmp in place" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "creating the example repository in $repo (server on port $port)"
"$here/make-repo.sh" "$repo" "$port"
mkdir "$mnt"

say "mounting: $bin -f --repo $repo --config $repo/benchfs.json $mnt"
"$bin" -f --repo "$repo" --config "$repo/benchfs.json" "$mnt" >"$log" 2>&1 &
pid=$!
for _ in $(seq 200); do
    mountpoint -q "$mnt" && [ -e "$mnt/queue" ] && break
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "benchfs exited before the mount was ready"; }
    sleep 0.1
done
[ -e "$mnt/queue" ] || die "the mount at $mnt was not ready after 20 s"

for rev in v1 v2; do
    echo "\$ echo $rev > $mnt/queue"
    echo "$rev" >"$mnt/queue"
done

say "waiting for the runs (timeout ${timeout}s)"
deadline=$((SECONDS + timeout))
runs=()
while :; do
    mapfile -t runs < <(ls "$mnt/runs")
    done_runs=0
    for r in "${runs[@]}"; do
        case $(cat "$mnt/runs/$r/status" 2>/dev/null) in done* | failed*) done_runs=$((done_runs + 1)) ;; esac
    done
    [ "${#runs[@]}" -ge 2 ] && [ "$done_runs" -ge 2 ] && break
    [ "$SECONDS" -ge "$deadline" ] && die "the runs did not finish within ${timeout}s"
    sleep 0.5
done

rc=0
for r in "${runs[@]}"; do
    status=$(cat "$mnt/runs/$r/status")
    echo
    say "run $r ($(git -C "$repo" describe --tags "$(cat "$mnt/runs/$r/commit")")): $status"
    case $status in
        done*)
            python3 - "$mnt/runs/$r/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
m = r.get("metrics", {})
def show(name, scale=1, unit=""):
    if name in m and m[name]["mean"] is not None:
        print(f"  {name:<15} {m[name]['mean'] * scale:>12.6g} {unit or m[name]['unit']}"
              f"   ({m[name]['better']} is better; {len(m[name]['values'])} iterations)")
show("requests")
for p in ("latency_p50", "latency_p90", "latency_p99"):
    show(p, 1e3, "ms")
show("errors")
show("service_cpu")
show("service_memory", 1 / 2**20, "MiB")
PY
            ;;
        *) rc=1; grep -E '\[benchfs\]' "$mnt/runs/$r/debug.log" | tail -n 5 ;;
    esac
done
if [ -e "$mnt/compare/v1..v2.md" ]; then
    echo
    say "cat $mnt/compare/v1..v2.md"
    cat "$mnt/compare/v1..v2.md"
fi
exit "$rc"
