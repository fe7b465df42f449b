// Each detector on a buggy example (it must fire, with the right repair) and on its fixed twin
// (it must stay silent), from runs that passed where the detector promises that.

#include <omega/critic/critic.hpp>
#include <omega/omega.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <mutex>

using namespace omega;

namespace {

critic::Ledger ledger_of(const std::string& scenario, const std::function<void()>& body,
                         sim::Policy policy = sim::round_robin(), std::uint64_t seed = 0,
                         sim::Outcome expected = sim::Outcome::pass) {
  sim::RunOptions o;
  o.policy = std::move(policy);
  o.seed = seed;
  const sim::RunResult r = sim::run(o, body);
  REQUIRE_MESSAGE(r.outcome == expected, r.message);
  return {scenario, "run", r.ledger.events(), sim::describe(o.policy)};
}

std::vector<critic::Finding> of_rule(const std::vector<critic::Finding>& all, const std::string& rule) {
  std::vector<critic::Finding> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out), [&](const auto& f) { return f.rule == rule; });
  return out;
}

// Two fibers taking two locks in opposite orders, one after the other: no run deadlocks under
// round-robin (each finishes before the other starts), yet the order is a cycle.
void opposite_orders(bool gate, bool same_order) {
  Mutex a("a"), b("b"), g("gate");
  auto take = [&](Mutex& first, Mutex& second) {
    std::unique_lock<Mutex> gl;
    if (gate) gl = std::unique_lock<Mutex>(g);
    std::lock_guard l1(first);
    std::lock_guard l2(second);
  };
  auto f = spawn([&] { take(a, b); }, "f");
  join(f);
  auto h = spawn([&] { same_order ? take(a, b) : take(b, a); }, "h");
  join(h);
}

void racy_counter(bool locked) {
  Shared<int> counter("counter", 0);
  Mutex m("m");
  auto inc = [&] {
    std::unique_lock<Mutex> l(m, std::defer_lock);
    if (locked) l.lock();
    counter.store(counter.load() + 1);
  };
  auto x = spawn(inc, "x");
  auto y = spawn(inc, "y");
  join(x);
  join(y);
  check(counter.load() == 2, "counter == 2");
}

}  // namespace

TEST_CASE("critic: a lock-order cycle from runs that all passed, with impose_lock_order") {
  const auto findings = critic::criticize({ledger_of("locks", [] { opposite_orders(false, false); })});
  const auto cycles = of_rule(findings, "omega.lock-order");
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0].message.find("mutex a -> mutex b -> mutex a") != std::string::npos);
  REQUIRE(cycles[0].repairs.size() == 1);
  CHECK(cycles[0].repairs[0].kind == "impose_lock_order");
  CHECK(cycles[0].repairs[0].targets == std::vector<std::string>{"mutex a", "mutex b"});
  CHECK(cycles[0].evidence.size() == 2);
  CHECK(of_rule(findings, "omega.deadlock").empty());
}

TEST_CASE("critic: the lock-order twins stay silent: one order, or a gate lock around both") {
  CHECK(of_rule(critic::criticize({ledger_of("locks", [] { opposite_orders(false, true); })}), "omega.lock-order").empty());
  CHECK(of_rule(critic::criticize({ledger_of("locks", [] { opposite_orders(true, false); })}), "omega.lock-order").empty());
}

TEST_CASE("critic: the cycle is found across ledgers: each order in a different run") {
  const auto one = ledger_of("split", [] {
    Mutex a("a"), b("b");
    auto f = spawn([&] { std::lock_guard l1(a); std::lock_guard l2(b); }, "f");
    join(f);
  });
  const auto other = ledger_of("split", [] {
    Mutex a("a"), b("b");
    auto f = spawn([&] { std::lock_guard l1(b); std::lock_guard l2(a); }, "f");
    join(f);
  });
  CHECK(of_rule(critic::criticize({one}), "omega.lock-order").empty());
  CHECK(of_rule(critic::criticize({one, other}), "omega.lock-order").size() == 1);
}

