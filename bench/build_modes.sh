#!/bin/bash
# bench/build_modes.sh: build time with "build_mode": "incremental" against
# "clean", over the same sequence of commits of a small C project, measured
# by benchfs itself in this script.
#
#   bash bench/build_modes.sh [BUILD_DIR]     (default: build; a few minutes)
#   FILES=40 COMMITS=12 JOBS=2 ROUNDS=1 bash bench/build_modes.sh
#
# It makes a repository of a C project of FILES source files (each a few
# hundred lines of arithmetic the optimiser works on, sharing one header),
# built by a Makefile with -MMD dependencies and `make -jJOBS`; then COMMITS
# commits, each changing the body of one or two source files, and every
# fourth the shared header (so most files are compiled again). Each round
# mounts benchfs twice on its own fresh data directory, first with the
# default clean mode, then with incremental (ccache used when installed: a
# fresh, empty cache), queues the same commits in order, one run each (one
# iteration of a trivial benchmark), and reads each run's "build finished in
# X s" from its debug.log: the time of the build command alone, not the
# checkout. It prints each commit's two times and ratio, then the sum over
# the commits after the first (the first is a full build in both modes) and
# over all of them. Figures, not assertions; the machine may be noisy.
set -eu

BUILD=${1:-build}
FILES=${FILES:-40}
COMMITS=${COMMITS:-12}
JOBS=${JOBS:-2}
ROUNDS=${ROUNDS:-1}
BENCHFS=$BUILD/benchfs
die() { echo "build_modes.sh: $*" >&2; exit 2; }
[ -x "$BENCHFS" ] && [ -x "$BUILD/benchfs-spawner" ] || die "build first: ninja -C $BUILD"
command -v fusermount3 > /dev/null || die "fusermount3 is missing (Debian: apt-get install fuse3)"
command -v make > /dev/null && command -v cc > /dev/null || die "make and cc are needed"

