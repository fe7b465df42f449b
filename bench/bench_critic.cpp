// The critic's cost per event, on ledgers of growing size (it must be linear in the events):
// 4 fibers x N locked increments of a shared counter under Random, N = 250, 2 500, 25 000.
//   meson test -C build --benchmark -v critic      or      build/bench/bench_critic

#include <omega/critic/critic.hpp>
#include <omega/omega.hpp>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <vector>

namespace {

using namespace omega;

critic::Ledger workload(int increments) {
  sim::RunOptions o;
  o.policy = sim::random_policy();
  o.seed = 1;
  o.budgets.steps_max = 100'000'000;
  o.budgets.fiber_steps_max = 100'000'000;
  o.budgets.mutex_ops_max = 100'000'000;
  const sim::RunResult r = sim::run(o, [increments] {
    Mutex m("lock");
    Shared<int> counter("counter", 0);
    std::vector<Fiber<void>> workers;
    for (int w = 0; w < 4; ++w)
      workers.push_back(spawn([&] {
        for (int i = 0; i < increments; ++i) {
          std::lock_guard g(m);
          counter.store(counter.load() + 1);
        }
      }, "worker"));
    for (auto& f : workers) join(f);
  });
  return {"bench", "run", r.ledger.events(), "random"};
}

}  // namespace

int main() {
  double first = 0;
  for (int n : {250, 2'500, 25'000}) {
    const std::vector<critic::Ledger> ledgers{workload(n)};
    const critic::Ledger& l = ledgers.front();
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t findings = 0;
    constexpr int kRepeats = 5;
    for (int k = 0; k < kRepeats; ++k) findings += critic::criticize(ledgers).size();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
                      kRepeats / static_cast<double>(l.events.size());
    if (first == 0) first = ns;
    std::printf("critic: %8zu events, %6.1f ns per event (%.2fx the smallest ledger's), %zu findings\n",
                l.events.size(), ns, ns / first, findings / kRepeats);
  }
  return 0;
}
