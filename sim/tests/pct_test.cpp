// PCT against plain Random on a depth-2 ordering bug.

#include <omega/omega.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace omega;

namespace {

constexpr int kFibers = 4;  // n: root, writer, reader, bystander
constexpr int kReaderSteps = 8;

// Depth 2. The writer exposes x == 1 for one scheduling point (its yield between the writes);
// the reader only starts once x == 1 and needs kReaderSteps + 1 consecutive turns inside that
// window. Random gets them with probability about 2^-(kReaderSteps + 1); PCT needs the writer
// first and one change point right at the window: about 1/k.
void ordering_bug() {
  int x = 0;
  IVar<bool> go("go");
  auto writer = spawn([&] {
    for (int i = 0; i < 4; ++i) yield();
    x = 1;
    go.put(true);
    yield();
    x = 2;
  }, "writer");
  auto reader = spawn([&] {
    go.get();
    for (int i = 0; i < kReaderSteps; ++i) yield();
    check(x != 1, "saw the writer's intermediate state");
  }, "reader");
  auto bystander = spawn([] {
    for (int i = 0; i < 4; ++i) yield();
  }, "bystander");
  join(writer);
  join(reader);
  join(bystander);
}

std::uint64_t steps_of_one_run() {
  return sim::run(sim::RunOptions{}, ordering_bug).steps;
}

int hits(const sim::Policy& policy, int seeds) {
  int found = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    sim::RunOptions o;
    o.policy = policy;
    o.seed = static_cast<std::uint64_t>(seed);
    found += sim::run(o, ordering_bug).outcome == sim::Outcome::assertion;
  }
  return found;
}

}  // namespace

TEST_CASE("PCT depth 2 finds a depth-2 ordering bug at least 3x as often as Random, and at half its bound") {
  const std::uint64_t k = steps_of_one_run();
  const int pct_hits = hits(sim::pct(2, k), 10000);
  const int random_hits = hits(sim::random_policy(), 10000);
  const double guaranteed = 10000.0 / (kFibers * static_cast<double>(k));
  MESSAGE("k=" << k << " pct:2 hits=" << pct_hits << " random hits=" << random_hits
               << " guaranteed rate 10000/(n*k)=" << guaranteed);
  CHECK(pct_hits >= 3 * random_hits);
  CHECK(pct_hits >= guaranteed / 2);
}

TEST_CASE("PCT is a deterministic choice source: same seed, same ledger; parse_policy reads the CLI forms") {
  sim::RunOptions o;
  o.policy = sim::pct(3, 40);
  o.seed = 9;
  CHECK(sim::run(o, ordering_bug).ledger.bytes() == sim::run(o, ordering_bug).ledger.bytes());
  CHECK(sim::describe(sim::parse_policy("pct:3", 40)) == "pct:3");
  CHECK(sim::describe(sim::parse_policy("fair-rr:4", 0)) == "fair-rr:4");
  CHECK(sim::describe(sim::parse_policy("round-robin", 0)) == "round-robin");
  CHECK(sim::describe(sim::parse_policy("random", 0)) == "random");
  CHECK_THROWS_WITH_AS(sim::parse_policy("pct:x", 0), doctest::Contains("bad policy 'pct:x'"), UsageError);
  CHECK_THROWS_WITH_AS(sim::parse_policy("dfs", 0), doctest::Contains("unknown policy 'dfs'"), UsageError);
}
