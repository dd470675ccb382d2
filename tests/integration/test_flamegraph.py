# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember flamegraph: folded files the test writes, with counts it knows, drawn
as SVG and read back (xml.etree), then rendered, searched and zoomed by
headless Chromium. Run by run.py (-k Flamegraph)."""
import html
import json
import os
import re
import shutil
import struct
import tempfile
import xml.etree.ElementTree as ET
import zlib

import run  # run.py (registered under this name by its main())
from run import EmberTest
from test_output import run_bytes

NS = "{http://www.w3.org/2000/svg}"
USABLE = 1180.0  # default width less the 10 px margins
HIGHLIGHT = (230, 0, 230)

# name (VALUE unit, P%...): the value first, thousands separated by commas
TITLE = re.compile(r"^(.*) \((\d[\d,]*) ([^,;()]+), ([\d.]+)%[^()]*\)$")


def folded_tree(lines):
    """{path tuple: value} of every frame of a folded text, as a flame graph
    merges it: a frame's value is the sum of the stacks through it. Kernel
    frames are drawn without their _[k] suffix."""
    tree = {}
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        stack, count = line.rsplit(" ", 1)
        path = ()
        tree[path] = tree.get(path, 0) + int(count)
        for f in stack.split(";"):
            path += (f[:-4] if f.endswith("_[k]") else f,)
            tree[path] = tree.get(path, 0) + int(count)
    return tree


class Frame:
    def __init__(self, g, depth):
        title = g.find(NS + "title").text
        m = TITLE.match(title)
        assert m, "bad title %r" % title
        self.title = title
        self.name = m.group(1)
        self.value = int(m.group(2).replace(",", ""))
        self.unit = m.group(3)
        self.pct = float(m.group(4))
        rect = g.find(NS + "rect")
        self.x = float(rect.get("x"))
        self.y = float(rect.get("y"))
        self.w = float(rect.get("width"))
        self.h = float(rect.get("height"))
        self.fill = tuple(int(c) for c in re.match(r"rgb\((\d+),(\d+),(\d+)\)",
                                                     rect.get("fill")).groups())
        self.cls = g.get("class") or ""
        self.depth = depth
        self.path = None


class Svg:
    """An SVG flame graph parsed: its frames in document order, each with
    the path of names from the root (rebuilt from preorder and depth)."""

    def __init__(self, text, inverted=False):
        self.root = ET.fromstring(text)
        self.width = float(self.root.get("width"))
        self.height = float(self.root.get("height"))
        frames = [e for e in self.root.iter(NS + "g") if e.get("id") == "frames"]
        assert len(frames) == 1, "want one <g id=frames>"
        gs = list(frames[0])
        ys = sorted({float(g.find(NS + "rect").get("y")) for g in gs})
        self.frames = []
        open_path = []
        for g in gs:
            y = float(g.find(NS + "rect").get("y"))
            depth = ys.index(y) if inverted else len(ys) - 1 - ys.index(y)
            f = Frame(g, depth)
            del open_path[depth:]
            open_path.append(f.name)
            f.path = tuple(open_path[1:])  # without "all"
            self.frames.append(f)
        self.by_path = {f.path: f for f in self.frames}

    def texts(self):
        return {t.get("id"): "".join(t.itertext()) for t in self.root.iter(NS + "text")
                if t.get("id")}


def png_pixels(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB/RGBA PNG,
    decoded here: PIL may not be installed."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    i = 0
    for _ in range(h):
        ftype = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xff
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xff
            elif ftype == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 0xff
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xff
        rows.append([tuple(line[k:k + 3]) for k in range(0, stride, bpp)])
        prev = line
    return w, h, rows


FIXTURE = """a;b 300
a;c 100
a;c;deep;deeper 20
a 7
main;read;sys_read_[k];vfs_read_[k] 50
python3;<module> (app.py:1);work (app.py:12) 40
odd;<&>"' 3
"""


class FlamegraphTest(EmberTest):
    def write(self, name, text, mode="w"):
        path = os.path.join(self.dir, name)
        with open(path, mode) as f:
            f.write(text)
        return path

    def draw(self, text, extra=(), name="in.folded"):
        src = self.write(name, text)
        out = os.path.join(self.dir, "out.svg")
        r = run.run([run.EMBER, "flamegraph", src, "-o", out] + list(extra), 30)
        self.assertEqual(r.rc, 0, "ember flamegraph failed\n%s" % r)
        self.assertEqual(r.err.strip(), "", r)
        with open(out, encoding="utf-8") as f:
            return out, f.read()

    # ------------------------------------------------------------ geometry

    def test_widths_match_counts(self):
        out, text = self.draw(FIXTURE)
        svg = Svg(text)
        want = folded_tree(FIXTURE.splitlines())
        total = want[()]
        self.assertEqual(svg.width, 1200)
        self.assertEqual({f.path for f in svg.frames}, set(want), "frames drawn")
        for f in svg.frames:
            self.assertEqual(f.value, want[f.path], f.title)
            self.assertAlmostEqual(f.w, f.value * USABLE / total, delta=0.006, msg=f.title)
            self.assertAlmostEqual(f.pct, 100.0 * f.value / total, delta=0.006, msg=f.title)
            self.assertEqual(f.unit, "samples", f.title)
        b, c = svg.by_path[("a", "b")], svg.by_path[("a", "c")]
        self.assertAlmostEqual(b.w / c.w, 300 / 120, delta=0.001)
        # b and c side by side inside a, after a's own 7
        a = svg.by_path[("a",)]
        self.assertAlmostEqual(b.x, a.x + 7 * USABLE / total, delta=0.011)
        self.assertAlmostEqual(c.x, b.x + b.w, delta=0.011)
        self.assertGreaterEqual(a.x + a.w + 0.011, c.x + c.w)
        # depth: a frame sits one row (16 px) above its parent
        self.assertEqual(svg.by_path[("a", "c", "deep")].y, c.y - 16)
        self.assertIn(("odd", "<&>\"'"), svg.by_path)

    def test_min_width(self):
        lines = ["app;big 100000"] + ["app;small;leaf%d 1" % i for i in range(500)]
        text = "\n".join(lines) + "\n"
        _, drawn = self.draw(text)
        svg = Svg(drawn)
        # 1 in 100500 of 1180 px: far under the 0.1 px default
        self.assertEqual([f for f in svg.frames if f.name.startswith("leaf")], [])
        self.assertEqual(svg.by_path[("app", "small")].value, 500)
        _, drawn = self.draw(text, ["--min-width", "0"])
        self.assertEqual(len([f for f in Svg(drawn).frames if f.name.startswith("leaf")]), 500)
        _, drawn = self.draw(text, ["--min-width", "6"])  # small is 5.87 px
        self.assertNotIn(("app", "small"), Svg(drawn).by_path)

    def test_options(self):
        _, text = self.draw(FIXTURE, ["--title", "T <1>", "--subtitle", "S & 2", "--width",
                                      "800", "--frame-height", "20", "--inverted"])
        svg = Svg(text, inverted=True)
        texts = svg.texts()
        self.assertEqual(texts["title"], "T <1>")
        self.assertEqual(texts["subtitle"], "S & 2")
        self.assertEqual(svg.width, 800)
        total = svg.by_path[()].value
        for f in svg.frames:
            self.assertAlmostEqual(f.w, f.value * 780.0 / total, delta=0.006, msg=f.title)
            # icicle: the root on top, below the title and subtitle
            self.assertEqual(f.y, 60 + 20 * f.depth, f.title)
            self.assertEqual(f.h, 19)
        _, text = self.draw(FIXTURE, ["--unit", "bytes"])
        self.assertEqual({f.unit for f in Svg(text).frames}, {"bytes"})

    def test_stdin_stdout_deterministic(self):
        src = self.write("in.folded", FIXTURE)
        with open(src) as f:
            rc, out, err = run_bytes([run.EMBER, "flamegraph", "-"], 30, stdin=f)
        self.assertEqual(rc, 0, err)
        r2 = run.run([run.EMBER, "flamegraph", src], 30)
        self.assertEqual(r2.rc, 0, r2)
        self.assertEqual(out.decode(), r2.out)
        # the same stacks in another order, a stack split in two: same file
        lines = FIXTURE.splitlines()
        lines = lines[::-1] + ["a;b 0"]
        lines[lines.index("a;b 300")] = "a;b 200\na;b 100"
        _, shuffled = self.draw("\n".join(lines) + "\n")
        self.assertEqual(shuffled, r2.out)

    def test_ember_files_and_colours(self):
        wall = ("# ember: event wall, values in microseconds\n"
                "app;main;compute 30000\n"
                "app;main;nanosleep;schedule_[k];[off-cpu] 20000\n"
                "app;main;sched_yield_[k];[runnable] 1000\n")
        _, text = self.draw(wall)
        svg = Svg(text)
        self.assertEqual({f.unit for f in svg.frames}, {"microseconds"})
        blue = lambda f: f.fill[2] >= 190 and f.fill[0] <= 140 and f.fill[1] <= 140
        for p in [("app", "main", "nanosleep"), ("app", "main", "nanosleep", "schedule"),
                  ("app", "main", "nanosleep", "schedule", "[off-cpu]")]:
            self.assertTrue(blue(svg.by_path[p]), svg.by_path[p].fill)
        for p in [("app", "main"), ("app", "main", "compute")]:  # mostly on CPU
            self.assertFalse(blue(svg.by_path[p]), p)
        # an offcpu profile: every frame but the root in the off-CPU colours
        off = wall.replace("event wall", "event offcpu")
        _, text = self.draw(off)
        self.assertTrue(all(blue(f) for f in Svg(text).frames[1:]
                            if f.name != "[runnable]"))
        # perf's kernel frames orange, py-spy's green, user frames hot
        svg = Svg(self.draw(FIXTURE)[1])
        k = svg.by_path[("main", "read", "sys_read")].fill
        self.assertTrue(k[0] >= 215 and 100 <= k[1] <= 160 and k[2] <= 40, k)
        py = svg.by_path[("python3", "<module> (app.py:1)", "work (app.py:12)")].fill
        self.assertTrue(py[1] >= 185 and py[0] <= 110 and py[2] <= 110, py)
        u = svg.by_path[("a", "b")].fill
        self.assertTrue(u[0] >= 205 and u[2] <= 55, u)

    # ------------------------------------------------------------ errors

    def test_record_svg(self):
        """ember record -o x.svg draws the recording itself: burn_ab's
        ember_burn_a frame about 3x as wide as ember_burn_b's, widths
        proportional to the values shown."""
        out = os.path.join(self.dir, "cpu.svg")
        r = run.run([run.EMBER, "record", "-F", "499", "-o", out, "--",
                     run.wl("burn_ab"), "2"], 60)
        self.assertEqual(r.rc, 0, r)
        with open(out) as f:
            svg = Svg(f.read())
        a = [f for f in svg.frames if f.name == "ember_burn_a"]
        b = [f for f in svg.frames if f.name == "ember_burn_b"]
        self.assertTrue(a and b, [f.name for f in svg.frames][:30])
        va, vb = sum(f.value for f in a), sum(f.value for f in b)
        self.assertAlmostEqual(va / vb, 3.0, delta=0.45)
        self.assertAlmostEqual(sum(f.w for f in a) / sum(f.w for f in b), va / vb, delta=0.05)
        self.assertEqual(a[0].unit, "samples")

    def test_bad_input(self):
        # (text, line named in the error or None, words)
        cases = {
            "no count": ("a;b\n", 1, ["count"]),
            "bad count": ("a;b 12\na;c x1\n", 2, ["count"]),
            "empty frame": ("a;;b 3\n", 1, ["empty frame"]),
            "binary": ("a;b 1\n\0\0\0 2\n", 2, ["binary"]),
            "huge count": ("a;b 99999999999999999999\n", 1, ["large"]),
            "invalid UTF-8": (b"a;b 1\na;\xff\xfe 3\n", 2, ["UTF-8"]),
            "empty file": ("", None, ["no stacks"]),
            "all zero": ("a;b 0\n", None, ["nothing to draw"]),
        }
        for what, (text, line, words) in cases.items():
            with self.subTest(what):
                src = self.write("bad.folded", text, mode="wb" if isinstance(text, bytes)
                                 else "w")
                out = os.path.join(self.dir, "bad.svg")
                r = run.run([run.EMBER, "flamegraph", src, "-o", out], 30)
                where = "%s:%d:" % (src, line) if line else src
                self.assertError(r, 1, [where] + words, out)
        r = run.run([run.EMBER, "flamegraph", os.path.join(self.dir, "missing.folded")], 30)
        self.assertError(r, 1, ["missing.folded"])
        good = self.write("good.folded", FIXTURE)
        for args, words in [([], ["input file"]), ([good, good], ["more than one"]),
                            ([good, "--width", "abc"], ["--width"]),
                            ([good, "--width", "50"], ["--width"]),
                            ([good, "--min-width", "-1"], ["--min-width"]),
                            ([good, "--frame-height", "0"], ["--frame-height"]),
                            ([good, "--bogus"], ["--bogus"]),
                            ([good, "--title"], ["--title"])]:
            with self.subTest(args=args):
                r = run.run([run.EMBER, "flamegraph"] + args, 30)
                self.assertError(r, 2, words)
        r = run.run([run.EMBER, "flamegraph", "--help"], 10)
        self.assertEqual(r.rc, 0, r)
        for opt in ("-o", "--title", "--subtitle", "--inverted", "--min-width", "--width",
                    "--unit"):
            self.assertIn(opt, r.out)

    # ------------------------------------------------------------ in a browser

    def chromium(self, args, timeout=90):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            self.skipTest("chromium not installed (make deps installs it)")
        profile = tempfile.mkdtemp(prefix="chromium.", dir=self.dir)
        r = run.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--hide-scrollbars", "--force-device-scale-factor=1",
                     "--user-data-dir=" + profile] + args, timeout,
                    env=dict(os.environ, HOME=profile))
        self.assertEqual(r.rc, 0, "chromium failed\n%s" % r)
        return r

    def test_browser_renders(self):
        out, text = self.draw(FIXTURE)
        svg = Svg(text)
        png = os.path.join(self.dir, "shot.png")
        self.chromium(["--screenshot=" + png, "--window-size=1200,%d" % svg.height,
                       "file://" + out])
        w, h, rows = png_pixels(png)
        self.assertEqual((w, h), (1200, svg.height))
        white = sum(row.count((255, 255, 255)) for row in rows)
        self.assertLess(white, w * h // 2, "screenshot mostly white: nothing drawn")
        # each wide frame is drawn where the SVG says, in its own fill
        for f in svg.frames:
            if f.w < 40:
                continue
            px = rows[int(f.y) + 1][int(f.x + f.w / 2)]  # above the label
            self.assertTrue(all(abs(a - b) <= 3 for a, b in zip(px, f.fill)),
                            "%s: pixel %s, fill %s" % (f.title, px, f.fill))

    def search(self, out, regex):
        r = self.chromium(["--dump-dom", "file://%s?s=%s" % (out, regex)])
        return Svg(r.out)

    def test_browser_search(self):
        text = ("app;main;f;g;f 100\n"  # f inside f: counted once
                "app;main;f 50\n"
                "app;main;h 30\n"
                "app;other 20\n")
        out, _ = self.draw(text)
        svg = self.search(out, "^f$")
        hits = [f for f in svg.frames if f.fill == HIGHLIGHT]
        self.assertEqual(sorted(f.path for f in hits),
                         [("app", "main", "f"), ("app", "main", "f", "g", "f")])
        self.assertEqual(svg.texts()["matched"], "Matched: 75.0%")  # 150 of 200
        self.assertEqual(svg.texts()["search"], "Reset Search")
        # the fixture: b (300) and c (120) of 520: 80.8%
        out, _ = self.draw(FIXTURE)
        svg = self.search(out, "^[bc]$")
        self.assertEqual(sorted(f.path for f in svg.frames if f.fill == HIGHLIGHT),
                         [("a", "b"), ("a", "c")])
        self.assertEqual(svg.texts()["matched"], "Matched: %.1f%%" % (100.0 * 420 / 520))
        self.assertNotEqual(svg.by_path[("a",)].fill, HIGHLIGHT)

    def test_browser_zoom(self):
        """Click a frame (a real click event, through the page's handlers),
        then Reset Zoom; positions read back from the live document."""
        for inverted in (False, True):
            with self.subTest(inverted=inverted):
                self.zoom_test(inverted)

    def zoom_test(self, inverted):
        out, text = self.draw(FIXTURE, ["--inverted"] if inverted else [])
        before = Svg(text, inverted)
        page = self.write("zoom.html", """<!DOCTYPE html><html><body>
<pre id="out">no result</pre>
<iframe id="f" src="%s" width="1200" height="400"></iframe>
<script>
function frames(d) {
  var res = [], gs = d.getElementById("frames").children;
  for (var i = 0; i < gs.length; i++) {
    var r = gs[i].querySelector("rect");
    res.push([gs[i].querySelector("title").textContent, +r.getAttribute("x"),
              +r.getAttribute("width"), gs[i].getAttribute("class") || ""]);
  }
  return res;
}
document.getElementById("f").addEventListener("load", function () {
  var out = document.getElementById("out");
  try {
    var d = this.contentDocument, gs = d.getElementById("frames").children, res = {};
    for (var i = 0; i < gs.length; i++)
      if (gs[i].querySelector("title").textContent.indexOf("a (") === 0)
        gs[i].querySelector("rect").dispatchEvent(new MouseEvent("click", {bubbles: true}));
    res.zoomed = frames(d);
    res.unzoomClass = d.getElementById("unzoom").getAttribute("class");
    d.getElementById("unzoom").dispatchEvent(new MouseEvent("click", {bubbles: true}));
    res.reset = frames(d);
    out.textContent = JSON.stringify(res);
  } catch (e) {
    out.textContent = "error: " + e;
  }
});
</script></body></html>
""" % os.path.basename(out))
        r = self.chromium(["--allow-file-access-from-files", "--virtual-time-budget=10000",
                           "--dump-dom", "file://" + page])
        m = re.search(r'<pre id="out">(.*?)</pre>', r.out, re.S)
        self.assertTrue(m, r)
        body = html.unescape(m.group(1))
        self.assertFalse(body.startswith("error") or body == "no result", body)
        res = json.loads(body)
        self.assertEqual(res["unzoomClass"], "")
        a = before.by_path[("a",)]
        titles = [f.title for f in before.frames]
        zoomed = {t: (x, w, cls) for t, x, w, cls in res["zoomed"]}
        for f in before.frames:
            x, w, cls = zoomed[f.title]
            if f.path[:1] == ("a",):  # a and under: scaled to the full width
                self.assertEqual(cls, "", f.title)
                self.assertAlmostEqual(w, f.value * USABLE / a.value, delta=0.05, msg=f.title)
                self.assertAlmostEqual(x, 10 + (f.x - a.x) * USABLE / a.w, delta=0.05)
            elif f.path == ():  # the root: an ancestor, faded
                self.assertEqual(cls, "parent")
                self.assertAlmostEqual(w, USABLE, delta=0.01)
            else:
                self.assertEqual(cls, "hide", f.title)
        b = zoomed[before.by_path[("a", "b")].title]
        self.assertAlmostEqual(b[1], 300 * USABLE / 427, delta=0.05)
        self.assertEqual([t for t, _, _, _ in res["reset"]], titles)
        for (t, x, w, cls), f in zip(res["reset"], before.frames):
            self.assertEqual(cls, "", t)
            self.assertAlmostEqual(x, f.x, delta=0.006)
            self.assertAlmostEqual(w, f.w, delta=0.006)
