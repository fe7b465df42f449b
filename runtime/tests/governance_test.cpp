// Governance: profiles, caps (narrowed per fiber at spawn) and per-family budgets, one case per
// operation family; each failure is an outcome with a ledgered Denied / BudgetExhausted event.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::events_of;
using omega::testing::options;

namespace {

struct Family {
  std::string op;                   // the operation attempted
  std::function<void()> attempt;    // performs it once
};

std::vector<Family> families() {
  return {
      {"fiber.spawn", [] { join(spawn([] {}, "child")); }},
      {"fiber.yield", [] { yield(); }},
      {"fiber.join", [] { join(spawn([] {}, "child")); }},
      {"mutex.lock", [] { Mutex m("m"); m.lock(); m.unlock(); }},
      {"ivar.put", [] { IVar<int> v("v"); v.put(1); }},
      {"channel.send", [] { Channel<int> c(1, "c"); c.send(1); }},
      {"condvar.notify", [] { CondVar cv("cv"); cv.notify_one(); }},
      {"semaphore.release", [] { Semaphore s(0, "s"); s.release(); }},
      {"shared.store", [] { Shared<int> x("x"); x.store(1); }},
      {"atomic.rmw", [] { Atomic<int> x("x"); x.fetch_add(1); }},
      {"actor.send", [] { auto a = actor::spawn<int>([](const int&) {}, "a"); actor::send(a, 1); }},
      {"oracle.call", [] { (void)oracle("o").call(1, [](int x) { return x; }); }},
      {"singleflight.run", [] { Singleflight<int, int> f("f"); (void)f.run(1, [] { return 1; }); }},
      {"memo.get", [] { Memo<int, int> m(1, "m"); (void)m.get(1, [] { return 1; }); }},
  };
}

}  // namespace

TEST_CASE("governance: every operation family runs under the default profile and caps") {
  for (const auto& f : families()) {
    CAPTURE(f.op);
    const auto r = sim::run(options(), f.attempt);
    CHECK_MESSAGE(r.passed(), r.message);
  }
}

TEST_CASE("governance: an operation outside the profile is denied, per family") {
  for (const auto& f : families()) {
    CAPTURE(f.op);
    std::set<std::string> everything_else{"fiber.spawn", "fiber.yield", "fiber.join", "mutex.lock",
                                          "mutex.unlock", "ivar.put", "channel.send", "condvar.notify",
                                          "semaphore.release", "shared.store", "atomic.rmw", "actor.send",
                                          "actor.receive", "oracle.call", "singleflight.run", "memo.get",
                                          "ivar.get"};
    everything_else.erase(f.op);
    sim::RunOptions o = options();
    o.governance.profile = sim::Profile::only("restricted", everything_else);
    const auto r = sim::run(o, f.attempt);
    CHECK(r.outcome == sim::Outcome::denied);
    CHECK_MESSAGE(r.message.find("attempted " + f.op + ", which profile restricted does not allow") !=
                      std::string::npos,
                  r.message);
    const auto denied = events_of<sim::ev::Denied>(r);
    REQUIRE(denied.size() == 1);
    CHECK(denied[0].op == f.op);
    CHECK(denied[0].cap.empty());
  }
}

TEST_CASE("governance: rules resolved in a run without a profile do not carry into a profiled run, nor back") {
  // Profile-free runs keep their resolved rules for the next run on the thread (a per-run saving);
  // a run with a profile must resolve its own, and the run after it must not inherit its denials.
  for (const auto& f : families()) {
    CAPTURE(f.op);
    sim::RunOptions open = options(), restricted = options();
    restricted.governance.profile = sim::Profile::only("restricted", {"fiber.spawn", "fiber.join"});
    const bool spawn_family = f.op == "fiber.spawn" || f.op == "fiber.join";
    for (int round = 0; round < 2; ++round) {
      CHECK(sim::run(open, f.attempt).passed());
      const auto denied = sim::run(restricted, f.attempt);
      CHECK((denied.outcome == sim::Outcome::denied) != spawn_family);
      CHECK(sim::run(open, f.attempt).passed());
    }
  }
}

