# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember report and ember diff, run by run.py (-k Report).

Fixture folded files are written by the tests, with answers known by
construction or recounted here from the stacks; malformed files must give one
error line naming the file (and line), never a crash; and a real recording of
burn_ab (A does 3x B's work) must report A with about 3x B's self share.
"""
import os
import random
import re

import run  # run.py (registered under this name by its main())
from run import EmberTest, Profile, wl

CRASH = re.compile(r"Sanitizer|runtime error|Traceback|core dumped|Segmentation", re.I)

# enum frame_kind's order, which breaks ties between namesakes
KIND_ORDER = {"process": 0, "user": 1, "kernel": 2, "marker": 4}
MARKERS = ("[off-cpu]", "[runnable]")


def ember(args, timeout=30):
    return run.run([run.EMBER] + args, timeout)


def pct(v, total):
    return "%.2f" % (100.0 * v / total) if total else "0.00"


# ----------------------------------------------------------------- parsing

def parse_header(out):
    """The "key: value" lines before the first blank line."""
    head = {}
    for line in out.split("\n\n", 1)[0].splitlines():
        k, _, v = line.partition(":")
        head.setdefault(k.strip(), v.strip())
    return head


def parse_tables(out, ncols):
    """{title: [row...]}: each table is a title line ending in ':', a column
    header, then rows of ncols-1 whitespace-separated fields and a last
    field (the name, which may hold spaces) up to a blank line."""
    tables = {}
    for block in out.split("\n\n")[1:]:
        lines = block.splitlines()
        if len(lines) < 2 or not lines[0].endswith(":"):
            continue
        rows = []
        for line in lines[2:]:
            if line.strip() == "(none)":
                continue
            fields = line.split(None, ncols - 1)
            rows.append(fields)
        tables[lines[0]] = rows
    return tables


def parse_tree(out):
    """[(depth, self, self%, total, total%, name)] of --tree's output."""
    tables = [b for b in out.split("\n\n") if b.startswith("call tree")]
    assert len(tables) == 1, out
    rows = []
    for line in tables[0].splitlines()[2:]:
        head, name = line[:41], line[41:]
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((depth,) + tuple(head.split()) + (name.strip(),))
    return rows


# ----------------------------------------------------------------- recount

def kind_of(frame, first, ember_file):
    if first and ember_file:
        return "process"
    if frame.endswith("_[k]"):
        return "kernel"
    if frame in MARKERS:
        return "marker"
    return "user"


def recount(stacks, ember_file):
    """Per function (frame text, kind): [self, total]; and the total. The
    rules of func_stats.h, written again: a stack counts once in a
    function's total; its self goes to its leaf below trailing markers."""
    funcs = {}
    grand = 0
    for frames, v in stacks:
        grand += v
        kinds = [kind_of(f, i == 0, ember_file) for i, f in enumerate(frames)]
        self_at = len(frames) - 1
        while self_at > 0 and kinds[self_at] == "marker":
            self_at -= 1
        if kinds[self_at] == "marker" or (kinds[self_at] == "process"
                                          and self_at != len(frames) - 1):
            self_at = len(frames) - 1
        for i, key in enumerate(set(zip(frames, kinds))):
            funcs.setdefault(key, [0, 0])[1] += v
        key = (frames[self_at], kinds[self_at])
        funcs.setdefault(key, [0, 0])[0] += v
    # process roots are listed only when they hold self
    funcs = {k: sv for k, sv in funcs.items() if k[1] != "process" or sv[0]}
    return funcs, grand


def sort_key(item, by):
    (name, kind), (self_, total) = item
    base = name[:-4] if kind == "kernel" else name
    first, second = (self_, total) if by == "self" else (total, self_)
    return (-first, -second, base.encode(), KIND_ORDER[kind])


def folded_text(stacks, header=None):
    lines = ["# " + header] if header else []
    lines += ["%s %d" % (";".join(fr), v) for fr, v in stacks]
    return "\n".join(lines) + "\n"


F1 = [(["a", "b", "c"], 60), (["a", "b"], 20), (["a", "d"], 20)]
# twice as long; b's self share grows from 20% to 50%, d gone, e new
F2 = [(["a", "b", "c"], 60), (["a", "b"], 100), (["a", "e"], 40)]


class ReportTest(EmberTest):
    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return path

    def ok_out(self, r):
        self.assertEqual(r.rc, 0, "ember failed\n%s\nstdout:\n%s" % (r, r.out))
        self.assertEqual(r.err, "", "stderr not empty\n%s" % r)
        return r.out

    def assertOneError(self, r, code, *words):
        lines = [l for l in r.err.splitlines() if l.strip()]
        ctx = "%s\nstdout:\n%s" % (r, r.out[-2000:])
        self.assertEqual(r.rc, code, "want exit %d\n%s" % (code, ctx))
        self.assertFalse(CRASH.search(r.err), "crash\n" + ctx)
        self.assertEqual(len(lines), 1, "want one stderr line\n" + ctx)
        self.assertTrue(lines[0].startswith("ember: error: "), ctx)
        for w in words:
            self.assertIn(w, lines[0], ctx)
        return lines[0]


# ----------------------------------------------------------------- report

class TestReport(ReportTest):
    def test_known_answers(self):
        """a;b;c 60, a;b 20, a;d 20: c 60% self, b 20% self and 80% total, a 100% total."""
        path = self.write("f1.folded", folded_text(F1))
        out = self.ok_out(ember(["report", path]))
        head = parse_header(out)
        self.assertEqual(head["file"], path)
        self.assertEqual(head["total"], "100 samples")
        self.assertEqual(head["stacks"], "3")
        self.assertEqual(head["functions"], "4")
        t = parse_tables(out, 5)
        self.assertEqual(t["functions by self (top 20):"], [
            ["60", "60.00%", "60", "60.00%", "c"],
            ["20", "20.00%", "80", "80.00%", "b"],
            ["20", "20.00%", "20", "20.00%", "d"]], out)
        self.assertEqual(t["functions by total (top 20):"], [
            ["0", "0.00%", "100", "100.00%", "a"],
            ["20", "20.00%", "80", "80.00%", "b"],
            ["60", "60.00%", "60", "60.00%", "c"],
            ["20", "20.00%", "20", "20.00%", "d"]], out)
        # -n and --sort: one table, N rows
        out = self.ok_out(ember(["report", "-n", "1", "--sort", "total", path]))
        t = parse_tables(out, 5)
        self.assertEqual(list(t), ["functions by total (top 1):"], out)
        self.assertEqual(t["functions by total (top 1):"],
                         [["0", "0.00%", "100", "100.00%", "a"]], out)
        # stdin
        r = run.run([run.EMBER, "report", "-"], 30)
        self.assertNotEqual(r.rc, 0)  # nothing on stdin: an error, not a hang
        self.assertIn("stdin", r.err)

    def test_recount(self):
        """A generated ember profile with kernel frames and recursion: every
        row of both tables equals a recount of the stacks, in order."""
        rng = random.Random(7)
        names = ["main", "parse", "lex", "eval", "read", "alloc", "walk", "emit",
                 "read_[k]", "vfs_read_[k]", "schedule_[k]", "a name with spaces"]
        stacks = {}
        for _ in range(300):
            depth = rng.randint(1, 9)
            fr = ["app%d" % rng.randint(1, 3)] + [rng.choice(names) for _ in range(depth)]
            key = tuple(fr)
            stacks[key] = stacks.get(key, 0) + rng.randint(1, 500)
        stacks = sorted((list(k), v) for k, v in stacks.items())
        path = self.write("gen.folded",
                          folded_text(stacks, "ember: event cpu, values in samples"))
        out = self.ok_out(ember(["report", "-n", "1000", "--wide", path]))
        funcs, grand = recount(stacks, True)
        head = parse_header(out)
        self.assertEqual(head["total"], "%d samples" % grand)
        self.assertEqual(head["values"], "cpu, in samples")
        self.assertEqual(int(head["functions"]), len(funcs))
        self.assertEqual(int(head["stacks"]), len(stacks))
        t = parse_tables(out, 5)
        for by in ("self", "total"):
            want = [[str(s), pct(s, grand) + "%", str(tot), pct(tot, grand) + "%", name]
                    for (name, _), (s, tot) in sorted(funcs.items(),
                                                      key=lambda it: sort_key(it, by))
                    if (s if by == "self" else tot)]
            self.assertEqual(t["functions by %s (top 1000):" % by], want, out)

    def test_units(self):
        """Microseconds shown as exact milliseconds, bytes exactly, totals readably."""
        wall = [(["app", "main", "work"], 700000),
                (["app", "main", "read", "vfs_read_[k]", "schedule_[k]", "[off-cpu]"], 2300000),
                (["app", "main", "spin", "[runnable]"], 12345)]
        path = self.write("wall.folded",
                          folded_text(wall, "ember: event wall, values in microseconds"))
        out = self.ok_out(ember(["report", path]))
        head = parse_header(out)
        self.assertEqual(head["values"], "wall, in microseconds")
        self.assertEqual(head["total"], "3012345 microseconds (3.012 s)")
        self.assertIn("self(ms)", out)
        t = parse_tables(out, 5)
        rows = {r[4]: r for r in t["functions by total (top 20):"]}
        grand = 3012345
        # the blocked stack's self goes to the function that blocked; the
        # marker's total is the share of time in that state
        self.assertEqual(rows["schedule_[k]"], ["2300.000", pct(2300000, grand) + "%",
                                                "2300.000", pct(2300000, grand) + "%",
                                                "schedule_[k]"])
        self.assertEqual(rows["[off-cpu]"], ["0.000", "0.00%", "2300.000",
                                             pct(2300000, grand) + "%", "[off-cpu]"])
        self.assertEqual(rows["spin"][:2], ["12.345", pct(12345, grand) + "%"])
        self.assertEqual(rows["[runnable]"][2], "12.345")
        self.assertNotIn("app", rows)  # a process, not a function
        mem = [(["app", "main", "malloc"], 13907008), (["app", "main", "strdup"], 1000)]
        path = self.write("alloc.folded",
                          folded_text(mem, "ember: event alloc, values in bytes"))
        out = self.ok_out(ember(["report", path]))
        self.assertEqual(parse_header(out)["total"], "13908008 bytes (13.26 MiB)")
        rows = parse_tables(out, 5)["functions by self (top 20):"]
        self.assertEqual(rows[0][:2] + rows[0][4:], ["13907008", pct(13907008, 13908008) + "%",
                                                     "malloc"])
        # a file without ember's header, told its unit
        path = self.write("plain.folded", folded_text([(["x", "y"], 1500)]))
        out = self.ok_out(ember(["report", "--unit", "us", path]))
        self.assertEqual(parse_header(out)["total"], "1500 microseconds (1.500 ms)")
        self.assertIn("1.500", out)

    def test_long_names(self):
        """Names cut to fit 80 columns in the tables (kernel marker kept), whole with --wide."""
        long_user = "ns::Klass<std::vector<int>>::method_with_a_long_name(int, char const*)"
        long_k = "a_kernel_function_with_a_very_long_name_indeed_[k]"
        path = self.write("long.folded", folded_text([(["main", long_user], 3),
                                                      (["main", long_k], 2)]))
        out = self.ok_out(ember(["report", path]))
        for line in out.split("\n\n", 1)[1].splitlines():  # the tables
            self.assertLessEqual(len(line), 80, line)
        self.assertIn(long_user[:36] + "...\n", out)
        self.assertRegex(out, r"\.\.\._\[k\]\n")
        out = self.ok_out(ember(["report", "--wide", path]))
        self.assertIn(long_user + "\n", out)
        self.assertIn(long_k + "\n", out)
        out = self.ok_out(ember(["report", "--tree", path]))
        self.assertIn(long_user + "\n", out)  # never cut in the tree

    def test_tree(self):
        """--tree: nodes by total, indented; pruned below --min-percent or past -n."""
        stacks = [(["a", "b", "c"], 600), (["a", "b"], 200), (["a", "d"], 150),
                  (["a", "e"], 4), (["a", "f"], 3), (["x", "y"], 43)]
        path = self.write("t.folded", folded_text(stacks))
        out = self.ok_out(ember(["report", "--tree", path]))
        self.assertEqual(parse_tree(out), [
            (0, "0", "0.00%", "957", "95.70%", "a"),
            (1, "200", "20.00%", "800", "80.00%", "b"),
            (2, "600", "60.00%", "600", "60.00%", "c"),
            (1, "150", "15.00%", "150", "15.00%", "d"),
            (1, "-", "-", "7", "0.70%", "... 2 more"),   # e 0.4%, f 0.3% < 0.5%
            (0, "0", "0.00%", "43", "4.30%", "x"),
            (1, "43", "4.30%", "43", "4.30%", "y")], out)
        out = self.ok_out(ember(["report", "--tree", "--min-percent", "0", path]))
        self.assertEqual([r[-1] for r in parse_tree(out)],
                         ["a", "b", "c", "d", "e", "f", "x", "y"], out)
        out = self.ok_out(ember(["report", "--tree", "-n", "1", "--min-percent", "10", path]))
        self.assertEqual(parse_tree(out), [
            (0, "0", "0.00%", "957", "95.70%", "a"),
            (1, "200", "20.00%", "800", "80.00%", "b"),
            (2, "600", "60.00%", "600", "60.00%", "c"),
            (1, "-", "-", "157", "15.70%", "... 3 more"),
            (0, "-", "-", "43", "4.30%", "... 1 more")], out)

    def test_usage(self):
        """--help exits 0; bad options one error line and exit 2."""
        r = ember(["report", "--help"])
        self.assertEqual(r.rc, 0, r)
        for opt in ("-n", "--tree", "--sort", "--min-percent", "--unit", "--type", "--wide"):
            self.assertIn(opt, r.out)
        path = self.write("f1.folded", folded_text(F1))
        for args in (["-n", "0", path], ["--sort", "name", path], ["--bogus", path], [],
                     [path, path], ["--tree", "--sort", "self", path], ["--unit", "x", path],
                     ["-n"]):
            with self.subTest(args=args):
                self.assertOneError(ember(["report"] + args), 2, "ember report --help")
        self.assertOneError(ember(["report", "--type", "cpu", path]), 1, path, "cpu")
        r = ember(["--help"])
        self.assertIn("report", r.out)
        self.assertIn("diff", r.out)


# ----------------------------------------------------------------- diff

class TestReportDiff(ReportTest):
    def files(self):
        return (self.write("before.folded", folded_text(F1)),
                self.write("after.folded", folded_text(F2)))

    def test_known_answers(self):
        """Shares before and after, change in points; new and gone marked '-'."""
        before, after = self.files()
        out = self.ok_out(ember(["diff", before, after]))
        head = parse_header(out)
        self.assertEqual(head["before"], "%s: 100 samples in 3 stacks" % before)
        self.assertEqual(head["after"], "%s: 200 samples in 3 stacks" % after)
        self.assertEqual(head["functions"], "3 in both, 1 new in AFTER, 1 gone from BEFORE")
        t = parse_tables(out, 6)
        self.assertEqual(t["self share grew most (top 20):"], [
            ["20", "100", "20.00%", "50.00%", "+30.00", "b"],
            ["-", "40", "-", "20.00%", "+20.00", "e"]], out)
        self.assertEqual(t["self share shrank most (top 20):"], [
            ["60", "60", "60.00%", "30.00%", "-30.00", "c"],
            ["20", "-", "20.00%", "-", "-20.00", "d"]], out)
        out = self.ok_out(ember(["diff", "--by", "total", "-n", "1", before, after]))
        t = parse_tables(out, 6)
        # b: 80% of both: unchanged, not listed
        self.assertEqual(t["total share grew most (top 1):"],
                         [["-", "40", "-", "20.00%", "+20.00", "e"]], out)
        self.assertEqual(t["total share shrank most (top 1):"],
                         [["60", "60", "60.00%", "30.00%", "-30.00", "c"]], out)
        # a profile against itself: nothing changed
        out = self.ok_out(ember(["diff", "--fail-above", "0", before, before]))
        t = parse_tables(out, 6)
        self.assertEqual(list(t.values()), [[], []], out)

    def test_recount(self):
        """Generated profiles: every row equals a recount of shares."""
        rng = random.Random(11)
        names = ["f%d" % i for i in range(12)] + ["k%d_[k]" % i for i in range(4)]

        def gen(n):
            st = {}
            for _ in range(n):
                fr = tuple(["app"] + [rng.choice(names) for _ in range(rng.randint(1, 6))])
                st[fr] = st.get(fr, 0) + rng.randint(1, 300)
            return sorted((list(k), v) for k, v in st.items())

        b, a = gen(80), gen(120)
        hdr = "ember: event cpu, values in samples"
        pb = self.write("b.folded", folded_text(b, hdr))
        pa = self.write("a.folded", folded_text(a, hdr))
        fb, tb = recount(b, True)
        fa, ta = recount(a, True)
        for by, idx in (("self", 0), ("total", 1)):
            out = self.ok_out(ember(["diff", "--by", by, "-n", "1000", "--wide", pb, pa]))
            t = parse_tables(out, 6)
            rows = []
            for key in set(fb) | set(fa):
                vb = fb[key][idx] if key in fb else None
                va = fa[key][idx] if key in fa else None
                sb = 100.0 * vb / tb if vb is not None else 0.0
                sa = 100.0 * va / ta if va is not None else 0.0
                ch = sa - sb
                if abs(ch) < 1e-9:
                    continue
                rows.append((ch, key, [str(vb) if vb is not None else "-",
                                       str(va) if va is not None else "-",
                                       pct(vb, tb) + "%" if vb is not None else "-",
                                       pct(va, ta) + "%" if va is not None else "-",
                                       "%+.2f" % ch, key[0]]))
            grew = [r[2] for r in sorted((r for r in rows if r[0] > 0),
                                         key=lambda r: (-r[0], r[1][0].replace("_[k]", "")))]
            shrank = [r[2] for r in sorted((r for r in rows if r[0] < 0),
                                           key=lambda r: (r[0], r[1][0].replace("_[k]", "")))]
            self.assertEqual(t["%s share grew most (top 1000):" % by], grew, out)
            # shrank: largest shrink first; ties come out in reverse name order
            got = t["%s share shrank most (top 1000):" % by]
            self.assertEqual(sorted(got), sorted(shrank), out)
            self.assertEqual([float(r[4]) for r in got], [float(r[4]) for r in shrank], out)

    def test_fail_above(self):
        """--fail-above: exit 1 and one line naming what grew beyond PCT; else 0."""
        before, after = self.files()
        r = ember(["diff", "--fail-above", "25", before, after])
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(parse_tables(r.out, 6)["self share grew most (top 20):"][0][5], "b")
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertRegex(lines[0], r"^ember: regression: the self share of 1 function grew "
                                   r"by more than 25 percentage points: b \+30\.00 "
                                   r"\(20\.00% -> 50\.00%\)$")
        # grew by exactly 30: not more than 30
        self.assertEqual(self.ok_out(ember(["diff", "--fail-above", "30", before, after]))[:7],
                         "before:")
        r = ember(["diff", "--fail-above", "19.5", before, after])
        self.assertEqual(r.rc, 1, r)
        self.assertIn("of 2 functions", r.err)
        self.assertRegex(r.err, r": b \+30\.00 .*, e \+20\.00 \(new -> 20\.00%\)$")
        # inclusive shares: b's total share did not change, e's grew by 20
        r = ember(["diff", "--by", "total", "--fail-above", "5", before, after])
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.err, r"total share of 1 function .*: e \+20\.00")
        # the other way round nothing grew past 30 points
        self.assertEqual(ember(["diff", "--fail-above", "30", after, before]).rc, 0)
        r = ember(["diff", "--fail-above", "29", after, before])
        self.assertEqual(r.rc, 1, r)
        self.assertIn(": c +30.00", r.err)
        # without the gate: 0 whatever changed
        self.assertEqual(ember(["diff", before, after]).rc, 0)

    def test_svg_output(self):
        """-o FILE.svg: the differential flame graph, a well-formed SVG."""
        before, after = self.files()
        svg = os.path.join(self.dir, "diff.svg")
        r = ember(["diff", "-o", svg, "--normalize", before, after])
        self.assertEqual(r.rc, 0, r.err)
        import xml.etree.ElementTree as ET
        with open(svg) as f:
            root = ET.fromstring(f.read())
        self.assertTrue(root.tag.endswith("svg"))

    def test_usage(self):
        r = ember(["diff", "--help"])
        self.assertEqual(r.rc, 0, r)
        for opt in ("-n", "--by", "--fail-above", "-o", "--normalize", "--unit", "--type"):
            self.assertIn(opt, r.out)
        before, after = self.files()
        for args in ([before], [before, after, after], ["--fail-above", "-1", before, after],
                     ["--fail-above", "abc", before, after], ["--by", "x", before, after],
                     ["--tree", before, after], []):
            with self.subTest(args=args):
                self.assertOneError(ember(["diff"] + args), 2, "ember diff --help")
        us = self.write("us.folded", folded_text(F1, "ember: event offcpu, values in microseconds"))
        self.assertOneError(ember(["diff", before, us]), 2, before, us, "microseconds")


