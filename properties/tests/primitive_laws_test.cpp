// Laws of the primitives, checked over many seeds of Random. Each law has a deliberately broken
// twin that the same check must catch within a fixed seed range (a check that cannot fail proves
// nothing).

#include <omega/omega.hpp>
#include <omega/rapidcheck_doctest.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace omega;
using omega::testing::first_failing_seed;
using omega::testing::options;

namespace {

// ---- mutual exclusion ----

void critical_sections(bool lock_for_real) {
  Mutex m("m");
  Shared<int> inside("inside", 0);
  std::vector<Fiber<void>> fs;
  for (int i = 0; i < 3; ++i)
    fs.push_back(spawn([&] {
      for (int round = 0; round < 2; ++round) {
        if (lock_for_real) m.lock();
        inside.store(inside.load() + 1);
        check(inside.load() == 1, "two fibers inside the critical section");
        yield();
        inside.store(inside.load() - 1);
        if (lock_for_real) m.unlock();
      }
    }, "worker"));
  for (auto& f : fs) join(f);
}

// ---- write-once ----

// The real IVar: racing writers, exactly one put lands, every reader sees its value.
void write_once(bool real_ivar) {
  IVar<int> ivar("result");
  Shared<std::optional<int>> twin("result-twin");  // the broken twin: overwritable
  int accepted = 0;
  std::vector<Fiber<void>> writers;
  for (int w = 1; w <= 3; ++w)
    writers.push_back(spawn([&, w] {
      if (real_ivar) {
        if (ivar.try_get()) return;
        try {
          ivar.put(w);
          ++accepted;
        } catch (const UsageError&) {  // lost the race: the law says a second put fails
        }
      } else if (!twin.load()) {
        twin.store(w);
        ++accepted;
      }
    }, "writer"));
  std::vector<Fiber<int>> readers;
  for (int r = 0; r < 3; ++r)
    readers.push_back(spawn([&] {
      if (real_ivar) return ivar.get();
      while (!twin.load()) yield();
      return *twin.load();
    }, "reader"));
  for (auto& w : writers) join(w);
  std::vector<int> seen;
  for (auto& r : readers) seen.push_back(join(r));
  check(accepted == 1, "exactly one put lands, got " + std::to_string(accepted));
  check(std::all_of(seen.begin(), seen.end(), [&](int v) { return v == seen.front(); }),
        "every reader sees the one value");
}

// ---- FIFO, exactly once ----

// A queue with the classic bug: read-modify-write of the whole deque through a plain cell, so
// concurrent senders lose values and concurrent receivers duplicate them.
struct NaiveQueue {
  Shared<std::deque<int>> q{"naive-queue"};
  Shared<bool> closed{"naive-closed", false};
  void send(int v) {
    auto d = q.load();
    d.push_back(v);
    q.store(d);
  }
  std::optional<int> recv() {
    for (;;) {
      auto d = q.load();
      if (!d.empty()) {
        const int v = d.front();
        d.pop_front();
        q.store(d);
        return v;
      }
      if (closed.load()) return std::nullopt;
      yield();
    }
  }
  void close() { closed.store(true); }
};

// Two producers send tagged sequences; two consumers drain. Law: every value arrives exactly once
// and each producer's values arrive in the order sent.
template <class Queue>
void fifo_exactly_once(Queue& queue, std::function<void()> close) {
  constexpr int kPerProducer = 4;
  std::vector<std::vector<int>> received(2);
  std::vector<Fiber<void>> producers, consumers;
  for (int p = 0; p < 2; ++p)
    producers.push_back(spawn([&, p] {
      for (int i = 0; i < kPerProducer; ++i) queue.send(p * 100 + i);
    }, "producer"));
  for (int c = 0; c < 2; ++c)
    consumers.push_back(spawn([&, c] {
      while (auto v = queue.recv()) received[c].push_back(*v);
    }, "consumer"));
  for (auto& p : producers) join(p);
  close();
  for (auto& c : consumers) join(c);
  std::map<int, int> count;
  for (const auto& r : received)
    for (int v : r) ++count[v];
  for (int p = 0; p < 2; ++p)
    for (int i = 0; i < kPerProducer; ++i)
      check(count[p * 100 + i] == 1, "value " + std::to_string(p * 100 + i) + " arrived " +
                                          std::to_string(count[p * 100 + i]) + " times");
  for (const auto& r : received)  // per consumer, each producer's values in increasing order
    for (int p = 0; p < 2; ++p) {
      int last = -1;
      for (int v : r)
        if (v / 100 == p) {
          check(v > last, "producer order broken");
          last = v;
        }
    }
}

}  // namespace

TEST_CASE("law: mutual exclusion holds; the unlocked twin is caught") {
  CHECK(first_failing_seed([] { critical_sections(true); }, 0, 2000) == -1);
  sim::RunResult failure;
  const auto seed = first_failing_seed([] { critical_sections(false); }, 0, 200, &failure);
  MESSAGE("unlocked twin caught at seed " << seed << ": " << failure.message);
  CHECK(seed >= 0);
  CHECK(failure.outcome == sim::Outcome::assertion);
}

TEST_CASE("law: an IVar is write-once and every reader sees the one value; the overwritable twin is caught") {
  CHECK(first_failing_seed([] { write_once(true); }, 0, 2000) == -1);
  sim::RunResult failure;
  const auto seed = first_failing_seed([] { write_once(false); }, 0, 500, &failure);
  MESSAGE("overwritable twin caught at seed " << seed << ": " << failure.message);
  CHECK(seed >= 0);
}