TEST_CASE("governance: an operation without its cap is denied, per family; caps narrow at spawn") {
  for (const auto& f : families()) {
    const std::string cap = sim::required_cap(f.op);
    if (cap.empty()) continue;  // fiber.yield and fiber.join need no cap
    CAPTURE(f.op);
    std::set<std::string> all_but{"cap.fiber.spawn", "cap.mutex", "cap.ivar", "cap.channel",
                                  "cap.condvar", "cap.semaphore", "cap.shared", "cap.atomic",
                                  "cap.actor", "cap.oracle", "cap.singleflight", "cap.memo"};
    all_but.erase(cap);
    const auto r = sim::run(options(), [&] {
      auto narrowed = spawn(f.attempt, SpawnOptions{"narrowed", false, all_but});
      join(narrowed);
    });
    CHECK(r.outcome == sim::Outcome::denied);
    CHECK_MESSAGE(r.message.find("fiber 1 (narrowed) attempted " + f.op + " without " + cap) != std::string::npos,
                  r.message);
    const auto denied = events_of<sim::ev::Denied>(r);
    REQUIRE(denied.size() == 1);
    CHECK(denied[0].cap == cap);
  }
  // Caps granted to the run; a child cannot widen them.
  sim::RunOptions o = options();
  o.governance.caps = std::set<std::string>{"cap.fiber.spawn", "cap.oracle"};
  const auto r = sim::run(o, [] {
    auto child = spawn([] { Mutex m("m"); m.lock(); },
                       SpawnOptions{"child", false, std::set<std::string>{"cap.oracle", "cap.mutex"}});
    join(child);
  });
  CHECK(r.outcome == sim::Outcome::denied);
  CHECK_MESSAGE(r.message.find("without cap.mutex (it holds: cap.oracle)") != std::string::npos, r.message);
}

TEST_CASE("governance: per-family budgets with defaults, options and OMEGA_* overrides") {
  struct Case {
    std::string op, budget;
    std::uint64_t sim::Budgets::*limit;
    std::function<void()> once;
  };
  const std::vector<Case> cases{
      {"fiber.spawn", "spawns", &sim::Budgets::spawns_max, [] { join(spawn([] {}, "c")); }},
      {"fiber.yield", "yields", &sim::Budgets::yields_max, [] { yield(); }},
      {"mutex.lock", "mutex ops", &sim::Budgets::mutex_ops_max, [] { Mutex m("m"); m.lock(); m.unlock(); }},
      {"ivar.put", "ivar ops", &sim::Budgets::ivar_ops_max, [] { IVar<int> v("v"); v.put(1); }},
      {"oracle.call", "oracle calls", &sim::Budgets::oracle_calls_max,
       [] { (void)oracle("o", OracleOptions{1ns, 1ns, 0, 0}).call(1, [](int x) { return x; }); }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.op);
    sim::RunOptions o = options();
    o.budgets.*(c.limit) = 5;
    o.budgets.fiber_steps_max = 100'000;
    const auto r = sim::run(o, [&] {
      for (int i = 0; i < 100; ++i) c.once();
    });
    CHECK(r.outcome == sim::Outcome::budget);
    CHECK_MESSAGE(r.message.find("attempted " + c.op.substr(0, c.op.find('.'))) != std::string::npos, r.message);
    CHECK_MESSAGE(r.message.find(" number 6; the " + c.budget + " budget is 5") != std::string::npos, r.message);
    const auto exhausted = events_of<sim::ev::BudgetExhausted>(r);
    REQUIRE(exhausted.size() == 1);
    CHECK(exhausted[0].budget == c.budget);
  }
  const sim::Budgets defaults;
  CHECK(defaults.spawns_max == 100);
  CHECK(defaults.yields_max == 10'000);
  CHECK(defaults.steps_max == 1'000'000);
  CHECK(defaults.fiber_steps_max == 10'000);
  CHECK(defaults.mutex_ops_max == 10'000);
  CHECK(defaults.ivar_ops_max == 10'000);
  CHECK(defaults.oracle_calls_max == 1'000);
  ::setenv("OMEGA_MAX_ORACLE_CALLS", "7", 1);
  ::setenv("OMEGA_MAX_SPAWNS", "9", 1);
  CHECK(sim::Budgets::from_env().oracle_calls_max == 7);
  CHECK(sim::Budgets::from_env().spawns_max == 9);
  ::unsetenv("OMEGA_MAX_ORACLE_CALLS");
  ::unsetenv("OMEGA_MAX_SPAWNS");
}
