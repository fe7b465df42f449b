#!/usr/bin/env python3
"""The project's CI explores its examples (determinism check on): the three planted bugs are
found, the correct pipeline is not flagged, and nothing shows uncontrolled nondeterminism. Then
bounded exhaustive search (dfs:pb=N, BPOR): each planted bug is found within its minimal
preemption bound and proved absent below it; the pipeline is proved within pb=1 (pb=2 does not
finish in 42 M schedules)."""
import subprocess
import sys

runner = sys.argv[1]
p = subprocess.run([runner, "explore", "--seeds", "0..999", "--jobs", "2", "--quiet", "--check-determinism"],
                   capture_output=True, text=True, timeout=600)
out = p.stdout
print(out)
checks = {
    "exit status 1 (failures found)": p.returncode == 1,
    "lost update found": "examples/lost-update:" in out and "counter == 2 (got 1)" in out,
    "lock-order deadlock found": "waits on mutex audit (held by fiber 2 (report))" in out,
    "duplicate oracle calls found": "duplicate oracle call" in out,
    "pipeline passes": "examples/pipeline: 1000 schedules" in out and
                       " 0 failures" in out.split("examples/pipeline:")[1].splitlines()[0],
    "no uncontrolled nondeterminism": "uncontrolled" not in out,
}

def dfs(scenario, bound):
    q = subprocess.run([runner, "explore", "--scenario", scenario, "--policy", f"dfs:pb={bound}", "--quiet",
                        "--no-save", "--max-schedules", "10000000"], capture_output=True, text=True, timeout=600)
    print(q.stdout + q.stderr)
    return q.returncode, q.stdout


for scenario, minimal in (("examples/lost-update", 1), ("examples/lock-order-deadlock", 1),
                          ("examples/duplicate-oracle-calls", 0)):
    if minimal > 0:
        rc, text = dfs(scenario, minimal - 1)
        checks[f"dfs:pb={minimal - 1} proves {scenario} has no failure there"] = (
            rc == 0 and f"complete: no failure within pb={minimal - 1}" in text)
    rc, text = dfs(scenario, minimal)
    checks[f"dfs:pb={minimal} finds {scenario}'s bug"] = rc == 1 and "reproduce:" in text
for bound in (0, 1):  # pb=1: 2.6 M schedules, about 40 s
    rc, text = dfs("examples/pipeline", bound)
    checks[f"dfs:pb={bound} proves the pipeline"] = rc == 0 and f"complete: no failure within pb={bound}" in text

bad = [name for name, ok in checks.items() if not ok]
for name in bad:
    print("FAIL", name)
print(f"{len(checks) - len(bad)} passed, {len(bad)} failed")
sys.exit(1 if bad else 0)
