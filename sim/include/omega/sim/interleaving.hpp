#pragma once
// A run's ledger as a readable interleaving (in the spirit of Lincheck's traces): one column per
// fiber, one row per operation (spawn, lock, load x=1, send, oracle call, ...), preemptions
// marked, time jumps as full-width rows, and the failing operation last with its message. Rows
// carry the step they happened in, the number the run's messages give.

#include <omega/sim/ledger.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace omega::sim {

// Virtual time for people: the largest unit it reaches, exact ("1 ms", "1.5 s", "250 us", "7 ns").
std::string duration_text(std::uint64_t ns);

// One row: an operation, a preemption, a time jump or the run's end, in the column of the fiber
// that did it. The table prints these; `run --trace-out` turns them into trace events.
struct InterleavingRow {
  std::uint64_t step = 0;   // the kernel's step counter then: messages' "at step N" is this number
  std::uint32_t fiber = 0;  // the column
  std::string text;
  bool full_width = false;  // time jumps and the run's end
  std::size_t event = 0;    // the index in `events` of the event it shows
  std::string site;         // where the user called the operation: "pipeline.cpp:42", or empty
  // The text with its site, as the table shows it.
  std::string located_text() const { return site.empty() ? text : text + " @" + site; }
};

// `events` and `steps` as Ledger::events() and Ledger::event_steps() give them.
std::vector<InterleavingRow> interleaving_rows(const std::vector<Event>& events,
                                               const std::vector<std::uint64_t>& steps);

// Rows numbered by step: several rows share a step where no scheduling point came between them.
std::string interleaving_table(const Ledger& ledger);

}  // namespace omega::sim
