// The RapidCheck-native path: generated inputs and choice vectors, both shrunk.

#include <omega/omega.hpp>
#include <omega/prop.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace omega;

namespace {

// n incrementers doing load-then-store on a Shared counter: a lost update for n >= 2.
void increments() {
  const int n = prop::draw(rc::gen::inRange(1, 8));
  Shared<int> counter("counter", 0);
  std::vector<Fiber<void>> fs;
  for (int i = 0; i < n; ++i) fs.push_back(spawn([&] { counter.store(counter.load() + 1); }, "inc"));
  for (auto& f : fs) join(f);
  check(counter.load() == n, "counter == " + std::to_string(n) + " (got " + std::to_string(counter.load()) + ")");
}

}  // namespace

TEST_CASE("prop::check finds the lost update and minimises inputs and schedule") {
  const prop::CheckResult r = prop::check("increments", increments);
  REQUIRE_FALSE(r.passed);
  MESSAGE(r.report);
  CHECK(r.inputs == std::vector<std::string>{"2"});  // the fewest increments that can lose one
  CHECK(r.run.preemptions == 1);
  CHECK(r.run.message.find("counter == 2 (got 1)") != std::string::npos);
  CHECK(r.report.find("-- preempted --") != std::string::npos);
  // Deterministic: the same check gives the same minimal case.
  CHECK(prop::check("increments", increments).choices == r.choices);
}

TEST_CASE("prop::check passes a correct scenario; draw outside the root's start is an error") {
  const prop::CheckResult ok = prop::check("atomic increments", [] {
    const int n = prop::draw(rc::gen::inRange(1, 6));
    Atomic<int> counter("counter", 0);
    std::vector<Fiber<void>> fs;
    for (int i = 0; i < n; ++i) fs.push_back(spawn([&] { counter.fetch_add(1); }, "inc"));
    for (auto& f : fs) join(f);
    check(counter.load() == n, "lost an increment");
  });
  CHECK_MESSAGE(ok.passed, ok.report);

  const prop::CheckResult late = prop::check("late draw", [] {
    auto f = spawn([] {}, "child");
    (void)prop::draw(rc::gen::inRange(1, 3));  // after a spawn: not allowed
    join(f);
  });
  REQUIRE_FALSE(late.passed);
  CHECK_MESSAGE(late.run.message.find("draw inputs in the root fiber before its first spawn") != std::string::npos,
                late.run.message);
  CHECK_THROWS_WITH_AS(prop::draw(rc::gen::inRange(1, 3)), doctest::Contains("outside omega::prop::check"), UsageError);
}

TEST_CASE("prop::check names drawn inputs and prints RapidCheck's seed, which reproduces the case") {
  auto named = [] {
    const int n = prop::draw("incrementers", rc::gen::inRange(1, 8));
    Shared<int> counter("counter", 0);
    std::vector<Fiber<void>> fs;
    for (int i = 0; i < n; ++i) fs.push_back(spawn([&] { counter.store(counter.load() + 1); }, "inc"));
    for (auto& f : fs) join(f);
    check(counter.load() == n, "lost an increment");
  };
  prop::CheckOptions o;
  o.seed = 12345;
  const prop::CheckResult r = prop::check("named", named, o);
  REQUIRE_FALSE(r.passed);
  CHECK(r.inputs == std::vector<std::string>{"incrementers=2"});
  CHECK(r.report.find("reproduce: CheckOptions::seed = 12345") != std::string::npos);
  CHECK(prop::check("named", named, o).choices == r.choices);
}

TEST_CASE("prop::check explores each input under the configured policy; vector mode and bad policies") {
  for (const char* policy : {"random", "pos", "pct:2", "vector"}) {
    prop::CheckOptions o;
    o.policy = policy;
    const prop::CheckResult r = prop::check("increments", increments, o);
    REQUIRE_MESSAGE(!r.passed, policy);
    CHECK_MESSAGE(r.inputs == std::vector<std::string>{"2"}, policy);
    CHECK_MESSAGE(r.run.preemptions == 1, policy);
  }
  prop::CheckOptions bad;
  bad.policy = "sometimes";
  CHECK_THROWS_WITH_AS(prop::check("bad", increments, bad), doctest::Contains("unknown policy 'sometimes'"), UsageError);
  bad.policy = "random";
  bad.schedules_per_input = 0;
  CHECK_THROWS_AS(prop::check("bad", increments, bad), UsageError);
}
