#pragma once
// omega::IVar<T>: a write-once variable. put fills it (a second put is an error) and wakes every
// waiter; get blocks until it is filled and does not consume; try_get never blocks; get_for gives
// up after a virtual timeout. Every operation is a scheduling point.

#include <omega/detail/primitive.hpp>
#include <omega/detail/value_hash.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace omega {

template <class T>
class IVar : public detail::Primitive {
 public:
  explicit IVar(std::string name = {}) : Primitive("ivar", std::move(name)) {}

  // `where` (every operation): the caller's source location, for reports; leave it defaulted.
  void put(T value, std::source_location where = std::source_location::current()) {
    if (!begin("omega::IVar::put", detail::op_id<"ivar.put">(), where)) return;
    if (value_) {
      throw UsageError("fiber " + detail::label(detail::me()) + " puts to " + describe() +
                       ", already filled by fiber " + detail::label(putter_) + " (an IVar is write-once; step " +
                       std::to_string(detail::step()) + ")");
    }
    value_.emplace(std::move(value));
    putter_ = detail::me();
    record(sim::OpCode::put, detail::value_hash(*value_));
    for (FiberId w : waiters_) sim::kernel::wake(w);
    waiters_.clear();
  }

  // Blocks until filled; returns a copy of the value.
  T get(std::source_location where = std::source_location::current()) {
    if (!begin("omega::IVar::get", detail::op_id<"ivar.get">(), where)) return teardown_value();
    if (!value_) {
      waiters_.push_back(detail::me());
      sim::kernel::block(sim::BlockReason::ivar, wait_text(" (empty)"), {object_id(), {}});
    }
    record(sim::OpCode::get, detail::value_hash(*value_));
    return *value_;
  }

  std::optional<T> try_get(std::source_location where = std::source_location::current()) {
    if (!begin("omega::IVar::try_get", detail::op_id<"ivar.get">(), where)) return value_;
    if (value_) record(sim::OpCode::get, detail::value_hash(*value_));
    return value_;
  }

  template <class Rep, class Period>
  std::optional<T> get_for(std::chrono::duration<Rep, Period> timeout, std::source_location where = std::source_location::current()) {
    if (!begin("omega::IVar::get_for", detail::op_id<"ivar.get">(), where)) return value_;
    if (!value_) {
      waiters_.push_back(detail::me());
      if (!sim::kernel::block_until(sim::BlockReason::ivar, wait_text(" (empty)"),
                                    detail::deadline_after(detail::to_ns(timeout)), {object_id(), {}})) {
        waiters_.erase(detail::me());
        record(sim::OpCode::timeout);
        return std::nullopt;
      }
    }
    record(sim::OpCode::get, detail::value_hash(*value_));
    return value_;
  }

  bool filled() const noexcept { return !stale() && value_.has_value(); }

 private:
  void reset() override {
    value_.reset();
    putter_ = FiberId{};
    waiters_.clear();
  }
  T teardown_value() const {
    if (value_) return *value_;
    throw UsageError("omega::IVar::get on empty " + describe() + " during teardown");
  }

  std::optional<T> value_;
  FiberId putter_;
  detail::WaitQueue waiters_;
};

}  // namespace omega
