#pragma once
// A ChoiceSource is the only thing that decides. The kernel forms the alternatives (the default
// first, then the other runnable fibers in ascending id order), asks the source, and takes
// alts[choice % alts.size()]. Policies (what users type on the command line) are sources.

#include <omega/sim/events.hpp>
#include <omega/sim/governance.hpp>
#include <omega/sim/ids.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace omega::sim {

// What a fiber does when it next runs: the operation it announced at its scheduling point (its
// governance id: register_op("mutex.lock"), op_name() names it) and the object it acts on (the
// Object event's id; kNoObject for fiber verbs: yield, spawn, sleep; a join names its target
// fiber as kJoinTarget | id). A fiber woken from a block finishes the operation it blocked in; a
// fiber that has not run yet starts (kStart). Partial-order sampling and DPOR ask whether the
// pending operations of two fibers conflict.
struct PendingOp {
  static constexpr OpId kStart = 0xffffffffu;
  static constexpr std::uint32_t kNoObject = 0xffffffffu;
  static constexpr std::uint32_t kJoinTarget = 0x80000000u;  // object ids stay below it
  static constexpr std::uint32_t kAnyObject = 0xfffffffeu;  // in `within`: nested deeper than it holds
  OpId op = kStart;
  std::uint32_t object = kNoObject;
  // The objects of the compound operations the fiber is inside, outermost first (a Memo::get
  // around its Singleflight::run, a CondVar::wait releasing its mutex): the step may touch them
  // too, e.g. a memo keeps its result in the step of the flight's last operation. kNoObject when
  // unused; kAnyObject (the step may touch anything) when nested deeper.
  std::array<std::uint32_t, 2> within{kNoObject, kNoObject};
  bool has_object() const noexcept { return object < kJoinTarget; }
  // The fiber a join waits for (DPOR: a join depends only on that fiber's steps), or none.
  std::optional<FiberId> join_target() const noexcept {
    if (object == kNoObject || object < kJoinTarget) return std::nullopt;
    return FiberId{object & ~kJoinTarget};
  }
  friend bool operator==(const PendingOp&, const PendingOp&) = default;
};

// One scheduling decision with at least two alternatives.
struct ScheduleQuery {
  std::span<const FiberId> ready;  // runnable fibers, ascending, the current one included if runnable
  FiberId current;                 // the fiber at the scheduling point
  FiberId default_fiber;           // alts[0]
  bool current_runnable = false;   // false after a block or a fiber's end
  bool is_yield = false;
  std::uint64_t decision_index = 0;  // position in the run's one choice stream
  std::uint64_t step = 0;
  std::span<const PendingOp> pending;  // by fiber id: what each fiber does next
  // ready[default_position] == default_fiber; kUnknown: found by a search when asked.
  static constexpr std::size_t kUnknown = ~std::size_t{0};
  std::size_t default_position = kUnknown;

  std::size_t size() const noexcept { return ready.size(); }
  PendingOp pending_of(FiberId f) const noexcept {
    return f.value < pending.size() ? pending[f.value] : PendingOp{};
  }

  // alts[i]: the default at 0, then the others in ascending id order.
  FiberId alternative(std::size_t i) const noexcept {
    if (i == 0) return default_fiber;
    const std::size_t j = i - 1;
    return ready[j < position_of_default() ? j : j + 1];
  }

  // The alts index of f, or size() if f is not runnable.
  std::size_t index_of(FiberId f) const noexcept {
    if (f == default_fiber) return 0;
    return index_at(position(f));
  }
  // The alts index of ready[p] (size() for p == size()): a policy that walked `ready` needs no search.
  std::size_t index_at(std::size_t p) const noexcept {
    if (p >= ready.size()) return ready.size();
    const std::size_t def = position_of_default();
    return p == def ? 0 : p < def ? p + 1 : p;
  }

 private:
  std::size_t position_of_default() const noexcept {
    return default_position != kUnknown ? default_position : position(default_fiber);
  }
  std::size_t position(FiberId f) const noexcept {
    for (std::size_t i = 0; i < ready.size(); ++i)
      if (ready[i] == f) return i;
    return ready.size();
  }
};

// One data choice: program randomness, oracle latency, a fault, a delivery order... in [0, bound).
struct DataQuery {
  ChoiceKind kind = ChoiceKind::random;
  std::uint64_t bound = 0;  // at least 2 (a bound of 1 is forced and never asked)
  std::uint64_t decision_index = 0;
  std::uint64_t step = 0;
  FiberId current;
};

class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;

  // The choice for a decision (reduced modulo the alternatives by the kernel), or nullopt when a
  // strict source finds the program diverged from its record; divergence() then explains.
  virtual std::optional<std::uint64_t> choose_fiber(const ScheduleQuery& q) = 0;
  virtual std::optional<std::uint64_t> choose_data(const DataQuery& q) = 0;

  // A decision with one alternative consumes no choice; stateful policies may still track it (op:
  // what the chosen fiber does next).
  virtual void forced(FiberId /*chosen*/, PendingOp /*op*/) {}

  // Sources that replay a record answer oracle calls from it: the first not yet used recorded
  // call of this oracle with this key (matching by identity, not position, keeps nested calls
  // and calls finishing out of order aligned), or nullptr when none is left.
  virtual bool replays_oracles() const { return false; }
  virtual const ev::OracleCall* take_oracle_call(std::uint32_t /*oracle*/, std::uint64_t /*key_hash*/) {
    return nullptr;
  }

  // End of run: a strict source reports choices left unconsumed as a divergence message.
  virtual std::optional<std::string> finish(std::uint64_t /*decisions_used*/) {
    return std::nullopt;
  }

  const std::string& divergence() const noexcept { return divergence_; }

 protected:
  std::string divergence_;
};

}  // namespace omega::sim
