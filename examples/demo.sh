#!/bin/bash
# demo.sh [BENCHFS_BINARY]: benchfs end to end.
#
# Creates the example repository (make-repo.sh) in a temporary directory, mounts
# benchfs over it, queues v1 (slow), v2 (fast) and v3 (a regression), waits for the
# three runs, prints each run's commit, status, result.json and a mean/stddev table,
# queues an interleaved A/B job v2..v3 and waits for its verdicts, then the computed views (compare/, regressions, history/, baselines/), and unmounts. It always unmounts and stops the daemon, also on failure or Ctrl-C.
# Exit status: 0 when every run is done, 1 when a run failed or timed out (or
# anything else went wrong), 2 on bad usage.
#
# BENCHFS_BINARY defaults to build/benchfs at the top of this repository.
# Environment: DEMO_TIMEOUT (seconds to wait for all runs, default 300),
# DEMO_MOUNT_TIMEOUT (seconds to wait for the mount, default 20),
# DEMO_KEEP=1 (keep the temporary directory: repository, data, daemon log).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    echo "usage: $0 [BENCHFS_BINARY]   (default: $root/build/benchfs)" >&2
    exit 2
fi
bin=${1:-$root/build/benchfs}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
timeout=${DEMO_TIMEOUT:-300}
mount_timeout=${DEMO_MOUNT_TIMEOUT:-20}
revs=(v1 v2 v3)

say() { printf '==> %s\n' "$*"; }
die() { printf 'demo.sh: %s\n' "$*" >&2; exit 1; }

[ -x "$bin" ] || die "benchfs binary not found or not executable: $bin (build it first, or pass its path)"
command -v fusermount3 >/dev/null || die "fusermount3 not found (Debian: apt-get install fuse3)"
command -v git >/dev/null || die "git not found"
[ -e /dev/fuse ] || die "/dev/fuse is missing: FUSE is not available here"

have_python=0
if command -v python3 >/dev/null; then have_python=1; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-demo.XXXXXX")
repo=$tmp/repo
mnt=$tmp/mnt
log=$tmp/benchfs.log
pid=

