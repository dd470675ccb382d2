# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember record's output formats (-f, -o extensions): pprof, JSON and the
folded file's first line, run by run.py (-k Output).

pprof files are decoded by decoders independent of ember: protoc (the
protobuf compiler's own parser, with a profile.proto schema written below
from the format's field numbers) and, when installed by make deps, the npm
package pprof-format (Datadog's JavaScript decoder). Ground truth:
tests/workloads/alloc_work.c prints the exact bytes and calls of every
allocating function ("truth FUNC bytes=B count=C ..."); burn_ab does 3x as
much work in ember_burn_a as in ember_burn_b; ember's summary line gives the
totals of the same run.
"""
import codecs
import gzip
import json
import os
import re
import shutil
import stat
import subprocess
import time

import run  # run.py (registered under this name by its main())
from run import EmberTest, SUMMARY, folded_problems, summary_lines, wl
from test_alloc import ALLOC_SUMMARY, BIG, LEAK_SUMMARY, truths

# profile.proto (github.com/google/pprof/proto/profile.proto): the fields and
# numbers of the format, for protoc --decode.
SCHEMA = """
syntax = "proto3";
package perftools.profiles;
message Profile {
  repeated ValueType sample_type = 1;
  repeated Sample sample = 2;
  repeated Mapping mapping = 3;
  repeated Location location = 4;
  repeated Function function = 5;
  repeated string string_table = 6;
  int64 drop_frames = 7;
  int64 keep_frames = 8;
  int64 time_nanos = 9;
  int64 duration_nanos = 10;
  ValueType period_type = 11;
  int64 period = 12;
  repeated int64 comment = 13;
  int64 default_sample_type = 14;
}
message ValueType { int64 type = 1; int64 unit = 2; }
message Sample {
  repeated uint64 location_id = 1;
  repeated int64 value = 2;
  repeated Label label = 3;
}
message Label { int64 key = 1; int64 str = 2; int64 num = 3; int64 num_unit = 4; }
message Mapping {
  uint64 id = 1; uint64 memory_start = 2; uint64 memory_limit = 3; uint64 file_offset = 4;
  int64 filename = 5; int64 build_id = 6; bool has_functions = 7; bool has_filenames = 8;
  bool has_line_numbers = 9; bool has_inline_frames = 10;
}
message Location {
  uint64 id = 1; uint64 mapping_id = 2; uint64 address = 3; repeated Line line = 4;
  bool is_folded = 5;
}
message Line { uint64 function_id = 1; int64 line = 2; }
message Function {
  uint64 id = 1; int64 name = 2; int64 system_name = 3; int64 filename = 4; int64 start_line = 5;
}
"""

ALLOC_WORK = ["leak_small:100:400", "leak_big:3:%d" % BIG, "churn:5000:256"]
KERNEL_MAPPING = "[kernel.kallsyms]"


def run_bytes(argv, timeout, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE):
    """run.run for bytes on stdout or a given stdin or stdout: started by run.start (a
    session of its own, killed in tearDown) and its whole process group killed on
    timeout (subprocess.run's timeout kills ember only, not its command);
    (returncode, stdout bytes, stderr bytes)."""
    p = run.start(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.kill(p)
        raise AssertionError("timed out after %ss: %s" % (timeout, " ".join(argv)))
    return p.returncode, out, err


def npm_modules():
    """Where tools/install_deps.sh puts pprof-format."""
    cache = os.environ.get("EMBER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ember")
    return os.path.join(cache, "npm", "node_modules")


def parse_text_format(text):
    """protoc's text output as nested dicts: {field: [values...]}, messages as
    dicts, strings as str (UTF-8 checked), numbers as int."""
    root = {}
    stack = [root]
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line == "}":
            stack.pop()
            continue
        m = re.match(r"^(\w+) \{$", line)
        if m:
            sub = {}
            stack[-1].setdefault(m.group(1), []).append(sub)
            stack.append(sub)
            continue
        m = re.match(r"^(\w+): (.*)$", line)
        if not m:
            raise ValueError("line %d of protoc's output: %r" % (n, line))
        key, val = m.groups()
        if val.startswith('"'):
            val = codecs.escape_decode(val[1:-1].encode())[0].decode("utf-8")
        elif val in ("true", "false"):
            val = val == "true"
        else:
            val = int(val)
        stack[-1].setdefault(key, []).append(val)
    return root


class Pprof:
    """A pprof file decoded by protoc: sample types, stacks (root first, as
    (name, kind) pairs), labels, mappings, comments."""

    def __init__(self, test, path, schema_dir):
        with open(path, "rb") as f:
            data = f.read()
        test.assertEqual(data[:2], b"\x1f\x8b", "%s is not gzip-compressed" % path)
        raw = gzip.decompress(data)
        r = subprocess.run(["protoc", "--decode=perftools.profiles.Profile",
                            "--proto_path=" + schema_dir,
                            os.path.join(schema_dir, "profile.proto")],
                           input=raw, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        test.assertEqual(r.returncode, 0, "protoc cannot decode %s: %s" % (
            path, r.stderr.decode(errors="replace")))
        text = r.stdout.decode()
        # fields protoc does not know (or whose wire type is wrong) print by number
        test.assertIsNone(re.search(r"^\s*\d+[:{ ]", text, re.M),
                          "fields outside profile.proto in %s:\n%s" % (path, text[:2000]))
        raw_check = subprocess.run(["protoc", "--decode_raw"], input=raw,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        test.assertEqual(raw_check.returncode, 0, "protoc --decode_raw: %s" % raw_check.stderr)
        self.msg = m = parse_text_format(text)
        self.strings = m.get("string_table", [])
        test.assertEqual(self.strings[:1], [""], "string_table must start with \"\"")
        s = self.s
        self.types = [(s(t.get("type", [0])[0]), s(t.get("unit", [0])[0]))
                      for t in m.get("sample_type", [])]
        self.mappings = {mp["id"][0]: (s(mp.get("filename", [0])[0]),
                                       s(mp.get("build_id", [0])[0]))
                         for mp in m.get("mapping", [])}
        functions = {fn["id"][0]: s(fn.get("name", [0])[0]) for fn in m.get("function", [])}
        self.locations = {}
        for loc in m.get("location", []):
            mapping = self.mappings.get(loc.get("mapping_id", [0])[0])
            kind = "kernel" if mapping and mapping[0] == KERNEL_MAPPING else "user"
            names = [functions[l["function_id"][0]] for l in loc.get("line", [])]
            self.locations[loc["id"][0]] = [(n, kind) for n in reversed(names)]
        self.samples = []
        for smp in m.get("sample", []):
            frames = []
            for lid in reversed(smp.get("location_id", [])):
                frames += self.locations[lid]
            labels = {s(l["key"][0]): s(l.get("str", [0])[0]) for l in smp.get("label", [])}
            values = smp.get("value", [])
            test.assertEqual(len(values), len(self.types), "sample values vs sample types")
            self.samples.append((frames, values, labels))
        self.comments = [s(c) for c in m.get("comment", [])]

    def s(self, i):
        return self.strings[i]

    def field(self, name, default=0):
        return self.msg.get(name, [default])[0]

    def total(self, type_name):
        i = [t for t, _ in self.types].index(type_name)
        return sum(v[i] for _, v, _ in self.samples)

    def leaf(self, fn, type_name):
        """type_name's values of the samples whose user leaf is fn."""
        i = [t for t, _ in self.types].index(type_name)
        return sum(v[i] for fr, v, _ in self.samples
                   if [n for n, k in fr[1:] if k == "user"][-1:] == [fn])

    def with_frame(self, fn, type_name):
        i = [t for t, _ in self.types].index(type_name)
        return sum(v[i] for fr, v, _ in self.samples if fn in [n for n, _ in fr[1:]])

    def counters(self):
        return dict(re.match(r"^ember counter (\w+)=(-?\d+)$", c).groups()
                    for c in self.comments if c.startswith("ember counter "))


def readelf_build_id(path):
    r = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE, timeout=30)
    m = re.search(r"Build ID: ([0-9a-f]+)", r.stdout.decode())
    return m.group(1) if m else ""


class OutputTest(EmberTest):
    def setUp(self):
        super().setUp()
        if not shutil.which("protoc"):
            self.skipTest("protoc not installed (protobuf-compiler: make deps)")
        with open(os.path.join(self.dir, "profile.proto"), "w") as f:
            f.write(SCHEMA)

    def pprof(self, path):
        self.assertTrue(os.path.exists(path), "no output file %s" % path)
        return Pprof(self, path, self.dir)

    def record(self, out, args, cmd, timeout=120):
        r = run.run([run.EMBER, "record", "-o", out] + args + ["--"] + cmd, timeout)
        self.assertEqual(r.rc, 0, "ember failed\n%s\nstdout:\n%s" % (r, r.out))
        return r

    def alloc_run(self, out, args=()):
        r = self.record(out, ["-e", "alloc,leak"] + list(args), [wl("alloc_work")] + ALLOC_WORK)
        t = truths(r.out)
        self.assertEqual(t["leak_small"]["bytes"], 40000, r)
        a, l = ALLOC_SUMMARY.findall(r.err), LEAK_SUMMARY.findall(r.err)
        self.assertEqual((len(a), len(l)), (1, 1), "want one alloc and one leak line\n%s" % r)
        return r, t, {"allocs": int(a[0][0]), "bytes": int(a[0][1])}, \
            {"bytes": int(l[0][0]), "blocks": int(l[0][1])}

    def test_pprof_alloc_exact(self):
        """-e alloc,leak -o X.pb.gz: X.alloc.pb.gz and X.leak.pb.gz; per-function bytes and
        counts exact, totals equal to the summary lines."""
        r, t, asum, lsum = self.alloc_run(os.path.join(self.dir, "X.pb.gz"))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "X.pb.alloc.gz")), r)
        a = self.pprof(os.path.join(self.dir, "X.alloc.pb.gz"))
        l = self.pprof(os.path.join(self.dir, "X.leak.pb.gz"))
        ctx = "%s\ntruth %s" % (r, t)
        self.assertEqual(a.types, [("alloc_space", "bytes"), ("alloc_objects", "count")], ctx)
        self.assertEqual(l.types, [("inuse_space", "bytes"), ("inuse_objects", "count"),
                                   ("oldest_age", "nanoseconds")], ctx)
        for fn in ("leak_small", "leak_big", "churn"):
            self.assertEqual(a.leaf(fn, "alloc_space"), t[fn]["bytes"], "%s\n%s" % (fn, ctx))
            self.assertEqual(a.leaf(fn, "alloc_objects"), t[fn]["count"], "%s\n%s" % (fn, ctx))
            self.assertEqual(l.leaf(fn, "inuse_space"), t[fn]["leaked_bytes"], "%s\n%s" % (fn, ctx))
            self.assertEqual(l.leaf(fn, "inuse_objects"), t[fn]["leaked_count"],
                             "%s\n%s" % (fn, ctx))
        self.assertEqual(a.total("alloc_space"), asum["bytes"], ctx)
        self.assertEqual(a.total("alloc_objects"), asum["allocs"], ctx)
        self.assertEqual(l.total("inuse_space"), lsum["bytes"], ctx)
        self.assertEqual(l.total("inuse_objects"), lsum["blocks"], ctx)
        # the default sample type is what the folded file shows
        self.assertEqual(a.s(a.field("default_sample_type")), "alloc_space", ctx)
        for p in (a, l):
            roots = {fr[0][0] for fr, _, _ in p.samples}
            self.assertEqual(roots, {"alloc_work"}, ctx)
            self.assertTrue(all(lb.get("process") == "alloc_work" for _, _, lb in p.samples), ctx)
            c = p.counters()
            for name in ("stacks_map_full", "counts_map_full", "live_map_full", "stack_errors",
                         "truncated_stacks", "unnamed_frames"):
                self.assertIn(name, c, "counter %s missing: %s\n%s" % (name, p.comments, ctx))
            self.assertEqual(c["stacks_map_full"], "0", ctx)
        work = [fn for fn, (f, bid) in a.mappings.items() if f.endswith("/alloc_work")]
        self.assertEqual(len(work), 1, "one mapping for alloc_work: %s" % a.mappings)
        self.assertEqual(a.mappings[work[0]][1], readelf_build_id(wl("alloc_work")),
                         "alloc_work's build id")
        self.assertIn("frees_not_seen_allocated", l.counters())

    def test_pprof_cpu(self):
        """-o x.pb.gz of burn_ab: samples and cpu nanoseconds, A/B = 3, totals equal to the
        summary line, period, time, mappings with build ids, process label and root."""
        out = os.path.join(self.dir, "cpu.pb.gz")
        t0 = time.time()
        r = self.record(out, ["-F", "999"], [wl("burn_ab"), "2"], timeout=40)
        p = self.pprof(out)
        n = int(SUMMARY.search(summary_lines(r.err)[0]).group(1))
        ctx = "%s\nsamples %d" % (r, n)
        self.assertEqual(p.types, [("samples", "count"), ("cpu", "nanoseconds")], ctx)
        self.assertEqual(p.total("samples"), n, ctx)
        # each stack's nanoseconds are its samples * 1e9 / 999, rounded down
        self.assertEqual([v[1] for _, v, _ in p.samples],
                         [v[0] * 10 ** 9 // 999 for _, v, _ in p.samples], ctx)
        a, b = p.with_frame("ember_burn_a", "samples"), p.with_frame("ember_burn_b", "samples")
        self.assertGreater(b, 0, ctx)
        self.assertTrue(2.7 <= a / b <= 3.3, "A/B = %d/%d\n%s" % (a, b, ctx))
        self.assertEqual(p.s(p.field("period_type", {"type": [0]})["type"][0]), "cpu")
        self.assertEqual(p.field("period"), 10 ** 9 // 999)
        self.assertTrue(abs(p.field("time_nanos") / 1e9 - t0) < 30, "time_nanos %d vs %f" % (
            p.field("time_nanos"), t0))
        self.assertTrue(1.5e9 < p.field("duration_nanos") < 10e9, p.field("duration_nanos"))
        files = {f: bid for f, bid in p.mappings.values()}
        self.assertEqual(files.get(os.path.realpath(wl("burn_ab"))),
                         readelf_build_id(wl("burn_ab")), "burn_ab mapping: %s" % files)
        for fr, v, labels in p.samples:
            self.assertEqual(labels.get("process"), fr[0][0], "process label vs root")
        self.assertEqual({fr[0][0] for fr, _, _ in p.samples if "ember_burn_a" in
                          [x for x, _ in fr]}, {"burn_ab"}, ctx)

    def test_pprof_format_npm(self):
        """The same kind of file read by the npm pprof-format decoder: equal totals and
        per-function values to protoc's decoding."""
        node, mods = shutil.which("node"), npm_modules()
        if not node or not os.path.isdir(os.path.join(mods, "pprof-format")):
            self.skipTest("pprof-format not installed in %s (make deps installs it with npm)"
                          % mods)
        r, t, asum, _ = self.alloc_run(os.path.join(self.dir, "Y.pb.gz"))
        path = os.path.join(self.dir, "Y.alloc.pb.gz")
        script = """
const {Profile} = require("pprof-format");
const p = Profile.decode(require("zlib").gunzipSync(require("fs").readFileSync(process.argv[1])));
const S = i => p.stringTable.strings[Number(i)];
const fn = new Map(p.function.map(f => [String(f.id), S(f.name)]));
const loc = new Map(p.location.map(l => [String(l.id), l]));
const out = {types: p.sampleType.map(t => [S(t.type), S(t.unit)]), totals: [], leaf: {}};
for (const s of p.sample) {
  s.value.forEach((v, i) => out.totals[i] = (out.totals[i] || 0) + Number(v));
  const leaf = fn.get(String(loc.get(String(s.locationId[0])).line[0].functionId));
  out.leaf[leaf] = (out.leaf[leaf] || 0) + Number(s.value[0]);
}
console.log(JSON.stringify(out));
"""
        res = subprocess.run([node, "-e", script, path], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=60,
                             env=dict(os.environ, NODE_PATH=mods))
        self.assertEqual(res.returncode, 0, res.stderr.decode(errors="replace"))
        js = json.loads(res.stdout)
        p = self.pprof(path)
        self.assertEqual([tuple(x) for x in js["types"]], p.types)
        self.assertEqual(js["totals"], [p.total(ty) for ty, _ in p.types])
        self.assertEqual(js["totals"], [asum["bytes"], asum["allocs"]], r)
        for fn in ("leak_small", "leak_big", "churn"):
            self.assertEqual(js["leaf"].get(fn), t[fn]["bytes"], fn)

    def test_json(self):
        """-o x.json: the document's shape, totals equal to the summary, per-function bytes
        exact, a folded file rebuilt from it valid and equal in total."""
        r, t, asum, _ = self.alloc_run(os.path.join(self.dir, "Z.json"))
        with open(os.path.join(self.dir, "Z.alloc.json")) as f:
            d = json.load(f)
        ctx = "%s\ntruth %s" % (r, t)
        self.assertEqual(d["version"], 1)
        self.assertEqual(d["event"], "alloc")
        self.assertEqual(d["value_types"], [{"type": "alloc_space", "unit": "bytes"},
                                            {"type": "alloc_objects", "unit": "count"}])
        self.assertEqual(d["totals"], [asum["bytes"], asum["allocs"]], ctx)
        self.assertEqual(d["totals"], [sum(s["values"][i] for s in d["stacks"]) for i in (0, 1)])
        self.assertEqual(d["losses"]["stacks_map_full"], 0, ctx)
        self.assertIn("alloc_failed", d["losses"])
        self.assertGreater(d["duration_ns"], 0)
        leaf = {}
        for s in d["stacks"]:
            self.assertEqual(s["frames"][0]["kind"], "process")
            user = [f for f in s["frames"] if f["kind"] == "user"]
            leaf[user[-1]["name"]] = leaf.get(user[-1]["name"], 0) + s["values"][0]
            for f in user:
                if f["name"] in ("leak_small", "churn"):
                    self.assertTrue(f["module"].endswith("/alloc_work"), f)
                    self.assertEqual(f["build_id"], readelf_build_id(wl("alloc_work")))
        for fn in ("leak_small", "leak_big", "churn"):
            self.assertEqual(leaf.get(fn), t[fn]["bytes"], "%s\n%s" % (fn, ctx))
        # what README says a script does to get the folded file back
        lines = {}
        for s in d["stacks"]:
            key = ";".join(f["name"].replace(";", ":") + ("_[k]" if f["kind"] == "kernel" else "")
                           for f in s["frames"])
            lines[key] = lines.get(key, 0) + s["values"][0]
        text = "".join("%s %d\n" % (k, v) for k, v in sorted(lines.items(), key=lambda x:
                                                               x[0].encode()) if v > 0)
        self.assertEqual(folded_problems(text), [])
        self.assertEqual(sum(lines.values()), asum["bytes"])
        with open(os.path.join(self.dir, "Z.leak.json")) as f:
            dl = json.load(f)
        self.assertEqual(dl["value_types"][2], {"type": "oldest_age", "unit": "nanoseconds"})
        self.assertIn("frees_not_seen_allocated", dl["losses"])

    def test_format_flag(self):
        """-f beats the extension; pprof to stdout; an unknown -f is one error line."""
        out = os.path.join(self.dir, "prof.out")
        self.record(out, ["-f", "json", "-F", "499"], [wl("spinner"), "0.3"], timeout=30)
        with open(out) as f:
            self.assertEqual(json.load(f)["event"], "cpu")
        folded = os.path.join(self.dir, "p.json")
        self.record(folded, ["-f", "folded", "-F", "499"], [wl("spinner"), "0.3"], timeout=30)
        with open(folded) as f:
            text = f.read()
        self.assertTrue(text.startswith("# ember: event cpu, values in samples\n"), text[:200])
        self.assertEqual(folded_problems(text), [])
        rc, out, err = run_bytes([run.EMBER, "record", "-q", "-f", "pprof", "-F", "499", "--",
                                  wl("spinner"), "0.3"], 30)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out[:2], b"\x1f\x8b", "pprof on stdout is not gzip")
        bad = os.path.join(self.dir, "bad.folded")
        r = run.run([run.EMBER, "record", "-f", "pb", "-o", bad, "--", wl("spinner"), "0.1"], 30)
        self.assertError(r, 2, ["format", "pb", "pprof"], bad)

    def test_folded_first_line(self):
        """Each folded file names its event and unit in a first '#' line."""
        base = os.path.join(self.dir, "F.folded")
        self.record(base, ["-e", "cpu,offcpu,wall", "-F", "499"], [wl("spinner"), "0.3"],
                    timeout=30)
        for ev, unit in (("cpu", "samples"), ("offcpu", "microseconds"),
                         ("wall", "microseconds")):
            with open(os.path.join(self.dir, "F.%s.folded" % ev)) as f:
                text = f.read()
            self.assertEqual(text.splitlines()[0], "# ember: event %s, values in %s" % (ev, unit))
            self.assertEqual(folded_problems(text), [], ev)


class OutputTargetTest(EmberTest):
    """-o onto what is not a plain new file (run.py -k OutputTarget): a device node, a FIFO,
    /dev/stdout are written to and stay what they are; runs killed with SIGKILL leave
    temporaries that the next run writing there removes."""

    FOLDED = "main;work;leaf 30\nmain;other 12\n"

    def folded(self):
        path = os.path.join(self.dir, "in.folded")
        with open(path, "w") as f:
            f.write(self.FOLDED)
        return path

    def test_char_device(self):
        """record -o DIR/null, a mknod'd copy of /dev/null: still that device afterwards."""
        null = os.path.join(self.dir, "null")
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod(null, 0o666)
        r = run.run([run.EMBER, "record", "-d", "1", "-o", null], 60)
        self.assertEqual(r.rc, 0, r)
        st = os.lstat(null)
        self.assertTrue(stat.S_ISCHR(st.st_mode), "%s is no longer a device\n%s" % (null, r))
        self.assertEqual(st.st_rdev, os.makedev(1, 3))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o666)
        self.assertEqual(os.listdir(self.dir), ["null"], r)

    def test_dev_stdout(self):
        """flamegraph -o /dev/stdout: the SVG on stdout (a pipe, then a file), the
        /dev/stdout symlink untouched."""
        src = self.folded()
        before = os.readlink("/dev/stdout")
        try:
            r = run.run([run.EMBER, "flamegraph", src, "-o", "/dev/stdout"], 30)
            self.assertEqual(r.rc, 0, r)
            self.assertIn("<svg", r.out, r)
            self.assertTrue(r.out.rstrip().endswith("</svg>"), r.out[-200:])
            out = os.path.join(self.dir, "redirected.svg")
            with open(out, "w") as f:
                rc, _, err = run_bytes([run.EMBER, "flamegraph", src, "-o", "/dev/stdout"], 30,
                                       stdout=f)
            self.assertEqual(rc, 0, err)
            with open(out) as f:
                self.assertEqual(f.read(), r.out)
        finally:
            # a failing ember must not leave the machine without /dev/stdout
            if not os.path.islink("/dev/stdout"):
                os.remove("/dev/stdout")
                os.symlink(before, "/dev/stdout")
                self.fail("/dev/stdout was replaced (restored)")
        self.assertEqual(os.readlink("/dev/stdout"), before)
        self.assertEqual([n for n in os.listdir("/dev") if n.startswith(".stdout")], [])

    def test_fifo(self):
        """record -o FIFO with a reader: the reader gets the folded text; still a FIFO."""
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        reader = run.start(["cat", fifo], stdout=subprocess.PIPE)
        r = run.run([run.EMBER, "record", "-F", "499", "-o", fifo, "--", wl("spinner"), "0.3"],
                    30)
        try:
            text = reader.communicate(timeout=10)[0].decode()
        except subprocess.TimeoutExpired:
            run.kill(reader)
            self.fail("the FIFO's reader got no end of file\n%s" % r)
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode), "FIFO replaced\n%s" % r)
        self.assertEqual(folded_problems(text), [], text[:500])
        self.assertIn("ember_spin", text, r)
        self.assertEqual(os.listdir(self.dir), ["fifo"], r)

    def temps(self):
        return sorted(n for n in os.listdir(self.dir) if n.startswith(".x."))

    def test_killed_runs(self):
        """20 runs of three outputs SIGKILLed: each leaves its 3 temporaries, the next run
        that writes there removes them (60 in all, none left at the end); a live process's
        is kept."""
        out = os.path.join(self.dir, "x.folded")
        argv = [run.EMBER, "record", "-e", "cpu,offcpu,wall", "-o", out]
        live = ".x.cpu.folded.ember-1.AbC123"  # PID 1 always runs
        open(os.path.join(self.dir, live), "w").close()
        seen = set()
        for i in range(20):
            p = run.start(argv + ["--", "sleep", "5"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
            time.sleep(0.3)
            end = time.monotonic() + 4  # more if it has not opened all three yet
            mine = []
            while len(mine) < 3 and time.monotonic() < end and p.poll() is None:
                mine = [n for n in self.temps() if ".ember-%d." % p.pid in n]
                time.sleep(0.02)
            run.kill(p)
            left = [n for n in self.temps() if n != live]
            self.assertEqual(len(mine), 3, "round %d: temporaries %s" % (i, left))
            # what the kill left, and only that: the earlier kills' are gone
            self.assertEqual(sorted(mine), left, "round %d" % i)
            seen.update(left)
        self.assertEqual(len(seen), 60)
        r = run.run(argv + ["-F", "99", "--", "sleep", "0.2"], 60)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.temps(), [live], r)
        for ev in ("cpu", "offcpu", "wall"):
            path = os.path.join(self.dir, "x.%s.folded" % ev)
            self.assertTrue(os.path.exists(path), "%s missing\n%s" % (path, r))
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)
