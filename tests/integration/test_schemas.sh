#!/bin/bash
# The JSON schemas of docs/schemas/ against what benchfs really writes:
# result.json, system.json and config.json of separate runs, of both sides of
# an A/B job (with added rounds), of a run with another configuration and of
# a failed run; compare/<a>..<b>.json of both methods (a benchmark on one
# side only, the same build, a shadowed baseline, three dots); `benchfs
# check --format json` in its compare and regressions forms (with service
# levels); configurations (the example's, those of the other integration
# tests, and samples benchfs accepts or refuses). Each schema must also reject broken documents. Validated with
# python3-jsonschema (Draft 2020-12, format checking off), under every
# python3 here that has it: Debian 12's is 4.10.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCHEMAS="$ROOT/docs/schemas"
ART="$T/art"
mkdir -p "$ART"

# The interpreters to validate with: PATH's python3 and Debian's, when each
# has a jsonschema with Draft 2020-12.
pythons=()
for py in python3 /usr/bin/python3; do
	p=$(command -v "$py" 2> /dev/null) || continue
	case " ${pythons[*]} " in *" $p "*) continue ;; esac
	"$p" -c 'import jsonschema; jsonschema.Draft202012Validator' 2> /dev/null && pythons+=("$p")
done
[ ${#pythons[@]} -gt 0 ] || fail "no python3 with jsonschema (Draft 2020-12): apt-get install python3-jsonschema"

cpus_json='[]'
allowed=$(python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))')
[ "$(echo "$allowed" | wc -w)" -ge 2 ] && cpus_json="[${allowed##* }]"
counted=
if command -v valgrind > /dev/null; then
	counted=',
    {"name": "counted", "command": ["./prog", "count"], "runs": 2, "metrics": ["instructions"]}'
else
	log "SKIP instruction counts: valgrind is not installed"
fi
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "artifacts": ["prog"],
  "warmup": 1, "runs": 3, "timeout": 30,
  "compare": {"alpha": 0.05, "threshold": "auto", "max_pairs": 12},
  "benchmarks": [
    {"name": "fixed", "command": ["./prog"], "slo": {"max": "30 s", "statistic": "median"}},
    {"name": "single", "command": ["./prog"], "runs": 1, "warmup": 0, "cpus": '"$cpus_json"'},
    {"name": "params", "command": "./prog {mode}", "parameters": {"mode": ["plain", 2]}},
    {"name": "adaptive", "command": ["./prog", "fail"], "min_time": 0.02, "min_runs": 2,
     "max_runs": 4, "ignore_failure": true, "randomize_env": true, "output": "discard",
     "setup": "true", "prepare": "true", "conclude": "true", "cleanup": "true"},
    {"name": "stepped", "command": ["./prog", "step"], "runs": 12, "warmup": 0,
     "slo": {"max": 20, "baseline": "rel", "tolerance": 0.9}}'"$counted"'
  ]
}'
# prog: "step" sleeps 30 times longer from iteration 7 on (a step in its
# times), "fail" exits 3, "count" counts to the commit's number (more
# instructions), anything else sleeps for the commit's time.
prog() {
	printf 'case "$1" in\nstep) [ "${BENCHFS_ITERATION:-0}" -gt 6 ] && sleep 0.15 || sleep 0.005 ;;\nfail) sleep 0.002; exit 3 ;;\ncount) i=0; while [ $i -lt %s ]; do i=$((i + 1)); done ;;\n*) sleep %s ;;\nesac' "$2" "$1"
}
commit_prog c1 "$(prog 0.005 10)"
commit_prog c2 "$(prog 0.015 3000)"
commit_prog c2b "$(prog 0.015 3000)" # the same build as c2
commit_prog c3 'exit 1'                # fails
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
c1=$(c 1) c2=$(c 2) c2b=$(c 3) c3=$(c 4)

# Run 000001: measured by `benchfs run` with a configuration of its own,
# whose benchmarks the others mostly lack.
cat > "$T/other.json" <<'EOF'
{"build": "cp prog.sh prog && chmod +x prog", "runs": 2,
 "benchmarks": [{"name": "fixed", "command": ["./prog"]},
                {"name": "only-here", "command": "./prog"}]}
