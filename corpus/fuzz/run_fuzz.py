#!/usr/bin/env python3
"""Builds the ledger reader's libFuzzer target with clang (ASan + UBSan) and runs it.

  corpus/fuzz/run_fuzz.py --clang clang++-14 --runner build/tools/runner-scenarios --seconds 600

The suite runs it for a short bounded time when clang is installed (Debian: clang-14 and
libclang-rt-14-dev). Seeds are ledger files saved by the runner plus their raw contents. Exits 1
on any finding (the crashing input is left in the work folder and named in the output)."""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
ap = argparse.ArgumentParser()
ap.add_argument("--clang", default="clang++-14")
ap.add_argument("--runner", required=True, help="a scenario binary with the runner, to save seed ledgers")
ap.add_argument("--seconds", type=int, default=20)
ap.add_argument("--work", help="folder for the binary, seeds and findings (default: a temporary one)")
a = ap.parse_args()

work = a.work or tempfile.mkdtemp(prefix="omega-fuzz-")
os.makedirs(work, exist_ok=True)
# Without libFuzzer's runtime (Debian: libclang-rt-14-dev) there is nothing to run: skip (77).
probe = os.path.join(work, "probe.cpp")
with open(probe, "w") as f:
    f.write('extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n')
if subprocess.run([a.clang, "-fsanitize=fuzzer", probe, "-o", probe + ".bin"], capture_output=True).returncode != 0:
    print(f"fuzz: {a.clang} cannot link libFuzzer (install libclang-rt-14-dev): skipped")
    sys.exit(77)
os.makedirs(work, exist_ok=True)
binary = os.path.join(work, "ledger_reader_fuzz")
sources = [os.path.join(root, p) for p in (
    "corpus/fuzz/ledger_reader_fuzz.cpp", "corpus/src/ledger_file.cpp", "sim/src/ledger_codec.cpp",
    "sim/src/ledger_compact.cpp", "sim/src/events.cpp")]
cmd = [a.clang, "-std=c++20", "-O1", "-g", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=undefined",
       "-I", os.path.join(root, "sim/include"), "-I", os.path.join(root, "corpus/include"), *sources,
       "-o", binary, "-lzstd", "-lfmt"]
print("fuzz: building:", " ".join(cmd), flush=True)
subprocess.run(cmd, check=True)

seeds = os.path.join(work, "seeds")
os.makedirs(seeds, exist_ok=True)
for seed in range(4):
    path = os.path.join(seeds, f"lost-update-{seed}.omega")
    if not os.path.exists(path):
        subprocess.run([a.runner, "run", "--scenario", "test/lost-update", "--seed", str(seed), "--save", path],
                       stdout=subprocess.DEVNULL)
findings = os.path.join(work, "findings")
os.makedirs(findings, exist_ok=True)
run = [binary, seeds, f"-max_total_time={a.seconds}", "-rss_limit_mb=2048", "-malloc_limit_mb=512",
       f"-artifact_prefix={findings}/", "-print_final_stats=1"]
print("fuzz: running:", " ".join(run), flush=True)
p = subprocess.run(run)
found = glob.glob(os.path.join(findings, "*"))
if p.returncode != 0 or found:
    print(f"fuzz: FINDINGS (exit {p.returncode}): {found}")
    sys.exit(1)
print(f"fuzz: nothing found in {a.seconds} s")
