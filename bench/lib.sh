# bench/lib.sh: what the mount benchmarks share (POSIX sh; sourced, not run).
# The caller sets BENCH_NAME (for messages), work, repo, data, mnt, benchfs
# and pid= before using the functions; mount_fs and unmount_fs keep pid.

now_ms() {
	date +%s%3N
}

# bench_need EXE...: every file is an executable, or exit 2 saying to build.
bench_need() {
	for exe in "$@"; do
		if [ ! -x "$exe" ]; then
			echo "$BENCH_NAME: $exe is missing: build first (ninja -C $(dirname "$exe"))" >&2
			exit 2
		fi
	done
}

# bench_scipy: sets bench_py to a python3 with scipy (the first on PATH may be
# another installation, pyenv), or exits 2 before any measurement is made.
bench_scipy() {
	for bench_py in python3 /usr/bin/python3; do
		"$bench_py" -c 'import scipy.stats' 2> /dev/null && return 0
	done
	echo "$BENCH_NAME: python3 with scipy is missing (apt-get install python3-scipy)" >&2
	exit 2
}

# bench_make_repo DIR N: a repository of N commits on main, one a minute, each
# changing one file (git fast-import: about 1 s for 2,000).
bench_make_repo() {
	git init -q -b main "$1"
	awk -v n="$2" 'BEGIN {
		t = 1700000000
		for (i = 1; i <= n; i++) {
			msg = "commit " i
			body = "revision " i "\n"
			printf "commit refs/heads/main\nmark :%d\n", i
			printf "committer Bench <bench@example.com> %d +0000\n", t + i * 60
			printf "data %d\n%s\n", length(msg), msg
			if (i > 1)
				printf "from :%d\n", i - 1
			printf "M 644 inline counter.txt\ndata %d\n%s\n", length(body), body
		}
	}' | git -C "$1" fast-import --quiet
	git -C "$1" checkout -q -f main
}

# mount_fs: benchfs on $repo with $work/benchfs.json and $data at $mnt, in the
# background; returns once README is there (mount_ms: how long it took).
mount_fs() {
	mkdir -p "$mnt"
	bench_t0=$(now_ms)
	"$benchfs" -f --repo "$repo" --config "$work/benchfs.json" --data "$data" "$mnt" \
		< /dev/null 2>> "$work/daemon.log" &
	pid=$!
	bench_i=0
	until [ -e "$mnt/README" ]; do
		bench_i=$((bench_i + 1))
		if [ $bench_i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "$BENCH_NAME: benchfs did not mount; its output:" >&2
			cat "$work/daemon.log" >&2
			exit 1
		fi
		sleep 0.05
	done
	mount_ms=$(($(now_ms) - bench_t0))
}

unmount_fs() {
	fusermount3 -u "$mnt"
	wait "$pid" || true
	pid=
}

# unmount_quietly: for the EXIT trap; nothing when nothing is mounted.
unmount_quietly() {
	if [ -n "$pid" ]; then
		fusermount3 -u "$mnt" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
}

# field NAME LINE: the value of NAME=... in a line of key=value words.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# bench_xorshift_repo DIR: a repository (no commit yet) whose prog.c is a
# deterministic xorshift loop over a 16 MiB buffer it allocates: argv[1]
# steps (3,000,000 without it, about 25 ms here), the same work every time.
bench_xorshift_repo() {
	git init -q -b main "$1"
	git -C "$1" config user.email bench@example.com
	git -C "$1" config user.name Bench
	cat > "$1/prog.c" <<'EOF'
#include <stdint.h>
#include <stdlib.h>
/* A deterministic loop over a 16 MiB buffer: the same work every time. */
int main(int argc, char **argv)
{
	size_t n = (size_t)16 << 20;
	long steps = argc > 1 ? atol(argv[1]) : 3000000;
	uint8_t *buf = malloc(n);
	uint64_t x = 88172645463325252ULL, sum = 0;
	if (!buf)
		return 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)i;
	for (long k = 0; k < steps; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += buf[x & (n - 1)];
	}
	free(buf);
	return sum == 1;
}
EOF
}
