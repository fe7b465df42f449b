#!/usr/bin/env python3
"""run --trace-out FILE: the run in the Chrome trace-event format that Perfetto and chrome://tracing
open. Checks the document's structure (what each phase needs, a name per fiber track, running
slices that never overlap on a track, every flow start with its end, timestamps in order per
track), the failure marked on a failing run only, its step matching the message's and the
interleaving table's, and a bad path refused before the run with a one-line error.

Usage: trace_out_test.py RUNNER [RUNNER...] (runner_scenarios first; others add scenarios)."""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, finish, run_program  # noqa: E402

RUNNERS = sys.argv[1:]
RUNNER = RUNNERS[0]

# What each phase must carry, beyond ph and pid (the metadata's ts is optional: Perfetto advises
# leaving it out).
REQUIRED = {
    "M": ("name", "tid", "args"),
    "X": ("name", "tid", "ts", "dur"),
    "i": ("name", "tid", "ts", "s"),
    "s": ("name", "cat", "id", "tid", "ts"),
    "f": ("name", "cat", "id", "tid", "ts", "bp"),
}


def problems(doc):
    """Everything wrong with a trace document's structure, as a list of strings (empty: fine)."""
    found = []
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["no traceEvents list"]
    if doc.get("displayTimeUnit") not in ("ms", "ns"):
        found.append(f"displayTimeUnit {doc.get('displayTimeUnit')!r}")
    events = doc["traceEvents"]
    named, acting = set(), set()
    slices, last_ts, starts, ends = {}, {}, {}, {}
    for e in events:
        ph = e.get("ph")
        if ph not in REQUIRED or "pid" not in e:
            found.append(f"unknown phase or no pid: {e}")
            continue
        missing = [k for k in REQUIRED[ph] if k not in e]
        if missing:
            found.append(f"{ph} event without {missing}: {e}")
            continue
        if ph == "M":
            if e["name"] == "thread_name":
                if e["tid"] in named:
                    found.append(f"two thread names for tid {e['tid']}")
                named.add(e["tid"])
            continue
        tid, ts = e["tid"], e["ts"]
        if not isinstance(ts, (int, float)) or ts < 0:
            found.append(f"bad ts: {e}")
            continue
        if ph != "i" or e["s"] == "t":
            acting.add(tid)
            if ts < last_ts.get(tid, 0):
                found.append(f"ts goes back on track {tid}: {e}")
            last_ts[tid] = ts
        if ph == "X":
            if e["dur"] < 0:
                found.append(f"negative dur: {e}")
            slices.setdefault(tid, []).append((ts, ts + e["dur"]))
        elif ph == "i" and e["s"] not in ("t", "p", "g"):
            found.append(f"bad instant scope: {e}")
        elif ph == "s":
            starts[(e["cat"], e["name"], e["id"])] = e
        elif ph == "f":
            ends[(e["cat"], e["name"], e["id"])] = e
    for tid in sorted(acting - named):
        found.append(f"track {tid} has events but no thread_name")
    for tid, spans in slices.items():
        spans.sort()
        for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
            if b0 < a1:
                found.append(f"running slices overlap on track {tid}: {a0}..{a1} and {b0}..{b1}")
    for key in sorted(set(starts) ^ set(ends), key=str):
        found.append(f"flow {key} has {'no end' if key in starts else 'no start'}")
    for key in set(starts) & set(ends):
        s, f = starts[key], ends[key]
        if f["ts"] < s["ts"]:
            found.append(f"flow {key} ends before it starts")
        # Each end must land inside a running slice of its track (that is what it binds to).
        if not any(a <= f["ts"] <= b for a, b in slices.get(f["tid"], [])):
            found.append(f"flow {key} ends outside any running slice of track {f['tid']}")
        if not any(a <= s["ts"] <= b for a, b in slices.get(s["tid"], [])):
            found.append(f"flow {key} starts outside any running slice of track {s['tid']}")
    return found