# ----------------------------------------------------------------- bad input

class TestReportBadInput(ReportTest):
    CASES = [
        # name, content, what the error line names
        ("nocount", "a;b 1\na;b\n", ":2:"),
        ("notnumber", "a;b 1\na;b x7\n", ":2:"),
        ("huge", "a;b 99999999999999999999\n", ":1:"),
        ("overflow", "a;b 9223372036854775807\na;c 1\n", ":2:"),
        ("utf8", b"a;b 1\nmain;f\xff\xfeo 3\n", ":2:"),
        ("empty", "", ".folded"),
        ("comments", "# nothing but a comment\n", ".folded"),
        ("binary", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, ":1:"),
    ]

    def test_malformed(self):
        """Each malformed file: report exit 1, diff exit 2 (either side), one line with file:line."""
        good = self.write("good.folded", folded_text(F1))
        for name, data, where in self.CASES:
            path = self.write(name + ".folded", data)
            with self.subTest(case=name):
                line = self.assertOneError(ember(["report", path]), 1, path)
                self.assertIn(path + where if where.startswith(":") else where, line)
                self.assertEqual(ember(["report", path]).out, "")
                self.assertOneError(ember(["diff", path, good]), 2, path)
                self.assertOneError(ember(["diff", good, path]), 2, path)
        missing = os.path.join(self.dir, "missing.folded")
        self.assertOneError(ember(["report", missing]), 1, missing, "No such file")
        self.assertOneError(ember(["diff", good, missing]), 2, missing)
        self.assertOneError(ember(["report", self.dir]), 1, self.dir)

    def test_random_garbage(self):
        """Random bytes and mangled lines: an answer or one error line, never a crash."""
        rng = random.Random(3)
        good = self.write("good.folded", folded_text(F1))
        pieces = [b"a", b"b;c", b";", b" ", b"\t", b"12", b"-3", b"99999999999999999999",
                  b"\n", b"\r\n", b"\xff", b"\xc3\xa9", b"\x00", b"# c", b"_[k]", b"[off-cpu]"]
        for i in range(60):
            if i % 3 == 0:
                data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
            else:
                data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
            path = self.write("g%d.folded" % i, data)
            for args, bad in ((["report", path], 1), (["report", "--tree", path], 1),
                              (["diff", good, path], 2)):
                r = ember(args)
                ctx = "%s\ninput %r" % (r, data[:200])
                self.assertFalse(CRASH.search(r.err), ctx)
                self.assertIn(r.rc, (0, bad), ctx)
                if r.rc:
                    self.assertOneError(r, bad, path)


