// Invariant 1: same scenario + same choices => byte-identical ledger, for every policy. Each law
// here has a negative control showing the check can fail.

#include <omega/omega.hpp>

#include <omega/rapidcheck_doctest.hpp>

#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

using namespace omega;
using omega::testing::options;

namespace {

// 3 fibers each append their id twice with a yield between: 6!/(2!2!2!) = 90 possible logs.
// A program random draw is mixed in so data choices are covered too.
struct AppendIds {
  std::string* log;
  void operator()() const {
    std::vector<Fiber<void>> fs;
    for (int id = 1; id <= 3; ++id)
      fs.push_back(spawn([log = log, id] {
        *log += static_cast<char>('0' + id);
        yield();
        *log += static_cast<char>('0' + id);
      }, "appender-" + std::to_string(id)));
    (void)omega::random(3);
    for (auto& f : fs) join(f);
  }
};

sim::RunResult run_append(const sim::RunOptions& o, std::string* log = nullptr) {
  std::string local;
  return sim::run(o, AppendIds{log ? log : &local});
}

std::vector<sim::Policy> all_replayable_policies() {
  return {sim::round_robin(), sim::fair_rr(3), sim::random_policy(), sim::vector_of({1, 0, 2, 1, 1})};
}

// A scenario with uncontrolled nondeterminism: it branches on a static counter.
void static_counter_scenario() {
  static int calls = 0;
  auto f = spawn([] {
    if (++calls % 2 == 0) yield();
  }, "flaky");
  auto g = spawn([] { yield(); }, "steady");
  join(f);
  join(g);
}

}  // namespace

TEST_CASE("every policy: the same seed gives a byte-identical ledger twice") {
  for (const sim::Policy& p : all_replayable_policies()) {
    for (std::uint64_t seed : {0ull, 1ull, 99ull}) {
      CAPTURE(sim::describe(p));
      CAPTURE(seed);
      const auto a = run_append(options(p, seed));
      const auto b = run_append(options(p, seed));
      REQUIRE_MESSAGE(a.passed(), a.message);
      CHECK(a.ledger.bytes() == b.ledger.bytes());
      CHECK(a.ledger.hash() == b.ledger.hash());
    }
  }
}

TEST_CASE("negative control: a scenario branching on a static counter gives different ledgers") {
  const auto a = sim::run(options(sim::random_policy(), 5), static_counter_scenario);
  const auto b = sim::run(options(sim::random_policy(), 5), static_counter_scenario);
  CHECK(a.ledger.bytes() != b.ledger.bytes());
}

TEST_CASE("Random over seeds 0..1999 finds at least 85 of the 90 logs") {
  std::set<std::string> logs;
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    std::string log;
    REQUIRE(run_append(options(sim::random_policy(), seed), &log).passed());
    logs.insert(log);
  }
  CHECK(logs.size() >= 85);
  CHECK(logs.size() <= 90);
}

TEST_CASE("negative control: RoundRobin over the same seeds finds one log") {
  std::set<std::string> logs;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    std::string log;
    run_append(options(sim::round_robin(), seed), &log);
    logs.insert(log);
  }
  CHECK(logs.size() == 1);
}

TEST_CASE("Replay of a recorded Random run reproduces its ledger byte for byte") {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto recorded = run_append(options(sim::random_policy(), seed));
    const auto replayed = run_append(options(sim::replay_of(recorded.ledger.events()), 12345));
    CAPTURE(seed);
    CHECK_MESSAGE(replayed.passed(), replayed.message);
    CHECK(replayed.ledger.bytes() == recorded.ledger.bytes());
  }
}

TEST_CASE("the choice vector of a run reproduces it under the Vector source") {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto recorded = run_append(options(sim::random_policy(), seed));
    const auto again = run_append(options(sim::vector_of(recorded.choices())));
    CHECK(again.ledger.bytes() == recorded.ledger.bytes());
  }
}

