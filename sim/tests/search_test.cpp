// The stateful searches. Bounded exhaustive search (dfs): plain depth-first search enumerates schedules within a preemption
// bound; unbounded, DPOR with sleep sets runs each Mazurkiewicz trace exactly once, checked
// against the traces plain search finds on programs whose trace counts are known.

#include <omega/omega.hpp>
#include <omega/sim/dfs.hpp>
#include <omega/sim/errors.hpp>
#include <omega/sim/rff.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <omega/rapidcheck_doctest.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace omega;

namespace {

// Cells outlive each run (and start every run at their initial value), so the root can spawn and
// return without joining: a join would add orders of its own (it is dependent with everything).
Shared<int> x("x", 0), y("y", 0);

// A trace's identity for programs of loads and stores: per object, its accesses in order, with
// each run of consecutive reads sorted (reads commute with reads; everything else is ordered).
std::string trace_key(const sim::RunResult& r) {
  std::map<std::uint32_t, std::vector<std::string>> per_object;
  std::map<std::uint32_t, std::vector<std::string>> reads;  // the current run of reads per object
  auto flush = [&](std::uint32_t o) {
    std::sort(reads[o].begin(), reads[o].end());
    for (auto& s : reads[o]) per_object[o].push_back(s);
    reads[o].clear();
  };
  std::map<std::uint32_t, std::string> names;
  for (const auto& e : r.ledger.events()) {
    if (const auto* o = std::get_if<sim::ev::Object>(&e)) names[o->object] = o->name;
    const auto* op = std::get_if<sim::ev::Op>(&e);
    if (!op) continue;
    const std::string access = std::to_string(op->fiber.value) + (op->op == sim::OpCode::read ? "r" : "w");
    if (op->op == sim::OpCode::read) {
      reads[op->object].push_back(access);
    } else {
      flush(op->object);
      per_object[op->object].push_back(access);
    }
  }
  std::string key;
  for (auto& [o, rs] : reads) flush(o);
  std::map<std::string, std::vector<std::string>> by_name;  // object ids depend on first use
  for (auto& [o, seq] : per_object) by_name[names[o]] = seq;
  for (auto& [name, seq] : by_name) {
    key += name + ":";
    for (auto& s : seq) key += s + " ";
    key += "| ";
  }
  return key;
}

struct Count {
  std::uint64_t schedules = 0;
  std::multiset<std::string> keys;
  bool complete = false;
};

// How to search: DPOR (no bound), BPOR (a bound), or plain depth-first (a bound, every schedule).
enum class Mode { reduced, plain };

Count search(void (*body)(), std::optional<std::uint32_t> bound, Mode mode = Mode::reduced) {
  sim::DfsOptions o;
  o.preemption_bound = bound;
  o.partial_order_reduction = mode == Mode::reduced;
  o.stop_after = 0;
  Count c;
  o.on_schedule = [&](const sim::RunResult& r) {
    REQUIRE_MESSAGE(r.passed(), r.message);
    c.keys.insert(trace_key(r));
  };
  const sim::DfsReport rep = sim::explore_dfs(o, body);
  c.schedules = rep.schedules;
  c.complete = rep.complete;
  return c;
}

void two_writers() {
  spawn([] { x.store(1); }, "a");
  spawn([] { x.store(2); }, "b");
}
void independent_writers() {
  spawn([] { x.store(1); }, "a");
  spawn([] { y.store(2); }, "b");
}
void three_writers() {
  for (int i = 0; i < 3; ++i) spawn([i] { x.store(i); }, "w");
}
void increments() {
  for (int i = 0; i < 2; ++i) spawn([] { x.store(x.load() + 1); }, "inc");
}
void three_readers() {
  for (int i = 0; i < 3; ++i) spawn([] { (void)x.load(); }, "r");
}
void writer_and_two_readers() {
  spawn([] { x.store(1); }, "w");
  for (int i = 0; i < 2; ++i) spawn([] { (void)x.load(); }, "r");
}
void lost_update() {
  Shared<int> counter("counter", 0);
  auto a = spawn([&] { counter.store(counter.load() + 1); }, "a");
  auto b = spawn([&] { counter.store(counter.load() + 1); }, "b");
  join(a);
  join(b);
  check(counter.load() == 2, "lost update");
}
// Three incrementers and a reader of two cells: enough reads-from pairs that rff's corpus grows
// past its warm-up and its later runs follow plans.
void lost_update_of_three() {
  Shared<int> counter("counter", 0), seen("seen", 0);
  std::vector<Fiber<void>> all;
  for (int i = 0; i < 3; ++i)
    all.push_back(spawn([&] {
      counter.store(counter.load() + 1);
      seen.store(seen.load() + 1);
    }, "inc-" + std::to_string(i)));  // rff names events by fiber name
  for (auto& f : all) join(f);
  check(counter.load() == 3, "lost update");
}
void two_fibers_two_cells() {  // each writes both cells, in opposite orders
  spawn([] { x.store(1); y.store(1); }, "a");
  spawn([] { y.store(2); x.store(2); }, "b");
}

}  // namespace

