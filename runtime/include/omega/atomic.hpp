#pragma once
// omega::Atomic<T>: a named, instrumented atomic cell, shaped like std::atomic<T>: load, store,
// exchange, compare_exchange_strong / _weak, fetch_add / fetch_sub (arithmetic T), fetch_and /
// fetch_or / fetch_xor (integral T) and the matching operators. Only inside a simulation.
//
// Every operation is exactly one scheduling point followed by its effect and one Op event, so a
// read-modify-write (compare_exchange, fetch_*, ++, +=, ...) can never be split by another fiber;
// a load followed by a store can (that is the lost update the simulator finds).
//
// Memory orders: every operation is sequentially consistent. The std::memory_order parameters are
// accepted so code written for std::atomic compiles unchanged, and are treated as seq_cst: a run
// does not explore the extra behaviours relaxed or acquire/release orders allow on hardware.
// compare_exchange_weak never fails spuriously here (it behaves as compare_exchange_strong), so a
// weak CAS loop passes a run even where hardware might make it spin once more.
//
// Integral arithmetic wraps around (two's complement), as std::atomic defines it. A cell that
// outlives a run starts the next run from its initial value. Unlike std::atomic, load() and the
// conversion are not const: each one is a recorded operation of this run.

#include <omega/detail/primitive.hpp>
#include <omega/detail/value_hash.hpp>

#include <atomic>  // std::memory_order
#include <string>
#include <type_traits>

namespace omega {

namespace detail {

// T with std::atomic's fetch_add / fetch_sub: integers (not bool) and floating point.
template <class T>
concept AtomicArithmetic = (std::is_integral_v<T> && !std::is_same_v<T, bool>) || std::is_floating_point_v<T>;
// T with std::atomic's fetch_and / fetch_or / fetch_xor, ++ and --: integers, not bool.
template <class T>
concept AtomicIntegral = std::is_integral_v<T> && !std::is_same_v<T, bool>;

}  // namespace detail

template <class T>
class Atomic : public detail::Primitive {
 public:
  using value_type = T;
  // Always true: the simulator has no locks to use (kept for code written against std::atomic).
  static constexpr bool is_always_lock_free = true;

  explicit Atomic(std::string name = {}, T initial = T{})
      : Primitive("atomic", std::move(name)), initial_(initial), value_(initial) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(std::memory_order = std::memory_order_seq_cst, std::source_location where = std::source_location::current()) {
    if (!begin("omega::Atomic::load", detail::op_id<"atomic.load">(), where)) return value_;
    record(sim::OpCode::read, detail::value_arg(value_));
    return value_;
  }
  operator T() { return load(); }  // NOLINT: implicit like std::atomic's

  void store(T value, std::memory_order = std::memory_order_seq_cst, std::source_location where = std::source_location::current()) {
    if (!begin("omega::Atomic::store", detail::op_id<"atomic.store">(), where)) return;
    value_ = value;
    record(sim::OpCode::write, detail::value_arg(value_));
  }
  // Stores `value` and returns it (not a reference), like std::atomic.
  T operator=(T value) {
    store(value);
    return value;
  }

  T exchange(T value, std::memory_order = std::memory_order_seq_cst, std::source_location where = std::source_location::current()) {
    if (!begin("omega::Atomic::exchange", detail::op_id<"atomic.rmw">(), where)) return value_;
    const T old = value_;
    value_ = value;
    record(sim::OpCode::read_modify_write, detail::value_arg(value_));
    return old;
  }

  // If the value equals `expected` (by ==), stores `desired` and returns true; otherwise loads the
  // value into `expected` and returns false.
  bool compare_exchange_strong(T& expected, T desired, std::memory_order = std::memory_order_seq_cst,
                               std::source_location where = std::source_location::current()) {
    return cas(expected, desired, "omega::Atomic::compare_exchange_strong", where);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order /*success*/,
                               std::memory_order /*failure*/, std::source_location where = std::source_location::current()) {
    return cas(expected, desired, "omega::Atomic::compare_exchange_strong", where);
  }
  // As compare_exchange_strong: never fails spuriously in a simulation (see the top of this file).
  bool compare_exchange_weak(T& expected, T desired, std::memory_order = std::memory_order_seq_cst,
                             std::source_location where = std::source_location::current()) {
    return cas(expected, desired, "omega::Atomic::compare_exchange_weak", where);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order /*success*/,
                             std::memory_order /*failure*/, std::source_location where = std::source_location::current()) {
    return cas(expected, desired, "omega::Atomic::compare_exchange_weak", where);
  }
  // The original name of compare_exchange_strong.
  bool compare_exchange(T& expected, T desired, std::source_location where = std::source_location::current()) {
    return cas(expected, desired, "omega::Atomic::compare_exchange", where);
  }

