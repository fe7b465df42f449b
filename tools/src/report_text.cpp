// The runner's reports as text: see results.hpp. The JSON form of the same figures is in
// report_json.cpp; a figure is computed by its command, never here.

#include "results.hpp"

#include "critic_json.hpp"

#include <omega/sim/interleaving.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace omega::cli {

std::string run_text(const RunFigures& f) {
  const sim::RunResult& r = *f.result;
  std::string out;
  for (const auto& e : f.events) out += fmt::format("  {}\n", e);
  out += f.interleaving;
  out += fmt::format("{} ({}): {}{}{}\n", f.scenario, f.how, sim::to_string(r.outcome), r.passed() ? "" : " — ",
                     r.message);
  out += fmt::format("  steps {}, decisions {}, preemptions {}, choices {}\n", r.steps, r.decisions, r.preemptions,
                     f.choices);
  if (!r.passed()) out += fmt::format("  reproduce: {}\n", f.reproduce);
  if (f.saved) out += fmt::format("  saved: {}\n", f.saved->text());
  return out;
}

JunitCase run_junit_case(const RunFigures& f) {
  const sim::RunResult& r = *f.result;
  JunitCase c{f.how, f.scenario, 0, std::nullopt, std::nullopt, ""};
  if (!r.passed())
    c.failure = fmt::format("{}: {}\n  reproduce: {}\n  choices: {}\n  interleaving:\n{}", sim::to_string(r.outcome),
                            r.message, f.reproduce, f.choices,
                            indent_lines(sim::interleaving_table(r.ledger), "    "));
  return c;
}

namespace {

// A failing case per failure (in the order found).
JunitSuite failures_suite(const std::string& scenario, const std::vector<FailureFigures>& failures) {
  JunitSuite suite{scenario, {}};
  for (std::size_t i = 0; i < failures.size(); ++i)
    suite.cases.push_back({fmt::format("[{}] {}", i + 1, failures[i].signature), scenario, 0,
                           failures[i].message + "\n" + failure_details(failures[i]), std::nullopt, ""});
  return suite;
}

// A suite with no failing case gets one passing case named `passing`; the time goes on the first case.
void passing_unless_failed(JunitSuite& suite, std::string passing, double seconds) {
  if (suite.cases.empty())
    suite.cases.push_back({std::move(passing), suite.name, seconds, std::nullopt, std::nullopt, ""});
  else
    suite.cases.front().seconds = seconds;
}

}  // namespace

JunitSuite explore_junit_suite(const ExploreFigures& f, const ExploreContext& c) {
  const sim::ExploreReport& r = f.report;
  JunitSuite suite = failures_suite(f.scenario, f.failures);
  for (const auto& n : r.nondeterminism)
    suite.cases.push_back({fmt::format("nondeterminism at seed {}", n.seed), f.scenario, 0, nondeterminism_text(n),
                           std::nullopt, ""});
  passing_unless_failed(
      suite, fmt::format("{} schedules ({}, seeds {}..{})", r.schedules, c.policy, c.range.first, c.range.last),
      r.seconds);
  return suite;
}

JunitSuite dfs_junit_suite(const DfsFigures& f) {
  JunitSuite suite = failures_suite(f.scenario, f.failure ? std::vector<FailureFigures>{*f.failure} : std::vector<FailureFigures>{});
  passing_unless_failed(suite,
                        fmt::format("{} schedules ({}), {}", f.report.schedules, f.search,
                                    f.report.complete ? "complete" : "incomplete: " + f.incomplete),
                        0);
  return suite;
}

JunitSuite rff_junit_suite(const RffFigures& f, const ExploreContext& c) {
  JunitSuite suite = failures_suite(f.scenario, f.failures);
  passing_unless_failed(suite, fmt::format("{} schedules (rff, seeds {}..{})", f.report.runs, c.range.first, c.range.last), 0);
  return suite;
}

JunitSuite not_explored_suite(const std::string& scenario) {
  return {scenario, {{"not explored (stopped early)", scenario, 0, std::nullopt, std::string("not explored: stopped early"), ""}}};
}

std::string failure_details(const FailureFigures& f) {
  std::string out = fmt::format("      reproduce: {}\n", f.reproduce);
  if (f.shrink) out += shrink_text(*f.shrink, "      ");
  if (f.corpus) out += fmt::format("      corpus: {}\n", f.corpus->text);
  return out;
}

std::string failure_text(std::size_t index, const FailureFigures& f) {
  // dfs reports no seed: its failure is named by its preemptions instead.
  const std::string head =
      f.first_seed ? fmt::format("  [{}] {} x{}, first at seed {} (found by {}): {}\n", index, sim::to_string(f.outcome),
                                 f.count, *f.first_seed, f.found_by, f.message)
                   : fmt::format("  [{}] {} with {} preemption{}: {}\n", index, sim::to_string(f.outcome),
                                 f.preemptions.value_or(0), f.preemptions == 1u ? "" : "s", f.message);
  return head + failure_details(f);
}

