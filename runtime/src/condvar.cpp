#include <omega/condvar.hpp>

#include <fmt/format.h>

namespace omega {

CondVar::CondVar(std::string name, CondVarOptions options)
    : Primitive("condvar", std::move(name)), options_(options) {}

void CondVar::wait(std::unique_lock<Mutex>& lock) {
  if (!begin("omega::CondVar::wait", detail::op_id<"condvar.wait">())) return;
  const FiberId self = detail::me();
  if (!lock.owns_lock() || lock.mutex()->owner() != self)
    throw UsageError(fmt::format("fiber {} waits on {} without holding its mutex (step {})",
                                 detail::label(self), describe(), detail::step()));
  Mutex& m = *lock.mutex();
  if (options_.spurious_wakeups && sim::kernel::choose(sim::ChoiceKind::spurious, 2) == 1) {
    record(sim::OpCode::wait, 1);  // returns without a notify
    m.record(sim::OpCode::unlock);
    m.release();
    m.lock();
    return;
  }
  waiters_.push_back(self);
  record(sim::OpCode::wait);
  // Release and block with no scheduling point between, so no notify can fall in the gap.
  m.record(sim::OpCode::unlock);
  m.release();
  sim::kernel::block(sim::BlockReason::condvar, describe());
  m.lock();
}

void CondVar::notify_one() {
  if (!begin("omega::CondVar::notify_one", detail::op_id<"condvar.notify">())) return;
  if (waiters_.empty()) {
    record(sim::OpCode::notify, 0);
    return;
  }
  const auto index = static_cast<std::size_t>(sim::kernel::choose(sim::ChoiceKind::notify, waiters_.size()));
  const FiberId woken = waiters_[index];
  waiters_.erase(waiters_.begin() + static_cast<std::ptrdiff_t>(index));
  record(sim::OpCode::notify, 1);
  sim::kernel::wake(woken);
}

void CondVar::notify_all() {
  if (!begin("omega::CondVar::notify_all", detail::op_id<"condvar.notify">())) return;
  record(sim::OpCode::notify, waiters_.size());
  while (!waiters_.empty()) {
    const FiberId woken = waiters_.front();
    waiters_.pop_front();
    sim::kernel::wake(woken);
  }
}

}  // namespace omega
