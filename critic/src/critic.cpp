#include <omega/critic/critic.hpp>

#include "detectors.hpp"

#include <algorithm>
#include <map>

namespace omega::critic {

void detail::per_run(const Ledger& l, const Names& names, std::vector<Finding>& out) {
  deadlock(l, names, out);
  duplicate_oracle_calls(l, names, out);
  data_races(l, names, out);
  livelock(l, names, out, 200);
  if (l.policy == "round-robin" || l.policy.rfind("fair-rr", 0) == 0) starvation(l, names, out, 1000);
}

std::vector<Finding> criticize_run(const Ledger& l) {
  std::vector<Finding> out;
  detail::per_run(l, detail::Names(l.events), out);
  return out;
}

RunCritique critique_run(const Ledger& l) {
  RunCritique out;
  const detail::Names names(l.events);
  detail::per_run(l, names, out.findings);
  out.edges = detail::lock_edges(l, names);
  return out;
}

std::vector<Finding> deduplicated(std::vector<Finding> all) {
  std::vector<Finding> out;
  std::map<std::string, std::size_t> seen;
  for (auto& f : all)
    if (seen.emplace(f.signature, out.size()).second) out.push_back(std::move(f));
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.scenario, a.rule, a.signature) < std::tie(b.scenario, b.rule, b.signature);
  });
  return out;
}

std::vector<Finding> criticize(const std::vector<Ledger>& ledgers) {
  std::vector<Finding> all;
  std::map<std::string, LockOrderGraph> lock_order;  // by scenario
  for (const Ledger& l : ledgers) {
    RunCritique c = critique_run(l);
    for (auto& f : c.findings) all.push_back(std::move(f));
    for (const auto& e : c.edges) lock_order[l.scenario].add(e);
  }
  for (const auto& [scenario, graph] : lock_order)
    for (auto& f : graph.cycles(scenario)) all.push_back(std::move(f));
  return deduplicated(std::move(all));
}

}  // namespace omega::critic
