#pragma once
// Exceptions the harness throws at API boundaries. Messages name the fiber, step and primitive.

#include <stdexcept>
#include <string>

namespace omega {

// A runtime operation used wrongly: outside a simulation, on the wrong fiber, with bad arguments.
struct UsageError : std::logic_error {
  using std::logic_error::logic_error;
};

// The user's code broke a rule the harness itself depends on (e.g. a catch (...) that
// swallows the teardown unwind).
struct HarnessError : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace omega
