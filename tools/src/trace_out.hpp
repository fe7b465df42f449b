#pragma once
// run --trace-out FILE: one run in the Chrome trace-event format (its JSON object form), which
// Perfetto (ui.perfetto.dev) and chrome://tracing open. A track per fiber with its running
// stretches, its operations as instant events, arrows for spawns, wakes, joins and hand-offs, and
// the failure marked. The clock is the kernel's step counter, the number the run's messages and
// the interleaving table give: 1 us in the file is one step.

#include <omega/sim/run.hpp>

#include <string>

namespace omega::cli {

// What the file says about the run besides its ledger (its top-level "otherData").
struct TraceAbout {
  std::string scenario, how, choices, reproduce;
};

// The trace document, as JSON text.
std::string chrome_trace(const sim::RunResult& r, const TraceAbout& about);

// Before the run: the file's folder must exist (a typo should not cost the run). Throws InputError.
void check_trace_path(const std::string& path);

// Writes the trace atomically (a temporary file, then rename). Like --junit's report it is
// regenerated on every run: an existing file is replaced. Throws InputError on failure.
void write_chrome_trace(const std::string& path, const sim::RunResult& r, const TraceAbout& about);

}  // namespace omega::cli
