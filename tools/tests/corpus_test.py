#!/usr/bin/env python3
"""The regression corpus from the command line: explore saves each failure signature (shrunk) to
the corpus; replay in a fresh process reports reproduced / fixed / diverged / error and checks
expectations; corpus expect flips one; --junit writes parseable JUnit XML; --no-save and
OMEGA_CORPUS; digest-carrying reproduce strings refuse to run another schedule."""
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, finish, run_program  # noqa: E402

RUNNER = os.path.abspath(sys.argv[1])


def run(*args, variant="bug", cwd=None, env=None):
    e = dict(os.environ, OMEGA_TEST_VARIANT=variant)
    e.pop("OMEGA_CORPUS", None)
    e.update(env or {})
    return run_program([RUNNER, *args], env=e, cwd=cwd)


def files(root):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".omega"))


with tempfile.TemporaryDirectory() as tmp:
    corpus = os.path.join(tmp, "corpus")
    code, out, err = run("explore", "--scenario", "test/variant", "--seeds", "0..199", "--quiet", "--corpus", corpus)
    saved = files(corpus)
    expect("explore finds the bug and saves one case per signature", code == 1 and len(saved) == 1, out + err)
    expect("the case lives under <corpus>/<scenario>/<hash>.omega",
           saved and re.search(r"/corpus/test/variant/[0-9a-f]{16}\.omega$", saved[0]), str(saved))
    expect("explore prints the case's path", saved and f"corpus: {saved[0]}" in out, out)
    code, show, err = run("show", saved[0]) if saved else (1, "", "")
    expect("the saved case is the shrunk schedule (1 preemption)", "preemptions 1," in show, show[:400])

    code, out, err = run("explore", "--scenario", "test/variant", "--seeds", "0..199", "--quiet", "--corpus", corpus)
    expect("exploring again adds no file", files(corpus) == saved, str(files(corpus)))

    code, out, err = run("replay", corpus, "--junit", os.path.join(tmp, "replay.xml"))
    expect("replay in a fresh process: reproduced, expectation met, exit 0",
           code == 0 and out.startswith("reproduced") and "[expects fails: ok]" in out, out + err)
    suite = ET.parse(os.path.join(tmp, "replay.xml")).getroot().find("testsuite")
    expect("--junit writes JUnit XML", suite is not None and suite.get("tests") == "1" and suite.get("failures") == "0",
           open(os.path.join(tmp, "replay.xml")).read())

    code, out, err = run("replay", corpus, "--junit", os.path.join(tmp, "fixed.xml"), variant="fixed")
    expect("a fixed scenario reports fixed, which violates 'fails' (exit 1)",
           code == 1 and out.startswith("fixed") and "VIOLATED" in out and "zeros" in out, out + err)
    suite = ET.parse(os.path.join(tmp, "fixed.xml")).getroot().find("testsuite")
    expect("the violation is a JUnit failure", suite.get("failures") == "1", ET.tostring(suite).decode())

    code, out, err = run("corpus", "expect", "passes", *saved)
    expect("corpus expect passes", code == 0 and files(corpus) == saved, out + err)
    code, out, err = run("replay", corpus, variant="fixed")
    expect("once it expects passes, the fixed scenario is fine (exit 0)", code == 0 and "[expects passes: ok]" in out, out)
    code, out, err = run("replay", corpus, variant="bug")
    expect("and the bug coming back violates it (exit 1)", code == 1 and out.startswith("reproduced") and "VIOLATED" in out,
           out)
    run("corpus", "expect", "fails", *saved)

    code, out, err = run("replay", corpus, variant="edited")
    expect("an edited scenario reports diverged, at a decision, naming fibers",
           code == 1 and out.startswith("diverged") and "divergence at decision" in out and "1 a" in out, out + err)

    code, out, err = run("replay", corpus, "--follow", "fibers", variant="renumbered")
    expect("positionally, a renumbered scenario no longer fails the same way", "VIOLATED" in out, out)
    expect("--follow fibers follows the recording by identity and still reproduces the failure",
           re.search(r"followed by fiber identity: (\d+) of \1 recorded scheduling decisions matched", out) and
           "the recorded failure still reproduces" in out, out)
    code, out, err = run("replay", corpus, "--follow", "fibers", variant="fixed")
    expect("--follow fibers on the fixed scenario: the failure does not reproduce",
           "the recorded failure does not reproduce" in out, out)

    bad = os.path.join(tmp, "bad.omega")
    open(bad, "w").write("junk")
    code, out, err = run("replay", bad)
    expect("an unreadable case is an error (exit 2)", code == 2 and out.startswith("error") and "wrong magic" in out, out)
    code, out, err = run("replay", os.path.join(tmp, "missing"))
    expect("a missing path is an error (exit 2)", code == 2 and "No such file" in err, err)

    # --no-save and OMEGA_CORPUS
    work = os.path.join(tmp, "work")
    os.makedirs(work)
    code, out, err = run("explore", "--scenario", "test/variant", "--seeds", "0..49", "--quiet", "--no-save", cwd=work)
    expect("--no-save writes nothing", code == 1 and os.listdir(work) == [] and "corpus:" not in out, str(os.listdir(work)))
    code, out, err = run("explore", "--scenario", "test/variant", "--seeds", "0..49", "--quiet", "--no-shrink", cwd=work)
    expect("the default corpus is ./omega-corpus", len(files(os.path.join(work, "omega-corpus"))) == 1, out)
    env_corpus = os.path.join(tmp, "env-corpus")
    code, out, err = run("explore", "--scenario", "test/variant", "--seeds", "0..49", "--quiet", "--no-shrink",
                         env={"OMEGA_CORPUS": env_corpus})
    expect("OMEGA_CORPUS chooses the corpus", len(files(env_corpus)) == 1, out)

    # Reproduce strings with a digest.
    code, out, err = run("explore", "--scenario", "test/variant", "--seeds", "0..199", "--quiet", "--no-save")
    m = re.search(r"--choices '([^']+)'", out)
    expect("the minimal reproduce string carries a digest", m and re.search(r"@[0-9a-f]{8}$", m.group(1)), out)
    if m:
        code, out2, err = run("run", "--scenario", "test/variant", "--choices", m.group(1))
        expect("it reproduces (exit 1, the assertion)", code == 1 and "assertion" in out2, out2 + err)
        code, out2, err = run("run", "--scenario", "test/variant", "--choices", m.group(1), variant="edited")
        expect("on an edited scenario it is a divergence, not another run", code == 1 and "divergence" in out2 and
               "no longer matches its reproduce string" in out2, out2 + err)
        plain = m.group(1).split("@")[0]
        code, out2, err = run("run", "--scenario", "test/variant", "--choices", plain, variant="edited")
        expect("a plain string keeps zero-padding semantics", "divergence" not in out2, out2)

finish()