TEST_CASE("dfs: DPOR runs each Mazurkiewicz trace exactly once; plain search finds the same traces") {
  struct Case {
    const char* name;
    void (*body)();
    std::uint64_t traces;
  };
  const Case cases[] = {
      {"two writers", two_writers, 2},
      {"independent writers", independent_writers, 1},
      {"three writers", three_writers, 6},
      {"two increments (load; store)", increments, 4},
      {"three readers", three_readers, 1},
      {"a writer and two readers", writer_and_two_readers, 4},
      {"two fibers, two cells, opposite orders", two_fibers_two_cells, 3},  // not x: b<a with y: a<b (a cycle)
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    const Count plain = search(c.body, 1000, Mode::plain);
    const Count dpor = search(c.body, std::nullopt);
    const std::set<std::string> plain_traces(plain.keys.begin(), plain.keys.end());
    const std::set<std::string> dpor_traces(dpor.keys.begin(), dpor.keys.end());
    MESSAGE(std::string(c.name) << ": plain " << plain.schedules << " schedules, " << plain_traces.size() << " traces; DPOR "
                   << dpor.schedules);
    if (dpor_traces != plain_traces) {
      for (const auto& k : plain_traces) MESSAGE("plain: " << k);
      for (const auto& k : dpor.keys) MESSAGE("dpor: " << k);
    }
    CHECK(plain.complete);
    CHECK(dpor.complete);
    CHECK(plain_traces.size() == c.traces);
    CHECK(dpor_traces == plain_traces);     // every trace
    CHECK(dpor.schedules == c.traces);      // each exactly once
    CHECK(plain.schedules >= dpor.schedules);
  }
}

TEST_CASE("dfs: the preemption bound limits the schedules; pb=0 is the non-preemptive ones") {
  const Count pb0 = search(increments, 0, Mode::plain), pb1 = search(increments, 1, Mode::plain),
              all = search(increments, 1000, Mode::plain);
  CHECK(pb0.complete);
  CHECK(pb0.schedules < pb1.schedules);
  CHECK(pb1.schedules <= all.schedules);
  // Without a preemption each increment runs whole: both orders end with x == 2, one trace shape each.
  for (const auto& k : pb0.keys) CHECK(k.find("r") != std::string::npos);
}

