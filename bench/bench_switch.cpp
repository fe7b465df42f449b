// Cost of one scheduling decision against the physical limit, in one process:
//   raw      Boost.Context resume + suspend round trip (main -> fiber -> main), no Omega at all;
//   omega    a 2-fiber yield ping-pong under RoundRobin and Random, in runs of 10 000 decisions:
//            the decision, the ledger events (Yield + ScheduleChoose) and the switch through the
//            scheduler, with run set-up and teardown included.
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
  double ledger_bytes_per_decision;
};

// `runs` runs of a ping-pong of `yields_per_fiber` yields each: run sizes like real scenarios,
// so the figure is not dominated by page faults of one giant ledger.
PingPong omega_ping_pong(const omega::sim::Policy& policy, std::uint64_t runs,
                         std::uint64_t yields_per_fiber) {
  omega::sim::RunOptions o;
  o.policy = policy;
  o.budgets.steps_max = yields_per_fiber * 4 + 100;
  o.budgets.fiber_steps_max = yields_per_fiber * 2 + 100;
  o.budgets.yields_max = yields_per_fiber * 2 + 100;
  auto body = [yields_per_fiber] {
    auto player = [yields_per_fiber] {
      for (std::uint64_t i = 0; i < yields_per_fiber; ++i) omega::yield();
    };
    auto a = omega::spawn(player, "ping");
    auto b = omega::spawn(player, "pong");
    omega::join(a);
    omega::join(b);
  };
  omega::sim::run(o, body);  // warm the stack pool and the allocator
  std::uint64_t decisions = 0, switches = 0, bytes = 0;
  Clock::duration elapsed{};
  for (std::uint64_t run = 0; run < runs; ++run) {
    o.seed = run;
    const auto t0 = Clock::now();
    const auto r = omega::sim::run(o, body);
    elapsed += Clock::now() - t0;
    if (!r.passed()) {
      std::fprintf(stderr, "bench run failed: %s\n", r.message.c_str());
      std::exit(1);
    }
    decisions += r.decisions;
    bytes += r.ledger.bytes().size();
    omega::FiberId last{0};
    for (const auto& e : r.ledger.events())  // outside the timed region
      if (const auto* c = std::get_if<omega::sim::ev::ScheduleChoose>(&e)) {
        switches += c->chosen != last;
        last = c->chosen;
      }
  }
  const auto d = static_cast<double>(decisions);
  return {ns_per(elapsed, decisions), static_cast<double>(switches) / d, static_cast<double>(bytes) / d};
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  const std::uint64_t yields_per_fiber = 5'000;  // 10 000 decisions per run
  const std::uint64_t runs = n / (2 * yields_per_fiber) + 1;
  const double raw = raw_round_trip_ns(n);
  std::printf("raw boost.context resume+suspend round trip: %.2f ns\n", raw);
  struct Case {
    const char* name;
    omega::sim::Policy policy;
  } cases[] = {{"round-robin", omega::sim::round_robin()}, {"random", omega::sim::random_policy()}};
  for (auto& c : cases) {
    const PingPong p = omega_ping_pong(c.policy, runs, yields_per_fiber);
    std::printf("omega %-11s: %.2f ns per decision (%.2f switches per decision, %.1f ledger bytes "
                "per decision, %llu runs of %llu decisions)\n",
                c.name, p.ns_per_decision, p.switches_per_decision, p.ledger_bytes_per_decision,
                static_cast<unsigned long long>(runs),
                static_cast<unsigned long long>(2 * yields_per_fiber));
    std::printf("ratio %-11s: %.2f (omega decision / raw round trip; target <= 3)\n", c.name,
                p.ns_per_decision / raw);
  }
  return 0;
}
