// The kernel's cost per unit of work, one case per process so that an instruction counter
// (valgrind --tool=callgrind, driven by bench_kernel.py) can take the difference of two repeat
// counts and so cancel start-up:
//   pingpong-rr / pingpong-random  2 fibers yielding to each other, runs of 10 000 decisions
//   mutex-2                        N runs of "2 fibers: lock; ++x; unlock" (set-up to teardown)
//   mutex-4x50                     N runs of "4 fibers x 50 locked increments"
//   empty                          N runs of an empty body
// Prints the units done (decisions or runs) and ns per unit; bench_kernel.py turns counts into
// instructions per unit and ratios against the raw Boost.Context round trip.
//   usage: bench_kernel CASE N

#include <omega/omega.hpp>

#include <boost/context/fiber.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace ctx = boost::context;
using Clock = std::chrono::steady_clock;

namespace {

std::uint64_t raw(std::uint64_t n) {
  ctx::fiber f{[](ctx::fiber&& main) {
    for (;;) main = std::move(main).resume();
    return std::move(main);
  }};
  for (std::uint64_t i = 0; i < n; ++i) f = std::move(f).resume();
  return n;
}

omega::sim::RunOptions quiet_options(omega::sim::Policy policy, std::uint64_t steps) {
  omega::sim::RunOptions o;
  o.policy = std::move(policy);
  o.budgets.steps_max = steps * 4 + 100;
  o.budgets.fiber_steps_max = steps * 2 + 100;
  o.budgets.yields_max = steps * 2 + 100;
  return o;
}

// Runs of 10 000 decisions (as scenarios are sized), so the figure is per decision in runs of a
// realistic size, not the cost of growing one giant ledger.
std::uint64_t ping_pong(const omega::sim::Policy& policy, std::uint64_t decisions) {
  constexpr std::uint64_t kPerFiber = 5'000;
  std::uint64_t done = 0;
  for (std::uint64_t run = 0; done < decisions; ++run) {
    omega::sim::RunOptions o = quiet_options(policy, kPerFiber);
    o.seed = run;
    const auto r = omega::sim::run(o, [] {
      auto player = [] {
        for (std::uint64_t i = 0; i < kPerFiber; ++i) omega::yield();
      };
      auto a = omega::spawn(player, "ping");
      auto b = omega::spawn(player, "pong");
      omega::join(a);
      omega::join(b);
    });
    if (!r.passed()) std::exit(3);
    done += r.decisions;
  }
  return done;
}

std::uint64_t locked_increments(std::uint64_t runs, int fibers, int increments) {
  omega::sim::RunOptions o = quiet_options(omega::sim::random_policy(), static_cast<std::uint64_t>(fibers * increments * 4));
  for (std::uint64_t i = 0; i < runs; ++i) {
    o.seed = i;
    const auto r = omega::sim::run(o, [fibers, increments] {
      omega::Mutex m("m");
      int x = 0;
      std::vector<omega::Fiber<void>> all;
      for (int f = 0; f < fibers; ++f)
        all.push_back(omega::spawn([&] {
          for (int k = 0; k < increments; ++k) {
            std::lock_guard g(m);
            ++x;
          }
        }, "worker"));
      for (auto& f : all) omega::join(f);
      omega::check(x == fibers * increments, "all increments");
    });
    if (!r.passed()) std::exit(3);
  }
  return runs;
}

std::uint64_t empty_runs(std::uint64_t runs) {
  omega::sim::RunOptions o;
  for (std::uint64_t i = 0; i < runs; ++i)
    if (!omega::sim::run(o, [] {}).passed()) std::exit(3);
  return runs;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_kernel raw|pingpong-rr|pingpong-random|mutex-2|mutex-4x50|empty N\n");
    return 2;
  }
  const std::string which = argv[1];
  const std::uint64_t n = std::strtoull(argv[2], nullptr, 10);
  const auto t0 = Clock::now();
  std::uint64_t units = 0;
  if (which == "raw") units = raw(n);
  else if (which == "pingpong-rr") units = ping_pong(omega::sim::round_robin(), n);
  else if (which == "pingpong-random") units = ping_pong(omega::sim::random_policy(), n);
  else if (which == "mutex-2") units = locked_increments(n, 2, 1);
  else if (which == "mutex-4x50") units = locked_increments(n, 4, 50);
  else if (which == "empty") units = empty_runs(n);
  else return 2;
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  std::printf("%s %llu units %.2f ns/unit\n", which.c_str(), static_cast<unsigned long long>(units),
              ns / static_cast<double>(units));
  return 0;
}