TEST_CASE("law: a channel delivers every value exactly once in FIFO order, capacities 0, 1, 3") {
  for (std::size_t capacity : {0u, 1u, 3u}) {
    CAPTURE(capacity);
    auto scenario = [capacity] {
      Channel<int> ch(capacity, "ch");
      fifo_exactly_once(ch, [&] { ch.close(); });
    };
    CHECK(first_failing_seed(scenario, 0, 1000) == -1);
  }
}

TEST_CASE("law: the FIFO check catches a queue that drops or duplicates values") {
  auto twin = [] {
    NaiveQueue q;
    fifo_exactly_once(q, [&] { q.close(); });
  };
  sim::RunResult failure;
  const auto seed = first_failing_seed(twin, 0, 500, &failure);
  MESSAGE("naive queue caught at seed " << seed << ": " << failure.message);
  CHECK(seed >= 0);
  CHECK_MESSAGE(failure.message.find("times") != std::string::npos, failure.message);
}

TEST_CASE("law: a lost update on Shared<int> is found within seeds 0..99; Atomic::fetch_add never fails over 0..9999") {
  auto lost_update = [] {
    Shared<int> counter("counter", 0);
    auto inc = [&] { counter.store(counter.load() + 1); };  // load, then store, no yield
    auto a = spawn(inc, "a");
    auto b = spawn(inc, "b");
    join(a);
    join(b);
    check(counter.load() == 2, "lost update: " + std::to_string(counter.load()));
  };
  sim::RunResult failure;
  const auto seed = first_failing_seed(lost_update, 0, 100, &failure);
  MESSAGE("lost update found at seed " << seed << ": " << failure.message);
  CHECK(seed >= 0);

  auto fixed = [] {
    Atomic<int> counter("counter", 0);
    auto inc = [&] { counter.fetch_add(1); };
    auto a = spawn(inc, "a");
    auto b = spawn(inc, "b");
    join(a);
    join(b);
    check(counter.load() == 2, "lost update: " + std::to_string(counter.load()));
  };
  CHECK(first_failing_seed(fixed, 0, 10000) == -1);
}

TEST_CASE("law: replay of any run with primitives reproduces its ledger") {
  rc_check("replay reproduces", [](std::uint8_t workers_raw, std::uint8_t capacity_raw, std::uint64_t seed) {
    const int workers = 1 + workers_raw % 4;
    const std::size_t capacity = capacity_raw % 3;
    auto scenario = [&] {
      Mutex m("m");
      Channel<int> ch(capacity, "ch");
      IVar<int> done("done");
      Atomic<int> total("total", 0);
      std::vector<Fiber<void>> fs;
      for (int w = 0; w < workers; ++w)
        fs.push_back(spawn([&, w] {
          {
            std::lock_guard<Mutex> g(m);
            total.fetch_add(static_cast<int>(omega::random(5)));
          }
          sleep_for(std::chrono::milliseconds(w));
          ch.send(w);
        }, "worker"));
      auto sink = spawn([&] {
        int sum = 0;
        for (int i = 0; i < workers; ++i) sum += *ch.recv();
        done.put(sum);
      }, "sink");
      for (auto& f : fs) join(f);
      (void)done.get_for(std::chrono::seconds(1));
      join(sink);
    };
    const auto recorded = sim::run(options(sim::random_policy(), seed), scenario);
    const auto replayed = sim::run(options(sim::replay_of(recorded.ledger.events())), scenario);
    RC_ASSERT(recorded.passed());
    RC_ASSERT(replayed.ledger.bytes() == recorded.ledger.bytes());
  });
}

namespace {

// N fibers ask for K keys concurrently; fn calls an oracle (at least one tick of latency) and
// counts how many executions of its key are in flight at once.
void one_execution_per_key_in_flight(bool use_singleflight) {
  constexpr int kFibers = 4, kKeys = 2;
  Singleflight<int, std::string> flights("flights");
  Shared<std::map<int, std::string>> naive_cache("naive-cache");
  std::map<int, int> in_flight;
  auto& service = oracle("service", OracleOptions{std::chrono::milliseconds(1), std::chrono::milliseconds(4), 0, 0});
  auto execute = [&](int key) {
    check(++in_flight[key] == 1, "duplicate oracle call for key " + std::to_string(key));
    std::string v = service.call(key, [](int k) { return "v" + std::to_string(k); });
    --in_flight[key];
    return v;
  };
  std::vector<Fiber<void>> fs;
  for (int f = 0; f < kFibers; ++f)
    fs.push_back(spawn([&, f] {
      const int key = f % kKeys;
      if (use_singleflight) {
        (void)flights.run(key, [&] { return execute(key); });
      } else {  // check, then call, then store: the classic duplicate-call race
        auto cache = naive_cache.load();
        if (cache.count(key) == 0) {
          const std::string v = execute(key);
          cache = naive_cache.load();
          cache[key] = v;
          naive_cache.store(cache);
        }
      }
    }, "asker"));
  for (auto& f : fs) join(f);
}

}  // namespace

TEST_CASE("law: singleflight executes each key once while in flight; a check-then-call cache duplicates calls") {
  CHECK(first_failing_seed([] { one_execution_per_key_in_flight(true); }, 0, 2000) == -1);
  sim::RunResult failure;
  const auto seed = first_failing_seed([] { one_execution_per_key_in_flight(false); }, 0, 1000, &failure);
  MESSAGE("naive cache duplicated an oracle call at seed " << seed << ": " << failure.message);
  CHECK(seed >= 0);
  CHECK_MESSAGE(failure.message.find("duplicate oracle call") != std::string::npos, failure.message);
}
