// Two fibers take two mutexes in opposite order: a lock-order deadlock under some schedules.
// The fix is one global lock order.
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <mutex>

OMEGA_SCENARIO("examples/lock-order-deadlock") {
  omega::Mutex accounts("accounts"), audit("audit");
  auto transfer = omega::spawn([&] {
    std::lock_guard<omega::Mutex> first(accounts);
    std::lock_guard<omega::Mutex> second(audit);
  }, "transfer");
  auto report = omega::spawn([&] {
    std::lock_guard<omega::Mutex> first(audit);
    std::lock_guard<omega::Mutex> second(accounts);
  }, "report");
  omega::join(transfer);
  omega::join(report);
}
