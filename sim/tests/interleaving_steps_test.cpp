// The kernel's step counter as the ledger keeps it: each event's step is the step_ the kernel was
// at when it recorded the event, so the interleaving's rows carry the numbers messages give.

#include <omega/omega.hpp>
#include <omega/sim/interleaving.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <regex>
#include <string>

using namespace omega;
using omega::testing::options;

namespace {

// The step of the row whose text starts with `prefix`, or -1.
long long row_step(const sim::RunResult& r, const std::string& prefix) {
  const auto events = r.ledger.events();
  for (const auto& row : sim::interleaving_rows(events, r.ledger.event_steps(events)))
    if (row.text.starts_with(prefix)) return static_cast<long long>(row.step);
  return -1;
}

long long message_step(const std::string& message) {
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(message, m, std::regex("at step ([0-9]+)")), message);
  return std::stoll(m[1]);
}

}  // namespace

TEST_CASE("event steps: one per event, non-decreasing, each decision at its recorded step") {
  const auto r = sim::run(options(sim::random_policy(), 3), [] {
    Shared<int> x("x", 0);
    auto a = spawn([&] { x.store(x.load() + 1); }, "a");
    auto b = spawn([&] { x.store(x.load() + 1); }, "b");
    join(a);
    join(b);
  });
  const auto events = r.ledger.events();
  const auto steps = r.ledger.event_steps(events);
  REQUIRE(steps.size() == events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i > 0) CHECK(steps[i] >= steps[i - 1]);
    if (const auto* c = std::get_if<sim::ev::ScheduleChoose>(&events[i])) CHECK(steps[i] == c->step);
    // A site is numbered as the operation it introduces.
    if (std::holds_alternative<sim::ev::Site>(events[i])) CHECK(steps[i] == steps[i + 1]);
  }
  CHECK(steps.front() == 0);         // the root's spawn, before any scheduling point
  CHECK(steps.back() == r.steps);    // the root's end, after the last one
}

TEST_CASE("a failed check's row carries the step its message names") {
  sim::RunResult r;
  REQUIRE(omega::testing::first_failing_seed([] {
    Shared<int> x("x", 0);
    auto a = spawn([&] { x.store(x.load() + 1); }, "a");
    auto b = spawn([&] { x.store(x.load() + 1); }, "b");
    join(a);
    join(b);
    check(x.load() == 2, "lost update");
  }, 0, 200, &r) >= 0);
  CHECK(row_step(r, "!! check failed") == message_step(r.message));
  CHECK(row_step(r, "!! check failed") == static_cast<long long>(r.steps));
}

TEST_CASE("a deadlock's row carries the step its message names") {
  sim::RunResult r;
  REQUIRE(omega::testing::first_failing_seed([] {
    Mutex m1("m1"), m2("m2");
    auto x = spawn([&] { std::scoped_lock a(m1); std::scoped_lock b(m2); }, "x");
    auto y = spawn([&] { std::scoped_lock b(m2); std::scoped_lock a(m1); }, "y");
    join(x);
    join(y);
  }, 0, 500, &r) >= 0);
  REQUIRE(r.outcome == sim::Outcome::deadlock);
  CHECK(row_step(r, "!! deadlock") == message_step(r.message));
}

TEST_CASE("an exception's row carries the step its message names; a time jump its own step") {
  const auto r = sim::run(options(), [] {
    auto worker = spawn([] {
      sleep_for(std::chrono::milliseconds(1));  // a time jump: no fiber can run meanwhile
      throw std::runtime_error("disk full");
    }, "worker");
    join(worker);
  });
  REQUIRE(r.outcome == sim::Outcome::exception);
  CHECK(row_step(r, "threw std::runtime_error: disk full") == message_step(r.message));
  const long long jump = row_step(r, "-- time 1 ms --");
  CHECK(jump > row_step(r, "waits on sleep"));  // the jump is the scheduling point after the sleep
  CHECK(jump <= row_step(r, "threw"));
}

TEST_CASE("the table prints each row's step in its first column") {
  sim::RunResult r;
  REQUIRE(omega::testing::first_failing_seed([] {
    Shared<int> x("x", 0);
    auto a = spawn([&] { x.store(x.load() + 1); }, "a");
    auto b = spawn([&] { x.store(x.load() + 1); }, "b");
    join(a);
    join(b);
    check(x.load() == 2, "lost update");
  }, 0, 200, &r) >= 0);
  const std::string table = sim::interleaving_table(r.ledger);
  CHECK_MESSAGE(table.starts_with("step | 0 root"), table);
  const std::regex failing_row("\n *([0-9]+) \\| !! check failed");
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(table, m, failing_row), table);
  CHECK(std::stoll(m[1]) == message_step(r.message));
}
