#!/bin/bash
# examples/github-workflow.yml, run step by step on a temporary repository by
# run_workflow.py (there is no GitHub here): it builds benchfs from this
# source tree, measures a pull request's merge base against its head without
# FUSE, writes the comparison into the job summary, uploads the measured
# tree, and fails the job on a slowdown (benchfs check's exit 3) and only
# then. apt-get is a shim that checks the packages are installed (the suite's
# set-up installed them), so the test needs no network.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
: "${SOURCE_ROOT:=$(cd "$here/../.." && pwd)}"
workflow=$SOURCE_ROOT/examples/github-workflow.yml

mkdir -p "$T/shims" "$T/home"
cat > "$T/shims/apt-get" <<'EOF'
#!/bin/sh
# apt-get for the test: update does nothing, install checks what is installed.
[ "$1" = update ] && exit 0
missing=
for p in "$@"; do
	case "$p" in install | -*) continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] || { echo "apt-get shim: not installed:$missing" >&2; exit 100; }
EOF
chmod +x "$T/shims/apt-get"
export PATH="$T/shims:$PATH" HOME="$T/home"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 5, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40},
  "benchmarks": [{"name": "sleepy", "command": ["./prog"]}]
}'
commit_prog base 'exec sleep 0.020'
git -C "$REPO" checkout -q -b slow
commit_prog "slower: triple the sleep" 'exec sleep 0.060'
git -C "$REPO" checkout -q -b same main
commit_prog "same speed, another comment" '# a comment
exec sleep 0.020'
git -C "$REPO" checkout -q main
commit_prog "main moves on after the forks" '# main
exec sleep 0.020'
mkdir "$T/ws"

# The store each job measures into. On SQLite that is the file in its data
# directory: a new one per pull request job (under a fresh RUNNER_TEMP), the
# one riding along on gh-pages for the publish jobs. Under PostgreSQL the
# test's BENCHFS_STORE would be shared by every job: each pull request job
# gets a database of its own, the publish jobs share one, as on gh-pages.
job_store=
# run_job JOB EVENT REV: one of the workflow's jobs, for a pull request of the
# branch REV into main or a push of REV to main, measuring into $job_store
# (empty: the data directory's file).
run_job() {
	rm -rf "$T/runner" "$T/artifacts"
	mkdir "$T/runner" "$T/artifacts"
	st=0
	BENCHFS_STORE=$job_store python3 "$here/run_workflow.py" "$workflow" "$1" --event "$2" --workspace "$T/ws" \
		--temp "$T/runner" --project "$REPO" --head "$(git -C "$REPO" rev-parse "$3")" \
		--base-ref main --source "$SOURCE_ROOT" --artifacts "$T/artifacts" \
		> "$T/job.log" 2>&1 || st=$?
}
# job HEAD_BRANCH: the workflow's job for a pull request of that branch into main.
job() {
	run_job benchfs pull_request "$1"
}
step_outcome() { # NAME
	json "$T/runner/outcome.json" "[s['outcome'] for s in j['steps'] if s['name'] == '$1'][0]"
}

job_store=$(other_store pr_slow)
job slow
[ "$st" = 1 ] || fail "the job of a slower branch: exit $st, expected a failed job: $(tail -20 "$T/job.log")"
assert_eq "$(json "$T/runner/outcome.json" "[(s['name'], s['exit']) for s in j['steps'] if s['outcome'] != 'success']")" \
	"[('Fail when a benchmark got slower', 3)]" "the failed steps"
base=$(git -C "$REPO" rev-parse main~1)
grep -q "$base" "$T/runner/summary.md" || fail "the summary does not name the merge base: $(head -5 "$T/runner/summary.md")"
grep -q 'slower' "$T/runner/summary.md" || fail "the summary has no slower verdict: $(cat "$T/runner/summary.md")"
[ -f "$T/artifacts/benchfs-tree/runs/000002/result.json" ] || fail "the artifact has no runs: $(ls -R "$T/artifacts" | head)"
[ -L "$T/artifacts/benchfs-tree/latest" ] || fail "the artifact has no latest link"
ok "a slower pull request: the job fails at the gate (exit 3), with the summary and the artifact"

job_store=$(other_store pr_same)
job same
[ "$st" = 0 ] || fail "the job of an unchanged branch: exit $st: $(tail -20 "$T/job.log")"
assert_eq "$(step_outcome 'Fail when a benchmark got slower')" success "the gate"
grep -q 'slower' "$T/runner/summary.md" && grep -q '| slower' "$T/runner/summary.md" \
	&& fail "an unchanged branch is called slower: $(cat "$T/runner/summary.md")"
ok "an unchanged pull request: the job succeeds"

# ---- pushes to main: the measured tree published on gh-pages ----
run_job publish pull_request same
[ "$st" = 0 ] && assert_eq "$(json "$T/runner/outcome.json" 'j["result"]')" skipped \
	"the publish job on a pull request"
run_job benchfs push main
[ "$st" = 0 ] && assert_eq "$(json "$T/runner/outcome.json" 'j["result"]')" skipped \
	"the pull request job on a push"
job_store=$(other_store pages)
pages() { # PATH: a file of the gh-pages branch of the project
	git -C "$REPO" show "gh-pages:$1"
}
run_job publish push main
[ "$st" = 0 ] || fail "the publish job of a push: exit $st: $(tail -20 "$T/job.log")"
first=$(git -C "$REPO" rev-parse main)
pages index.html | grep -q '<html' || fail "gh-pages has no index.html: $(git -C "$REPO" ls-tree --name-only gh-pages | head)"
pages .nojekyll > /dev/null || fail "gh-pages has no .nojekyll"
assert_eq "$(pages runs/000001/status | cut -d" " -f1)" done "the published run's status"
assert_eq "$(json <(pages runs/000001/result.json) 'j["benchfs"]["commit"]')" "$first" \
	"the published run measured the pushed commit"
pages history/sleepy.csv > "$T/h1.csv" || fail "gh-pages has no history/sleepy.csv"
assert_eq "$(wc -l < "$T/h1.csv")" 2 "the history after one push"
commit_prog "main moves on again" '# main again
exec sleep 0.020'
run_job publish push main
[ "$st" = 0 ] || fail "the second publish job: exit $st: $(tail -20 "$T/job.log")"
assert_eq "$(git -C "$REPO" rev-list --count gh-pages)" 2 "one gh-pages commit per push"
pages history/sleepy.csv > "$T/h2.csv"
assert_eq "$(wc -l < "$T/h2.csv")" 3 "the history after two pushes: both commits"
assert_eq "$(tail -1 "$T/h2.csv" | cut -d, -f1)" "$(git -C "$REPO" rev-parse main)" \
	"the newest commit last in the published history"
assert_eq "$(pages runs/000001/status | cut -d" " -f1) $(pages runs/000002/status | cut -d" " -f1)" "done done" \
	"both runs published"
ok "pushes to main: each measured into the store kept on gh-pages, the whole tree published there"