TEST_CASE("critic: a deadlock is explained as its wait-for cycle with the holders' events") {
  // Round-robin with a yield between the two locks: each fiber holds one and waits for the other.
  const auto l = ledger_of("dl", [] {
    Mutex a("a"), b("b");
    auto f = spawn([&] { std::lock_guard l1(a); yield(); std::lock_guard l2(b); }, "f");
    auto g = spawn([&] { std::lock_guard l1(b); yield(); std::lock_guard l2(a); }, "g");
    join(f);
    join(g);
  }, sim::round_robin(), 0, sim::Outcome::deadlock);
  const auto dl = of_rule(critic::criticize({l}), "omega.deadlock");
  REQUIRE(dl.size() == 1);
  CHECK(dl[0].level == "error");
  CHECK(dl[0].message.find("fiber 1 (f) waits") != std::string::npos);
  CHECK(dl[0].message.find("for mutex b held by fiber 2 (g), held since event") != std::string::npos);
  CHECK(dl[0].message.find("for mutex a held by fiber 1 (f), held since event") != std::string::npos);
  REQUIRE(!dl[0].repairs.empty());
  CHECK(dl[0].repairs[0].kind == "impose_lock_order");
}

TEST_CASE("critic: a data race from a run whose values came out right; silent once locked") {
  const auto racy = critic::criticize({ledger_of("race", [] { racy_counter(false); })});  // round-robin: passes
  const auto races = of_rule(racy, "omega.data-race");
  REQUIRE(races.size() == 1);
  CHECK(races[0].message.find("data race on shared counter") != std::string::npos);
  CHECK(races[0].repairs[0].kind == "wrap_with_serializer");
  CHECK(races[0].repairs[0].targets == std::vector<std::string>{"shared counter"});
  CHECK(of_rule(critic::criticize({ledger_of("race", [] { racy_counter(true); })}), "omega.data-race").empty());
}

TEST_CASE("critic: data races respect spawn and join order") {
  // The parent writes before spawning and reads after joining: ordered, no race.
  const auto l = ledger_of("ordered", [] {
    Shared<int> x("x", 0);
    x.store(1);
    auto f = spawn([&] { x.store(x.load() + 1); }, "f");
    join(f);
    check(x.load() == 2, "x == 2");
  });
  CHECK(of_rule(critic::criticize({l}), "omega.data-race").empty());
}

TEST_CASE("critic: duplicate oracle calls, overlapping (singleflight) and sequential (memo); silent when shared") {
  using namespace std::chrono_literals;
  const auto overlapping = ledger_of("oracle", [] {
    auto& model = oracle("model", OracleOptions{1ms, 1ms, 0, 0});
    auto a = spawn([&] { (void)model.call(7, [](int x) { return x; }); }, "a");
    auto b = spawn([&] { (void)model.call(7, [](int x) { return x; }); }, "b");
    join(a);
    join(b);
  });
  auto found = of_rule(critic::criticize({overlapping}), "omega.duplicate-oracle");
  REQUIRE(found.size() == 1);
  CHECK(found[0].message.find("oracle model executed 2 times") != std::string::npos);
  CHECK(found[0].repairs[0].kind == "introduce_singleflight");

  const auto sequential = ledger_of("oracle", [] {
    auto& model = oracle("model", OracleOptions{1ms, 1ms, 0, 0});
    (void)model.call(7, [](int x) { return x; });
    (void)model.call(7, [](int x) { return x; });
  });
  found = of_rule(critic::criticize({sequential}), "omega.duplicate-oracle");
  REQUIRE(found.size() == 1);
  CHECK(found[0].repairs[0].kind == "add_memo");

  const auto shared = ledger_of("oracle", [] {
    auto& model = oracle("model", OracleOptions{1ms, 1ms, 0, 0});
    Singleflight<int, int> flights("flights");
    auto call = [&] { (void)flights.run(7, [&] { return model.call(7, [](int x) { return x; }); }); };
    auto a = spawn(call, "a");
    auto b = spawn(call, "b");
    join(a);
    join(b);
  });
  CHECK(of_rule(critic::criticize({shared}), "omega.duplicate-oracle").empty());
  // Different keys are not duplicates.
  const auto distinct = ledger_of("oracle", [] {
    auto& model = oracle("model", OracleOptions{1ms, 1ms, 0, 0});
    (void)model.call(1, [](int x) { return x; });
    (void)model.call(2, [](int x) { return x; });
  });
  CHECK(of_rule(critic::criticize({distinct}), "omega.duplicate-oracle").empty());
}

TEST_CASE("critic: findings are de-duplicated by signature across ledgers and ordered stably") {
  const auto l = ledger_of("race", [] { racy_counter(false); });
  const auto twice = critic::criticize({l, l});
  CHECK(twice.size() == critic::criticize({l}).size());
}

