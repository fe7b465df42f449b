#pragma once
// The runner's ledger-file commands: run --save, show and stats. Bad files throw
// corpus::FileError ("FILE: cause"), bad arguments InputError; both are exit status 2.

#include <omega/corpus/ledger_file.hpp>
#include <omega/sim/run.hpp>

#include "cli_input.hpp"

#include <string>
#include <vector>

namespace omega::cli {

// Throws InputError if `path` exists or its folder does not (checked before the run).
void check_can_save(const std::string& path);
struct SavedLedger {
  std::string path;
  std::size_t bytes = 0, events = 0;
  std::string text() const;  // "PATH (N bytes, M events)"
};
// Writes the run's ledger file atomically.
SavedLedger save_ledger(const std::string& path, const std::string& scenario, const sim::RunOptions& options,
                        const sim::RunResult& result);

// `corpus expect fails|passes FILE...`: rewrites each file's expectation (the name stays).
int cmd_expect(const std::string& expectation, const std::vector<std::string>& files);

// format: "text" or "json" (JSON Lines for show: a Header object, then one object per event).
int cmd_show(const std::string& path, const std::string& format);
// FILEs and folders (every *.omega under them, sorted); a total when more than one file.
int cmd_stats(const std::vector<std::string>& paths, const std::string& format);

}  // namespace omega::cli
