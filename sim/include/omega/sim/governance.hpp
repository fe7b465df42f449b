#pragma once
// Governance: which operations a run may perform (a Profile), which capabilities fibers hold
// (caps, granted per run and narrowed per fiber at spawn), and how many operations of each family
// it may perform (budgets, in Budgets). Operations are named "family.verb" ("mutex.lock",
// "oracle.call"); the cap an operation needs is "cap.<family>", except "fiber.spawn", which needs
// "cap.fiber.spawn", and "fiber.yield" / "fiber.join", which need none.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace omega::sim {

struct Profile {
  std::string name = "all";
  std::optional<std::set<std::string>> allowed;  // nullopt: every operation

  static Profile all() { return {}; }
  static Profile only(std::string name, std::set<std::string> ops) {
    return Profile{std::move(name), std::move(ops)};
  }
};

struct Governance {
  Profile profile;
  std::optional<std::set<std::string>> caps;  // caps granted to the run; nullopt: every cap
};

// The cap an operation needs, or "" if none.
std::string required_cap(std::string_view op);

// Operation names are registered once per process and then referred to by a dense id, so the
// per-operation check is an array lookup. Ids never reach a ledger (names do).
using OpId = std::uint32_t;
OpId register_op(std::string_view name);  // thread-safe, idempotent
std::string op_name(OpId id);

}  // namespace omega::sim
