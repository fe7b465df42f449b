// `critic FILE|DIR [--format text|json]`: the critic over ledger files.

#include "critic_command.hpp"

#include "cli_input.hpp"
#include "critic_json.hpp"

#include <omega/corpus/store.hpp>
#include <omega/critic/critic.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <map>

#ifndef OMEGA_VERSION
#define OMEGA_VERSION "unknown"
#endif

namespace omega::cli {

namespace {

const char* rule_text(const std::string& rule) {
  if (rule == "omega.deadlock") return "The run deadlocked: a cycle of fibers each waiting for a resource the next holds.";
  if (rule == "omega.lock-order") return "Locks are taken in orders that form a cycle: some interleaving deadlocks.";
  if (rule == "omega.duplicate-oracle") return "An oracle (an external service) was called more than once for one key.";
  if (rule == "omega.data-race") return "Two accesses to a shared cell, one a write, are not ordered by synchronisation.";
  if (rule == "omega.livelock") return "The run ran out of budget while no fiber made progress.";
  if (rule == "omega.starvation") return "A ready fiber was passed over for many decisions under a fair policy.";
  return "An Omega critic finding.";
}

// SARIF 2.1.0: one run of the tool "omega-critic"; rules from the findings' rule ids; ledger files as
// artifacts; each result located in its ledger file, with the repairs in its properties (a SARIF
// `fix` needs concrete artifact changes, which a repair of a scenario's code is not).
Json sarif(const std::vector<critic::Finding>& findings, const std::vector<critic::Ledger>& ledgers) {
  Json rules = Json::array(), artifacts = Json::array(), results = Json::array();
  std::map<std::string, std::size_t> rule_index, artifact_index;
  for (const auto& l : ledgers)
    if (artifact_index.emplace(l.source, artifacts.size()).second)
      artifacts.push_back({{"location", {{"uri", l.source}}}});
  for (const auto& f : findings) {
    if (rule_index.emplace(f.rule, rules.size()).second)
      rules.push_back({{"id", f.rule},
                       {"shortDescription", {{"text", rule_text(f.rule)}}},
                       {"defaultConfiguration", {{"level", f.level}}}});
    Json result;
    result["ruleId"] = f.rule;
    result["ruleIndex"] = rule_index[f.rule];
    result["level"] = f.level;
    result["message"] = {{"text", f.message}};
    Json location = {{"physicalLocation", {{"artifactLocation", {{"uri", f.source}}}}}};
    if (const auto it = artifact_index.find(f.source); it != artifact_index.end())
      location["physicalLocation"]["artifactLocation"]["index"] = it->second;
    result["locations"] = Json::array({location});
    result["partialFingerprints"] = {{"omegaFindingSignature/v1", f.signature}};
    result["properties"] = {{"scenario", f.scenario}, {"evidence", f.evidence}, {"repairs", repairs_json(f)}};
    results.push_back(result);
  }
  Json driver = {{"name", "omega-critic"}, {"version", OMEGA_VERSION}, {"rules", rules}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", Json::array({{{"tool", {{"driver", driver}}}, {"artifacts", artifacts}, {"results", results}}})}};
}

}  // namespace

int cmd_critic(const std::vector<std::string>& paths, const std::string& format) {
  std::vector<critic::Ledger> ledgers;
  for (const auto& p : corpus::case_files(paths)) {
    corpus::LedgerFile f = corpus::read_file(p);
    ledgers.push_back({f.header.scenario, p.string(), std::move(f.events), f.header.policy});
  }
  if (ledgers.empty()) throw InputError("no .omega files in the paths given");
  const std::vector<critic::Finding> findings = critic::criticize(ledgers);
  if (format == "sarif") {
    std::printf("%s\n", sarif(findings, ledgers).dump(2).c_str());
  } else if (format == "json") {
    Json out = Json::array();
    for (const auto& f : findings) {
      Json j = finding_json(f);
      j.erase("signature");
      out.push_back(std::move(j));
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    for (const auto& f : findings) std::fputs(finding_text(f, "").c_str(), stdout);
    std::printf("critic: %zu ledgers, %zu findings\n", ledgers.size(), findings.size());
  }
  return findings.empty() ? 0 : 1;
}

}  // namespace omega::cli
