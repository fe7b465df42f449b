#pragma once
// omega::Singleflight<K, V> (Go's semantics): run(key, fn) — the first caller for a key runs fn;
// callers arriving while it is in flight block and share its result or its exception; the key is
// forgotten when the call finishes, so a later call runs fn again. Stats: calls, executions,
// shared. Queries: in_flight(key), in_flight_count().

#include <omega/detail/primitive.hpp>
#include <omega/ivar.hpp>

#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace omega {

struct SingleflightStats {
  std::uint64_t calls = 0, executions = 0, shared = 0;
};

template <class K, class V>
class Singleflight : public detail::Primitive {
 public:
  explicit Singleflight(std::string name = {}) : Primitive("singleflight", std::move(name)) {}

  template <class Fn>
  V run(const K& key, Fn&& fn) {
    if (!begin("omega::Singleflight::run", detail::op_id<"singleflight.run">()))
      throw UsageError("omega::Singleflight::run during teardown");
    ++stats_.calls;
    if (auto it = inflight_.find(key); it != inflight_.end()) {
      ++stats_.shared;
      std::shared_ptr<Flight> flight = it->second;  // keeps the flight alive while we wait
      record(sim::OpCode::wait);
      return flight->outcome.get()->value();
    }
    auto flight = std::make_shared<Flight>(name() + "/flight");
    inflight_.emplace(key, flight);
    ++stats_.executions;
    record(sim::OpCode::acquire);
    Compound fn_steps(*this);  // the flight ends in the step of fn's last operation
    auto outcome = std::make_shared<Outcome>();
    try {
      outcome->result.emplace(fn());
    } catch (...) {
      if (sim::kernel::tearing_down()) throw;  // the run is being unwound: not fn's failure
      outcome->error = std::current_exception();
    }
    inflight_.erase(key);  // forgotten when the call finishes
    record(sim::OpCode::release);
    flight->outcome.put(outcome);
    return outcome->value();
  }

  // True while a run(key, ...) is executing fn, i.e. a call for `key` now would share its result
  // rather than run fn. A query, not an operation: no scheduling point, no event; callable outside
  // a run (the last run's state) and, in a run that has not used this object yet, false.
  bool in_flight(const K& key) const { return !stale() && inflight_.find(key) != inflight_.end(); }
  // The number of keys with a flight in progress (0 in a run that has not used this object yet).
  std::size_t in_flight_count() const noexcept { return stale() ? 0 : inflight_.size(); }

  const SingleflightStats& stats() const noexcept {
    static const SingleflightStats kFresh{};  // immutable: what an object new to this run reports
    return stale() ? kFresh : stats_;
  }

 private:
  struct Outcome {
    std::optional<V> result;
    std::exception_ptr error;
    V value() const {
      if (error) std::rethrow_exception(error);
      return *result;
    }
  };
  struct Flight {
    IVar<std::shared_ptr<Outcome>> outcome;
    explicit Flight(std::string name) : outcome(std::move(name)) {}
  };

  void reset() override {
    inflight_.clear();
    stats_ = {};
  }

  std::map<K, std::shared_ptr<Flight>> inflight_;  // ordered: no hash order can leak
  SingleflightStats stats_;
};

}  // namespace omega