ExploreContext explore_context(const ExploreArgs& a, const std::string& prog, SeedRange range, sim::Shard shard) {
  return {prog, a.policy, a.max_time, range, true, shard, a.stop_after, a.format == "json"};
}

std::string nondeterminism_text(const sim::Nondeterminism& n) {
  return fmt::format("uncontrolled nondeterminism at seed {} ({}): the same schedule gave a different ledger; {}",
                     n.seed, n.policy, n.detail);
}

std::string explore_text(const ExploreFigures& f, const ExploreContext& c) {
  const sim::ExploreReport& r = f.report;
  const std::string shard = c.shard.count > 1 ? fmt::format(", shard {}/{}", c.shard.index, c.shard.count) : "";
  const std::string pct = r.pct_steps ? fmt::format(", pct steps {}", r.pct_steps) : "";
  const std::string distinct = r.distinct_approximate
                                   ? fmt::format("~{} distinct (approximate)", r.distinct_schedules)
                                   : fmt::format("{} distinct", r.distinct_schedules);
  std::string out = fmt::format("{}: {} schedules ({}, seeds {}..{}{}{}), {}, {} failures, {} signatures, {:.0f} "
                                "schedules/s\n",
                                f.scenario, r.schedules, c.policy, c.range.first, c.range.last, shard, pct, distinct,
                                r.failures, r.signatures.size(),
                                r.seconds > 0 ? static_cast<double>(r.schedules) / r.seconds : 0.0);
  if (r.stopped_early) out += fmt::format("  stopped after {} failures (--stop-after)\n", c.stop_after);
  if (!f.interrupted.empty())
    out += fmt::format("  {}: covered {} of {} seeds{}\n", f.interrupted, r.schedules, f.seeds_total,
                       f.up_to_seed ? fmt::format(", up to seed {}", *f.up_to_seed) : "");
  if (r.signatures_dropped)
    out += fmt::format("  {} more failures had further signatures (only the first {} are kept)\n",
                       r.signatures_dropped, sim::ExploreReport::kMaxSignatures);
  for (std::size_t i = 0; i < f.failures.size(); ++i) out += failure_text(i + 1, f.failures[i]);
  for (const auto& n : r.nondeterminism) out += "  " + nondeterminism_text(n) + "\n";
  if (r.nondeterminism_dropped) out += fmt::format("  ... and at {} more seeds\n", r.nondeterminism_dropped);
  if (f.critic) {
    out += fmt::format("  critic: {} findings over {} schedules\n", f.critic->size(), r.schedules);
    for (std::size_t i = 0; i < f.critic->size(); ++i) {
      const CriticFigures& k = (*f.critic)[i];
      out += fmt::format("  (c{}) {}", i + 1, finding_text(k.seeded.finding, ""));
      out += fmt::format("      reproduce: {}\n", k.reproduce);
      if (k.corpus) out += fmt::format("      corpus: {}\n", k.corpus->text);
    }
  }
  return out;
}

std::string dfs_text(const DfsFigures& f) {
  const sim::DfsReport& r = f.report;
  std::string out = fmt::format("{}: {}\n", f.scenario, f.search);
  out += fmt::format("  {} schedules ({} runs, {} redundant), up to {} decision points per run, {} failures\n",
                     r.schedules, r.runs, r.redundant, r.max_depth, r.failures);
  out += fmt::format("  data choices: enumerated where the domain is at most {} ({} decision points), fixed to the "
                     "default 0 elsewhere ({})\n",
                     f.options.data_domain_max, r.data_points_enumerated, r.data_points_fixed);
  const std::string bound =
      f.options.preemption_bound ? fmt::format("pb={}", *f.options.preemption_bound) : "any number of preemptions";
  if (r.complete && r.failures == 0)
    out += fmt::format("  complete: no failure within {}{}\n", bound,
                       r.data_points_fixed ? " (with the data choices above fixed)" : "");
  else if (r.failures == 0)
    out += fmt::format("  incomplete: {}; no failure in the {} schedules run, which proves nothing about the rest\n",
                       f.incomplete, r.schedules);
  if (f.failure) out += failure_text(1, *f.failure);
  return out;
}

std::string rff_text(const RffFigures& f, const ExploreContext& c) {
  const sim::RffReport& r = f.report;
  std::string out = fmt::format("{}: {} schedules (rff, seeds {}..{}, epochs of {}), {} reads-from pairs, {} in corpus, "
                                "{} failures, {} signatures\n",
                                f.scenario, r.runs, c.range.first, c.range.last, f.epoch, r.pairs, r.corpus,
                                r.failures, r.signatures.size());
  if (r.stopped_early) out += fmt::format("  stopped after {} failures (--stop-after)\n", c.stop_after);
  if (r.interrupted) out += fmt::format("  stopped early (interrupted or --max-time): {} schedules run\n", r.runs);
  for (std::size_t i = 0; i < f.failures.size(); ++i) out += failure_text(i + 1, f.failures[i]);
  return out;
}

}  // namespace omega::cli
