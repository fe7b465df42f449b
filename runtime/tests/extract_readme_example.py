#!/usr/bin/env python3
"""Writes a README example (the ```cpp block after the line starting with MARKER) to a file.

usage: extract_readme_example.py README OUT [MARKER]   (MARKER defaults to <!-- readme-example:)
"""
import sys

readme, out = sys.argv[1], sys.argv[2]
marker = sys.argv[3] if len(sys.argv) > 3 else "<!-- readme-example:"
lines = open(readme, encoding="utf-8").read().splitlines()
try:
    start = next(i for i, l in enumerate(lines) if l.startswith(marker))
    begin = next(i for i in range(start, len(lines)) if lines[i].startswith("```cpp")) + 1
    end = next(i for i in range(begin, len(lines)) if lines[i].startswith("```"))
except StopIteration:
    sys.exit(f"{readme}: no ```cpp block after a line starting with {marker!r}")
if end - begin > 40:
    sys.exit(f"README example after {marker!r} is {end - begin} lines; keep it short")
open(out, "w", encoding="utf-8").write("\n".join(lines[begin:end]) + "\n")
