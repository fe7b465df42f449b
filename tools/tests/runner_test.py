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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, expect_unsanitized, finish, run_program  # noqa: E402

RUNNER = sys.argv[1]
DOCS = sys.argv[2] if len(sys.argv) > 2 else None


def run(*args, env=None):
    e = dict(os.environ)
    for k in ("TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS", "TEST_SHARD_STATUS_FILE", "JOB_COMPLETION_INDEX", "OMEGA_LOG_LEVEL"):
        e.pop(k, None)
    e.update(env or {})
    return run_program([RUNNER, *args], env=e)


def strip_rate(text):
    return re.sub(r"[0-9]+ schedules/s", "N schedules/s", text)


code, out, err = run("--help")
expect("--help exits 0 and lists subcommands", code == 0 and "explore" in out and "run" in out, out + err)
code, out, err = run()
expect("no subcommand exits 2", code == 2, f"{code} {err}")
code, out, err = run("list")
expect("list", code == 0 and out.split() == ["slow/sleep", "test/data-choice", "test/lost-update", "test/many-schedules", "test/pass",
                                            "test/static-counter", "test/variant"], out)
code, out, err = run("run", "--scenario", "nope")
expect("unknown scenario exits 2 with a one-line error", code == 2 and "unknown scenario 'nope'" in err
       and len(err.strip().splitlines()) == 1, err)
code, out, err = run("explore", "--bogus")
expect("unknown flag exits 2", code == 2, err)
code, out, err = run("explore", "--seeds", "5..1")
expect("bad seed range exits 2", code == 2 and "--seeds '5..1'" in err, err)
code, out, err = run("explore", "--policy", "bfs")
expect("unknown policy exits 2", code == 2 and "unknown policy 'bfs'" in err, err)
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
    for extra in ([], ["--no-fork"], ["--stop-after", "7"], ["--shard", "1/3"]):
        one = run("explore", "--scenario", name, "--seeds", "0..4999", "--jobs", "1", "--quiet", *extra)
        for jobs in ("2", "4"):
            other = run("explore", "--scenario", name, "--seeds", "0..4999", "--jobs", jobs, "--quiet", *extra)
            expect(f"results do not depend on --jobs ({name}, 1 vs {jobs}, {extra})",
                   strip_rate(one[1]) == strip_rate(other[1]) and one[0] == other[0], one[1] + "\n---\n" + other[1])
    workers = run("explore", "--scenario", name, "--seeds", "0..4999", "--quiet")
    threads = run("explore", "--scenario", name, "--seeds", "0..4999", "--quiet", "--no-fork")
    expect(f"worker processes and --no-fork threads agree ({name})", strip_rate(workers[1]) == strip_rate(threads[1]),
           workers[1] + "\n---\n" + threads[1])
# --stop-after ends the exploration, not the shrinking of what it found (worker processes once kept
# the stop flag set, and every failure came out unshrunk).
cut = run("explore", "--scenario", "test/lost-update", "--seeds", "0..4999", "--stop-after", "1", "--quiet")
cut_threads = run("explore", "--scenario", "test/lost-update", "--seeds", "0..4999", "--stop-after", "1", "--quiet",
                  "--no-fork")
expect("--stop-after still shrinks what it found", "shrunk: preemptions" in cut[1] and "stopped early" not in cut[1]
       and "-> 1," in cut[1], cut[1])
expect("--stop-after: worker processes and threads agree", strip_rate(cut[1]) == strip_rate(cut_threads[1]),
       cut[1] + "\n---\n" + cut_threads[1])
# Exhaustive search: finds the lost update within one preemption (not within none), proves the
# passing scenario within two, and its reproduce command reproduces.
rc, out, err = run("explore", "--scenario", "test/lost-update", "--policy", "dfs:pb=0", "--quiet", "--no-save")
expect("dfs:pb=0 proves there is no lost update without a preemption", rc == 0 and "complete: no failure within pb=0" in out,
       out + err)
rc, out, err = run("explore", "--scenario", "test/lost-update", "--policy", "dfs:pb=1", "--quiet", "--no-save")
m = re.search(r"reproduce: (\S+ run --scenario \S+ --choices \S+)", out)
expect("dfs:pb=1 finds the lost update with 1 preemption", rc == 1 and "assertion with 1 preemption: check failed" in out and m, out + err)
if m:
    rc2, rout, rerr = run(*shlex.split(m.group(1))[1:])
    expect("dfs's reproduce command reproduces", rc2 == 1 and "counter == 2 (got 1)" in rout, rout + rerr)
