#!/usr/bin/env python3
"""Explore isolates user code that crashes, exits or hangs in worker processes: each becomes a
failure of its schedule with a reproduce command, every seed of the range is covered, the report
is the same for --jobs 1 and 2, workers ignore a terminal's Ctrl-C and die with the parent."""
import os
import re
import shlex
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, expect_unsanitized, finish, run_program  # noqa: E402

RUNNER = sys.argv[1]
# Under ASan (the sanitizer build runs this too): let fatal signals reach the parent as signals and
# skip the leak check at exit (an exit() inside a fiber leaks its stack by design).
ENV = dict(os.environ, OMEGA_WATCHDOG_MS="1000",
           ASAN_OPTIONS="detect_leaks=0:handle_segv=0:handle_abort=0:allow_user_segv_handler=1")


def run(*args, env=None, timeout=240):
    return run_program([RUNNER, *args], env=env or ENV, timeout=timeout)


def strip_rate(text):
    return re.sub(r"[0-9]+ schedules/s", "N schedules/s", text)


args = ["explore", "--scenario", "fault/*", "--seeds", "0..19", "--quiet", "--no-shrink"]
one = run(*args, "--jobs", "1")
two = run(*args, "--jobs", "2")
out = one[1]
print(out)
expect_unsanitized("a crashing scenario set exits 1", one[0] == 1 and two[0] == 1, f"{one[0]} {two[0]} {one[2][-500:]}")
expect_unsanitized("the same report for --jobs 1 and --jobs 2", strip_rate(one[1]) == strip_rate(two[1]),
       one[1] + "\n---\n" + two[1])
for name in ("abort", "null-dereference", "exit", "stack-overflow", "busy-loop", "os-mutex", "fine"):
    expect(f"fault/{name}: every seed covered", f"fault/{name}: 20 schedules" in out, out)
expect("abort is a crash naming the signal, fiber and step",
       "crash x6, first at seed 2 (found by random): killed by signal 6 (SIGABRT) in fiber 2 (b) at step 3" in out, out)
expect("a null dereference is a crash", "killed by signal 11 (SIGSEGV) in fiber 2 (b)" in out, out)
expect("std::exit(0) is a crash, not a pass", "the process exited with status 0 in fiber 2 (b)" in out, out)
expect("a stack overflow says so", "stack overflow (raise OMEGA_STACK_KB) in fiber 2 (b)" in out, out)
expect("a busy loop is a hang", re.search(r"fault/busy-loop: .*\n  \[1\] hang x6.*no scheduling point for 1000 ms in fiber 2 \(b\)", out), out)
expect("an OS mutex held across a scheduling point is a hang",
       re.search(r"fault/os-mutex: .*\n  \[1\] hang x\d+.*OS lock or blocking call", out), out)
expect("a passing scenario next to them passes", re.search(r"fault/fine: 20 schedules.* 0 failures", out), out)

# The reproduce command runs in-process (a debugger can be attached) and does crash the same way.
m = re.search(r"reproduce: (\S+ run --scenario fault/abort .*)", out)
expect("a crash has a reproduce command", m is not None, out)
if m:
    p = subprocess.run(shlex.split(m.group(1)), capture_output=True, text=True, env=ENV, timeout=60)
    expect("the reproduce command aborts in-process", p.returncode == -signal.SIGABRT, str(p.returncode))

# Shrinking: crashes and hangs are not shrunk in process; ordinary failures are, in a worker.
code, out, err = run("explore", "--scenario", "fault/abort", "--seeds", "0..19", "--quiet")
expect("a crash is not shrunk, and says why", "not shrunk: the shrinker re-runs schedules in one process" in out, out)
code, out, err = run("explore", "--scenario", "leak/warm-static", "--seeds", "0..19", "--quiet")
expect("an ordinary failure is shrunk in a worker", "shrunk: preemptions" in out and "interleaving (shrunk):" in out,
       out + err)

# --check-determinism re-runs the first failure of each signature in a fresh process.
code, out, err = run("explore", "--scenario", "leak/warm-static", "--seeds", "0..19", "--quiet", "--no-shrink",
                     "--jobs", "1", "--check-determinism")
expect("a static that only a fresh process sees unset is uncontrolled nondeterminism",
       code == 1 and "a fresh process gave a different ledger" in out, out)
code, out, err = run("explore", "--scenario", "fault/fine", "--seeds", "0..19", "--quiet", "--check-determinism")
expect("... and a clean scenario is not flagged", code == 0 and "uncontrolled" not in out, out)

# --no-fork keeps threads in this process.
code, out, err = run("explore", "--scenario", "fault/fine", "--seeds", "0..99", "--quiet", "--no-fork", "--jobs", "2")
expect("--no-fork explores in-process", code == 0 and "fault/fine: 100 schedules" in out, out + err)

# A terminal's Ctrl-C goes to the whole foreground process group: the parent stops cleanly, the
# workers (in their own group) are told to stop by the parent, and everything found is printed.
p = subprocess.Popen([RUNNER, "explore", "--scenario", "fault/*", "--seeds", "0..100000", "--quiet", "--no-shrink",
                      "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                     start_new_session=True)
time.sleep(2.5)
os.killpg(p.pid, signal.SIGINT)
out, err = p.communicate(timeout=60)
expect("Ctrl-C to the process group: exit 130 with the failures found so far",
       p.returncode == 130 and "fault/abort:" in out and "interrupted (SIGINT)" in out, f"{p.returncode} {out} {err[-300:]}")

# Workers die with their parent.
p = subprocess.Popen([RUNNER, "explore", "--scenario", "fault/fine", "--seeds", "0..100000000", "--quiet", "--jobs", "2"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
time.sleep(1.0)
children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
p.kill()
p.wait()
time.sleep(0.5)
alive = [c for c in children if os.path.exists(f"/proc/{c}") and "zombie" not in open(f"/proc/{c}/status").read().lower()]
expect("there were two workers", len(children) == 2, str(children))
expect("workers die with the parent (PR_SET_PDEATHSIG)", not alive, str(alive))

finish()
