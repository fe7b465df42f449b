#!/usr/bin/env python3
"""Reports for machines: `run --format json` and `explore --format json` (sampling, dfs, rff and
--critic) parse and carry the same figures as the text report of the same command, with the same
exit status; their reproduce commands reproduce; `run --junit` writes JUnit XML like explore's;
a bad --format value is a one-line usage error."""
import json
import os
import re
import shlex
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, finish, run_program  # noqa: E402

RUNNER = os.path.abspath(sys.argv[1])
CRITIC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None


def clean_env():
    e = dict(os.environ)
    for k in ("TEST_SHARD_INDEX", "TEST_TOTAL_SHARDS", "TEST_SHARD_STATUS_FILE", "JOB_COMPLETION_INDEX",
              "OMEGA_LOG_LEVEL", "OMEGA_CORPUS"):
        e.pop(k, None)
    return e


def run(*args, program=RUNNER):
    return run_program([program, *args], env=clean_env(), timeout=300)


def run_json(*args, program=RUNNER):
    """Runs a command with --format json; returns (status, document or None, stdout, stderr)."""
    code, out, err = run(*args, "--format", "json", program=program)
    try:
        return code, json.loads(out), out, err
    except ValueError as e:
        return code, None, f"{e}\n{out}", err


def run_reproduce(command):
    """Runs a printed reproduce command (its first word is the runner)."""
    return run(*shlex.split(command)[1:])


def text_figures(out):
    """steps, decisions, preemptions and choices from a text run report."""
    m = re.search(r"steps (\d+), decisions (\d+), preemptions (\d+), choices (\S+)", out)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)) if m else None


def without_timing(doc):
    """A document with its wall-clock figures taken out, to compare two runs."""
    if isinstance(doc, dict):
        return {k: without_timing(v) for k, v in doc.items() if k not in ("seconds", "schedules_per_second")}
    if isinstance(doc, list):
        return [without_timing(v) for v in doc]
    return doc


# run --format json: the text's figures, the same exit status.
for args, status in ((["--scenario", "test/lost-update", "--seed", "1"], 1), (["--scenario", "test/pass", "--seed", "3"], 0),
                     (["--scenario", "test/lost-update", "--seed", "4", "--policy", "pct:2"], None)):
    tcode, tout, terr = run("run", *args)
    code, doc, out, err = run_json("run", *args)
    expect(f"run {args} --format json parses", doc is not None, out + err)
    if doc is None:
        continue
    expect(f"run {args}: the exit status of the text report", code == tcode and (status is None or code == status),
           f"{code} vs {tcode}")
    expect(f"run {args}: steps, decisions, preemptions and choices agree with the text",
           text_figures(tout) == (doc["steps"], doc["decisions"], doc["preemptions"], doc["choices"]),
           f"{text_figures(tout)} vs {doc}")
    expect(f"run {args}: the schedule, outcome and message", doc["command"] == "run" and
           doc["scenario"] == args[1] and doc["seed"] == int(args[3]) and doc["choices_given"] is None and
           doc["passed"] == (code == 0) and f": {doc['outcome']}" in tout and doc["message"] in tout and
           doc["saved"] is None, str(doc))
    expect(f"run {args}: the policy and PCT's k", doc["policy"] == (args[5] if len(args) > 5 else "random") and
           (doc["pct_steps"] is None) == (len(args) <= 5), str(doc))
    if code == 1:
        m = re.search(r"reproduce: (.*)", tout)
        expect(f"run {args}: the reproduce command of the text", m and m.group(1) == doc["reproduce"], tout + str(doc))
        rc, rout, _ = run_reproduce(doc["reproduce"])
        expect(f"run {args}: the reproduce command reproduces", rc == 1 and doc["message"] in rout, rout)
    expect(f"run {args}: nothing on stderr", err == "", err)

code, doc, out, err = run_json("run", "--scenario", "test/lost-update", "--choices", "~3.1")
expect("run --choices --format json: the choice vector given, no seed",
       doc is not None and doc["choices_given"] == "~3.1" and doc["seed"] is None and doc["policy"] is None, out)
