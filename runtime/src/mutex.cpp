#include <omega/mutex.hpp>

#include "lock_order_check.hpp"

#include <fmt/format.h>

namespace omega {

Mutex::Mutex(std::string name) : Primitive("mutex", std::move(name)) {}

void Mutex::reset() {
  owner_ = FiberId{};
  waiters_.clear();
  wait_texts_.clear();
}

void Mutex::check_not_holding(const char* op) const {
  const FiberId self = detail::me();
  if (owner_ == self)
    throw UsageError(fmt::format("fiber {} {} {} which it already holds (held by fiber {}) at step {}",
                                 detail::label(self), op, describe(), detail::label(owner_),
                                 detail::step()));
}

// Needed on every contended lock (the Block event's text), so built once per owner: names and
// ids do not change within a run, and reset() starts each run afresh.
const std::string& Mutex::waiting_text() const {
  if (owner_.value >= wait_texts_.size()) wait_texts_.resize(owner_.value + 1);
  std::string& text = wait_texts_[owner_.value];
  if (text.empty()) text.append(describe()).append(" (held by fiber ").append(detail::label(owner_)).push_back(')');
  return text;
}

void Mutex::lock(std::source_location where) {
  if (!begin("omega::Mutex::lock", detail::op_id<"mutex.lock">(), where)) return;
  check_not_holding("relocks");
  detail::lock_order_before_take(name(), detail::me());
  if (owner_.valid()) {
    waiters_.push_back(detail::me());
    sim::kernel::block(sim::BlockReason::mutex, waiting_text(), {object_id(), owner_});
    // unlock() handed us the mutex before waking us
  } else {
    owner_ = detail::me();
  }
  detail::lock_order_taken(name(), owner_);
  record(sim::OpCode::lock);
}

bool Mutex::try_lock(std::source_location where) {
  if (!begin("omega::Mutex::try_lock", detail::op_id<"mutex.try_lock">(), where)) return false;
  check_not_holding("try_locks");
  if (owner_.valid()) {
    record(sim::OpCode::try_lock_failed);
    return false;
  }
  detail::lock_order_before_take(name(), detail::me());
  owner_ = detail::me();
  detail::lock_order_taken(name(), owner_);
  record(sim::OpCode::lock);
  return true;
}

bool Mutex::try_lock_for_ns(std::uint64_t timeout_ns, const std::source_location& where) {
  if (!begin("omega::Mutex::try_lock_for", detail::op_id<"mutex.try_lock">(), where)) return false;
  check_not_holding("try_locks");
  detail::lock_order_before_take(name(), detail::me());
  if (owner_.valid()) {
    waiters_.push_back(detail::me());
    if (!sim::kernel::block_until(sim::BlockReason::mutex, waiting_text(),
                                  detail::deadline_after(timeout_ns), {object_id(), owner_})) {
      waiters_.erase(detail::me());
      record(sim::OpCode::timeout);
      return false;
    }
  } else {
    owner_ = detail::me();
  }
  detail::lock_order_taken(name(), owner_);
  record(sim::OpCode::lock);
  return true;
}

void Mutex::unlock(std::source_location where) {
  if (!begin("omega::Mutex::unlock", detail::op_id<"mutex.unlock">(), where)) return;
  const FiberId self = detail::me();
  if (owner_ != self) {
    throw UsageError(owner_.valid()
                         ? fmt::format("fiber {} unlocks {} held by fiber {} at step {}",
                                       detail::label(self), describe(), detail::label(owner_),
                                       detail::step())
                         : fmt::format("fiber {} unlocks {} which is not locked (step {})",
                                       detail::label(self), describe(), detail::step()));
  }
  record(sim::OpCode::unlock);
  release();
}

bool Mutex::held_by_current_fiber() {
  return begin_without_point("omega::Serializer") && owner_ == detail::me();
}

void Mutex::release() {
  detail::lock_order_released(name(), owner_);
  if (waiters_.empty()) {
    owner_ = FiberId{};
    return;
  }
  owner_ = waiters_.front();
  waiters_.pop_front();
  sim::kernel::wake(owner_);
  // The others now wait for the new holder (their FiberInfo::wait says so; no allocation).
  for (FiberId w : waiters_) sim::kernel::set_wait_holder(w, owner_);
}

}  // namespace omega
