// Teardown of an early-ended run: the ledger is sealed, remaining fibers are unwound in descending id order,
// runtime operations during teardown do nothing, and swallowing the unwind is a harness error.

#include <omega/omega.hpp>

#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace omega;
using omega::testing::options;

namespace {

void block_forever() { sim::kernel::block(sim::BlockReason::other, "nothing"); }

struct Recorder {
  std::vector<int>* order;
  int id;
  ~Recorder() { order->push_back(id); }
};

}  // namespace

TEST_CASE("teardown unwinds the remaining fibers in descending id order, children before parents") {
  std::vector<int> order;
  auto r = sim::run(options(), [&] {
    Recorder root_guard{&order, 0};
    auto c = spawn([&] { Recorder g{&order, 3}; block_forever(); }, "c");
    auto b = spawn([&] { Recorder g{&order, 2}; yield(); block_forever(); }, "b");
    auto a = spawn([&] { Recorder g{&order, 1}; yield(); yield(); block_forever(); }, "a");
    join(a);
  });
  CHECK(r.outcome == sim::Outcome::deadlock);
  CHECK(order == std::vector<int>{1, 2, 3, 0});  // fiber ids: root 0, c 1, b 2, a 3

  // The reason for the order: a child's destructors may use its parent's locals.
  auto r2 = sim::run(options(), [] {
    Mutex m("parent-owned");
    auto child = spawn([&] {
      std::lock_guard<Mutex> g(m);  // unlocks m while unwinding: m must still exist
      block_forever();
    }, "child");
    join(child);
  });
  CHECK(r2.outcome == sim::Outcome::deadlock);
}

TEST_CASE("teardown seals the ledger and runtime operations in destructors do nothing") {
  bool destructor_ran = false;
  std::uint64_t drawn = 99;
  auto r = sim::run(options(), [&] {
    spawn([&] {
      struct Busy {
        bool* ran;
        std::uint64_t* drawn;
        ~Busy() {
          omega::yield();
          *drawn = omega::random(5);
          check(false, "ignored during teardown");
          auto f = spawn([] {}, "never-runs");
          (void)f;
          *ran = true;
        }
      } busy{&destructor_ran, &drawn};
      block_forever();
    }, "busy");
  });
  CHECK(r.outcome == sim::Outcome::deadlock);
  CHECK(destructor_ran);
  CHECK(drawn == 0);
  CHECK(r.fibers == 2);
  const auto events = r.ledger.events();
  CHECK(std::holds_alternative<sim::ev::Deadlock>(events.back()));
}

TEST_CASE("a fiber that swallows the teardown unwind is a harness error naming it") {
  auto swallow_and_return = [] {
    spawn([] {
      try {
        block_forever();
      } catch (...) {
      }
    }, "swallower");
  };
  CHECK_THROWS_WITH_AS(sim::run(options(), swallow_and_return),
                       doctest::Contains("fiber 1 (swallower) swallowed the teardown unwind"),
                       HarnessError);

  auto swallow_and_go_on = [] {
    spawn([] {
      try {
        block_forever();
      } catch (...) {
      }
      omega::yield();
    }, "swallower");
  };
  CHECK_THROWS_WITH_AS(sim::run(options(), swallow_and_go_on),
                       doctest::Contains("fiber 1 (swallower) swallowed"), HarnessError);

  // A catch (...) that rethrows is fine.
  auto rethrows = [] {
    spawn([] {
      try {
        block_forever();
      } catch (...) {
        throw;
      }
    }, "polite");
  };
  CHECK(sim::run(options(), rethrows).outcome == sim::Outcome::deadlock);
}

TEST_CASE("fibers that never ran are dropped without running") {
  bool ran = false;
  auto r = sim::run(options(), [&] {
    spawn([&] { ran = true; }, "late");
    check(false, "stop before the child runs");
  });
  CHECK(r.outcome == sim::Outcome::assertion);
  CHECK_FALSE(ran);
}
