// How a run fails for want of progress: budgets exhausted and deadlocks, with their texts.

#include "simulation.hpp"

namespace omega::sim::internal {

bool Simulation::decide_cold(FiberRec& f) {
  if (step_ > options_.budgets.steps_max) {
    budget_exhausted("total steps", options_.budgets.steps_max, "OMEGA_MAX_STEPS", nullptr);
    return false;
  }
  if (f.steps > options_.budgets.fiber_steps_max) {
    budget_exhausted("steps per fiber", options_.budgets.fiber_steps_max, "OMEGA_MAX_FIBER_STEPS", &f);
    return false;
  }
  if (!advance_time()) deadlock();
  return !ended_;
}

void Simulation::budget_exhausted(const char* budget, std::uint64_t limit, const char* env, FiberRec* who) {
  std::string spinners;
  for (const auto& g : fibers_) {
    if (g->ended() || g->yields_in_row < 100) continue;
    spinners += fmt::format("{}{} ({} yields in a row)", spinners.empty() ? "" : ", ",
                            label(g->id), g->yields_in_row);
  }
  std::string text =
      who ? fmt::format("budget exhausted at step {}: fiber {} used its {} steps ({})", step_,
                        label(who->id), limit, env)
          : fmt::format("budget exhausted at step {}: {} {} ({})", step_, budget, limit, env);
  text += spinners.empty()
              ? "; no fiber is only yielding: raise the budget or shorten the scenario"
              : fmt::format("; {} only yielded — a spin loop?", spinners);
  end_run(Outcome::budget, text, ev::BudgetExhausted{budget, limit});
}

void Simulation::deadlock() {
  const bool root_ended = fibers_[root_.value]->ended();
  // The message says where each fiber waits (file:line); the event does not, so that moving a
  // line leaves the ledger's digest alone.
  std::string waits, located;
  for (bool daemons : {false, true}) {
    for (const auto& g : fibers_) {
      if (g->status != FiberStatus::blocked || g->daemon != daemons) continue;
      const std::string wait = fmt::format("{}{}fiber {}{} waits on {}", waits.empty() ? "" : "; ",
                                           root_ended && !daemons ? "leaked " : "", label(g->id),
                                           daemons ? " [daemon]" : "", g->waits_on);
      const std::string where = where_text(*g);
      waits += wait;
      located += where.empty() ? wait : fmt::format("{} at {}", wait, where);
    }
  }
  end_run(Outcome::deadlock, fmt::format("deadlock at step {}: {}", step_, located),
          ev::Deadlock{waits});
}

}  // namespace omega::sim::internal
