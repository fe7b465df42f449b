// `critic FILE|DIR [--format text|json]`: the critic over ledger files.

#include "critic_command.hpp"

#include "cli_input.hpp"

#include <omega/corpus/store.hpp>
#include <omega/critic/critic.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace omega::cli {

int cmd_critic(const std::vector<std::string>& paths, const std::string& format) {
  std::vector<critic::Ledger> ledgers;
  for (const auto& p : corpus::case_files(paths)) {
    corpus::LedgerFile f = corpus::read_file(p);
    ledgers.push_back({f.header.scenario, p.string(), std::move(f.events), f.header.policy});
  }
  if (ledgers.empty()) throw InputError("no .omega files in the paths given");
  const std::vector<critic::Finding> findings = critic::criticize(ledgers);
  if (format == "json") {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& f : findings) {
      nlohmann::ordered_json j;
      j["rule"] = f.rule;
      j["level"] = f.level;
      j["scenario"] = f.scenario;
      j["message"] = f.message;
      j["evidence"] = f.evidence;
      nlohmann::ordered_json repairs = nlohmann::ordered_json::array();
      for (const auto& r : f.repairs)
        repairs.push_back({{"kind", r.kind}, {"targets", r.targets}, {"explanation", r.explanation},
                           {"checked", r.checked}});
      j["repairs"] = repairs;
      out.push_back(j);
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    for (const auto& f : findings) {
      std::printf("%s %s [%s]: %s\n", f.level.c_str(), f.rule.c_str(), f.scenario.c_str(), f.message.c_str());
      for (const auto& e : f.evidence) std::printf("    evidence: %s\n", e.c_str());
      for (const auto& r : f.repairs)
        std::printf("    repair: %s{%s} (unchecked): %s\n", r.kind.c_str(), fmt::format("{}", fmt::join(r.targets, ", ")).c_str(),
                    r.explanation.c_str());
    }
    std::printf("critic: %zu ledgers, %zu findings\n", ledgers.size(), findings.size());
  }
  return findings.empty() ? 0 : 1;
}

}  // namespace omega::cli
