// Exploration: sharding, independence from --jobs, signatures, the determinism check.

#include <omega/omega.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/distinct.hpp>
#include <omega/sim/explore.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace omega;

namespace {

void lost_update() {
  Shared<int> counter("counter", 0);
  auto inc = [&] { counter.store(counter.load() + 1); };
  auto a = spawn(inc, "a");
  auto b = spawn(inc, "b");
  join(a);
  join(b);
  check(counter.load() == 2, "counter == 2 (got " + std::to_string(counter.load()) + ")");
}

void two_bugs() {  // a lost update or a deadlock, depending on the schedule
  Mutex m1("m1"), m2("m2");
  auto x = spawn([&] { std::lock_guard<Mutex> a(m1); std::lock_guard<Mutex> b(m2); }, "x");
  auto y = spawn([&] { std::lock_guard<Mutex> a(m2); std::lock_guard<Mutex> b(m1); }, "y");
  join(x);
  join(y);
  lost_update();
}

bool same(const sim::ExploreReport& a, const sim::ExploreReport& b) {
  if (a.schedules != b.schedules || a.distinct_schedules != b.distinct_schedules || a.failures != b.failures ||
      a.signatures.size() != b.signatures.size() || a.stopped_early != b.stopped_early)
    return false;
  for (std::size_t i = 0; i < a.signatures.size(); ++i) {
    const auto &x = a.signatures[i], &y = b.signatures[i];
    if (x.signature != y.signature || x.first_seed != y.first_seed || x.count != y.count || x.policy != y.policy ||
        x.message != y.message)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("shards split a seed range exactly: every seed once across the shards") {
  for (std::uint64_t n : {1u, 2u, 3u, 7u, 16u}) {
    std::multiset<std::uint64_t> all;
    for (std::uint64_t i = 0; i < n; ++i)
    {
      const sim::ShardSeeds seeds(100, 1099, {i, n});
      for (std::uint64_t k = 0; !seeds.empty() && k <= seeds.last_index(); ++k) all.insert(seeds[k]);
    }
    CHECK(all.size() == 1000);
    std::set<std::uint64_t> unique(all.begin(), all.end());
    CHECK(unique.size() == 1000);
    CHECK(*unique.begin() == 100);
    CHECK(*unique.rbegin() == 1099);
  }
  CHECK_THROWS_AS(sim::ShardSeeds(0, 9, {3, 3}), UsageError);
  CHECK_THROWS_AS(sim::ShardSeeds(10, 9, {0, 1}), UsageError);
  // The shards' explorations add up to the whole.
  sim::ExploreOptions whole;
  whole.last_seed = 599;
  const auto all = sim::explore(whole, lost_update);
  std::uint64_t schedules = 0, failures = 0;
  for (std::uint64_t i = 0; i < 3; ++i) {
    sim::ExploreOptions part = whole;
    part.shard = {i, 3};
    const auto r = sim::explore(part, lost_update);
    schedules += r.schedules;
    failures += r.failures;
  }
  CHECK(schedules == all.schedules);
  CHECK(failures == all.failures);
}

TEST_CASE("results do not depend on the number of workers, with or without --stop-after") {
  for (const char* policy : {"random", "portfolio", "pct:2"}) {
    CAPTURE(policy);
    sim::ExploreOptions o;
    o.last_seed = 1999;
    o.policy = policy;
    o.jobs = 1;
    const auto one = sim::explore(o, two_bugs);
    o.jobs = 2;
    const auto two = sim::explore(o, two_bugs);
    o.jobs = 4;
    const auto four = sim::explore(o, two_bugs);
    CHECK(same(one, two));
    CHECK(same(one, four));
    CHECK(one.signatures.size() == 2);
    o.stop_after = 5;
    o.jobs = 1;
    const auto stop1 = sim::explore(o, two_bugs);
    o.jobs = 3;
    const auto stop3 = sim::explore(o, two_bugs);
    CHECK(stop1.failures == 5);
    CHECK(stop1.stopped_early);
    CHECK(same(stop1, stop3));
  }
}

TEST_CASE("a signature masks numbers that are values, never digits in names") {
  CHECK(sim::failure_signature(sim::Outcome::assertion, "check failed in fiber 2 (w-1) at step 13: got 1") ==
        "assertion: check failed in fiber # (w-1) at step #: got #");
  CHECK(sim::failure_signature(sim::Outcome::deadlock, "fiber 1 (a) waits on mutex m1 held by fiber 2 (b)") !=
        sim::failure_signature(sim::Outcome::deadlock, "fiber 1 (a) waits on mutex m2 held by fiber 2 (b)"));
  CHECK(sim::failure_signature(sim::Outcome::assertion, "x == 2 (got -1) in mutex#3, stage_4") ==
        "assertion: x == # (got -#) in mutex##, stage_4");
  // Notes on fibers abandoned in teardown are where the run left the others, not the failure.
  CHECK(sim::failure_signature(sim::Outcome::assertion, "got 1; teardown: fiber 5 (b) was suspended (ready) in a destructor") ==
        sim::failure_signature(sim::Outcome::assertion, "got 2"));
  CHECK(sim::failure_signature(sim::Outcome::pass, "teardown: fiber 5 (b) was suspended (ready)") !=
        sim::failure_signature(sim::Outcome::pass, ""));
  CHECK(sim::failure_signature(sim::Outcome::deadlock, "deadlock at step 9: fiber 1 (a) waits on mutex m") !=
        sim::failure_signature(sim::Outcome::deadlock, "deadlock at step 9: fiber 1 (a) waits on mutex n"));
}

TEST_CASE("portfolio spreads seeds over pos, pct:1..3, random and fair-rr, and says which found each signature") {
  // Two seeds of every 12 each; pos's two adjacent (an even seed and its mirror).
  const char* expected[] = {"pos", "pos", "pct:1", "pct:2", "pct:3", "random", "fair-rr:2",
                            "pct:1", "pct:2", "pct:3", "random", "fair-rr:3"};
  for (std::uint64_t seed = 0; seed < 12; ++seed)
    CHECK(sim::describe(sim::policy_for_seed("portfolio", seed, 10)) == expected[seed]);
  CHECK(sim::describe(sim::policy_for_seed("portfolio", 18, 10)) == "fair-rr:4");
  CHECK(sim::describe(sim::policy_for_seed("portfolio", 23, 10)) == "fair-rr:2");
  sim::ExploreOptions o;
  o.last_seed = 499;
  o.policy = "portfolio";
  const auto r = sim::explore(o, two_bugs);
  REQUIRE(!r.signatures.empty());
  for (const auto& s : r.signatures) CHECK(sim::describe(sim::policy_for_seed("portfolio", s.first_seed, r.pct_steps)) == s.policy);
  CHECK(r.pct_steps > 0);
}

TEST_CASE("--check-determinism flags a scenario that branches on a static counter or a heap address") {
  auto static_counter = [] {
    static int runs = 0;
    auto f = spawn([] {
      if (++runs % 2 == 0) yield();
    }, "flaky");
    auto g = spawn([] { yield(); }, "steady");
    join(f);
    join(g);
  };
  auto heap_address = [] {
    static std::vector<std::unique_ptr<int>> keep;  // fresh addresses every run
    keep.push_back(std::make_unique<int>(0));
    // Any address-derived count differs between a run and its re-run (new allocations).
    const auto yields = static_cast<int>((reinterpret_cast<std::uintptr_t>(keep.back().get()) >> 4) % 5);
    auto f = spawn([yields] {
      for (int i = 0; i < yields; ++i) yield();
    }, "address-dependent");
    auto g = spawn([] { yield(); }, "steady");
    join(f);
    join(g);
  };
  sim::ExploreOptions o;
  o.last_seed = 199;
  o.check_determinism = true;
  const auto counter_report = sim::explore(o, static_counter);
  REQUIRE(!counter_report.nondeterminism.empty());
  CHECK(counter_report.nondeterminism.front().detail.find("first run:") != std::string::npos);
  CHECK(!sim::explore(o, heap_address).nondeterminism.empty());
  // Negative control: a deterministic scenario is never flagged.
  CHECK(sim::explore(o, two_bugs).nondeterminism.empty());
}

TEST_CASE("choice vectors have a compact printable form") {
  const std::vector<std::uint64_t> v{0, 0, 0, 1, 0, 35, 36, 0, 0};
  const std::string text = sim::encode_choices(v);
  CHECK(text == "~3.1.0.z.10.~2");
  CHECK(sim::decode_choices(text) == v);
  CHECK(sim::encode_choices({}) == "~0");
  CHECK(sim::decode_choices("~0").empty());
  CHECK_THROWS_WITH_AS(sim::decode_choices(""), doctest::Contains("empty"), UsageError);
  CHECK_THROWS_WITH_AS(sim::decode_choices("1.A.2"), doctest::Contains("token 1 'A'"), UsageError);
  CHECK_THROWS_AS(sim::decode_choices("1..2"), UsageError);
  // Overflow is rejected, not wrapped: 3w5e11264sgsf = 2^64-1, one more is too much.
  CHECK(sim::decode_choices("3w5e11264sgsf") == std::vector<std::uint64_t>{UINT64_MAX});
  CHECK_THROWS_WITH_AS(sim::decode_choices("3w5e11264sgsg"), doctest::Contains("above 2^64-1"), UsageError);
  CHECK_THROWS_WITH_AS(sim::decode_choices("zzzzzzzzzzzzz"), doctest::Contains("above 2^64-1"), UsageError);
  // The whole vector is capped before it is expanded, not each run of zeros on its own.
  CHECK(sim::decode_choices("~" + std::string("2jqo")).size() == 118'896);
  CHECK_THROWS_WITH_AS(sim::decode_choices("~2jqo.~zzzzz"), doctest::Contains("longer than"), UsageError);
  std::string many = "~2jqo";
  for (int i = 0; i < 40; ++i) many += ".~2jqo";  // 41 runs of 118 896 zeros: over 2^22 in all
  CHECK_THROWS_WITH_AS(sim::decode_choices(many), doctest::Contains("longer than"), UsageError);
}

TEST_CASE("a shard's seeds are computed, not stored, up to 2^64-1") {
  const sim::ShardSeeds all(0, UINT64_MAX, {});
  CHECK(all.last_index() == UINT64_MAX);
  CHECK(all.size_saturated() == UINT64_MAX);
  CHECK(all[UINT64_MAX] == UINT64_MAX);
  const sim::ShardSeeds odd(10, UINT64_MAX, {1, 2});
  CHECK(odd[0] == 11);
  CHECK(odd[odd.last_index()] == UINT64_MAX);
  const sim::ShardSeeds none(5, 6, {2, 3});  // shard 2 of [5, 6] would start at 7
  CHECK(none.empty());
  CHECK(none.size_saturated() == 0);
}

TEST_CASE("exploration stops cleanly when asked, reports what ran, and holds no per-seed state") {
  sim::ExploreOptions o;
  o.first_seed = 0;
  o.last_seed = UINT64_MAX;  // would never end
  std::atomic<std::uint64_t> polls{0};
  o.stop_requested = [&] { return polls.fetch_add(1) >= 10'000; };
  for (unsigned jobs : {1u, 2u}) {
    polls = 0;
    o.jobs = jobs;
    const auto r = sim::explore(o, lost_update);
    CHECK(r.interrupted);
    CHECK(r.schedules >= 9'990);  // a poll per run, plus one per worker at each window's end
    CHECK(r.schedules <= 10'000);
    CHECK(r.failures > 0);
    CHECK(r.signatures.size() == 1);
  }
  // A stop request after the last seed is not an interruption.
  o.last_seed = 99;
  polls = 0;
  o.stop_requested = [&] { return polls.fetch_add(1) >= 100; };
  o.jobs = 1;
  CHECK(!sim::explore(o, lost_update).interrupted);
}

TEST_CASE("--stop-after cuts at the same seed across windows for any number of workers") {
  auto rare = [] {  // fails on about one schedule in 50
    Shared<int> x("x", 0);
    auto a = spawn([&] { for (int i = 0; i < 3; ++i) x.store(x.load() + 1); }, "a");
    auto b = spawn([&] { for (int i = 0; i < 3; ++i) x.store(x.load() + 1); }, "b");
    join(a);
    join(b);
    check(x.load() >= 4, "x is " + std::to_string(x.load()));
  };
  sim::ExploreOptions o;
  o.last_seed = 19'999;  // several windows of 4096 seeds
  o.stop_after = 1000;
  o.jobs = 1;
  const auto one = sim::explore(o, rare);
  o.jobs = 3;
  const auto three = sim::explore(o, rare);
  CHECK(one.failures == 1000);
  CHECK(one.schedules > 4096);  // the cut is past the first window
  CHECK(same(one, three));
}

TEST_CASE("distinct schedules: exact up to a bound, then a HyperLogLog estimate") {
  sim::DistinctCounter small(1000);
  for (std::uint64_t v = 0; v < 3000; ++v) small.add(v % 700);
  CHECK(small.count() == 700);
  CHECK(!small.approximate());
  sim::DistinctCounter big(1000);
  for (std::uint64_t v = 0; v < 1'000'000; ++v) big.add(v * 0x100000001b3ull);
  CHECK(big.approximate());
  CHECK(big.count() > 970'000);
  CHECK(big.count() < 1'030'000);
  for (std::uint64_t v = 0; v < 1'000'000; ++v) big.add(v * 0x100000001b3ull);  // repeats add nothing
  CHECK(big.count() < 1'030'000);
}

TEST_CASE("PCT's k is the longest calibration run, not a round-robin run that fails early") {
  // Round-robin runs the consumer first, which finds the queue empty and fails at once; other
  // schedules let the producer fill it first and run the whole program, much longer.
  auto queue = [] {
    Shared<int> items("items", 0);
    auto consumer = spawn([&] { check(items.load() > 0, "the queue was empty"); }, "consumer");
    auto producer = spawn([&] {
      for (int i = 0; i < 30; ++i) items.store(items.load() + 1);
    }, "producer");
    join(consumer);
    join(producer);
  };
  sim::RunOptions rr;
  rr.policy = sim::round_robin();
  const auto early = sim::run(rr, queue);
  REQUIRE(!early.passed());
  const std::uint64_t k = sim::calibrate_pct_steps(sim::RunOptions{}, queue);
  CHECK(k > 3 * early.steps);  // the old calibration (this one run) gave early.steps
}
