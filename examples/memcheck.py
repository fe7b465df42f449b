#!/usr/bin/env python3
"""Runs the examples' exploration under valgrind memcheck: any memcheck error fails the test.

Usage: memcheck.py RUNNER [VALGRIND] [--skip REASON]. Exit 77 (meson's "skipped") without valgrind
or when the build cannot run under it (sanitizers). The fiber stacks are registered with valgrind
(sim/src/fiber_stack.cpp); without that, memcheck reports thousands of false errors here."""
import shutil
import subprocess
import sys

ERROR_EXIT = 99  # valgrind's exit status when memcheck found an error

args = sys.argv[1:]
if "--skip" in args:
    print("skipped:", args[args.index("--skip") + 1])
    sys.exit(77)
runner = args[0]
valgrind = args[1] if len(args) > 1 and args[1] else shutil.which("valgrind")
if not valgrind:
    print("skipped: valgrind not found (Debian package valgrind)")
    sys.exit(77)

# Small enough to stay well under 30 s under memcheck; with shrinking, so that the replay and
# choice-vector paths run too. The planted bugs make the runner itself exit 1.
command = [valgrind, f"--error-exitcode={ERROR_EXIT}", "--quiet",
           runner, "explore", "--seeds", "0..99", "--jobs", "2", "--quiet"]
print(" ".join(command))
p = subprocess.run(command, capture_output=True, text=True, timeout=600)
print(p.stdout[-2000:])
if p.returncode == ERROR_EXIT:
    print(p.stderr[-20000:], file=sys.stderr)
    print(f"FAIL: memcheck reported errors (exit {ERROR_EXIT})")
    sys.exit(1)
if p.returncode not in (0, 1):
    print(p.stderr[-20000:], file=sys.stderr)
    print(f"FAIL: the runner exited with {p.returncode} (expected 1: planted bugs found)")
    sys.exit(1)
if p.stderr.strip():
    print(p.stderr[-20000:], file=sys.stderr)
# Spawned worker processes would run outside valgrind: explore must notice it and stay in-process.
if "running under valgrind: exploring in this process" not in p.stderr:
    print("FAIL: explore did not say it stays in-process under valgrind")
    sys.exit(1)
print(f"memcheck clean (runner exit {p.returncode})")
