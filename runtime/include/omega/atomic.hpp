#pragma once
// omega::Atomic<T>: a named, instrumented atomic cell (sequentially consistent). Every operation,
// compare_exchange included, is exactly one scheduling point followed by its effect, so a
// read-modify-write can never be split by another fiber. A cell that outlives a run starts the
// next run from its initial value.

#include <omega/detail/primitive.hpp>
#include <omega/detail/value_hash.hpp>

#include <string>
#include <type_traits>

namespace omega {

template <class T>
class Atomic : public detail::Primitive {
 public:
  explicit Atomic(std::string name = {}, T initial = T{})
      : Primitive("atomic", std::move(name)), initial_(initial), value_(initial) {}

  T load() {
    if (!begin("omega::Atomic::load", detail::op_id<"atomic.load">())) return value_;
    record(sim::OpCode::read, detail::value_arg(value_));
    return value_;
  }

  void store(T value) {
    if (!begin("omega::Atomic::store", detail::op_id<"atomic.store">())) return;
    value_ = value;
    record(sim::OpCode::write, detail::value_arg(value_));
  }

  T exchange(T value) {
    if (!begin("omega::Atomic::exchange", detail::op_id<"atomic.rmw">())) return value_;
    const T old = value_;
    value_ = value;
    record(sim::OpCode::read_modify_write, detail::value_arg(value_));
    return old;
  }

  // If the value equals `expected`, stores `desired` and returns true; otherwise loads the value
  // into `expected` and returns false.
  bool compare_exchange(T& expected, T desired) {
    if (!begin("omega::Atomic::compare_exchange", detail::op_id<"atomic.rmw">())) return false;
    if (value_ == expected) {
      value_ = desired;
      record(sim::OpCode::read_modify_write, detail::value_arg(value_));
      return true;
    }
    expected = value_;
    record(sim::OpCode::read, detail::value_arg(value_));
    return false;
  }

  T fetch_add(T delta) requires std::is_arithmetic_v<T> {
    if (!begin("omega::Atomic::fetch_add", detail::op_id<"atomic.rmw">())) return value_;
    const T old = value_;
    value_ = static_cast<T>(value_ + delta);
    record(sim::OpCode::read_modify_write, detail::value_arg(value_));
    return old;
  }

  T fetch_sub(T delta) requires std::is_arithmetic_v<T> {
    if (!begin("omega::Atomic::fetch_sub", detail::op_id<"atomic.rmw">())) return value_;
    const T old = value_;
    value_ = static_cast<T>(value_ - delta);
    record(sim::OpCode::read_modify_write, detail::value_arg(value_));
    return old;
  }

 private:
  void reset() override { value_ = initial_; }
  T initial_, value_;
};

}  // namespace omega
