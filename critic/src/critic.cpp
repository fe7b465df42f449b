#include <omega/critic/critic.hpp>

#include "detectors.hpp"

#include <algorithm>
#include <map>

namespace omega::critic {

std::vector<Finding> criticize(const std::vector<Ledger>& ledgers) {
  std::vector<Finding> all;
  std::map<std::string, detail::LockOrder> lock_order;  // by scenario
  for (const Ledger& l : ledgers) {
    const detail::Names names(l.events);
    detail::deadlock(l, names, all);
    detail::duplicate_oracle_calls(l, names, all);
    detail::data_races(l, names, all);
    detail::livelock(l, names, all, 200);
    if (l.policy == "round-robin" || l.policy.rfind("fair-rr", 0) == 0) detail::starvation(l, names, all, 1000);
    lock_order[l.scenario].add(l, names);
  }
  for (const auto& [scenario, order] : lock_order) order.report(scenario, all);
  // One finding per signature (the first seen keeps its evidence), in a stable order.
  std::vector<Finding> out;
  std::map<std::string, std::size_t> seen;
  for (auto& f : all)
    if (seen.emplace(f.signature, out.size()).second) out.push_back(std::move(f));
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.scenario, a.rule, a.signature) < std::tie(b.scenario, b.rule, b.signature);
  });
  return out;
}

}  // namespace omega::critic
