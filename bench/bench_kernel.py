#!/usr/bin/env python3
"""The kernel issue's table: instructions per unit (callgrind: the difference between two repeat
counts, so start-up cancels; stable under machine load) and ns per unit (noisy; the ratio to the
raw Boost.Context round trip is measured in the same run), against the targets.
Usage: bench_kernel.py BENCH_KERNEL [--no-valgrind]"""
import re
import shutil
import subprocess
import sys
import tempfile

binary = sys.argv[1]
use_valgrind = "--no-valgrind" not in sys.argv and shutil.which("valgrind")

# case, unit, small and large repeat counts (callgrind), repeat count for timing, target instructions
CASES = [
    ("raw", "round trip", 1000, 11000, 20_000_000, None),
    ("pingpong-random", "decision", 20000, 220000, 2_000_000, 130),
    ("pingpong-rr", "decision", 20000, 220000, 2_000_000, 130),
    ("mutex-2", "run", 20, 220, 200_000, 2884),
    ("mutex-4x50", "run", 2, 12, 2_000, 150_000),
    ("empty", "run", 20, 220, 200_000, 800),
]


def instructions(case, n):
    with tempfile.NamedTemporaryFile(suffix=".cg") as out:
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}", binary, case, str(n)],
                       check=True, capture_output=True)
        text = open(out.name).read()
    return int(re.search(r"^summary:\s+(\d+)", text, re.M).group(1))


def ns(case, n):
    out = subprocess.run([binary, case, str(n)], check=True, capture_output=True, text=True).stdout
    return float(re.search(r"([0-9.]+) ns/unit", out).group(1))


raw_ns = ns("raw", CASES[0][4])
raw_ir = None
print(f"{'case':16s} {'unit':10s} {'instr/unit':>11s} {'target':>8s} {'ns/unit':>10s} {'/raw':>7s}")
for case, unit, small, large, timed, target in CASES:
    t = ns(case, timed) if case != "raw" else raw_ns
    ir = None
    if use_valgrind:
        ir = (instructions(case, large) - instructions(case, small)) / (large - small)
        if case == "raw":
            raw_ir = ir
    met = "" if target is None or ir is None else ("met" if ir <= target else "NOT met")
    print(f"{case:16s} {unit:10s} {(f'{ir:,.0f}' if ir is not None else '-'):>11s} "
          f"{(f'{target:,}' if target else ''):>8s} {t:10.1f} {t / raw_ns:7.2f}  {met}")
