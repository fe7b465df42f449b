#pragma once
// omega::Mutex: lock / try_lock / try_lock_for / unlock, usable with std::lock_guard and
// std::unique_lock. Waiters queue FIFO and unlock hands ownership straight to the first one.
// Relocking a mutex you hold, or unlocking one you don't, throws UsageError naming the mutex and
// both fibers. Every operation is a scheduling point. Only inside a simulation.

#include <omega/detail/primitive.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace omega {

class CondVar;

class Mutex : public detail::Primitive {
 public:
  explicit Mutex(std::string name = {});

  // `where` (every operation): the caller's source location, for reports; leave it defaulted.
  void lock(std::source_location where = std::source_location::current());
  bool try_lock(std::source_location where = std::source_location::current());
  template <class Rep, class Period>
  bool try_lock_for(std::chrono::duration<Rep, Period> timeout, std::source_location where = std::source_location::current()) {
    return try_lock_for_ns(detail::to_ns(timeout), where);
  }
  void unlock(std::source_location where = std::source_location::current());

  // The holder in the current run (invalid when unlocked).
  FiberId owner() const noexcept { return stale() ? FiberId{} : owner_; }

 private:
  friend class CondVar;
  friend class Serializer;
  bool try_lock_for_ns(std::uint64_t timeout_ns, const std::source_location& where);
  // True when the current fiber holds this mutex in this run (attaches, no scheduling point).
  bool held_by_current_fiber();
  void check_not_holding(const char* op) const;
  // The Block text for a wait on the current owner, built once per owner per run (cached).
  const std::string& waiting_text() const;
  // Gives the mutex up without a scheduling point (the caller already had one): to the first
  // waiter if any.
  void release();
  void reset() override;

  mutable std::vector<std::string> wait_texts_;  // by owner id; cleared by reset() (a new run)
  FiberId owner_;
  detail::WaitQueue waiters_;
};

}  // namespace omega
