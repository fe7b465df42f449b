#include <omega/condvar.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace omega {

CondVar::CondVar(std::string name, CondVarOptions options)
    : Primitive("condvar", std::move(name)), options_(options) {}

void CondVar::wait(std::unique_lock<Mutex>& lock, std::source_location where) {
  wait_impl(lock, std::nullopt, "omega::CondVar::wait", where);
}

bool CondVar::wait_impl(std::unique_lock<Mutex>& lock, std::optional<std::uint64_t> deadline_ns,
                        const char* api, const std::source_location& where) {
  // The wait's step releases the mutex: announce it as touching the mutex too (before begin,
  // which announces the step), until the mutex is taken again (an operation of its own).
  std::optional<Mutex::Compound> releases;
  if (lock.owns_lock()) releases.emplace(*lock.mutex());
  if (!begin(api, detail::op_id<"condvar.wait">(), where)) return !deadline_ns;
  const FiberId self = detail::me();
  if (!lock.owns_lock() || lock.mutex()->owner() != self)
    throw UsageError(fmt::format("fiber {} waits on {} without holding its mutex (step {})",
                                 detail::label(self), describe(), detail::step()));
  Mutex& m = *lock.mutex();
  if (options_.spurious_wakeups && sim::kernel::choose(sim::ChoiceKind::spurious, 2) == 1) {
    record(sim::OpCode::wait, 1);  // returns without a notify
    m.record(sim::OpCode::unlock);
    m.release();
    releases.reset();
    m.lock(where);
    return true;
  }
  waiters_.push_back(self);
  record(sim::OpCode::wait);
  // Release and block with no scheduling point between, so no notify can fall in the gap.
  m.record(sim::OpCode::unlock);
  m.release();
  bool woken = true;
  if (!deadline_ns) {
    sim::kernel::block(sim::BlockReason::condvar, describe(), {object_id(), {}});
  } else {
    // A deadline already past times out at this tick (once no fiber can run), never earlier
    // than now: virtual time does not go back.
    const std::uint64_t deadline = std::max(*deadline_ns, sim::kernel::now_ns());
    woken = sim::kernel::block_until(sim::BlockReason::condvar, describe(), deadline, {object_id(), {}});
    if (!woken) {
      // Not notified: leave the queue, so a later notify_one goes to a fiber still waiting.
      waiters_.erase(self);
      record(sim::OpCode::timeout);
    }
  }
  releases.reset();
  m.lock(where);
  return woken;
}

void CondVar::notify_one(std::source_location where) {
  if (!begin("omega::CondVar::notify_one", detail::op_id<"condvar.notify">(), where)) return;
  if (waiters_.empty()) {
    record(sim::OpCode::notify, 0);
    return;
  }
  const auto index = static_cast<std::size_t>(sim::kernel::choose(sim::ChoiceKind::notify, waiters_.size()));
  const FiberId woken = waiters_[index];
  waiters_.erase_at(static_cast<std::size_t>(index));
  record(sim::OpCode::notify, 1);
  sim::kernel::wake(woken);
}

void CondVar::notify_all(std::source_location where) {
  if (!begin("omega::CondVar::notify_all", detail::op_id<"condvar.notify">(), where)) return;
  record(sim::OpCode::notify, waiters_.size());
  while (!waiters_.empty()) {
    const FiberId woken = waiters_.front();
    waiters_.pop_front();
    sim::kernel::wake(woken);
  }
}

}  // namespace omega
