// Serializer, CondVar, Semaphore.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::options;

TEST_CASE("serializer: serialized procedures exclude each other") {
  auto scenario = [] {
    auto s = make_serializer("accounts");
    int balance = 0;
    auto deposit = s([&](int amount) {
      const int seen = balance;
      yield();
      balance = seen + amount;
      return balance;
    });
    auto a = spawn([&] { return deposit(10); }, "a");
    auto b = spawn([&] { return deposit(20); }, "b");
    join(a);
    join(b);
    check(balance == 30, "no lost deposit: " + std::to_string(balance));
  };
  CHECK(testing::first_failing_seed(scenario, 0, 500) == -1);
}

TEST_CASE("serializer: a serialized procedure calling another on the same serializer is a self-deadlock") {
  auto r = sim::run(options(), [] {
    auto s = make_serializer("accounts");
    auto inner = s([] { return 1; });
    auto outer = s([&] { return inner() + 1; });
    auto f = spawn([&] { return outer(); }, "caller");
    join(f);
  });
  CHECK(r.outcome == sim::Outcome::deadlock);
  CHECK_MESSAGE(r.message.find("fiber 1 (caller) waits on serializer accounts, which it holds itself: "
                               "self-deadlock") != std::string::npos,
                r.message);
}

TEST_CASE("condvar: wait releases the mutex, notify wakes, predicate loop") {
  auto r = sim::run(options(sim::random_policy(), 3), [] {
    Mutex m("m");
    CondVar cv("cv");
    bool ready = false;
    auto consumer = spawn([&] {
      std::unique_lock<Mutex> lock(m);
      cv.wait(lock, [&] { return ready; });
      check(m.owner() == current(), "holds the mutex after wait");
      return 1;
    }, "consumer");
    {
      std::unique_lock<Mutex> lock(m);
      ready = true;
    }
    cv.notify_all();
    check(join(consumer) == 1, "woke");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("condvar: notify_one's waiter is a data choice, 0 = the longest waiting") {
  auto wake_one = [](std::vector<int>* woken) {
    return [woken] {
      Mutex m("m");
      CondVar cv("cv");
      int tickets = 0;
      std::vector<Fiber<void>> ws;
      for (int i = 1; i <= 3; ++i)
        ws.push_back(spawn([&, i] {
          std::unique_lock<Mutex> lock(m);
          cv.wait(lock, [&] { return tickets > 0; });
          --tickets;
          woken->push_back(i);
        }, "w" + std::to_string(i)));
      while (true) {  // until all three wait
        yield();
        bool all = true;
        for (auto& w : ws) all = all && info(w.id()).status == FiberStatus::blocked;
        if (all) break;
      }
      {
        std::unique_lock<Mutex> lock(m);
        tickets = 1;
      }
      cv.notify_one();
      yield();
      yield();
      yield();
      {
        std::unique_lock<Mutex> lock(m);
        tickets += 2;
      }
      cv.notify_all();
      for (auto& w : ws) join(w);
    };
  };
  std::vector<int> woken;
  REQUIRE(sim::run(options(), wake_one(&woken)).passed());
  CHECK(woken.front() == 1);
  std::set<int> firsts;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    woken.clear();
    REQUIRE(sim::run(options(sim::random_policy(), seed), wake_one(&woken)).passed());
    firsts.insert(woken.front());
  }
  CHECK(firsts.size() == 3);
}

TEST_CASE("condvar: spurious wakeups catch a wait without a loop") {
  auto scenario = [](bool spurious, bool loop) {
    return [spurious, loop] {
      Mutex m("m");
      CondVar cv("cv", CondVarOptions{spurious});
      bool ready = false;
      auto consumer = spawn([&] {
        std::unique_lock<Mutex> lock(m);
        if (loop)
          cv.wait(lock, [&] { return ready; });
        else if (!ready)
          cv.wait(lock);
        check(ready, "woke before the producer set ready");
      }, "consumer");
      auto producer = spawn([&] {
        sleep_for(1ms);
        std::unique_lock<Mutex> lock(m);
        ready = true;
        cv.notify_one();
      }, "producer");
      join(consumer);
      join(producer);
    };
  };
  CHECK(testing::first_failing_seed(scenario(true, false), 0, 200) >= 0);
  CHECK(testing::first_failing_seed(scenario(true, true), 0, 200) == -1);
  CHECK(testing::first_failing_seed(scenario(false, false), 0, 200) == -1);
}

TEST_CASE("condvar: waiting without holding the mutex is an error") {
  auto r = sim::run(options(), [] {
    Mutex m("m");
    CondVar cv("cv");
    std::unique_lock<Mutex> lock(m, std::defer_lock);
    cv.wait(lock);
  });
  CHECK_MESSAGE(r.message.find("waits on condvar cv without holding its mutex") != std::string::npos, r.message);
}

TEST_CASE("semaphore: counts permits, blocks at zero, hands permits to waiters FIFO") {
  std::vector<int> order;
  auto r = sim::run(options(), [&] {
    Semaphore s(2, "pool");
    s.acquire();
    check(s.try_acquire(), "second permit");
    check(!s.try_acquire(), "no third permit");
    std::vector<Fiber<void>> ws;
    for (int i = 1; i <= 2; ++i)
      ws.push_back(spawn([&, i] {
        s.acquire();
        order.push_back(i);
      }, "w" + std::to_string(i)));
    yield();
    check(info(ws[0].id()).waits_on == "semaphore pool (no permits)", info(ws[0].id()).waits_on);
    s.release(2);
    for (auto& w : ws) join(w);
    check(s.available() == 0, "both permits handed over");
    s.release();
    check(s.available() == 1, "released");
  });
  CHECK_MESSAGE(r.passed(), r.message);
  CHECK(order == std::vector<int>{1, 2});
}

TEST_CASE("WaitQueue: first in, first out, through compaction, erase and clear") {
  // The queue primitives wait in: a vector with a moving head that drops the popped part when it
  // is never empty for long. Checked against a plain model across many pushes and pops.
  detail::WaitQueue q;
  std::vector<FiberId> model;
  std::uint32_t next = 0;
  for (int round = 0; round < 400; ++round) {
    for (int k = 0; k < 3; ++k) {  // the queue grows by one a round: it is never empty
      q.push_back(FiberId{next});
      model.push_back(FiberId{next++});
    }
    for (int k = 0; k < 2; ++k) {
      REQUIRE(q.front() == model.front());
      q.pop_front();
      model.erase(model.begin());
    }
    REQUIRE(q.size() == model.size());
    CHECK(std::vector<FiberId>(q.begin(), q.end()) == model);
  }
  q.erase(model[5]);  // a waiter that timed out
  model.erase(model.begin() + 5);
  q.erase_at(0);
  model.erase(model.begin());
  CHECK(std::vector<FiberId>(q.begin(), q.end()) == model);
  CHECK(q[3] == model[3]);
  q.clear();
  CHECK(q.empty());
}
