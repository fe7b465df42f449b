#!/usr/bin/env python3
"""usage: expect_run.py EXIT_CODE SUBSTRING COMMAND... — runs COMMAND and passes only if it exits
with EXIT_CODE and its standard output contains SUBSTRING."""
import subprocess
import sys

code, needle, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
ok = p.returncode == code and needle in p.stdout
print(p.stdout + p.stderr)
print(f"{1 if ok else 0} passed, {0 if ok else 1} failed (exit {p.returncode}, wanted {code} and {needle!r})")
sys.exit(0 if ok else 1)