namespace {

// The edited scenario: fiber 2 gives up one yield, so the ready sets change from some point on.
void edited_append(std::string* log) {
  std::vector<Fiber<void>> fs;
  for (int id = 1; id <= 3; ++id)
    fs.push_back(spawn([log, id] {
      *log += static_cast<char>('0' + id);
      if (id != 2) yield();
      *log += static_cast<char>('0' + id);
    }, "appender-" + std::to_string(id)));
  (void)omega::random(3);
  for (auto& f : fs) join(f);
}

// First decision index at which the two runs' ready sets (or choice kinds) differ.
std::uint64_t first_difference(const sim::Ledger& a, const sim::Ledger& b) {
  std::vector<sim::Event> ca, cb;
  for (const auto& e : a.events())
    if (std::holds_alternative<sim::ev::ScheduleChoose>(e) || std::holds_alternative<sim::ev::Choice>(e)) ca.push_back(e);
  for (const auto& e : b.events())
    if (std::holds_alternative<sim::ev::ScheduleChoose>(e) || std::holds_alternative<sim::ev::Choice>(e)) cb.push_back(e);
  for (std::size_t i = 0; i < std::min(ca.size(), cb.size()); ++i) {
    const auto* sa = std::get_if<sim::ev::ScheduleChoose>(&ca[i]);
    const auto* sb = std::get_if<sim::ev::ScheduleChoose>(&cb[i]);
    if ((sa == nullptr) != (sb == nullptr)) return i;
    if (sa && sa->ready != sb->ready) return i;
  }
  return std::min(ca.size(), cb.size());
}

}  // namespace

TEST_CASE("Replay against an edited scenario reports divergence at the right index") {
  int checked = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const auto recorded = run_append(options(sim::random_policy(), seed));
    // Where the edit shows: the edited scenario driven by the same choices, without checking.
    std::string log;
    const auto edited = sim::run(options(sim::vector_of(recorded.choices())), [&] { edited_append(&log); });
    const std::uint64_t expected = first_difference(recorded.ledger, edited.ledger);

    const auto replayed = sim::run(options(sim::replay_of(recorded.ledger.events())), [&] { edited_append(&log); });
    CAPTURE(seed);
    CHECK(replayed.outcome == sim::Outcome::divergence);
    CHECK_MESSAGE(replayed.message.find("divergence at decision " + std::to_string(expected)) == 0,
                  replayed.message);
    const auto events = replayed.ledger.events();
    REQUIRE(!events.empty());
    const auto* d = std::get_if<sim::ev::Divergence>(&events.back());
    REQUIRE(d != nullptr);
    CHECK(d->decision_index == expected);
    ++checked;
  }
  CHECK(checked == 20);
}

TEST_CASE("Replay reports the expected and the actual ready set") {
  const auto recorded = run_append(options(sim::round_robin()));
  std::string log;
  const auto replayed = sim::run(options(sim::replay_of(recorded.ledger.events())), [&] { edited_append(&log); });
  REQUIRE(replayed.outcome == sim::Outcome::divergence);
  CHECK_MESSAGE(replayed.message.find("expected ready set {") != std::string::npos, replayed.message);
  CHECK_MESSAGE(replayed.message.find("actual") != std::string::npos, replayed.message);
}

TEST_CASE("Replay that runs out of recorded choices is a divergence") {
  const auto recorded = sim::run(options(sim::random_policy(), 3), [] {
    auto f = spawn([] {}, "only");
    join(f);
  });
  std::string log;
  const auto replayed = run_append(options(sim::replay_of(recorded.ledger.events())), &log);
  CHECK(replayed.outcome == sim::Outcome::divergence);
  const bool explained = replayed.message.find("ran out of recorded choices") != std::string::npos ||
                         replayed.message.find("expected ready set") != std::string::npos;
  CHECK_MESSAGE(explained, replayed.message);
}

TEST_CASE("Replay that ends with recorded choices left over is a divergence") {
  const auto recorded = run_append(options(sim::random_policy(), 4));
  const auto replayed = sim::run(options(sim::replay_of(recorded.ledger.events())), [] {});
  CHECK(replayed.outcome == sim::Outcome::divergence);
  CHECK_MESSAGE(replayed.message.find("the run ended but the recording has") != std::string::npos,
                replayed.message);
}

TEST_CASE("property: replay reproduces any Random run of a generated scenario") {
  rc_check("replay reproduces the ledger", [](std::uint8_t fibers_raw, std::uint8_t yields_raw,
                                              std::uint64_t seed) {
    const int fibers = 1 + fibers_raw % 5;
    const int yields = yields_raw % 6;
    auto scenario = [&] {
      std::vector<Fiber<int>> fs;
      for (int i = 0; i < fibers; ++i)
        fs.push_back(spawn([yields, i] {
          int acc = i;
          for (int y = 0; y < yields; ++y) {
            acc += static_cast<int>(omega::random(4));
            yield();
          }
          return acc;
        }));
      for (auto& f : fs) (void)join(f);
    };
    const auto recorded = sim::run(options(sim::random_policy(), seed), scenario);
    const auto replayed = sim::run(options(sim::replay_of(recorded.ledger.events())), scenario);
    RC_ASSERT(recorded.passed());
    RC_ASSERT(replayed.ledger.bytes() == recorded.ledger.bytes());
  });
}
