#!/usr/bin/env python3
"""`ptcheck run/explain --html` on a known failure, checked in structure and in headless Chromium.

usage: html_timeline_test.py PTCHECK WORKDIR BROKEN_LIB SCRIPT.ops ORACLE
       html_timeline_test.py --prove PTCHECK WORKDIR BROKEN_LIB OBLIGATION ORACLE
Draws SCRIPT.ops failing on BROKEN_LIB with ORACLE (run, and explain --minimize), checks the page
(self-contained, SVG timeline with lanes, the failing step marked with the oracle and signature, the
script's lines beside it), then takes a screenshot with `chromium --headless` and checks that the PNG
is a real rendering: PNG signature, a non-trivial size, and the page's colours in its pixels (the
header, the lane headings of the SVG). Fails, never skips, when chromium is missing.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
import xml.etree.ElementTree as ET


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd, want_rc):
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout[-4000:])
    if p.returncode != want_rc:
        fail("exit status %d, want %d" % (p.returncode, want_rc))
    return p.stdout


def check_page(path, script_lines, oracle, failing_line):
    with open(path, encoding="utf-8") as f:
        page = f.read()
    # Self-contained: no script, no external asset.
    for bad in ["<script", "src=", "href=\"http", "href='http", "@import", "url("]:
        if bad in page:
            fail("%s: the page refers to something outside it (%r)" % (path, bad))
    m = re.search(r"<svg .*?</svg>", page, re.S)
    if not m:
        fail("%s: no inline SVG" % path)
    svg = ET.fromstring(m.group(0))  # the SVG is well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    groups = [g for g in svg.iter(ns + "g") if "event" in (g.get("class") or "").split()]
    if len(groups) < 5:
        fail("%s: %d events drawn" % (path, len(groups)))
    lanes = {c for g in groups for c in g.get("class").split() if c.startswith("lane-")}
    for lane in ["lane-cpu", "lane-device", "lane-oracle"]:
        if lane not in lanes:
            fail("%s: no event in %s (lanes drawn: %s)" % (path, lane, sorted(lanes)))
    failing = [g for g in groups if "failing" in g.get("class").split()]
    if len(failing) != 1:
        fail("%s: %d failing steps marked, want 1" % (path, len(failing)))
    text = "".join(failing[0].itertext())
    if oracle not in text:
        fail("%s: the failing step does not name %s: %r" % (path, oracle, text[:200]))
    if failing_line and failing[0].get("data-line") != str(failing_line):
        fail("%s: the failing step is on line %s, want %s" % (path, failing[0].get("data-line"), failing_line))
    # Each step's tooltip shows the caches after it.
    titles = [g.find(ns + "title") for g in groups]
    if any(t is None or "IOTLB after it" not in t.text or "walk cache after it" not in t.text for t in titles):
        fail("%s: a step without its IOTLB / walk-cache tooltip" % path)
    if not any(g.get("class").find("kind-walk") >= 0 for g in groups):
        fail("%s: no device walk drawn" % path)
    # The signature, and the script beside the timeline with the failing line marked.
    if not re.search(r'id="signature">%s:' % re.escape(oracle), page):
        fail("%s: no signature %s:... in the header" % (path, oracle))
    for line in script_lines:
        esc = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;")
        if esc.strip() and esc not in page:
            fail("%s: the script line %r is not shown" % (path, line))
    fl = re.search(r'<span class="ln fail" id="line-(\d+)">', page)
    if not fl:
        fail("%s: no script line marked as failing" % path)
    if failing_line and fl.group(1) != str(failing_line):
        fail("%s: script line %s marked failing, want %s" % (path, fl.group(1), failing_line))
    if 'id="failing-step"' not in page or "IOTLB" not in page:
        fail("%s: no panel for the failing step" % path)
    return page


def png_pixels(path):
    """Decodes an 8-bit RGB/RGBA PNG (what Chromium writes) into rows of pixel tuples."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("%s: no PNG signature" % path)
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                fail("%s: PNG depth %d colour type %d interlace %d: not what this decoder reads" % (path, depth, ctype,
                                                                                                   interlace))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def check_screenshot(html, png):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        fail("chromium is not installed (tools/install-deps.sh installs Debian's chromium)")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--screenshot=" + png,
           "--window-size=1400,900", "file://" + os.path.abspath(html)]
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    if not os.path.isfile(png):
        fail("chromium wrote no screenshot (exit %d):\n%s" % (p.returncode, p.stdout[-3000:]))
    size = os.path.getsize(png)
    if size < 20000:
        fail("%s is %d bytes: not a rendering of the page" % (png, size))
    width, height, bpp, rows = png_pixels(png)
    if (width, height) != (1400, 900):
        fail("screenshot is %dx%d" % (width, height))
    colours = set()
    for row in rows[::3]:
        for x in range(0, width * bpp, bpp * 3):
            colours.add(row[x:x + 3])
    # The header's dark red (#7a1020) and the CPU lane heading (#dde8ff) of the SVG.
    for name, rgb in [("header #7a1020", b"\x7a\x10\x20"), ("SVG CPU lane heading #dde8ff", b"\xdd\xe8\xff")]:
        if rgb not in colours:
            fail("the screenshot has no %s pixel: the page did not render (%d colours)" % (name, len(colours)))
    if len(colours) < 30:
        fail("the screenshot has %d colours: blank" % len(colours))
    print("screenshot %s: %d bytes, %dx%d, %d colours sampled" % (png, size, width, height, len(colours)))


def prove(ptcheck, work, broken, obligation, oracle):
    """`ptcheck prove --html`: the refutation's `.ops` run through the runner and drawn, the prover's own
    counterexample beside it."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    page = os.path.join(work, "prove.html")
    run([ptcheck, "prove", "--only", obligation, "--target", broken, "--html", page], 1)
    text = check_page(page, [], oracle, 0)
    if "The prover&#39;s counterexample: " + obligation not in text:
        fail("%s: no panel with the prover's counterexample of %s" % (page, obligation))
    print("ok: the refutation of %s is drawn" % obligation)


def main():
    if sys.argv[1] == "--prove":
        prove(*sys.argv[2:7])
        return
    ptcheck, work, broken, script, oracle = sys.argv[1:6]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(script, encoding="utf-8") as f:
        lines = f.read().splitlines()
    # The failing statement: the last top-level statement before an injection that races with it is what
    # the oracle names; the runner reports the line, and the page must agree with the text trace.
    out = run([ptcheck, "run", script, "--target", broken], 1)
    m = re.search(r"FAIL %s at .*?:(\d+) " % re.escape(oracle), out)
    if not m:
        fail("`ptcheck run` did not report %s with a line" % oracle)
    failing_line = int(m.group(1))

    page = os.path.join(work, "run.html")
    run([ptcheck, "run", script, "--target", broken, "--expect-violation", oracle, "--html", page], 0)
    check_page(page, lines, oracle, failing_line)
    check_screenshot(page, os.path.join(work, "run.png"))

    small = os.path.join(work, "explain.html")
    run([ptcheck, "explain", script, "--minimize", "--target", broken, "--html", small], 0)
    check_page(small, [], oracle, 0)

    # A run that holds draws nothing.
    nothing = os.path.join(work, "nothing.html")
    out = run([ptcheck, "run", script, "--html", nothing], 0)
    if os.path.exists(nothing) or "not written" not in out:
        fail("a run that holds wrote a page")
    print("ok: the timeline page is well-formed, marks the failing step and renders in Chromium")


if __name__ == "__main__":
    main()
