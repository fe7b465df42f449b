// Cost of one scheduling decision against the physical limit, in one process:
//   raw      Boost.Context resume + suspend round trip (main -> fiber -> main), no Omega at all;
//   omega    a 2-fiber yield ping-pong under RoundRobin and Random: the decision, the ledger
//            events (Yield + ScheduleChoose) and the switch through the scheduler.
// Prints ns per operation and the ratio omega/raw (target <= 3). Run by hand:
//   meson test -C build --benchmark -v      or      build/bench/bench_switch [iterations]

#include <omega/omega.hpp>

#include <boost/context/fiber.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace ctx = boost::context;
using Clock = std::chrono::steady_clock;

namespace {

double ns_per(Clock::duration d, std::uint64_t n) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) /
         static_cast<double>(n);
}

double raw_round_trip_ns(std::uint64_t n) {
  ctx::fiber f{[](ctx::fiber&& main) {
    for (;;) main = std::move(main).resume();
    return std::move(main);
  }};
  for (int i = 0; i < 1000; ++i) f = std::move(f).resume();  // warm up
  const auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) f = std::move(f).resume();
  return ns_per(Clock::now() - t0, n);
}

struct PingPong {
  double ns_per_decision;
  double switches_per_decision;
  std::uint64_t ledger_bytes;
};

PingPong omega_ping_pong(omega::sim::Policy policy, std::uint64_t yields_per_fiber) {
  omega::sim::RunOptions o;
  o.policy = std::move(policy);
  o.seed = 1;
  o.budgets.steps_max = yields_per_fiber * 4 + 100;
  o.budgets.fiber_steps_max = yields_per_fiber * 2 + 100;
  std::uint64_t switches = 0;
  omega::FiberId last{0};
  auto body = [&] {
    auto player = [&] {
      for (std::uint64_t i = 0; i < yields_per_fiber; ++i) {
        omega::yield();
        const omega::FiberId me = omega::current();
        switches += me != last;
        last = me;
      }
    };
    auto a = omega::spawn(player, "ping");
    auto b = omega::spawn(player, "pong");
    omega::join(a);
    omega::join(b);
  };
  omega::sim::run(o, body);  // warm the stack pool and the allocator
  switches = 0;
  const auto t0 = Clock::now();
  const auto r = omega::sim::run(o, body);
  const auto elapsed = Clock::now() - t0;
  if (!r.passed()) {
    std::fprintf(stderr, "bench run failed: %s\n", r.message.c_str());
    std::exit(1);
  }
  return {ns_per(elapsed, r.decisions), static_cast<double>(switches) / static_cast<double>(r.decisions),
          r.ledger.bytes().size()};
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  const double raw = raw_round_trip_ns(n);
  std::printf("raw boost.context resume+suspend round trip: %.2f ns\n", raw);
  struct Case {
    const char* name;
    omega::sim::Policy policy;
  } cases[] = {{"round-robin", omega::sim::round_robin()}, {"random", omega::sim::random_policy()}};
  for (auto& c : cases) {
    const PingPong p = omega_ping_pong(c.policy, n / 2);
    std::printf("omega %-11s: %.2f ns per decision (%.2f switches per decision, %.1f ledger bytes per decision)\n",
                c.name, p.ns_per_decision, p.switches_per_decision,
                static_cast<double>(p.ledger_bytes) / static_cast<double>(n));
    std::printf("ratio %-11s: %.2f (omega decision / raw round trip; target <= 3)\n", c.name,
                p.ns_per_decision / raw);
  }
  return 0;
}
