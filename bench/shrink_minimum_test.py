#!/usr/bin/env python3
"""The shrinker reaches the minimal preemption count on the bug-benchmark programs (bench/
bug_programs.cpp). The minima hold by construction: with no preemption every fiber runs from its
start to its end (none of them blocks while another holds what it needs), so reorder, twostage and
wronglock cannot fail without one; account fails with none (its formula is wrong whenever the
checker runs last). Usage: shrink_minimum_test.py BUG_PROGRAMS"""
import os
import re
import subprocess
import sys

binary = sys.argv[1]
MINIMUM = {"bench/reorder-3": 1, "bench/reorder-5": 1, "bench/reorder-10": 1, "bench/twostage": 1,
           "bench/wronglock": 1, "bench/account": 0}
failed = []
for program, minimum in MINIMUM.items():
    out = subprocess.run([binary, "explore", "--scenario", program, "--policy", "pos", "--seeds", "0..4999",
                          "--stop-after", "1", "--jobs", "1", "--no-save", "--quiet"],
                         capture_output=True, text=True, env=dict(os.environ, OMEGA_MAX_SPAWNS="1000")).stdout
    m = re.search(r"shrunk: preemptions (\d+) -> (\d+)", out)
    if not m:
        failed.append(f"{program}: no shrunk failure in the report:\n{out}")
        continue
    print(f"{program}: preemptions {m.group(1)} -> {m.group(2)} (minimum {minimum})")
    if int(m.group(2)) != minimum:
        failed.append(f"{program}: shrunk to {m.group(2)} preemptions, the minimum is {minimum}")
    if int(m.group(1)) <= minimum:
        failed.append(f"{program}: the failure found had {m.group(1)} preemptions already: nothing was shrunk")
for f in failed:
    print("FAIL", f)
sys.exit(1 if failed else 0)