EOF
st=0
"$BENCHFS" run --repo "$REPO" --config "$T/other.json" "$c2" > "$T/out" 2> "$T/err" || st=$?
[ "$st" = 0 ] || fail "benchfs run: exit $st: $(cat "$T/err")"

start_benchfs
printf '%s\n%s\n' "$c1" "$c2" > "$MNT/queue"  # 000002, 000003
echo "$c1..$c2" > "$MNT/queue"                 # 000004, 000005
printf '%s\n%s\n' "$c2b" "$c3" > "$MNT/queue" # 000006, 000007 (fails)
wait_status 000007 '^failed: ' 240
for id in 000002 000003 000004 000005 000006; do wait_status "$id" '^done( |$)' 60; done
# A baseline that a branch of the same name, made later, shadows.
echo "$c1" > "$MNT/baselines/rel"
git -C "$REPO" branch rel "$c2"
ok "7 runs measured (one by benchfs run, an A/B job, one failed)"

for d in "$MNT"/runs/*/; do
	id=$(basename "$d")
	for f in config system result; do
		if [ -e "$d/$f.json" ]; then cp "$d/$f.json" "$ART/$f.$id.json"; fi
	done
done
[ ! -e "$ART/result.000007.json" ] && [ -e "$ART/system.000007.json" ] \
	|| fail "the failed run: $(ls "$MNT/runs/000007" | tr '\n' ' ')"
for name in "$c1..$c2" 000002..000003 000001..000003 000003..000001 000003..000006 "rel..$c2" \
	"$c1...$c2b" \
	$(ls "$MNT/compare" | sed -n 's/\.json$//p'); do
	cp "$MNT/compare/$name.json" "$ART/compare.$(echo "$name" | tr -c 'a-zA-Z0-9.\n-' _).json" \
		|| fail "compare/$name.json"
done

# check --format json: the A/B job both ways, separate runs, a baseline, the
# same build, the regressions file. With instruction counts (c2 counts 300
# times further than c1) the outcome is certain; without, the wall time
# verdicts on a busy machine may go either way.
# From c2 back to c1 only the benchmarks whose work shrank are certain: "stepped"
# and "adaptive" do the same work in both, and at this test's alpha (0.05) a
# false "slower" of one of them is expected now and then, so that direction
# is judged by the changed ones (never regressed) rather than by the exit code.
if [ -n "$counted" ]; then up=3; else up=03; fi
n=0
for args in "$c1..$c2:$up" "$c2..$c1:03" "000002..000003:$up" "--baseline=rel $c2:$up" \
	"000003..000006:0" ":$up"; do
	want=${args##*:} args=${args%:*}
	st=0
	"$BENCHFS" check --repo "$REPO" --format json $args > "$ART/check.$n.json" 2> "$T/err" || st=$?
	case "$want" in *"$st"*) ;; *) fail "check --format json $args: exit $st, expected $want: $(cat "$T/err")" ;; esac
	if [ "$args" = "$c2..$c1" ]; then
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [b["name"] for b in d["compare"]["benchmarks"]
       if b["regressed"] and b["name"].split("[")[0] in ("fixed", "single", "params", "counted")]
sys.exit("regressed although faster: " + " ".join(bad) if bad else 0)' "$ART/check.$n.json" \
			|| fail "check --format json $args judged a faster benchmark regressed"
	fi
	n=$((n + 1))
done
ok "check --format json: A/B both ways, separate runs, a baseline, the same build, the regressions file"

# Configurations: the example's, the one measured, the other integration
# tests' (those that are JSON as written), and samples.
cp "$ROOT/examples/sorter/benchfs.json" "$ART/config-in.example.json"
cp "$REPO/benchfs.json" "$ART/config-in.mounted.json"
cp "$T/other.json" "$ART/config-in.other.json"
python3 - "$ROOT/tests/integration" "$ART" <<'PY' || fail "extracting the tests' configurations"
import glob, json, os, re, sys
n = 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "test_*.sh"))):
    for k, m in enumerate(re.finditer(r"make_repo '(\{.*?\})'\n", open(path).read(), re.S)):
        try:
            config = json.loads(m.group(1))
        except ValueError:
            continue  # built with shell variables
        name = os.path.basename(path)[5:-3]
        json.dump(config, open(os.path.join(sys.argv[2], f"config-in.test-{name}-{k}.json"), "w"))
        n += 1
if n < 10:
    sys.exit(f"only {n} configurations found in the tests")
PY
cpu=${allowed%% *}
# Accepted: every key, nulls and empties unsetting defaults, parameters at
# both levels, an adaptive count inherited and overridden.
cat > "$ART/config-in.sample-full.json" <<EOF
{"build": null, "warmup": 2, "min_time": 0.5, "max_runs": 50, "timeout": 1.5,
 "setup": "true", "prepare": "true {n}", "conclude": "", "cleanup": null,
 "parameters": {"n": [1, "2x"], "size_2": ["k"]}, "output": "log",
 "ignore_failure": false, "randomize_env": true, "cpus": [$cpu],
 "profile": {"perf": true, "frequency": 4000}, "metrics": ["instructions"],
 "slo": {"max": "12ms"},
 "compare": {"alpha": 0.5, "threshold": 0, "max_pairs": 2, "confirm": true},
 "branch": "refs/heads/main", "artifacts": ["prog", "lib/*.so"],
 "benchmarks": [
  {"name": "a", "command": ["./prog", "{n}"]},
  {"name": "b.x-1_~", "command": "./prog", "runs": 100000, "parameters": null,
   "cpus": [], "metrics": [], "profile": null, "prepare": null},
  {"name": "c", "command": ["./prog"], "parameters": {}, "min_runs": 1, "cpus": null,
   "metrics": null, "setup": "", "warmup": 0, "timeout": 86400,
   "slo": {"max": "1.5e2 µs", "statistic": "mean", "baseline": "v1.0_rc-2", "tolerance": 0.05}},
  {"name": "d", "command": ["./prog"], "slo": null},
  {"name": "e", "command": ["./prog"], "slo": {"max": 0.25, "statistic": "median"}},
  {"name": "f", "command": ["./prog"], "slo": {"baseline": "run-x", "tolerance": 0}},
  {"name": "g", "command": ["./prog"],
   "slo": {"metrics": {"throughput": {"min": 100}, "memory": {"max": 5e8, "min": 1}}}}
 ]}
EOF
cat > "$ART/config-in.sample-min.json" <<'EOF'
{"compare": null, "branch": null, "artifacts": null, "build": "",
 "benchmarks": [{"name": "x", "command": "true"}]}
EOF

# Refused by benchfs, and so by the schema: one mistake each.
bad=(
	'{"benchmarks": [{"name": "x", "command": "true", "runz": 3}]}'
	'{"benchmarks": [{"name": "x", "command": "true"}], "runs": 0}'
	'{"benchmarks": [{"name": "x", "command": "true", "runs": 5, "min_time": 1}]}'
	'{"benchmarks": [{"name": "x", "command": "true"}], "compare": {"threshold": "manual"}}'
	'{"benchmarks": [{"name": "x", "command": "true"}], "compare": {"max_pairs": 1}}'
	'{"benchmarks": [{"name": "x", "command": "true"}], "compare": {"alpha": 0.6}}'
	'{"benchmarks": [{"name": "x", "command": "true", "output": "stdout"}]}'
	'{"benchmarks": [{"name": "a/b", "command": "true"}]}'
	'{"benchmarks": [{"name": ".x", "command": "true"}]}'
	'{"benchmarks": [{"name": "x", "command": []}]}'
	'{"benchmarks": [{"name": "x", "command": ["", "y"]}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "build": "make"}]}'
	'{"benchmarks": []}'
	'{"build": "make"}'
	'{"benchmarks": [{"name": "x", "command": "true", "parameters": {"1x": [1]}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "parameters": {"n": ["a,b"]}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "parameters": {"n": ["a", "a"]}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "metrics": ["cycles"]}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "profile": {"perf": "yes"}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "cpus": [-1]}]}'
	'{"benchmarks": [{"name": "x", "command": "true"}], "artifacts": ["lib/../../x"]}'
	'{"benchmarks": [{"name": "x", "command": "true"}], "branch": "my branch"}'
	'{"benchmarks": [{"name": "x", "command": "true"}], "warmup": 1.5}'
	'{"benchmarks": [{"name": "x", "command": "true"}], "timeout": 0}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"min": 1}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"max": "12 parsecs"}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"max": "12"}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"max": -1}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"tolerance": 0.1}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"baseline": "rel"}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"baseline": "latest", "tolerance": 0.1}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"baseline": "run-3", "tolerance": 0.1}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"max": 1, "statistic": "p99"}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"statistic": "median"}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"metrics": {"memory": {}}}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"metrics": {"wall": {"max": 1}}}}]}'
	'{"benchmarks": [{"name": "x", "command": "true", "slo": {"metrics": {"cpu": {"max": 0}}}}]}'
)
for i in "${!bad[@]}"; do
	printf '%s\n' "${bad[$i]}" > "$ART/config-bad.$i.json"
done
# benchfs's own verdict on the samples: it accepts the good ones and refuses
# each bad one as a configuration error (exit 2).
for f in "$ART"/config-in.sample-*.json "$ART"/config-bad.*.json; do
	st=0
	"$BENCHFS" regressions --repo "$REPO" --config "$f" > /dev/null 2> "$T/err" || st=$?
	case "$f:$st" in
	*/config-in.*:0) ;;
	*/config-bad.*:2) grep -q 'configuration' "$T/err" || fail "$(basename "$f"): $(cat "$T/err")" ;;
	*) fail "benchfs on $(basename "$f") ($(cat "$f")): exit $st: $(cat "$T/err")" ;;
	esac
