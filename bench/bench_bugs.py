#!/usr/bin/env python3
"""Bug-finding benchmark: per program and policy, 20 trials (disjoint seed ranges), each exploring
up to CAP schedules until the first failure; prints found/20 and the mean schedules to the first bug
(over the trials that found it), beside the published figures (RFF, ASPLOS'24, 20 trials; PERIOD,
ICSE'22). Usage: bench_bugs.py [--trials N] PROGRAMS_BINARY [CAP] [POLICY...] (20 trials by default:
the published figures' count; means over 20 are noisy, 100 settles them to about +-10 %)."""
import os
import re
import subprocess
import sys

args = sys.argv[1:]
TRIALS = 20
if args[:1] == ["--trials"]:
    TRIALS = int(args[1])
    args = args[2:]
binary = args[0]
cap = int(args[1]) if len(args) > 1 else 5000
policies = args[2:] or ["random", "pct:3", "pos", "rff", "portfolio"]
ENV = dict(os.environ, OMEGA_MAX_SPAWNS="100000")  # twostage-100 spawns 101 fibers; only the bug counts
# program: published (PCT d=3, POS, RFF, PERIOD)
PROGRAMS = {
    "bench/reorder-3": ("241", "223", "6.7", "6"),
    "bench/reorder-5": ("1126", "4377", "5.8", "12"),
    "bench/reorder-10": ("2356", "-", "5.8", "27"),
    "bench/reorder-20": ("2128", "-", "5.8", "39"),
    "bench/twostage": ("8.9", "14.6", "8.2", "3"),
    "bench/twostage-100": ("3888", "-", "56", "690"),
    "bench/wronglock": ("88", "1.0", "1.0", "10"),
    "bench/account": ("8.6", "1.0", "1.0", "2"),
}


def first_bug(program, policy, trial):
    first = trial * 1_000_000
    out = subprocess.run([binary, "explore", "--scenario", program, "--policy", policy,
                          "--seeds", f"{first}..{first + cap - 1}", "--stop-after", "1", "--jobs", "1",
                          "--no-fork", "--no-shrink", "--no-save", "--quiet"],
                         capture_output=True, text=True, env=ENV).stdout
    m = re.search(r"\] assertion x\d+, first at seed (\d+)", out)
    return int(m.group(1)) - first + 1 if m else None


PORTFOLIO_POLICIES = 6  # pos, pct:1, pct:2, pct:3, random, fair-rr: 2 seeds of 12 each (sim::policy_for_seed)
print(f"{'program':20s} {'policy':10s} {'found':>6s} {'mean':>8s}   published: PCT3 / POS / RFF / PERIOD")
for program, published in PROGRAMS.items():
    means = {}
    for policy in policies:
        hits = [n for n in (first_bug(program, policy, t) for t in range(TRIALS)) if n is not None]
        mean = sum(hits) / len(hits) if hits else float("nan")
        if len(hits) == TRIALS and policy != "rff":  # portfolio rotates the stateless policies
            means[policy] = mean
        print(f"{program:20s} {policy:10s} {len(hits):3d}/{TRIALS} {mean:8.1f}   {' / '.join(published)}")
    singles = [m for p, m in means.items() if p != "portfolio"]
    if "portfolio" in means and singles:
        ratio = means["portfolio"] / min(singles)
        print(f"{'':20s} portfolio / best single policy = {ratio:.1f} (target <= {PORTFOLIO_POLICIES}, "
              f"the policies it rotates): {'met' if ratio <= PORTFOLIO_POLICIES else 'NOT met'}")
    sys.stdout.flush()

# The shrinker on each program's first failure (pos, else pct:3, else random), against the minimal
# preemption count (by construction: 1 for all but account, which fails with none).
print(f"\n{'program':20s} {'shrunk':>14s} {'minimum':>8s} re-runs")
for program in PROGRAMS:
    for policy in ("pos", "pct:3", "random"):
        out = subprocess.run([binary, "explore", "--scenario", program, "--policy", policy, "--seeds", f"0..{cap - 1}",
                              "--stop-after", "1", "--jobs", "1", "--no-save", "--quiet"],
                             capture_output=True, text=True, env=ENV).stdout
        m = re.search(r"shrunk: preemptions (\d+) -> (\d+), decisions \d+ -> \d+, (\d+) re-runs", out)
        if m:
            print(f"{program:20s} {m.group(1) + ' -> ' + m.group(2):>14s} {0 if 'account' in program else 1:8d} "
                  f"{m.group(3)} ({policy})")
            break
    else:
        print(f"{program:20s} {'not found':>14s}")
    sys.stdout.flush()
