// Regressions found by review: each case failed before its fix.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::options;

TEST_CASE("a hand-off to a waiter whose timeout fired on the same tick wins over the timeout") {
  auto mutex_case = [] {
    Mutex m("m");
    IVar<int> never("never");
    m.lock();
    auto w = spawn([&] {
      const bool got = m.try_lock_for(10ms);
      if (got) m.unlock();
      return got;
    }, "w");
    (void)never.get_for(10ms);  // times out on the same tick as w
    m.unlock();
    (void)join(w);
  };
  auto ivar_case = [] {
    IVar<int> a("a"), b("b");
    auto w = spawn([&] { return a.get_for(10ms); }, "w");
    (void)b.get_for(10ms);
    a.put(1);
    (void)join(w);
  };
  auto channel_case = [] {
    Channel<int> ch(0, "ch");
    IVar<int> never("never");
    auto w = spawn([&] { return ch.recv_for(10ms); }, "w");
    (void)never.get_for(10ms);
    const bool sent = ch.send_for(7, 1ms);
    const auto got = join(w);
    check(sent == got.has_value(), "a value is neither lost nor invented");
  };
  for (auto scenario : {+mutex_case, +ivar_case, +channel_case})
    CHECK(testing::first_failing_seed(scenario, 0, 300) == -1);
}

TEST_CASE("a handler that rethrows may use runtime operations during teardown") {
  auto r = sim::run(options(), [] {
    Mutex m("m");
    auto f = spawn([&] {
      m.lock();
      try {
        for (;;) yield();
      } catch (...) {
        m.unlock();  // cleanup in the handler, then rethrow: not a swallow
        throw;
      }
    }, "cleaner");
    for (int i = 0; i < 5; ++i) yield();
    check(false, "end the run while the cleaner spins");
  });
  CHECK(r.outcome == sim::Outcome::assertion);
}

TEST_CASE("singleflight and actors do not capture the teardown unwind") {
  auto sf = sim::run(options(), [] {
    Singleflight<int, int> flights("flights");
    spawn_daemon([&] { return flights.run(1, [] { sleep_for(5ms); return 1; }); }, "leader");
    yield();
    check(false, "end the run during the flight");
  });
  CHECK(sf.outcome == sim::Outcome::assertion);
  auto actor_run = sim::run(options(), [] {
    auto a = actor::spawn<int>([](const int&) { sleep_for(5ms); }, "slow");
    actor::send(a, 1);
    yield();
  });
  CHECK_MESSAGE(actor_run.passed(), actor_run.message);
}

TEST_CASE("a fiber its own timer woke is running again") {
  auto r = sim::run(options(), [] {
    sleep_for(1ms);
    check(info(current()).status == FiberStatus::running, "running after sleep");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("unnamed objects are named by their own run, not by an earlier one") {
  Mutex global;  // unnamed, outlives runs
  auto scenario = [&] {
    Mutex local;
    local.lock();
    global.lock();
    local.unlock();
    global.unlock();
  };
  const auto fresh = sim::run(options(sim::random_policy(), 2), scenario);
  Mutex other;
  (void)sim::run(options(), [&] { global.lock(); global.unlock(); });
  const auto after = sim::run(options(sim::random_policy(), 2), scenario);
  CHECK(fresh.ledger.bytes() == after.ledger.bytes());
}

TEST_CASE("oracle replay stays aligned when fn throws; operations inside fn are an error") {
  int calls = 0;
  auto scenario = [&] {
    auto& o = oracle("svc");
    std::string seen;
    try {
      (void)o.call(std::string("a"), [&](const std::string&) -> int {
        ++calls;
        throw std::runtime_error("503");
      });
    } catch (const OracleError& e) {
      seen = e.what();  // on replay: the recorded failure
    } catch (const std::runtime_error& e) {
      seen = e.what();  // live: fn's own exception
    }
    check(seen.find("503") != std::string::npos, "the failure is reported: " + seen);
    check(o.call(std::string("b"), [&](const std::string&) { ++calls; return 5; }) == 5, "next call");
  };
  const auto live = sim::run(options(sim::random_policy(), 5), scenario);
  REQUIRE_MESSAGE(live.passed(), live.message);
  const int live_calls = calls;
  const auto replayed = sim::run(options(sim::replay_of(live.ledger.events())), scenario);
  CHECK_MESSAGE(replayed.passed(), replayed.message);
  CHECK(calls == live_calls);  // nothing re-executed
  CHECK(replayed.ledger.bytes() == live.ledger.bytes());

  const auto nested = sim::run(options(), [] {
    auto& o = oracle("svc");
    (void)o.call(1, [&](int) { return o.call(2, [](int x) { return x; }); });
  });
  CHECK(nested.outcome == sim::Outcome::exception);
  CHECK_MESSAGE(nested.message.find("inside an oracle's fn") != std::string::npos, nested.message);
}

TEST_CASE("a RunResult that outlives its thread's cleanup is destroyed safely at exit") {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    static sim::RunResult keep;  // destroyed after the thread's cleanup
    (void)sim::run(sim::RunOptions{}, [] {});
    keep = sim::run(sim::RunOptions{}, [] {
      auto f = spawn([] { for (int i = 0; i < 3000; ++i) yield(); }, "long");
      join(f);
    });
    (void)sim::run(sim::RunOptions{}, [] {});
    std::exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
