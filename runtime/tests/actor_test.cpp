#include <omega/omega.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace omega;
using namespace std::chrono_literals;
using omega::testing::options;

namespace {

// Counts messages; throws on message 3. Replies with the count so far.
auto counter_throwing_at(int bad) {
  return [count = 0, bad](const int& m) mutable {
    if (m == bad) throw std::runtime_error("bad message " + std::to_string(m));
    return ++count;
  };
}

// Asks messages 1..5 in order; a failed message's reply stays empty (-1 here).
std::vector<int> ask_five(const actor::Ref<int, int>& a) {
  std::vector<int> replies;
  for (int m = 1; m <= 5; ++m) {
    auto reply = actor::ask(a, m);
    replies.push_back(reply->get_for(1s).value_or(-1));
  }
  return replies;
}

}  // namespace

TEST_CASE("actor: replies in order; an actor is a daemon and does not keep the run alive") {
  auto r = sim::run(options(), [] {
    auto a = actor::spawn<int>([sum = 0](const int& m) mutable { return sum += m; }, "adder");
    check(actor::ask(a, 2)->get() == 2 && actor::ask(a, 3)->get() == 5, "replies");
    actor::send(a, 10);
    check(actor::ask(a, 0)->get() == 15, "send then ask, FIFO from one sender");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("supervision: resume keeps the handler's state") {
  auto r = sim::run(options(), [] {
    auto a = actor::spawn<int>(counter_throwing_at(3), "resumer", {actor::Strategy::resume});
    check(ask_five(a) == std::vector<int>{1, 2, -1, 3, 4}, "state kept");
    check(a.stats().failures == 1 && !a.stats().stopped, "stats");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("supervision: restart re-creates the handler") {
  auto r = sim::run(options(), [] {
    auto a = actor::spawn<int>(counter_throwing_at(3), "restarter", {actor::Strategy::restart});
    check(ask_five(a) == std::vector<int>{1, 2, -1, 1, 2}, "state reset");
    check(a.stats().restarts == 1, "one restart");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("supervision: stop sends later messages to dead letters") {
  auto r = sim::run(options(), [] {
    auto a = actor::spawn<int>(counter_throwing_at(3), "stopper", {actor::Strategy::stop});
    check(ask_five(a) == std::vector<int>{1, 2, -1, -1, -1}, "stopped");
    check(a.stats().stopped && a.stats().dead_letters == 2, "two dead letters");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("supervision: escalate reaches the parent") {
  auto r = sim::run(options(), [] {
    auto a = actor::spawn<int>(counter_throwing_at(2), "escalator", {actor::Strategy::escalate});
    actor::send(a, 1);
    actor::send(a, 2);
    try {
      a.join();
      check(false, "join should rethrow the escalated failure");
    } catch (const std::runtime_error& e) {
      check(std::string(e.what()) == "bad message 2", e.what());
    }
  });
  CHECK_MESSAGE(r.passed(), r.message);
  auto unjoined = sim::run(options(), [] {
    auto a = actor::spawn<int>(counter_throwing_at(1), "escalator", {actor::Strategy::escalate});
    actor::send(a, 1);
    sleep_for(1ms);
  });
  CHECK(unjoined.outcome == sim::Outcome::exception);
  CHECK_MESSAGE(unjoined.message.find("fiber 1 (escalator) threw std::runtime_error: bad message 1") == 0,
                unjoined.message);
}

TEST_CASE("supervision: the 4th failure under restart (limit 3) stops the actor") {
  auto r = sim::run(options(), [] {
    auto a = actor::spawn<int>([](const int&) -> int { throw std::runtime_error("always"); }, "fragile");
    for (int m = 1; m <= 6; ++m) actor::send(a, m);
    sleep_for(1ms);
    check(a.stats().failures == 4 && a.stats().restarts == 3, "three restarts, then stop");
    check(a.stats().stopped && a.stats().dead_letters == 2, "messages 5 and 6 are dead letters");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("actor: FIFO per sender; which sender's head goes next is a recorded data choice") {
  auto scenario = [](std::vector<int>* seen) {
    return [seen] {
      auto a = actor::spawn<int>([seen](const int& m) { seen->push_back(m); }, "log");
      auto s1 = spawn([&] { for (int i = 0; i < 3; ++i) actor::send(a, 10 + i); }, "s1");
      auto s2 = spawn([&] { for (int i = 0; i < 3; ++i) actor::send(a, 20 + i); }, "s2");
      join(s1);
      join(s2);
      sleep_for(1ms);
    };
  };
  std::set<std::vector<int>> orders;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    std::vector<int> seen;
    const auto r = sim::run(options(sim::random_policy(), seed), scenario(&seen));
    REQUIRE_MESSAGE(r.passed(), r.message);
    REQUIRE(seen.size() == 6);
    std::vector<int> from1, from2;
    for (int m : seen) (m < 20 ? from1 : from2).push_back(m);
    CHECK(from1 == std::vector<int>{10, 11, 12});
    CHECK(from2 == std::vector<int>{20, 21, 22});
    orders.insert(seen);
  }
  CHECK(orders.size() > 5);
}

TEST_CASE("actor: with two senders' messages waiting, delivery is a data choice, 0 = lowest send number") {
  auto scenario = [](std::vector<int>* seen) {
    return [seen] {
      auto a = actor::spawn<int>([seen](const int& m) { seen->push_back(m); }, "log");
      auto s1 = spawn([&] { actor::send(a, 10); }, "s1");
      auto s2 = spawn([&] { actor::send(a, 20); }, "s2");
      join(s1);
      join(s2);
      sleep_for(1ms);
    };
  };
  std::vector<int> seen;
  auto r = sim::run(options(), scenario(&seen));
  REQUIRE_MESSAGE(r.passed(), r.message);
  CHECK(seen == std::vector<int>{10, 20});
  bool second_first = false;
  for (std::uint64_t seed = 0; seed < 200 && !second_first; ++seed) {
    seen.clear();
    r = sim::run(options(sim::random_policy(), seed), scenario(&seen));
    REQUIRE(r.passed());
    for (const auto& c : testing::events_of<sim::ev::Choice>(r))
      if (c.kind == sim::ChoiceKind::delivery && c.value == 1) second_first = seen.front() == 20;
  }
  CHECK(second_first);
}
