#pragma once
// The regression corpus: a folder of ledger files, <dir>/<scenario>/<content-hash>.omega (a '/'
// in a scenario name is a subfolder). The hash covers the scenario and the events, not the
// header's other fields (expectation, Omega version), so the same run found on two machines has
// one name and folders from many machines merge by copying. Files are written atomically and never
// overwritten, except by set_expectation, which exists to change one.

#include <omega/corpus/ledger_file.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace omega::corpus {

// --corpus DIR if given, else OMEGA_CORPUS, else ./omega-corpus.
std::filesystem::path corpus_dir(const std::optional<std::string>& flag);

// "<scenario>/<16 hex digits>.omega", relative to a corpus folder.
std::filesystem::path case_path(const std::string& scenario, std::uint64_t digest);

struct Saved {
  std::filesystem::path path;
  bool written = false;   // false: an equal case (same scenario and events) was already there
  std::optional<std::filesystem::path> replaced;  // a longer case of the same signature, removed
  bool kept_shorter = false;  // a case of the same signature, as short or shorter, is there: kept
};

// Saves a failing run as the case of its failure signature (outcome and message with numbers
// masked) in `dir`: one file per signature per scenario, the shortest kept (fewest preemptions,
// then fewest decisions, as the shrinker orders schedules). A passing run (saved for a critic
// finding) is kept by content alone.
Saved save_case(const std::filesystem::path& dir, const Header& header, std::span<const sim::Event> events);

// Rewrites `path` with another expectation (atomically; the name stays).
void set_expectation(const std::filesystem::path& path, Expectation e);

// The *.omega files named by `paths` (files as they are, folders searched recursively), sorted per
// folder. Throws FileError for a path that does not exist.
std::vector<std::filesystem::path> case_files(const std::vector<std::string>& paths);

}  // namespace omega::corpus