TEST_CASE("dfs: finds the lost update within pb=1, not within pb=0, and its choices replay it") {
  const auto lost = lost_update;
  sim::DfsOptions o;
  o.preemption_bound = 0;
  const sim::DfsReport none = sim::explore_dfs(o, lost);
  CHECK(none.complete);
  CHECK(none.failures == 0);
  o.preemption_bound = 1;
  const sim::DfsReport found = sim::explore_dfs(o, lost);
  REQUIRE(found.first_failure);
  CHECK(found.first_failure->message.find("lost update") != std::string::npos);
  CHECK(found.first_failure->preemptions <= 1);
  CHECK_FALSE(found.complete);  // stopped at the first failure
  sim::RunOptions again;
  again.policy = sim::vector_of(found.first_failure_choices);
  CHECK(sim::run(again, lost).ledger.bytes() == found.first_failure->ledger.bytes());
  const sim::DfsReport dpor = sim::explore_dfs(sim::parse_dfs("dfs"), lost);
  REQUIRE(dpor.first_failure);
  CHECK(dpor.first_failure->message.find("lost update") != std::string::npos);
}

TEST_CASE("dfs: a correct program is proved within its bound; data choices are enumerated when small") {
  auto locked = [] {
    Mutex m("m");
    Shared<int> counter("counter", 0);
    auto a = spawn([&] { std::lock_guard g(m); counter.store(counter.load() + 1); }, "a");
    auto b = spawn([&] { std::lock_guard g(m); counter.store(counter.load() + static_cast<int>(omega::random(2)) + 1); }, "b");
    join(a);
    join(b);
    check(counter.load() >= 2, "an increment was lost");
  };
  for (const char* text : {"dfs:pb=2", "dfs"}) {
    CAPTURE(text);
    const sim::DfsReport r = sim::explore_dfs(sim::parse_dfs(text), locked);
    CHECK(r.complete);
    CHECK(r.failures == 0);
    CHECK(r.data_points_enumerated > 0);
    CHECK(r.data_points_fixed == 0);
  }
  sim::DfsOptions big = sim::parse_dfs("dfs:pb=1");
  big.data_domain_max = 1;  // random(2) is then fixed at 0
  const sim::DfsReport fixed = sim::explore_dfs(big, locked);
  CHECK(fixed.data_points_enumerated == 0);
  CHECK(fixed.data_points_fixed > 0);
}

TEST_CASE("dfs: bad policy text is a usage error naming it") {
  CHECK(sim::parse_dfs("dfs:pb=3").preemption_bound == 3u);
  CHECK_FALSE(sim::parse_dfs("dfs").preemption_bound);
  CHECK_THROWS_WITH_AS(sim::parse_dfs("dfs:pb=x"), doctest::Contains("dfs:pb=x"), UsageError);
  CHECK_THROWS_AS(sim::parse_dfs("dfs:pb="), UsageError);
  CHECK_THROWS_AS(sim::parse_dfs("dfs:2"), UsageError);
  CHECK(sim::is_dfs("dfs:pb=1"));
  CHECK_FALSE(sim::is_dfs("dfsx"));
}

