#!/usr/bin/env python3
"""The cost of worker processes (explore --jobs N runs N processes): schedules per second of
  A. one worker process vs. the same exploration in-process (--no-fork, one thread), and
  B. --jobs 2 vs. the sum of two single-worker explorations of the range halves run at once.
Pairs run back to back and are repeated; medians of the ratios are printed (targets: both >= 0.9).
Usage: bench_workers.py RUNNER [SCENARIO] [SEEDS]"""
import re
import statistics
import subprocess
import sys
import time

runner = sys.argv[1]
scenario = sys.argv[2] if len(sys.argv) > 2 else "test/lost-update"
seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 400_000
rounds = 5


def cmd(first, last, *extra):
    return [runner, "explore", "--scenario", scenario, "--seeds", f"{first}..{last}", "--quiet", "--no-shrink", *extra]


def rate(out):
    return float(re.search(r"([0-9.]+) schedules/s", out).group(1))


def timed(*commands):
    """Starts the commands at once; returns schedules/s over the wall time of the slowest."""
    start = time.monotonic()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True) for c in commands]
    outs = [p.communicate()[0] for p in procs]
    wall = time.monotonic() - start
    total = sum(int(re.search(r": (\d+) schedules", o).group(1)) for o in outs)
    return total / wall


single, pair = [], []
for _ in range(rounds):
    in_process = timed(cmd(0, seeds - 1, "--jobs", "1", "--no-fork"))
    one_worker = timed(cmd(0, seeds - 1, "--jobs", "1"))
    single.append(one_worker / in_process)
    two_jobs = timed(cmd(0, seeds - 1, "--jobs", "2"))
    halves = timed(cmd(0, seeds // 2 - 1, "--jobs", "1"), cmd(seeds // 2, seeds - 1, "--jobs", "1"))
    pair.append(two_jobs / halves)
    print(f"in-process {in_process:,.0f}/s, one worker {one_worker:,.0f}/s, --jobs 2 {two_jobs:,.0f}/s, "
          f"two halves at once {halves:,.0f}/s")
print(f"one worker / in-process: median {statistics.median(single):.3f} (min {min(single):.3f}, max {max(single):.3f}); target >= 0.9")
print(f"--jobs 2 / two single workers on the halves: median {statistics.median(pair):.3f} "
      f"(min {min(pair):.3f}, max {max(pair):.3f}); target >= 0.9")
