#pragma once
#include <string>
#include <vector>

namespace omega::cli {

// Findings over the ledger files under `paths` (files or folders). Exit status 1 when there is a
// finding, 0 when none, 2 for a bad file.
int cmd_critic(const std::vector<std::string>& paths, const std::string& format);

}  // namespace omega::cli
