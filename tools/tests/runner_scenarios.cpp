// Scenarios for the runner's command-line tests.
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <string>

OMEGA_SCENARIO("test/pass") {
  auto f = omega::spawn([] { omega::yield(); }, "child");
  omega::join(f);
}

OMEGA_SCENARIO("test/lost-update") {
  omega::Shared<int> counter("counter", 0);
  auto inc = [&] { counter.store(counter.load() + 1); };
  auto a = omega::spawn(inc, "a");
  auto b = omega::spawn(inc, "b");
  omega::join(a);
  omega::join(b);
  omega::check(counter.load() == 2, "counter == 2 (got " + std::to_string(counter.load()) + ")");
}

// Uncontrolled nondeterminism: branches on a static counter.
OMEGA_SCENARIO("test/static-counter") {
  static int runs = 0;
  auto f = omega::spawn([] {
    if (++runs % 2 == 0) omega::yield();
  }, "flaky");
  auto g = omega::spawn([] { omega::yield(); }, "steady");
  omega::join(f);
  omega::join(g);
}