code, doc, out, err = run_json("run", "--scenario", "test/lost-update", "--seed", "1", "--events", "--trace")
tcode, tout, _ = run("run", "--scenario", "test/lost-update", "--seed", "1", "--events", "--trace")
# The text prints the events, then the interleaving, then the outcome.
expect("run --events --trace --format json: the events and the interleaving of the text",
       doc is not None and len(doc["events"]) > 10 and "| 0 root" in doc["interleaving"] and
       tout.startswith("".join(f"  {e}\n" for e in doc["events"]) + doc["interleaving"] + "test/lost-update ("), out)
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "run.omega")
    code, doc, out, err = run_json("run", "--scenario", "test/lost-update", "--seed", "1", "--save", path)
    expect("run --save --format json: the file saved, its size and events",
           doc is not None and doc["saved"]["path"] == path and doc["saved"]["bytes"] == os.path.getsize(path) and
           doc["saved"]["events"] > 0, out + err)

# A bad --format value: one line, exit 2.
for cmd in (["run", "--scenario", "test/pass"], ["explore", "--scenario", "test/pass"]):
    code, out, err = run(*cmd, "--format", "xml")
    expect(f"{cmd[0]} --format xml: a one-line usage error", code == 2 and out == "" and "--format" in err and
           len(err.strip().splitlines()) == 1, err)

# explore --format json, a passing scenario: one document on stdout, the text's figures.
args = ["explore", "--scenario", "test/pass", "--seeds", "0..99", "--no-save"]
tcode, tout, _ = run(*args, "--quiet")
code, doc, out, err = run_json(*args, "--quiet")
expect("explore (passing) --format json parses, exits 0", doc is not None and code == tcode == 0, out + err)
if doc:
    s = doc["scenarios"][0]
    expect("explore (passing): the header, the scenario's figures and the totals",
           doc["command"] == "explore" and doc["policy"] == "random" and doc["seeds"] == {"first": 0, "last": 99} and
           doc["exit_status"] == 0 and doc["not_explored"] == [] and s["scenario"] == "test/pass" and
           s["schedules"] == 100 == s["seeds_total"] and s["failures"] == 0 and s["signatures"] == [] and
           s["interrupted"] is None and not s["stopped_early"] and
           f"{s['distinct_schedules']} distinct" in tout and
           doc["totals"] == {"scenarios": 1, "schedules": 100, "failures": 0, "signatures": 0}, out)

# explore --format json, a failing scenario: failures with reproduce commands that reproduce, and
# the shrunk schedule; the same figures as the text.
args = ["explore", "--scenario", "test/lost-update", "--seeds", "0..199", "--quiet"]
with tempfile.TemporaryDirectory() as d:
    tcode, tout, _ = run(*args, "--no-save")
    code, doc, out, err = run_json(*args, "--corpus", os.path.join(d, "corpus"))
    expect("explore (failing) --format json parses, exits 1 as the text does", doc is not None and code == tcode == 1,
           out + err)
    expect("explore --format json --quiet: nothing on stderr", err == "", err)
    if doc:
        s = doc["scenarios"][0]
        sig = s["signatures"][0] if s["signatures"] else {}
        m = re.search(r"(\d+) failures, (\d+) signatures", tout)
        expect("explore (failing): failures and signatures as in the text",
               m and (s["failures"], len(s["signatures"])) == (int(m.group(1)), int(m.group(2))) and
               doc["totals"]["failures"] == s["failures"] and doc["exit_status"] == 1, tout + out)
        head = re.search(r"\[1\] (\w+) x(\d+), first at seed (\d+) \(found by (\S+)\): (.*)", tout)
        expect("explore (failing): the first signature as in the text",
               head and (sig.get("outcome"), sig.get("count"), sig.get("first_seed"), sig.get("found_by"),
                         sig.get("message")) == (head.group(1), int(head.group(2)), int(head.group(3)), head.group(4),
                                                 head.group(5)), tout + out)
        expect("explore (failing): the reproduce command of the text", f"reproduce: {sig.get('reproduce')}\n" in tout,
               tout + out)
        rc, rout, _ = run_reproduce(sig["reproduce"])
        expect("explore (failing): the reproduce command reproduces", rc == 1 and sig["message"] in rout, rout)
        shrunk = sig.get("shrunk") or {}
        expect("explore (failing): the shrunk figures of the text",
               f"shrunk: preemptions {shrunk.get('preemptions_before')} -> {shrunk.get('preemptions_after')}, "
               f"decisions {shrunk.get('decisions_before')} -> {shrunk.get('decisions_after')}" in tout and
               f"reproduce minimal: {shrunk.get('reproduce')}\n" in tout and shrunk.get("preemptions_after") == 1 and
               "| 0 root" in shrunk.get("interleaving", ""), tout + out)
        rc, rout, _ = run_reproduce(shrunk["reproduce"])
        expect("explore (failing): the shrunk reproduce command (choices with digest) reproduces",
               rc == 1 and shrunk["choices"] in rout and "counter == 2 (got 1)" in rout, rout)
        corpus = sig.get("corpus") or {}
        expect("explore (failing): the corpus file saved, as the text says",
               corpus.get("file") and os.path.isfile(corpus["file"]) and corpus["text"].startswith(corpus["file"]),
               str(corpus))
        # Worker processes send the shrink figures to the parent as JSON: threads agree.
        _, threads, tho, _ = run_json(*args, "--no-save", "--no-fork")
        _, workers, wo, _ = run_json(*args, "--no-save")
        expect("explore --format json: worker processes and --no-fork threads agree",
               threads and workers and without_timing(threads) == without_timing(workers), wo + "\n---\n" + tho)
    code, doc, out, err = run_json(*args, "--no-save", "--no-shrink", "--stop-after", "2")
    s = doc["scenarios"][0] if doc else {}
    expect("explore --no-shrink --stop-after 2 --format json: not shrunk, no corpus, stopped early",
           doc and code == 1 and s["stopped_early"] and doc["stop_after"] == 2 and s["failures"] == 2 and
           all(x["shrunk"] is None and x["corpus"] is None for x in s["signatures"]), out)