for policy in ("dfs:pb=2", "dfs"):
    rc, out, err = run("explore", "--scenario", "test/pass", "--policy", policy, "--quiet", "--no-save")
    expect(f"{policy} proves test/pass", rc == 0 and "complete: no failure" in out and "schedules" in out, out + err)
# Data choices: fixed to 0 above the domain bound (and the report says so), enumerated on request.
rc, out, err = run("explore", "--scenario", "test/data-choice", "--policy", "dfs:pb=0", "--quiet", "--no-save")
expect("dfs keeps a data choice of domain 6 at 0 by default, and says so",
       rc == 0 and "at most 4 (0 decision points), fixed to the default 0 elsewhere (1)" in out, out + err)
rc, out, err = run("explore", "--scenario", "test/data-choice", "--policy", "dfs:pb=0", "--data-domain-max", "6",
                   "--quiet", "--no-save")
expect("dfs --data-domain-max 6 enumerates it and finds the sixth value",
       rc == 1 and "the sixth value (got 5)" in out and "6 schedules (6 runs" in out, out + err)
rc, out, err = run("explore", "--scenario", "test/pass", "--seeds", "0..9", "--max-schedules", "5", "--quiet")
expect("--max-schedules with a sampling policy is a usage error", rc == 2 and "are for --policy dfs" in err, out + err)
rc, out, err = run("explore", "--scenario", "test/pass", "--policy", "dfs", "--data-domain-max", "0", "--quiet")
expect("--data-domain-max 0 is a usage error", rc == 2 and "--data-domain-max" in err, out + err)
# Reads-from guided fuzzing: finds the lost update, the same report twice, a reproduce command by
# choices (its seeds depend on the epochs before them), and no workers.
rff1 = run("explore", "--scenario", "test/lost-update", "--policy", "rff", "--seeds", "0..199", "--quiet", "--no-save")
rff2 = run("explore", "--scenario", "test/lost-update", "--policy", "rff", "--seeds", "0..199", "--quiet", "--no-save")
expect("rff finds the lost update", rff1[0] == 1 and "(found by rff)" in rff1[1] and "reads-from pairs" in rff1[1],
       rff1[1] + rff1[2])
expect("rff gives the same report twice", rff1[1] == rff2[1], rff1[1] + "\n---\n" + rff2[1])
m = re.search(r"reproduce: (\S+ run --scenario \S+ --choices \S+)", rff1[1])
if m:
    rc2, rout, rerr = run(*shlex.split(m.group(1))[1:])
    expect("rff's reproduce command reproduces", rc2 == 1 and "counter == 2 (got 1)" in rout, rout + rerr)
else:
    expect("rff prints a reproduce command by choices", False, rff1[1])
rc, out, err = run("explore", "--scenario", "test/lost-update", "--policy", "rff", "--jobs", "2")
expect("rff rejects --jobs 2", rc == 2 and "does not take --jobs above 1" in err, err)
rc, out, err = run("run", "--scenario", "test/lost-update", "--seed", "1", "--trace")
expect("run --trace prints the interleaving table", rc == 1 and "| 0 root" in out and "store counter=1" in out, out + err)
# explore --junit: a test suite per scenario, a failing test case per signature carrying the
# reproduce command and the interleaving; passing scenarios get a passing case.
import xml.etree.ElementTree as ET  # noqa: E402
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "explore.xml")
    rc, out, err = run("explore", "--scenario", "test/*", "--seeds", "0..99", "--quiet", "--no-save", "--junit", path)
    try:
        root = ET.parse(path).getroot()
        suites = {s.get("name"): s for s in root.findall("testsuite")}
        lost = suites.get("test/lost-update")
        failure = lost.find("testcase/failure") if lost is not None else None
        passing = suites.get("test/pass")
        ok = (root.tag == "testsuites" and failure is not None and "reproduce" in failure.text
              and "interleaving (shrunk)" in failure.text and lost.get("failures") == str(len(lost.findall("testcase")))
              and passing is not None and passing.get("failures") == "0" and len(passing.findall("testcase")) == 1
              and passing.find("testcase/failure") is None)
        expect("explore --junit writes a suite per scenario and a failing case per signature", ok and rc == 1,
               open(path).read()[:3000])
    except (ET.ParseError, FileNotFoundError) as e:
        expect("explore --junit writes well-formed XML", False, f"{e}: {out} {err}")
