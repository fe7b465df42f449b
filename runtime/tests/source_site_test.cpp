// Source sites: each operation's Op event names where the user called it; reports say file:line.

#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <vector>

using namespace omega;
using omega::testing::options;

namespace {

std::vector<sim::ev::Site> sites_of(const sim::RunResult& r) {
  std::vector<sim::ev::Site> out;
  for (const sim::Event& e : r.ledger.events())
    if (const auto* s = std::get_if<sim::ev::Site>(&e)) out.push_back(*s);
  return out;
}

std::string site_text(const sim::RunResult& r, std::uint32_t site) {
  for (const auto& s : sites_of(r))
    if (s.site == site) return s.file + ":" + std::to_string(s.line);
  return "";
}

}  // namespace

TEST_CASE("sites: an operation's Op event names the line it was called from; a guard's does not") {
  int lock_line = 0, store_line = 0;
  const auto r = sim::run(options(), [&] {
    Mutex m("m");
    Shared<int> x("x");
    lock_line = __LINE__ + 1;
    m.lock();
    store_line = __LINE__ + 1;
    x.store(1);
    m.unlock();
    std::lock_guard<Mutex> g(m);  // the call is in <mutex>: no site rather than a misleading one
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  std::vector<std::string> ops;
  for (const sim::Event& e : r.ledger.events())
    if (const auto* o = std::get_if<sim::ev::Op>(&e))
      ops.push_back(std::string(sim::to_string(o->op)) + "@" + site_text(r, o->site));
  const std::string here = "tests/source_site_test.cpp:";
  CHECK(ops == std::vector<std::string>{"lock@" + here + std::to_string(lock_line),
                                        "write@" + here + std::to_string(store_line),
                                        "unlock@" + here + std::to_string(lock_line + 3), "lock@", "unlock@"});
  CHECK(sites_of(r).size() == 3);  // one Site per distinct call site, ids from 1 in first-use order
  CHECK(sites_of(r).front().site == 1);
}

TEST_CASE("sites: a deadlock message says where each fiber waits; the ledger's digest ignores lines") {
  int a_line = 0, b_line = 0;
  auto scenario = [&] {
    Mutex a("A"), b("B");
    auto ab = spawn([&] {
      a.lock();
      a_line = __LINE__ + 1;
      b.lock();
      b.unlock();
      a.unlock();
    }, "ab");
    auto ba = spawn([&] {
      b.lock();
      b_line = __LINE__ + 1;
      a.lock();
      a.unlock();
      b.unlock();
    }, "ba");
    join(ab);
    join(ba);
  };
  sim::RunResult failure;
  const auto seed = testing::first_failing_seed(scenario, 0, 1000, &failure);
  REQUIRE(seed >= 0);
  REQUIRE(failure.outcome == sim::Outcome::deadlock);
  const std::string here = "tests/source_site_test.cpp:";
  CHECK_MESSAGE(failure.message.find("fiber 1 (ab) waits on mutex B (held by fiber 2 (ba)) at " + here +
                                     std::to_string(a_line)) != std::string::npos, failure.message);
  CHECK_MESSAGE(failure.message.find("fiber 2 (ba) waits on mutex A (held by fiber 1 (ab)) at " + here +
                                     std::to_string(b_line)) != std::string::npos, failure.message);
  // The Deadlock event carries no location: the digest must not move with the code's lines.
  for (const sim::Event& e : failure.ledger.events())
    if (const auto* d = std::get_if<sim::ev::Deadlock>(&e)) CHECK(d->waits.find(here) == std::string::npos);

  // The same program written on other lines: other sites, the same digest.
  auto moved = [&] {
    Mutex a("A"), b("B");
    auto ab = spawn([&] { a.lock(); b.lock(); b.unlock(); a.unlock(); }, "ab");
    auto ba = spawn([&] { b.lock(); a.lock(); a.unlock(); b.unlock(); }, "ba");
    join(ab);
    join(ba);
  };
  const sim::RunResult again = sim::run(options(sim::random_policy(), static_cast<std::uint64_t>(seed)), moved);
  REQUIRE(again.outcome == sim::Outcome::deadlock);
  CHECK(again.ledger.hash() == failure.ledger.hash());
  CHECK(sites_of(again) != sites_of(failure));
}

TEST_CASE("sites: the fiber verbs (spawn, yield, join, sleep, an oracle call) say where they were called") {
  int spawn_line = 0, yield_line = 0, sleep_line = 0, call_line = 0, join_line = 0;
  const auto r = sim::run(options(), [&] {
    spawn_line = __LINE__ + 1;
    auto child = spawn([&] {
      yield_line = __LINE__ + 1;
      yield();
      sleep_line = __LINE__ + 1;
      sleep_for(std::chrono::milliseconds(1));
      call_line = __LINE__ + 1;
      return oracle("model").call(std::string("q"), [](const std::string& s) { return s + "!"; });
    }, "child");
    join_line = __LINE__ + 1;
    CHECK(join(child) == "q!");
  });
  REQUIRE_MESSAGE(r.passed(), r.message);
  std::vector<std::string> verbs;
  for (const sim::Event& e : r.ledger.events()) {
    const std::string at = site_text(r, sim::event_site(e));
    if (std::holds_alternative<sim::ev::Spawn>(e) && !at.empty()) verbs.push_back("spawn@" + at);
    if (std::holds_alternative<sim::ev::Yield>(e)) verbs.push_back("yield@" + at);
    if (const auto* b = std::get_if<sim::ev::Block>(&e)) verbs.push_back(std::string(sim::to_string(b->reason)) + "@" + at);
    if (std::holds_alternative<sim::ev::OracleCall>(e)) verbs.push_back("oracle@" + at);
    if (std::holds_alternative<sim::ev::Join>(e)) verbs.push_back("join@" + at);
  }
  const std::string here = "tests/source_site_test.cpp:";
  const auto at = [&](int line) { return here + std::to_string(line); };
  // The root's join comes first: the child runs after the root blocks.
  CHECK(verbs == std::vector<std::string>{"spawn@" + at(spawn_line), "join@" + at(join_line),
                                          "join@" + at(join_line), "yield@" + at(yield_line),
                                          "sleep@" + at(sleep_line), "sleep@" + at(call_line),
                                          "oracle@" + at(call_line)});
}