namespace {

// What a run computed: each fiber's loaded values in order, and each cell's last stored value.
std::string outcome(const sim::RunResult& r) {
  std::map<std::uint32_t, std::string> names;
  std::map<std::uint32_t, std::string> reads;  // by fiber
  std::map<std::string, std::uint64_t> last;
  for (const auto& e : r.ledger.events()) {
    if (const auto* o = std::get_if<sim::ev::Object>(&e)) names[o->object] = o->name;
    const auto* op = std::get_if<sim::ev::Op>(&e);
    if (!op) continue;
    if (op->op == sim::OpCode::read || op->op == sim::OpCode::get)  // a memo's get: 1 hit, 0 miss
      reads[op->fiber.value] += names[op->object] + "=" + std::to_string(op->arg) + " ";
    if (op->op == sim::OpCode::write) last[names[op->object]] = op->arg;
  }
  std::string out;
  for (auto& [f, s] : reads) out += std::to_string(f) + ": " + s + "; ";
  for (auto& [n, v] : last) out += n + "=" + std::to_string(v) + " ";
  return out;
}

Shared<int> gx("x", 0), gy("y", 0);
Mutex gm("m");
Memo<int, int> gmemo(4, "memo");

// Fibers of 1-2 operations each: load x, load y, store x, store y, a locked increment of x, or
// a memo's get of key 0 (a compound operation: a miss runs a singleflight around an ivar).
std::function<void()> program(const std::vector<std::vector<int>>& fibers) {
  return [fibers] {
    for (std::size_t f = 0; f < fibers.size(); ++f)
      spawn([ops = fibers[f], f] {
        for (int op : ops) {
          switch (op) {
            case 0: (void)gx.load(); break;
            case 1: (void)gy.load(); break;
            case 2: gx.store(static_cast<int>(f) + 1); break;
            case 3: gy.store(static_cast<int>(f) + 1); break;
            case 5: (void)gmemo.get(0, [] { return 1; }); break;
            default: {
              std::lock_guard g(gm);
              gx.store(gx.load() + 10);
            }
          }
        }
      }, "f");
  };
}

struct Twin {  // a broken variant, for negative controls
  bool racing_fiber_only = false, no_conservative_points = false, ignore_compounds = false;
};

std::set<std::string> outcomes(const std::function<void()>& body, std::optional<std::uint32_t> bound,
                               Mode mode = Mode::reduced, Twin twin = {}) {
  sim::DfsOptions o;
  o.preemption_bound = bound;
  o.partial_order_reduction = mode == Mode::reduced;
  o.conservative_points = !twin.no_conservative_points;
  o.ignore_compounds = twin.ignore_compounds;
  const bool racing_fiber_only = twin.racing_fiber_only;
  o.stop_after = 0;
  o.racing_fiber_only = racing_fiber_only;
  std::set<std::string> out;
  o.on_schedule = [&](const sim::RunResult& r) { out.insert(outcome(r)); };
  const sim::DfsReport rep = sim::explore_dfs(o, body);
  REQUIRE_MESSAGE(rep.complete, "runs " << rep.runs << ", schedules " << rep.schedules << ", failures "
                                        << rep.failures << ", stopped " << rep.stopped);
  return out;
}

// 1-3 fibers of 1..max_ops operations of program(), at most `max_weight` in all, a compound
// operation (a locked increment, a memo get) counting 3: plain search grows fast.
std::vector<std::vector<int>> random_fibers(int max_ops, int max_weight) {
  std::vector<std::vector<int>> fibers(static_cast<std::size_t>(*rc::gen::inRange(1, 4)));
  for (auto& ops : fibers)
    ops = *rc::gen::container<std::vector<int>>(static_cast<std::size_t>(*rc::gen::inRange(1, max_ops + 1)),
                                                rc::gen::inRange(0, 6));
  int weight = 0;
  for (const auto& ops : fibers)
    for (int op : ops) weight += op >= 4 ? 3 : 1;
  RC_PRE(weight <= max_weight);
  return fibers;
}

std::uint64_t schedules(const std::function<void()>& body, std::optional<std::uint32_t> bound,
                        Mode mode = Mode::reduced) {
  sim::DfsOptions o;
  o.preemption_bound = bound;
  o.partial_order_reduction = mode == Mode::reduced;
  o.stop_after = 0;
  const sim::DfsReport rep = sim::explore_dfs(o, body);
  REQUIRE(rep.complete);
  return rep.schedules;
}

}  // namespace

TEST_CASE("property: DPOR reaches every outcome plain search reaches; the racing-fiber-only twin does not") {
  rc_check("DPOR outcomes == plain outcomes", [] {
    // 1-3 fibers of 1-2 operations: small enough for unbounded plain search to finish every time
    // (two fibers of a load and a locked increment: 1 848 schedules).
    const auto body = program(random_fibers(2, 4));
    RC_ASSERT(outcomes(body, std::nullopt) == outcomes(body, 1000, Mode::plain));
  });
  // The negative control: one writer and two readers; with the racing fiber alone the order
  // "second reader, writer, first reader" is never run.
  const auto body = program({{2}, {0}, {0}});
  CHECK(outcomes(body, std::nullopt) == outcomes(body, 1000, Mode::plain));
  CHECK(outcomes(body, std::nullopt, Mode::reduced, {.racing_fiber_only = true}).size() <
        outcomes(body, 1000, Mode::plain).size());
}

