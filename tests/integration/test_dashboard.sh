#!/bin/bash
# index.html, the dashboard, loaded by headless Chromium (Debian's chromium)
# through the DevTools protocol (chromium_page.py): through the mount and in
# a `benchfs run --out` tree, it renders (a screenshot that is not blank),
# logs nothing to the console, its filter works (and without script every
# row shows), a measured benchmark's metrics are drawn, and every relative link
# resolves to a file of the tree it is in. Its content follows the store:
# the open regression, the queue as runs are queued and finish. The tree's
# page is byte-identical to the mount's over the same data directory. And
# the console check fails on a page with a planted error.
. "$(dirname "$0")/lib.sh"

command -v chromium > /dev/null || { echo "1..0 # SKIP chromium is not installed"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)

# page URL ARGS...: chromium_page.py's report on URL in $T/page.json.
page() {
	python3 "$here/chromium_page.py" "$@" > "$T/page.json" ||
		fail "chromium could not load $1: $(cat "$T/page.json")"
}

# links DIR: every relative link of DIR/index.html that names no file under DIR.
links() {
	python3 - "$1" <<'PY'
import html.parser, os, sys, urllib.parse
root = sys.argv[1]
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.hrefs.append(v)
p = P()
p.feed(open(os.path.join(root, "index.html"), encoding="utf-8").read())
for h in p.hrefs:
    u = urllib.parse.urlsplit(h)
    if u.scheme == "data" or h.startswith("#"):
        continue
    if u.scheme or u.netloc or h.startswith("/"):
        print("not relative:", h)
        continue
    path = os.path.normpath(os.path.join(root, urllib.parse.unquote(u.path)))
    if not path.startswith(root) or not os.path.lexists(path):
        print("missing:", h)
print("links:", len(p.hrefs), file=sys.stderr)
PY
}

make_repo '{"build": "sleep 2; cp prog.sh prog && chmod +x prog", "runs": 2, "warmup": 0,
	"benchmarks": [{"name": "live", "command": "./prog"}]}'
for i in $(seq 1 16); do
	commit_prog "c$i" 'true'
done
git -C "$REPO" tag v1 HEAD~15
git -C "$REPO" rev-list --reverse main > "$T/commits"
D="$T/data"

# A history without measuring: hyperfine results of six benchmarks per
# commit, sort-2k 50% slower from the ninth commit on, parse-xml's peak
# memory twice as large from then on (its time unchanged), imported.
python3 - "$T" "$T/commits" <<'PY'
import json, random, sys
rnd = random.Random(7)
names = ["parse-json", "parse-xml", "sort-2k", "sort-10k", "startup", "esc<&\"'x"]
for i, _ in enumerate(open(sys.argv[2]).read().split()):
    results = []
    for j, name in enumerate(names):
        base = 0.010 * (1 + j / 10) * (1.5 if name == "sort-2k" and i >= 8 else 1)
        times = [base * (1 + 0.003 * rnd.gauss(0, 1)) for _ in range(10)]
        mem = 8 * 2**20 * (2 if name == "parse-xml" and i >= 8 else 1)
        memory = [int(mem * (1 + 0.001 * rnd.gauss(0, 1))) for _ in range(10)]
        results.append({"command": name, "times": times, "exit_codes": [0] * 10,
                         "memory_usage_byte": memory})
    json.dump({"results": results}, open(f"{sys.argv[1]}/h{i + 1}.json", "w"))
PY
i=0
while read -r c; do
	i=$((i + 1))
	bf import --repo "$REPO" --data "$D" --commit "$c" "$T/h$i.json"
	expect_status 0 "import h$i.json"
done < "$T/commits"
c8=$(sed -n 8p "$T/commits")
c9=$(sed -n 9p "$T/commits")

