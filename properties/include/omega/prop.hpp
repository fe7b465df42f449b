#pragma once
// The RapidCheck-native path. prop::check(name, scenario) runs the scenario for RapidCheck-
// generated inputs, each under several schedules of a policy (CheckOptions); the scenario may draw inputs with prop::draw(gen) in the root fiber
// before its first spawn (anywhere else is an error: draws would follow the schedule and go out
// of step while shrinking). On failure RapidCheck shrinks the inputs and the vector, then our
// shrinker minimises the schedule, and the report gives inputs, choice vector and interleaving.
// Runs on the calling thread (RapidCheck's implicit parameters are plain statics).
//
//   TEST_CASE("counter") {
//     auto r = omega::prop::check("increments", [] { int n = omega::prop::draw(rc::gen::inRange(1, 6)); ... });
//     CHECK_MESSAGE(r.passed, r.report);
//   }

#include <omega/shrink.hpp>
#include <omega/sim/run.hpp>

#include <rapidcheck.h>

#include <any>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace omega::prop {

struct CheckOptions {
  int max_success = 100;          // generated cases that must pass
  // Each generated input is explored under `policy` (random, pos, pct:D, fair-rr:Q, round-robin)
  // over `schedules_per_input` seeds (RapidCheck draws the first); "vector" instead generates one
  // choice vector per input with RapidCheck, values in [0, max_choice].
  std::string policy = "random";
  int schedules_per_input = 8;
  std::uint64_t max_choice = 4;
  std::uint64_t max_shrink_runs = 0;  // 0: prop::auto_max_runs
  // RapidCheck's seed: the report prints it, and passing it back reproduces the same cases.
  std::uint64_t seed = 0;
  sim::RunOptions base;
};

struct CheckResult {
  bool passed = true;
  std::string report;                 // empty when passed
  std::vector<std::string> inputs;    // the minimal inputs, as RapidCheck shows them ("n=2" when named)
  std::vector<std::uint64_t> choices; // the minimal choice vector
  sim::RunResult run;                 // the minimal failing run
};

CheckResult check(const std::string& name, const std::function<void()>& scenario, const CheckOptions& options = {});

namespace detail {
// Per-thread state of the check in progress: generating (RapidCheck draws) or replaying the
// minimal inputs while our shrinker re-runs the scenario.
struct DrawState {
  bool active = false, replaying = false;
  std::vector<std::any> values;
  std::vector<std::string> shown;
  std::size_t next = 0;
};
DrawState& draw_state();
void require_root_before_spawn();
}  // namespace detail

// A named input shows as "name=value" in the report; an unnamed one as its value.
template <class T>
T draw(const std::string& name, const rc::Gen<T>& gen) {
  detail::require_root_before_spawn();
  detail::DrawState& s = detail::draw_state();
  if (s.replaying) return std::any_cast<T>(s.values.at(s.next++));
  T value = *gen;
  s.values.emplace_back(value);
  s.shown.push_back(name.empty() ? rc::toString(value) : name + "=" + rc::toString(value));
  return value;
}

template <class T>
T draw(const rc::Gen<T>& gen) {
  return draw(std::string(), gen);
}

}  // namespace omega::prop