done
ok "benchfs accepts the sample configurations and refuses ${#bad[@]} broken ones"

# Broken documents, one mistake each, made from the real ones: every schema
# must reject each (the schema name, the document, a Python statement on d).
cat > "$T/broken" <<'EOF'
result	result.000004.json	del d["results"][0]["mean"]
result	result.000004.json	d["results"][0]["outliers"]["slow_first"] = "no"
result	result.000004.json	d["results"][0]["exit_codes"][0] = None
result	result.000004.json	d["results"][0]["surprise"] = 1
result	result.000004.json	d["results"][0]["rounds"] = 2; d["results"][0].pop("sequential_level", None)
result	result.000002.json	d["benchfs"]["run"] = "2"
system	system.000001.json	d["cores"] = "2"
system	system.000007.json	del d["hostname"]
compare	compare.run-4..run-5.json	d["benchmarks"][0]["verdict"] = "maybe"
compare	compare.run-4..run-5.json	del d["a"]["commit"]
compare	compare.run-4..run-5.json	d["benchmarks"][0]["runs_a"] = 3
compare	compare.000002..000003.json	d["method"] = "paired"
compare	compare.000002..000003.json	d["summary"]["same_build"] = -1
compare	compare.000001..000003.json	d["benchmarks"][0]["only_in"] = "c"
check	check.0.json	d["compare"]["benchmarks"][0]["verdict"] = "maybe"
check	check.0.json	del d["status"]
check	check.1.json	d["exit_code"] = 3 if d["exit_code"] == 0 else 0
check	check.1.json	d["compare"]["benchmarks"][0]["regressed"] = True; d["status"] = "ok"; d["exit_code"] = 0
check	check.5.json	d["regressions"] = ["not a line"]
config	config-in.mounted.json	d["benchmarks"][0]["runs"] = 0
config	config-in.example.json	d["surprise"] = True
run-config	config.000004.json	del d["configuration"]["timeout"]
run-config	config.000004.json	d["commit"] = d["commit"][:12]
run-config	config.000005.json	d["configuration"]["benchmarks"][0]["min_time"] = 1.0
run-config	config.000001.json	d["configuration"]["benchmarks"][0]["parameters"] = {"n": ["1", "2"]}
run-config	config.000002.json	d["configuration"]["benchmarks"][0]["slo"] = {"max": "30 s", "statistic": "median"}
config	config-in.sample-full.json	d["slo"]["statistic"] = "p99"
compare	compare.000003..000006.json	d["a"]["merge_base"] = True
compare	compare.run-4..run-5.json	d["a"]["runs"] = [4]
compare	compare.run-4..run-5.json	d["summary"]["geomean_ci"] = [0, None]
compare	compare.run-4..run-5.json	d["summary"]["geomean_ci"] = None
compare	compare.run-4..run-5.json	d["summary"]["geomean_ci_reason"] = "none"
compare	compare.000003..000006.json	d["b"]["merge_base"] = True; d["b"]["merge_base_with"] = "main"
EOF