# Without --quiet the progress lines stay on stderr: stdout is the document alone.
code, doc, out, err = run_json("explore", "--scenario", "test/many-schedules", "--seeds", "0..19999", "--no-save")
expect("explore --format json with progress: stdout parses", doc is not None and code == 0, out + err)
# The time box: the scenario cut short says so, the scenarios not reached are named.
code, doc, out, err = run_json("explore", "--scenario", "test/*", "--seeds", "0..18446744073709551615", "--max-time",
                               "1s", "--no-shrink", "--no-save", "--quiet")
if doc:
    cut = [s for s in doc["scenarios"] if s["interrupted"]]
    expect("explore --max-time --format json: the time box, the seeds covered, the scenarios not reached",
           code == doc["exit_status"] and cut and "time box reached (--max-time 1s)" == cut[0]["interrupted"]["reason"]
           and cut[0]["interrupted"]["up_to_seed"] == cut[0]["schedules"] - 1 and doc["not_explored"] and
           doc["max_time"] == "1s", out)
else:
    expect("explore --max-time --format json parses", False, out + err)

# dfs: a complete proof, and a failure whose reproduce command reproduces.
code, doc, out, err = run_json("explore", "--scenario", "test/lost-update", "--policy", "dfs:pb=0", "--quiet",
                               "--no-save")
s = doc["scenarios"][0] if doc else {}
expect("dfs:pb=0 --format json: complete, no failure, exit 0",
       doc and code == 0 and s["complete"] and s["failures"] == 0 and s["signatures"] == [] and
       s["preemption_bound"] == 0 and doc["seeds"] is None, out + err)
tcode, tout, _ = run("explore", "--scenario", "test/lost-update", "--policy", "dfs:pb=1", "--quiet", "--no-save")
code, doc, out, err = run_json("explore", "--scenario", "test/lost-update", "--policy", "dfs:pb=1", "--quiet",
                               "--no-save")
s = doc["scenarios"][0] if doc else {}
f = s["signatures"][0] if s.get("signatures") else {}
expect("dfs:pb=1 --format json: the failure with its preemptions, as in the text",
       doc and code == tcode == 1 and f.get("preemptions") == 1 and f.get("first_seed") is None and
       f"reproduce: {f.get('reproduce')}\n" in tout and f"{s['schedules']} schedules ({s['runs']} runs" in tout, out)
if f:
    rc, rout, _ = run_reproduce(f["reproduce"])
    expect("dfs --format json: the reproduce command reproduces", rc == 1 and "counter == 2 (got 1)" in rout, rout)

# rff: the same figures as its text.
args = ["explore", "--scenario", "test/lost-update", "--policy", "rff", "--seeds", "0..199", "--quiet", "--no-save"]
tcode, tout, _ = run(*args)
code, doc, out, err = run_json(*args)
s = doc["scenarios"][0] if doc else {}
expect("rff --format json: the text's figures",
       doc and code == tcode == 1 and s["signatures"] and s["signatures"][0]["found_by"] == "rff" and
       f"{s['schedules']} schedules (rff, seeds 0..199, epochs of {s['epoch']}), {s['reads_from_pairs']} reads-from "
       f"pairs, {s['corpus_schedules']} in corpus, {s['failures']} failures" in tout, tout + out)
if s.get("signatures"):
    rc, rout, _ = run_reproduce(s["signatures"][0]["reproduce"])
    expect("rff --format json: the reproduce command reproduces", rc == 1 and "counter == 2 (got 1)" in rout, rout)

