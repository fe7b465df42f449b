#include "critic_json.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace omega::cli {

Json repairs_json(const critic::Finding& f) {
  Json repairs = Json::array();
  for (const auto& r : f.repairs) {
    Json j = {{"kind", r.kind}, {"targets", r.targets}, {"explanation", r.explanation}, {"checked", r.checked}};
    if (r.checked) j["verdict"] = r.verdict;
    repairs.push_back(std::move(j));
  }
  return repairs;
}

Json finding_json(const critic::Finding& f) {
  return {{"rule", f.rule},         {"level", f.level},       {"scenario", f.scenario},
          {"source", f.source},     {"message", f.message},   {"evidence", f.evidence},
          {"repairs", repairs_json(f)}, {"signature", f.signature}};
}

critic::Finding finding_from_json(const Json& j) {
  critic::Finding f;
  j.at("rule").get_to(f.rule);
  j.at("level").get_to(f.level);
  j.at("scenario").get_to(f.scenario);
  j.at("source").get_to(f.source);
  j.at("message").get_to(f.message);
  j.at("evidence").get_to(f.evidence);
  j.at("signature").get_to(f.signature);
  for (const auto& r : j.at("repairs")) {
    critic::Repair repair;
    r.at("kind").get_to(repair.kind);
    r.at("targets").get_to(repair.targets);
    r.at("explanation").get_to(repair.explanation);
    r.at("checked").get_to(repair.checked);
    if (r.contains("verdict")) r.at("verdict").get_to(repair.verdict);
    f.repairs.push_back(std::move(repair));
  }
  return f;
}

std::string finding_text(const critic::Finding& f, std::string_view indent) {
  std::string out = fmt::format("{}{} {} [{}]: {}\n", indent, f.level, f.rule, f.scenario, f.message);
  for (const auto& e : f.evidence) out += fmt::format("{}    evidence: {}\n", indent, e);
  for (const auto& r : f.repairs)
    out += fmt::format("{}    repair: {}{{{}}} ({}): {}\n", indent, r.kind, fmt::join(r.targets, ", "),
                       r.checked ? "checked: " + r.verdict : "unchecked", r.explanation);
  return out;
}

}  // namespace omega::cli
