// Shared/Atomic cells and virtual time.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::events_of;
using omega::testing::options;

TEST_CASE("cells: Shared load/store and Atomic operations, each recorded as an access") {
  auto r = sim::run(options(), [] {
    Shared<int> s("s", 5);
    check(s.load() == 5, "initial");
    s.store(6);
    check(s.load() == 6, "stored");
    Atomic<int> a("a", 10);
    check(a.fetch_add(5) == 10 && a.load() == 15, "fetch_add");
    check(a.fetch_sub(1) == 15 && a.load() == 14, "fetch_sub");
    check(a.exchange(3) == 14 && a.load() == 3, "exchange");
    int expected = 4;
    check(!a.compare_exchange(expected, 9) && expected == 3, "failed CAS loads");
    check(a.compare_exchange(expected, 9) && a.load() == 9, "CAS");
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  const auto objects = events_of<sim::ev::Object>(r);
  REQUIRE(objects.size() == 2);
  CHECK(objects[0].kind == "shared");
  CHECK(objects[0].name == "s");
  std::vector<sim::OpCode> shared_ops;
  for (const auto& op : events_of<sim::ev::Op>(r))
    if (op.object == objects[0].object) shared_ops.push_back(op.op);
  CHECK(shared_ops == std::vector<sim::OpCode>{sim::OpCode::read, sim::OpCode::write, sim::OpCode::read});
}

TEST_CASE("cells: the scheduling point comes before the access takes effect") {
  // Preempt at the store's point: the other fiber must still see the old value.
  auto body = [] {
    Shared<int> s("s", 0);
    auto writer = spawn([&] { s.store(1); }, "writer");
    auto reader = spawn([&] { return s.load(); }, "reader");
    join(writer);
    check(join(reader) == 0, "the reader ran before the store took effect");
  };
  // Decisions: spawn writer (keep root), spawn reader (keep root), root joins -> writer runs,
  // writer's store point: choose the reader (choice 1), reader's load point: keep (0).
  sim::RunResult r = sim::run(options(sim::vector_of({0, 0, 0, 1})), body);
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("cells: a cell that outlives a run starts each run from its initial value") {
  Shared<int> counter("counter", 100);
  for (int run = 0; run < 3; ++run) {
    auto r = sim::run(options(), [&] {
      check(counter.load() == 100, "fresh");
      counter.store(counter.load() + 1);
    });
    CHECK_MESSAGE(r.passed(), r.message);
  }
}

TEST_CASE("time: sleep advances virtual time; ties wake in fiber-id order; TimeAdvance is recorded") {
  auto r = sim::run(options(), [] {
    check(now() == 0ns, "starts at zero");
    std::vector<Fiber<void>> sleepers;
    for (int i = 0; i < 3; ++i) sleepers.push_back(spawn([] { sleep_for(2s); }, "sleeper"));
    sleep_for(1s);
    check(now() == 1s, "one second");
    for (auto& s : sleepers) join(s);
    check(now() == 2s, "two seconds");
    sleep_for(0s);
    check(now() == 2s, "a zero sleep does not move time");
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  const auto advances = events_of<sim::ev::TimeAdvance>(r);
  REQUIRE(advances.size() == 2);
  CHECK(advances[0].now_ns == 1'000'000'000);
  CHECK(advances[1].now_ns == 2'000'000'000);
  std::vector<std::uint32_t> woken_at_two;
  bool after = false;
  for (const auto& e : r.ledger.events()) {
    if (const auto* t = std::get_if<sim::ev::TimeAdvance>(&e)) after = t->now_ns == 2'000'000'000;
    if (const auto* w = std::get_if<sim::ev::Wake>(&e); w && after && !w->by.valid())
      woken_at_two.push_back(w->fiber.value);
  }
  CHECK(woken_at_two == std::vector<std::uint32_t>{1, 2, 3});
}

TEST_CASE("time: virtual time has a budget") {
  sim::RunOptions o = options();
  o.budgets.time_max_ns = 60'000'000'000;  // one minute
  auto r = sim::run(o, [] { sleep_for(std::chrono::hours(2)); });
  CHECK(r.outcome == sim::Outcome::budget);
  CHECK_MESSAGE(r.message.find("virtual time would pass 60000ms (OMEGA_MAX_TIME_MS)") != std::string::npos,
                r.message);
}

TEST_CASE("time: a fiber waiting with a timeout is not a deadlock") {
  auto r = sim::run(options(), [] {
    Mutex m("m");
    m.lock();
    auto f = spawn([&] { return m.try_lock_for(1s); }, "waiter");
    check(!join(f), "timed out rather than deadlocked");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}
