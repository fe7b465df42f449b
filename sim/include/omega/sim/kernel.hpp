#pragma once
// The kernel's few verbs. Runtime primitives are built only on these; each verb acts on the
// simulation running on this thread and throws UsageError outside one (call require() first to
// name the user-facing operation in that error).

#include <omega/sim/events.hpp>
#include <omega/sim/ids.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace omega::sim {

enum class FiberStatus : std::uint8_t { ready, running, blocked, done, error };
std::string_view to_string(FiberStatus s) noexcept;

struct FiberInfo {
  FiberId id, parent;
  std::string name;
  FiberStatus status = FiberStatus::ready;
  BlockReason reason = BlockReason::other;  // meaningful while blocked
  std::string waits_on;                     // while blocked: "join 2 (worker)", "mutex accounts", ...
  bool daemon = false;
  std::vector<FiberId> children;
};

namespace kernel {

bool in_simulation() noexcept;
// Throws UsageError("<op> called outside a simulation ...") when no run is active on this thread.
void require(std::string_view op);

// True while an early-ended run unwinds its fibers: every verb then does nothing.
bool tearing_down() noexcept;

FiberId current_fiber();
std::uint64_t step();
FiberInfo info(FiberId f);
std::string label(FiberId f);  // "2 (worker)"

// Starts a fiber; the body returns a hash of its result for the Done event (0 if none).
// A scheduling point follows the spawn.
FiberId spawn(std::function<std::uint64_t()> body, std::string name, bool daemon);

void yield();  // a scheduling point whose default is the next fiber
void point();  // a scheduling point before an operation takes effect (default: keep running)
// Blocks the current fiber until wake(); `on` names what it waits for in reports.
void block(BlockReason reason, std::string on);
void wake(FiberId f);
// Waits until `target` has ended and marks it joined; rethrows its exception.
void join(FiberId target);

// A data choice in [0, bound), recorded; bound <= 1 is forced (returns 0, consumes nothing).
std::uint64_t choose(ChoiceKind kind, std::uint64_t bound);

// Ends the run with outcome `assertion`; never returns.
[[noreturn]] void fail(std::string message);

void record(const Event& e);

}  // namespace kernel
}  // namespace omega::sim
