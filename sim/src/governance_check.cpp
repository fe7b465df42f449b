// Governance at run time: each operation's rule (profile, cap, budget family), resolved once per run.

#include "simulation.hpp"

namespace omega::sim::internal {

void Simulation::govern_slow(OpId op) {
  OpRule& rule = op_rule(op);
  if (governance_open_) {
    if (rule.family >= 0 && ++family_counts_[static_cast<std::size_t>(rule.family)] >
                                family_limits_[static_cast<std::size_t>(rule.family)])
      family_exhausted(rule);
    return;
  }
  FiberRec& f = cur();
  if (!rule.allowed) {
    deny(rule, "", fmt::format("fiber {} attempted {}, which profile {} does not allow", label(f.id),
                               rule.name, options_.governance.profile.name));
  }
  if (!rule.cap.empty() && f.caps && !f.caps->count(rule.cap)) {
    std::string held;
    for (const auto& c : *f.caps) held += (held.empty() ? "" : ", ") + c;
    deny(rule, rule.cap, fmt::format("fiber {} attempted {} without {} (it holds: {})", label(f.id),
                                     rule.name, rule.cap, held.empty() ? "no caps" : held));
  }
  if (rule.family >= 0 && ++family_counts_[static_cast<std::size_t>(rule.family)] >
                              family_limits_[static_cast<std::size_t>(rule.family)])
    family_exhausted(rule);
}

int Simulation::family_of(std::string_view op) {
  if (op == "fiber.spawn") return 0;
  if (op == "fiber.yield") return 1;
  if (op.substr(0, 6) == "mutex.") return 2;
  if (op.substr(0, 5) == "ivar.") return 3;
  if (op == "oracle.call") return 4;
  return -1;
}

Simulation::OpRule& Simulation::op_rule(OpId op) {
  if (op >= op_rules_.size()) op_rules_.resize(op + 1);
  OpRule& r = op_rules_[op];
  if (!r.resolved) {
    r.resolved = true;
    r.name = op_name(op);
    const auto& allowed = options_.governance.profile.allowed;
    r.allowed = !allowed || allowed->count(r.name) > 0;
    r.cap = required_cap(r.name);
    r.family = family_of(r.name);
  }
  return r;
}

void Simulation::family_exhausted(const OpRule& rule) {
  const Family& fam = kFamilies[static_cast<std::size_t>(rule.family)];
  const std::uint64_t limit = family_limits_[static_cast<std::size_t>(rule.family)];
  const std::string text =
      fmt::format("budget exhausted at step {}: fiber {} attempted {} number {}; the {} budget is {} ({})", step_,
                  label(current_), rule.name, limit + 1, fam.budget, limit, fam.env);
  end_run(Outcome::budget, text, ev::BudgetExhausted{fam.budget, limit});
  leave_for_good();
}

void Simulation::deny(const OpRule& rule, const std::string& cap, const std::string& why) {
  end_run(Outcome::denied, fmt::format("denied at step {}: {}", step_, why),
          ev::Denied{current_, rule.name, cap});
  leave_for_good();
}

}  // namespace omega::sim::internal
