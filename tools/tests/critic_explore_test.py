#!/usr/bin/env python3
"""explore --critic: latent bugs found in runs that all pass, silence on the fixed twins, repairs
checked in simulation, livelocks with and without progress marks, a report that does not depend on
--jobs or on worker processes, and the ledgers with findings saved to the corpus (where the critic
over files and replay agree)."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, finish, run_program  # noqa: E402

RUNNER = os.path.abspath(sys.argv[1])
ENV = dict(os.environ, OMEGA_MAX_STEPS="3000")


def run(*args):
    return run_program([RUNNER, *args], env=ENV, timeout=300)


def section(out, scenario):
    """The report of one scenario: from its summary line to the next scenario's."""
    m = re.search(rf"^{re.escape(scenario)}: .*?(?=^critic/|\Z)", out, re.S | re.M)
    return m.group(0) if m else ""


def stable(out):
    return re.sub(r", \d+ schedules/s", "", out)


with tempfile.TemporaryDirectory() as tmp:
    corpus = os.path.join(tmp, "corpus")
    code, out, err = run("explore", "--scenario", "critic/*", "--seeds", "0..39", "--critic", "--quiet",
                         "--no-shrink", "--corpus", corpus, "--jobs", "2")
    expect("findings: exit 1", code == 1, err)
    latent = {"critic/latent-lock-order": "omega.lock-order", "critic/latent-race": "omega.data-race",
              "critic/repeated-oracle": "omega.duplicate-oracle"}
    for scenario, rule in latent.items():
        s = section(out, scenario)
        expect(f"{scenario}: every run passed", " 0 failures" in s, s[:300])
        expect(f"{scenario}: {rule} found", f"critic: 1 findings" in s and rule in s, s)
        fixed = section(out, scenario + "-fixed")
        expect(f"{scenario}-fixed: silent", " 0 failures" in fixed and "critic: 0 findings" in fixed, fixed)
    s = section(out, "critic/latent-lock-order")
    expect("lock order: the repair is checked with the order enforced, naming the code to change",
           "repair: impose_lock_order{mutex accounts, mutex audit} (checked: enforced over 40 schedules, 40 take the "
           "locks against it" in s and "fiber 2 (report) takes mutex accounts while holding mutex audit" in s, s)
    s = section(out, "critic/repeated-oracle")
    expect("duplicate oracle: the memo repair is checked and the duplicate disappears",
           "repair: add_memo{oracle summariser} (checked: with calls deduplicated by key over 40 schedules the "
           "duplicate disappears (0 failing))" in s, s)
    s = section(out, "critic/latent-race")
    expect("data race: its repair stays unchecked (no simulation can impose it)",
           "wrap_with_serializer{shared flag} (unchecked)" in s, s)
    expect("livelock found in the spin loop", "omega.livelock" in section(out, "critic/spin"), section(out, "critic/spin"))
    s = section(out, "critic/spin-progress")
    expect("no livelock where the loop marks progress", "critic: 0 findings" in s, s)

    # The same report whatever the number of workers, and in-process threads.
    _, one, _ = run("explore", "--scenario", "critic/*", "--seeds", "0..39", "--critic", "--quiet", "--no-shrink",
                    "--no-save", "--jobs", "1")
    _, threads, _ = run("explore", "--scenario", "critic/*", "--seeds", "0..39", "--critic", "--quiet", "--no-shrink",
                        "--no-save", "--jobs", "3", "--no-fork")
    without_corpus = re.sub(r"^      corpus: .*\n", "", out, flags=re.M)
    expect("--jobs 1, --jobs 2 and in-process threads agree", stable(one) == stable(without_corpus) == stable(threads),
           "\n".join(l for l in stable(one).splitlines() if l not in stable(threads).splitlines())[:600])

    # The saved ledgers: the critic over the files finds the same latent bugs; replay reproduces them.
    code, files_out, err = run("critic", corpus)
    expect("critic over the saved ledgers finds the latent bugs",
           code == 1 and all(rule in files_out for rule in latent.values()) and "omega.livelock" in files_out,
           files_out + err)
    code, replayed, err = run("replay", corpus)
    expect("replay of the saved ledgers: every expectation holds", code == 0 and "0 expectations violated" in replayed,
           replayed + err)

    code, out, err = run("explore", "--scenario", "critic/latent-race", "--seeds", "0..3", "--critic", "--check-seeds", "0")
    expect("--check-seeds 0 is bad input", code == 2 and err.count("\n") == 1, err)

finish()
