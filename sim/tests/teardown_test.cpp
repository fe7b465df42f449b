// Teardown of an early-ended run: the ledger is sealed, remaining fibers are unwound in descending id order,
// runtime operations during teardown do nothing, and swallowing the unwind is a harness error. A
// fiber suspended where the unwind cannot pass (a noexcept frame) is abandoned, with a note.

#include <omega/omega.hpp>
#include <omega/sim/stack_pool.hpp>

#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
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

// RAII join: its destructor blocks, so a fiber can be suspended inside a (noexcept) destructor
// when the run ends.
struct Joiner {
  Fiber<void> fiber;
  ~Joiner() { join(fiber); }
};

// The same, but allowed to throw: suspended while another exception unwinds the fiber, throwing
// the teardown unwind out of it would still call std::terminate.
struct ThrowingJoiner {
  Fiber<void> fiber;
  ~ThrowingJoiner() noexcept(false) { join(fiber); }
};

// Runs fn (which returns a report) in a child process, because before the fix these runs ended
// the process with std::terminate and would have taken the whole suite down. Returns the child's
// wait status and its report followed by anything it wrote to stderr.
template <class Fn>
std::pair<int, std::string> in_subprocess(Fn fn) {
  int pipefd[2];
  REQUIRE(::pipe(pipefd) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(pipefd[1], STDERR_FILENO);
    ::close(pipefd[0]);
    std::string report;
    try {
      report = fn();
    } catch (const std::exception& e) {
      report = std::string("child threw: ") + e.what() + "\n";
    }
    for (std::size_t done = 0; done < report.size();) {
      const ssize_t w = ::write(pipefd[1], report.data() + done, report.size() - done);
      if (w <= 0) break;
      done += static_cast<std::size_t>(w);
    }
    ::_exit(0);  // no doctest reporting (and no leak check) in the child
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {status, out};
}

bool exited_cleanly(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string describe(const sim::RunResult& r) {
  return "outcome: " + std::string(sim::to_string(r.outcome)) + "\nmessage: " + r.message + "\n";
}

// Root's Joiner waits for a fiber that never ends: a deadlock with the root suspended inside
// ~Joiner.
void joiner_deadlock() {
  Joiner j{spawn([] { block_forever(); }, "stuck")};
}

// A small scenario with every kind of choice, for byte-for-byte ledger comparisons.
void busy_scenario() {
  Mutex m("m");
  Channel<int> ch(1, "ch");
  int total = 0;
  auto producer = spawn([&] {
    for (int i = 0; i < 4; ++i) ch.send(i + static_cast<int>(omega::random(3)));
    ch.close();
  }, "producer");
  auto consumer = spawn([&] {
    while (auto v = ch.recv()) {
      std::lock_guard<Mutex> g(m);
      total += *v;
      omega::yield();
    }
  }, "consumer");
  join(producer);
  join(consumer);
  check(total >= 6, "every value arrives");
}

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

TEST_CASE("a daemon still running when the root returns is unwound after the root's locals are gone") {
  // What the README's Concepts section promises: a daemon must not use the root's stack locals.
  std::vector<int> order;
  auto r = sim::run(options(), [&] {
    Recorder root_local{&order, 0};
    spawn_daemon([&] { Recorder g{&order, 1}; block_forever(); }, "daemon");
    omega::yield();  // the daemon runs and blocks
  });
  CHECK(r.passed());
  CHECK(order == std::vector<int>{0, 1});
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

TEST_CASE("a fiber suspended in a destructor when the run ends is abandoned with a note, not std::terminate") {
  // Before the fix: teardown threw its unwind out of ~Joiner (noexcept) and the process died with
  // "terminate called after throwing an instance of 'FiberUnwind'".
  const auto [status, out] = in_subprocess([] {
    return describe(sim::run(options(), joiner_deadlock));
  });
  REQUIRE_MESSAGE(exited_cleanly(status), out);
  CHECK_MESSAGE(out.find("outcome: deadlock\n") != std::string::npos, out);  // the outcome is kept
  CHECK_MESSAGE(out.find("message: deadlock at step ") != std::string::npos, out);
  CHECK_MESSAGE(out.find("fiber 0 (root) waits on join 1 (stuck)") != std::string::npos, out);
  CHECK_MESSAGE(out.find("teardown: fiber 0 (root) was suspended (join 1 (stuck)) in a destructor "
                         "or another noexcept frame") != std::string::npos,
                out);
  CHECK_MESSAGE(out.find("leaked") != std::string::npos, out);
}

TEST_CASE("a fiber suspended in a destructor while an exception unwinds it is abandoned too") {
  const auto [status, out] = in_subprocess([] {
    return describe(sim::run(options(), [] {
      auto thrower = spawn([] {
        ThrowingJoiner j{spawn([] { block_forever(); }, "stuck")};
        throw std::runtime_error("boom");  // ~ThrowingJoiner blocks during this unwind
      }, "thrower");
      join(thrower);
    }));
  });
  REQUIRE_MESSAGE(exited_cleanly(status), out);
  CHECK_MESSAGE(out.find("outcome: deadlock\n") != std::string::npos, out);
  CHECK_MESSAGE(out.find("teardown: fiber 1 (thrower) was suspended (join 2 (stuck))") != std::string::npos, out);
  CHECK_MESSAGE(out.find("teardown: fiber 0") == std::string::npos, out);  // the root unwinds normally
}

TEST_CASE("a daemon suspended in a noexcept function when the root returns is abandoned; the run passes") {
  const auto [status, out] = in_subprocess([] {
    return describe(sim::run(options(), [] {
      spawn_daemon([] { [] () noexcept { block_forever(); }(); }, "server");
      omega::yield();  // the daemon runs and blocks
    }));
  });
  REQUIRE_MESSAGE(exited_cleanly(status), out);
  CHECK_MESSAGE(out.find("outcome: pass\n") != std::string::npos, out);
  CHECK_MESSAGE(out.find("teardown: fiber 1 (server) was suspended (nothing)") != std::string::npos, out);
}

TEST_CASE("after an abandoned fiber the thread runs on: identical ledgers, no stack kept") {
  const auto [status, out] = in_subprocess([] {
    std::string report;
    auto busy = [] { return sim::run(options(sim::random_policy(), 11), busy_scenario); };
    const sim::RunResult before = busy();
    report += "busy before: " + std::string(sim::to_string(before.outcome)) + "\n";
    const auto stacks = sim::stack_pool_stats();
    std::vector<std::uint8_t> first_abandoning;
    for (int i = 0; i < 50; ++i) {
      const sim::RunResult r = sim::run(options(), joiner_deadlock);
      if (r.outcome != sim::Outcome::deadlock) report += "abandoning run " + std::to_string(i) + " not a deadlock\n";
      if (i == 0)
        first_abandoning = r.ledger.bytes().to_vector();
      else if (r.ledger.bytes().to_vector() != first_abandoning)
        report += "abandoning run " + std::to_string(i) + " has a different ledger\n";
    }
    const auto after_stacks = sim::stack_pool_stats();
    if (after_stacks.in_use != stacks.in_use) report += "stacks still in use after abandoning\n";
    if (after_stacks.mapped > stacks.mapped + 2) report += "abandoned stacks were not reused\n";
    const sim::RunResult after = busy();
    report += "busy after: " + std::string(sim::to_string(after.outcome)) + "\n";
    if (after.ledger.bytes().to_vector() != before.ledger.bytes().to_vector())
      report += "busy ledger differs after abandoning\n";
    if (after.ledger.bytes().size() == 0) report += "busy ledger is empty\n";
    return report;
  });
  REQUIRE_MESSAGE(exited_cleanly(status), out);
  CHECK_MESSAGE(out == "busy before: pass\nbusy after: pass\n", out);
}