# Shapes the documents must include, so that the schemas are tried on each
# (the schema name, what, a Python expression true of at least one d).
cat > "$T/shapes" <<'EOF'
result	a side of an A/B job	"interleaved_with" in d["benchfs"] and any("rounds" in r for r in d["results"])
result	parameters, a shell calibration	any("parameters" in r and r["shell_spawning"] for r in d["results"])
result	an adaptive count, env_offsets, exit codes 3	any("adaptive" in r and "env_offsets" in r and 3 in r["exit_codes"] for r in d["results"])
result	a single iteration (stddev null)	any(r["stddev"] is None for r in d["results"])
result	a step in the times	any(r["unstable"] for r in d["results"])
run-config	a failed run's	d["run"] == "000007"
run-config	parameters expanded	any(b["parameters"] for b in d["configuration"]["benchmarks"])
run-config	an adaptive count	any("min_time" in b for b in d["configuration"]["benchmarks"])
run-config	service levels	any(b["slo"] and "max" in b["slo"] and "baseline" in b["slo"] for b in d["configuration"]["benchmarks"])
compare	method paired	d["method"] == "paired"
compare	method runs	d["method"] == "runs"
compare	a benchmark on one side only	any(b["only_in"] for b in d["benchmarks"])
compare	the same build	d["same_build"] and d["summary"]["same_build"] > 0
compare	a shadowed baseline	d["a"]["shadowed_commit"] is not None
compare	three dots (a merge base)	d["a"]["merge_base"] and d["a"]["merge_base_with"]
check	the compare form	"compare" in d
check	the regressions form	"regressions" in d
EOF
# check judges the configuration's service levels where it can.
if "$BENCHFS" help 2>&1 | grep -q 'service level'; then
	printf 'check\tservice levels, a ceiling and a band\t%s\n' \
		'{s["kind"] for s in d.get("slo", [])} == {"max", "band"}' >> "$T/shapes"
	printf 'check\tcheck.0.json\t%s\n' 'd["slo"][0]["breached"] = not d["slo"][0]["breached"]' \
		'd["slo"][-1]["max"] = 1' 'del d["slo_rev"]' >> "$T/broken"
