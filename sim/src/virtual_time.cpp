// Virtual time: timers for sleeps and timeouts, and the jump to the next deadline when no fiber can run.

#include "simulation.hpp"

namespace omega::sim::internal {

void Simulation::sleep_until(std::uint64_t deadline_ns, std::string_view on) {
  if (inert()) return;
  if (deadline_ns <= now_ns_) {  // nothing to wait for: a plain scheduling point
    point(PointKind::op);
    return;
  }
  if (on.empty()) {
    scratch_text_.clear();
    fmt::format_to(std::back_inserter(scratch_text_), "sleep until {}ns", deadline_ns);
    on = scratch_text_;
  }
  block_with(BlockReason::sleep, on, deadline_ns, false, {});
}

void Simulation::cancel_timer(FiberRec& g) {
  if (!g.has_timer) return;
  std::erase(timers_, g.timer);
  g.has_timer = false;
}

bool Simulation::advance_time() {
  if (timers_.empty()) return false;
  const Timer first = timers_.back();
  if (first.deadline_ns > options_.budgets.time_max_ns) {
    const std::string text = fmt::format(
        "budget exhausted at step {}: virtual time would pass {}ms (OMEGA_MAX_TIME_MS) waking "
        "fiber {}",
        step_, options_.budgets.time_max_ns / 1'000'000, label(FiberId{first.fiber}));
    end_run(Outcome::budget, text, ev::BudgetExhausted{"virtual time", options_.budgets.time_max_ns});
    return true;
  }
  if (first.deadline_ns != now_ns_) {
    now_ns_ = first.deadline_ns;
    ledger_.write([&](LedgerWriter& w) { w.time_advance(now_ns_); });
  }
  while (!timers_.empty() && timers_.back().deadline_ns == first.deadline_ns &&
         timers_.back().is_timeout == first.is_timeout) {
    const Timer t = timers_.back();
    FiberRec& g = *fibers_[t.fiber];
    timers_.pop_back();
    g.has_timer = false;
    g.timed_out = t.is_timeout;
    g.status = FiberStatus::ready;
    g.waits_on.clear();
    insert_runnable(g.id);
    if (t.is_timeout)
      ledger_.append(ev::Timeout{g.id});
    else
      ledger_.write([&](LedgerWriter& w) { w.two_fibers(ev::Wake::kCode, g.id, FiberId{}); });
  }
  return true;
}

}  // namespace omega::sim::internal
