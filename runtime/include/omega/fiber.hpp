#pragma once
// Fibers for user code: spawn / spawn_daemon / yield / join / current. Every call is a scheduling
// point of the simulation running on this thread; outside one each throws omega::UsageError.

#include <omega/sim/errors.hpp>
#include <omega/detail/value_hash.hpp>
#include <omega/sim/ids.hpp>
#include <omega/sim/kernel.hpp>

#include <omega/detail/primitive.hpp>

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>

namespace omega {

using sim::FiberInfo;
using sim::FiberStatus;
using sim::SchedulerState;
using sim::WaitTarget;

namespace detail {

template <class T>
struct FiberResult {
  std::optional<T> value;
};
template <>
struct FiberResult<void> {};

}  // namespace detail

// A handle to a spawned fiber producing T. Copyable; join it to get the result.
template <class T>
class Fiber {
 public:
  // Made by spawn(); the result slot is filled when the fiber returns.
  Fiber(FiberId id, std::shared_ptr<detail::FiberResult<T>> r) : id_(id), result_(std::move(r)) {}

  FiberId id() const noexcept { return id_; }
  detail::FiberResult<T>& result_slot() const noexcept { return *result_; }

 private:
  FiberId id_;
  std::shared_ptr<detail::FiberResult<T>> result_;
};

// How to start a fiber. `caps`, when set, narrows the child's caps to these (never widens).
struct SpawnOptions {
  std::string name;
  bool daemon = false;
  std::optional<std::set<std::string>> caps;
};

template <class F>
auto spawn_with(F&& fn, SpawnOptions options, std::source_location where = std::source_location::current()) {
  using T = std::invoke_result_t<std::decay_t<F>&>;
  sim::kernel::require(options.daemon ? "omega::spawn_daemon" : "omega::spawn");
  sim::kernel::at(where);
  if constexpr (std::is_void_v<T>) {
    // No result to keep: the body is fn itself (a small lambda needs no allocation at all).
    auto body = [fn = std::forward<F>(fn)]() mutable -> std::uint64_t {
      fn();
      return 0;
    };
    const FiberId id = sim::kernel::spawn(std::move(body), std::move(options.name), options.daemon,
                                         std::move(options.caps));
    return Fiber<T>(id, nullptr);
  } else {
    auto result = std::make_shared<detail::FiberResult<T>>();
    auto body = [fn = std::forward<F>(fn), result]() mutable -> std::uint64_t {
      result->value.emplace(fn());
      return detail::value_hash(*result->value);
    };
    const FiberId id = sim::kernel::spawn(std::move(body), std::move(options.name), options.daemon,
                                         std::move(options.caps));
    return Fiber<T>(id, std::move(result));
  }
}

// Starts fn() as a new fiber (a child of the current one); the run waits for it to end.
template <class F>
auto spawn(F&& fn, std::string name = {}, std::source_location where = std::source_location::current()) {
  return spawn_with(std::forward<F>(fn), SpawnOptions{std::move(name), false, std::nullopt}, where);
}

template <class F>
auto spawn(F&& fn, SpawnOptions options, std::source_location where = std::source_location::current()) {
  return spawn_with(std::forward<F>(fn), std::move(options), where);
}

// Like spawn, but the run does not wait for it (actors, servers); it is unwound at the end.
template <class F>
auto spawn_daemon(F&& fn, std::string name = {}, std::source_location where = std::source_location::current()) {
  return spawn_with(std::forward<F>(fn), SpawnOptions{std::move(name), true, std::nullopt}, where);
}

// Lets another fiber run; under the all-zero schedule this is round robin.
void yield(std::source_location where = std::source_location::current());

// Blocks until f has ended; returns its result or rethrows its exception.
template <class T>
T join(const Fiber<T>& f, std::source_location where = std::source_location::current()) {
  sim::kernel::require("omega::join");
  sim::kernel::at(where);
  sim::kernel::join(f.id());
  if constexpr (!std::is_void_v<T>) {
    auto& slot = f.result_slot();
    if (!slot.value)
      throw UsageError("omega::join: fiber " + sim::kernel::label(f.id()) + " has no result");
    if constexpr (std::is_copy_constructible_v<T>)
      return *slot.value;
    else
      return std::move(*slot.value);
  }
}

// The running fiber's id (the root is fiber 0).
FiberId current();

// Name, parent, children, status (with the block reason, and what it waits on as `wait`) of a
// fiber of this run.
FiberInfo info(FiberId f);

// The scheduler's view of this run: the policy's name, step, virtual time, the running fiber and
// the ready, blocked, done and failed fibers. Built when called (O(fibers)); only inside a run.
SchedulerState scheduler_state();

}  // namespace omega
