// Nothing a run sets up survives into a later run: the oracle registry is per run, a primitive that
// outlives runs (a static) starts fresh in every run whichever thread runs it, and queries on it
// answer as for a fresh object until it is used.

#include <omega/omega.hpp>

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <variant>

using namespace omega;
using namespace std::chrono_literals;

namespace {

sim::RunOptions random_seed(std::uint64_t seed) {
  sim::RunOptions o;
  o.policy = sim::random_policy();
  o.seed = seed;
  return o;
}

// Runs `fn` on a new thread and waits for it (a thread's first run, whatever ran before).
template <class Fn>
void on_new_thread(Fn fn) {
  std::thread t(fn);
  t.join();
}

}  // namespace

TEST_CASE("oracle options set by one run do not leak into a later run") {
  const auto always_fails = sim::run(random_seed(0), [] {
    auto& model = oracle("leak-model", OracleOptions{1ms, 1ms, 1.0, 0.0});
    bool failed = false;
    try {
      (void)model.call(std::string("q"), [](const std::string& s) { return s; });
    } catch (const OracleError&) {
      failed = true;
    }
    check(failed, "error_probability = 1.0 fails the call");
  });
  REQUIRE_MESSAGE(always_fails.passed(), always_fails.message);

  auto defaults = [] {
    auto& model = oracle("leak-model");
    check(model.options().error_probability == 0.0, "default options in a new run");
    check(model.call(std::string("q"), [](const std::string& s) { return s + "!"; }) == "q!", "the call succeeds");
  };
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const auto r = sim::run(random_seed(seed), defaults);
    CHECK_MESSAGE(r.passed(), r.message);
  }
}

TEST_CASE("an Oracle& kept from an earlier run stays valid and is fresh once looked up again") {
  Oracle* kept = nullptr;
  (void)sim::run(sim::RunOptions{}, [&] { kept = &oracle("kept", OracleOptions{1ms, 1ms, 1.0, 0.0}); });
  const auto r = sim::run(sim::RunOptions{}, [&] {
    Oracle& again = oracle("kept");
    check(&again == kept, "the same object");
    check(kept->options().error_probability == 0.0, "with default options");
  });
  CHECK_MESSAGE(r.passed(), r.message);
}

TEST_CASE("omega::oracle outside a run throws UsageError naming the call") {
  CHECK_THROWS_WITH_AS(
      oracle("model"),
      "omega::oracle(\"model\") called outside a simulation: run it inside omega::sim::run(options, body)",
      UsageError);
  CHECK_THROWS_WITH_AS(oracle("model", OracleOptions{}), doctest::Contains("omega::oracle(\"model\") called outside"),
                       UsageError);
}

TEST_CASE("a static primitive starts fresh in a run on another thread") {
  // Run serials are unique per process: a thread's first run must not look like the run that
  // last used the object on another thread (which would skip its reset and its Object event).
  static Shared<int> cell("cell", 0);
  on_new_thread([] {
    const auto r = sim::run(sim::RunOptions{}, [] { cell.store(7); });
    REQUIRE(r.passed());
  });
  on_new_thread([] {
    const auto r = sim::run(sim::RunOptions{}, [] { check(cell.load() == 0, "the initial value"); });
    CHECK_MESSAGE(r.passed(), r.message);
    bool named = false;
    for (const auto& e : r.ledger.events())
      if (const auto* o = std::get_if<sim::ev::Object>(&e)) named = named || o->name == "cell";
    CHECK_MESSAGE(named, "the object is attached (an Object event) in this run");
  });
}

TEST_CASE("queries on a primitive from an earlier run answer as for a fresh one") {
  static IVar<int> ivar("ivar");
  static Channel<int> channel(2, "channel");
  static Semaphore semaphore(2, "semaphore");
  static Mutex mutex("mutex");
  static Memo<int, int> memo(4, "memo");
  static Singleflight<int, int> flights("flights");
  static Shared<int> unnamed;
  const auto first = sim::run(sim::RunOptions{}, [] {
    ivar.put(1);
    channel.send(1);
    channel.close();
    semaphore.acquire();
    mutex.lock();  // left locked when the run ends
    (void)memo.get(1, [] { return 1; });
    (void)flights.run(1, [] { return 1; });
    unnamed.store(1);
  });
  REQUIRE_MESSAGE(first.passed(), first.message);
  // After the run, outside any run, the last run's state stays readable.
  CHECK(ivar.filled());
  CHECK(channel.closed());
  CHECK(semaphore.available() == 1);
  CHECK(mutex.owner().valid());
  CHECK(memo.size() == 1);
  CHECK(flights.stats().calls == 1);
  CHECK(unnamed.name().rfind("shared#", 0) == 0);

  const auto second = sim::run(sim::RunOptions{}, [] {
    check(!ivar.filled(), "ivar empty");
    check(!channel.closed() && channel.buffered() == 0, "channel open and empty");
    check(semaphore.available() == 2, "semaphore full");
    check(!mutex.owner().valid(), "mutex free");
    check(memo.size() == 0 && memo.stats().misses == 0, "memo empty");
    check(flights.stats().calls == 0, "singleflight unused");
    check(unnamed.name().empty(), "an unnamed object has no name before its first use in the run");
    // And the first operations agree with the queries.
    check(!ivar.try_get(), "ivar empty");
    check(mutex.try_lock(), "mutex free");
    mutex.unlock();
    check(semaphore.try_acquire() && semaphore.try_acquire(), "two permits");
    unnamed.store(2);
    check(unnamed.name() == "shared#3", "named by this run's order of first use: " + unnamed.name());
  });
  CHECK_MESSAGE(second.passed(), second.message);
}
