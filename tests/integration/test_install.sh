#!/bin/bash
# meson install into a staging directory: benchfs, benchfs-spawner beside it
# and the man page; the installed benchfs measures a commit (so it found its
# helper), and the man page renders without a warning.
. "$(dirname "$0")/lib.sh"
: "${BUILD_ROOT:?BUILD_ROOT must name the build directory}"

meson install -C "$BUILD_ROOT" --no-rebuild --destdir "$T/inst" > "$T/install.log" 2>&1 \
	|| fail "meson install: $(tail -5 "$T/install.log")"
bin=$(find "$T/inst" -type f -name benchfs -perm -u+x | head -1)
[ -n "$bin" ] || fail "no benchfs installed: $(find "$T/inst" -type f)"
[ -x "$(dirname "$bin")/benchfs-spawner" ] || fail "benchfs-spawner is not beside $bin"
man=$(find "$T/inst" -name 'benchfs.1*' | head -1)
[ -n "$man" ] || fail "no man page installed"
case "$man" in */man1/benchfs.1*) ;; *) fail "the man page is at $man, not in man1/" ;; esac
ok "installed: $bin, benchfs-spawner beside it, $man"

if command -v man > /dev/null; then
	MANWIDTH=80 man --warnings -l "$man" > "$T/man.txt" 2> "$T/man.err" || fail "man: $(cat "$T/man.err")"
	[ ! -s "$T/man.err" ] || fail "the man page renders with warnings: $(cat "$T/man.err")"
	for section in SYNOPSIS COMMANDS 'EXIT STATUS' CONFIGURATION; do
		grep -q "^$section" "$T/man.txt" || fail "the man page has no $section section"
	done
	ok "the man page renders without warnings"
fi

make_repo '{"build": "true", "warmup": 0, "runs": 2, "benchmarks": [{"name": "t", "command": ["true"]}]}'
commit_prog one 'true'
"$bin" run --repo "$REPO" HEAD > "$T/out" 2> "$T/err" || fail "the installed benchfs run: $(cat "$T/err")"
assert_eq "$(cut -f3 "$T/out")" done "the installed benchfs's run"
"$bin" --version | grep -q '^benchfs ' || fail "--version"
ok "the installed benchfs measures (it found its helper)"
