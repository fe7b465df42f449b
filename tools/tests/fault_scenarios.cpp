// Scenarios whose user code crashes, exits or hangs on some schedules: explore must report each
// as a failure of that schedule and go on (tools/tests/fault_test.py).
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <cstdlib>
#include <mutex>

namespace {

// Runs `fault` in fiber "b" when b reads the cell before "a" wrote it: some schedules, not all.
template <class Fault>
void when_b_first(Fault fault) {
  omega::Shared<int> cell("cell", 0);
  auto a = omega::spawn([&] { cell.store(1); }, "a");
  auto b = omega::spawn([&] {
    if (cell.load() == 0) fault();
  }, "b");
  omega::join(a);
  omega::join(b);
}

int recurse(int n) {
  volatile char frame[4096];
  frame[0] = static_cast<char>(n);
  return n <= 0 ? frame[0] : recurse(n - 1) + frame[0];  // not a tail call
}

}  // namespace

OMEGA_SCENARIO("fault/abort") { when_b_first([] { std::abort(); }); }

OMEGA_SCENARIO("fault/null-dereference") {
  when_b_first([] {
    volatile int* nowhere = nullptr;
    *nowhere = 1;
  });
}

OMEGA_SCENARIO("fault/exit") { when_b_first([] { std::exit(0); }); }

OMEGA_SCENARIO("fault/stack-overflow") { when_b_first([] { (void)recurse(1 << 20); }); }

OMEGA_SCENARIO("fault/busy-loop") {
  when_b_first([] {
    volatile bool forever = true;
    while (forever) {
    }
  });
}

// An OS mutex held across a scheduling point: the other fiber blocks the whole thread.
OMEGA_SCENARIO("fault/os-mutex") {
  std::mutex m;
  auto a = omega::spawn([&] {
    std::lock_guard<std::mutex> hold(m);
    omega::yield();
  }, "a");
  auto b = omega::spawn([&] { std::lock_guard<std::mutex> hold(m); }, "b");
  omega::join(a);
  omega::join(b);
}

OMEGA_SCENARIO("fault/fine") { when_b_first([] {}); }

// Leaks state between runs through a static that only the first run in a process sees unset:
// a re-run in the same process agrees with the original, a fresh process does not.
OMEGA_SCENARIO("leak/warm-static") {
  static bool warmed = false;
  const bool cold = !warmed;
  warmed = true;
  if (cold) omega::yield();
  when_b_first([] { omega::check(false, "b ran first"); });
}
