#!/usr/bin/env python3
"""Bans sources of hidden nondeterminism in sim/ and runtime/ (DESIGN.md, "No hidden
nondeterminism"). Each rule names the replacement. A line may opt out with a trailing
`// lint: allow(<rule>) <reason>` comment.

  lint_nondeterminism.py --root DIR   scan DIR/sim and DIR/runtime; exit 1 on a finding
  lint_nondeterminism.py --self-test  prove every rule fires on a bad line (negative control)
"""
import argparse
import pathlib
import re
import sys

RULES = [
    ("random-header", re.compile(r"#\s*include\s*<random>"), "use omega::sim::Prng / omega::random"),
    ("random-engine", re.compile(r"\b(mt19937(_64)?|minstd_rand0?|default_random_engine|random_device|ranlux\w*|knuth_b)\b"),
     "use omega::sim::Prng"),
    ("distribution", re.compile(r"\b\w+_distribution\b"), "use Prng::below (distributions differ between libraries)"),
    ("c-rand", re.compile(r"(?<![\w:.>])s?rand\s*\("), "use omega::sim::Prng"),
    ("wall-clock", re.compile(r"::now\s*\("), "use the simulation's virtual clock"),
    ("time-call", re.compile(r"(?<![\w.>])(time|clock_gettime|gettimeofday)\s*\("), "use the virtual clock"),
    ("std-hash", re.compile(r"std::hash\b"), "use omega::sim::fnv1a64 over codec bytes"),
    ("unordered", re.compile(r"\bunordered_(map|set|multimap|multiset)\b"),
     "iteration order can leak into decisions: use std::map/std::vector or justify with lint: allow"),
    ("thread-id", re.compile(r"this_thread::get_id|pthread_self\s*\("), "thread ids must not reach a decision"),
]
SUFFIXES = {".cpp", ".hpp", ".h", ".cc"}


def findings_in(text, path):
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("//", 1)[0]
        allow = re.search(r"lint:\s*allow\(([\w-]+)\)", line)
        for name, pattern, fix in RULES:
            if pattern.search(code) and not (allow and allow.group(1) == name):
                out.append(f"{path}:{number}: [{name}] {line.strip()}  -> {fix}")
    return out


def scan(root):
    found = []
    for folder in ("sim", "runtime"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in SUFFIXES and "tests" not in path.relative_to(root).parts:
                found += findings_in(path.read_text(encoding="utf-8"), path.relative_to(root))
    return found


def self_test():
    bad = {
        "random-header": "#include <random>",
        "random-engine": "std::mt19937 gen(seed);",
        "distribution": "std::uniform_int_distribution<int> d(0, 3);",
        "c-rand": "int x = rand();",
        "wall-clock": "auto t = std::chrono::steady_clock::now();",
        "time-call": "auto t = time(nullptr);",
        "std-hash": "auto h = std::hash<std::string>{}(s);",
        "unordered": "std::unordered_map<int, int> m;",
        "thread-id": "auto id = std::this_thread::get_id();",
    }
    failures = []
    for name, line in bad.items():
        hits = findings_in(line, "fixture.cpp")
        if not any(f"[{name}]" in h for h in hits):
            failures.append(f"rule {name} did not fire on: {line}")
    for fine in ["omega::random(3);", "sim::Prng prng(seed);", "int operand(int x);",
                 "std::unordered_map<int, int> m;  // lint: allow(unordered) lookup only"]:
        if findings_in(fine, "fixture.cpp"):
            failures.append(f"false positive on: {fine}")
    for f in failures:
        print(f)
    print(f"{len(bad) + 4 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=pathlib.Path)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.root:
        ap.error("--root or --self-test is required")
    found = scan(args.root)
    for f in found:
        print(f)
    print(f"{0 if found else 1} passed, {1 if found else 0} failed ({len(found)} findings)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
