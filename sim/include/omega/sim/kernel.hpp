#pragma once
// The kernel's few verbs. Runtime primitives are built only on these; each verb acts on the
// simulation running on this thread and throws UsageError outside one (call require() first to
// name the user-facing operation in that error).

#include <omega/sim/events.hpp>
#include <omega/sim/governance.hpp>

#include <source_location>
#include <omega/sim/ids.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace omega::sim {

enum class FiberStatus : std::uint8_t { ready, running, blocked, done, error };
std::string_view to_string(FiberStatus s) noexcept;

// What a blocked fiber waits on, as data: the same wait `FiberInfo::waits_on` describes in words
// (that text stays the reports' wording; this is for programs, e.g. a wait-for graph). Built when
// info() is called; blocking itself only records ids.
struct WaitTarget {
  BlockReason kind = BlockReason::other;  // == FiberInfo::reason
  // The object waited on: "mutex", "channel", "ivar", "condvar", "semaphore", ... as in its Object
  // event, or "fiber" for a join. Empty when the wait is on no object (a sleep, an oracle call in
  // flight, a primitive that does not say).
  std::string object_kind;
  // Its name in this run ("accounts", or "mutex#3" when unnamed); for a join, the joined fiber's.
  std::string object_name;
  std::optional<std::uint32_t> object_id;  // the object's id in this run (Object events); not for a join
  std::optional<FiberId> holder;  // mutex: the fiber holding it now (follows hand-overs)
  std::optional<FiberId> target;  // join: the fiber waited for
  std::optional<std::uint64_t> deadline_ns;  // a timed wait or a sleep: the virtual time it ends
  friend bool operator==(const WaitTarget&, const WaitTarget&) = default;
};

struct FiberInfo {
  FiberId id, parent;
  std::string name;
  FiberStatus status = FiberStatus::ready;
  BlockReason reason = BlockReason::other;  // meaningful while blocked
  std::string waits_on;                     // while blocked: "join 2 (worker)", "mutex accounts", ...
  bool daemon = false;
  std::vector<FiberId> children;
  WaitTarget wait;  // while blocked: what it waits on, as data; default (kind other, empty) otherwise
};

// The scheduler's view of the running run (the original module's SchedulerView): built only when
// asked for, never on the scheduling path. Fiber ids in ascending order.
struct SchedulerState {
  std::string policy;             // the policy's name, as describe(Policy): "random", "pct:2", ...
  std::uint64_t step = 0;         // scheduling points so far
  std::uint64_t decisions = 0;    // choices consumed so far (scheduling and data)
  std::uint64_t preemptions = 0;  // so far
  std::uint64_t now_ns = 0;       // virtual time
  FiberId running;                // the fiber that asked
  std::vector<FiberId> ready;     // runnable, waiting for their turn
  std::vector<FiberId> blocked;   // waiting (see info(id).wait for on what)
  std::vector<FiberId> done;      // returned
  std::vector<FiberId> failed;    // ended by an exception
};

struct RepairChecks;
// The current run's repair checks (RunOptions::checks; usually empty). Only inside a run.
const RepairChecks& repair_checks();

// The current run's policy name (as describe(Policy) prints it: "random", "round-robin",
// "fair-rr:3", "pct:2", "replay", "vector", a custom policy's name). Only inside a run.
std::string current_policy();

// A runtime object's identity within one run. Primitives hold one; ids are dense per run.
struct ObjectRef {
  std::uint64_t run = 0;  // serial of the run it was attached in (0: never); see run_serial()
  std::uint32_t id = 0;
};

