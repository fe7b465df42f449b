#!/usr/bin/env python3
"""Writes the README's API example (the ```cpp block after <!-- readme-example ... -->) to a file."""
import sys

readme, out = sys.argv[1], sys.argv[2]
lines = open(readme, encoding="utf-8").read().splitlines()
start = next(i for i, l in enumerate(lines) if l.startswith("<!-- readme-example"))
begin = next(i for i in range(start, len(lines)) if lines[i].startswith("```cpp")) + 1
end = next(i for i in range(begin, len(lines)) if lines[i].startswith("```"))
if end - begin > 30:
    sys.exit(f"README example is {end - begin} lines; keep it short")
open(out, "w", encoding="utf-8").write("\n".join(lines[begin:end]) + "\n")
