#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <omega/sim/prng.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <stdexcept>
#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::options;

TEST_CASE("singleflight: concurrent callers share one execution and its result; the key is then forgotten") {
  auto r = sim::run(options(), [] {
    Singleflight<std::string, int> flights("flights");
    int executions = 0;
    auto slow = [&] {
      ++executions;
      sleep_for(5ms);
      return 42;
    };
    std::vector<Fiber<int>> fs;
    for (int i = 0; i < 4; ++i) fs.push_back(spawn([&] { return flights.run("k", slow); }, "caller"));
    for (auto& f : fs) check(join(f) == 42, "shared result");
    check(executions == 1, "one execution for four concurrent callers");
    check(flights.stats().calls == 4 && flights.stats().executions == 1 && flights.stats().shared == 3, "stats");
    check(flights.run("k", slow) == 42 && executions == 2, "forgotten after the call finished");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("singleflight: a failure reaches every waiter") {
  auto r = sim::run(options(), [] {
    Singleflight<int, int> flights("flights");
    auto failing = []() -> int {
      sleep_for(1ms);
      throw std::runtime_error("service down");
    };
    std::vector<Fiber<std::string>> fs;
    for (int i = 0; i < 3; ++i)
      fs.push_back(spawn([&] {
        try {
          return std::to_string(flights.run(1, failing));
        } catch (const std::runtime_error& e) {
          return std::string(e.what());
        }
      }, "caller"));
    for (auto& f : fs) check(join(f) == "service down", "every caller sees the failure");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("memo: keeps results, evicts the least recently used, counts hits and misses") {
  auto r = sim::run(options(), [] {
    Memo<int, int> memo(2, "memo");
    int executions = 0;
    auto square = [&](int k) { return [&, k] { ++executions; return k * k; }; };
    check(memo.get(1, square(1)) == 1 && memo.get(2, square(2)) == 4, "misses");
    check(memo.get(1, square(1)) == 1, "hit");
    check(memo.get(3, square(3)) == 9, "miss evicts 2, the least recently used");
    check(memo.get(1, square(1)) == 1 && executions == 3, "1 kept");
    check(memo.get(2, square(2)) == 4 && executions == 4, "2 was evicted");
    const MemoStats s = memo.stats();
    check(s.hits == 2 && s.misses == 4 && s.evictions == 2, "stats");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("the seed's demo: two streams sharing three documents make 3 oracle calls through a memo, not 6") {
  auto pipeline = [](bool use_memo) {
    return [use_memo] {
      Memo<std::string, std::string> memo(16, "labels");
      auto& classify = oracle("classify", OracleOptions{1ms, 3ms, 0.0, 0.0});
      auto label = [&](const std::string& doc) {
        auto call = [&] { return classify.call(doc, [](const std::string& d) { return "label(" + d + ")"; }); };
        return use_memo ? memo.get(doc, call) : call();
      };
      const std::vector<std::string> docs{"a", "b", "c"};
      auto stream = [&] {
        for (const auto& d : docs) check(label(d) == "label(" + d + ")", "label");
      };
      auto s1 = spawn(stream, "stream-1");
      auto s2 = spawn(stream, "stream-2");
      join(s1);
      join(s2);
    };
  };
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    const auto r = sim::run(options(sim::random_policy(), seed), pipeline(true));
    REQUIRE_MESSAGE(r.passed(), r.message);
    CHECK(r.oracle_stats().at("classify").calls == 3);
  }
  CHECK(sim::run(options(), pipeline(false)).oracle_stats().at("classify").calls == 6);
}

TEST_CASE("singleflight: in_flight(key) and in_flight_count() report the flights in progress") {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    CAPTURE(seed);
    auto r = sim::run(options(sim::random_policy(), seed), [] {
      Singleflight<int, int> flights("flights");
      check(!flights.in_flight(1) && flights.in_flight_count() == 0, "nothing in flight yet");
      auto slow = [&](int key, std::chrono::milliseconds d) {
        return [&flights, key, d] {
          check(flights.in_flight(key), "fn runs while its own key is in flight");
          sleep_for(d);
          return key;
        };
      };
      auto one = spawn([&] { return flights.run(1, slow(1, 5ms)); }, "one");
      auto two = spawn([&] { return flights.run(2, slow(2, 3ms)); }, "two");
      auto sharer = spawn([&] { return flights.run(1, slow(1, 5ms)); }, "sharer");
      sleep_for(1ms);  // every fiber has entered run() by now: time moves only when none can run
      check(flights.in_flight(1) && flights.in_flight(2) && !flights.in_flight(3), "keys 1 and 2 in flight");
      check(flights.in_flight_count() == 2, "two flights, though three callers");
      sleep_for(3ms);  // t = 4ms: key 2 finished at 3ms
      check(flights.in_flight(1) && !flights.in_flight(2) && flights.in_flight_count() == 1, "key 2 done");
      check(join(one) == 1 && join(two) == 2 && join(sharer) == 1, "results");
      check(!flights.in_flight(1) && flights.in_flight_count() == 0, "all done");
    });
    REQUIRE_MESSAGE(r.passed(), r.message);
  }
}

TEST_CASE("singleflight: in_flight queries on an object from an earlier run answer as for a fresh one") {
  static Singleflight<int, int> flights("flights");
  const auto first = sim::run(options(), [] {
    spawn_daemon([] { return flights.run(1, [] { sleep_for(5ms); return 1; }); }, "leader");
    yield();  // the leader enters fn and sleeps
    check(flights.in_flight(1) && flights.in_flight_count() == 1, "in flight");
  });  // the run ends with the flight cut off
  REQUIRE_MESSAGE(first.passed(), first.message);
  // Outside any run, the last run's state stays readable: the control that makes the next run's
  // checks mean something.
  CHECK(flights.in_flight(1));
  CHECK(flights.in_flight_count() == 1);
  const auto second = sim::run(options(), [] {
    check(!flights.in_flight(1) && flights.in_flight_count() == 0, "nothing in flight in this run");
    int executions = 0;
    check(flights.run(1, [&] { return ++executions; }) == 1 && executions == 1, "and run() agrees: it executes");
  });
  CHECK_MESSAGE(second.passed(), second.message);
}

TEST_CASE("memo: erase(key) and clear() drop kept results, and the stats add up") {
  auto r = sim::run(options(), [] {
    Memo<int, int> memo(3, "memo");
    int executions = 0;
    auto square = [&](int k) { return [&, k] { ++executions; return k * k; }; };
    for (int k = 1; k <= 3; ++k) check(memo.get(k, square(k)) == k * k, "miss");
    check(!memo.erase(7) && memo.size() == 3, "erasing an absent key drops nothing");
    check(memo.erase(2) && memo.size() == 2, "2 dropped");
    check(!memo.erase(2), "already gone");
    check(memo.get(1, square(1)) == 1 && executions == 3, "1 still kept: a hit");
    check(memo.get(2, square(2)) == 4 && executions == 4, "2 computed again");
    memo.clear();
    check(memo.size() == 0, "cleared");
    check(memo.get(1, square(1)) == 1 && executions == 5, "1 computed again");
    const MemoStats s = memo.stats();
    check(s.hits == 1 && s.misses == 5 && s.inserts == 5 && s.evictions == 0, "gets");
    check(s.erased == 4 && s.clears == 1, "erase dropped 1 entry, clear 3");
    check(memo.size() == s.inserts - s.evictions - s.erased, "size == inserts - evictions - erased");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("memo: a miss in progress when erase or clear runs is not kept, but its callers get its value") {
  enum class Drop { none, erase, clear };
  for (Drop drop : {Drop::none, Drop::erase, Drop::clear}) {
    CAPTURE(static_cast<int>(drop));
    std::size_t kept_after_flight = 99;
    int executions_after = 0;
    auto r = sim::run(options(), [&] {
      Memo<int, int> memo(4, "memo");
      int executions = 0;
      auto slow = [&] { ++executions; sleep_for(2ms); return 7; };
      auto first = spawn([&] { return memo.get(1, slow); }, "first");
      sleep_for(1ms);  // first is inside its flight
      if (drop == Drop::erase) check(!memo.erase(1), "nothing kept yet");
      if (drop == Drop::clear) memo.clear();
      auto joiner = spawn([&] { return memo.get(1, slow); }, "joiner");  // shares the flight
      check(join(first) == 7 && join(joiner) == 7 && executions == 1, "both callers get the one execution's value");
      kept_after_flight = memo.size();
      check(memo.get(1, slow) == 7, "value");
      executions_after = executions;
      const MemoStats s = memo.stats();
      check(memo.size() == s.inserts - s.evictions - s.erased, "size == inserts - evictions - erased");
    });
    REQUIRE_MESSAGE(r.passed(), r.message);
    // The control (none) keeps the flight's value, so the next get is a hit.
    CHECK(kept_after_flight == (drop == Drop::none ? 1 : 0));
    CHECK(executions_after == (drop == Drop::none ? 1 : 2));
  }
}

namespace {

// The memo's accounting laws at a scheduling point; "" when they hold. `count_erased` false is
// the law as it was before erase and clear existed (size == inserts - evictions): the negative
// control, which a sequence that drops kept entries must break.
std::string accounting_error(const MemoStats& s, std::size_t size, std::size_t capacity, bool count_erased = true) {
  const std::uint64_t dropped = s.evictions + (count_erased ? s.erased : 0);
  if (s.inserts < dropped || size != s.inserts - dropped) return "size != inserts - evictions - erased";
  if (size > capacity) return "size > capacity";
  if (s.inserts > s.misses) return "inserts > misses";
  if (s.flights.calls > s.misses) return "flight calls > misses";
  if (s.flights.executions + s.flights.shared != s.flights.calls) return "executions + shared != calls";
  return {};
}

struct Step {
  enum Kind { get, erase, clear } kind;
  int key = 0;
  int latency_ms = 0;  // get: how long fn takes
};

// A random script: mostly gets over 5 keys (some slow, so flights overlap), some erases, few clears.
std::vector<Step> random_script(sim::Prng& prng, std::size_t steps) {
  std::vector<Step> script;
  for (std::size_t i = 0; i < steps; ++i) {
    const auto roll = prng.below(10);
    const int key = static_cast<int>(prng.below(5));
    if (roll < 6) script.push_back({Step::get, key, static_cast<int>(prng.below(3))});
    else if (roll < 9) script.push_back({Step::erase, key, 0});
    else script.push_back({Step::clear, 0, 0});
  }
  return script;
}

}  // namespace

TEST_CASE("law: memo stats add up over random sequences of get, erase and clear from concurrent fibers") {
  constexpr std::size_t kCapacity = 3, kFibers = 3, kSteps = 20;
  int naive_broken = 0;  // seeds where the negative control's law failed
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    CAPTURE(seed);
    sim::Prng prng(seed);
    std::vector<std::vector<Step>> scripts;
    for (std::size_t f = 0; f < kFibers; ++f) scripts.push_back(random_script(prng, kSteps));
    bool naive_failed = false;
    const auto r = sim::run(options(sim::random_policy(), seed), [&] {
      Memo<int, int> memo(kCapacity, "memo");
      std::uint64_t gets = 0, clears = 0;
      auto audit = [&] {
        const MemoStats s = memo.stats();
        const std::string error = accounting_error(s, memo.size(), kCapacity);
        check(error.empty(), error);
        naive_failed = naive_failed || !accounting_error(s, memo.size(), kCapacity, false).empty();
      };
      std::vector<Fiber<void>> fibers;
      for (const auto& script : scripts)
        fibers.push_back(spawn([&] {
          for (const Step& step : script) {
            switch (step.kind) {
              case Step::get: {
                const int v = memo.get(step.key, [&] {
                  sleep_for(std::chrono::milliseconds(step.latency_ms));
                  return step.key * 10;
                });
                check(v == step.key * 10, "value");
                ++gets;
                break;
              }
              case Step::erase: (void)memo.erase(step.key); break;
              case Step::clear: memo.clear(); ++clears; break;
            }
            audit();
          }
        }, "worker"));
      for (auto& f : fibers) join(f);
      audit();
      const MemoStats s = memo.stats();
      check(s.hits + s.misses == gets, "hits + misses == gets");
      check(s.flights.calls == s.misses, "every miss made one flight call");
      check(s.clears == clears, "clears == clear calls");
    });
    REQUIRE_MESSAGE(r.passed(), r.message);
    naive_broken += naive_failed;
  }
  CHECK(naive_broken > 0);  // the sequences do drop kept entries: without `erased` the law breaks
}

TEST_CASE("memo: one fiber's random get/erase/clear sequence matches a reference LRU model") {
  constexpr std::size_t kCapacity = 3;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    CAPTURE(seed);
    sim::Prng prng(seed);
    const std::vector<Step> script = random_script(prng, 40);
    const auto r = sim::run(options(), [&] {
      Memo<int, int> memo(kCapacity, "memo");
      std::list<int> model;  // kept keys, most recently used first
      std::uint64_t hits = 0, evictions = 0, erased = 0;
      for (const Step& step : script) {
        const auto it = std::find(model.begin(), model.end(), step.key);
        switch (step.kind) {
          case Step::get:
            (void)memo.get(step.key, [&] { return step.key; });
            if (it != model.end()) {
              ++hits;
              model.erase(it);
            } else if (model.size() == kCapacity) {
              model.pop_back();
              ++evictions;
            }
            model.push_front(step.key);
            break;
          case Step::erase:
            check(memo.erase(step.key) == (it != model.end()), "erase reports whether the key was kept");
            if (it != model.end()) {
              model.erase(it);
              ++erased;
            }
            break;
          case Step::clear:
            erased += model.size();
            model.clear();
            memo.clear();
            break;
        }
        const MemoStats s = memo.stats();
        check(memo.size() == model.size() && s.hits == hits && s.evictions == evictions && s.erased == erased,
              "memo and model agree");
      }
    });
    REQUIRE_MESSAGE(r.passed(), r.message);
  }
}
