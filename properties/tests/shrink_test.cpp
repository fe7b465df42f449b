// Shrinking failing schedules to the fewest preemptions, and the readable interleaving (golden
// files; OMEGA_UPDATE_GOLDEN=1 rewrites them).

#include <omega/actor.hpp>
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

void lost_update_among(int bystander_count) {
  Shared<int> counter("counter", 0);
  bystanders(bystander_count);
  auto inc = [&] { counter.store(counter.load() + 1); };
  auto a = spawn(inc, "a");
  auto b = spawn(inc, "b");
  join(a);
  join(b);
  check(counter.load() == 2, "counter == 2 (got " + std::to_string(counter.load()) + ")");
}

void lost_update() { lost_update_among(2); }

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

// The lost update among 60 bystanders: a random failing schedule has hundreds of preemptions.
void crowded_lost_update() { lost_update_among(60); }

// A ring of three flags handed on at each fiber's end: `a` fails when it runs last, after `c` and
// then `b`. No preemption is needed (when the root blocks in join, pick `c`; when `c` ends, pick
// `b`: two free non-default choices), but the nearer schedules preempt `a` once, so a search that
// counts every override against the preemption bound stops at 1.
void token_ring() {
  Shared<int> fb("fb", 0), fc("fc", 0);
  int seen_b = 0, seen_c = 0;
  auto a = spawn([&] {
    seen_b = fb.load();
    seen_c = fc.load();
  }, "a");
  auto b = spawn([&] { fb.store(fc.load() + 1); }, "b");
  auto c = spawn([&] { fc.store(1); }, "c");
  join(a);
  join(b);
  join(c);
  check(!(seen_b == 2 && seen_c == 1), "a ran last, after c and then b");
}

// An aggregator whose fibers draw many random numbers (noise) and where one draw of 3 or more,
// by the "bad" fiber, fails: shrinking must take every other draw back to 0.
void noisy_aggregator() {
  Shared<int> total("total", 0);
  std::vector<Fiber<void>> fibers;
  for (int i = 0; i < 4; ++i)
    fibers.push_back(spawn([&] {
      for (int k = 0; k < 4; ++k) total.store(total.load() + static_cast<int>(omega::random(4)));
    }, "noise"));
  auto bad = spawn([&] { check(omega::random(8) < 3, "the bad draw"); }, "bad");
  for (auto& f : fibers) join(f);
  join(bad);
}

