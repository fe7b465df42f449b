#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::events_of;
using omega::testing::options;

TEST_CASE("oracle: a call takes virtual time, its result and latency go into the ledger") {
  auto r = sim::run(options(), [] {
    auto& classify = oracle("classify", OracleOptions{2ms, 2ms, 0.0, 0.0});
    const std::string label = classify.call(std::string("doc-1"), [](const std::string& d) { return d + ":safe"; });
    check(label == "doc-1:safe", label);
    check(now() == 2ms, "the call took its latency");
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  const auto calls = events_of<sim::ev::OracleCall>(r);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].result == "doc-1:safe");
  CHECK(calls[0].latency_ns == 2'000'000);
  CHECK(calls[0].key_hash == sim::fnv1a64(std::string_view("doc-1")));
  CHECK(calls[0].executed);
  CHECK(r.oracle_stats().at("classify") == sim::OracleStats{1, 1, 0});
}

TEST_CASE("oracle: replay returns the recorded results even when fn would now return others") {
  int counter = 0;
  auto scenario = [&] {
    auto& fresh = oracle("fresh");
    std::vector<Fiber<std::uint64_t>> fs;
    for (int i = 0; i < 3; ++i)
      fs.push_back(spawn([&, i] {
        return fresh.call(static_cast<std::uint64_t>(i), [&](std::uint64_t) { return static_cast<std::uint64_t>(++counter); });
      }, "caller"));
    std::uint64_t sum = 0;
    for (auto& f : fs) sum += join(f);
    check(sum == 6, "1 + 2 + 3 from the fresh counter");
  };
  const auto recorded = sim::run(options(sim::random_policy(), 11), scenario);
  REQUIRE_MESSAGE(recorded.passed(), recorded.message);
  CHECK(counter == 3);
  const auto replayed = sim::run(options(sim::replay_of(recorded.ledger.events())), scenario);
  CHECK_MESSAGE(replayed.passed(), replayed.message);  // fn would now return 4, 5, 6
  CHECK(counter == 3);                                // and was never called
  CHECK(replayed.ledger.bytes() == recorded.ledger.bytes());
  // Negative control: re-running live calls fn again and fails the check.
  const auto live = sim::run(options(sim::random_policy(), 11), scenario);
  CHECK(live.outcome == sim::Outcome::assertion);
}

TEST_CASE("oracle: faults are seeded data choices, recorded, and counted") {
  auto scenario = [] {
    auto& flaky = oracle("flaky", OracleOptions{1ms, 4ms, 0.3, 0.2});
    for (int i = 0; i < 10; ++i) {
      try {
        (void)flaky.call(i, [](int x) { return x * 2; });
      } catch (const OracleTimeout&) {
      } catch (const OracleError&) {
      }
    }
  };
  std::uint64_t faults = 0, executions = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto r = sim::run(options(sim::random_policy(), seed), scenario);
    REQUIRE_MESSAGE(r.passed(), r.message);
    const auto s = r.oracle_stats().at("flaky");
    CHECK(s.calls == 10);
    CHECK(s.calls == s.executions + s.faults);
    faults += s.faults;
    executions += s.executions;
    const auto again = sim::run(options(sim::random_policy(), seed), scenario);
    CHECK(again.ledger.bytes() == r.ledger.bytes());
  }
  CHECK(faults > 50);      // about half of 200 calls
  CHECK(executions > 50);
  // Choice 0 means no fault: the default schedule never faults.
  CHECK(sim::run(options(), scenario).oracle_stats().at("flaky").faults == 0);
}

TEST_CASE("oracle: an injected error names the oracle, fiber and step") {
  auto r = sim::run(options(sim::vector_of({1})), [] {
    auto& always = oracle("always-fails", OracleOptions{1ms, 1ms, 1.0, 0.0});
    (void)always.call(1, [](int x) { return x; });
  });
  CHECK(r.outcome == sim::Outcome::exception);
  CHECK_MESSAGE(r.message.find("omega::OracleError: oracle always-fails: injected error (fiber 0 (root)") !=
                    std::string::npos,
                r.message);
}

TEST_CASE("oracle: codecs round-trip strings, integers and bytes") {
  CHECK(OracleCodec<std::string>::decode(OracleCodec<std::string>::encode("x\0y")) == "x\0y");
  CHECK(OracleCodec<std::int64_t>::decode(OracleCodec<std::int64_t>::encode(-5)) == -5);
  const std::vector<std::uint8_t> bytes{0, 255, 7};
  CHECK(OracleCodec<std::vector<std::uint8_t>>::decode(OracleCodec<std::vector<std::uint8_t>>::encode(bytes)) == bytes);
  CHECK_THROWS_AS(OracleCodec<int>::decode("abc"), std::invalid_argument);
}
