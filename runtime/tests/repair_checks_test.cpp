// The runs explore --critic makes to check a repair: lock-order enforcement, oracle calls
// deduplicated by key; and progress marks. Each with the run without the check as control.
#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <mutex>
#include <string>

using namespace omega;
using omega::testing::events_of;
using omega::testing::options;

namespace {

// `first` then `second`, nested, in one fiber.
void nested(const char* first, const char* second) {
  Mutex a("a"), b("b");
  Mutex& x = std::string(first) == "a" ? a : b;
  Mutex& y = std::string(second) == "a" ? a : b;
  auto f = spawn([&] {
    std::lock_guard gx(x);
    std::lock_guard gy(y);
  }, "taker");
  join(f);
}

sim::RunOptions with_order(std::vector<std::string> order) {
  sim::RunOptions o = options();
  o.checks.lock_order = std::move(order);
  return o;
}

}  // namespace

TEST_CASE("lock order enforced: taking a mutex while holding a later one fails the run at once") {
  const auto bad = sim::run(with_order({"a", "b"}), [] { nested("b", "a"); });
  CHECK(bad.outcome == sim::Outcome::assertion);
  CHECK(bad.message.find("lock order violated: fiber 1 (taker) takes mutex a while holding mutex b "
                         "(imposed order: a before b)") != std::string::npos);
  const auto good = sim::run(with_order({"a", "b"}), [] { nested("a", "b"); });
  CHECK_MESSAGE(good.passed(), good.message);
  // Control: without the check the same program passes.
  const auto unchecked = sim::run(options(), [] { nested("b", "a"); });
  CHECK_MESSAGE(unchecked.passed(), unchecked.message);
}

TEST_CASE("lock order enforced: mutexes outside the order, and released ones, do not count") {
  const auto r = sim::run(with_order({"a", "b"}), [] {
    Mutex a("a"), b("b"), other("other");
    auto f = spawn([&] {
      { std::lock_guard gb(b); }
      std::lock_guard ga(a);  // b was released first: no violation
      std::lock_guard go(other);
    }, "taker");
    join(f);
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("oracle calls deduplicated by key: overlapping and sequential duplicates execute once") {
  auto body = [](int* executions) {
    return [executions] {
      auto& model = oracle("model");
      auto call = [&] { return model.call(std::string("doc"), [&](const std::string& d) { ++*executions; return d + "!"; }); };
      auto a = spawn(call, "a");
      auto b = spawn(call, "b");  // overlaps a's call
      check(join(a) == "doc!" && join(b) == "doc!", "both see the answer");
      check(call() == "doc!", "a later call sees it too");
      (void)oracle("model").call(std::string("other"), [&](const std::string& d) { ++*executions; return d; });
    };
  };
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    int executions = 0;
    sim::RunOptions o = options(sim::random_policy(), seed);
    o.checks.dedupe_oracles = {"model"};
    const auto r = sim::run(o, body(&executions));
    REQUIRE_MESSAGE(r.passed(), r.message);
    CHECK(executions == 2);  // "doc" once, "other" once
    // Control: without the check every call executes.
    int plain = 0;
    const auto u = sim::run(options(sim::random_policy(), seed), body(&plain));
    REQUIRE_MESSAGE(u.passed(), u.message);
    CHECK(plain == 4);
  }
}

TEST_CASE("oracle dedupe: other oracles are untouched; a failed call lets the next caller call again") {
  int executions = 0;
  sim::RunOptions o = options();
  o.checks.dedupe_oracles = {"model"};
  const auto r = sim::run(o, [&] {
    auto& other = oracle("other");
    for (int i = 0; i < 2; ++i) (void)other.call(std::string("k"), [&](const std::string& d) { ++executions; return d; });
    auto& model = oracle("model");
    try {
      (void)model.call(std::string("k"), [&](const std::string&) -> std::string { ++executions; throw std::runtime_error("down"); });
    } catch (const std::runtime_error&) {
    }
    check(model.call(std::string("k"), [&](const std::string& d) { ++executions; return d; }) == "k", "answered");
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(executions == 4);
}

TEST_CASE("progress marks: a put on a progress object, no scheduling point; outside a run, an error") {
  const auto r = sim::run(options(), [] {
    progress("retries");
    progress("retries");
    progress();
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  const auto objects = events_of<sim::ev::Object>(r);
  REQUIRE(objects.size() == 2);
  CHECK(objects[0].kind == "progress");
  CHECK(objects[0].name == "retries");
  CHECK(objects[1].name == "progress");
  const auto ops = events_of<sim::ev::Op>(r);
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].op == sim::OpCode::put);
  CHECK(ops[1].arg == 2);  // the mark's count in this run
  CHECK(r.steps == 0);
  CHECK_THROWS_AS(progress("outside"), UsageError);
}
