#!/bin/bash
# An A/B job adds pairs while a declared metric is undecided, not only its
# wall time: a benchmark whose wall time is a steady sleep (unchanged,
# decided at its first look of 10 pairs) reports a throughput that drops by
# 30% with noise of +-35 MiB/s around it, too little for 10 pairs and enough
# for more. The job keeps adding pairs for the throughput and ends with it
# worse; debug.log has the throughput's looks beside wall time's.
. "$(dirname "$0")/lib.sh"

# Looks at 10, 20 and 40 pairs, at levels 0.05 x 1/4, 1/4 and 2/4. The
# threshold (25%) is wide for wall time, so that a loaded machine's sleeps
# still decide it unchanged at the first look (a CI host under load gave a
# 98.75% interval of [-0.1%, +13.2%] there), and below the throughput's
# drop.
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 10, "timeout": 30,
  "compare": {"alpha": 0.05, "threshold": 0.25, "max_pairs": 40},
  "benchmarks": [{"name": "io", "command": ["./prog"],
                  "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"}}}]
}'
# prog RATE SEED: sleep 100 ms and report RATE MiB/s +- 35, the noise drawn
# from the iteration number and SEED by a fixed generator (two rounds of an
# LCG, its high bits), so that every verdict of the throughput is the same
# on every machine: with these seeds, undecided after 10 pairs (-8.4%, inside
# the threshold, its interval reaching -51%), worse after 20 (-34.5%) and
# after 40 (-36.0%), should wall time's looks go on.
prog() {
	cat <<SH
x=\$((BENCHFS_ITERATION + $2 * 1000))
x=\$(( (x * 1103515245 + 12345) % 2147483648 ))
x=\$(( (x * 1103515245 + 12345) % 2147483648 ))
v=\$(( $1 * 100 + (x / 65536) % 7001 - 3500 ))
printf 'throughput %d.%02d\n' \$((v / 100)) \$((v % 100)) >> "\$BENCHFS_METRICS"
exec sleep 0.1
SH
}
commit_prog c1 "$(prog 100 2)"
c1=$(git -C "$REPO" rev-parse HEAD)
commit_prog c2 "$(prog 70 106)"
c2=$(git -C "$REPO" rev-parse HEAD)

start_benchfs
echo "$c1..$c2" > "$MNT/queue"
for r in 000001 000002; do wait_status "$r" '^done( |$)' 240; done
log_a="$MNT/runs/000001/debug.log"
grep -E '\] io(:throughput)?: (look|[a-z]+ after)' "$log_a" | sed 's/^[^ ]* \[[^]]*\] /# /'

# The first look: wall time decided, the throughput not, so pairs are added.
grep -Eq '\] io: look 1, 10 pairs: [+-][0-9.]+% \[[+-][0-9.]+%, [+-][0-9.]+%\] at 98\.75%, p=[0-9.e-]+ \(signed-rank\), unchanged: adding 10 pairs$' "$log_a" \
	|| fail "wall time's first look: $(grep '\] io: look 1' "$log_a")"
grep -Eq '\] io:throughput: look 1, 10 pairs: -[0-9.]+% \[-[0-9.]+%, [+-][0-9.]+%\] at 98\.75%, p=[0-9.e-]+ \(signed-rank\), undecided: adding 10 pairs$' "$log_a" \
	|| fail "the throughput's first look: $(grep '\] io:throughput: look 1' "$log_a")"
ok "look 1: wall time unchanged, the throughput undecided: 10 pairs added"

# The last look: the throughput worse, in its own direction; both logs alike.
looks=$(grep -c '\] io:throughput: look' "$log_a")
[ "$looks" -ge 2 ] || fail "the throughput was looked at $looks times"
assert_eq "$(grep -c '\] io: look' "$log_a")" "$looks" "wall time's looks"
n=$(json "$MNT/runs/000001/result.json" 'len(j["results"][0]["times"])')
[ "$n" -gt 10 ] || fail "the job measured $n pairs"
grep -Eq "\] io:throughput: look $looks, $n pairs: -[0-9.]+% \[-[0-9.]+%, -[0-9.]+%\] at 9[0-9.]+%, p=[0-9.e-]+ \(signed-rank\), worse$" "$log_a" \
	|| fail "the throughput's last look: $(grep '\] io:throughput: look' "$log_a" | tail -1)"
grep -q "\] io:throughput: worse after $n pairs$" "$log_a" || fail "no final line of the throughput"
assert_eq "$(grep -E '\] io(:throughput)?: (look|[a-z]+ after)' "$MNT/runs/000002/debug.log" | sed 's/^[^ ]* \[[^]]*\] //')" \
	"$(grep -E '\] io(:throughput)?: (look|[a-z]+ after)' "$log_a" | sed 's/^[^ ]* \[[^]]*\] //')" "B's looks"
ok "the throughput worse at look $looks of $n pairs, in both runs' debug.log"

# compare/ reads the same: the throughput worse over all the pairs.
cat "$MNT/compare/$c1..$c2.json" > "$T/c.json" || fail "read compare/c1..c2.json"
assert_eq "$(json "$T/c.json" '(j["method"], j["benchmarks"][0]["metrics"]["throughput"]["verdict"], j["benchmarks"][0]["metrics"]["throughput"]["pairs"])')" \
	"('paired', 'worse', $n)" "compare's throughput"
ok "compare/c1..c2.json: the throughput worse after $n pairs"
