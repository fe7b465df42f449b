// Shrinking failing schedules to the fewest preemptions, and the readable interleaving (golden
// files; OMEGA_UPDATE_GOLDEN=1 rewrites them).

#include <omega/omega.hpp>
#include <omega/shrink.hpp>
#include <omega/sim/explore.hpp>
#include <omega/sim/interleaving.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

using namespace omega;
using omega::testing::options;

namespace {

// Bystanders add scheduling points, so random failing schedules carry many preemptions.
void bystanders(int n) {
  for (int i = 0; i < n; ++i)
    spawn([] {
      Shared<int> noise("noise", 0);
      for (int k = 0; k < 4; ++k) noise.store(noise.load() + 1);
    }, "bystander");
}

void lost_update() {
  Shared<int> counter("counter", 0);
  bystanders(2);
  auto inc = [&] { counter.store(counter.load() + 1); };
  auto a = spawn(inc, "a");
  auto b = spawn(inc, "b");
  join(a);
  join(b);
  check(counter.load() == 2, "counter == 2 (got " + std::to_string(counter.load()) + ")");
}

void lock_order() {
  Mutex m1("m1"), m2("m2");
  bystanders(2);
  auto x = spawn([&] { std::lock_guard<Mutex> a(m1); std::lock_guard<Mutex> b(m2); }, "x");
  auto y = spawn([&] { std::lock_guard<Mutex> a(m2); std::lock_guard<Mutex> b(m1); }, "y");
  join(x);
  join(y);
}

// Fails only if each fiber sees the other's intermediate state: two preemptions at least.
void two_switches() {
  Shared<int> a("a", 0), b("b", 0);
  int ra = 0, rb = 0;
  auto fa = spawn([&] {
    a.store(1);
    ra = b.load();
    a.store(2);
  }, "A");
  auto fb = spawn([&] {
    b.store(1);
    rb = a.load();
    b.store(2);
  }, "B");
  join(fa);
  join(fb);
  check(!(ra == 1 && rb == 1), "both saw the other's intermediate state");
}

// The first Random seed whose failing run has at least `min_preemptions`.
std::vector<std::uint64_t> failing_choices(void (*scenario)(), std::uint64_t min_preemptions, sim::RunResult* run) {
  for (std::uint64_t seed = 0; seed < 20000; ++seed) {
    sim::RunResult r = sim::run(options(sim::random_policy(), seed), scenario);
    if (!r.passed() && r.preemptions >= min_preemptions) {
      *run = r;
      return r.choices();
    }
  }
  FAIL("no failing seed with enough preemptions");
  return {};
}

void check_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(OMEGA_GOLDEN_DIR) + "/" + name;
  if (std::getenv("OMEGA_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual;
    MESSAGE("updated " << path);
    return;
  }
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "missing golden file " << path << " (run with OMEGA_UPDATE_GOLDEN=1)");
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK_MESSAGE(actual == expected.str(), "interleaving differs from " << path << ":\n" << actual);
}

}  // namespace

TEST_CASE("the lost update shrinks from 5+ preemptions to exactly 1 and fails the same way") {
  sim::RunResult original;
  const auto choices = failing_choices(lost_update, 5, &original);
  const prop::ShrinkResult s = prop::shrink(lost_update, choices);
  MESSAGE("lost update: preemptions " << s.original_run.preemptions << " -> " << s.minimal_run.preemptions
                                      << ", decisions " << s.original.size() << " -> " << s.minimal.size()
                                      << ", " << s.runs << " re-runs");
  CHECK(s.minimal_run.preemptions == 1);
  CHECK(sim::failure_signature(s.minimal_run.outcome, s.minimal_run.message) ==
        sim::failure_signature(original.outcome, original.message));
  CHECK_FALSE(s.bound_reached);
  // Shrinking is deterministic, and the minimal vector replays the failure.
  CHECK(prop::shrink(lost_update, choices).minimal == s.minimal);
  CHECK(sim::run(options(sim::vector_of(s.minimal)), lost_update).message == s.minimal_run.message);
  check_golden("lost_update.txt", sim::interleaving_table(s.minimal_run.ledger));
}

TEST_CASE("the lock-order deadlock shrinks from 5+ preemptions to exactly 1") {
  sim::RunResult original;
  const auto choices = failing_choices(lock_order, 5, &original);
  const prop::ShrinkResult s = prop::shrink(lock_order, choices);
  MESSAGE("deadlock: preemptions " << s.original_run.preemptions << " -> " << s.minimal_run.preemptions);
  CHECK(s.minimal_run.preemptions == 1);
  CHECK(s.minimal_run.outcome == sim::Outcome::deadlock);
  CHECK(prop::shrink(lock_order, choices).minimal == s.minimal);
  check_golden("lock_order.txt", sim::interleaving_table(s.minimal_run.ledger));
}

TEST_CASE("a failure that needs two switches shrinks to exactly 2 preemptions") {
  sim::RunResult original;
  const auto choices = failing_choices(two_switches, 2, &original);
  const prop::ShrinkResult s = prop::shrink(two_switches, choices);
  CHECK(s.minimal_run.preemptions == 2);
  CHECK(!s.minimal_run.passed());
}

TEST_CASE("shrinking respects its bound on re-runs and rejects a passing vector") {
  sim::RunResult original;
  const auto choices = failing_choices(lost_update, 5, &original);
  prop::ShrinkOptions o;
  o.max_runs = 5;
  const prop::ShrinkResult s = prop::shrink(lost_update, choices, o);
  CHECK(s.bound_reached);
  CHECK(s.runs <= 5);
  CHECK(!s.minimal_run.passed());
  CHECK_THROWS_AS(prop::shrink(lost_update, {}), UsageError);  // the default schedule passes
}

TEST_CASE("the interleaving shows data choices in the column of the fiber that drew them") {
  const auto r = sim::run(options(sim::vector_of({0, 0, 5})), [] {
    auto f = spawn([] { check(false, "drew " + std::to_string(omega::random(8))); }, "drawer");
    join(f);
  });
  REQUIRE(r.message.find("drew 5") != std::string::npos);
  const std::string table = sim::interleaving_table(r.ledger);
  const auto row = table.find("choice random 5 of 8");
  REQUIRE_MESSAGE(row != std::string::npos, table);
  // In the drawer's column (fiber 1), not the root's: the cells are "#", "0 root", "1 drawer".
  const auto line_start = table.rfind('\n', row) + 1;
  const std::string line = table.substr(line_start, table.find('\n', row) - line_start);
  const auto first_bar = line.find(" | "), second_bar = line.find(" | ", first_bar + 3);
  REQUIRE(second_bar != std::string::npos);
  CHECK_MESSAGE(line.find("choice") > second_bar, line);
}
