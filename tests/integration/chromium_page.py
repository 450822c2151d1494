#!/usr/bin/env python3
"""Load a page in headless Chromium and report on it, through the DevTools
protocol over a pipe (--remote-debugging-pipe: no port, no websocket module).

    chromium_page.py URL [--screenshot PNG] [--filter TEXT] [--no-script] [--timeout S]

Prints one JSON object: "errors" (every console message, uncaught exception
and browser log entry of level warning or error the page caused: a page that
is meant to log nothing logs nothing), the page's own timings in ms
("fcp": first contentful paint, "load": the load event's end, "rendered": the
first animation frame after load, all from navigation start), "rows" and
"visible" (rows with data-name, and those shown after typing --filter's TEXT
into the #filter box), "filter_shown" (whether the script showed the box),
"shown" (rows shown before any filter), "metrics" (the benchmarks' metrics'
small sparklines laid out with a width), "metric_links" (their links) and
"bad_metrics" (for each metric whose value is marked worse: its link, the
value's computed font weight and colour),
"title", and of the screenshot "png_bytes", "png_colours" (distinct colours)
and "png_ink" (the share of pixels not of the most common colour). Exit status 0 when the page loaded, 1 otherwise.
CHROMIUM names the browser (default: chromium); run as root it needs
--no-sandbox, which is always passed (the page is ours).
"""
import argparse
import base64
import json
import os
import select
import struct
import subprocess
import sys
import time
import zlib


class Browser:
    def __init__(self, exe, timeout):
        self.timeout = timeout
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            # The protocol's fds: the browser reads 3, writes 4.
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--remote-debugging-pipe", "--window-size=1200,900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the browser")
            ready, _, _ = select.select([self.from_child], [], [], left)
            if ready:
                chunk = os.read(self.from_child, 65536)
                if not chunk:
                    raise EOFError("the browser closed its pipe")
                self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None):
        want = self.send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self.read_message(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method, deadline):
        for i, msg in enumerate(self.events):
            if msg["method"] == method:
                return self.events.pop(i)
        while True:
            msg = self.read_message(deadline)
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_child)
        os.close(self.from_child)


def png_stats(path):
    """Distinct colours and the share of pixels that differ from the most
    common one, of an 8-bit RGB or RGBA PNG (unfiltered here: no PIL)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif typ == b"IDAT":
            idat += body
    if depth != 8 or ctype not in (2, 6):
        raise ValueError(f"PNG of depth {depth}, colour type {ctype}")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, counts = bytearray(stride), {}
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f != 0:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1:
                    line[x] = (line[x] + a) & 255
                elif f == 3:
                    line[x] = (line[x] + ((a + b) >> 1)) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        row = bytes(line)
        for x in range(0, stride, bpp):
            px = row[x:x + bpp]
            counts[px] = counts.get(px, 0) + 1
    top = max(counts.values())
    return len(counts), 1 - top / (w * h)


# After load: the timings, then the filter typed in, as a user would.
PROBE = """(async () => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByType("paint")
    .filter(e => e.name === "first-contentful-paint")[0];
  const rendered = NO_SCRIPT ? null :
    await new Promise(r => requestAnimationFrame(() => r(performance.now())));
  const box = document.getElementById("filter");
  const rows = document.querySelectorAll("tr[data-name]");
  const out = {load: nav ? nav.loadEventEnd : null, fcp: paint ? paint.startTime : null,
               rendered: rendered, rows: rows.length, title: document.title,
               filter_shown: !!box && !box.hidden, visible: null};
  out.shown = Array.from(rows).filter(r => r.offsetParent !== null).length;
  // The metrics' small sparklines laid out with a size, and their links.
  out.metrics = Array.from(document.querySelectorAll("td.metrics svg.mini"))
    .filter(e => e.getBoundingClientRect().width > 0).length;
  out.metric_links = Array.from(document.querySelectorAll("td.metrics a"))
    .map(a => a.getAttribute("href"));
  out.bad_metrics = Array.from(document.querySelectorAll("td.metrics a span.bad"))
    .map(e => [e.closest("a").getAttribute("href"), getComputedStyle(e).fontWeight,
               getComputedStyle(e).color]);
  if (box && FILTER !== null) {
    box.value = FILTER;
    box.dispatchEvent(new Event("input"));
    out.visible = Array.from(rows).filter(r => r.offsetParent !== null).length;
  }
  return JSON.stringify(out);
})()"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--screenshot")
    ap.add_argument("--filter")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--no-script", action="store_true",
                    help="the page's own scripts disabled (the report still comes)")
    args = ap.parse_args()
    b = Browser(os.environ.get("CHROMIUM", "chromium"), args.timeout)
    report = {"errors": []}
    try:
        page = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = b.call("Target.attachToTarget", {"targetId": page, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            b.call(domain + ".enable", session=s)
        if args.no_script:
            b.call("Emulation.setScriptExecutionDisabled", {"value": True}, session=s)
        b.events.clear()  # about:blank's, if any
        nav = b.call("Page.navigate", {"url": args.url}, session=s)
        if nav.get("errorText"):
            report["errors"].append("navigate: " + nav["errorText"])
        b.wait_event("Page.loadEventFired", time.monotonic() + args.timeout)
        probe = PROBE.replace("FILTER", json.dumps(args.filter)).replace(
            "NO_SCRIPT", json.dumps(args.no_script))
        got = b.call("Runtime.evaluate", {"expression": probe, "awaitPromise": True,
                                          "returnByValue": True}, session=s)
        if "exceptionDetails" in got:
            raise RuntimeError("probe: " + json.dumps(got["exceptionDetails"]))
        report.update(json.loads(got["result"]["value"]))
        if args.screenshot:
            shot = b.call("Page.captureScreenshot", {"format": "png"}, session=s)
            data = base64.b64decode(shot["data"])
            with open(args.screenshot, "wb") as f:
                f.write(data)
            report["png_bytes"] = len(data)
            report["png_colours"], report["png_ink"] = png_stats(args.screenshot)
        # Whatever arrived meanwhile, and a moment for late ones.
        deadline = time.monotonic() + 0.3
        try:
            while True:
                msg = b.read_message(deadline)
                if "method" in msg:
                    b.events.append(msg)
        except TimeoutError:
            pass
        for ev in b.events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                report["errors"].append("exception: " + d.get("exception", {}).get(
                    "description", d.get("text", "?")))
            elif ev["method"] == "Runtime.consoleAPICalled":
                texts = [str(a.get("value", a.get("description", ""))) for a in p.get("args", [])]
                report["errors"].append(f"console.{p.get('type')}: " + " ".join(texts))
            elif ev["method"] == "Log.entryAdded":
                e = p.get("entry", {})
                if e.get("level") in ("warning", "error"):
                    report["errors"].append(f"log {e.get('level')}: {e.get('text')}")
    except Exception as e:
        report["errors"].append(f"{type(e).__name__}: {e}")
        print(json.dumps(report))
        b.close()
        return 1
    b.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
