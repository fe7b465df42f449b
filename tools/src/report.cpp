#include "report.hpp"

#include <omega/shrink.hpp>
#include <omega/sim/choice_text.hpp>
#include <omega/sim/interleaving.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace omega::cli {

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string reproduce_seed(const std::string& prog, const std::string& scenario, std::uint64_t seed,
                           const std::string& policy, std::uint64_t pct_steps) {
  std::string cmd = fmt::format("{} run --scenario {} --seed {} --policy {}", prog, shell_quote(scenario), seed, policy);
  if (policy.substr(0, 4) == "pct:") cmd += fmt::format(" --pct-steps {}", pct_steps);
  return cmd;
}

void print_shrunk(const Scenario& s, const std::vector<std::uint64_t>& failing, const ShrinkPrint& how,
                  const std::string& prog, const std::string& indent) {
  prop::ShrinkOptions o;
  o.max_runs = how.max_runs;
  o.stop_requested = how.stop_requested;
  const prop::ShrinkResult r = prop::shrink(s.body, failing, o);
  std::string note;
  if (r.bound_reached) note = fmt::format(" (bound of {} re-runs reached: may not be minimal)", how.max_runs);
  if (r.interrupted) note = " (stopped early: may not be minimal)";
  std::printf("%sshrunk: preemptions %llu -> %llu, decisions %zu -> %zu, %llu re-runs%s\n", indent.c_str(),
              static_cast<unsigned long long>(r.original_run.preemptions),
              static_cast<unsigned long long>(r.minimal_run.preemptions), r.original.size(), r.minimal.size(),
              static_cast<unsigned long long>(r.runs), note.c_str());
  std::printf("%sminimal: %s\n", indent.c_str(), r.minimal_run.message.c_str());
  std::printf("%sreproduce minimal: %s run --scenario %s --choices %s\n", indent.c_str(), prog.c_str(),
              shell_quote(s.name).c_str(), shell_quote(sim::encode_choices(r.minimal)).c_str());
  auto print_table = [&](const std::string& title, const sim::Ledger& ledger) {
    std::printf("%s%s\n", indent.c_str(), title.c_str());
    const std::string table = sim::interleaving_table(ledger);
    std::size_t start = 0;
    while (start < table.size()) {
      const std::size_t end = table.find('\n', start);
      std::printf("%s  %s\n", indent.c_str(), table.substr(start, end - start).c_str());
      start = end == std::string::npos ? table.size() : end + 1;
    }
  };
  print_table("interleaving (shrunk):", r.minimal_run.ledger);
  if (how.trace_full) print_table("interleaving (as found):", r.original_run.ledger);
}

}  // namespace omega::cli
