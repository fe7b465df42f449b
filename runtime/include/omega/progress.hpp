#pragma once
// omega::progress("name"): a mark that the program made progress, for the critic's livelock
// detector (a run that exhausts a budget with no progress in its last events is a livelock). The
// runtime already counts a fiber finishing, a value passed, a lock taken after waiting and an
// oracle answer; mark what only your program knows (a retry loop that did get somewhere). Records
// a `put` on an object of kind `progress`; not a scheduling point. Only inside a simulation.

#include <string>

namespace omega {

void progress(const std::string& name = "progress");

}  // namespace omega
