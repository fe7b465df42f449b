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
                               rule.info->name, options_.governance.profile.name));
  }
  if (!rule.info->cap.empty() && f.caps && !f.caps->count(rule.info->cap)) {
    std::string held;
    for (const auto& c : *f.caps) held += (held.empty() ? "" : ", ") + c;
    deny(rule, rule.info->cap, fmt::format("fiber {} attempted {} without {} (it holds: {})", label(f.id),
                                     rule.info->name, rule.info->cap, held.empty() ? "no caps" : held));
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

const Simulation::OpInfo& Simulation::op_info(OpId op) {
  thread_local std::vector<std::unique_ptr<OpInfo>> known;  // by id; registry facts only, no run state
  if (op >= known.size()) known.resize(op + 1);
  if (!known[op]) {
    auto info = std::make_unique<OpInfo>();
    info->name = op_name(op);
    info->cap = required_cap(info->name);
    info->family = family_of(info->name);
    known[op] = std::move(info);
  }
  return *known[op];
}

Simulation::OpRule& Simulation::op_rule(OpId op) {
  if (op >= op_rules_.size()) op_rules_.resize(op + 1);
  OpRule& r = op_rules_[op];
  if (!r.resolved) {
    r.resolved = true;
    r.info = &op_info(op);
    const auto& allowed = options_.governance.profile.allowed;
    r.allowed = !allowed || allowed->count(r.info->name) > 0;
    r.family = r.info->family;
  }
  return r;
}

void Simulation::family_exhausted(const OpRule& rule) {
  const Family& fam = kFamilies[static_cast<std::size_t>(rule.family)];
  const std::uint64_t limit = family_limits_[static_cast<std::size_t>(rule.family)];
  const std::string text =
      fmt::format("budget exhausted at step {}: fiber {} attempted {} number {}; the {} budget is {} ({})", step_,
                  label(current_), rule.info->name, limit + 1, fam.budget, limit, fam.env);
  end_run(Outcome::budget, text, ev::BudgetExhausted{fam.budget, limit});
  leave_for_good();
}

void Simulation::deny(const OpRule& rule, const std::string& cap, const std::string& why) {
  end_run(Outcome::denied, fmt::format("denied at step {}: {}", step_, why),
          ev::Denied{current_, rule.info->name, cap});
  leave_for_good();
}

}  // namespace omega::sim::internal
