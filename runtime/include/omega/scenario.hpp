#pragma once
// Scenarios: named bodies a runner can list, run and explore.
//
//   OMEGA_SCENARIO("bank/lost-update") {
//     omega::Shared<int> balance("balance", 0);
//     ...
//   }
//
// Link the binary with omega_main (or call omega::run_main) to get `list`, `run`, `explore`.

#include <functional>
#include <string>
#include <vector>

namespace omega {

struct Scenario {
  std::string name;
  std::function<void()> body;
};

// Every registered scenario, sorted by name.
const std::vector<Scenario>& scenarios();
// The scenario with this name, or nullptr.
const Scenario* find_scenario(const std::string& name);
// Scenarios whose name matches a glob pattern ('*' any run of characters, '?' one character).
std::vector<const Scenario*> match_scenarios(const std::string& pattern);
bool glob_match(const std::string& pattern, const std::string& text);

namespace detail {
struct ScenarioRegistrar {
  ScenarioRegistrar(const char* name, void (*body)());
};
}  // namespace detail

}  // namespace omega

#define OMEGA_SCENARIO_CAT2(a, b) a##b
#define OMEGA_SCENARIO_CAT(a, b) OMEGA_SCENARIO_CAT2(a, b)
#define OMEGA_SCENARIO(NAME)                                                                    \
  static void OMEGA_SCENARIO_CAT(omega_scenario_body_, __LINE__)();                             \
  static const ::omega::detail::ScenarioRegistrar OMEGA_SCENARIO_CAT(omega_scenario_reg_,       \
                                                                     __LINE__)(                 \
      NAME, &OMEGA_SCENARIO_CAT(omega_scenario_body_, __LINE__));                               \
  static void OMEGA_SCENARIO_CAT(omega_scenario_body_, __LINE__)()
