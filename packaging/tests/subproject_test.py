#!/usr/bin/env python3
"""Omega as a meson subproject of a debug-built project: dependency('omega') resolves through
meson.override_dependency, only the libraries are built (no tests, examples, benchmarks), at -O2
though the parent is -O0, and a consumer of the API finds its bug. Usage: subproject_test.py SOURCE_DIR"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "tests"))
from checks import SANITIZED, expect, finish, run_program  # noqa: E402

if SANITIZED:
    # The installed libraries are instrumented; a consumer built without -fsanitize cannot link them.
    print("skipped: a sanitizer build (OMEGA_SANITIZED=1) is not installed for consumers")
    sys.exit(77)

source = os.path.abspath(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    os.makedirs(os.path.join(tmp, "subprojects"))
    os.symlink(source, os.path.join(tmp, "subprojects", "omega"))
    with open(os.path.join(tmp, "meson.build"), "w") as f:
        f.write("project('consumer', 'cpp', default_options : ['cpp_std=c++20', 'buildtype=debug'])\n"
                "executable('api-consumer', files('" + os.path.join(source, "packaging", "tests", "consumer",
                                                                   "api_consumer.cpp") + "'),\n"
                "  dependencies : dependency('omega'))\n")
    build = os.path.join(tmp, "b")
    rc, out, err = run_program(["meson", "setup", build], cwd=tmp, timeout=300)
    expect("meson setup with Omega as a subproject", rc == 0, out[-3000:] + err[-2000:])
    if rc == 0:
        targets = run_program(["meson", "introspect", "--targets", build])[1]
        names = [t["name"] for t in json.loads(targets)]
        expect("no tests, examples or benchmarks of Omega in the parent's build",
               not any(n in names for n in ("sim_tests", "omega-examples", "bench_kernel", "runner-scenarios")), str(names))
        rc, out, err = run_program(["ninja", "-C", build, "api-consumer"], timeout=900)
        expect("the consumer builds", rc == 0, out[-3000:] + err[-2000:])
        commands = json.load(open(os.path.join(build, "compile_commands.json")))
        sim = [c["command"] for c in commands if c["file"].endswith("sim/src/run.cpp")]
        mine = [c["command"] for c in commands if c["file"].endswith("api_consumer.cpp")]
        expect("Omega's kernel is built -O2 in a debug parent", sim and " -O2" in sim[0], str(sim)[:500])
        expect("the parent's own code keeps its -O0", mine and " -O0" in mine[0], str(mine)[:500])
        if rc == 0:
            rc, out, err = run_program([os.path.join(build, "api-consumer")])
            expect("the consumer finds its bug", rc == 0 and "found at seed" in out, out + err)
finish()