  // Each returns the value before the operation.
  T fetch_add(T delta, std::memory_order = std::memory_order_seq_cst, std::source_location where = std::source_location::current())
      requires detail::AtomicArithmetic<T> {
    return rmw("omega::Atomic::fetch_add", [delta](T v) { return add(v, delta); }, where);
  }
  T fetch_sub(T delta, std::memory_order = std::memory_order_seq_cst, std::source_location where = std::source_location::current())
      requires detail::AtomicArithmetic<T> {
    return rmw("omega::Atomic::fetch_sub", [delta](T v) { return sub(v, delta); }, where);
  }
  T fetch_and(T bits, std::memory_order = std::memory_order_seq_cst, std::source_location where = std::source_location::current())
      requires detail::AtomicIntegral<T> {
    return rmw("omega::Atomic::fetch_and", [bits](T v) { return static_cast<T>(v & bits); }, where);
  }
  T fetch_or(T bits, std::memory_order = std::memory_order_seq_cst, std::source_location where = std::source_location::current())
      requires detail::AtomicIntegral<T> {
    return rmw("omega::Atomic::fetch_or", [bits](T v) { return static_cast<T>(v | bits); }, where);
  }
  T fetch_xor(T bits, std::memory_order = std::memory_order_seq_cst, std::source_location where = std::source_location::current())
      requires detail::AtomicIntegral<T> {
    return rmw("omega::Atomic::fetch_xor", [bits](T v) { return static_cast<T>(v ^ bits); }, where);
  }

  // The operators return the new value (post-increment / post-decrement: the old one), each one
  // read-modify-write.
  T operator++() requires detail::AtomicIntegral<T> { return add(fetch_add(T{1}), T{1}); }
  T operator++(int) requires detail::AtomicIntegral<T> { return fetch_add(T{1}); }
  T operator--() requires detail::AtomicIntegral<T> { return sub(fetch_sub(T{1}), T{1}); }
  T operator--(int) requires detail::AtomicIntegral<T> { return fetch_sub(T{1}); }
  T operator+=(T delta) requires detail::AtomicArithmetic<T> { return add(fetch_add(delta), delta); }
  T operator-=(T delta) requires detail::AtomicArithmetic<T> { return sub(fetch_sub(delta), delta); }
  T operator&=(T bits) requires detail::AtomicIntegral<T> { return static_cast<T>(fetch_and(bits) & bits); }
  T operator|=(T bits) requires detail::AtomicIntegral<T> { return static_cast<T>(fetch_or(bits) | bits); }
  T operator^=(T bits) requires detail::AtomicIntegral<T> { return static_cast<T>(fetch_xor(bits) ^ bits); }

  bool is_lock_free() const noexcept { return true; }

 private:
  bool cas(T& expected, T desired, const char* api, const std::source_location& where) {
    if (!begin(api, detail::op_id<"atomic.rmw">(), where)) return false;
    if (value_ == expected) {
      value_ = desired;
      record(sim::OpCode::read_modify_write, detail::value_arg(value_));
      return true;
    }
    expected = value_;
    record(sim::OpCode::read, detail::value_arg(value_));
    return false;
  }

  // One read-modify-write: the scheduling point, value_ = f(value_), the Op event; returns the old value.
  template <class F>
  T rmw(const char* api, F f, const std::source_location& where) {
    if (!begin(api, detail::op_id<"atomic.rmw">(), where)) return value_;
    const T old = value_;
    value_ = f(old);
    record(sim::OpCode::read_modify_write, detail::value_arg(value_));
    return old;
  }

  // Integral arithmetic in the unsigned type wraps instead of overflowing (std::atomic's rule).
  static T add(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
    } else {
      return a + b;
    }
  }
  static T sub(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
    } else {
      return a - b;
    }
  }

  void reset() override { value_ = initial_; }
  T initial_, value_;
};

}  // namespace omega