# dfs and rff write the same report: a failing case per failure, else one passing case (dfs: whether
# the search was complete).
with tempfile.TemporaryDirectory() as d:
    for policy, extra in (("dfs:pb=1", []), ("rff", ["--seeds", "0..199"])):
        path = os.path.join(d, policy.replace(":", "_") + ".xml")
        rc, out, err = run("explore", "--scenario", "test/lost-update", "--policy", policy, "--quiet", "--no-save",
                           "--junit", path, *extra)
        try:
            suite = ET.parse(path).getroot().find("testsuite")
            failure = suite.find("testcase/failure")
            expect(f"explore --policy {policy} --junit: a failing case with the reproduce command",
                   rc == 1 and suite.get("name") == "test/lost-update" and failure is not None and
                   "--choices" in failure.text and "counter == 2" in failure.get("message"), open(path).read()[:3000])
        except (ET.ParseError, FileNotFoundError, AttributeError) as e:
            expect(f"explore --policy {policy} --junit writes well-formed XML", False, f"{e}: {out} {err}")
    path = os.path.join(d, "dfs-pass.xml")
    rc, out, err = run("explore", "--scenario", "test/pass", "--policy", "dfs:pb=2", "--quiet", "--no-save", "--junit", path)
    try:
        case = ET.parse(path).getroot().find("testsuite/testcase")
        expect("explore --policy dfs --junit (no failure): one passing case saying the search was complete",
               rc == 0 and case is not None and case.find("failure") is None and "complete" in case.get("name"),
               open(path).read())
    except (ET.ParseError, FileNotFoundError) as e:
        expect("explore --policy dfs --junit (no failure) writes well-formed XML", False, f"{e}: {out} {err}")
# --version; diagnostics through spdlog: quiet by default, --log-level or OMEGA_LOG_LEVEL raise it.
rc, out, err = run("--version")
expect("--version prints the version", rc == 0 and re.fullmatch(r"omega \d+\.\d+\.\d+\n", out), out + err)
quiet = run("explore", "--scenario", "test/lost-update", "--seeds", "0..49", "--quiet", "--no-save")
expect("no diagnostics by default", "[omega" not in quiet[2], quiet[2])
loud = run("explore", "--scenario", "test/lost-update", "--seeds", "0..49", "--quiet", "--no-save", "--log-level", "info",
           "--policy", "pct:2")
expect("--log-level info says what was selected, PCT's k and the shrink",
       "[omega info] explore: 'test/lost-update' selects test/lost-update" in loud[2] and "PCT's k = " in loud[2]
       and "[omega info] shrink test/lost-update: preemptions" in loud[2] and strip_rate(loud[1]) == strip_rate(run(
           "explore", "--scenario", "test/lost-update", "--seeds", "0..49", "--quiet", "--no-save", "--policy", "pct:2")[1]),
       loud[2])
env_debug = {"OMEGA_LOG_LEVEL": "debug"}
rc, out, err = run("explore", "--scenario", "test/lost-update", "--seeds", "0..9", "--quiet", "--no-save", env=env_debug)
expect("OMEGA_LOG_LEVEL=debug logs at debug", "[omega debug] explore test/lost-update: seeds 0..9" in err, err)
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
expect("a choice vector starting with ~ is quoted (bash would expand ~bin to /usr/sbin)", "--choices '~" in o, o)
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


# Every row of docs/bad-input.md: run it, check the status and the message.
def clean_env():
    e = dict(os.environ)
    for k in ("TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS", "TEST_SHARD_STATUS_FILE", "JOB_COMPLETION_INDEX", "OMEGA_LOG_LEVEL"):
        e.pop(k, None)
    return e