# ----------------------------------------------------------------- a real run

class TestReportRecorded(ReportTest):
    def test_burn_ab(self):
        """ember record of burn_ab, then report: A's self share about 3x B's, as in the file."""
        out = os.path.join(self.dir, "x.folded")
        r = run.run([run.EMBER, "record", "-F", "999", "-o", out, "--", wl("burn_ab"), "4"], 40)
        self.assertEqual(r.rc, 0, r)
        prof = Profile(out)
        rep = ember(["report", "-n", "1000", "--wide", "--sort", "self", out])
        self.assertEqual(rep.rc, 0, rep)
        rows = {row[4]: row for row in parse_tables(rep.out, 5)["functions by self (top 1000):"]}
        ctx = "%s\n%s\n%s" % (r, prof.summary(), rep.out[:3000])
        self.assertIn("ember_burn_a", rows, ctx)
        self.assertIn("ember_burn_b", rows, ctx)
        a, b = rows["ember_burn_a"], rows["ember_burn_b"]
        # the values are the file's own: stacks ending in each function
        self.assertEqual(int(a[0]), prof.count(lambda fr: fr[-1] == "ember_burn_a"), ctx)
        self.assertEqual(int(b[0]), prof.count(lambda fr: fr[-1] == "ember_burn_b"), ctx)
        self.assertEqual(parse_header(rep.out)["total"], "%d samples" % prof.total(), ctx)
        # and the shares: the tolerance of run.py's A/B tests
        ratio = float(a[1].rstrip("%")) / float(b[1].rstrip("%"))
        self.assertTrue(2.7 <= ratio <= 3.3, "self share A/B = %s/%s = %.3f, want 3 +- 0.3\n%s"
                        % (a[1], b[1], ratio, ctx))
        # the recording against itself: no change, the gate at 0 passes
        d = ember(["diff", "--fail-above", "0", out, out])
        self.assertEqual(d.rc, 0, d)
