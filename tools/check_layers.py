#!/usr/bin/env python3
"""make check-layers: user/ is cut into layers, each folder one, listed
here from the bottom up. A file may include headers of its own layer and
of layers below it, always written with their folder ("lib/log.h"); an
include of a layer above is a dependency running the wrong way and fails
the build. Only the BPF skeletons (build/NAME.skel.h) and the BPF/user
ABI (include/) are included without a folder.

    tools/check_layers.py [ROOT]     check ROOT (default: the checkout)
    tools/check_layers.py --self-test   show that a violation is caught
"""
import os
import re
import sys
import tempfile

LAYERS = [
    "lib",        # containers, log, numbers, text, files: no ember concepts
    "arch/x86",   # instruction decoding
    "sys",        # the machine through /proc: parsers, rates, CPUs
    "profile",    # the profile model and what is computed from it
    "format",     # the model to and from folded, SVG, pprof, JSON
    "symbolize",  # processes' mappings, ELF, kallsyms: addresses to names
    "unwind",     # .eh_frame unwinding: the tables, their store, the BPF address maps
    "stack",      # raw stacks from BPF to named frames; the unwinders' rules
    "collect",    # BPF programs loaded, attached and read; the session
    "top",        # ember top's live view
    "cmd",        # the commands: option tables, lifecycles, summaries
]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel):
    """The layer of a path relative to user/, or None."""
    d = os.path.dirname(rel)
    return d if d in LAYERS else None


def check(root):
    user = os.path.join(root, "user")
    abi = set(os.listdir(os.path.join(root, "include")))
    errors = []
    for dp, _, fs in os.walk(user):
        for f in sorted(fs):
            if not f.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(dp, f), user)
            mine = layer_of(rel)
            if mine is None:
                errors.append("user/%s: not in a layer folder (%s)" % (rel, ", ".join(LAYERS)))
                continue
            with open(os.path.join(dp, f), encoding="utf-8") as fh:
                text = fh.read()
            for m in INCLUDE.finditer(text):
                h = m.group(1)
                line = text.count("\n", 0, m.start()) + 1
                if "/" not in h:
                    if h.endswith(".skel.h") or h in abi:
                        continue
                    errors.append("user/%s:%d: \"%s\" is written without its folder"
                                  % (rel, line, h))
                    continue
                theirs = layer_of(h)
                if theirs is None or not os.path.exists(os.path.join(user, h)):
                    errors.append("user/%s:%d: \"%s\" is no header of a layer" % (rel, line, h))
                elif LAYERS.index(theirs) > LAYERS.index(mine):
                    errors.append("user/%s:%d: %s includes \"%s\" from %s, a layer above it"
                                  % (rel, line, mine, h, theirs))
    return errors


def self_test():
    with tempfile.TemporaryDirectory() as d:
        for sub in ("include", "user/lib", "user/cmd"):
            os.makedirs(os.path.join(d, sub))
        files = {"user/lib/a.h": "", "user/cmd/b.h": "",
                 "user/cmd/ok.c": '#include "lib/a.h"\n#include "cmd/b.h"\n',
                 "user/lib/bad.c": '#include "cmd/b.h"\n'}
        for p, t in files.items():
            with open(os.path.join(d, p), "w") as f:
                f.write(t)
        errors = check(d)
        want = ['user/lib/bad.c:1: lib includes "cmd/b.h" from cmd, a layer above it']
        if errors != want:
            print("check-layers self-test: want %r, got %r" % (want, errors), file=sys.stderr)
            return 1
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    errors = check(root)
    for e in errors:
        print("check-layers: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
