#pragma once
// A run's ledger as a readable interleaving (in the spirit of Lincheck's traces): one column per
// fiber, one row per operation (spawn, lock, load x=1, send, oracle call, ...), preemptions
// marked, time jumps as full-width rows, and the failing operation last with its message.

#include <omega/sim/ledger.hpp>

#include <string>

namespace omega::sim {

// Virtual time for people: the largest unit it reaches, exact ("1 ms", "1.5 s", "250 us", "7 ns").
std::string duration_text(std::uint64_t ns);

std::string interleaving_table(const Ledger& ledger);

}  // namespace omega::sim
