#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

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
