// A project using an installed Omega: one scenario with a lost update, and the runner's main()
// from omega-main. Exploring it must find the bug.
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <string>

OMEGA_SCENARIO("consumer/lost-update") {
  omega::Shared<int> counter("counter", 0);
  auto increment = [&] { counter.store(counter.load() + 1); };
  auto a = omega::spawn(increment, "a");
  auto b = omega::spawn(increment, "b");
  omega::join(a);
  omega::join(b);
  omega::check(counter.load() == 2, "consumer: counter == 2 (got " + std::to_string(counter.load()) + ")");
}
