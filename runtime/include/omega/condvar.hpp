#pragma once
// omega::CondVar: wait(lock) / wait(lock, pred) / notify_one / notify_all over a
// std::unique_lock<omega::Mutex>, like std::condition_variable_any. Which waiter notify_one wakes
// is a data choice (0 = the longest waiting). With `spurious_wakeups`, every wait may also return
// without a notify, as a data choice (0 = no), so a wait without a loop gets caught.

#include <omega/mutex.hpp>

#include <deque>
#include <mutex>
#include <string>

namespace omega {

struct CondVarOptions {
  bool spurious_wakeups = false;
};

class CondVar : public detail::Primitive {
 public:
  explicit CondVar(std::string name = {}, CondVarOptions options = {});

  // Atomically releases the lock and waits; holds the lock again on return.
  void wait(std::unique_lock<Mutex>& lock);
  template <class Predicate>
  void wait(std::unique_lock<Mutex>& lock, Predicate ready) {
    while (!ready()) wait(lock);
  }
  void notify_one();
  void notify_all();

 private:
  void reset() override { waiters_.clear(); }
  CondVarOptions options_;
  std::deque<FiberId> waiters_;  // longest waiting first
};

}  // namespace omega