TEST_CASE("rff: the same seed range gives the same runs; a failure replays from its choices; stop_after stops") {
  const auto lost = lost_update_of_three;
  sim::RffOptions o;
  o.first_seed = 0;
  o.last_seed = 99;
  const sim::RffReport one = sim::explore_rff(o, lost), two = sim::explore_rff(o, lost);
  CHECK(one.runs == 100);
  CHECK(one.pairs > 0);
  CHECK(one.corpus > 4);  // past the warm-up (rff.cpp's kWarmCorpus): planned runs are covered too
  REQUIRE(one.failures > 0);
  REQUIRE(one.signatures.size() == two.signatures.size());
  CHECK(one.failures == two.failures);
  CHECK(one.signatures[0].choices == two.signatures[0].choices);
  CHECK(one.signatures[0].first.ledger.bytes() == two.signatures[0].first.ledger.bytes());
  sim::RunOptions again;
  again.policy = sim::vector_of(one.signatures[0].choices);
  CHECK(sim::run(again, lost).ledger.bytes() == one.signatures[0].first.ledger.bytes());
  o.stop_after = 1;
  const sim::RffReport first = sim::explore_rff(o, lost);
  CHECK(first.stopped_early);
  CHECK(first.failures == 1);
  CHECK(first.runs == one.signatures[0].first_seed + 1);
}

TEST_CASE("property: BPOR reaches every outcome plain search reaches within the same preemption bound") {
  rc_check("BPOR outcomes == plain bounded outcomes", [] {
    const auto body = program(random_fibers(3, 6));  // bounded plain search finishes on larger ones
    const auto bound = static_cast<std::uint32_t>(*rc::gen::inRange(0, 3));
    RC_ASSERT(outcomes(body, bound) == outcomes(body, bound, Mode::plain));
    RC_ASSERT(schedules(body, bound) <= schedules(body, bound, Mode::plain));
  });
  // The negative control (found by this property): a store and two loads of x, without a
  // preemption. The loads-first order is a race reversal the bound forbids where the race is (it
  // would preempt the storer); only the start of the storer's block can run the loader instead.
  const auto body = program({{2}, {0, 0}});
  CHECK(outcomes(body, 0) == outcomes(body, 0, Mode::plain));
  CHECK(outcomes(body, 0, Mode::reduced, {.no_conservative_points = true}).size() <
        outcomes(body, 0, Mode::plain).size());
}

TEST_CASE("dfs: a memo keeps its result in its flight's last step; DPOR and BPOR order that step against other gets") {
  // Three gets of one key: each a miss that runs the flight, a miss that shares it, or a hit,
  // depending on where the others' flights are. The hit needs a get after the step that keeps the
  // result, which is announced as the flight's ivar put, not as a memo operation.
  const auto body = program({{5}, {5}, {5}});
  const std::set<std::string> all = outcomes(body, 2, Mode::plain);
  for (std::uint32_t bound : {0u, 1u, 2u}) {
    CAPTURE(bound);
    CHECK(outcomes(body, bound) == outcomes(body, bound, Mode::plain));
  }
  CHECK(all.size() >= 3);
  const std::set<std::string> dpor = outcomes(body, std::nullopt);
  CHECK(std::includes(dpor.begin(), dpor.end(), all.begin(), all.end()));
  // The negative control: without the compound's object on its steps, DPOR runs fewer outcomes.
  CHECK(outcomes(body, std::nullopt, Mode::reduced, {.ignore_compounds = true}).size() < dpor.size());
}