// An actor aggregating four producers' messages (per-sender order: which waiting sender is served
// next is a delivery choice) that fails when producer p3's first message is handled before any of
// p0's. Random runs carry many delivery choices and preemptions; the minimum is no preemption and
// one non-default choice (at the root's join, run p3 first; or all sends done, then serve p3 first).
void actor_aggregator() {
  int first_from_p0 = -1, first_from_p3 = -1, handled = 0;
  auto agg = actor::spawn<int>([&](const int& producer) {
    if (producer == 0 && first_from_p0 < 0) first_from_p0 = handled;
    if (producer == 3 && first_from_p3 < 0) first_from_p3 = handled;
    ++handled;
  }, "aggregator", {}, actor::Order::per_sender);
  std::vector<Fiber<void>> producers;
  for (int p = 0; p < 4; ++p)
    producers.push_back(spawn([&, p] {
      for (int k = 0; k < 3; ++k) actor::send(agg, p);
    }, "p" + std::to_string(p)));
  for (auto& f : producers) join(f);
  sleep_for(std::chrono::milliseconds(1));
  check(!(first_from_p3 >= 0 && first_from_p3 < first_from_p0), "p3 served before p0");
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

TEST_CASE("a token ring's failure shrinks to 0 preemptions: free hand-offs do not count against the bound") {
  // The minimum, by construction: this schedule fails with no preemption (the root's join and c's
  // end choose differently from the default, nothing else does).
  sim::RunResult zero;
  for (std::uint64_t seed = 0; seed < 20000 && zero.passed(); ++seed) {
    sim::RunResult r = sim::run(options(sim::random_policy(), seed), token_ring);
    if (!r.passed() && r.preemptions == 0) zero = r;
  }
  REQUIRE_MESSAGE(!zero.passed(), "no 0-preemption failure among 20000 random schedules");
  std::uint64_t shrunk_from_many = 0;
  for (std::uint64_t seed = 0; seed < 3000 && shrunk_from_many < 5; ++seed) {
    const sim::RunResult r = sim::run(options(sim::random_policy(), seed), token_ring);
    if (r.passed() || r.preemptions < 2) continue;
    ++shrunk_from_many;
    const prop::ShrinkResult s = prop::shrink(token_ring, r.choices());
    CHECK_MESSAGE(s.minimal_run.preemptions == 0, "seed " << seed << ": " << r.preemptions << " -> "
                                                  << s.minimal_run.preemptions << " in " << s.runs << " re-runs");
    CHECK(s.minimal_run.message == r.message);
  }
  CHECK(shrunk_from_many == 5);
}

TEST_CASE("data choices shrink to their defaults: only the draw the failure needs stays non-zero") {
  sim::RunResult original;
  std::uint64_t nonzero_before = 0;
  for (std::uint64_t seed = 0; seed < 20000; ++seed) {
    original = sim::run(options(sim::random_policy(), seed), noisy_aggregator);
    nonzero_before = 0;
    for (const auto& e : original.ledger.events())
      if (const auto* c = std::get_if<sim::ev::Choice>(&e)) nonzero_before += c->value != 0;
    if (!original.passed() && nonzero_before >= 8) break;
  }
  REQUIRE(!original.passed());
  const prop::ShrinkResult s = prop::shrink(noisy_aggregator, original.choices());
  std::uint64_t nonzero_data = 0;
  for (const auto& e : s.minimal_run.ledger.events())
    if (const auto* c = std::get_if<sim::ev::Choice>(&e)) nonzero_data += c->value != 0;
  MESSAGE("data choices: " << nonzero_before << " non-zero -> " << nonzero_data << ", preemptions "
                           << original.preemptions << " -> " << s.minimal_run.preemptions);
  CHECK(nonzero_data == 1);
  CHECK(s.minimal_run.preemptions == 0);
  CHECK(s.signature == sim::failure_signature(original.outcome, original.message));
}

TEST_CASE("an actor aggregator's failure shrinks its delivery choices and preemptions to the minimum") {
  sim::RunResult original;
  const auto choices = failing_choices(actor_aggregator, 3, &original);
  auto nonzero_deliveries = [](const sim::RunResult& r) {
    std::uint64_t n = 0;
    for (const auto& e : r.ledger.events())
      if (const auto* c = std::get_if<sim::ev::Choice>(&e)) n += c->kind == sim::ChoiceKind::delivery && c->value != 0;
    return n;
  };
  const prop::ShrinkResult s = prop::shrink(actor_aggregator, choices);
  MESSAGE("actor aggregator: preemptions " << original.preemptions << " -> " << s.minimal_run.preemptions
                                           << ", non-default deliveries " << nonzero_deliveries(original) << " -> "
                                           << nonzero_deliveries(s.minimal_run));
  CHECK(s.minimal_run.preemptions == 0);
  std::uint64_t nonzero = 0;
  for (std::uint64_t c : s.minimal) nonzero += c != 0;
  CHECK(nonzero == 1);
  CHECK(nonzero_deliveries(s.minimal_run) <= nonzero_deliveries(original));
}

TEST_CASE("the default bound on re-runs grows with the failing schedule") {
  CHECK(prop::auto_max_runs(10) == prop::kMinAutoRuns);
  CHECK(prop::auto_max_runs(1000) == 1000 * prop::kRunsPerDecision);
  CHECK(prop::auto_max_runs(100'000'000) == prop::kMaxAutoRuns);
  sim::RunResult original;
  const auto choices = failing_choices(lost_update, 5, &original);
  const prop::ShrinkResult s = prop::shrink(lost_update, choices);
  CHECK(s.max_runs == prop::auto_max_runs(s.original.size()));
  prop::ShrinkOptions o;
  o.max_runs = 7;
  CHECK(prop::shrink(lost_update, choices, o).max_runs == 7);
}

TEST_CASE("a failure among 60 fibers shrinks to 1 preemption within the automatic bound") {
  sim::RunResult original;
  const auto choices = failing_choices(crowded_lost_update, 20, &original);
  const prop::ShrinkResult s = prop::shrink(crowded_lost_update, choices);
  MESSAGE("62 fibers: preemptions " << s.original_run.preemptions << " -> " << s.minimal_run.preemptions << ", "
                                    << s.runs << " re-runs of at most " << s.max_runs);
  CHECK(s.max_runs > prop::kMinAutoRuns);
  CHECK(s.minimal_run.preemptions == 1);
  prop::ShrinkOptions old_default;
  old_default.max_runs = prop::kMinAutoRuns;
  // Chunked (ddmin) moves back to the defaults shed hundreds of preemptions in a few re-runs: the
  // old default bound is enough now too (one move at a time stopped at 221 within it).
  CHECK(prop::shrink(crowded_lost_update, choices, old_default).minimal_run.preemptions == 1);
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
