// The rff source's plan (internal, sim/src/rff_source.hpp): a positive constraint "this read sees
// that write" means what reads-from means, that the write is the last one of the object when the
// read runs; a write that happened but was overwritten does not count.
#include "rff_source.hpp"

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <vector>

using namespace omega;
using sim::internal::Constraint;
using sim::internal::Plan;

namespace {

// "w" stores 1 then 2 into x; "r" loads x once. Returns how many of `runs` seeds r saw 1.
int saw_first_write(const Plan& plan, int runs) {
  int first = 0;
  for (int seed = 0; seed < runs; ++seed) {
    auto seen = std::make_shared<std::vector<sim::internal::RfPair>>();
    sim::RunOptions o = testing::options();
    o.policy = sim::policy::Custom{"rff-plan", [&plan, seen](std::uint64_t s) {
                                     return std::make_unique<sim::internal::RffSource>(s, plan, *seen);
                                   }};
    o.seed = static_cast<std::uint64_t>(seed);
    int loaded = -1;
    const auto r = sim::run(o, [&] {
      Shared<int> x("x", 0);
      auto w = spawn([&] {
        x.store(1);
        x.store(2);
      }, "w");
      auto rd = spawn([&] { loaded = x.load(); }, "r");
      join(w);
      join(rd);
    });
    REQUIRE_MESSAGE(r.passed(), r.message);
    first += loaded == 1;
  }
  return first;
}

}  // namespace

TEST_CASE("rff plan: a read required to see a write runs while that write is the last one") {
  const sim::OpId store = sim::register_op("shared.store"), load = sim::register_op("shared.load");
  const auto first_store = sim::internal::event_of("w", store, 0);
  const auto read = sim::internal::event_of("r", load, 0);
  const Plan see_first{Constraint{{first_store, read, 0, true}, true}};
  const Plan not_first{Constraint{{first_store, read, 0, true}, false}};
  constexpr int kRuns = 200;
  const int with_plan = saw_first_write(see_first, kRuns), without = saw_first_write({}, kRuns),
            forbidden = saw_first_write(not_first, kRuns);
  MESSAGE("r saw the first store in " << with_plan << " runs with the plan, " << without << " without, "
                                      << forbidden << " when it is forbidden (of " << kRuns << ")");
  // Every run: the read waits for the first store and runs before the second overwrites it (a
  // plan that only asked for the first store to have happened would also let it see 2).
  CHECK(with_plan == kRuns);
  CHECK(without < kRuns * 3 / 4);  // the negative control: unplanned, it often sees 0 or 2
  CHECK(forbidden == 0);
}
