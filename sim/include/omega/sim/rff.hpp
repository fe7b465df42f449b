#pragma once
// Reads-from guided fuzzing, after RFF (Wolff et al., "Greybox Fuzzing for Concurrency Testing",
// ASPLOS'24). Coverage is the set of reads-from pairs runs exhibit: which write (or the initial
// value) each read of a cell saw, and for operations that both read and write an object (a lock,
// a send, a receive, an increment) the last write before them, so lock hand-offs count too. An
// event is named by its fiber and how many operations that fiber had done before it, which stays
// the same across schedules of the same program.
//
// Schedules that showed new pairs join a corpus; each later schedule takes a corpus entry (more
// often one whose pairs are rare), mutates its plan (constraints "this read reads from that write",
// or its negation: a pair that entry's run showed, or one of its reads switched to another write of
// the same object) and lets a partial-order sampler (pos) schedule everything else while it delays
// reads to meet the plan.
//
// Reproducible though stateful: runs go in epochs of `epoch` seeds; the corpus and the coverage
// change only between epochs, folding the epoch's runs in seed order, so a seed's schedule depends
// on the seed range's start and the epoch size, never on timing. A failure is reproduced by its
// choice vector (`run --choices`), not by its seed.

#include <omega/sim/run.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace omega::sim {

struct RffOptions {
  std::uint64_t first_seed = 0, last_seed = 999;  // both inclusive
  std::uint64_t epoch = 1;                        // seeds per epoch (1: the corpus grows after every run)
  std::uint64_t stop_after = 0;                   // stop after this many failing schedules; 0: never
  RunOptions base;                                // budgets, governance; the policy is rff's
  std::function<bool()> stop_requested;           // polled between runs
  std::function<void(std::uint64_t runs, std::uint64_t failures)> progress;
};

struct RffSignature {
  std::string signature;  // failure_signature()
  std::uint64_t count = 0;
  std::uint64_t first_seed = 0;
  RunResult first;                     // the first failing run with this signature
  std::vector<std::uint64_t> choices;  // replays it under sim::vector_of
};

struct RffReport {
  std::uint64_t runs = 0, failures = 0;
  std::uint64_t pairs = 0;       // distinct reads-from pairs seen
  std::uint64_t corpus = 0;      // schedules kept for showing new pairs
  bool stopped_early = false;    // stop_after reached
  bool interrupted = false;      // stop_requested
  std::vector<RffSignature> signatures;  // in order of first appearance
};

RffReport explore_rff(const RffOptions& options, const std::function<void()>& body);

}  // namespace omega::sim