TEST_CASE("critic: a livelock names the spinning fiber and what it repeats; silent when the holder lets go") {
  auto spin = [](bool holder_lets_go) {
    return [holder_lets_go] {
      Mutex m("m");
      IVar<int> go("go");
      auto holder = spawn([&] {
        std::lock_guard l(m);
        if (holder_lets_go) return;
        (void)go.get();  // nobody puts: m stays held
      }, "holder");
      auto spinner = spawn([&] {
        while (!m.try_lock()) yield();
        m.unlock();
      }, "spinner");
      join(spinner);
      go.put(1);
      join(holder);
    };
  };
  sim::RunOptions o;
  o.policy = sim::round_robin();
  o.budgets.fiber_steps_max = 500;
  const sim::RunResult stuck = sim::run(o, spin(false));
  REQUIRE(stuck.outcome == sim::Outcome::budget);
  const auto found = of_rule(critic::criticize({{"spin", "run", stuck.ledger.events(), "round-robin"}}), "omega.livelock");
  REQUIRE(found.size() == 1);
  CHECK(found[0].message.find("fiber 2 (spinner) try_lock_failed mutex m") != std::string::npos);
  CHECK(found[0].message.find("fiber 2 (spinner) yield") != std::string::npos);
  CHECK(found[0].repairs[0].kind == "block_instead_of_polling");
  const sim::RunResult fine = sim::run(o, spin(true));
  REQUIRE(fine.passed());
  CHECK(of_rule(critic::criticize({{"spin", "run", fine.ledger.events(), "round-robin"}}), "omega.livelock").empty());
}

TEST_CASE("critic: starvation under a fair policy, from the decisions; not under random, not when served") {
  std::vector<sim::Event> events{sim::ev::Spawn{FiberId{0}, FiberId{}, false, "root"},
                                 sim::ev::Spawn{FiberId{1}, FiberId{0}, false, "hungry"}};
  for (std::uint64_t i = 0; i < 1200; ++i)
    events.push_back(sim::ev::ScheduleChoose{i + 1, i, FiberId{0}, 0, {FiberId{0}, FiberId{1}}, FiberId{0}});
  auto found = of_rule(critic::criticize({{"starve", "run", events, "fair-rr:3"}}), "omega.starvation");
  REQUIRE(found.size() == 1);
  CHECK(found[0].message == "fiber 1 (hungry) was ready but not chosen for 1000 decisions in a row");
  CHECK(of_rule(critic::criticize({{"starve", "run", events, "random"}}), "omega.starvation").empty());
  for (std::size_t i = 2; i < events.size(); i += 500) std::get<sim::ev::ScheduleChoose>(events[i]).chosen = FiberId{1};
  CHECK(of_rule(critic::criticize({{"starve", "run", events, "fair-rr:3"}}), "omega.starvation").empty());
}

TEST_CASE("critic: the parts agree with the whole: critique_run and a LockOrderGraph fed edge by edge") {
  const auto gated = ledger_of("parts", [] { opposite_orders(true, false); });
  const auto ungated = ledger_of("parts", [] { opposite_orders(false, false); });
  // Per run: the same findings as criticize() minus the cross-run lock order.
  const critic::RunCritique c = critic::critique_run(ungated);
  CHECK(c.findings.size() == critic::criticize_run(ungated).size());
  REQUIRE(c.edges.size() == 2);
  CHECK(c.edges[0].held == "mutex a");
  CHECK(c.edges[0].taken == "mutex b");
  // The graph: a sighting with the gate, then one without it narrows the gates (a change), then
  // the same again changes nothing.
  critic::LockOrderGraph graph;
  for (const auto& e : critic::lock_edges(gated)) CHECK(graph.add(e));
  CHECK(graph.cycles("parts").empty());  // the gate covers the cycle
  CHECK(graph.add(c.edges[0]));
  CHECK_FALSE(graph.add(c.edges[0]));
  CHECK(graph.cycles("parts").size() == 1);  // one edge seen without the gate: it covers the cycle no more
  CHECK(graph.add(c.edges[1]));
  const auto cycles = graph.cycles("parts");
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0].signature == of_rule(critic::criticize({ungated}), "omega.lock-order").at(0).signature);
}
