// Atomic<T> shaped like std::atomic<T>: every operation one scheduling point and one Op event.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace omega;
using omega::testing::events_of;
using omega::testing::options;

namespace {

// Runs the same sequence of operations on a std::atomic<T> and an omega::Atomic<T> and returns
// what each step returned, for comparison.
template <class A, class T>
std::vector<std::int64_t> exercise(A& a, T big) {
  std::vector<std::int64_t> out;
  auto put = [&](auto v) { out.push_back(static_cast<std::int64_t>(v)); };
  put(a.load());
  a.store(T{5});
  put(a.load(std::memory_order_acquire));
  put(a.exchange(T{9}));
  T expected = T{4};
  put(a.compare_exchange_strong(expected, T{1}));
  put(expected);
  put(a.compare_exchange_strong(expected, T{1}, std::memory_order_acq_rel, std::memory_order_relaxed));
  expected = T{1};
  put(a.compare_exchange_weak(expected, T{12}));
  put(a.fetch_add(T{3}));
  put(a.fetch_sub(T{2}, std::memory_order_relaxed));
  put(a.fetch_and(T{6}));
  put(a.fetch_or(T{9}));
  put(a.fetch_xor(T{5}));
  put(++a);
  put(a++);
  put(--a);
  put(a--);
  put(a += T{7});
  put(a -= T{2});
  put(a &= T{14});
  put(a |= T{3});
  put(a ^= T{10});
  put(a = T{20});
  put(static_cast<T>(a));
  // Wrap-around at the type's ends, as std::atomic defines it.
  a.store(big);
  put(a.fetch_add(T{1}));
  put(a.load());
  put(a.fetch_sub(T{1}));
  put(a.load());
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("atomic: every operation returns what std::atomic's does", T, int, unsigned,
                   std::int8_t, std::uint16_t, long long) {
  std::atomic<T> reference(T{0});
  const std::vector<std::int64_t> expected = exercise(reference, std::numeric_limits<T>::max());
  std::vector<std::int64_t> got;
  auto r = sim::run(options(), [&] {
    Atomic<T> a("a", T{0});
    got = exercise(a, std::numeric_limits<T>::max());
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(got == expected);
}

TEST_CASE("atomic: floating point has fetch_add / fetch_sub and += / -=, like std::atomic<double>") {
  double before_add = 0, before_sub = 0, after = 0;
  auto r = sim::run(options(), [&] {
    Atomic<double> d("d", 1.5);
    before_add = d.fetch_add(2.0);
    before_sub = d.fetch_sub(0.5);
    d += 1.0;
    after = (d -= 0.25);
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(before_add == 1.5);
  CHECK(before_sub == 3.5);
  CHECK(after == 3.75);
}

TEST_CASE("atomic: each operation, operators included, is one scheduling point and one Op event") {
  auto body = [](int which) {
    return [which] {
      Atomic<int> a("a", 0);
      a.store(1);  // attaches; common to every variant
      switch (which) {
        case 0: break;
        case 1: (void)a.load(); break;
        case 2: (void)static_cast<int>(a); break;
        case 3: a = 3; break;
        case 4: (void)a.exchange(2); break;
        case 5: { int e = 1; (void)a.compare_exchange_strong(e, 2); } break;
        case 6: { int e = 7; (void)a.compare_exchange_weak(e, 2); } break;  // fails: still one op
        case 7: (void)a.fetch_add(1); break;
        case 8: (void)a.fetch_xor(1); break;
        case 9: ++a; break;
        case 10: a--; break;
        case 11: a += 4; break;
        case 12: a |= 4; break;
      }
    };
  };
  const sim::RunResult base = sim::run(options(), body(0));
  REQUIRE(base.passed());
  for (int which = 1; which <= 12; ++which) {
    const sim::RunResult r = sim::run(options(), body(which));
    REQUIRE_MESSAGE(r.passed(), r.message);
    CHECK_MESSAGE(r.steps == base.steps + 1, "variant ", which);
    CHECK_MESSAGE(events_of<sim::ev::Op>(r).size() == events_of<sim::ev::Op>(base).size() + 1,
                  "variant ", which);
  }
}

TEST_CASE("atomic: read-modify-writes record their new value; a failed CAS records a read") {
  auto r = sim::run(options(), [] {
    Atomic<int> a("a", 10);
    ++a;
    int e = 0;
    (void)a.compare_exchange_weak(e, 1);
    a ^= 3;
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  std::vector<std::pair<sim::OpCode, std::uint64_t>> ops;
  for (const auto& op : events_of<sim::ev::Op>(r)) ops.emplace_back(op.op, op.arg);
  CHECK(ops == std::vector<std::pair<sim::OpCode, std::uint64_t>>{
                   {sim::OpCode::read_modify_write, 11}, {sim::OpCode::read, 11},
                   {sim::OpCode::read_modify_write, 8}});
}

TEST_CASE("atomic: memory orders are accepted and treated as seq_cst (the same ledger)") {
  auto program = [](bool relaxed) {
    return [relaxed] {
      Atomic<int> a("a", 0);
      std::vector<Fiber<void>> fs;
      for (int i = 0; i < 3; ++i)
        fs.push_back(spawn([&, relaxed] {
          const auto order = relaxed ? std::memory_order_relaxed : std::memory_order_seq_cst;
          a.fetch_add(1, order);
          int e = a.load(relaxed ? std::memory_order_acquire : std::memory_order_seq_cst);
          while (!a.compare_exchange_weak(e, e + 10, relaxed ? std::memory_order_release : order,
                                          std::memory_order_relaxed)) {
          }
          a.store(a.load(order), relaxed ? std::memory_order_release : order);
        }, "worker"));
      for (auto& f : fs) join(f);
    };
  };
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const sim::RunResult strict = sim::run(options(sim::random_policy(), seed), program(false));
    const sim::RunResult relaxed = sim::run(options(sim::random_policy(), seed), program(true));
    REQUIRE_MESSAGE(strict.passed(), strict.message);
    CHECK_MESSAGE(relaxed.ledger.bytes() == strict.ledger.bytes(), "seed ", seed);
  }
}

TEST_CASE("atomic: compare_exchange_weak never fails spuriously") {
  int failures = -1;
  auto r = sim::run(options(sim::random_policy(), 7), [&] {
    Atomic<int> a("a", 0);
    failures = 0;
    for (int i = 0; i < 500; ++i) {
      int expected = i;
      if (!a.compare_exchange_weak(expected, i + 1)) ++failures;
    }
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(failures == 0);
}

namespace {

constexpr int kFibers = 3, kIncrements = 3;

// The property's scenario: kFibers fibers each add 1 kIncrements times using `increment`; the
// total must come out exact.
template <class Increment>
auto counting(Increment increment) {
  return [increment] {
    Atomic<int> counter("counter", 0);
    std::vector<Fiber<void>> fs;
    for (int i = 0; i < kFibers; ++i)
      fs.push_back(spawn([&] {
        for (int k = 0; k < kIncrements; ++k) increment(counter);
      }, "incrementer"));
    for (auto& f : fs) join(f);
    const int total = counter.load();
    check(total == kFibers * kIncrements, "lost update: counter " + std::to_string(total));
  };
}

std::int64_t first_failure(const std::function<void()>& body, sim::Policy policy, std::uint64_t seeds) {
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    const sim::RunResult r = sim::run(options(policy, seed), body);
    if (!r.passed()) return static_cast<std::int64_t>(seed);
  }
  return -1;
}

}  // namespace

TEST_CASE("atomic property: concurrent read-modify-writes never lose an update, over many seeds") {
  const std::vector<std::pair<const char*, std::function<void()>>> forms = {
      {"fetch_add", counting([](Atomic<int>& c) { c.fetch_add(1); })},
      {"++", counting([](Atomic<int>& c) { ++c; })},
      {"post ++", counting([](Atomic<int>& c) { c++; })},
      {"+=", counting([](Atomic<int>& c) { c += 1; })},
      {"fetch_sub(-1)", counting([](Atomic<int>& c) { c.fetch_sub(-1); })},
      {"CAS loop", counting([](Atomic<int>& c) {
         int seen = c.load();
         while (!c.compare_exchange_weak(seen, seen + 1)) {
         }
       })},
  };
  for (const auto& [name, body] : forms) {
    CHECK_MESSAGE(first_failure(body, sim::random_policy(), 400) == -1, name, " under random");
    CHECK_MESSAGE(first_failure(body, sim::pct(2, 60), 200) == -1, name, " under pct:2");
  }
}

TEST_CASE("atomic property, negative control: a load + store twin does lose an update") {
  // The same scenario with the increment split into two operations: the property above would
  // catch an Atomic whose read-modify-write could be split this way.
  auto twin = counting([](Atomic<int>& c) { c.store(c.load() + 1); });
  CHECK(first_failure(twin, sim::random_policy(), 400) >= 0);
  CHECK(first_failure(twin, sim::pct(2, 60), 200) >= 0);
}

TEST_CASE("atomic: outside a run, operations and operators are usage errors") {
  Atomic<int> a("a", 0);
  CHECK_THROWS_WITH_AS((void)a.load(), doctest::Contains("omega::Atomic::load called outside"), UsageError);
  CHECK_THROWS_WITH_AS(++a, doctest::Contains("omega::Atomic::fetch_add called outside"), UsageError);
  int e = 0;
  CHECK_THROWS_WITH_AS((void)a.compare_exchange_weak(e, 1),
                       doctest::Contains("omega::Atomic::compare_exchange_weak called outside"), UsageError);
}
