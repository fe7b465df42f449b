// Ledger size per decision, on runs of 10 000+ decisions: the in-memory encoding, the compact
// encoding of files (uncompressed), the compact encoding under zstd -3, and the written file
// (zstd at corpus::kFileLevel, header included). Target: the file <= 1 byte per decision.
//   meson test -C build --benchmark -v ledger      or      build/bench/bench_ledger

#include <omega/corpus/ledger_file.hpp>
#include <omega/omega.hpp>

#include <zstd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace {

using namespace omega;

sim::RunOptions options(sim::Policy policy, std::uint64_t seed) {
  sim::RunOptions o;
  o.policy = std::move(policy);
  o.seed = seed;
  o.budgets.steps_max = 1'000'000;
  o.budgets.fiber_steps_max = 1'000'000;
  o.budgets.yields_max = 1'000'000;
  o.budgets.mutex_ops_max = 1'000'000;
  return o;
}

void ping_pong() {
  auto player = [] {
    for (int i = 0; i < 5'000; ++i) yield();
  };
  auto a = spawn(player, "ping");
  auto b = spawn(player, "pong");
  join(a);
  join(b);
}

void locked_increments() {
  Mutex m("counter-lock");
  Shared<int> counter("counter", 0);
  std::vector<Fiber<void>> workers;
  for (int w = 0; w < 4; ++w)
    workers.push_back(spawn([&] {
      for (int i = 0; i < 1'250; ++i) {
        std::lock_guard g(m);
        counter.store(counter.load() + 1);
      }
    }, "worker-" + std::to_string(w)));
  for (auto& f : workers) join(f);
}

std::size_t zstd_size(const std::vector<std::uint8_t>& bytes, int level) {
  std::vector<std::uint8_t> out(ZSTD_compressBound(bytes.size()));
  return ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), level);
}

bool report(const char* name, const sim::RunOptions& o, void (*body)()) {
  const sim::RunResult r = sim::run(o, body);
  const auto events = r.ledger.events();
  const auto compact = sim::encode_compact(events);
  const auto file = corpus::encode_file(corpus::header_for(name, o, r), events);
  const double d = static_cast<double>(r.decisions);
  const double file_per = static_cast<double>(file.size()) / d;
  std::printf("%-28s %7llu decisions  bytes/decision: memory %5.2f  compact %5.2f  compact+zstd-3 %5.3f  "
              "file (zstd-%d) %5.3f %s\n",
              name, static_cast<unsigned long long>(r.decisions), static_cast<double>(r.ledger.bytes().size()) / d,
              static_cast<double>(compact.size()) / d, static_cast<double>(zstd_size(compact, 3)) / d,
              corpus::kFileLevel, file_per, file_per <= 1.0 ? "(target <= 1: met)" : "(target <= 1: MISSED)");
  std::printf("%-28s memory + zstd-3 %5.3f (for comparison)\n", "",
              static_cast<double>(zstd_size(r.ledger.bytes().to_vector(), 3)) / d);
  return file_per <= 1.0;
}

}  // namespace

int main() {
  bool ok = true;
  ok &= report("ping-pong, random", options(sim::random_policy(), 1), ping_pong);
  ok &= report("ping-pong, round-robin", options(sim::round_robin(), 0), ping_pong);
  ok &= report("4x1250 locked increments, random", options(sim::random_policy(), 1), locked_increments);
  ok &= report("4x1250 locked increments, pct:3", options(sim::parse_policy("pct:3", 40'000), 1), locked_increments);
  return ok ? 0 : 1;
}
