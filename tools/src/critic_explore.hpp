#pragma once
// explore --critic: the critic over every explored ledger, passing ones included. Each worker
// (a thread or a process) inspects its runs and passes on only what is new to it: a finding
// signature or a lock-order edge at a lower seed than it reported before, or an edge with fewer
// gates. The parent folds those in seed order, so every finding keeps the evidence of its first
// seed and the report does not depend on --jobs.

#include <omega/critic/critic.hpp>
#include <omega/sim/run.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace omega::cli {

class RunInspector {
 public:
  explicit RunInspector(std::string scenario) : scenario_(std::move(scenario)) {}
  // Thread-safe. "" when the run showed nothing new to this inspector.
  std::string inspect(const sim::RunResult& r, std::uint64_t seed, const sim::Policy& policy);

 private:
  std::string scenario_;
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> finding_seed_;  // signature -> lowest seed reported
  critic::LockOrderGraph graph_;                        // the edges seen, gates intersected
  std::map<std::pair<std::string, std::string>, std::uint64_t> edge_seed_;  // edge -> lowest seed reported
};

// A finding with the run it was first seen in.
struct SeededFinding {
  critic::Finding finding;
  std::uint64_t seed = 0;
  std::string policy;
};

class CriticFold {
 public:
  void fold(std::uint64_t seed, const std::string& inspection);
  std::uint64_t inspected() const noexcept { return inspected_; }
  // Every finding of the runs folded (lock-order cycles over all of them), de-duplicated, sorted.
  std::vector<SeededFinding> findings(const std::string& scenario) const;

 private:
  std::map<std::string, SeededFinding> by_signature_;  // the first folded: the lowest seed
  critic::LockOrderGraph graph_;
  std::map<std::string, std::pair<std::uint64_t, std::string>> runs_;  // source -> (seed, policy)
  std::uint64_t inspected_ = 0;
};

// "seed 17 (pct:2)": a finding's source in an exploration.
std::string run_source(std::uint64_t seed, const std::string& policy);

}  // namespace omega::cli