def traced(runner, *args):
    """Runs `runner run ARGS --trace-out` into a fresh file: (status, stdout, stderr, document or None)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "run.json")
        code, out, err = run_program([runner, "run", *args, "--trace-out", path])
        doc = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        leftovers = sorted(set(os.listdir(d)) - {"run.json"})
        expect(f"{' '.join(args)}: no temporary file left", not leftovers, str(leftovers))
        return code, out, err, doc


def failure_marks(doc):
    return [e for e in doc["traceEvents"] if e.get("ph") == "i" and e.get("s") == "g"
            and e.get("name", "").startswith("failure: ")]


# A failing run: the lost update.
code, out, err, doc = traced(RUNNER, "--scenario", "test/lost-update", "--seed", "1")
expect("failing run exits 1 and writes the trace", code == 1 and doc is not None, out + err)
expect("failing run prints where the trace is", re.search(
    r"^  trace: \S+run\.json \(open in https://ui\.perfetto\.dev or chrome://tracing\)$", out, re.M) is not None, out)
if doc is not None:
    expect("failing run: a well-formed trace", not problems(doc), "\n".join(problems(doc)))
    names = {e["tid"]: e["args"]["name"] for e in doc["traceEvents"] if e["name"] == "thread_name"}
    expect("a named track per fiber", names == {0: "fiber 0 (root)", 1: "fiber 1 (a)", 2: "fiber 2 (b)"}, str(names))
    process = [e for e in doc["traceEvents"] if e["name"] == "process_name"]
    expect("the process is the scenario", [p["args"]["name"] for p in process] == ["test/lost-update"], str(process))
    marks = failure_marks(doc)
    message = re.search(r"assertion — (.*)", out).group(1)
    expect("the failure is marked once, with the run's message",
           len(marks) == 1 and marks[0]["name"] == "failure: " + message, str(marks))
    expect("the outcome is in the file", doc.get("otherData", {}).get("outcome") == "assertion", str(doc.get("otherData")))
    # The clock is the step: the failure sits in the step the message names.
    step = int(re.search(r"at step ([0-9]+)", message).group(1))
    expect("the failure mark is at the message's step",
           marks and marks[0]["args"]["step"] == step and int(marks[0]["ts"]) == step, f"{step} {marks}")
    ops = [e["name"] for e in doc["traceEvents"] if e["ph"] == "i" and e["s"] == "t"]
    # Named as the table's rows (which may add the call's source line after the operation).
    expect("operations are instants", all(any(o.startswith(want) for o in ops)
                                          for want in ("load counter=0", "store counter=1", "join 1")), str(ops))
    flows = {e["name"] for e in doc["traceEvents"] if e["ph"] == "s"}
    expect("arrows for spawns, joins and preemptions", {"spawn", "join", "preemption"} <= flows, str(flows))
    # The interleaving table numbers its rows by the same step: the failing row carries the
    # message's step.
    tcode, tout, _ = run_program([RUNNER, "run", "--scenario", "test/lost-update", "--seed", "1", "--trace"])
    row = re.search(r"^ *([0-9]+) \|.*!! check failed", tout, re.M)
    expect("the table's failing row has the message's step", row is not None and int(row.group(1)) == step, tout)

# A passing run: no failure mark.
code, out, err, doc = traced(RUNNER, "--scenario", "test/pass")
expect("passing run exits 0 and writes the trace", code == 0 and doc is not None and "  trace: " in out, out + err)
if doc is not None:
    expect("passing run: a well-formed trace", not problems(doc), "\n".join(problems(doc)))
    expect("passing run: no failure mark", not failure_marks(doc), str(failure_marks(doc)))
    flows = {e["name"] for e in doc["traceEvents"] if e["ph"] == "s"}
    expect("passing run: the child's yield and its end reach the root", {"spawn", "join"} <= flows, str(flows))

# Many schedules, and the other runners' scenarios (deadlocks, oracles, spinning): always well formed.
for seed in range(8):
    code, out, err, doc = traced(RUNNER, "--scenario", "test/many-schedules", "--seed", str(seed))
    expect(f"many-schedules seed {seed}: a well-formed trace", doc is not None and not problems(doc),
           out + err + "\n".join(problems(doc or {})))
for runner in RUNNERS[1:]:
    _, listing, _ = run_program([runner, "list"])
    for scenario in listing.split():
        for seed in range(3):
            code, out, err, doc = traced(runner, "--scenario", scenario, "--seed", str(seed))
            expect(f"{scenario} seed {seed}: a well-formed trace", doc is not None and not problems(doc),
                   out + err + "\n".join(problems(doc or {})))
            if doc is not None:
                expect(f"{scenario} seed {seed}: marked failing exactly when it fails",
                       len(failure_marks(doc)) == (1 if code == 1 else 0), f"{code} {failure_marks(doc)}")

# --format json prints one document: the trace line stays out of it.
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "t.json")
    code, out, err = run_program([RUNNER, "run", "--scenario", "test/pass", "--format", "json", "--trace-out", path])
    try:
        json.loads(out)
        parsed = True
    except ValueError:
        parsed = False
    expect("--format json with --trace-out: stdout is one JSON document", code == 0 and parsed and os.path.exists(path),
           out + err)
    # An existing file is replaced, as --junit's report is.
    with open(path, "w", encoding="utf-8") as f:
        f.write("old")
    code, out, err = run_program([RUNNER, "run", "--scenario", "test/pass", "--trace-out", path])
    with open(path, encoding="utf-8") as f:
        replaced = f.read() != "old"
    expect("an existing trace file is replaced", code == 0 and replaced, out + err)

# A folder that does not exist: a one-line error, exit 2, and no run.
code, out, err = run_program([RUNNER, "run", "--scenario", "test/lost-update", "--seed", "1",
                              "--trace-out", "/nonexistent-omega-folder/t.json"])
expect("a missing folder is a one-line usage error before the run",
       code == 2 and len(err.strip().splitlines()) == 1 and "/nonexistent-omega-folder" in err and out == "",
       f"{code} {out!r} {err!r}")
with tempfile.TemporaryDirectory() as d:
    code, out, err = run_program([RUNNER, "run", "--scenario", "test/pass", "--trace-out", d])
    expect("a folder as the file is a one-line usage error", code == 2 and len(err.strip().splitlines()) == 1,
           f"{code} {out!r} {err!r}")

finish()