is_mounted() {
    if command -v mountpoint >/dev/null; then
        mountpoint -q "$mnt"
    else
        grep -qF " $mnt " /proc/self/mounts
    fi
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    cd /
    if is_mounted; then
        say "unmounting $mnt"
        local i
        for i in 1 2 3 4 5 6 7 8 9 10; do
            fusermount3 -u "$mnt" 2>/dev/null && break
            sleep 0.5
        done
        if is_mounted; then
            echo "demo.sh: $mnt is busy; detaching it lazily" >&2
            fusermount3 -uz "$mnt"
        fi
    fi
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        # the daemon exits by itself once unmounted; give it a moment, then insist
        local i
        for i in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            [ "$i" -eq 20 ] && kill -TERM "$pid" 2>/dev/null
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "demo.sh: benchfs (pid $pid) still running; killing it" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    if [ -n "$pid" ]; then wait "$pid" 2>/dev/null; fi
    if [ "${DEMO_KEEP:-0}" = 1 ]; then
        say "kept $tmp (repository, benchfs data in repo/.git/benchfs, daemon log)"
    elif is_mounted; then
        echo "demo.sh: $mnt is still mounted; leaving $tmp in place" >&2
    else
        rm -rf "$tmp"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_daemon_log() {
    if [ -s "$log" ]; then
        echo "--- benchfs output ($log), last 20 lines:" >&2
        tail -n 20 "$log" >&2
    fi
}

# 1. the example repository
say "creating the example repository in $repo"
"$here/make-repo.sh" "$repo"
mkdir "$mnt"

# 2. mount
say "mounting: $bin -f --repo $repo --config $repo/benchfs.json $mnt"
"$bin" -f --repo "$repo" --config "$repo/benchfs.json" "$mnt" >"$log" 2>&1 &
pid=$!
deadline=$((SECONDS + mount_timeout))
until is_mounted && [ -e "$mnt/queue" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
        rc=0
        wait "$pid" || rc=$?
        pid=
        show_daemon_log
        die "benchfs exited with status $rc before the mount was ready"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        show_daemon_log
        die "the mount at $mnt was not ready after ${mount_timeout}s"
    fi
    sleep 0.1
done
say "mounted (benchfs pid $pid)"

# 3. queue the three versions, one write each
for rev in "${revs[@]}"; do
    echo "\$ echo $rev > $mnt/queue"
    echo "$rev" >"$mnt/queue" || die "queueing $rev failed"
done
echo "\$ cat $mnt/queue"
cat "$mnt/queue" || die "reading $mnt/queue failed"

# 4. the runs: on a fresh mount, the entries of runs/ in order are v1, v2, v3
runs=()
deadline=$((SECONDS + 10))
while :; do
    mapfile -t runs < <(ls "$mnt/runs")
    [ "${#runs[@]}" -ge "${#revs[@]}" ] && break
    [ "$SECONDS" -ge "$deadline" ] && die "expected ${#revs[@]} runs under $mnt/runs, found ${#runs[@]}: ${runs[*]:-none}"
    sleep 0.1
done
[ "${#runs[@]}" -eq "${#revs[@]}" ] || die "expected ${#revs[@]} runs under $mnt/runs, found ${#runs[@]}: ${runs[*]}"
shas=()
for i in "${!revs[@]}"; do
    shas[i]=$(git -C "$repo" rev-parse --verify -q "${revs[i]}^{commit}") || die "cannot resolve ${revs[i]} in $repo"
done

# 5. wait until every run is done or failed, printing each status change
say "waiting for the runs (timeout ${timeout}s)"
start=$SECONDS
deadline=$((SECONDS + timeout))
last=()
final=()
while :; do
    pending=0
    for i in "${!runs[@]}"; do
        [ -n "${final[i]:-}" ] && continue
        st=$(timeout 10 cat "$mnt/runs/${runs[i]}/status" 2>/dev/null || true)
        if [ "$st" != "${last[i]:-}" ]; then
            printf '[%4ds] %s %-3s %s\n' $((SECONDS - start)) "${runs[i]}" "${revs[i]}" "${st:-(no status)}"
            last[i]=$st
        fi
        case $st in
            done* | failed*) final[i]=$st ;;
            *) pending=$((pending + 1)) ;;
        esac
    done
    [ "$pending" -eq 0 ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
        show_daemon_log
        die "benchfs exited while $pending run(s) were unfinished"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "demo.sh: timed out after ${timeout}s with $pending run(s) unfinished" >&2
        break
    fi
    sleep 0.2
done

# 6. report
# pretty_json FILE: indented, but arrays of numbers (times, exit codes...) on one line
pretty_json() {
    if [ "$have_python" = 1 ]; then
        python3 - "$1" <<'PY' || cat "$1"
import json, sys

def dump(v, ind=""):
    inner = ind + "  "
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [inner + json.dumps(k) + ": " + dump(x, inner) for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + ind + "}"
    if isinstance(v, list):
        if all(not isinstance(x, (dict, list)) for x in v):
            return json.dumps(v)
        return "[\n" + ",\n".join(inner + dump(x, inner) for x in v) + "\n" + ind + "]"
    return json.dumps(v)

with open(sys.argv[1]) as f:
    print(dump(json.load(f)))
PY
    else
        cat "$1"
    fi
}

# table FILE...: one line per benchmark per result.json (label=path arguments)
table() {
    [ "$have_python" = 1 ] || { echo "(python3 not found: no table)"; return 0; }
    python3 - "$@" <<'PY' || echo "(could not read result.json for the table)"
import json, sys

def ms(x):
    return "-" if x is None else "%.2f" % (x * 1e3)

rows = []
for arg in sys.argv[1:]:
    label, path = arg.split("=", 1)
    with open(path) as f:
        doc = json.load(f)
    for r in doc.get("results", []):
        name = r.get("name") or r.get("command", "?")
        times = r.get("times") or []
        rows.append((label, name, r.get("mean"), r.get("stddev"), r.get("median"), len(times)))

print("%-4s %-16s %10s %10s %10s %4s %8s" % ("rev", "benchmark", "mean ms", "stddev ms", "median ms", "n", "vs prev"))
order = []
for row in rows:
    if row[1] not in order:
        order.append(row[1])
rows.sort(key=lambda row: order.index(row[1]))  # stable: runs stay in order within a benchmark
prev = {}
for label, name, mean, sd, med, n in rows:
    ratio = ""
    if name in prev and prev[name] and mean:
        ratio = "x%.2f" % (mean / prev[name])
    prev[name] = mean
    print("%-4s %-16s %10s %10s %10s %4d %8s" % (label, name[:16], ms(mean), ms(sd), ms(med), n, ratio))
PY
}

failed=0
bad=()
done_results=()
for i in "${!runs[@]}"; do
    dir=$mnt/runs/${runs[i]}
    st=${final[i]:-${last[i]:-} (unfinished)}
    echo
    say "run ${runs[i]}: ${revs[i]}"
    echo "commit: ${shas[i]}"
    echo "status: $st"
    if [ "${st%% *}" = "done" ]; then
        link=$(readlink "$mnt/commits/${shas[i]}" 2>/dev/null || true)
        [ -n "$link" ] && echo "commits/${shas[i]:0:12}... -> $link"
        if [ -f "$dir/result.json" ]; then
            echo "result.json:"
            pretty_json "$dir/result.json"
            echo
            table "${revs[i]}=$dir/result.json"
            done_results+=("${revs[i]}=$dir/result.json")
        else
            echo "(no result.json)"
            failed=1
            bad+=("${runs[i]} (${revs[i]}): done but no result.json")
        fi
    else
        failed=1
        bad+=("${runs[i]} (${revs[i]}): $st")
        if [ -f "$dir/debug.log" ]; then
            echo "debug.log, last 15 lines:"
            tail -n 15 "$dir/debug.log"
        fi
    fi
done

if [ "${#done_results[@]}" -gt 1 ]; then
    echo
    say "all runs (vs prev: mean relative to the previous run of the same benchmark)"
    table "${done_results[@]}"
fi
echo
if [ -e "$mnt/latest" ]; then echo "latest -> $(readlink "$mnt/latest")"; fi

# 7. an interleaved A/B job: the trustworthy comparison on a noisy machine. Its
# iterations alternate v2, v3, v3, v2, ... and benchfs adds pairs to a benchmark
# until its verdict is decided (or the cap, compare.max_pairs, is reached).
ab_runs=()
if [ "$failed" -eq 0 ]; then
    echo
    say "echo v2..v3 > $mnt/queue   (an interleaved A/B job)"
    echo v2..v3 >"$mnt/queue" || { failed=1; bad+=("queueing the A/B job v2..v3 failed"); }
    mapfile -t all_runs < <(ls "$mnt/runs")
    ab_runs=("${all_runs[@]: -2}")
    deadline=$((SECONDS + timeout))
    last_ab=
    while [ "$failed" -eq 0 ]; do
        sa=$(timeout 10 cat "$mnt/runs/${ab_runs[0]}/status" 2>/dev/null || true)
        sb=$(timeout 10 cat "$mnt/runs/${ab_runs[1]}/status" 2>/dev/null || true)
        if [ "$sa | $sb" != "$last_ab" ]; then
            printf '[%4ds] %s | %s\n' $((SECONDS - start)) "${ab_runs[0]} ${sa:-?}" "${ab_runs[1]} ${sb:-?}"
            last_ab="$sa | $sb"
        fi
        case "$sa/$sb" in
            done*/done*) break ;;
            failed*/* | */failed*) failed=1; bad+=("A/B job v2..v3: $sa / $sb") ;;
        esac
        if [ "$SECONDS" -ge "$deadline" ]; then
            failed=1
            bad+=("A/B job v2..v3 unfinished after ${timeout}s")
        fi
        sleep 0.2
    done
    if [ "$failed" -eq 0 ]; then
        say "the looks of the A/B job (debug.log of ${ab_runs[1]})"
        grep -E ': look [0-9]+|after [0-9]+ pairs' "$mnt/runs/${ab_runs[1]}/debug.log" | cut -c1-160 || true
    fi
