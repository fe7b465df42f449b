#pragma once
// omega::Shared<T>: a named, instrumented plain (non-atomic) memory cell. load and store are each
// a scheduling point that comes before the access takes effect; the access is recorded after it
// (Op read/write), so the simulator can preempt between a read and the write that depends on it
// (lost updates, check-then-act), and the critic can find races. A cell that outlives a run
// starts the next run from its initial value. Sequentially consistent.

#include <omega/detail/primitive.hpp>
#include <omega/detail/value_hash.hpp>

#include <string>

namespace omega {

template <class T>
class Shared : public detail::Primitive {
 public:
  explicit Shared(std::string name = {}, T initial = T{})
      : Primitive("shared", std::move(name)), initial_(initial), value_(std::move(initial)) {}

  // `where`: the caller's source location, for reports; leave it defaulted.
  T load(std::source_location where = std::source_location::current()) {
    if (!begin("omega::Shared::load", detail::op_id<"shared.load">(), where)) return value_;
    record(sim::OpCode::read, detail::value_arg(value_));
    return value_;
  }

  void store(T value, std::source_location where = std::source_location::current()) {
    if (!begin("omega::Shared::store", detail::op_id<"shared.store">(), where)) return;
    value_ = std::move(value);
    record(sim::OpCode::write, detail::value_arg(value_));
  }

 private:
  void reset() override { value_ = initial_; }
  T initial_, value_;
};

}  // namespace omega
