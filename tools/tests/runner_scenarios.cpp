// Scenarios for the runner's command-line tests.
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

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

// One scenario in three versions, chosen by OMEGA_TEST_VARIANT, for the corpus tests: "bug" (the
// lost update), "fixed" (the update under a mutex: passes) and "edited" (an extra step after the
// update: the recorded schedule no longer fits at its end, and the bug is still there),
// "renumbered" (another fiber spawned first: every id shifts).
OMEGA_SCENARIO("test/variant") {
  const char* v = std::getenv("OMEGA_TEST_VARIANT");
  const std::string variant = v ? v : "bug";
  omega::Shared<int> counter("counter", 0);
  omega::Mutex m("m");
  auto inc = [&] {
    if (variant == "fixed") {
      std::lock_guard g(m);
      counter.store(counter.load() + 1);
    } else {
      counter.store(counter.load() + 1);
    }
    if (variant == "edited") omega::yield();
  };
  // "renumbered": a fiber spawned first shifts every id, and adds decisions of its own.
  std::optional<omega::Fiber<void>> logger;
  if (variant == "renumbered") logger = omega::spawn([] { omega::yield(); }, "logger");
  auto a = omega::spawn(inc, "a");
  auto b = omega::spawn(inc, "b");
  omega::join(a);
  omega::join(b);
  if (logger) omega::join(*logger);
  omega::check(counter.load() == 2, "counter == 2 (got " + std::to_string(counter.load()) + ")");
}

// A bug behind one value of a data choice of domain 6: dfs finds it only when it enumerates
// domains that large (--data-domain-max 6; the default, 4, keeps the choice at 0).
OMEGA_SCENARIO("test/data-choice") {
  const std::uint64_t pick = omega::random(6);
  omega::check(pick != 5, "the sixth value (got " + std::to_string(pick) + ")");
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

// Many distinct schedules (three fibers yielding four times each), for the memory test.
OMEGA_SCENARIO("test/many-schedules") {
  auto body = [] {
    for (int i = 0; i < 4; ++i) omega::yield();
  };
  auto a = omega::spawn(body, "a"), b = omega::spawn(body, "b"), c = omega::spawn(body, "c");
  omega::join(a);
  omega::join(b);
  omega::join(c);
}

// Takes two seconds of real time per run, so a test can signal the runner while a run is in flight.
OMEGA_SCENARIO("slow/sleep") {
  auto f = omega::spawn([] { std::this_thread::sleep_for(std::chrono::seconds(2)); }, "sleeper");
  omega::join(f);
}
