#include <omega/omega.hpp>
#include <omega/sim/prng.hpp>

#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

using namespace omega;
using omega::testing::options;

namespace {

// Three fibers named A, B and C each run `body(letter, log)`; the log they wrote.
std::string three_fibers_log(const sim::RunOptions& o, void (*body)(char, std::string&, int), int n = 0) {
  std::string log;
  auto r = sim::run(o, [&] {
    std::vector<Fiber<void>> fs;
    for (char c : std::string("ABC")) fs.push_back(spawn([&log, c, body, n] { body(c, log, n); }, std::string(1, c)));
    for (auto& f : fs) join(f);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  return log;
}

// Three fibers each append their letter `yields` times with a yield after each append.
std::string letters_log(const sim::RunOptions& o, int yields) {
  return three_fibers_log(o, [](char c, std::string& log, int n) {
    for (int i = 0; i < n; ++i) {
      log += c;
      yield();
    }
  }, yields);
}

}  // namespace

TEST_CASE("FairRR{3}: three fibers yielding 9 times each run in stretches of exactly 3") {
  const std::string log = letters_log(options(sim::fair_rr(3)), 9);
  CHECK(log == "AAABBBCCCAAABBBCCCAAABBBCCC");
}

TEST_CASE("RoundRobin is FairRR{1}: stretches of 1") {
  // The root runs a stretch between spawns (invisible here), so A runs twice before C exists.
  CHECK(letters_log(options(sim::round_robin()), 3) == "AABABCBCC");
  CHECK(letters_log(options(sim::fair_rr(1)), 3) == letters_log(options(sim::round_robin()), 3));
}

TEST_CASE("the all-zero choice vector makes yield round robin") {
  CHECK(letters_log(options(sim::vector_of({})), 3) == "ABCABCABC");
}

TEST_CASE("a spin-wait on a flag terminates under the default schedule") {
  auto r = sim::run(options(sim::vector_of({})), [] {
    bool ready = false;
    auto waiter = spawn([&] {
      while (!ready) yield();
    }, "waiter");
    auto setter = spawn([&] { ready = true; }, "setter");
    join(waiter);
    join(setter);
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("alternatives: the default first, then the others in ascending id order") {
  const std::vector<FiberId> ready{FiberId{0}, FiberId{2}, FiberId{5}};
  sim::ScheduleQuery q;
  q.ready = ready;
  q.default_fiber = FiberId{2};
  CHECK(q.alternative(0) == FiberId{2});
  CHECK(q.alternative(1) == FiberId{0});
  CHECK(q.alternative(2) == FiberId{5});
  for (std::size_t i = 0; i < 3; ++i) CHECK(q.index_of(q.alternative(i)) == i);
  CHECK(q.index_of(FiberId{1}) == 3);
}

TEST_CASE("a preemption is counted when a runnable, non-yielding fiber is switched away") {
  auto body = [] {
    auto f = spawn([] {}, "child");  // the spawn is a decision: root (default) or child
    join(f);
  };
  CHECK(sim::run(options(sim::vector_of({0})), body).preemptions == 0);
  CHECK(sim::run(options(sim::vector_of({1})), body).preemptions == 1);
}

TEST_CASE("the PRNG is our own: fixed output for a fixed seed") {
  sim::Prng a(42), b(42), c(43);
  const std::uint64_t first = a.next();
  CHECK(first == b.next());
  CHECK(first != c.next());
  // splitmix64(0) first output, a published constant: guards against accidental edits.
  std::uint64_t s = 0;
  CHECK(sim::splitmix64(s) == 0xe220a8397b1dcdafull);
  for (int i = 0; i < 1000; ++i) CHECK(a.below(7) < 7);
}

namespace {

// The reorder shape: a checker must read between one setter's two writes.
void reorder_program() {
  Shared<int> a("a", 0), b("b", 0);
  std::vector<Fiber<void>> all;
  for (int i = 0; i < 2; ++i)
    all.push_back(spawn([&] {
      a.store(1);
      b.store(-1);
    }, "set"));
  all.push_back(spawn([&] {
    const int x = a.load(), y = b.load();
    check((x == 0 && y == 0) || (x == 1 && y == -1), "half set");
  }, "check"));
  for (auto& f : all) join(f);
}

}  // namespace

TEST_CASE("pos: parsed and named; the same seed gives the same ledger; it finds the reorder bug") {
  CHECK(sim::describe(sim::parse_policy("pos", 0)) == "pos");
  sim::RunOptions o = options(sim::pos_policy(), 7);
  const auto one = sim::run(o, reorder_program), two = sim::run(o, reorder_program);
  CHECK(one.ledger.bytes() == two.ledger.bytes());
  int found = 0;
  std::set<std::uint64_t> distinct;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const auto r = sim::run(options(sim::pos_policy(), seed), reorder_program);
    found += !r.passed();
    distinct.insert(r.ledger.hash());
  }
  CHECK(found > 0);
  CHECK(distinct.size() > 20);  // it samples, not one schedule
}

namespace {

// twostage: the reader must run between a stage's two locked phases.
void twostage_program() {
  Shared<int> data1("data1", 0), data2("data2", 0);
  Mutex lock1("lock1"), lock2("lock2");
  auto stage = spawn([&] {
    {
      std::lock_guard g(lock1);
      data1.store(1);
    }
    std::lock_guard g(lock2);
    data2.store(data1.load() + 1);
  }, "stage");
  auto reader = spawn([&] {
    int t1 = 0;
    {
      std::lock_guard g(lock1);
      if (data1.load() == 0) return;
      t1 = data1.load();
    }
    std::lock_guard g(lock2);
    check(data2.load() == t1 + 1, "second stage not done");
  }, "read");
  join(stage);
  join(reader);
}

// The lost update: both read, then both write.
void lost_update_program() {
  Shared<int> counter("counter", 0);
  auto a = spawn([&] { counter.store(counter.load() + 1); }, "inc");
  auto b = spawn([&] { counter.store(counter.load() + 1); }, "inc");
  join(a);
  join(b);
  check(counter.load() == 2, "lost update");
}

int pos_failures(void (*program)(), int seeds) {
  int found = 0;
  for (int seed = 0; seed < seeds; ++seed)
    found += !sim::run(options(sim::pos_policy(), static_cast<std::uint64_t>(seed)), program).passed();
  return found;
}

}  // namespace

TEST_CASE("pos: independent steps keep the fiber's priority; a read before a racing write does not") {
  // Locking a lock nobody else waits for races with nothing: the fiber keeps its priority, so the
  // reader's way between the stage's phases is not a chain of fresh draws it must win each time
  // (drawing afresh after every step found this in about 1 run of 11; now about 1 of 3).
  const int twostage = pos_failures(twostage_program, 300);
  MESSAGE("twostage: " << twostage << " of 300");
  CHECK(twostage > 60);
  // A read is not independent of another fiber's pending read of the same cell: its fiber's next
  // operation (the write) draws afresh, so the other read can come between (keeping the priority
  // there would make the increments atomic and the lost update unreachable).
  const int lost = pos_failures(lost_update_program, 300);
  MESSAGE("lost update: " << lost << " of 300");
  CHECK(lost > 30);
}

namespace {

// Three fibers take one lock; the order they took it in.
std::string lock_order(std::uint64_t seed) {
  return three_fibers_log(options(sim::pos_policy(), seed), [](char c, std::string& log, int) {
    static Mutex m("m");  // a static primitive starts fresh in every run
    std::lock_guard g(m);
    log += c;
  });
}

}  // namespace

TEST_CASE("pos: an odd seed runs the mirror of the even seed before it") {
  for (std::uint64_t seed : {0ull, 1ull, 42ull}) {
    sim::Prng plain(seed), mirrored = sim::Prng::mirror_of(seed);
    for (int i = 0; i < 4; ++i) CHECK(mirrored.next() == ~plain.next());
  }
  // The first racing decision is the highest of three fresh priorities; its mirror takes the lowest,
  // so a pair never starts with the same fiber. Control: neighbours that are not a pair (2k+1, 2k+2)
  // start alike about 1 time in 3.
  int pair_same = 0, neighbour_same = 0;
  for (std::uint64_t k = 0; k < 60; ++k) {
    pair_same += lock_order(2 * k)[0] == lock_order(2 * k + 1)[0];
    neighbour_same += lock_order(2 * k + 1)[0] == lock_order(2 * k + 2)[0];
  }
  CHECK(pair_same == 0);
  CHECK(neighbour_same > 8);
}
