#!/usr/bin/env python3
"""Ledger files from the command line: run --save writes a file that show (text and JSON Lines)
and stats (files and folders, text and JSON) read; an existing file is never overwritten; every
bad file is a one-line error naming the file and the cause, with exit status 2."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, finish, run_program  # noqa: E402

RUNNER = sys.argv[1]


def run(*args):
    return run_program([RUNNER, *args])


with tempfile.TemporaryDirectory() as tmp:
    failing = os.path.join(tmp, "cases", "lost-update.omega")
    os.makedirs(os.path.dirname(failing))
    # A failing seed of the lost update (exit 1), saved.
    seed = None
    for s in range(50):
        code, out, err = run("run", "--scenario", "test/lost-update", "--seed", str(s))
        if code == 1:
            seed = s
            break
    expect("a failing seed exists", seed is not None)
    code, out, err = run("run", "--scenario", "test/lost-update", "--seed", str(seed), "--save", failing)
    expect("run --save keeps the run's exit status and says where", code == 1 and f"saved: {failing}" in out, out + err)
    expect("the file exists", os.path.getsize(failing) > 12)
    before = open(failing, "rb").read()

    code, out, err = run("run", "--scenario", "test/pass", "--save", failing)
    expect("run --save never overwrites", code == 2 and "exists; not overwritten" in err and err.count("\n") == 1, err)
    expect("the file is unchanged", open(failing, "rb").read() == before)

    code, out, err = run("show", failing)
    expect("show prints the header", code == 0 and "test/lost-update (random, seed" in out and "assertion" in out, out + err)
    expect("show names fibers", "(root)" in out and "ScheduleChoose" in out, out)

    code, out, err = run("show", failing, "--format", "json")
    lines = [json.loads(l) for l in out.splitlines()]
    expect("show --format json is JSON Lines, a header first", code == 0 and lines[0]["event"] == "Header", out[:200])
    expect("one object per event and source site", len(lines) - 1 == lines[0]["events"] + lines[0]["sites"], f"{len(lines)} lines")
    sites = {l["site"]: l["at"] for l in lines if l["event"] == "Site"}
    located = [l for l in lines if l["event"] == "Op" and "at" in l]
    expect("ops name their source site (file:line of the scenario)",
           sites and located and all(l["at"] in sites.values() and "runner_scenarios.cpp:" in l["at"] for l in located),
           str(sites))
    expect("the header names scenario, outcome and seed",
           lines[0]["scenario"] == "test/lost-update" and lines[0]["outcome"] == "assertion" and lines[0]["seed"] == seed,
           str(lines[0]))
    decisions = [l for l in lines if l["event"] in ("ScheduleChoose", "Choice")]
    expect("decisions count matches the header", len(decisions) == lines[0]["decisions"], str(len(decisions)))
    expect("fibers carry their names", any(l.get("fiber_name") == "a" for l in lines), out[:300])

    passing = os.path.join(tmp, "cases", "pass.omega")
    code, out, err = run("run", "--scenario", "test/pass", "--save", passing)
    expect("a passing run saves too", code == 0 and os.path.exists(passing), out + err)

    code, out, err = run("stats", failing)
    expect("stats of a file", code == 0 and "bytes on disk" in out and "per decision" in out and "compression" in out, out + err)
    code, out, err = run("stats", os.path.join(tmp, "cases"), "--format", "json")
    stats = json.loads(out) if code == 0 else {}
    expect("stats of a folder, as JSON, with a total", code == 0 and len(stats.get("files", [])) == 2 and
           stats["total"]["events"] == sum(f["events"] for f in stats["files"]), out + err)
    code, out, err = run("stats", tmp + "/nowhere")
    expect("stats of a missing path", code == 2 and "nowhere" in err, err)
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    code, out, err = run("stats", empty)
    expect("stats of a folder without ledgers", code == 2 and "no .omega files" in err, err)

    good = before
    bad_files = {
        "wrong magic": (b"garbage\n", "not an Omega ledger file (wrong magic)"),
        "empty": (b"", "not an Omega ledger file (wrong magic)"),
        "unknown version": (good[:8] + bytes([99, 0, 0, 0]) + good[12:], "format version 99 is not supported"),
        "truncated": (good[:-3], "truncated"),
        "flipped bits": (good[:-5] + bytes([good[-5] ^ 0x40]) + good[-4:], ""),
        "trailing data": (good + b"\0", "trailing data"),
    }
    for name, (data, cause) in bad_files.items():
        path = os.path.join(tmp, name.replace(" ", "-") + ".omega")
        with open(path, "wb") as f:
            f.write(data)
        for cmd in (["show", path], ["stats", path]):
            code, out, err = run(*cmd)
            expect(f"{cmd[0]} of a file with {name}: exit 2, one line naming file and cause",
                   code == 2 and err.count("\n") == 1 and path in err and cause in err and out == "", f"{code} {err!r}")
    code, out, err = run("show", tmp)
    expect("show of a folder", code == 2 and "is a folder" in err, err)

finish()
