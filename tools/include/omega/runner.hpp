#pragma once
// Turns any binary of OMEGA_SCENARIOs into a runner: `list`, `run`, `explore` (see --help).
// Link omega_main for a ready main(), or call run_main from your own.
// Exit codes: 0 success, 1 a failure (or uncontrolled nondeterminism) was found, 2 bad usage.

namespace omega {

int run_main(int argc, char** argv);

}  // namespace omega
