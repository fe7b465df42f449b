#!/usr/bin/env python3
"""The critic from the command line, over the committed corpus: text, JSON and SARIF 2.1.0 (checked
structurally: every result's rule and artifact resolve, levels are SARIF's, repairs ride in
properties); exit 1 with findings, 0 without, 2 on a bad file."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, finish, run_program  # noqa: E402

RUNNER, CASES = os.path.abspath(sys.argv[1]), sys.argv[2]


def run(*args):
    return run_program([RUNNER, *args])


code, out, err = run("critic", CASES)
expect("text: findings, exit 1", code == 1 and "omega.deadlock" in out and "omega.lock-order" in out and
       "omega.duplicate-oracle" in out and "omega.data-race" in out, out + err)
expect("text: repairs are printed as unchecked", "repair: impose_lock_order{mutex accounts, mutex audit} (unchecked)" in out, out)

code, out, err = run("critic", CASES, "--format", "json")
findings = json.loads(out)
expect("json: a list of findings with rule, level, evidence and repairs",
       code == 1 and all({"rule", "level", "scenario", "source", "message", "evidence", "repairs"} <= set(f) for f in findings)
       and len(findings) >= 4, out[:300])

code, out, err = run("critic", CASES, "--format", "sarif")
doc = json.loads(out)
expect("sarif: version 2.1.0 with a $schema", doc.get("version") == "2.1.0" and "sarif-2.1.0" in doc.get("$schema", ""), out[:200])
run0 = doc["runs"][0]
rules = run0["tool"]["driver"]["rules"]
artifacts = [a["location"]["uri"] for a in run0["artifacts"]]
expect("sarif: the driver is named and versioned", run0["tool"]["driver"]["name"] == "omega-critic" and
       run0["tool"]["driver"]["version"], str(run0["tool"]["driver"])[:200])
ok = True
for r in run0["results"]:
    ok &= rules[r["ruleIndex"]]["id"] == r["ruleId"]
    ok &= r["level"] in ("error", "warning", "note", "none")
    ok &= bool(r["message"]["text"])
    loc = r["locations"][0]["physicalLocation"]["artifactLocation"]
    ok &= artifacts[loc["index"]] == loc["uri"]
    ok &= all({"kind", "targets", "explanation", "checked"} <= set(x) for x in r["properties"]["repairs"])
    ok &= bool(r["partialFingerprints"])
expect("sarif: every result resolves its rule and artifact, levels are SARIF's", ok and len(run0["results"]) >= 4,
       out[:500])

with tempfile.TemporaryDirectory() as tmp:
    clean = os.path.join(tmp, "pass.omega")
    subprocess.run([RUNNER, "run", "--scenario", "examples/pipeline", "--save", clean], capture_output=True)
    code, out, err = run("critic", clean)
    expect("no findings: exit 0", code == 0 and "0 findings" in out, out + err)
    bad = os.path.join(tmp, "bad.omega")
    open(bad, "w").write("junk")
    code, out, err = run("critic", bad)
    expect("a bad file: exit 2, one line", code == 2 and err.count("\n") == 1 and "wrong magic" in err, err)

finish()
