#pragma once
// What a run keeps per fiber (FiberRec), its pending wake-ups (Timer) and the thread's exception
// globals each fiber saves across switches. Internal to sim/: the Simulation (simulation.hpp)
// owns the records, one per fiber id.

#include "fiber_stack.hpp"

#include <omega/sim/kernel.hpp>
#include <omega/sim/run.hpp>

#include <boost/context/fiber.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <set>
#include <source_location>
#include <string>
#include <vector>

namespace omega::sim::internal {

namespace ctx = boost::context;

// libstdc++'s per-thread exception globals (caught-exception stack, uncaught count). Mirrors
// __cxa_eh_globals on the Itanium ABI without ARM EHABI.
struct EhGlobals {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};
EhGlobals* eh_globals() noexcept;
std::string demangle(const char* name);
std::string describe_exception(const std::exception_ptr& e);

enum class PointKind : std::uint8_t { op, yield, block, exit };

// Thrown inside a fiber that teardown resumes, so the fiber's stack unwinds and its destructors
// run. Deliberately not a std::exception. We throw it ourselves after the switch instead of
// letting Boost throw forced_unwind from an ontop function: that way every switch is annotated
// for ASan and nothing depends on boost::context::detail.
struct FiberUnwind {};

// A pending wake-up. Sleepers order before timeouts at the same tick, so that an operation
// landing on the tick of a timeout wins; within a kind, ties go by fiber id.
struct Timer {
  std::uint64_t deadline_ns;
  bool is_timeout;
  std::uint32_t fiber;
  friend auto operator<=>(const Timer&, const Timer&) = default;
};

struct FiberRec {
  FiberId id, parent;
  std::string name;
  bool daemon = false;
  FiberStatus status = FiberStatus::ready;
  BlockReason reason = BlockReason::other;
  std::string waits_on;
  // While blocked, what on as ids (FiberInfo::wait is built from them on request).
  kernel::BlockOn blocked_on;
  FiberId join_target;  // valid while blocked in a join
  std::function<std::uint64_t()> body;

  ctx::fiber context;  // this fiber's continuation while suspended; empty while running or ended
  detail::StackRange stack;
  void* asan_fake_stack = nullptr;

  std::exception_ptr error;
  std::string error_text;
  std::uint64_t error_step = 0;  // the step at which it ended by `error`
  // When `error` is an exception a join rethrew in this fiber: the fiber it came from and the step
  // of that join (invalid otherwise). Follow error_from to the fiber that threw it first.
  FiberId error_from;
  std::uint64_t error_from_step = 0;
  // The last exception a join rethrew here, from whom and when (compared with `error` at the end).
  std::exception_ptr rethrown;
  FiberId rethrown_from;
  std::uint64_t rethrown_step = 0;
  bool joined = false;
  bool unwinding = false;        // teardown has resumed this fiber to unwind it
  // Teardown could not unwind this fiber (it was suspended where throwing calls std::terminate)
  // and left its stack without unwinding it; abandon_why says where it was.
  bool abandoned = false;
  const char* abandon_why = nullptr;
  bool swallow_reported = false;
  EhGlobals eh;

  std::uint32_t opaque_depth = 0;  // inside an oracle's fn: no simulation operations allowed
  std::uint32_t compound_depth = 0;  // kernel::enter_compound nesting (PendingOp::within)
  // Where the user called the operation in progress (kernel::at), until its Op event is recorded.
  std::source_location where{};
  bool timed_out = false;  // the last block ended by its deadline
  bool has_timer = false;
  Timer timer{};           // valid while has_timer

  std::shared_ptr<const std::set<std::string>> caps;  // null: every cap

  std::uint64_t steps = 0;
  std::uint64_t yields_in_row = 0;  // scheduling points since the last non-yield operation
  // Fibers blocked joining this one, in the order they joined (the first inline: a fiber usually
  // has one joiner, and it then costs no allocation). Children are found by parent on request.
  FiberId first_joiner;
  std::vector<FiberId> more_joiners;

  bool ended() const noexcept {
    return status == FiberStatus::done || status == FiberStatus::error;
  }
};

}  // namespace omega::sim::internal
