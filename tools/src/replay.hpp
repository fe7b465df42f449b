#pragma once
// `replay PATH...`: runs each corpus case against its scenario and checks its expectation.

#include <optional>
#include <string>
#include <vector>

namespace omega::cli {

struct ReplayArgs {
  std::vector<std::string> paths;
  std::optional<std::string> junit;
  bool follow_fibers = false;  // --follow fibers: also follow cases that moved by fiber identity
};

// Exit status: 0 every expectation holds; 1 some does not; 2 a case could not be read or its
// scenario is unknown.
int cmd_replay(const ReplayArgs& args);

}  // namespace omega::cli
