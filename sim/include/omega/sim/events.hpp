#pragma once
// Ledger events: the record of one run. Each event type carries a stable one-byte code (never
// renumber: ledgers on disk depend on it). Field lists may grow at the end of a type.

#include <omega/sim/ids.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace omega::sim {

// Why a fiber cannot run. The deadlock report prints it with the object waited on.
enum class BlockReason : std::uint8_t {
  join = 0, mutex, ivar, channel_send, channel_recv, actor, sleep, condvar, semaphore, other,
};
std::string_view to_string(BlockReason r) noexcept;

// What a non-scheduling choice decides. 0 of each is the default (no fault, least latency, ...).
enum class ChoiceKind : std::uint8_t {
  schedule = 0, random, latency, fault, delivery, notify, spurious,
};
std::string_view to_string(ChoiceKind k) noexcept;

// What an operation on a runtime object did. The kernel records these without knowing the
// primitive: each primitive reports its own operations.
enum class OpCode : std::uint8_t {
  lock = 0, unlock, try_lock_failed, put, get, send, recv, close, read, write, read_modify_write,
  wait, notify, acquire, release, timeout,
};
std::string_view to_string(OpCode o) noexcept;

namespace ev {

struct Spawn {
  static constexpr std::uint8_t kCode = 1;
  FiberId fiber, parent;
  bool daemon = false;
  std::string name;
  std::uint32_t site = 0;  // where the user called it (see Op::site)
  friend bool operator==(const Spawn&, const Spawn&) = default;
};

// A real decision (two or more alternatives). `ready` is the runnable set in ascending id order,
// the current fiber included; its canonical hash is ready_set_hash(ready). `choice` is the
// alternatives index taken (0 = the default), i.e. the value a choice vector holds here.
struct ScheduleChoose {
  static constexpr std::uint8_t kCode = 2;
  std::uint64_t step = 0, decision_index = 0;
  FiberId chosen;
  std::uint64_t choice = 0;
  std::vector<FiberId> ready;
  FiberId current;  // the fiber at the scheduling point (it may be blocked or done by now)
  friend bool operator==(const ScheduleChoose&, const ScheduleChoose&) = default;
};

struct Yield {
  static constexpr std::uint8_t kCode = 3;
  FiberId fiber;
  std::uint32_t site = 0;  // where the user called it (see Op::site)
  friend bool operator==(const Yield&, const Yield&) = default;
};

struct Block {
  static constexpr std::uint8_t kCode = 4;
  static constexpr std::uint32_t kNoObject = 0xffffffffu;
  FiberId fiber;
  BlockReason reason = BlockReason::other;
  std::string on;  // the object waited on, e.g. "join 2 (worker)"
  // As data, for wait-for graphs: the object's id (its Object event; kNoObject for a join, a sleep
  // or a primitive that does not say) and the fiber that must act first: a mutex's holder, or for
  // a join the fiber joined (invalid when none).
  std::uint32_t object = kNoObject;
  FiberId holder;
  std::uint32_t site = 0;  // where the user called it (see Op::site)
  friend bool operator==(const Block&, const Block&) = default;
};

struct Wake {
  static constexpr std::uint8_t kCode = 5;
  FiberId fiber, by;
  friend bool operator==(const Wake&, const Wake&) = default;
};

struct Join {
  static constexpr std::uint8_t kCode = 6;
  FiberId fiber, target;
  std::uint32_t site = 0;  // where the user called it (see Op::site)
  friend bool operator==(const Join&, const Join&) = default;
};

struct Done {
  static constexpr std::uint8_t kCode = 7;
  FiberId fiber;
  std::uint64_t value_hash = 0;  // FNV-1a of the result's bytes where it has a byte form, else 0
  friend bool operator==(const Done&, const Done&) = default;
};

struct Error {
  static constexpr std::uint8_t kCode = 8;
  FiberId fiber;
  std::string message;
  friend bool operator==(const Error&, const Error&) = default;
};

// A data choice; it shares the one choice stream with ScheduleChoose.
struct Choice {
  static constexpr std::uint8_t kCode = 9;
  std::uint64_t decision_index = 0;
  ChoiceKind kind = ChoiceKind::random;
  std::uint64_t bound = 0, value = 0;
  friend bool operator==(const Choice&, const Choice&) = default;
};

struct Deadlock {
  static constexpr std::uint8_t kCode = 10;
  std::string waits;
  friend bool operator==(const Deadlock&, const Deadlock&) = default;
};

struct Failure {
  static constexpr std::uint8_t kCode = 11;
  FiberId fiber;
  std::string message;
  friend bool operator==(const Failure&, const Failure&) = default;
};

struct BudgetExhausted {
  static constexpr std::uint8_t kCode = 12;
  std::string budget;
  std::uint64_t limit = 0;
  friend bool operator==(const BudgetExhausted&, const BudgetExhausted&) = default;
};

struct Divergence {
  static constexpr std::uint8_t kCode = 13;
  std::uint64_t decision_index = 0;
  std::string message;
  friend bool operator==(const Divergence&, const Divergence&) = default;
};

// A runtime object (mutex, channel, cell, ...) first used in this run; ids are dense per run.
struct Object {
  static constexpr std::uint8_t kCode = 14;
  std::uint32_t object = 0;
  std::string kind, name;
  friend bool operator==(const Object&, const Object&) = default;
};

// An operation on an object, recorded after it took effect (after its scheduling point).
// `arg` is operation-specific: a value hash, a count, a fiber handed ownership + 1, ...
struct Op {
  static constexpr std::uint8_t kCode = 15;
  FiberId fiber;
  std::uint32_t object = 0;
  OpCode op = OpCode::read;
  std::uint64_t arg = 0;
  // Where the user called the operation: a Site id of this run, 0 when unknown (an operator, or a
  // call from a standard header such as std::lock_guard's). Not part of the in-memory bytes.
  std::uint32_t site = 0;
  friend bool operator==(const Op&, const Op&) = default;
};

// Virtual time jumped forward because no fiber could run and some were sleeping or waiting.
struct TimeAdvance {
  static constexpr std::uint8_t kCode = 16;
  std::uint64_t now_ns = 0;
  friend bool operator==(const TimeAdvance&, const TimeAdvance&) = default;
};

// A blocked fiber's deadline passed: it runs again and its operation reports a timeout.
struct Timeout {
  static constexpr std::uint8_t kCode = 17;
  FiberId fiber;
  friend bool operator==(const Timeout&, const Timeout&) = default;
};

// An operation outside the profile, or without its cap: the run ends with outcome `denied`.
struct Denied {
  static constexpr std::uint8_t kCode = 18;
  FiberId fiber;
  std::string op, cap;  // cap is empty when the profile denied the operation
  friend bool operator==(const Denied&, const Denied&) = default;
};

// A call to an external service (oracle). `result` holds the codec bytes of the result, so a
// replay returns it without calling the service (for fault 3, the failure's message); `executed`
// is false for an injected fault. fault: 0 none, 1 injected error, 2 injected timeout, 3 the
// service itself failed (fn threw).
struct OracleCall {
  static constexpr std::uint8_t kCode = 19;
  FiberId fiber;
  std::uint32_t oracle = 0;  // its Object id
  std::uint64_t key_hash = 0;
  std::string result;
  std::uint64_t latency_ns = 0;
  std::uint8_t fault = 0;
  bool executed = false;
  std::uint32_t site = 0;  // where the user called it (see Op::site)
  friend bool operator==(const OracleCall&, const OracleCall&) = default;
};

// A source location operations were called from, introduced before the first Op that names it;
// ids are dense per run from 1. `file` keeps the path's last two components, so the same code
// built in another directory gives the same events. Kept beside the ledger's bytes, not in them:
// moving a line must not change a run's digest (a reproduce string would stop matching).
struct Site {
  static constexpr std::uint8_t kCode = 23;
  std::uint32_t site = 0;
  std::string file;
  std::uint32_t line = 0;
  friend bool operator==(const Site&, const Site&) = default;
};

}  // namespace ev

using Event = std::variant<ev::Spawn, ev::ScheduleChoose, ev::Yield, ev::Block, ev::Wake, ev::Join,
                           ev::Done, ev::Error, ev::Choice, ev::Deadlock, ev::Failure,
                           ev::BudgetExhausted, ev::Divergence, ev::Object, ev::Op,
                           ev::TimeAdvance, ev::Timeout, ev::Denied, ev::OracleCall, ev::Site>;

// The events that record where the user called them (a `site` field, 0 when unknown): operations
// on objects and the fiber verbs (spawn, yield, join, a block, an oracle call).
template <class T>
concept SitedEvent = requires(T x) { x.site; } && !std::is_same_v<T, ev::Site>;
bool is_sited(const Event& e) noexcept;  // its type has a site (SitedEvent)
std::uint32_t event_site(const Event& e) noexcept;
void set_event_site(Event& e, std::uint32_t site) noexcept;

// One line per event, for reports and debugging.
std::string describe(const Event& e);

// Canonical ready-set hash: FNV-1a 64 over a u32 count, then the ascending u32 ids (little endian).
std::uint64_t ready_set_hash(const std::vector<FiberId>& ready) noexcept;
std::string format_ready_set(const std::vector<FiberId>& ready);

}  // namespace omega::sim
