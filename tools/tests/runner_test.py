#!/usr/bin/env python3
"""Command-line behaviour of the scenario runner: usage errors exit 2, failures exit 1 with a
reproduce command that reproduces, results independent of --jobs, sharding by flag and by the
GoogleTest/Bazel and Kubernetes variables, the determinism check."""
import os
import re
import shlex
import subprocess
import sys
import tempfile

RUNNER = sys.argv[1]
failures = []
passed = 0


def run(*args, env=None):
    e = dict(os.environ)
    for k in ("TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS", "TEST_SHARD_STATUS_FILE", "JOB_COMPLETION_INDEX"):
        e.pop(k, None)
    e.update(env or {})
    p = subprocess.run([RUNNER, *args], capture_output=True, text=True, env=e, timeout=120)
    return p.returncode, p.stdout, p.stderr


def expect(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(f"{name}: {detail}")


def strip_rate(text):
    return re.sub(r"[0-9]+ schedules/s", "N schedules/s", text)


code, out, err = run("--help")
expect("--help exits 0 and lists subcommands", code == 0 and "explore" in out and "run" in out, out + err)
code, out, err = run()
expect("no subcommand exits 2", code == 2, f"{code} {err}")
code, out, err = run("list")
expect("list", code == 0 and out.split() == ["test/lost-update", "test/pass", "test/static-counter"], out)
code, out, err = run("run", "--scenario", "nope")
expect("unknown scenario exits 2 with a one-line error", code == 2 and "unknown scenario 'nope'" in err
       and len(err.strip().splitlines()) == 1, err)
code, out, err = run("explore", "--bogus")
expect("unknown flag exits 2", code == 2, err)
code, out, err = run("explore", "--seeds", "5..1")
expect("bad seed range exits 2", code == 2 and "--seeds '5..1'" in err, err)
code, out, err = run("explore", "--policy", "dfs")
expect("unknown policy exits 2", code == 2 and "unknown policy 'dfs'" in err, err)
code, out, err = run("run", "--scenario", "test/pass", "--seed", "3")
expect("a passing run exits 0", code == 0 and ": pass" in out, out + err)

code, out, err = run("explore", "--scenario", "test/lost-update", "--seeds", "0..199", "--quiet")
expect("explore finds the lost update, exits 1", code == 1 and "failures" in out and "[1] assertion" in out, out)
expect("--quiet prints nothing on stderr", err == "", err)
m = re.search(r"reproduce: (.*)", out)
expect("explore prints a reproduce command", m is not None, out)
if m:
    first_message = re.search(r"\): (check failed.*)", out).group(1)
    rc, rout, rerr = run(*shlex.split(m.group(1))[1:])
    expect("the reproduce command reproduces the failure", rc == 1 and first_message in rout, rout + rerr)
    choices = re.search(r"choices (\S+)", rout).group(1)
    rc2, cout, cerr = run("run", "--scenario", "test/lost-update", "--choices", choices)
    expect("the printed choice vector reproduces it too", rc2 == 1 and first_message in cout, cout + cerr)
    rc3, _, cerr3 = run("run", "--scenario", "test/lost-update", "--choices", "1.x!")
    expect("a bad choice vector exits 2", rc3 == 2 and "bad choice vector" in cerr3, cerr3)

for name in ("test/lost-update", "test/pass"):  # not test/static-counter: nondeterministic on purpose
    one = run("explore", "--scenario", name, "--seeds", "0..499", "--jobs", "1", "--quiet")
    two = run("explore", "--scenario", name, "--seeds", "0..499", "--jobs", "2", "--quiet")
    expect(f"results do not depend on --jobs ({name})",
           strip_rate(one[1]) == strip_rate(two[1]) and one[0] == two[0], one[1] + "\n---\n" + two[1])
pf = run("explore", "--scenario", "test/lost-update", "--seeds", "0..199", "--policy", "portfolio", "--quiet")
expect("portfolio says which policy found each signature", "found by " in pf[1] and "pct steps" in pf[1], pf[1])

total = 0
with tempfile.TemporaryDirectory() as d:
    status = os.path.join(d, "status")
    for i in range(3):
        c, o, e = run("explore", "--scenario", "test/pass", "--seeds", "0..99", "--quiet",
                      env={"TEST_SHARD_INDEX": str(i), "TEST_TOTAL_SHARDS": "3", "TEST_SHARD_STATUS_FILE": status})
        total += int(re.search(r": (\d+) schedules", o).group(1))
        expect(f"bazel shard {i}/3 named in the summary", f"shard {i}/3" in o, o)
    expect("bazel-style shards cover the range once", total == 100, str(total))
    expect("TEST_SHARD_STATUS_FILE is touched", os.path.exists(status), status)
c, o, e = run("explore", "--scenario", "test/pass", "--quiet", env={"JOB_COMPLETION_INDEX": "1"})
expect("JOB_COMPLETION_INDEX without --shards exits 2", c == 2 and "--shards" in e, e)
c, o, e = run("explore", "--scenario", "test/pass", "--seeds", "0..99", "--shards", "4", "--quiet",
              env={"JOB_COMPLETION_INDEX": "1"})
expect("an indexed job's shard", c == 0 and "shard 1/4" in o and ": 25 schedules" in o, o + e)
c, o, e = run("explore", "--scenario", "test/pass", "--seeds", "0..99", "--shard", "2/4", "--quiet")
expect("--shard I/N", c == 0 and ": 25 schedules" in o, o + e)
c, o, e = run("explore", "--scenario", "test/pass", "--shard", "4/4")
expect("a bad --shard exits 2", c == 2, e)

c, o, e = run("explore", "--scenario", "test/static-counter", "--seeds", "0..99", "--check-determinism", "--quiet")
expect("--check-determinism flags uncontrolled nondeterminism", c == 1 and "uncontrolled nondeterminism" in o, o)
c, o, e = run("explore", "--scenario", "test/pass", "--seeds", "0..99", "--check-determinism", "--quiet")
expect("... and not a deterministic scenario", c == 0 and "uncontrolled" not in o, o)

c, o, e = run("explore", "--scenario", "test/lost-update", "--seeds", "0..99", "--quiet")
expect("explore shrinks each signature and prints its interleaving",
       "shrunk: preemptions" in o and "-> 1," in o and "interleaving (shrunk):" in o and "-- preempted --" in o, o)
m = re.search(r"reproduce minimal: (.*)", o)
if m:
    rc, rout, rerr = run(*shlex.split(m.group(1))[1:])
    expect("the minimal reproduce command fails the same way", rc == 1 and "counter == 2 (got 1)" in rout, rout + rerr)
c, o, e = run("explore", "--scenario", "test/lost-update", "--seeds", "0..99", "--quiet", "--no-shrink")
expect("--no-shrink reports as found", c == 1 and "shrunk" not in o, o)
c, o, e = run("explore", "--scenario", "test/lost-update", "--seeds", "0..99", "--quiet", "--trace", "full")
expect("--trace full prints the unshrunk interleaving too", "interleaving (as found):" in o, o)
seed = re.search(r"first at seed (\d+)", o).group(1)
c, o, e = run("shrink", "--scenario", "test/lost-update", "--seed", seed)
expect("shrink --seed", c == 1 and "preemptions" in o and "interleaving (shrunk):" in o, o + e)
c, o, e = run("shrink", "--scenario", "test/lost-update", "--seed", seed, "--max-runs", "3")
expect("shrink says when its bound was reached", "bound of 3 re-runs reached" in o, o + e)
c, o, e = run("shrink", "--scenario", "test/pass")
expect("shrinking a passing schedule exits 2", c == 2 and "nothing to shrink" in e, o + e)

for f in failures:
    print("FAIL", f)
print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
