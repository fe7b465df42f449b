// The header of a run: what replaying it needs besides its events. Apart from ledger_file.cpp,
// which reads and writes files without the kernel's run machinery (and so fuzzes alone).

#include <omega/corpus/ledger_file.hpp>
#include <omega/sim/policies.hpp>

#ifndef OMEGA_VERSION
#define OMEGA_VERSION "unknown"
#endif

namespace omega::corpus {

Header header_for(const std::string& scenario, const sim::RunOptions& options, const sim::RunResult& result) {
  Header h;
  h.scenario = scenario;
  h.omega_version = OMEGA_VERSION;
  h.policy = sim::describe(options.policy);
  h.seed = options.seed;
  if (const auto* pct = std::get_if<sim::policy::PCT>(&options.policy)) h.pct_steps = pct->steps;
  h.budgets = options.budgets;
  h.profile = options.governance.profile.name;
  h.allowed = options.governance.profile.allowed;
  h.caps = options.governance.caps;
  h.stack_bytes = options.stack_bytes;
  h.outcome = result.outcome;
  h.message = result.message;
  h.steps = result.steps;
  h.decisions = result.decisions;
  h.preemptions = result.preemptions;
  h.fibers = result.fibers;
  h.events = result.ledger.event_count();
  h.digest = result.ledger.hash();
  h.expectation = result.passed() ? Expectation::passes : Expectation::fails;
  return h;
}

}  // namespace omega::corpus