def run_row(command):
    sig = re.search(r"\[(SIGINT|SIGTERM) after (\d+)s\]", command)
    command = re.sub(r"\s*\[SIG\w+ after \d+s\]", "", command)
    # Leading NAME=value assignments, then the runner's arguments; bash execs the runner so that
    # signals and the exit status are the runner's own.
    m = re.match(r"^((?:[A-Z_]+=(?:'[^']*'|\S*)\s+)*)(.*)$", command)
    script = f"{m.group(1)} exec {shlex.quote(RUNNER)} {m.group(2)}"
    p = subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=clean_env())
    if sig:
        import signal
        import time
        time.sleep(int(sig.group(2)))
        p.send_signal(getattr(signal, sig.group(1)))
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


if DOCS:
    with open(DOCS) as f:
        doc = f.read()
    table = doc.split("<!-- bad-input-table -->")[1].split("<!-- end-bad-input-table -->")[0]
    rows = [r for r in table.strip().splitlines()[2:]]
    expect("the bad-input table has rows", len(rows) > 30, str(len(rows)))
    for row in rows:
        m = re.match(r"^\| `(.*)` \| (\d+) \| (.*) \|$", row)
        if not m:
            expect(f"table row is well formed: {row}", False)
            continue
        command, status, message = m.group(1), int(m.group(2)), m.group(3)
        code, out, err = run_row(command)
        where = err if status in (2, 3) else out + err
        ok = code == status and message in where
        if status in (2, 3):
            ok = ok and len(err.strip().splitlines()) == 1
        expect(f"docs/bad-input.md row `{command}`", ok, f"exit {code}, stdout {out[-600:]!r}, stderr {err!r}")

# Ctrl-C prints everything found so far: the signature and its reproduce command.
code, out, err = run_row("explore --scenario test/lost-update --seeds 0..18446744073709551615 --quiet [SIGINT after 1s]")
expect_unsanitized("SIGINT: exit 130 with the failures found so far", code == 130 and "[1] assertion" in out
       and "reproduce: " in out and "interrupted (SIGINT)" in out, out + err)
# A signal while a run is in flight: the run finishes, then the report; a second signal ends it at once.
code, out, err = run_row("explore --scenario slow/sleep --seeds 0..9 --quiet --jobs 1 [SIGINT after 1s]")
expect_unsanitized("SIGINT mid-run: the run in flight finishes and counts", code == 130 and "slow/sleep: 1 schedules" in out,
       out + err)
import signal as _signal
import time as _time

p = subprocess.Popen([RUNNER, "explore", "--scenario", "slow/sleep", "--seeds", "0..9", "--quiet", "--jobs", "1"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
_time.sleep(0.5)
p.send_signal(_signal.SIGINT)
_time.sleep(0.3)
start = _time.monotonic()
p.send_signal(_signal.SIGINT)
p.communicate(timeout=60)
expect_unsanitized("a second SIGINT ends the process at once", p.returncode == -_signal.SIGINT and _time.monotonic() - start < 1.5,
       f"{p.returncode}")
# --max-time spans the whole command: scenarios not reached are named.
code, out, err = run_row("explore --scenario 'test/*' --seeds 0..18446744073709551615 --max-time 1s --no-shrink --quiet")
expect_unsanitized("--max-time names the scenarios it did not reach", code == 1 and "not explored (stopped early):" in out, out)


# Memory does not grow with the number of seeds.
def peak_rss_kb(*args):
    # Under ASan its quarantine of freed memory (256 MB) would dominate: keep it small.
    env = dict(clean_env(), ASAN_OPTIONS="quarantine_size_mb=1:detect_leaks=0")
    p = subprocess.Popen([RUNNER, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    return usage.ru_maxrss


small = peak_rss_kb("explore", "--scenario", "test/many-schedules", "--seeds", "0..99999", "--quiet")
large = peak_rss_kb("explore", "--scenario", "test/many-schedules", "--seeds", "0..999999", "--quiet")
expect("peak memory for 1M seeds within 10 MB of 100k", large - small < 10 * 1024, f"{small} kB vs {large} kB")
print(f"peak RSS: 100k seeds {small} kB, 1M seeds {large} kB")
code, out, err = run("explore", "--scenario", "test/many-schedules", "--seeds", "0..199999", "--quiet")
n = int(re.search(r"~(\d+) distinct \(approximate\)", out).group(1)) if "approximate" in out else -1
expect("past the exact bound, distinct schedules are an approximate count", 190_000 < n < 210_000, out)

finish()
