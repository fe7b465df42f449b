#pragma once
// Internal to the critic: each detector appends its findings.

#include <omega/critic/critic.hpp>

#include "names.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace omega::critic::detail {

void deadlock(const Ledger& l, const Names& n, std::vector<Finding>& out);
void duplicate_oracle_calls(const Ledger& l, const Names& n, std::vector<Finding>& out);
void data_races(const Ledger& l, const Names& n, std::vector<Finding>& out);
// A run that ran out of a budget with no progress in its last `window` events.
void livelock(const Ledger& l, const Names& n, std::vector<Finding>& out, std::size_t window);
// A fiber ready but passed over for `bound` decisions in a row, in a run under a fair policy.
void starvation(const Ledger& l, const Names& n, std::vector<Finding>& out, std::size_t bound);

// Lock order across the ledgers of one scenario: feed each ledger, then report the cycles.
class LockOrder {
 public:
  void add(const Ledger& l, const Names& n);
  void report(const std::string& scenario, std::vector<Finding>& out) const;

 private:
  struct Edge {
    std::string evidence;                // the first time it was seen
    std::string source;                  // the ledger of that sighting
    std::optional<std::set<std::string>> gates;  // locks held around every sighting (besides A)
  };
  void take(const std::vector<std::uint32_t>& held, FiberId fiber, std::uint32_t object, std::size_t event,
            const Ledger& l, const Names& n);
  std::map<std::pair<std::string, std::string>, Edge> edges_;  // (held A, taken B)
};

}  // namespace omega::critic::detail
