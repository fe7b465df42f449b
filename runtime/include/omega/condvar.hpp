#pragma once
// omega::CondVar: wait / wait_for / wait_until (each also with a predicate) and notify_one /
// notify_all over a std::unique_lock<omega::Mutex>, like std::condition_variable_any. Timeouts are
// in virtual time. Which waiter notify_one wakes is a data choice (0 = the longest waiting). With
// `spurious_wakeups`, every wait may also return without a notify, as a data choice (0 = no), so a
// wait without a loop gets caught. Only inside a simulation.

#include <omega/mutex.hpp>

#include <chrono>
#include <condition_variable>  // std::cv_status
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace omega {

struct CondVarOptions {
  bool spurious_wakeups = false;
};

class CondVar : public detail::Primitive {
 public:
  explicit CondVar(std::string name = {}, CondVarOptions options = {});

  // Atomically releases the lock and waits; holds the lock again on return. Precondition: the
  // calling fiber holds lock's mutex (else UsageError).
  // `where` (every operation): the caller's source location, for reports; leave it defaulted.
  void wait(std::unique_lock<Mutex>& lock, std::source_location where = std::source_location::current());
  template <class Predicate>
  void wait(std::unique_lock<Mutex>& lock, Predicate ready, std::source_location where = std::source_location::current()) {
    while (!ready()) wait(lock, where);
  }

  // Like wait, but gives up once `timeout` of virtual time has passed: returns
  // std::cv_status::timeout then, no_timeout when notified (or woken spuriously). A notify that
  // lands on the deadline's tick wins over the timeout. Holds the lock again on return either way.
  template <class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<Mutex>& lock, std::chrono::duration<Rep, Period> timeout, std::source_location where = std::source_location::current()) {
    sim::kernel::require("omega::CondVar::wait_for");
    return wait_until_ns(lock, detail::deadline_after(detail::to_ns(timeout)), "omega::CondVar::wait_for", where);
  }

  // Like wait_for, until virtual time `deadline`: a duration since the run started, as omega::now()
  // returns it (`cv.wait_until(lock, omega::now() + 5ms)`). A deadline already past still releases
  // and retakes the lock, like std::condition_variable, and times out.
  template <class Rep, class Period>
  std::cv_status wait_until(std::unique_lock<Mutex>& lock, std::chrono::duration<Rep, Period> deadline, std::source_location where = std::source_location::current()) {
    return wait_until_ns(lock, detail::to_ns(deadline), "omega::CondVar::wait_until", where);
  }

  // Waits until ready() holds or the deadline passes, whichever first; returns ready()'s last
  // value (false: timed out with it still false). The deadline is fixed at the call: notifies that
  // leave ready() false do not extend it.
  template <class Rep, class Period, class Predicate>
  bool wait_for(std::unique_lock<Mutex>& lock, std::chrono::duration<Rep, Period> timeout, Predicate ready,
                std::source_location where = std::source_location::current()) {
    sim::kernel::require("omega::CondVar::wait_for");
    return wait_until_ns(lock, detail::deadline_after(detail::to_ns(timeout)), std::move(ready),
                         "omega::CondVar::wait_for", where);
  }
  template <class Rep, class Period, class Predicate>
  bool wait_until(std::unique_lock<Mutex>& lock, std::chrono::duration<Rep, Period> deadline, Predicate ready,
                  std::source_location where = std::source_location::current()) {
    return wait_until_ns(lock, detail::to_ns(deadline), std::move(ready), "omega::CondVar::wait_until", where);
  }

  void notify_one(std::source_location where = std::source_location::current());
  void notify_all(std::source_location where = std::source_location::current());

 private:
  // One wait: with a deadline, returns false when it passed (after retaking the lock). During
  // teardown, returns at once (false for a timed wait, so predicate loops end).
  bool wait_impl(std::unique_lock<Mutex>& lock, std::optional<std::uint64_t> deadline_ns, const char* api,
                 const std::source_location& where);
  std::cv_status wait_until_ns(std::unique_lock<Mutex>& lock, std::uint64_t deadline_ns, const char* api,
                               const std::source_location& where) {
    return wait_impl(lock, deadline_ns, api, where) ? std::cv_status::no_timeout : std::cv_status::timeout;
  }
  template <class Predicate>
  bool wait_until_ns(std::unique_lock<Mutex>& lock, std::uint64_t deadline_ns, Predicate ready, const char* api,
                     const std::source_location& where) {
    while (!ready())
      if (!wait_impl(lock, deadline_ns, api, where)) return ready();
    return true;
  }

  void reset() override { waiters_.clear(); }
  CondVarOptions options_;
  detail::WaitQueue waiters_;  // longest waiting first
};

}  // namespace omega