start_benchfs --data "$D"
ls "$MNT" | grep -qx index.html || fail "the root does not list index.html: $(ls "$MNT")"
assert_eq "$(stat -c %s "$MNT/index.html")" "$(wc -c < "$MNT/index.html")" "index.html's size"
assert_eq "$(cut -f1,2 "$MNT/regressions" | sort)" "$c9	parse-xml:memory
$c9	sort-2k" "regressions"
grep -q 'Open regressions <span class="n">2</span>' "$MNT/index.html" ||
	fail "index.html does not show the open regressions"
# The compare file it links to is the pair compare/ lists, and reads.
# A hash's first digits may all be decimal: benchfs lengthens such a name.
short8=$(short_name "$c8")
short9=$(short_name "$c9")
grep -q "href=\"compare/$short8..$short9.md\"" "$MNT/index.html" ||
	fail "no link to compare/$short8..$short9.md: $(grep -o 'href="compare/[^"]*"' "$MNT/index.html")"
ls "$MNT/compare" | grep -qx "$short8..$short9.md" || fail "compare/ does not list $short8..$short9.md"
grep -q 'href="history/esc%3C%26%22%27x.svg"' "$MNT/index.html" || fail "the escaped name's link"
grep -q '>esc&lt;&amp;&quot;&#39;x</a>' "$MNT/index.html" || fail "the escaped name's text"
# The memory step: before and after in its unit (not read as seconds), its
# row badged, the row's memory marked, no other row's.
grep -q '>parse-xml:memory</a></td><td class="num">8\.0 MiB</td><td class="num">16\.0 MiB</td>' \
	"$MNT/index.html" ||
	fail "the memory regression's figures: $(grep -o '>parse-xml:memory</a>.\{0,80\}' "$MNT/index.html")"
grep -q 'data-name="parse-xml">.*class="badge">regression<' "$MNT/index.html" ||
	fail "parse-xml's row has no regression badge"
assert_eq "$(grep -o 'href="history/[^"]*" title="memory per commit; newest 16\.0 MiB, [^"]*; an open regression">' \
	"$MNT/index.html" | cut -d'"' -f2)" "history/parse-xml%3Amemory.svg" \
	"the metric links marked as an open regression"
assert_eq "$(links "$MNT" 2> /dev/null)" "" "links of the mount's index.html that name no file"
ok "index.html is in the root, sized true, shows the regressions (a metric's in its unit); its links resolve"

page "file://$MNT/index.html" --screenshot "$T/shot.png" --filter sort
assert_eq "$(json "$T/page.json" 'j["errors"]')" "[]" "console errors of the mount's index.html"
assert_eq "$(json "$T/page.json" '(j["rows"], j["filter_shown"], j["visible"])')" "(6, True, 2)" \
	"rows, the filter shown, rows left when filtering 'sort'"
assert_eq "$(json "$T/page.json" 'j["title"]')" "benchfs: main" "the page's title"
assert_eq "$(json "$T/page.json" 'j["bad_metrics"]')" \
	"[['history/parse-xml%3Amemory.svg', '600', 'rgb(207, 34, 46)']]" \
	"the metrics drawn as worse: the regressed one, bold red"
[ -s "$T/shot.png" ] || fail "no screenshot"
json "$T/page.json" 'j["png_colours"] > 16 and j["png_ink"] > 0.01' | grep -qx True ||
	fail "the screenshot looks blank: $(json "$T/page.json" '(j["png_colours"], j["png_ink"])')"
log "rendered in $(json "$T/page.json" 'round(j["rendered"])') ms after navigation"
ok "headless chromium renders the mount's index.html: no console error, a screenshot, the filter works"

# Without script: every row shown, the filter box (useless then) hidden.
page "file://$MNT/index.html" --no-script
assert_eq "$(json "$T/page.json" '(j["errors"], j["rows"], j["shown"], j["filter_shown"])')" \
	"([], 6, 6, False)" "errors, rows, rows shown and the filter without script"
ok "without script the page shows every benchmark"

# The check sees errors: the same page with a planted one in its script.
sed 's/box.hidden=false;/box.hidden=false;noSuchFunction();/' "$MNT/index.html" > "$T/planted.html"
cmp -s "$T/planted.html" "$MNT/index.html" && fail "the error was not planted"
page "file://$T/planted.html"
json "$T/page.json" 'j["errors"]' | grep -q 'noSuchFunction' ||
	fail "a planted error went unseen: $(cat "$T/page.json")"
ok "the console check reports a planted error"

# The queue and the runs: a new version as soon as jobs are queued, and
# again when they finish.
before=$(stat -c %i "$MNT/index.html")
printf 'HEAD\nHEAD~1\n' > "$MNT/queue"
grep -q 'id="queue">Queue <span class="n">2</span>' "$MNT/index.html" ||
	fail "the queue in index.html: $(grep -A4 'id="queue"' "$MNT/index.html")"
[ "$(stat -c %i "$MNT/index.html")" != "$before" ] || fail "the same inode after queueing"
grep -q 'href="runs/000018/"' "$MNT/index.html" || fail "the queued run is not listed"
wait_status 000018 '^done' 120
grep -q 'id="queue">Queue <span class="n">0</span>' "$MNT/index.html" || fail "the queue after the runs"
grep 'href="runs/000018/"' "$MNT/index.html" | grep -q 'class="status">done' ||
	fail "run 000018 is not shown done: $(grep -A3 'href="runs/000018/"' "$MNT/index.html")"
grep -q 'data-name="live"' "$MNT/index.html" || fail "the measured benchmark has no row"
ok "index.html follows the queue and the runs as they finish"

# The measured benchmark's metrics: a small sparkline each, drawn, linking
# to its history/<bench>:<metric>.svg, which the mount has.
page "file://$MNT/index.html"
assert_eq "$(json "$T/page.json" '(j["errors"], [h for h in j["metric_links"] if "live" in h])')" \
	"([], ['history/live%3Acpu.svg', 'history/live%3Amemory.svg'])" \
	"console errors and the live benchmark's metric links"
json "$T/page.json" 'j["metrics"] >= 2 and j["metrics"] == len(j["metric_links"])' | grep -qx True ||
	fail "metric sparklines drawn: $(json "$T/page.json" '(j["metrics"], j["metric_links"])')"
grep -q 'title="cpu per commit; newest [0-9.]* [µm]*s' "$MNT/index.html" ||
	fail "no newest cpu mean in the link's title: $(grep -o 'title="cpu[^"]*"' "$MNT/index.html")"
assert_eq "$(links "$MNT" 2> /dev/null)" "" "links of index.html with metrics that name no file"
ok "each benchmark's metrics: a small sparkline each, drawn by chromium, its plot linked"
stop_daemon

# A run --out tree: its page works where it is, and is the mount's.
bf run --repo "$REPO" --data "$D" --out "$T/tree" HEAD~2
expect_status 0 "run --out"
[ -f "$T/tree/index.html" ] || fail "the tree has no index.html"
assert_eq "$(links "$T/tree" 2> /dev/null)" "" "links of the tree's index.html that name no file"
page "file://$T/tree/index.html" --screenshot "$T/tree-shot.png"
assert_eq "$(json "$T/page.json" '(j["errors"], j["rows"])')" "([], 7)" \
	"console errors and rows of the tree's index.html"
json "$T/page.json" 'j["png_colours"] > 16 and j["png_ink"] > 0.01' | grep -qx True ||
	fail "the tree's screenshot looks blank"
start_benchfs --data "$D"
cmp "$T/tree/index.html" "$MNT/index.html" > /dev/null ||
	fail "the tree's index.html differs from the mount's: $(diff "$T/tree/index.html" "$MNT/index.html" | head -10)"
ok "a run --out tree's index.html renders, its links resolve in the tree, and it is the mount's"
