// The scheduler's view inside a run: current_policy() and the scheduler snapshot.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::options;

namespace {

std::string policy_seen_by(sim::Policy policy) {
  std::string name;
  auto r = sim::run(options(std::move(policy), 3), [&] {
    auto f = spawn([&] { name = sim::current_policy(); }, "asker");  // any fiber may ask
    join(f);
  });
  CHECK_MESSAGE(r.passed(), r.message);
  return name;
}

// A source that always keeps the default, under a custom name.
class Defaults : public sim::ChoiceSource {
 public:
  std::optional<std::uint64_t> choose_fiber(const sim::ScheduleQuery&) override { return 0; }
  std::optional<std::uint64_t> choose_data(const sim::DataQuery&) override { return 0; }
};

}  // namespace

TEST_CASE("scheduler view: current_policy() names the run's policy as the command line does") {
  CHECK(policy_seen_by(sim::random_policy()) == "random");
  CHECK(policy_seen_by(sim::round_robin()) == "round-robin");
  CHECK(policy_seen_by(sim::fair_rr(3)) == "fair-rr:3");
  CHECK(policy_seen_by(sim::pct(2, 50)) == "pct:2");
  CHECK(policy_seen_by(sim::pct(3, 50)) == "pct:3");
  CHECK(policy_seen_by(sim::vector_of({0, 1})) == "vector");
  CHECK(policy_seen_by(sim::policy::Custom{"defaults", [](std::uint64_t) {
                         return std::unique_ptr<sim::ChoiceSource>(new Defaults);
                       }}) == "defaults");
  const sim::RunResult recorded = sim::run(options(sim::random_policy(), 3), [] {
    auto f = spawn([] { (void)sim::current_policy(); }, "asker");
    join(f);
  });
  CHECK(policy_seen_by(sim::replay_of(recorded.ledger.events())) == "replay");
}

TEST_CASE("scheduler view: outside a run, both are usage errors") {
  CHECK_THROWS_WITH_AS(sim::current_policy(), doctest::Contains("omega::sim::current_policy called outside"),
                       UsageError);
  CHECK_THROWS_WITH_AS(scheduler_state(), doctest::Contains("omega::scheduler_state called outside"),
                       UsageError);
}

TEST_CASE("scheduler view: the snapshot lists ready, blocked, done and failed fibers") {
  SchedulerState seen;
  auto r = sim::run(options(sim::pct(2, 40), 1), [&] {
    IVar<int> never("never");
    auto waiter = spawn([&] { return never.get(); }, "waiter");                // 1: blocked
    auto quick = spawn([] { return 1; }, "quick");                             // 2: done
    auto thrower = spawn([] { throw std::runtime_error("x"); }, "thrower");    // 3: failed
    auto sleeper = spawn([] { sleep_for(5ms); }, "sleeper");                   // 4: blocked
    sleep_for(1ms);  // every other fiber runs as far as it can
    auto fresh = spawn([] {}, "fresh");                                        // 5: ready
    seen = scheduler_state();
    never.put(0);
    join(waiter);
    join(quick);
    try {
      join(thrower);
    } catch (const std::runtime_error&) {
    }
    join(sleeper);
    join(fresh);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(seen.policy == "pct:2");
  CHECK(seen.running == FiberId{0});
  CHECK(seen.ready == std::vector<FiberId>{FiberId{5}});
  CHECK(seen.blocked == std::vector<FiberId>{FiberId{1}, FiberId{4}});
  CHECK(seen.done == std::vector<FiberId>{FiberId{2}});
  CHECK(seen.failed == std::vector<FiberId>{FiberId{3}});
  CHECK(seen.now_ns == 1'000'000);
  CHECK(seen.step > 0);
  CHECK(seen.step <= r.steps);
  CHECK(seen.decisions <= r.decisions);
}

TEST_CASE("scheduler view: asking for it leaves the ledger unchanged (no scheduling point, no event)") {
  auto program = [](bool ask) {
    return [ask] {
      Mutex m("m");
      std::vector<Fiber<void>> fs;
      for (int i = 0; i < 3; ++i)
        fs.push_back(spawn([&, ask] {
          std::lock_guard<Mutex> g(m);
          if (ask) {
            (void)scheduler_state();
            (void)sim::current_policy();
            (void)info(current());
          }
        }, "worker"));
      for (auto& f : fs) join(f);
    };
  };
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    const sim::RunResult plain = sim::run(options(sim::random_policy(), seed), program(false));
    const sim::RunResult asking = sim::run(options(sim::random_policy(), seed), program(true));
    REQUIRE_MESSAGE(plain.passed(), plain.message);
    CHECK_MESSAGE(asking.ledger.bytes() == plain.ledger.bytes(), "seed ", seed);
  }
}
