#pragma once
// A run's ledger as a readable interleaving (in the spirit of Lincheck's traces): one column per
// fiber, one row per operation (spawn, lock, load x=1, send, oracle call, ...), preemptions
// marked, time jumps as full-width rows, and the failing operation last with its message.

#include <omega/sim/ledger.hpp>

#include <string>

namespace omega::sim {

std::string interleaving_table(const Ledger& ledger);

}  // namespace omega::sim
