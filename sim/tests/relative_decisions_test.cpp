// The kernel writes each decision relative to the one before (Ledger::schedule_choose, code 25):
// its bytes are smaller, yet events(), canonical() and the digest are exactly those of the same
// events written in full. Programs cover every relative field: steps without a decision between
// two decisions, data choices, ready sets that change, blocked current fibers, and more than 64
// fibers (the ready set written as ids rather than a bit mask).

#include <omega/omega.hpp>

#include <omega/sim/hash.hpp>
#include <omega/sim/ledger_codec.hpp>
#include <omega/testing.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

using namespace omega;

namespace {

void locked_counter(int fibers) {
  Mutex m("m");
  int x = 0;
  std::vector<Fiber<void>> all;
  for (int f = 0; f < fibers; ++f)
    all.push_back(spawn([&] {
      for (int k = 0; k < 3; ++k) {
        std::lock_guard g(m);
        ++x;
        if (omega::random(2) == 1) yield();
      }
    }, "worker"));
  for (auto& f : all) join(f);
}

const std::vector<std::pair<const char*, std::function<void()>>>& programs() {
  static const std::vector<std::pair<const char*, std::function<void()>>> all = {
      {"ping-pong", [] {
         auto player = [] {
           for (int i = 0; i < 20; ++i) yield();
         };
         auto a = spawn(player, "ping");
         auto b = spawn(player, "pong");
         join(a);
         join(b);
       }},
      {"locked counter, 4 fibers", [] { locked_counter(4); }},
      {"locked counter, 70 fibers", [] { locked_counter(70); }},
      {"channel", [] {
         Channel<int> c(1, "c");
         auto producer = spawn([&] {
           for (int i = 0; i < 5; ++i) c.send(i);
         }, "producer");
         int sum = 0;
         for (int i = 0; i < 5; ++i) sum += c.recv().value_or(0);
         join(producer);
         check(sum == 10, "sum");
       }},
  };
  return all;
}

std::vector<sim::Event> without_sites(std::vector<sim::Event> events) {
  std::erase_if(events, [](const sim::Event& e) { return std::holds_alternative<sim::ev::Site>(e); });
  for (sim::Event& e : events) sim::set_event_site(e, 0);
  return events;
}

}  // namespace

TEST_CASE("relative decisions: the digest and the events are those of the full encoding") {
  for (const auto& [name, body] : programs()) {
    for (const sim::Policy& policy : {sim::random_policy(), sim::round_robin(), sim::pos_policy()}) {
      for (std::uint64_t seed = 0; seed < 5; ++seed) {
        CAPTURE(name);
        CAPTURE(sim::describe(policy));
        CAPTURE(seed);
        sim::RunOptions o = omega::testing::options(policy);
        o.seed = seed;
        const sim::RunResult r = sim::run(o, body);
        REQUIRE(r.decisions > 0);
        const std::vector<sim::Event> events = without_sites(r.ledger.events());
        const std::vector<std::uint8_t> full = sim::encode(events);
        CHECK(r.ledger.canonical() == full);
        CHECK(r.ledger.hash() == sim::fnv1a64(std::span<const std::uint8_t>(full)));
        CHECK(sim::decode(r.ledger.bytes()) == sim::decode(full));
        CHECK(r.ledger.bytes().size() < full.size());  // the relative form is in use
      }
    }
  }
}

TEST_CASE("relative decisions: a ledger mixing appended and kernel decisions decodes to both") {
  sim::Ledger mixed;
  const FiberId a{1}, b{2};
  const std::vector<FiberId> ready{a, b};
  mixed.append(sim::ev::ScheduleChoose{1, 0, b, 1, ready, a});
  // Relative to the appended one: its ready set has no key, so the set is written (as a mask).
  mixed.schedule_choose(2, 1, 1, ready, 0b110, true, b, a, true);
  mixed.schedule_choose(3, 2, 0, ready, 0b110, true, a, b, false);  // everything implied: 3 bytes
  const auto events = mixed.events();
  REQUIRE(events.size() == 3);
  CHECK(std::get<sim::ev::ScheduleChoose>(events[1]) == sim::ev::ScheduleChoose{2, 1, a, 1, ready, b});
  CHECK(std::get<sim::ev::ScheduleChoose>(events[2]) == sim::ev::ScheduleChoose{3, 2, b, 0, ready, a});
  CHECK(mixed.canonical() == sim::encode(events));
}

TEST_CASE("relative decisions: one with nothing to be relative to is rejected") {
  // code 25, flags "ready set as before", choice 0: there is no decision before it.
  const std::vector<std::uint8_t> orphan{25, 0x04 | 0x01 | 0x02, 5, 0};
  CHECK_THROWS_WITH_AS(sim::decode(orphan), doctest::Contains("relative decision with no decision before it"),
                       sim::LedgerFormatError);
  // Its choice must be one of the alternatives it names.
  const std::vector<std::uint8_t> out_of_range{25, 0x01 | 0x02 | 0x20, 0b110, 2, 7};
  CHECK_THROWS_WITH_AS(sim::decode(out_of_range), doctest::Contains("not one of its alternatives"),
                       sim::LedgerFormatError);
}
