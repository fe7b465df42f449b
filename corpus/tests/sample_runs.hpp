#pragma once
// Runs that between them record every event kind, for the file tests and the golden test.

#include <omega/omega.hpp>
#include <omega/sim/run.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace omega::corpus::testing {

struct SampleRun {
  std::string name;
  sim::RunOptions options;
  sim::RunResult result;
};

inline sim::RunOptions sample_options(sim::Policy policy, std::uint64_t seed = 0) {
  sim::RunOptions o;
  o.policy = std::move(policy);
  o.seed = seed;
  o.budgets = sim::Budgets{};  // not the environment's: the golden bytes must not depend on it
  o.stack_bytes = 256 * 1024;
  return o;
}

// A pipeline with contention on a mutex, a channel, an IVar, timeouts, sleeps, an oracle with
// injected faults and program randomness; under Random so the ready set moves.
inline void busy_pipeline() {
  using namespace std::chrono_literals;
  Mutex m("accounts");
  Channel<int> ch(1, "jobs");
  IVar<int> done("done");
  Shared<int> total("total", 0);
  auto& model = oracle("model", OracleOptions{1ms, 4ms, 0.3, 0.2});
  auto producer = spawn([&] {
    for (int i = 0; i < 3; ++i) ch.send(i);
    ch.close();
  }, "producer");
  auto consumer = spawn([&] {
    while (auto v = ch.recv()) {
      std::lock_guard g(m);
      total.store(total.load() + *v);
    }
    done.put(total.load());
  }, "consumer");
  auto caller = spawn([&] {
    try {
      (void)model.call(static_cast<int>(omega::random(4)), [](int x) { return x * 2; });
    } catch (const std::exception&) {
    }
    if (m.try_lock_for(1ms)) m.unlock();
    IVar<int> never("never");
    (void)never.get_for(1ms);  // nobody puts: a Timeout
    sleep_for(2ms);
  }, "caller");
  (void)done.get_for(50ms);
  join(producer);
  join(consumer);
  join(caller);
  check(done.get() == 3, "total == 3");
}

inline std::vector<SampleRun> sample_runs() {
  std::vector<SampleRun> runs;
  auto add = [&](std::string name, sim::RunOptions o, std::function<void()> body) {
    sim::RunResult r = sim::run(o, body);
    runs.push_back({std::move(name), std::move(o), std::move(r)});
  };
  for (std::uint64_t seed : {1, 2, 3}) add("pipeline/" + std::to_string(seed), sample_options(sim::random_policy(), seed), busy_pipeline);
  add("deadlock", sample_options(sim::round_robin()), [] {
    Mutex a("a"), b("b");
    auto f = spawn([&] { std::lock_guard ga(a); yield(); std::lock_guard gb(b); }, "f");
    auto g = spawn([&] { std::lock_guard gb(b); yield(); std::lock_guard ga(a); }, "g");
    join(f);
    join(g);
  });
  add("exception", sample_options(sim::round_robin()), [] {
    auto w = spawn([] { yield(); throw std::runtime_error("disk full"); }, "worker");
    join(w);
  });
  add("failure", sample_options(sim::random_policy(), 5), [] {
    Shared<int> x("x", 0);
    auto a = spawn([&] { x.store(x.load() + 1); }, "a");
    auto b = spawn([&] { x.store(x.load() + 1); }, "b");
    join(a);
    join(b);
    check(x.load() == 2, "x == 2");
  });
  {
    sim::RunOptions o = sample_options(sim::round_robin());
    o.budgets.steps_max = 40;
    add("budget", o, [] {
      auto spinner = spawn([] { for (;;) yield(); }, "spinner");
      join(spinner);
    });
  }
  {
    sim::RunOptions o = sample_options(sim::round_robin());
    o.governance.profile = sim::Profile::only("no-locks", {"fiber.spawn", "fiber.join", "fiber.yield"});
    add("denied", o, [] {
      Mutex m("m");
      auto f = spawn([&] { std::lock_guard g(m); }, "f");
      join(f);
    });
  }
  {
    // Replaying a two-fiber run against a three-fiber program diverges.
    const sim::RunResult two = sim::run(sample_options(sim::round_robin()), [] {
      auto a = spawn([] { yield(); }, "a");
      join(a);
    });
    add("divergence", sample_options(sim::replay_of(two.ledger.events())), [] {
      auto a = spawn([] { yield(); }, "a");
      auto b = spawn([] { yield(); }, "b");
      join(a);
      join(b);
    });
  }
  return runs;
}

}  // namespace omega::corpus::testing
