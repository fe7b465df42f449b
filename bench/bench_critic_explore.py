#!/usr/bin/env python3
"""The cost of explore --critic: wall time of `explore --critic` over `explore` on the same seeds
(one worker, no shrinking, no saving), per scenario; pairs run back to back, medians of the ratios
over the rounds. Target (the critic issue): at most 2.0. The repair checks explore --check-seeds
more schedules per repair, a fixed cost that does not grow with the range.
Usage: bench_critic_explore.py RUNNER [SEEDS] [SCENARIO...]"""
import statistics
import subprocess
import sys
import time

runner = sys.argv[1]
seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
scenarios = sys.argv[3:] or ["examples/pipeline", "examples/lost-update", "examples/duplicate-oracle-calls",
                             "examples/lock-order-deadlock"]
rounds = 5


def seconds(*extra):
    cmd = [runner, "explore", "--seeds", f"0..{seeds - 1}", "--quiet", "--no-shrink", "--no-save", "--jobs", "1", *extra]
    start = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


worst = 0.0
print(f"explore --critic / explore, {seeds} seeds, one worker, median of {rounds} paired rounds")
for s in scenarios:
    ratios, plain = [], []
    for _ in range(rounds):
        a = seconds("--scenario", s)
        b = seconds("--scenario", s, "--critic")
        plain.append(a)
        ratios.append(b / a)
    r = statistics.median(ratios)
    worst = max(worst, r)
    print(f"  {s:40s} explore {statistics.median(plain):6.3f} s   ratio {r:5.2f}")
print(f"worst ratio {worst:.2f} (target <= 2.0): {'met' if worst <= 2.0 else 'NOT met'}")
