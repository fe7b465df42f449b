// One run: outcomes, messages, budgets, exceptions, fiber status, end-of-run rule.

#include <omega/omega.hpp>
#include <omega/sim/interleaving.hpp>

#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <source_location>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

using namespace omega;
using omega::testing::options;
using sim::Outcome;

namespace {

void block_forever(const std::string& on) { sim::kernel::block(sim::BlockReason::other, on); }

}  // namespace

TEST_CASE("spawn and join: values, names, parent and child links, status") {
  auto r = sim::run(options(), [] {
    auto f = spawn([] { return 41 + 1; }, "answer");
    check(join(f) == 42, "join returns the value");
    const FiberInfo i = info(f.id());
    check(i.name == "answer", "name");
    check(i.parent == FiberId{0}, "parent is the root");
    check(i.status == FiberStatus::done, "status done");
    check(info(current()).children == std::vector<FiberId>{f.id()}, "root's children");
    check(info(current()).status == FiberStatus::running, "the root is running");
    auto unnamed = spawn([] {});
    join(unnamed);
    check(info(unnamed.id()).name == "fiber-2", "default name");
  });
  CHECK_MESSAGE(r.passed(), r.message);
  CHECK(r.fibers == 3);
}

TEST_CASE("a blocked fiber reports its reason and what it waits on") {
  auto r = sim::run(options(), [] {
    std::optional<Fiber<void>> sleeper;
    auto joiner = spawn([&] { join(*sleeper); }, "joiner");
    sleeper.emplace(spawn([&] {
      yield();  // let the joiner block on us
      const FiberInfo j = info(joiner.id());
      check(j.status == FiberStatus::blocked, "joiner is blocked");
      check(j.reason == sim::BlockReason::join, "reason join");
      check(j.waits_on == "join 2 (sleeper)", "waits on: " + j.waits_on);
      check(info(current()).status == FiberStatus::running, "self running");
    }, "sleeper"));
    join(joiner);
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("deadlock report names every waiting fiber and what it waits on") {
  auto r = sim::run(options(), [] {
    std::optional<Fiber<void>> a, b;
    a.emplace(spawn([&] { join(*b); }, "a"));
    b.emplace(spawn([&] { join(*a); }, "b"));
    join(*a);
  });
  CHECK(r.outcome == Outcome::deadlock);
  // Each wait says where it was called (the lines of the joins above).
  const std::string here = "tests/run_test.cpp:";
  const int line = std::source_location::current().line();
  CHECK(r.message == "deadlock at step 8: fiber 0 (root) waits on join 1 (a) at " + here + std::to_string(line - 5) +
                         "; fiber 1 (a) waits on join 2 (b) at " + here + std::to_string(line - 7) +
                         "; fiber 2 (b) waits on join 1 (a) at " + here + std::to_string(line - 6));
  const auto events = r.ledger.events();
  REQUIRE(std::holds_alternative<sim::ev::Deadlock>(events.back()));
}

TEST_CASE("a fiber still blocked when the root returns is a leaked-fiber deadlock") {
  auto r = sim::run(options(), [] { spawn([] { block_forever("a message that never comes"); }, "stuck"); });
  CHECK(r.outcome == Outcome::deadlock);
  CHECK_MESSAGE(r.message.find("leaked fiber 1 (stuck) waits on a message that never comes") !=
                    std::string::npos,
                r.message);
}

TEST_CASE("daemons do not keep the run alive") {
  bool daemon_unwound = false;
  auto r = sim::run(options(), [&] {
    spawn_daemon([&] {
      struct Flag {
        bool* f;
        ~Flag() { *f = true; }
      } flag{&daemon_unwound};
      for (;;) yield();
    }, "server");
    yield();
  });
  CHECK_MESSAGE(r.passed(), r.message);
  CHECK(daemon_unwound);
}

TEST_CASE("exceptions: rethrown at join, recorded as Error") {
  auto r = sim::run(options(), [] {
    auto f = spawn([]() -> int { throw std::runtime_error("boom"); }, "thrower");
    try {
      (void)join(f);
      check(false, "join should have thrown");
    } catch (const std::runtime_error& e) {
      check(std::string(e.what()) == "boom", "the fiber's exception");
    }
    check(info(f.id()).status == FiberStatus::error, "status error");
  });
  CHECK_MESSAGE(r.passed(), r.message);
  bool recorded = false;
  for (const auto& e : r.ledger.events())
    if (const auto* x = std::get_if<sim::ev::Error>(&e))
      recorded = x->fiber == FiberId{1} && x->message == "std::runtime_error: boom";
  CHECK(recorded);
}

TEST_CASE("an exception in a fiber never joined is the run's outcome") {
  auto r = sim::run(options(), [] { spawn([] { throw std::runtime_error("boom"); }, "thrower"); });
  CHECK(r.outcome == Outcome::exception);
  CHECK_MESSAGE(r.message.find("fiber 1 (thrower) threw std::runtime_error: boom and was never joined") == 0,
                r.message);
}

TEST_CASE("an exception escaping the root ends the run") {
  auto r = sim::run(options(), [] {
    spawn([] { for (;;) yield(); }, "spinner");
    throw std::logic_error("bad input");
  });
  CHECK(r.outcome == Outcome::exception);
  CHECK(r.message == "fiber 0 (root) threw std::logic_error: bad input at step 1");
}

TEST_CASE("check() failure is an assertion outcome naming fiber and step") {
  auto r = sim::run(options(), [] {
    auto f = spawn([] { check(1 + 1 == 3, "arithmetic"); }, "checker");
    join(f);
  });
  CHECK(r.outcome == Outcome::assertion);
  CHECK(r.message == "check failed in fiber 1 (checker) at step 3: arithmetic");
  CHECK(std::holds_alternative<sim::ev::Failure>(r.ledger.events().back()));
}

TEST_CASE("exception state is saved and restored per fiber") {
  std::string a_rethrew, b_rethrew;
  auto r = sim::run(options(), [&] {
    auto a = spawn([&] {
      try {
        throw std::runtime_error("A");
      } catch (...) {
        yield();  // B throws and suspends inside its own catch meanwhile
        try {
          throw;
        } catch (const std::exception& e) {
          a_rethrew = e.what();
        }
      }
    }, "a");
    auto b = spawn([&] {
      try {
        throw std::logic_error("B");
      } catch (...) {
        yield();
        try {
          throw;
        } catch (const std::exception& e) {
          b_rethrew = e.what();
        }
      }
    }, "b");
    join(a);
    join(b);
  });
  CHECK_MESSAGE(r.passed(), r.message);
  CHECK(a_rethrew == "A");
  CHECK(b_rethrew == "B");
}

TEST_CASE("budget: a fiber that only yields exhausts its steps and is named as a spin loop") {
  sim::RunOptions o = options();
  o.budgets.fiber_steps_max = 500;
  auto r = sim::run(o, [] {
    auto f = spawn([] { for (;;) yield(); }, "spinner");
    join(f);
  });
  CHECK(r.outcome == Outcome::budget);
  CHECK_MESSAGE(r.message.find("fiber 1 (spinner) used its 500 steps (OMEGA_MAX_FIBER_STEPS)") != std::string::npos, r.message);
  CHECK_MESSAGE(r.message.find("only yielded — a spin loop?") != std::string::npos, r.message);
  CHECK(std::holds_alternative<sim::ev::BudgetExhausted>(r.ledger.events().back()));
}

TEST_CASE("budget: total steps, and no spin-loop blame when fibers make progress") {
  sim::RunOptions o = options();
  o.budgets.steps_max = 300;
  auto r = sim::run(o, [] {
    for (int i = 0; i < 1000; ++i) join(spawn([] {}, "short"));
  });
  CHECK(r.outcome == Outcome::budget);
  CHECK_MESSAGE(r.message.find("total steps 300 (OMEGA_MAX_STEPS)") != std::string::npos, r.message);
  CHECK_MESSAGE(r.message.find("no fiber is only yielding") != std::string::npos, r.message);
}

TEST_CASE("budgets: defaults, OMEGA_* overrides and malformed values") {
  ::unsetenv("OMEGA_MAX_STEPS");
  CHECK(sim::Budgets::from_env().steps_max == 1'000'000);
  CHECK(sim::Budgets::from_env().fiber_steps_max == 10'000);
  ::setenv("OMEGA_MAX_STEPS", "50", 1);
  CHECK(sim::Budgets::from_env().steps_max == 50);
  ::setenv("OMEGA_MAX_STEPS", "lots", 1);
  CHECK_THROWS_WITH_AS(sim::Budgets::from_env(), "OMEGA_MAX_STEPS=lots is not a positive integer",
                       UsageError);
  ::unsetenv("OMEGA_MAX_STEPS");
}

TEST_CASE("runtime operations outside a simulation throw a clear error") {
  CHECK_THROWS_WITH_AS(omega::yield(), doctest::Contains("omega::yield called outside a simulation"), UsageError);
  CHECK_THROWS_WITH_AS(spawn([] {}), doctest::Contains("omega::spawn called outside a simulation"), UsageError);
  CHECK_THROWS_WITH_AS(check(true, "x"), doctest::Contains("omega::check called outside a simulation"), UsageError);
  CHECK_THROWS_WITH_AS(current(), doctest::Contains("omega::current called outside a simulation"), UsageError);
  CHECK_THROWS_WITH_AS(omega::random(3), doctest::Contains("omega::random called outside a simulation"), UsageError);
}

TEST_CASE("runs do not nest; joining yourself is an error") {
  auto nested = sim::run(options(), [] { sim::run(sim::RunOptions{}, [] {}); });
  CHECK(nested.outcome == Outcome::exception);
  CHECK_MESSAGE(nested.message.find("runs do not nest") != std::string::npos, nested.message);

  auto self = sim::run(options(), [] { sim::kernel::join(current()); });
  CHECK(self.outcome == Outcome::exception);
  CHECK_MESSAGE(self.message.find("fiber 0 (root) joins itself") != std::string::npos, self.message);
}

TEST_CASE("random: data choices are recorded and bounded; bound 1 is forced") {
  auto r = sim::run(options(), [] {
    check(omega::random(1) == 0, "forced");
    check(omega::random(10) == 0, "the default data choice is 0");
  });
  CHECK_MESSAGE(r.passed(), r.message);
  CHECK(r.decisions == 1);
  sim::RunOptions o = options();
  o.policy = sim::vector_of({7});
  std::uint64_t drawn = 99;
  sim::run(o, [&] { drawn = omega::random(5); });
  CHECK(drawn == 2);  // 7 mod 5
}

TEST_CASE("virtual time reads in human units in the interleaving") {
  CHECK(sim::duration_text(0) == "0 ns");
  CHECK(sim::duration_text(7) == "7 ns");
  CHECK(sim::duration_text(250'000) == "250 us");
  CHECK(sim::duration_text(1'000'000) == "1 ms");
  CHECK(sim::duration_text(1'500'000'000) == "1.5 s");
  CHECK(sim::duration_text(1'000'001) == "1.000001 ms");
  CHECK(sim::duration_text(90'000'000'000) == "90 s");
  const auto r = sim::run(sim::RunOptions{}, [] { sleep_for(std::chrono::milliseconds(1)); });
  CHECK_MESSAGE(sim::interleaving_table(r.ledger).find("-- time 1 ms --") != std::string::npos,
                sim::interleaving_table(r.ledger));
}

TEST_CASE("a notify row in the interleaving names the fiber it woke") {
  const auto r = sim::run(sim::RunOptions{}, [] {
    Mutex m("m");
    CondVar cv("ready-cv");
    bool ready = false;
    auto waiter = spawn([&] {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return ready; });
    }, "waiter");
    yield();  // the waiter waits first
    {
      std::lock_guard g(m);
      ready = true;
    }
    cv.notify_one();
    join(waiter);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  const std::string table = sim::interleaving_table(r.ledger);
  CHECK_MESSAGE(table.find("notify ready-cv -> wakes 1 (waiter)") != std::string::npos, table);
}

TEST_CASE("a wide cell wraps onto continuation lines instead of being clipped") {
  const std::string message =
      "the first half of a long failure message that goes on and on, and its end: the-last-word-survives";
  const auto r = sim::run(sim::RunOptions{}, [&] { check(false, message); });
  const std::string table = sim::interleaving_table(r.ledger);
  CHECK_MESSAGE(table.find("the-last-word-survives") != std::string::npos, table);
  CHECK_MESSAGE(table.find("...") == std::string::npos, table);
  std::size_t lines = 0, longest = 0;
  for (std::size_t start = 0; start < table.size();) {
    const std::size_t end = table.find('\n', start);
    longest = std::max(longest, end - start);
    ++lines;
    start = end + 1;
  }
  CHECK(lines >= 5);            // header, rule, and the failure over at least three lines
  CHECK(longest <= 4 + 3 + 44);  // "#" column, " | ", one cell of at most 44 characters
}
