#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <vector>

using namespace omega;
using omega::testing::options;

TEST_CASE("mutex: lock_guard and unique_lock work; try_lock reports contention") {
  auto r = sim::run(options(), [] {
    Mutex m("m");
    {
      std::lock_guard<Mutex> g(m);
      check(m.owner() == current(), "owner while held");
    }
    check(!m.owner().valid(), "unlocked after the guard");
    std::unique_lock<Mutex> u(m);
    auto other = spawn([&] { return m.try_lock(); }, "other");
    check(!join(other), "try_lock fails while held");
    u.unlock();
    auto again = spawn([&] {
      const bool got = m.try_lock();
      if (got) m.unlock();
      return got;
    }, "again");
    check(join(again), "try_lock succeeds when free");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("mutex: FIFO wait queue, unlock hands ownership to the first waiter") {
  std::vector<int> order;
  auto r = sim::run(options(), [&] {
    Mutex m("m");
    m.lock();
    std::vector<Fiber<void>> ws;
    for (int i = 1; i <= 3; ++i)
      ws.push_back(spawn([&, i] {
        m.lock();
        order.push_back(i);
        m.unlock();
      }, "w" + std::to_string(i)));
    for (int i = 0; i < 3; ++i) yield();  // every waiter queues, in spawn order
    m.unlock();
    check(m.owner() == ws[0].id(), "ownership handed to the first waiter at unlock");
    for (auto& w : ws) join(w);
  });
  CHECK_MESSAGE(r.passed(), r.message);
  CHECK(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("mutex: relocking, and unlocking a mutex you don't hold, name the mutex and both fibers") {
  auto relock = sim::run(options(), [] {
    Mutex m("accounts");
    auto f = spawn([&] {
      m.lock();
      m.lock();
    }, "greedy");
    join(f);
  });
  CHECK(relock.outcome == sim::Outcome::exception);
  CHECK_MESSAGE(relock.message.find("fiber 1 (greedy) relocks mutex accounts which it already holds "
                                    "(held by fiber 1 (greedy))") != std::string::npos,
                relock.message);

  auto foreign = sim::run(options(), [] {
    Mutex m("accounts");
    m.lock();
    auto f = spawn([&] { m.unlock(); }, "thief");
    join(f);
  });
  CHECK(foreign.outcome == sim::Outcome::exception);
  CHECK_MESSAGE(foreign.message.find("fiber 1 (thief) unlocks mutex accounts held by fiber 0 (root)") !=
                    std::string::npos,
                foreign.message);

  auto unlocked = sim::run(options(), [] {
    Mutex m("accounts");
    m.unlock();
  });
  CHECK_MESSAGE(unlocked.message.find("fiber 0 (root) unlocks mutex accounts which is not locked") !=
                    std::string::npos,
                unlocked.message);
}

TEST_CASE("mutex: try_lock_for times out in virtual time, or gets the mutex when released in time") {
  auto r = sim::run(options(), [] {
    Mutex m("m");
    m.lock();
    auto impatient = spawn([&] { return m.try_lock_for(std::chrono::milliseconds(5)); }, "impatient");
    check(!join(impatient), "timed out");
    check(now() == std::chrono::milliseconds(5), "after exactly the timeout");
    auto patient = spawn([&] {
      const bool got = m.try_lock_for(std::chrono::milliseconds(50));
      if (got) m.unlock();
      return got;
    }, "patient");
    sleep_for(std::chrono::milliseconds(10));
    m.unlock();
    check(join(patient), "got it when released before the deadline");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("mutex: two fibers taking two mutexes in opposite order deadlock under some seed") {
  auto scenario = [] {
    Mutex a("A"), b("B");
    auto ab = spawn([&] {
      std::lock_guard<Mutex> first(a);
      std::lock_guard<Mutex> second(b);
    }, "ab");
    auto ba = spawn([&] {
      std::lock_guard<Mutex> first(b);
      std::lock_guard<Mutex> second(a);
    }, "ba");
    join(ab);
    join(ba);
  };
  sim::RunResult failure;
  const auto seed = testing::first_failing_seed(scenario, 0, 1000, &failure);
  REQUIRE(seed >= 0);
  CHECK(failure.outcome == sim::Outcome::deadlock);
  const std::string expected = "deadlock at step " + std::to_string(failure.steps) +
                               ": fiber 0 (root) waits on join 1 (ab) at tests/mutex_test.cpp:120; fiber 1 (ab) waits on mutex B "
                               "(held by fiber 2 (ba)); fiber 2 (ba) waits on mutex A (held by fiber 1 (ab))";
  CHECK(failure.message == expected);
  // Negative control: one lock order never deadlocks.
  auto ordered = [] {
    Mutex a("A"), b("B");
    auto f = [&] {
      std::lock_guard<Mutex> first(a);
      std::lock_guard<Mutex> second(b);
    };
    auto x = spawn(f, "x");
    auto y = spawn(f, "y");
    join(x);
    join(y);
  };
  CHECK(testing::first_failing_seed(ordered, 0, 1000) == -1);
}

TEST_CASE("mutex: a mutex that outlives a run starts the next one unlocked") {
  Mutex m("global");
  auto leaky = sim::run(options(), [&] { m.lock(); });
  CHECK(leaky.passed());
  auto next = sim::run(options(), [&] {
    check(m.try_lock(), "fresh in a new run");
    m.unlock();
  });
  CHECK_MESSAGE(next.passed(), next.message);
  CHECK_THROWS_AS(m.lock(), UsageError);  // outside a run
}
