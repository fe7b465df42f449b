#include <omega/semaphore.hpp>

namespace omega {

Semaphore::Semaphore(std::uint64_t permits, std::string name)
    : Primitive("semaphore", std::move(name)), initial_(permits), permits_(permits) {}

void Semaphore::reset() {
  permits_ = initial_;
  waiters_.clear();
}

void Semaphore::acquire(std::source_location where) {
  if (!begin("omega::Semaphore::acquire", detail::op_id<"semaphore.acquire">(), where)) return;
  if (permits_ > 0) {
    --permits_;
  } else {
    waiters_.push_back(detail::me());
    sim::kernel::block(sim::BlockReason::semaphore, wait_text(" (no permits)"), {object_id(), {}});
    // release() handed us a permit before waking us
  }
  record(sim::OpCode::acquire);
}

bool Semaphore::try_acquire(std::source_location where) {
  if (!begin("omega::Semaphore::try_acquire", detail::op_id<"semaphore.acquire">(), where)) return false;
  if (permits_ == 0) return false;
  --permits_;
  record(sim::OpCode::acquire);
  return true;
}

void Semaphore::release(std::uint64_t permits, std::source_location where) {
  if (!begin("omega::Semaphore::release", detail::op_id<"semaphore.release">(), where)) return;
  record(sim::OpCode::release, permits);
  for (std::uint64_t i = 0; i < permits; ++i) {
    if (waiters_.empty()) {
      ++permits_;
    } else {
      const FiberId next = waiters_.front();
      waiters_.pop_front();
      sim::kernel::wake(next);
    }
  }
}

}  // namespace omega
