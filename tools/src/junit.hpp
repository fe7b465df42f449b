#pragma once
// JUnit XML, the one writer of the runner (tinyxml2): a test suite of cases, each passed, failed
// or in error, as CI systems (GitLab, Jenkins, GitHub reporters) read it.

#include <optional>
#include <string>
#include <vector>

namespace omega::cli {

struct JunitCase {
  std::string name, classname;
  double seconds = 0;
  std::optional<std::string> failure;  // a violated expectation
  std::optional<std::string> error;    // could not be run
  std::string output;                  // system-out
};

struct JunitSuite {
  std::string name;
  std::vector<JunitCase> cases;
};

// Writes the suites to `path` atomically (a temporary file, then rename); an existing report
// there is replaced (reports are regenerated on every run). Throws InputError on failure.
void write_junit(const std::string& path, const std::vector<JunitSuite>& suites);
inline void write_junit(const std::string& path, const std::string& suite, const std::vector<JunitCase>& cases) {
  write_junit(path, {JunitSuite{suite, cases}});
}

}  // namespace omega::cli
