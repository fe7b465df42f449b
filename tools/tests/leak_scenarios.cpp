// Two scenarios that share an oracle name: the first makes every call to "model" fail, the second
// needs "model" with default options. Each passes alone; the second passes after the first only if
// nothing of the first run's oracle registry survives into later runs.
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <string>

using namespace std::chrono_literals;

OMEGA_SCENARIO("leak/oracle-always-fails") {
  auto& model = omega::oracle("model", omega::OracleOptions{1ms, 2ms, 1.0, 0.0});
  bool failed = false;
  try {
    (void)model.call(std::string("question"), [](const std::string& q) { return q; });
  } catch (const omega::OracleError&) {
    failed = true;
  }
  omega::check(failed, "error_probability = 1.0 makes the call fail");
}

OMEGA_SCENARIO("leak/oracle-defaults") {
  auto& model = omega::oracle("model");
  const std::string answer =
      model.call(std::string("question"), [](const std::string& q) { return q + ": answer"; });
  omega::check(answer == "question: answer", "the call with default options succeeds: " + answer);
}
