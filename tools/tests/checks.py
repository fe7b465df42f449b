"""Shared by the command-line tests: a tally of named checks, and running a program."""
import subprocess
import sys

_failures = []
_passed = 0


def expect(name, cond, detail=""):
    """Counts a check; a failed one is printed at finish() with `detail`."""
    global _passed
    if cond:
        _passed += 1
    else:
        _failures.append(f"{name}: {detail}")


def run_program(argv, env=None, cwd=None, timeout=120):
    """Runs argv; returns (exit status, stdout, stderr)."""
    p = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def finish():
    """Prints the failures and the tally; exits 1 if any check failed."""
    for f in _failures:
        print("FAIL", f)
    print(f"{_passed} passed, {len(_failures)} failed")
    sys.exit(1 if _failures else 0)