# explore --critic --format json: findings with their checked repairs and reproduce commands.
if CRITIC:
    args = ["explore", "--scenario", "critic/latent-lock-order*", "--seeds", "0..39", "--critic", "--quiet",
            "--no-shrink", "--no-save"]
    code, doc, out, err = run_json(*args, program=CRITIC)
    by_name = {s["scenario"]: s for s in doc["scenarios"]} if doc else {}
    latent = by_name.get("critic/latent-lock-order", {}).get("critic") or []
    expect("explore --critic --format json: a lock-order finding with a checked repair, silence on the fixed twin",
           code == 1 and any(k["rule"] == "omega.lock-order" and k["repairs"] and k["repairs"][0]["checked"] and
                             "reproduce" in k and "seed" in k for k in latent) and
           by_name.get("critic/latent-lock-order-fixed", {}).get("critic") == [], out + err)

# run --junit: one suite, one case, failing with the reproduce command and the interleaving.
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "run.xml")
    with open(path, "w") as stale:
        stale.write("not xml: replaced")
    code, out, err = run("run", "--scenario", "test/lost-update", "--seed", "1", "--junit", path)
    try:
        suites = ET.parse(path).getroot()
        suite = suites.find("testsuite")
        cases = suite.findall("testcase")
        failure = cases[0].find("failure")
        reproduce = re.search(r"reproduce: (.*)", out).group(1)
        expect("run --junit (failing): one suite and one failing case with the reproduce command and interleaving",
               code == 1 and suites.tag == "testsuites" and suite.get("name") == "test/lost-update" and
               suite.get("tests") == "1" and suite.get("failures") == "1" and len(cases) == 1 and
               cases[0].get("name") == "seed 1, policy random" and failure is not None and
               reproduce in failure.get("message") and "| 0 root" in failure.text and
               "counter == 2 (got 1)" in failure.text, ET.tostring(suites, encoding="unicode"))
        expect("run --junit: the text report is unchanged", "reproduce:" in out and "steps " in out, out)
        expect("run --junit: no temporary file left", os.listdir(d) == ["run.xml"], str(os.listdir(d)))
    except (ET.ParseError, AttributeError, IndexError, TypeError) as e:
        expect("run --junit (failing) writes well-formed XML", False, f"{e}: {out} {err}")
    code, doc, out, err = run_json("run", "--scenario", "test/pass", "--junit", path)
    try:
        suite = ET.parse(path).getroot().find("testsuite")
        expect("run --junit --format json (passing): a passing case, the JSON still on stdout",
               code == 0 and doc and doc["passed"] and suite.get("failures") == "0" and
               suite.find("testcase").find("failure") is None and suite.get("name") == "test/pass", out + err)
    except (ET.ParseError, AttributeError) as e:
        expect("run --junit (passing) writes well-formed XML", False, f"{e}: {out} {err}")
    code, out, err = run("run", "--scenario", "test/pass", "--junit", os.path.join(d, "missing", "run.xml"))
    expect("run --junit into a missing folder: exit 2, one line", code == 2 and "JUnit" in err and
           len(err.strip().splitlines()) == 1, err)

# shrink --format json: one document with the failing run and the shrink figures, which agree with
# the text report and whose minimal schedule reproduces the same failure.
code, doc, out, err = run_json("shrink", "--scenario", "test/lost-update", "--seed", "1")
_, text_out, _ = run("shrink", "--scenario", "test/lost-update", "--seed", "1")
m = re.search(r"shrunk: preemptions (\d+) -> (\d+), decisions (\d+) -> (\d+), (\d+) re-runs", text_out)
ok = code == 1 and doc is not None and m is not None
expect("shrink --format json: one JSON document, exit 1", ok, out + err)
if ok:
    sh = doc["shrink"]
    expect("shrink --format json: the figures of the text report",
           doc["command"] == "shrink" and doc["scenario"] == "test/lost-update" and doc["outcome"] == "assertion" and
           (sh["preemptions_before"], sh["preemptions_after"], sh["decisions_before"], sh["decisions_after"],
            sh["runs"]) == tuple(int(g) for g in m.groups()) and sh["choices"] in text_out and
           "| 0 root" in sh["interleaving"], json.dumps(doc)[:2000])
    code, again, _, err = run_json(*shlex.split(sh["reproduce"])[1:])
    expect("shrink --format json: its reproduce command fails the same way",
           code == 1 and again is not None and again["message"] == sh["message"], err)

finish()
