// Two fibers increment a shared counter with a load and a store: the store of one can overwrite
// the other's (a lost update). The fix is Atomic<int>::fetch_add.
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <string>

OMEGA_SCENARIO("examples/lost-update") {
  omega::Shared<int> counter("counter", 0);
  auto increment = [&] { counter.store(counter.load() + 1); };
  auto a = omega::spawn(increment, "incrementer-a");
  auto b = omega::spawn(increment, "incrementer-b");
  omega::join(a);
  omega::join(b);
  omega::check(counter.load() == 2, "counter == 2 (got " + std::to_string(counter.load()) + ")");
}