fi

# 8. the computed views: comparisons, regressions along the branch, history.
# v1..v2 compares separate runs: on a fresh machine benchfs does not know the
# run-to-run noise yet and says so (undecided); v2..v3 uses the A/B job.
if [ "$failed" -eq 0 ]; then
    for pair in v1..v2 v2..v3; do
        echo
        say "cat $mnt/compare/$pair.md"
        cat "$mnt/compare/$pair.md" || { failed=1; bad+=("compare/$pair.md cannot be read"); }
    done
    echo
    say "ls $mnt/compare $mnt/history $mnt/baselines (after: echo v1 > $mnt/baselines/release)"
    echo v1 >"$mnt/baselines/release" || { failed=1; bad+=("pinning a baseline failed"); }
    ls "$mnt/compare" "$mnt/history" "$mnt/baselines"
    echo
    say "cat $mnt/regressions   (slowdowns an A/B job confirmed: commit, benchmark, before, after, change, q-value, the job's runs, threshold, its source, method, range, alert id (alerts/<id>), triage state, culprit of a bisection: the A/B job v2..v3 of two neighbouring commits names v3 when it found it slower)"
    cat "$mnt/regressions" || { failed=1; bad+=("regressions cannot be read"); }
    first_bench=$(ls "$mnt/history" | head -1)
    if [ -n "$first_bench" ]; then
        echo
        say "cat $mnt/history/$first_bench"
        cat "$mnt/history/$first_bench"
    fi
fi

if [ "$failed" -ne 0 ]; then
    say "FAILED: not every run is done:"
    printf '    %s\n' "${bad[@]}"
    exit 1
fi
say "all ${#runs[@]} runs and the A/B job v2..v3 done"
