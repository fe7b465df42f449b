#include <omega/scenario.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace omega {

namespace {
std::vector<Scenario>& registry() {
  static std::vector<Scenario> all;  // filled during static initialisation, read-only after
  return all;
}
}  // namespace

detail::ScenarioRegistrar::ScenarioRegistrar(const char* name, void (*body)()) {
  auto& all = registry();
  const std::string n(name);
  if (n.empty() || find_scenario(n)) {
    std::fprintf(stderr, "omega: scenario name '%s' is empty or registered twice\n", name);
    std::abort();
  }
  auto at = std::lower_bound(all.begin(), all.end(), n,
                             [](const Scenario& s, const std::string& key) { return s.name < key; });
  all.insert(at, Scenario{n, body});
}

const std::vector<Scenario>& scenarios() { return registry(); }

const Scenario* find_scenario(const std::string& name) {
  for (const auto& s : registry())
    if (s.name == name) return &s;
  return nullptr;
}

bool glob_match(const std::string& pattern, const std::string& text) {
  // Iterative glob with backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<const Scenario*> match_scenarios(const std::string& pattern) {
  std::vector<const Scenario*> out;
  for (const auto& s : registry())
    if (glob_match(pattern, s.name)) out.push_back(&s);
  return out;
}

}  // namespace omega
