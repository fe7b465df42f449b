// A check-then-call cache in front of an expensive model: two fibers that miss the same key
// both call the model. The fix is Singleflight (or Memo).
#include <omega/omega.hpp>
#include <omega/scenario.hpp>

#include <map>
#include <string>
#include <vector>

OMEGA_SCENARIO("examples/duplicate-oracle-calls") {
  auto& model = omega::oracle("embedder");
  omega::Shared<std::map<std::string, std::string>> cache("cache");
  int model_calls = 0;
  auto embed = [&](const std::string& doc) {
    auto seen = cache.load();
    if (auto hit = seen.find(doc); hit != seen.end()) return hit->second;
    const std::string vector = model.call(doc, [&](const std::string& d) {
      ++model_calls;
      return "vec(" + d + ")";
    });
    auto now = cache.load();
    now[doc] = vector;
    cache.store(now);
    return vector;
  };
  std::vector<omega::Fiber<std::string>> fibers;
  for (const char* doc : {"report", "report", "memo"})
    fibers.push_back(omega::spawn([&, doc] { return embed(doc); }, std::string("embed ") + doc));
  for (auto& f : fibers) omega::join(f);
  omega::check(model_calls == 2, "duplicate oracle call: " + std::to_string(model_calls) +
                                     " model calls for 2 distinct documents");
}
