#pragma once
// SICP 3.4 serializers: `auto s = omega::make_serializer("accounts"); auto safe = s(f);` makes
// `safe(args...)` run f under the serializer's mutex. A serialized procedure that calls another
// one of the same serializer can never proceed: that self-deadlock is reported as such.

#include <omega/mutex.hpp>

#include <memory>
#include <string>
#include <utility>

namespace omega {

class Serializer {
 public:
  explicit Serializer(std::string name);

  template <class F>
  auto operator()(F f) const {
    return [state = state_, f = std::move(f)](auto&&... args) mutable -> decltype(auto) {
      Section section(state);
      return f(std::forward<decltype(args)>(args)...);
    };
  }

  const std::string& name() const noexcept { return state_->mutex.name(); }

 private:
  struct State {
    Mutex mutex;
    explicit State(std::string name) : mutex(std::move(name)) {}
  };
  // Holds the serializer's mutex for one serialized call.
  class Section {
   public:
    explicit Section(std::shared_ptr<State> s);
    ~Section();
    Section(const Section&) = delete;
    Section& operator=(const Section&) = delete;

   private:
    std::shared_ptr<State> state_;  // owned: the section may outlive the serialized callable
  };
  std::shared_ptr<State> state_;
};

Serializer make_serializer(std::string name = {});

}  // namespace omega
