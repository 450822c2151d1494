#!/bin/bash
# make-repo.sh DIR [PORT]: create a git repository at DIR holding the example HTTP
# server (server.c beside this script) and a benchfs.json that benchmarks it under
# load, for trying out benchfs's services:
#   v1  the server as it is                         (fast)
#   v2  ten times the busy work per request         (a slowdown: fewer requests/s)
# The benchmark starts ./server PORT as its "service" (ready when GET / answers 200)
# and measures `wrk --latency` against it ("parse": "wrk": requests/s, latency
# percentiles, errors; the server's CPU time and peak memory come with the service).
# PORT defaults to 18080. Dates and identity are fixed, as in examples/make-repo.sh.
# "compare": {"confirm": false}: an interleaved A/B job cannot run two commits'
# servers on one port at once, so the daemon is not to queue its own.
set -eu

usage() { echo "usage: $0 DIR [PORT]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
dir=$1
port=${2:-18080}
[ -n "$dir" ] || usage
case $port in '' | *[!0-9]*) usage ;; esac

src=$(cd "$(dirname "$0")" && pwd)
[ -f "$src/server.c" ] || { echo "make-repo.sh: missing $src/server.c" >&2; exit 1; }
if [ -e "$dir" ]; then
    [ -d "$dir" ] || { echo "make-repo.sh: $dir exists and is not a directory" >&2; exit 1; }
    if [ -n "$(ls -A "$dir")" ]; then
        echo "make-repo.sh: $dir exists and is not empty; refusing to touch it" >&2
        exit 1
    fi
fi
mkdir -p "$dir"

export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="benchfs example" GIT_AUTHOR_EMAIL="example@benchfs.invalid"
export GIT_COMMITTER_NAME="benchfs example" GIT_COMMITTER_EMAIL="example@benchfs.invalid"

git -C "$dir" init -q -b main
git -C "$dir" config user.name "benchfs example"
git -C "$dir" config user.email "example@benchfs.invalid"
git -C "$dir" config commit.gpgsign false
git -C "$dir" config tag.gpgsign false

cat > "$dir/benchfs.json" <<JSON
{
  "build": "cc -O2 -pthread -o server server.c",
  "warmup": 1,
  "runs": 5,
  "compare": {"confirm": false},
  "benchmarks": [
    {
      "name": "hello",
      "service": {
        "command": ["./server", "$port"],
        "ready": {"http": "http://127.0.0.1:$port/"},
        "timeout": 10
      },
      "parse": "wrk",
      "command": ["wrk", "--latency", "-t1", "-c4", "-d2s", "http://127.0.0.1:$port/"]
    }
  ]
}
JSON
printf 'server\n' > "$dir/.gitignore"

commit() { # TAG DATE SUBJECT BODY
    git -C "$dir" add server.c benchfs.json .gitignore
    GIT_AUTHOR_DATE="$2" GIT_COMMITTER_DATE="$2" \
        git -C "$dir" commit -q --no-verify -m "$3" -m "$4"
    git -C "$dir" tag "$1"
}

cp "$src/server.c" "$dir/server.c"
commit v1 "2026-02-02T10:00:00Z" \
    "server: answer every request with a fixed response" \
    "A thread per connection, keep-alive, a little busy work per request."
sed 's/^#define WORK 2000$/#define WORK 20000/' "$src/server.c" > "$dir/server.c"
grep -q '^#define WORK 20000$' "$dir/server.c" || { echo "make-repo.sh: cannot plant the slowdown" >&2; exit 1; }
commit v2 "2026-02-09T10:00:00Z" \
    "server: more careful request handling" \
    "Ten times the work per request: the slowdown the benchmark should see as
fewer requests per second and higher latency."

echo "make-repo.sh: created $dir (port $port) with 2 commits:"
git -C "$dir" log --format='  %h%d %s' --decorate=short
