// Exploration: sharding, independence from --jobs, signatures, the determinism check.

#include <omega/omega.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/explore.hpp>

#include <doctest/doctest.h>

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
      for (std::uint64_t s : sim::shard_seeds(100, 1100, {i, n})) all.insert(s);
    CHECK(all.size() == 1000);
    std::set<std::uint64_t> unique(all.begin(), all.end());
    CHECK(unique.size() == 1000);
    CHECK(*unique.begin() == 100);
    CHECK(*unique.rbegin() == 1099);
  }
  CHECK_THROWS_AS(sim::shard_seeds(0, 10, {3, 3}), UsageError);
  // The shards' explorations add up to the whole.
  sim::ExploreOptions whole;
  whole.end_seed = 600;
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
    o.end_seed = 2000;
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

TEST_CASE("a signature masks numbers and keeps outcome, primitives and fibers") {
  CHECK(sim::failure_signature(sim::Outcome::assertion, "check failed in fiber 2 (w-1) at step 13: got 1") ==
        "assertion: check failed in fiber # (w-#) at step #: got #");
  CHECK(sim::failure_signature(sim::Outcome::deadlock, "deadlock at step 9: fiber 1 (a) waits on mutex m") !=
        sim::failure_signature(sim::Outcome::deadlock, "deadlock at step 9: fiber 1 (a) waits on mutex n"));
}

TEST_CASE("portfolio spreads seeds over random, pct:1..3 and fair-rr, and says which found each signature") {
  CHECK(sim::describe(sim::policy_for_seed("portfolio", 0, 10)) == "random");
  CHECK(sim::describe(sim::policy_for_seed("portfolio", 1, 10)) == "pct:1");
  CHECK(sim::describe(sim::policy_for_seed("portfolio", 2, 10)) == "pct:2");
  CHECK(sim::describe(sim::policy_for_seed("portfolio", 3, 10)) == "pct:3");
  CHECK(sim::describe(sim::policy_for_seed("portfolio", 4, 10)).substr(0, 7) == "fair-rr");
  sim::ExploreOptions o;
  o.end_seed = 500;
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
  o.end_seed = 200;
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
  CHECK(sim::decode_choices("").empty());
  CHECK_THROWS_WITH_AS(sim::decode_choices("1.A.2"), doctest::Contains("token 1 'A'"), UsageError);
  CHECK_THROWS_AS(sim::decode_choices("1..2"), UsageError);
}