fi
if [ -n "$counted" ]; then
	cat >> "$T/shapes" <<'EOF'
result	an instruction count	any(isinstance(r["instructions"], int) for r in d["results"])
compare	instruction counts of both sides	any(b["instructions"] and b["instructions"]["verdict"] for b in d["benchmarks"])
check	an instruction count step	any(l.split("\t")[1].endswith(":instructions") for l in d.get("regressions", []))
check	a regression	d["status"] == "regressed"
EOF
fi

# Numbers as a person writes them, in every JSON benchfs wrote here: the
# fewest digits that read back (trailing zeros of a fixed precision aside),
# no exponent between 1e-7 and 1e21 (never 3e+01 for 30, nor
# 14.826000000000001), system.json and its copy in result.json included.
python3 - "$ART" <<'PY' > "$T/numbers.out" 2>&1 || fail "numbers: $(cat "$T/numbers.out")"
import glob, json, os, re, sys
class Raw(str):
    pass
def digits(text):
    """The significant digits of a decimal text."""
    mant = re.split("[eE]", text.lstrip("-"))[0]
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return mant.replace(".", "").strip("0")
bad = []
def walk(v, where):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, f"{where}/{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, f"{where}/{i}")
    elif isinstance(v, Raw):
        f = float(v)
        if re.search("[eE]", v) and 1e-7 <= abs(f) < 1e21:
            bad.append(f"{where}: {v} has an exponent")
        elif digits(v) != digits(repr(f)):
            bad.append(f"{where}: {v} is not the shortest text of {f!r}")
