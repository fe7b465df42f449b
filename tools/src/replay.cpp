// Replay of corpus cases. Per case: reproduced (same outcome and events, by the strict replay of
// the recorded ledger), fixed (the run now passes; where the fix changed the schedule's shape, the
// recorded choices are followed and then padded with zeros, and the report says so), diverged
// (the schedule no longer matches and the run still fails: where and how, in the fibers' names),
// or error (an unreadable file, an unknown scenario).

#include "replay.hpp"

#include "cli_input.hpp"
#include "junit.hpp"

#include <omega/corpus/store.hpp>
#include <omega/scenario.hpp>
#include <omega/sim/explore.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>

namespace omega::cli {

namespace {

enum class Verdict { reproduced, fixed, diverged, error };
const char* name(Verdict v) {
  switch (v) {
    case Verdict::reproduced: return "reproduced";
    case Verdict::fixed: return "fixed";
    case Verdict::diverged: return "diverged";
    case Verdict::error: return "error";
  }
  return "?";
}

struct CaseResult {
  Verdict verdict = Verdict::error;
  std::string detail;
  std::string scenario;
  corpus::Expectation expectation = corpus::Expectation::fails;
  bool violation = true;
  bool passes_now = false;
};

std::string outcome_text(const sim::RunResult& r) {
  return r.passed() ? std::string("pass") : fmt::format("{}: {}", sim::to_string(r.outcome), r.message);
}

sim::RunOptions options_of(const corpus::Header& h) {
  sim::RunOptions o;
  o.budgets = h.budgets;
  o.governance.profile = sim::Profile{h.profile, h.allowed};
  o.governance.caps = h.caps;
  o.stack_bytes = h.stack_bytes;
  o.seed = h.seed;
  return o;
}

// "0 root, 1 a, 2 b": the ids a divergence message uses, with their names.
std::string fiber_names(const std::vector<sim::Event>& events) {
  std::string out;
  for (const auto& e : events)
    if (const auto* s = std::get_if<sim::ev::Spawn>(&e)) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", s->fiber.value, s->name);
  return out;
}

sim::Ledger ledger_of(const std::vector<sim::Event>& events) {
  sim::Ledger l;
  for (const auto& e : events) l.append(e);
  return l;
}

CaseResult replay_one(const std::filesystem::path& path) {
  CaseResult c;
  corpus::LedgerFile f;
  try {
    f = corpus::read_file(path);
  } catch (const corpus::FileError& e) {
    c.detail = e.what();
    return c;
  }
  c.scenario = f.header.scenario;
  c.expectation = f.header.expectation;
  const Scenario* s = find_scenario(f.header.scenario);
  if (!s) {
    c.detail = fmt::format("unknown scenario '{}' in this binary", f.header.scenario);
    return c;
  }
  sim::RunOptions o = options_of(f.header);
  o.policy = sim::replay_of(f.events);
  const sim::RunResult strict = sim::run(o, s->body);
  const bool fails_expected = f.header.expectation == corpus::Expectation::fails;
  c.passes_now = strict.passed();
  if (strict.outcome != sim::Outcome::divergence) {
    if (strict.ledger.hash() == f.header.digest) {
      c.verdict = Verdict::reproduced;
      c.detail = outcome_text(strict);
    } else if (strict.passed()) {
      c.verdict = Verdict::fixed;
      c.detail = "the run now passes";
    } else {
      c.verdict = Verdict::diverged;
      c.detail = fmt::format("same schedule, other events: {}; now {}: {}",
                             sim::first_difference(ledger_of(f.events), strict.ledger), sim::to_string(strict.outcome),
                             strict.message);
    }
  } else {
    // The schedule no longer fits: follow the recorded choices as far as they go, zeros after.
    std::vector<std::uint64_t> choices;
    for (const auto& e : f.events) {
      if (const auto* sc = std::get_if<sim::ev::ScheduleChoose>(&e)) choices.push_back(sc->choice);
      if (const auto* ch = std::get_if<sim::ev::Choice>(&e)) choices.push_back(ch->value);
    }
    o.policy = sim::vector_of(choices);
    const sim::RunResult padded = sim::run(o, s->body);
    c.passes_now = padded.passed();
    if (padded.passed()) {
      c.verdict = Verdict::fixed;
      c.detail = fmt::format("the run now passes (the schedule changed — {}; the recorded choices were followed, then "
                             "zeros)", strict.message);
    } else {
      c.verdict = Verdict::diverged;
      c.detail = fmt::format("{} (fibers: {}); following the recorded choices then zeros, the run ends {}: {}",
                             strict.message, fiber_names(f.events), sim::to_string(padded.outcome), padded.message);
    }
  }
  // fails: the recorded failure must still happen, event for event; passes: the run must pass.
  c.violation = fails_expected ? !(c.verdict == Verdict::reproduced && !c.passes_now) : !c.passes_now;
  return c;
}

}  // namespace

int cmd_replay(const ReplayArgs& a) {
  const std::vector<std::filesystem::path> files = corpus::case_files(a.paths);
  if (files.empty()) throw InputError("no .omega files in the paths given");
  std::map<Verdict, std::size_t> counts;
  std::size_t violations = 0, errors = 0;
  std::vector<JunitCase> junit;
  for (const auto& p : files) {
    const auto t0 = std::chrono::steady_clock::now();  // lint: allow(wall-clock) report timing only
    const CaseResult c = replay_one(p);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();  // lint: allow(wall-clock) report timing only
    ++counts[c.verdict];
    if (c.verdict == Verdict::error) ++errors;
    else if (c.violation) ++violations;
    const std::string expect =
        c.verdict == Verdict::error ? "" : fmt::format(" [expects {}: {}]", corpus::to_string(c.expectation),
                                                       c.violation ? "VIOLATED" : "ok");
    std::printf("%-10s %s%s\n  %s\n", name(c.verdict), p.string().c_str(), expect.c_str(), c.detail.c_str());
    JunitCase j{p.string(), c.scenario.empty() ? "corpus" : c.scenario, seconds, {}, {}, {}};
    if (c.verdict == Verdict::error) j.error = c.detail;
    else if (c.violation)
      j.failure = fmt::format("{}, but the case expects it to {}: {}", name(c.verdict),
                              c.expectation == corpus::Expectation::fails ? "fail as recorded" : "pass", c.detail);
    else j.output = fmt::format("{}: {}", name(c.verdict), c.detail);
    junit.push_back(std::move(j));
  }
  std::printf("replayed %zu cases: %zu reproduced, %zu fixed, %zu diverged, %zu errors; %zu expectations violated\n",
              files.size(), counts[Verdict::reproduced], counts[Verdict::fixed], counts[Verdict::diverged], errors,
              violations);
  if (a.junit) write_junit(*a.junit, "omega replay", junit);
  if (errors) return 2;
  return violations ? 1 : 0;
}

}  // namespace omega::cli
