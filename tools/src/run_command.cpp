// The runner's `run` and `shrink` commands.

#include "run_command.hpp"

#include "cli_input.hpp"
#include "interrupt.hpp"
#include "report.hpp"
#include "report_json.hpp"
#include "results.hpp"
#include "trace_out.hpp"

#include <omega/scenario.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/interleaving.hpp>
#include <omega/sim/policies.hpp>
#include <omega/sim/run.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace omega::cli {

namespace {

const Scenario& require_scenario(const std::string& name, const std::string& prog) {
  const Scenario* s = find_scenario(name);
  if (!s) throw InputError(fmt::format("unknown scenario '{}' ({} list shows them)", name, prog));
  return *s;
}


}  // namespace

int cmd_run(const RunArgs& a, const std::string& prog, bool shrink) {
  const Scenario& s = require_scenario(a.scenario, prog);
  if (a.save) check_can_save(*a.save);
  if (a.trace_out) check_trace_path(*a.trace_out);
  sim::RunOptions o;
  std::string how, reproduce;
  std::uint64_t pct_steps = 0;  // PCT's k, when the policy is pct
  std::optional<std::uint32_t> digest;  // "TEXT@DIGEST": the run must be the one printed
  std::vector<std::uint64_t> given;
  if (a.choices) {
    std::string text = *a.choices;
    if (const auto at = text.find('@'); at != std::string::npos) {
      const std::string hex = text.substr(at + 1);
      if (hex.size() != 8 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw InputError(fmt::format("--choices '{}': the digest after '@' must be 8 hex digits", *a.choices));
      digest = static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16));
      text.resize(at);
    }
    given = sim::decode_choices(text);
    o.policy = sim::vector_of(given);
    how = "choices " + *a.choices;
    reproduce = fmt::format("{} run --scenario {} --choices {}", prog, shell_quote(s.name), shell_quote(*a.choices));
  } else {
    if (a.policy == "portfolio") throw InputError("run takes one policy; portfolio is for explore");
    std::uint64_t k = a.pct_steps;
    if (sim::spec_uses_pct(a.policy) && k == 0) {
      sim::RunOptions calibration;
      k = std::max<std::uint64_t>(1, sim::run(calibration, s.body).steps);
    }
    o.policy = sim::parse_policy(a.policy, k);
    if (sim::spec_uses_pct(a.policy)) pct_steps = k;
    o.seed = a.seed;
    how = fmt::format("seed {}, policy {}", a.seed, a.policy);
    reproduce = reproduce_seed(prog, s.name, a.seed, a.policy, k);
  }
  sim::RunResult r = sim::run(o, s.body);
  if (digest) {
    // A digest-carrying string must run exactly its schedule: every choice in range, then the
    // same ledger; otherwise say where it went wrong instead of silently running another one.
    const std::vector<std::uint64_t> taken = r.choices();
    std::string why;
    for (std::size_t i = 0; i < given.size() && why.empty(); ++i) {
      if (i >= taken.size())
        why = fmt::format("the run made {} decisions, the choice string has {}", taken.size(), given.size());
      else if (taken[i] != given[i])
        why = fmt::format("choice {} at decision {} is out of range for the alternatives offered now (taken as {})",
                          given[i], i, taken[i]);
    }
    if (why.empty() && static_cast<std::uint32_t>(r.ledger.hash() >> 32) != *digest)
      why = fmt::format("the run's digest {:08x} differs from the recorded {:08x}", r.ledger.hash() >> 32, *digest);
    if (!why.empty()) {
      r.outcome = sim::Outcome::divergence;
      r.message = fmt::format("the schedule no longer matches its reproduce string: {} (the scenario changed, or it is "
                              "nondeterministic)", why);
    }
  }
  if (shrink) {
    if (r.passed()) throw InputError(fmt::format("{} ({}) passes: nothing to shrink", s.name, how));
    const bool json = a.format == "json";
    if (!json)
      std::printf("%s (%s): %s — %s\n", s.name.c_str(), how.c_str(), std::string(sim::to_string(r.outcome)).c_str(),
                  r.message.c_str());
    InterruptGuard guard;
    const ShrinkFigures shrunk =
        shrink_failure(s, r.choices(), {a.max_runs, a.trace == "full", [] { return stop_signal() != 0; }}, prog);
    if (json)
      std::fputs((json_text(shrink_document(s.name, how, r, reproduce, {shrunk, ""}), 2) + "\n").c_str(), stdout);
    else
      std::fputs(shrink_text({shrunk, ""}, "  ").c_str(), stdout);
    return stop_signal() ? 128 + stop_signal() : kFound;
  }
  // The figures once; text, JSON and JUnit render them (results.hpp).
  RunFigures f;
  f.scenario = s.name;
  f.how = how;
  f.pct_steps = pct_steps;
  f.result = &r;
  f.choices = sim::encode_choices(r.choices());
  f.reproduce = reproduce;
  if (a.choices) f.choices_given = *a.choices;
  else {
    f.seed = a.seed;
    f.policy = a.policy;
  }
  f.with_events = a.events;
  if (a.events)
    for (const auto& e : r.ledger.events()) f.events.push_back(sim::describe(e));
  f.with_interleaving = a.table;
  if (a.table) f.interleaving = sim::interleaving_table(r.ledger);
  if (a.save) f.saved = save_ledger(*a.save, s.name, o, r);
  print_run(f, a.format == "json");
  if (a.junit) write_junit(*a.junit, s.name, {run_junit_case(f)});
  if (a.trace_out) {
    write_chrome_trace(*a.trace_out, r, {s.name, how, f.choices, reproduce});
    if (a.format != "json")  // JSON mode prints one document and nothing else
      std::printf("  trace: %s (open in https://ui.perfetto.dev or chrome://tracing)\n", a.trace_out->c_str());
  }
  return r.passed() ? kNothingFound : kFound;
}

}  // namespace omega::cli