n = 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(path)
    if name.startswith(("config-in.", "config-bad.")):
        continue
    walk(json.load(open(path), parse_float=Raw), name)
    n += 1
print("\n".join(bad[:20]) if bad else f"{n} documents")
sys.exit(1 if bad else 0)
PY
ok "numbers in the JSON benchfs writes: shortest, no exponents ($(cat "$T/numbers.out"))"

cat > "$T/validate.py" <<'EOF'
import copy, glob, importlib.metadata, json, os, sys
import jsonschema
from jsonschema import Draft202012Validator

schemas_dir, art, broken, shapes = sys.argv[1:5]
schemas = {}
for name in ("result", "system", "compare", "check", "config", "run-config"):
    schema = json.load(open(os.path.join(schemas_dir, name + ".schema.json")))
    Draft202012Validator.check_schema(schema)
    schemas[name] = schema
# The definitions two schemas share are written out in both: identical.
for a, b, keys in (("system", "result", ["host"]),
                   ("config", "run-config", list(schemas["config"]["$defs"]))):
    for k in keys:
        if schemas[a]["$defs"][k] != schemas[b]["$defs"][k]:
            sys.exit(f"$defs/{k} differs between {a} and {b}.schema.json")

def schema_of(name):
    if name.startswith("config-in.") or name.startswith("config-bad."):
        return "config"
    if name.startswith("config."):
        return "run-config"
    return name.split(".")[0]

docs = {}
for path in sorted(glob.glob(os.path.join(art, "*.json"))):
    name = os.path.basename(path)
    docs[name] = (schema_of(name), json.load(open(path)))

def errors(schema, doc):
    return list(Draft202012Validator(schemas[schema]).iter_errors(doc))

failed = 0
counts = {}
for name, (schema, doc) in docs.items():
    errs = errors(schema, doc)
    # jsonschema.validate too, the one call most users make
    try:
        jsonschema.validate(doc, schemas[schema], cls=Draft202012Validator)
        valid = True
    except jsonschema.ValidationError:
        valid = False
    assert valid == (not errs)
    if name.startswith("config-bad."):
        if valid:
            print(f"FAIL: {name} accepted by {schema}.schema.json: {json.dumps(doc)}")
            failed += 1
    elif not valid:
        for e in errs[:3]:
            print(f"FAIL: {name} against {schema}.schema.json: at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
        failed += 1
    counts[schema] = counts.get(schema, 0) + 1
for line in open(broken):
    schema, name, statement = line.rstrip("\n").split("\t")
    d = copy.deepcopy(docs[name][1])
    exec(statement, {"d": d})
    if not errors(schema, d):
        print(f"FAIL: {schema}.schema.json accepts {name} after {statement}")
        failed += 1
    counts["broken"] = counts.get("broken", 0) + 1
for line in open(shapes):
    schema, what, expr = line.rstrip("\n").split("\t")
    if not any(eval(expr, {"d": doc}) for s, doc in docs.values() if s == schema):
        print(f"FAIL: no {schema} document has {what}")
        failed += 1
print(f"# jsonschema {importlib.metadata.version('jsonschema')}: "
      + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
sys.exit(1 if failed else 0)
EOF
for py in "${pythons[@]}"; do
	"$py" -W ignore "$T/validate.py" "$SCHEMAS" "$ART" "$T/broken" "$T/shapes" > "$T/validate.out" 2>&1 \
		|| fail "validation with $py: $(cat "$T/validate.out")"
	ok "validated with $py: $(tail -1 "$T/validate.out" | sed 's/^# //')"
done