namespace kernel {

bool in_simulation() noexcept;
// The current run's serial: nonzero and unique within the process (never reused, whichever thread
// runs). State that outlives a run (a registry entry, a static primitive) records the serial of
// the run that set it up, and a later run treats it as absent. Identity only: the value depends on
// what ran before, so it must never reach a ledger, a message or a decision. Throws UsageError
// outside a run.
std::uint64_t run_serial();
// Throws UsageError("<op> called outside a simulation ...") when no run is active on this thread.
void require(std::string_view op);

// True while an early-ended run unwinds its fibers: every verb then does nothing.
bool tearing_down() noexcept;

FiberId current_fiber();
std::uint64_t step();
FiberInfo info(FiberId f);
// A snapshot of the scheduler (see SchedulerState); costs O(fibers), only when called.
SchedulerState scheduler();
std::string label(FiberId f);  // "2 (worker)"

// Starts a fiber; the body returns a hash of its result for the Done event (0 if none).
// A scheduling point follows the spawn.
// `caps`, when given, narrows the child's caps to those of the parent it also lists.
FiberId spawn(std::function<std::uint64_t()> body, std::string name, bool daemon,
              std::optional<std::set<std::string>> caps = std::nullopt);

// Brackets a compound operation on `object` (one made of other operations): until the matching
// leave_compound, every operation the current fiber announces may also touch `object` (DPOR's
// dependence, PendingOp::within). Nests; outside a run, does nothing.
void enter_compound(std::uint32_t object);
void leave_compound();

// Marks the current fiber as running an oracle's fn (enter) or done with it: inside, every
// simulation operation throws UsageError, because a replay does not run fn again.
void set_opaque(bool enter);

// Under a replaying source, the next recorded oracle call (checked against `oracle` and
// `key_hash`: a mismatch ends the run as a divergence); std::nullopt when the source has no
// record, i.e. the service must really be called.
std::optional<ev::OracleCall> replayed_oracle_call(std::uint32_t oracle, std::uint64_t key_hash);

// Fiber verbs govern themselves as "fiber.spawn", "fiber.yield" and "fiber.join".
// A scheduling point whose default is the next fiber; `where` is the user's call (its Yield
// event's site), as at() gives other operations.
void yield(const std::source_location& where = {});
void point();  // a scheduling point before an operation takes effect (default: keep running)
// What a primitive blocks on, for FiberInfo::wait: ids only, so blocking allocates nothing more.
struct BlockOn {
  static constexpr std::uint32_t kNoObject = 0xffffffffu;
  std::uint32_t object = kNoObject;  // the primitive's object id in this run (after attach)
  FiberId holder;                    // a mutex's holder; invalid if none
};

// Blocks the current fiber until wake(); `on` names what it waits for in reports, `what` as data.
void block(BlockReason reason, std::string_view on, BlockOn what = {});
void wake(FiberId f);
// Waits until `target` has ended and marks it joined; rethrows its exception (the run's message
// then names the fiber that threw and every join that rethrew it).
void join(FiberId target);

// Blocks like block(), but gives up when virtual time reaches `deadline_ns`. Returns true when
// woken, false on timeout. At one tick, sleepers wake before timeouts fire, so an operation that
// lands on the same tick as a timeout wins.
bool block_until(BlockReason reason, std::string_view on, std::uint64_t deadline_ns, BlockOn what = {});
// A blocked fiber's mutex passed to `holder`: its FiberInfo::wait.holder follows (its waits_on
// text does not change). Does nothing unless `waiter` is blocked.
void set_wait_holder(FiberId waiter, FiberId holder);
// Sleeps until virtual time `deadline_ns`; ties wake in (deadline, fiber id) order. `on` says
// what the fiber is doing in reports (default "sleep until <t>ns").
void sleep_until(std::uint64_t deadline_ns, std::string_view on = {});
// Virtual time since the run started. It only moves when no fiber can run.
std::uint64_t now_ns();

// What a primitive's operation does first: outside a run throws UsageError naming `api`; during
// teardown notices a swallowed unwind and says `inert` (the operation does nothing); else attaches
// the object to the current run if it is not yet, recording an Object event (an empty name is
// recorded as "<kind>#<id>"), and says `attached_now` when it was: a primitive that outlives a run
// then resets its state.
enum class Attached : std::uint8_t { inert, already, attached_now };
Attached attach_for(const char* api, ObjectRef& ref, std::string_view kind, std::string_view name);
// An operation's announcement and its scheduling point: at(where); the governance check of `op`
// by the current fiber (the profile must allow it, the fiber must hold its cap, its family budget
// must not be spent; else the run ends, outcome denied or budget, and this never returns); `op`
// on `object` (kNoObject for none) as the fiber's pending operation (PendingOp); then point().
void operation_point(const std::source_location& where, OpId op, std::uint32_t object);
// Records an operation on an attached object by the current fiber, with the site at() gave it.
void op(const ObjectRef& ref, OpCode code, std::uint64_t arg = 0);
// Where the current fiber's next operation was called from (its Op event's site, and where a
// deadlock report says it waits). Outside a run, or from a standard or Omega header (a
// std::lock_guard's lock), it records nothing.
void at(const std::source_location& where) noexcept;

// A data choice in [0, bound), recorded; bound <= 1 is forced (returns 0, consumes nothing).
std::uint64_t choose(ChoiceKind kind, std::uint64_t bound);

// Ends the run with outcome `assertion`; never returns.
[[noreturn]] void fail(std::string message);

void record(const Event& e);

}  // namespace kernel
}  // namespace omega::sim
