// A project using Omega's API without the runner: sim::run over seeds until the lost update shows.
#include <omega/omega.hpp>
#include <omega/sim/run.hpp>

#include <cstdio>

int main() {
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    omega::sim::RunOptions o;
    o.seed = seed;
    o.policy = omega::sim::random_policy();
    const auto r = omega::sim::run(o, [] {
      omega::Shared<int> counter("counter", 0);
      auto a = omega::spawn([&] { counter.store(counter.load() + 1); }, "a");
      auto b = omega::spawn([&] { counter.store(counter.load() + 1); }, "b");
      omega::join(a);
      omega::join(b);
      omega::check(counter.load() == 2, "lost update");
    });
    if (!r.passed()) {
      std::printf("found at seed %llu: %s\n", static_cast<unsigned long long>(seed), r.message.c_str());
      return 0;
    }
  }
  std::printf("not found\n");
  return 1;
}
