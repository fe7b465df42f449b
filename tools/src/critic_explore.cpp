#include "critic_explore.hpp"

#include "critic_json.hpp"

#include <omega/sim/policies.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace omega::cli {

std::string run_source(std::uint64_t seed, const std::string& policy) { return fmt::format("seed {} ({})", seed, policy); }

std::string RunInspector::inspect(const sim::RunResult& r, std::uint64_t seed, const sim::Policy& policy) {
  const std::string name = sim::describe(policy);
  critic::Ledger l{scenario_, run_source(seed, name), r.ledger.events(), name};
  const auto [findings, edges] = critic::critique_run(l);
  if (findings.empty() && edges.empty()) return {};
  Json fs = Json::array(), es = Json::array();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : findings) {
      auto [it, fresh] = finding_seed_.try_emplace(f.signature, seed);
      if (!fresh && seed >= it->second) continue;
      it->second = seed;
      fs.push_back(finding_json(f));
    }
    for (const auto& e : edges) {
      // New, or fewer gates (the graph says), or seen at a lower seed than reported before.
      const bool changed = graph_.add(e);
      auto [it, fresh] = edge_seed_.try_emplace({e.held, e.taken}, seed);
      const bool lower = !fresh && seed < it->second;
      if (lower) it->second = seed;
      if (changed || lower)
        es.push_back({{"held", e.held}, {"taken", e.taken}, {"evidence", e.evidence}, {"source", e.source},
                      {"gates", e.gates}});
    }
  }
  if (fs.empty() && es.empty()) return {};
  return Json{{"policy", name}, {"findings", fs}, {"edges", es}}.dump();
}

void CriticFold::fold(std::uint64_t seed, const std::string& inspection) {
  ++inspected_;
  Json j;
  try {
    j = Json::parse(inspection);
    const std::string policy = j.at("policy").get<std::string>();
    runs_.try_emplace(run_source(seed, policy), seed, policy);
    for (const auto& f : j.at("findings"))
      by_signature_.try_emplace(f.at("signature").get<std::string>(), SeededFinding{finding_from_json(f), seed, policy});
    for (const auto& e : j.at("edges"))
      graph_.add({e.at("held"), e.at("taken"), e.at("evidence"), e.at("source"), e.at("gates")});
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("a worker's critic report for seed {} is malformed: {}", seed, e.what()));
  }
}

std::vector<SeededFinding> CriticFold::findings(const std::string& scenario) const {
  std::vector<critic::Finding> all;
  for (const auto& [sig, f] : by_signature_) all.push_back(f.finding);
  for (auto& f : graph_.cycles(scenario)) all.push_back(std::move(f));
  std::vector<SeededFinding> out;
  for (auto& f : critic::deduplicated(std::move(all))) {
    SeededFinding s;
    if (const auto it = by_signature_.find(f.signature); it != by_signature_.end()) {
      s = it->second;
    } else if (const auto run = runs_.find(f.source); run != runs_.end()) {
      s.seed = run->second.first;
      s.policy = run->second.second;
    }
    s.finding = std::move(f);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace omega::cli
