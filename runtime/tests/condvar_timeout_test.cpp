// CondVar::wait_for / wait_until (virtual time) and their predicate overloads.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::events_of;
using omega::testing::options;

namespace {

// The condvar's own Op codes in a run (the object named `name`).
std::vector<sim::OpCode> ops_of(const sim::RunResult& r, const std::string& name) {
  std::uint32_t id = ~0u;
  for (const auto& o : events_of<sim::ev::Object>(r))
    if (o.name == name) id = o.object;
  std::vector<sim::OpCode> out;
  for (const auto& op : events_of<sim::ev::Op>(r))
    if (op.object == id) out.push_back(op.op);
  return out;
}

}  // namespace

TEST_CASE("condvar: wait_for without a notify times out at now + timeout, holding the lock again") {
  std::cv_status status = std::cv_status::no_timeout;
  std::chrono::nanoseconds woke_at{};
  bool held = false;
  auto r = sim::run(options(), [&] {
    Mutex m("m");
    CondVar cv("cv");
    sleep_for(2ms);  // start late: the deadline is relative to the call
    std::unique_lock<Mutex> lock(m);
    status = cv.wait_for(lock, 5ms);
    woke_at = now();
    held = lock.owns_lock() && m.owner() == current();
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(status == std::cv_status::timeout);
  CHECK(woke_at == 7ms);
  CHECK(held);
  CHECK(ops_of(r, "cv") == std::vector<sim::OpCode>{sim::OpCode::wait, sim::OpCode::timeout});
  CHECK(ops_of(r, "m") == std::vector<sim::OpCode>{sim::OpCode::lock, sim::OpCode::unlock,
                                                   sim::OpCode::lock, sim::OpCode::unlock});
  CHECK(events_of<sim::ev::Timeout>(r).size() == 1);
}

TEST_CASE("condvar: a notify before the deadline wins, under any schedule") {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    std::cv_status status = std::cv_status::timeout;
    std::chrono::nanoseconds woke_at{};
    auto r = sim::run(options(sim::random_policy(), seed), [&] {
      Mutex m("m");
      CondVar cv("cv");
      auto notifier = spawn([&] {
        sleep_for(3ms);
        std::lock_guard<Mutex> g(m);
        cv.notify_one();
      }, "notifier");
      {
        std::unique_lock<Mutex> lock(m);
        status = cv.wait_for(lock, 5ms);
        woke_at = now();
      }
      join(notifier);
    });
    REQUIRE_MESSAGE(r.passed(), "seed ", seed, ": ", r.message);
    CHECK_MESSAGE(status == std::cv_status::no_timeout, "seed ", seed);
    CHECK_MESSAGE(woke_at == 3ms, "seed ", seed);
  }
}

TEST_CASE("condvar: a notify on the deadline's tick wins over the timeout") {
  std::cv_status status = std::cv_status::timeout;
  std::chrono::nanoseconds woke_at{};
  auto r = sim::run(options(), [&] {
    Mutex m("m");
    CondVar cv("cv");
    auto notifier = spawn([&] {
      sleep_for(5ms);
      std::lock_guard<Mutex> g(m);
      cv.notify_all();
    }, "notifier");
    {
      std::unique_lock<Mutex> lock(m);
      status = cv.wait_for(lock, 5ms);
      woke_at = now();
    }
    join(notifier);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(status == std::cv_status::no_timeout);
  CHECK(woke_at == 5ms);
  CHECK(events_of<sim::ev::Timeout>(r).empty());
}

TEST_CASE("condvar: a waiter that timed out leaves the queue, so notify_one wakes one still waiting") {
  // A times out at 1ms; B waits without a deadline; at 2ms notify_one must wake B. Were A still
  // queued (the longest waiting), the notify would go to A, which no longer waits, and B would
  // deadlock.
  std::cv_status a_status = std::cv_status::no_timeout;
  bool b_woken = false;
  auto r = sim::run(options(), [&] {
    Mutex m("m");
    CondVar cv("cv");
    auto a = spawn([&] {
      std::unique_lock<Mutex> lock(m);
      a_status = cv.wait_for(lock, 1ms);
    }, "a");
    auto b = spawn([&] {
      std::unique_lock<Mutex> lock(m);
      cv.wait(lock);
      b_woken = true;
    }, "b");
    sleep_for(2ms);
    {
      std::lock_guard<Mutex> g(m);
      cv.notify_one();
    }
    join(a);
    join(b);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(a_status == std::cv_status::timeout);
  CHECK(b_woken);
}

TEST_CASE("condvar: wait_until takes a virtual time since the run started; a past deadline times out now") {
  std::cv_status later = std::cv_status::no_timeout, past = std::cv_status::no_timeout;
  std::chrono::nanoseconds later_at{}, past_at{};
  bool other_got_the_lock = false;
  auto r = sim::run(options(), [&] {
    Mutex m("m");
    CondVar cv("cv");
    sleep_for(2ms);
    std::unique_lock<Mutex> lock(m);
    later = cv.wait_until(lock, now() + 4ms);
    later_at = now();
    // A deadline already past still releases the lock (like std::condition_variable): a fiber
    // waiting for the mutex gets it before the wait times out.
    auto other = spawn([&] {
      std::lock_guard<Mutex> g(m);
      other_got_the_lock = true;
    }, "other");
    past = cv.wait_until(lock, 1ms);
    past_at = now();
    lock.unlock();
    join(other);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(later == std::cv_status::timeout);
  CHECK(later_at == 6ms);
  CHECK(past == std::cv_status::timeout);
  CHECK(past_at == 6ms);  // virtual time never goes back
  CHECK(other_got_the_lock);
}

TEST_CASE("condvar: wait_for with a predicate returns true once it holds, before the deadline") {
  bool result = false;
  std::chrono::nanoseconds woke_at{};
  int evaluations = 0;
  auto r = sim::run(options(), [&] {
    Mutex m("m");
    CondVar cv("cv");
    int stage = 0;
    auto notifier = spawn([&] {
      for (int i = 1; i <= 3; ++i) {
        sleep_for(1ms);
        std::lock_guard<Mutex> g(m);
        stage = i;
        cv.notify_one();  // wakes the waiter at 1ms and 2ms with the predicate still false
      }
    }, "notifier");
    {
      std::unique_lock<Mutex> lock(m);
      result = cv.wait_for(lock, 10ms, [&] {
        ++evaluations;
        return stage == 3;
      });
      woke_at = now();
    }
    join(notifier);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(result);
  CHECK(woke_at == 3ms);
  CHECK(evaluations == 4);  // before waiting, then after each of the three notifies
}

TEST_CASE("condvar: wait_for with a predicate keeps its deadline across notifies and returns false") {
  bool result = true;
  std::chrono::nanoseconds woke_at{};
  auto r = sim::run(options(), [&] {
    Mutex m("m");
    CondVar cv("cv");
    auto notifier = spawn([&] {
      for (int i = 0; i < 8; ++i) {  // a notify every 1ms, none making the predicate true
        sleep_for(1ms);
        std::lock_guard<Mutex> g(m);
        cv.notify_all();
      }
    }, "notifier");
    {
      std::unique_lock<Mutex> lock(m);
      result = cv.wait_for(lock, 5ms, [] { return false; });
      woke_at = now();
    }
    join(notifier);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK_FALSE(result);
  CHECK(woke_at == 5ms);  // not 5ms after the last notify
}

TEST_CASE("condvar: wait_until with a predicate; true at once without waiting when it already holds") {
  bool result = false, immediate = false;
  std::chrono::nanoseconds woke_at{};
  auto r = sim::run(options(), [&] {
    Mutex m("m");
    CondVar cv("cv");
    bool ready = false;
    auto setter = spawn([&] {
      sleep_for(4ms);
      std::lock_guard<Mutex> g(m);
      ready = true;
      cv.notify_one();
    }, "setter");
    {
      std::unique_lock<Mutex> lock(m);
      result = cv.wait_until(lock, 10ms, [&] { return ready; });
      woke_at = now();
      immediate = cv.wait_until(lock, 0ms, [&] { return ready; });
    }
    join(setter);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(result);
  CHECK(immediate);
  CHECK(woke_at == 4ms);
  CHECK(ops_of(r, "cv") == std::vector<sim::OpCode>{sim::OpCode::wait, sim::OpCode::notify});
}

TEST_CASE("condvar: with spurious wakeups, the predicate overloads still wait for the condition") {
  int spurious_seen = 0;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    bool result = false;
    std::chrono::nanoseconds woke_at{};
    auto r = sim::run(options(sim::random_policy(), seed), [&] {
      Mutex m("m");
      CondVar cv("cv", CondVarOptions{true});
      bool ready = false;
      auto setter = spawn([&] {
        sleep_for(3ms);
        std::lock_guard<Mutex> g(m);
        ready = true;
        cv.notify_one();
      }, "setter");
      {
        std::unique_lock<Mutex> lock(m);
        result = cv.wait_for(lock, 5ms, [&] { return ready; });
        woke_at = now();
      }
      join(setter);
    });
    REQUIRE_MESSAGE(r.passed(), "seed ", seed, ": ", r.message);
    CHECK_MESSAGE(result, "seed ", seed);
    CHECK_MESSAGE(woke_at == 3ms, "seed ", seed);
    for (const auto& c : events_of<sim::ev::Choice>(r))
      spurious_seen += c.kind == sim::ChoiceKind::spurious && c.value == 1;
  }
  CHECK(spurious_seen > 0);  // the seeds did exercise spurious returns
}

TEST_CASE("condvar: a wait_for without a loop is caught by spurious wakeups") {
  // The bug: `if (!ready) cv.wait_for(...)` instead of a loop. A spurious return with ready still
  // false must show up under some seed.
  auto buggy = [] {
    Mutex m("m");
    CondVar cv("cv", CondVarOptions{true});
    bool ready = false;
    auto setter = spawn([&] {
      std::lock_guard<Mutex> g(m);
      ready = true;
      cv.notify_one();
    }, "setter");
    {
      std::unique_lock<Mutex> lock(m);
      if (!ready) (void)cv.wait_for(lock, 1s);
      check(ready, "woke without the condition");
    }
    join(setter);
  };
  CHECK(testing::first_failing_seed(buggy, 0, 200) >= 0);
}

TEST_CASE("condvar: timed waits outside a run and without the mutex are usage errors") {
  Mutex m("m");
  CondVar cv("cv");
  std::unique_lock<Mutex> lock(m, std::defer_lock);
  CHECK_THROWS_WITH_AS((void)cv.wait_for(lock, 1ms),
                       doctest::Contains("omega::CondVar::wait_for called outside a simulation"),
                       UsageError);
  CHECK_THROWS_WITH_AS((void)cv.wait_until(lock, 1ms),
                       doctest::Contains("omega::CondVar::wait_until called outside a simulation"),
                       UsageError);
  std::string error;
  auto r = sim::run(options(), [&] {
    Mutex inner("inner");
    CondVar c("c");
    std::unique_lock<Mutex> l(inner, std::defer_lock);
    try {
      (void)c.wait_for(l, 1ms);
    } catch (const UsageError& e) {
      error = e.what();
    }
  });
  CHECK_MESSAGE(r.passed(), r.message);
  CHECK(error == "fiber 0 (root) waits on condvar c without holding its mutex (step 1)");
}
