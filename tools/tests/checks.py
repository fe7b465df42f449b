"""Shared by the command-line tests: a tally of named checks, and running a program."""
import os
import subprocess
import sys

# Set by meson for a build with -Db_sanitize (ASan/UBSan): checks that depend on timing (a signal
# after 1 s, a time box) or on a deliberate crash reaching its signal (UBSan reports a null store
# first) cannot hold there; they are skipped by name instead of failing.
SANITIZED = os.environ.get("OMEGA_SANITIZED") == "1"

_failures = []
_passed = 0


def expect(name, cond, detail=""):
    """Counts a check; a failed one is printed at finish() with `detail`."""
    global _passed
    if cond:
        _passed += 1
    else:
        _failures.append(f"{name}: {detail}")


def expect_unsanitized(name, cond, detail=""):
    """expect(), except in a sanitizer build, where the check is named as skipped."""
    if SANITIZED:
        print(f"skipped under sanitizers: {name}")
    else:
        expect(name, cond, detail)


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
