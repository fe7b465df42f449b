#pragma once
// The base of every named runtime object. It attaches the object to the current run on first use
// (a primitive that outlives a run starts the next one fresh), names it in messages, and turns
// every operation into: a scheduling point, then the effect, then an Op event.

#include <omega/sim/errors.hpp>
#include <omega/sim/events.hpp>
#include <omega/sim/governance.hpp>
#include <omega/sim/ids.hpp>
#include <omega/sim/kernel.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>
#include <vector>
#include <string_view>

namespace omega::detail {

class Primitive {
 public:
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  // The name given at construction, or "<kind>#<id>" once used in the current run (empty before,
  // whatever an earlier run called it).
  const std::string& name() const noexcept { return named_ || !stale() ? name_ : unnamed(); }

 protected:
  Primitive(std::string_view kind, std::string name)
      : kind_(kind), name_(std::move(name)), named_(!name_.empty()) {}
  virtual ~Primitive() = default;

  // Start of operation `op` (governance name, e.g. "mutex.lock"), called `api` in errors outside
  // a run. Returns false during teardown, when operations do nothing; otherwise attaches
  // (resetting state if new to this run), passes governance, then the scheduling point.
  // `where`: the user's call (the Op event's site); default: unknown.
  bool begin(const char* api, sim::OpId op, const std::source_location& where = {});
  // Like begin, without governance or scheduling point (queries that are not operations).
  bool begin_without_point(const char* api);

  void record(sim::OpCode code, std::uint64_t arg = 0) { sim::kernel::op(ref_, code, arg); }

  // Brackets the part of an operation on this object that is made of other operations (a memo's
  // flight, a singleflight's fn): their steps may touch this object too (sim::kernel::enter_compound),
  // so DPOR does not take them for independent of this object's operations. After begin().
  class Compound {
   public:
    explicit Compound(const Primitive& p) { sim::kernel::enter_compound(p.object_id()); }
    ~Compound() { sim::kernel::leave_compound(); }
    Compound(const Compound&) = delete;
    Compound& operator=(const Compound&) = delete;
  };

  // "mutex accounts"
  std::string describe() const { return std::string(kind_) + " " + name_; }
  // describe() + suffix ("channel jobs (empty)"), the text a blocking operation waits on: built
  // once per run and suffix (a string literal) rather than on every block. Valid until the next call.
  std::string_view wait_text(const char* suffix);
  // This object's id in the current run (valid after begin).
  std::uint32_t object_id() const noexcept { return ref_.id; }

  // State to drop when the object is first used in a new run.
  virtual void reset() = 0;

  // True inside a run that has not used this object yet: its state is an earlier run's (an object
  // that outlives runs, e.g. a static), so a query that does not attach (filled(), stats(), ...)
  // must answer as a fresh object would; the first operation then resets it. Outside any run it is
  // false, so the last run's state stays readable after sim::run returns.
  bool stale() const noexcept;

 private:
  static const std::string& unnamed() noexcept;
  bool attach(const char* api);
  std::string_view kind_;
  std::string name_;
  bool named_;  // given a name; otherwise "<kind>#<id>" of each run
  sim::ObjectRef ref_;
  std::string wait_text_;                // wait_text(wait_suffix_) of run wait_run_
  const char* wait_suffix_ = nullptr;
  std::uint64_t wait_run_ = 0;
};

// A governance operation name as a template argument: op_id<"mutex.lock">() registers it once
// (a function-local static) and is then a plain load.
template <std::size_t N>
struct OpName {
  char text[N];
  constexpr OpName(const char (&s)[N]) {  // NOLINT: implicit on purpose, for op_id<"...">
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
};

template <OpName Name>
sim::OpId op_id() {
  static const sim::OpId id = sim::register_op(Name.text);
  return id;
}

// "2 (worker)"; the current fiber; the current step.
std::string label(FiberId f);
FiberId me();
std::uint64_t step();

// The fibers waiting on a primitive, longest waiting first: a vector with a moving head. An empty
// one allocates nothing (std::deque allocates two blocks when built: per primitive, per run).
class WaitQueue {
 public:
  bool empty() const noexcept { return head_ == ids_.size(); }
  std::size_t size() const noexcept { return ids_.size() - head_; }
  FiberId front() const noexcept { return ids_[head_]; }
  FiberId operator[](std::size_t i) const noexcept { return ids_[head_ + i]; }
  auto begin() const noexcept { return ids_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const noexcept { return ids_.end(); }
  void push_back(FiberId f) { ids_.push_back(f); }
  void pop_front() noexcept {
    if (++head_ == ids_.size()) {
      clear();
    } else if (head_ >= 64 && 2 * head_ >= ids_.size()) {  // never empty for long: drop the popped
      ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() noexcept {
    ids_.clear();
    head_ = 0;
  }
  void erase_at(std::size_t i) { ids_.erase(begin() + static_cast<std::ptrdiff_t>(i)); }
  // Removes the first occurrence of f (a waiter that timed out).
  void erase(FiberId f);

 private:
  std::vector<FiberId> ids_;  // [head_, end): the queue; before head_: popped
  std::size_t head_ = 0;
};

template <class Rep, class Period>
std::uint64_t to_ns(std::chrono::duration<Rep, Period> d) {
  const auto ns = std::chrono::ceil<std::chrono::nanoseconds>(d).count();
  return ns <= 0 ? 0 : static_cast<std::uint64_t>(ns);
}

// The virtual deadline `ns` from now (saturating).
std::uint64_t deadline_after(std::uint64_t ns);

}  // namespace omega::detail
