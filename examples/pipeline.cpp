// classify -> redact -> verify, correct: fibers fan out over documents, a memo-wrapped oracle
// classifies each distinct document once, a channel feeds the redaction stage.
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <string>
#include <vector>

namespace {
std::string classify(const std::string& doc) { return doc == "contract" ? "secret" : "public"; }
}  // namespace

OMEGA_SCENARIO("examples/pipeline") {
  auto& model = omega::oracle("classifier");
  omega::Memo<std::string, std::string> labels(64, "labels");
  omega::Channel<std::string> to_redact(2, "to-redact");
  std::vector<omega::Fiber<void>> classifiers;
  for (std::string doc : {"memo", "invoice", "memo", "contract"})
    classifiers.push_back(omega::spawn([&, doc] {
      const std::string label = labels.get(doc, [&] { return model.call(doc, classify); });
      to_redact.send(label == "secret" ? "[redacted]" : doc);
    }, "classify " + doc));
  auto redactor = omega::spawn([&] {
    int redacted = 0, passed = 0;
    while (auto doc = to_redact.recv()) (*doc == "[redacted]" ? redacted : passed) += 1;
    return redacted * 100 + passed;
  }, "redact");
  for (auto& c : classifiers) omega::join(c);
  to_redact.close();
  omega::check(omega::join(redactor) == 103, "verify: one document redacted, three passed");
  omega::check(labels.stats().flights.executions == 3, "verify: one model call per distinct document");
}
