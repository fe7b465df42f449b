// Replay of corpus cases. Per case: reproduced (same outcome and events, following the recorded
// choices), fixed (the run now passes; where the fix changed the schedule's shape, the
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
#include <memory>

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

sim::Ledger ledger_of(const std::vector<sim::Event>& events) {
  sim::Ledger l;
  for (const auto& e : events) l.append(e);
  return l;
}

// The decisions of a run (ScheduleChoose and Choice events), in order, with the fiber names.
struct Decisions {
  std::vector<const sim::Event*> list;
  std::map<std::uint32_t, std::string> names;
  explicit Decisions(const std::vector<sim::Event>& events) {
    for (const auto& e : events) {
      if (std::holds_alternative<sim::ev::ScheduleChoose>(e) || std::holds_alternative<sim::ev::Choice>(e))
        list.push_back(&e);
      if (const auto* sp = std::get_if<sim::ev::Spawn>(&e)) names[sp->fiber.value] = sp->name;
    }
  }
  std::string fiber(FiberId f) const {
    const auto it = names.find(f.value);
    return it == names.end() ? fmt::format("{}", f.value) : fmt::format("{} {}", f.value, it->second);
  }
  std::string describe(const sim::Event& e) const {
    if (const auto* c = std::get_if<sim::ev::Choice>(&e))
      return fmt::format("a {} choice of {} taking {}", sim::to_string(c->kind), c->bound, c->value);
    const auto& sc = std::get<sim::ev::ScheduleChoose>(e);
    std::string ready;
    for (FiberId f : sc.ready) ready += (ready.empty() ? "" : ", ") + fiber(f);
    return fmt::format("at step {} ready {{{}}}, {} chose {}", sc.step, ready, fiber(sc.current), fiber(sc.chosen));
  }
};

// Where a re-run's schedule parts from the recording, in the fibers' names; "" if it does not.
std::string schedule_difference(const std::vector<sim::Event>& recorded, const std::vector<sim::Event>& now) {
  const Decisions was(recorded), is(now);
  for (std::size_t i = 0; i < was.list.size() && i < is.list.size(); ++i) {
    const sim::Event& a = *was.list[i];
    const sim::Event& b = *is.list[i];
    bool same = a.index() == b.index();
    if (same && std::holds_alternative<sim::ev::ScheduleChoose>(a)) {
      const auto& x = std::get<sim::ev::ScheduleChoose>(a);
      const auto& y = std::get<sim::ev::ScheduleChoose>(b);
      same = x.ready == y.ready && x.current == y.current && x.chosen == y.chosen;
    } else if (same) {
      const auto& x = std::get<sim::ev::Choice>(a);
      const auto& y = std::get<sim::ev::Choice>(b);
      same = x.kind == y.kind && x.bound == y.bound;
    }
    if (!same)
      return fmt::format("divergence at decision {}: recorded {}; now {}", i, was.describe(a), is.describe(b));
  }
  if (is.list.size() < was.list.size())
    return fmt::format("divergence at decision {}: the run now ends there; the recording has {} decisions",
                       is.list.size(), was.list.size());
  if (is.list.size() > was.list.size())
    return fmt::format("divergence at decision {}: the recording ends there; the run now goes on ({}; zeros from here)",
                       was.list.size(), is.describe(*is.list[was.list.size()]));
  return "";
}

// --follow fibers: how much of the recording still steers the program by fiber identity, and
// whether the recorded failure still happens that way.
std::string follow_fibers(const Scenario& s, const corpus::LedgerFile& f) {
  auto stats = std::make_shared<sim::FollowStats>();
  sim::RunOptions o = options_of(f.header);
  o.policy = sim::follow_fibers_of(f.events, stats);
  const sim::RunResult r = sim::run(o, s.body);
  const bool same = !r.passed() && sim::failure_signature(r.outcome, r.message) ==
                                       sim::failure_signature(f.header.outcome, f.header.message);
  return fmt::format("followed by fiber identity: {} of {} recorded scheduling decisions matched; the run ends {}; "
                     "the recorded failure {}",
                     stats->matched, stats->recorded, outcome_text(r),
                     f.header.outcome == sim::Outcome::pass ? "(none: the case passed)"
                     : same                                 ? "still reproduces"
                                                            : "does not reproduce");
}

CaseResult replay_one(const std::filesystem::path& path, bool follow) {
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
  // The recorded choices, then zeros: the same schedule while the program offers the same
  // alternatives, and a defined continuation where a change reshaped it. (Not the strict Replay
  // policy: it answers oracle calls from the ledger, which a scenario counting its calls sees.)
  std::vector<std::uint64_t> choices;
  for (const auto& e : f.events) {
    if (const auto* sc = std::get_if<sim::ev::ScheduleChoose>(&e)) choices.push_back(sc->choice);
    if (const auto* ch = std::get_if<sim::ev::Choice>(&e)) choices.push_back(ch->value);
  }
  sim::RunOptions o = options_of(f.header);
  o.policy = sim::vector_of(choices);
  const sim::RunResult r = sim::run(o, s->body);
  c.passes_now = r.passed();
  const auto now = r.ledger.events();
  const std::string moved = schedule_difference(f.events, now);
  if (r.ledger.hash() == f.header.digest) {
    c.verdict = Verdict::reproduced;
    c.detail = outcome_text(r);
  } else if (r.passed()) {
    c.verdict = Verdict::fixed;
    c.detail = moved.empty() ? "the run now passes"
                             : fmt::format("the run now passes (the schedule changed: {}; the recorded choices were "
                                           "followed, then zeros)", moved);
  } else {
    c.verdict = Verdict::diverged;
    c.detail = fmt::format("{}; the run now ends {}",
                           moved.empty() ? "same schedule, other events: " +
                                               sim::first_difference(ledger_of(f.events), r.ledger)
                                         : moved,
                           outcome_text(r));
  }
  if (follow && c.verdict != Verdict::reproduced) c.detail += "\n  " + follow_fibers(*s, f);
  // fails: the recorded failure must still happen, event for event; passes: the run must pass.
  const bool fails_expected = f.header.expectation == corpus::Expectation::fails;
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
    const CaseResult c = replay_one(p, a.follow_fibers);
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
