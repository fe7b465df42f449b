#pragma once
// Turns any binary of OMEGA_SCENARIOs into a runner: `list`, `run`, `explore` (see --help).
// Link omega_main for a ready main(), or call run_main from your own.
// Exit codes: 0 nothing found, 1 a failure found (including crash, hang, nondeterminism), 2 bad
// usage or bad input, 3 internal error of the harness, 130 / 143 interrupted (SIGINT / SIGTERM).

namespace omega {

int run_main(int argc, char** argv);

}  // namespace omega
