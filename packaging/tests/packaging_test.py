#!/usr/bin/env python3
"""Installs Omega into a temporary DESTDIR and builds a small out-of-tree consumer against it, with
pkg-config and with CMake (find_package(Omega CONFIG)); each consumer must find its planted bug.
Usage: packaging_test.py BUILD_DIR SOURCE_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "tests"))
from checks import SANITIZED, expect, finish, run_program  # noqa: E402

if SANITIZED:
    # The installed libraries are instrumented; a consumer built without -fsanitize cannot link them.
    print("skipped: a sanitizer build (OMEGA_SANITIZED=1) is not installed for consumers")
    sys.exit(77)

build, source = sys.argv[1], sys.argv[2]
consumer = os.path.join(source, "packaging", "tests", "consumer")


def explore(binary):
    return run_program([binary, "explore", "--seeds", "0..199", "--quiet", "--no-save", "--jobs", "1"])


with tempfile.TemporaryDirectory() as tmp:
    dest = os.path.join(tmp, "dest")
    rc, out, err = run_program(["meson", "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"],
                               timeout=300)
    expect("meson install into a DESTDIR", rc == 0, out + err)
    prefix = None
    for root, dirs, files in os.walk(dest):
        if "omega.pc" in files:
            pc_dir = root
            prefix = os.path.join(dest, os.path.relpath(root, dest).split("/lib/")[0].split("/lib")[0])
    expect("omega.pc, omega-main.pc and omega-properties.pc installed",
           prefix is not None and all(os.path.exists(os.path.join(pc_dir, f))
                                      for f in ("omega.pc", "omega-main.pc", "omega-properties.pc")), str(prefix))
    if prefix:
        expect("public headers under include/omega/", os.path.exists(os.path.join(prefix, "include", "omega", "omega.hpp"))
               and os.path.exists(os.path.join(prefix, "include", "omega", "sim", "run.hpp")), prefix)
        # pkg-config: the .pc files name the install prefix; point it at the DESTDIR copy.
        env = dict(os.environ, PKG_CONFIG_PATH=pc_dir)
        flags = subprocess.run(["pkg-config", f"--define-variable=prefix={prefix}", "--cflags", "--libs", "omega-main"],
                               capture_output=True, text=True, env=env)
        expect("pkg-config --cflags --libs omega-main", flags.returncode == 0, flags.stderr)
        version = subprocess.run(["pkg-config", "--modversion", "omega"], capture_output=True, text=True, env=env)
        expect("omega.pc carries the version", version.stdout.strip() == "0.1.0", version.stdout + version.stderr)
        exe = os.path.join(tmp, "consumer-pkgconfig")
        rc, out, err = run_program(["g++", "-O1", os.path.join(consumer, "consumer.cpp"), "-o", exe,
                                    *flags.stdout.split()], timeout=300)
        expect("g++ builds the consumer with pkg-config", rc == 0, err[-2000:])
        if rc == 0:
            rc, out, err = explore(exe)
            expect("the pkg-config consumer finds its bug", rc == 1 and "consumer: counter == 2 (got 1)" in out, out + err)
        # CMake: find_package(Omega CONFIG) from the DESTDIR prefix.
        if shutil.which("cmake"):
            cbuild = os.path.join(tmp, "cmake-build")
            rc, out, err = run_program(["cmake", "-S", consumer, "-B", cbuild, f"-DCMAKE_PREFIX_PATH={prefix}",
                                        "-DCMAKE_BUILD_TYPE=Release"], timeout=300)
            expect("cmake configures the consumer (find_package(Omega 0.1 CONFIG))", rc == 0, out[-2000:] + err[-2000:])
            rc, out, err = run_program(["cmake", "--build", cbuild], timeout=300)
            expect("cmake builds the consumer against Omega::main", rc == 0, out[-3000:] + err[-2000:])
            if rc == 0:
                rc, out, err = explore(os.path.join(cbuild, "consumer"))
                expect("the CMake consumer finds its bug", rc == 1 and "consumer: counter == 2 (got 1)" in out, out + err)
        else:
            expect("cmake is installed (for the CMake consumer)", False, "no cmake on PATH")
finish()