T=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-build-modes.XXXXXX")
MNT="$T/mnt"
PID=
mkdir -p "$MNT"
unmount() {
	if grep -q " $MNT " /proc/mounts 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" 2>/dev/null || true
	fi
	if [ -n "$PID" ]; then
		for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
		PID=
	fi
}
cleanup() {
	unmount
	if grep -q " $MNT " /proc/mounts 2>/dev/null; then
		echo "build_modes.sh: $MNT is still mounted; left $T in place" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the project ----
REPO="$T/repo"
git init -q -b main "$REPO"
git -C "$REPO" config user.email bench@example.com
git -C "$REPO" config user.name bench
git -C "$REPO" config commit.gpgsign false
# source I VERSION: file I's functions; VERSION changes their constants.
source_file() {
	awk -v i="$1" -v v="$2" 'BEGIN {
		printf "#include \"common.h\"\n"
		for (f = 0; f < 12; f++) {
			printf "double f%d_%d(const double *x, int n)\n{\n\tdouble s = %d.5;\n", i, f, v
			printf "\tfor (int k = 0; k < n; k++) {\n"
			for (t = 0; t < 12; t++)
				printf "\t\ts += SCALE * x[k] * %d.%d / (1.0 + s * %d.0) - x[(k + %d) %% n] * %d;\n", t + v, f, t + 1, t, f + 1
			printf "\t}\n\treturn s;\n}\n"
		}
		printf "double file%d(const double *x, int n)\n{\n\treturn 0", i
		for (f = 0; f < 12; f++)
			printf " + f%d_%d(x, n)", i, f
		printf ";\n}\n"
	}' > "$REPO/src/f$1.c"
}
mkdir -p "$REPO/src"
header() { printf '#define SCALE %s\n' "$1" > "$REPO/src/common.h"; }
header 1.0
for i in $(seq "$FILES"); do source_file "$i" 1; done
{
	printf '#include <stdio.h>\n'
	for i in $(seq "$FILES"); do printf 'double file%d(const double *x, int n);\n' "$i"; done
	printf 'int main(void)\n{\n\tdouble x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, s = 0;\n'
	for i in $(seq "$FILES"); do printf '\ts += file%d(x, 8);\n' "$i"; done
	printf '\tprintf("%%g\\n", s);\n\treturn 0;\n}\n'
} > "$REPO/src/main.c"
cat > "$REPO/Makefile" <<'EOF'
SRC := $(wildcard src/*.c)
OBJ := $(SRC:.c=.o)
CFLAGS := -O2 -MMD -MP
prog: $(OBJ)
	cc -o $@ $(OBJ) -lm
src/%.o: src/%.c
	cc $(CFLAGS) -c -o $@ $<
-include $(OBJ:.o=.d)
EOF
git -C "$REPO" add -A
git -C "$REPO" commit -qm "commit 0"
git -C "$REPO" tag c0
for c in $(seq "$COMMITS"); do
	if [ $((c % 4)) -eq 0 ]; then
		header "1.$c"
	else
		source_file $((1 + (c * 7) % FILES)) $((c + 1))
		[ $((c % 2)) -eq 0 ] || source_file $((1 + (c * 13) % FILES)) $((c + 1))
	fi
	git -C "$REPO" commit -qam "commit $c"
	git -C "$REPO" tag "c$c"
done

write_config() { # write_config FILE MODE
	printf '{"build": "make -j%s", "build_mode": "%s", "runs": 1, "warmup": 0,
  "compare": {"confirm": false},
  "benchmarks": [{"name": "prog", "command": ["./prog"]}]}\n' "$JOBS" "$2" > "$1"
}
write_config "$T/clean.json" clean
write_config "$T/incremental.json" incremental

# measure MODE ROUND: every commit in order, one run each; the build times
# into $T/MODE.ROUND (one line per commit).
measure() {
	local data="$T/data-$1-$2" n=$((COMMITS + 1)) last
	"$BENCHFS" -f --repo "$REPO" --config "$T/$1.json" --data "$data" "$MNT" \
		< /dev/null >> "$T/daemon.log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do [ -e "$MNT/queue" ] && break; sleep 0.1; done
	[ -e "$MNT/queue" ] || die "benchfs did not mount: $(tail -3 "$T/daemon.log")"
	for c in $(seq 0 "$COMMITS"); do echo "c$c"; done > "$MNT/queue"
	last=$(printf '%06d' "$n")
	for _ in $(seq 6000); do
		grep -Eq '^(done|failed)' "$MNT/runs/$last/status" 2>/dev/null && break
		sleep 0.1
	done
	: > "$T/$1.$2"
	for r in $(seq "$n"); do
		r=$(printf '%06d' "$r")
		grep -q '^done' "$MNT/runs/$r/status" || die "$1 run $r: $(cat "$MNT/runs/$r/status")"
		sed -n 's/.*\[benchfs\] build finished in \([0-9.]*\) s$/\1/p' "$MNT/runs/$r/debug.log" \
			| tail -1 >> "$T/$1.$2"
	done
	grep -h 'ccache: [0-9]' "$MNT"/runs/*/debug.log | sed 's/.*\] //' > "$T/ccache.$1.$2" || true
	unmount
}

echo "project: $FILES files of 12 functions, $COMMITS commits after the first, make -j$JOBS"
if [ -x /usr/lib/ccache/cc ]; then echo "ccache: $(ccache --version | head -1)"; else echo "ccache: not installed"; fi
for round in $(seq "$ROUNDS"); do
	measure clean "$round"
	measure incremental "$round"
	echo
	echo "round $round: build seconds per commit (the build command; checkout excluded)"
	printf '%-8s %9s %12s %7s\n' commit clean incremental ratio
	paste "$T/clean.$round" "$T/incremental.$round" | awk '
		{ printf "c%-7d %9.3f %12.3f %7.3f\n", NR - 1, $1, $2, $2 / $1
		  all_c += $1; all_i += $2; if (NR > 1) { rest_c += $1; rest_i += $2 } }
		END {
			printf "%-8s %9.3f %12.3f %7.3f\n", "c1..", rest_c, rest_i, rest_i / rest_c
			printf "%-8s %9.3f %12.3f %7.3f\n", "all", all_c, all_i, all_i / all_c
		}'
	if [ -s "$T/ccache.incremental.$round" ]; then
		awk '{ h += $2; m += $4 } END { printf "ccache over the incremental builds: %d hits, %d misses\n", h, m }' \
			"$T/ccache.incremental.$round"
	fi
done
